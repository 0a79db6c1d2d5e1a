"""Curated knowledge-base data files (rules, panel tables, hotspots) shipped with hpdgenomics."""
