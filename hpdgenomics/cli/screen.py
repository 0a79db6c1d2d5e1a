"""``hpdgenomics screen``: the pre-ICI caution report for one tumour."""
from __future__ import annotations

import logging

import click

from ..io.manifest import PLOIDY_RANGE, PURITY_RANGE, SEG_LOG_BASES, SEXES
from . import INPUT_FILE, OUTPUT_DIR, common_options

log = logging.getLogger("hpdgenomics")


@click.command("screen")
@click.option("--vcf", type=INPUT_FILE,
              help="Somatic VCF (.vcf or .vcf.gz; indexed files are read by region).")
@click.option("--cnv", type=INPUT_FILE,
              help="Copy-number file (CNVkit, SEG, GATK, PURPLE, FACETS, ASCAT, Sequenza, PCGR, "
                   "cBioPortal, CN VCF).")
@click.option("-o", "--out", "out_dir", type=OUTPUT_DIR,
              required=True, help="Output folder for <sample>.hpd.json/.tsv/.clinical.tsv/.html "
                                  "(and .pdf with --pdf).")
@click.option("--sample", help="Tumour sample name in a multi-sample VCF or copy-number file.")
@click.option("--cnv-sample",
              help="Tumour sample name in the copy-number file, when the callers named it "
                   "differently (default: the value of --sample).")
@click.option("--sample-id",
              help="Name used for the report and its files (default: the tumour sample).")
@click.option("--build", type=click.Choice(["GRCh37", "GRCh38", "hg19", "hg38"],
                                           case_sensitive=False),
              help="Genome build (default: detected from the VCF header).")
@click.option("--panel", "panel_bed", type=INPUT_FILE, help="BED of the assay's target regions.")
@click.option("--genes", help="Comma-separated genes the assay covers (instead of --panel); "
                               "each must be a knowledge-base gene, upper case (see "
                               "`hpdgenomics knowledge show`).")
@click.option("--knowledge", "knowledge_file", type=INPUT_FILE,
              help="A knowledge-base YAML that extends (or with --knowledge-mode replace, "
                   "replaces) the bundled rules.")
@click.option("--knowledge-mode", type=click.Choice(["extend", "replace"]), default="extend",
              show_default=True)
@click.option("--include-filtered", is_flag=True,
              help="Also screen records whose FILTER is not PASS.")
@click.option("--cnv-format", help="Copy-number format name (default: detected).")
@click.option("--seg-log-base", type=click.Choice([f"{b:g}" for b in SEG_LOG_BASES]),
              help="Log base of SEG values (default 2).")
@click.option("--purity", type=click.FloatRange(*PURITY_RANGE),
              help="Tumour purity for log2-to-copies conversion.")
@click.option("--ploidy", type=click.FloatRange(*PLOIDY_RANGE),
              help="Tumour ploidy (default: from the caller, else 2).")
@click.option("--sex", type=click.Choice(SEXES),
              help="Sample sex, for copy-number calls on X and Y (default: from the caller, else "
                   "X/Y not called).")
@click.option("--patient", type=INPUT_FILE,
              help="The patient's pre-treatment clinical factors (YAML, key/value table or wide "
                   "table; docs/clinical.md): shown in a separate Clinical factors section, "
                   "never part of the genomic caution level.")
@click.option("--patient-id",
              help="The row of a multi-patient --patient table (its sample_id, else patient_id; "
                   "default: the sample id).")
@click.option("--pdf", "pdf", is_flag=True,
              help="Also write <sample>.hpd.pdf, the HTML report laid out for print "
                   "(needs: pip install 'hpdgenomics[pdf]').")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False),
              help="Paper size of the PDF (default a4; needs --pdf).")
@click.option("--print-summary", is_flag=True,
              help="Print the caution level and output paths on stdout.")
@common_options
def command(vcf, cnv, out_dir, sample, cnv_sample, sample_id, build, panel_bed, genes,
            knowledge_file, knowledge_mode, include_filtered, cnv_format, seg_log_base, purity,
            ploidy, sex, patient, patient_id, pdf, paper, print_summary):
    """Screen one tumour's somatic VCF and/or copy-number results for HPD-associated alterations.

    Writes <sample>.hpd.json, <sample>.hpd.tsv, <sample>.hpd.clinical.tsv and <sample>.hpd.html
    (and with --pdf, <sample>.hpd.pdf) into --out. stdout stays empty unless --print-summary is
    given. """
    from ..knowledge import load_knowledge
    from ..knowledge.validate import check_gene_list, knowledge_genes
    from ..outputs import check_output_dir
    from ..report.render import check_pdf_support, write_reports
    from ..screen import ScreenInputs, screen_sample

    if vcf is None and cnv is None:
        raise click.UsageError("give --vcf, --cnv, or both")
    if sample_id is not None and not sample_id.strip():
        raise click.BadParameter("is blank; give a name or leave the option out",
                                 param_hint="'--sample-id'")
    if patient_id is not None and patient is None:
        raise click.UsageError("--patient-id picks a row of the --patient table; add --patient "
                               "FILE or leave --patient-id out")
    if paper is not None and not pdf:
        raise click.UsageError("--paper sets the PDF's paper size; add --pdf or leave it out")
    check_output_dir(out_dir)
    if pdf:
        check_pdf_support()   # a missing extra fails now, not after the screen
    knowledge = load_knowledge(knowledge_file, mode=knowledge_mode)
    if genes is not None:
        # a typo or a wrong separator must not make every rule silently "not evaluable"
        genes = check_gene_list(genes.split(","), knowledge_genes(knowledge), option="--genes")
    inputs = ScreenInputs(
        vcf=vcf, cnv=cnv, sample=sample, cnv_sample=cnv_sample, sample_id=sample_id, build=build,
        panel_bed=panel_bed,
        genes=genes,
        include_filtered=include_filtered, cnv_format=cnv_format,
        seg_log_base=float(seg_log_base) if seg_log_base else None, purity=purity, ploidy=ploidy,
        sex=sex, patient=patient, patient_id=patient_id)
    report = screen_sample(inputs, knowledge)
    paths = write_reports(report, out_dir, pdf=pdf, paper=(paper or "a4").lower())
    if report.warnings:
        log.warning("%s: %d data warning(s), listed in the report; the first: %s",
                    report.sample_id, len(report.warnings), report.warnings[0])
    log.info("%s: caution level %s; wrote %s", report.sample_id, report.caution["level"],
             ", ".join(str(p) for p in paths.values()))
    if print_summary:
        click.echo(f"{report.sample_id}\t{report.caution['level']}\t" +
                   "\t".join(str(p) for p in paths.values()))
