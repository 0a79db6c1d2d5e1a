"""Readers, one module per input format, behind a registry (see :mod:`hpdgenomics.io.registry`).

Every reader module's docstring states the format, its coordinate convention and what it
normalises to.
"""
