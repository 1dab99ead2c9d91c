"""The regional ICT cooperation knowledge graph.

The public entry point is :class:`KnowledgeGraph` (``from kg import KnowledgeGraph``);
errors are :class:`KGError` and its subclasses (:mod:`kg.errors`). Heavy
libraries (rdflib, owlrl, pyshacl) load only when first used, so importing
``kg`` and running ``kg --help`` stay fast.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs milliseconds before the signal handlers
if TYPE_CHECKING:
    from typing import Any

    from kg.api import KnowledgeGraph
    from kg.errors import KGError

__all__ = ["KGError", "KnowledgeGraph", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "KGError":  # lazily too: the console script installs its signal handlers before any import
        from kg.errors import KGError

        return KGError
    if name == "KnowledgeGraph":
        from kg.api import KnowledgeGraph

        return KnowledgeGraph
    if name == "__version__":  # importlib.metadata costs tens of milliseconds: only when asked
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("ict-coop-kg")
        except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
