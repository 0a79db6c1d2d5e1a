"""``hpdgenomics cohort``: alteration counts and outcome association statistics for a cohort."""
from __future__ import annotations

import logging
from pathlib import Path

import click

from . import INPUT_FILE, OUTPUT_DIR, _State, common_options
from .progress import progress_bar, progress_wanted

log = logging.getLogger("hpdgenomics")


#: options that take several files after one option (what the shell makes of a glob)
_SEVERAL_FILES = ("--gene-panel", "--reports")


class _CohortCommand(click.Command):
    """Reads ``--gene-panel a.txt b.txt`` (what the shell makes of ``--gene-panel panels/*.txt``)
    as one ``--gene-panel`` per file, and ``--reports`` likewise: the command takes no positional
    arguments, so every argument after the option's value that is not an option is one more
    file of that option."""

    def parse_args(self, ctx, args):
        rewritten: list[str] = []
        following = None            # the option whose value came last (--gene-panel, --reports)
        expects_value = None        # the option given bare just before
        for arg in args:
            if arg == "--":
                following = expects_value = None
            elif expects_value:
                expects_value, following = None, expects_value
            elif following and not arg.startswith("-"):
                rewritten.append(following)
            else:
                following = next((o for o in _SEVERAL_FILES if arg.startswith(o + "=")), None)
                expects_value = arg if arg in _SEVERAL_FILES else None
            rewritten.append(arg)
        return super().parse_args(ctx, rewritten)


@click.command("cohort", cls=_CohortCommand)
@click.option("--manifest", type=INPUT_FILE,
              help="Tab-separated list of samples (sample_id, vcf, cnv, [patient_id, panel, "
                   "tumor_type, sample, cnv_sample, build, cnv_format, seg_log_base, purity, "
                   "ploidy, sex, ...]); each sample is screened like `hpdgenomics screen` with "
                   "its row's settings. With --reports: the sample sheet only (nothing is "
                   "screened; vcf/cnv columns optional).")
@click.option("--reports", "reports", multiple=True,
              type=click.Path(exists=True, readable=True, path_type=Path),
              help="Finished `hpdgenomics screen` reports: folders (searched recursively for "
                   "*.hpd.json) and/or report files; repeatable, or several after one option. "
                   "Nothing is screened; with --manifest, the manifest is the sample sheet only "
                   "(patient_id, tumor_type, ...).")
@click.option("--maf", type=INPUT_FILE, help="Cohort MAF (vcf2maf, GDC, cBioPortal, GENIE).")
@click.option("--cna", type=INPUT_FILE,
              help="Gene-level copy-number matrix (cBioPortal/GISTIC discrete or log2).")
@click.option("--cna-format", help="Copy-number matrix format (default: detected).")
@click.option("--gene-panel-matrix", type=INPUT_FILE,
              help="cBioPortal gene-panel matrix: which samples were profiled for which genes.")
@click.option("--gene-panel", "gene_panels", type=INPUT_FILE, multiple=True,
              help="Gene panel definition (cBioPortal stable_id/gene_list, or panel_id/gene TSV); "
                   "repeatable, or several files after one option (--gene-panel panels/*.txt).")
@click.option("--clinical", type=INPUT_FILE,
              help="Clinical table (TSV/CSV or cBioPortal clinical file).")
@click.option("--clinical-samples", type=INPUT_FILE,
              help="cBioPortal samples file mapping SAMPLE_ID to PATIENT_ID.")
@click.option("--id-column", help="Identifier column of the clinical table (default: PATIENT_ID, "
                                  "else SAMPLE_ID / Tumor_Sample_Barcode).")
@click.option("--time-column",
              help="Time-to-treatment-failure column [default: TTF_MONTHS; required for "
                   "--outcome ttf, used when present for binary/hpd outcomes].")
@click.option("--status-column",
              help="Event column (1:.../0:..., 1/0, words) [default: TTF_STATUS; as for "
                   "--time-column].")
@click.option("--time-unit", type=click.Choice(["days", "weeks", "months"]),
              help="Unit of the time column [default: months, checked: a column whose values "
                   "only make sense in days or weeks stops the run until this is given].")
@click.option("--on-invalid", type=click.Choice(["error", "missing"]), default="error",
              show_default=True, help="Unreadable clinical values: stop (listing all) or treat "
                                      "them as missing (listed in the join report).")
@click.option("--outcome", default="ttf", show_default=True,
              help="ttf (early failure + survival), binary:<COLUMN>, or hpd:<definition>.")
@click.option("--hpd-calls", type=click.Path(exists=True, path_type=Path),
              help="hpd_calls.tsv (or its folder) from `hpdgenomics hpd-classify`, for "
                   "--outcome hpd:<definition>.")
@click.option("--early-failure-months", type=click.FloatRange(min=0, min_open=True), default=2.0,
              show_default=True, help="Early failure: TTF below this many months.")
@click.option("--covariate", "covariates", multiple=True,
              help="Clinical or manifest column to adjust Firth and Cox models for; repeatable. "
                   "Also a patient factor (ldh_ratio, ecog, ...) or a CLIN_* rule id "
                   "(CLIN_METS_GT2: 1 met, 0 not met).")
@click.option("--clinical-factor", "clinical_factors", multiple=True, metavar="KEY=COLUMN",
              help="Read clinical column COLUMN as patient factor KEY (ldh, ecog, "
                   "albumin_g_l, ... docs/clinical.md); repeatable. Columns named by a key or "
                   "alias (ECOG, LDH, 'Albumin (g/dL)') are found without it.")
@click.option("--strata", multiple=True,
              help="Column to stratify the Cox model by (e.g. tumor_type); repeatable.")
@click.option("--multi-sample-policy", type=click.Choice(["first", "error"]), default="first",
              show_default=True, help="When a patient has several samples.")
@click.option("--tcga-barcodes-to-patients", is_flag=True,
              help="Map TCGA sample/aliquot barcodes to the clinical table's patient ids by their "
                   "first 12 characters (off: only an exact id or a samples file maps them).")
@click.option("--build", type=click.Choice(["GRCh37", "GRCh38", "hg19", "hg38"],
                                           case_sensitive=False),
              help="Genome build (default: from the VCFs or the MAF's NCBI_Build).")
@click.option("--knowledge", "knowledge_path", type=INPUT_FILE, help="Knowledge-base YAML.")
@click.option("--knowledge-mode", type=click.Choice(["extend", "replace"]), default="extend",
              show_default=True)
@click.option("--include-filtered", is_flag=True,
              help="Manifest path: also screen VCF records whose FILTER is not PASS.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Parallel screening processes (default: all cores); with --dask-scheduler "
                   "local, the LocalCluster's worker processes.")
@click.option("--dask-scheduler", metavar="ADDRESS|local",
              help="Manifest path: screen the samples as Dask tasks on the running scheduler at "
                   "ADDRESS (tcp://host:port), or on a LocalCluster started here ('local'). "
                   "Workers must see the input files and --out at the same paths (shared file "
                   "system). Needs: pip install 'hpdgenomics[dask]'.")
@click.option("--no-plots", is_flag=True, help="Skip the figures (faster).")
@click.option("--cbioportal-study-id", metavar="ID",
              help="cancer_study_identifier written in cbioportal/meta_clinical_sample_hpd.txt "
                   "(the study the HPD sample attributes are imported into; default: "
                   "hpdgenomics_cohort).")
@click.option("-o", "--out", "out_dir", type=OUTPUT_DIR,
              required=True, help="Output folder.")
@common_options
def command(manifest, reports, maf, cna, cna_format, gene_panel_matrix, gene_panels, clinical,
            clinical_samples, id_column, time_column, status_column, time_unit, on_invalid,
            outcome, hpd_calls, early_failure_months, covariates, clinical_factors, strata,
            multi_sample_policy,
            tcga_barcodes_to_patients, build, knowledge_path, knowledge_mode, include_filtered,
            workers, dask_scheduler, no_plots, cbioportal_study_id, out_dir):
    """Screen a cohort and test HPD-associated alterations against treatment outcome.

    Three ways in: --manifest (per-sample VCF/copy-number files, screened in parallel; a rerun
    reuses unchanged samples), --reports (finished per-sample reports of `hpdgenomics screen`
    jobs, e.g. from a workflow engine) or cohort files (--maf and/or --cna, with
    --gene-panel-matrix).
    Writes calls.tsv, matrix.tsv, association.tsv, cohort.json, cohort.html, plots/ and
    cbioportal/ (sample attributes for a cBioPortal study) into --out.
    Research use only.
    """
    from ..cohort.report import CohortConfig, run_cohort, write_cohort_outputs
    from ..outputs import check_output_dir

    check_output_dir(out_dir)
    if cbioportal_study_id is not None:     # a typo fails before anything is screened
        from ..cohort.cbioportal import check_study_id
        check_study_id(cbioportal_study_id)

    config = CohortConfig(
        manifest=manifest, reports=tuple(reports), maf=maf, cna=cna, cna_format=cna_format,
        gene_panel_matrix=gene_panel_matrix, gene_panels=tuple(gene_panels), clinical=clinical,
        clinical_samples=clinical_samples, id_column=id_column, time_column=time_column,
        status_column=status_column, time_unit=time_unit, on_invalid=on_invalid, outcome=outcome,
        hpd_calls=hpd_calls, early_failure_months=early_failure_months,
        covariates=tuple(covariates), strata=tuple(strata), policy=multi_sample_policy,
        build=build, knowledge_path=knowledge_path, knowledge_mode=knowledge_mode,
        include_filtered=include_filtered, workers=workers, dask_scheduler=dask_scheduler,
        tcga_barcode_patients=tcga_barcodes_to_patients,
        clinical_factors=tuple(clinical_factors), out_dir=out_dir)

    state = click.get_current_context().find_object(_State)
    quiet = getattr(state, "verbosity", 0) < 0
    logged = _LoggedWarnings()
    logging.getLogger("hpdgenomics").addHandler(logged)
    try:
        label = "gathering" if reports else "screening" if manifest is not None else "evaluating"
        with progress_bar(label, enabled=progress_wanted(quiet=quiet)) as progress:
            report = run_cohort(config, progress)
    finally:
        logging.getLogger("hpdgenomics").removeHandler(logged)
    # every warning of the report reaches stderr too, once: those the library logged already
    # are not repeated
    for warning in dict.fromkeys([*report.warnings, *report.analysis.warnings]):
        if not any(warning in message for message in logged.messages):
            log.warning("%s", warning)
    paths = write_cohort_outputs(report, out_dir, plots=not no_plots,
                                 cbioportal_study_id=cbioportal_study_id)
    log.info("cohort of %d samples; wrote %s", len(report.analysis.samples),
             ", ".join(str(p) for p in paths.values()))


class _LoggedWarnings(logging.Handler):
    """Remembers the warnings the library logged during a run (to avoid repeating them)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
