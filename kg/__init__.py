"""The regional ICT cooperation knowledge graph.

The public entry point is :class:`KnowledgeGraph` (``from kg import KnowledgeGraph``);
errors are :class:`KGError` and its subclasses (:mod:`kg.errors`). Heavy
libraries (rdflib, owlrl, pyshacl) load only when first used, so importing
``kg`` and running ``kg --help`` stay fast.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from kg.errors import KGError

try:
    __version__ = version("ict-coop-kg")
except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from kg.api import KnowledgeGraph

__all__ = ["KGError", "KnowledgeGraph", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "KnowledgeGraph":
        from kg.api import KnowledgeGraph

        return KnowledgeGraph
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
