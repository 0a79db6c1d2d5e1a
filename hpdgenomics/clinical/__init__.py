"""Pre-treatment clinical factors reported with HPD: their vocabulary (:mod:`.factors`) and the
evaluation of the knowledge base's CLIN_* rules on one patient (:mod:`.evaluate`).

Clinical factors are shown beside the genomic findings and never change the genomic caution
level (docs/clinical.md). Nothing is imported here eagerly: :mod:`.factors` is a leaf module that
the readers (``io``) and the knowledge-base validation import.
"""
