"""Comparing two SHACL validation reports (pySHACL's and the compiled shapes'), result by result.

Used by tests/test_shapes.py (every shape fixture through both engines) and tests/test_engine_shacl.py (every
SHACL construct, generated data, pinned differences).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from rdflib import XSD, BNode, Graph, Literal
from rdflib.namespace import SH


def _message_language(message: Literal) -> str:
    """As kg.validate reads a result message: its tag, or the script of an untagged one."""
    if message.language:
        return message.language
    return "ar" if any("\u0600" <= ch <= "\u06ff" for ch in str(message)) else "en"


def _describe(graph: Graph, node: Any, depth: int = 0) -> Any:
    """A term for comparison: a blank node by what the graph says about it (its id is the engines' business);
    ``"a"^^xsd:string`` as ``"a"`` (one RDF term, two rdflib terms)."""
    if isinstance(node, BNode):
        if depth > 8:
            return "…"
        return tuple(sorted((str(p), _describe(graph, o, depth + 1)) for p, o in graph.predicate_objects(node)))
    if isinstance(node, Literal) and node.datatype == XSD.string:
        return Literal(str(node))
    return node


def _declares_message(shapes: Graph, report: Graph, result: Any) -> bool:
    nodes = [report.value(result, SH.sourceShape), report.value(result, SH.sourceConstraint)]
    return any(n is not None and ((n, SH.message, None) in report or (n, SH.message, None) in shapes)
               for n in nodes)


def normalise(report: Graph, shapes: Graph) -> Counter:
    """The report's top-level results as a multiset of comparable tuples. Messages are compared as
    (language as kg.validate reads it, text); where neither the shape nor the SPARQL constraint declares a
    message each engine words its own, so only their presence is compared."""
    found: Counter = Counter()
    for r in report.objects(None, SH.result):
        v = report.value
        messages: Any = frozenset((_message_language(m), str(m)) for m in report.objects(r, SH.resultMessage))
        if not _declares_message(shapes, report, r):
            messages = "generic" if messages else "none"
        found[(
            _describe(report, v(r, SH.focusNode)), _describe(report, v(r, SH.resultPath)),
            v(r, SH.sourceConstraintComponent), _describe(report, v(r, SH.value)),
            _describe(report, v(r, SH.sourceShape)), v(r, SH.resultSeverity), messages,
        )] += 1
    return found


def assert_same_reports(reference: Graph, fast: Graph, shapes: Graph) -> Counter:
    """pySHACL's report (``reference``) and the compiled shapes' (``fast``) hold the same results and the same
    ``sh:conforms``; on failure, both sides of the difference are printed. Returns the normalised results."""
    expected, actual = normalise(reference, shapes), normalise(fast, shapes)
    if expected != actual:
        lines = ["pySHACL only:"] + [f"  {k} x{n}" for k, n in (expected - actual).items()]
        lines += ["compiled only:"] + [f"  {k} x{n}" for k, n in (actual - expected).items()]
        pytest.fail("\n".join(lines))
    conforms = {bool(c.toPython()) for c in reference.objects(None, SH.conforms)}
    assert conforms == {bool(c.toPython()) for c in fast.objects(None, SH.conforms)} == {not expected}
    return actual
