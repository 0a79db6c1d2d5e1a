"""MultiQC plugin: an "hpdgenomics" section in a MultiQC report.

Registered through the package's entry points (``multiqc.modules.v1`` for the module,
``multiqc.hooks.v1`` for the file search pattern), so ``pip install 'hpdgenomics[multiqc]'`` is all
a user does; ``multiqc DIR`` then finds every ``*.hpd.json`` screen report under DIR. MultiQC
imports these modules at its start-up: they import nothing from the rest of hpdgenomics (the
reports are read as plain JSON), and this file imports nothing at all.
"""
