"""The knowledge base: rules, panel genes and hotspots, loaded from ``annotations/``.

Public API: :class:`KnowledgeBase`, :func:`load_knowledge`, :func:`validate_knowledge_file`,
:class:`~hpdgenomics.knowledge.panel.Panel`.
"""
from .panel import Panel, Region

__all__ = ["Panel", "Region"]
