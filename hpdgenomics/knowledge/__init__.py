"""The knowledge base: rules, panel genes and hotspots, loaded from ``annotations/``.

Public API: :class:`KnowledgeBase`, :func:`load_knowledge`, :func:`validate_knowledge_file`,
:func:`bundled_annotations_dir`, :class:`~hpdgenomics.knowledge.panel.Panel`.  Importing this
package parses nothing; the bundled files are read on the first :func:`load_knowledge` call.
"""
from .base import (
           KnowledgeBase,
           bundled_annotations_dir,
           load_knowledge,
           validate_knowledge_file,
)
from .panel import Panel, Region

__all__ = ["KnowledgeBase", "Panel", "Region", "bundled_annotations_dir", "load_knowledge",
           "validate_knowledge_file"]
