"""SHACL validation with pySHACL, and a report users can read.

The shapes (``ontology/*.shapes.ttl``) run, with SHACL-SPARQL enabled, on the
union of the *asserted* graphs: ontology, reference data and articles. The
OWL-RL inferences are left out on purpose: ``rdfs:range`` entailments would
type every value as whatever its property expects, and every ``sh:class``
check would pass vacuously. The ontology's ``rdfs:subClassOf`` axioms are in
the data graph, so targets and ``sh:class`` still see subclasses. Each result becomes a :class:`Violation` that names the focus node by
its labels and, where the node has evidence, quotes the source sentence.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg import evidence, resources
from kg.errors import DataError
from kg.load import parse_into, union_graph
from kg.namespaces import KG, bind_prefixes


@dataclass(frozen=True)
class Violation:
    """One SHACL result, with what a reader needs to find and fix it."""

    focus: str
    """The focus node's IRI (or N3 form for blank nodes and literals)."""
    constraint: str
    """The SHACL constraint component, e.g. ``sh:MinCountConstraintComponent``."""
    path: str | None = None
    value: str | None = None
    severity: str = "sh:Violation"
    shape: str | None = None
    messages: dict[str, str] = field(default_factory=dict)
    """The result messages by language tag (``en``, ``ar``)."""
    labels: dict[str, str] = field(default_factory=dict)
    """The focus node's ``rdfs:label`` by language tag."""
    sentence: str | None = None
    """The article sentence of the focus node's first quotation, if a sourced fact about it has one."""

    def label(self, lang: str = "en") -> str:
        """The focus node's label in ``lang`` (falling back to any label, then to the IRI)."""
        return self.labels.get(lang) or next(iter(self.labels.values()), self.focus)

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (falling back to any message)."""
        return self.messages.get(lang) or next(iter(self.messages.values()), "")

    @property
    def key(self) -> tuple[str, str | None, str]:
        """(focus, path, constraint): what identifies a violation, messages aside."""
        return (self.focus, self.path, self.constraint)


@dataclass
class ValidationReport:
    """The outcome of a SHACL validation: whether the data conforms, and why not."""

    conforms: bool
    violations: list[Violation]
    graph: Graph
    """The SHACL validation report as RDF."""

    def by_focus(self) -> dict[str, list[Violation]]:
        """The violations grouped by focus node, in a stable order."""
        grouped: dict[str, list[Violation]] = {}
        for v in self.violations:
            grouped.setdefault(v.focus, []).append(v)
        return grouped

    def to_json(self) -> str:
        """The report as JSON (UTF-8 text, Arabic as characters)."""
        return json.dumps(
            {"conforms": self.conforms, "violations": [asdict(v) for v in self.violations]},
            ensure_ascii=False, indent=2, sort_keys=True,
        ) + "\n"

    def to_turtle(self) -> str:
        """The SHACL report graph as Turtle."""
        return self.graph.serialize(format="turtle")

    def to_text(self, lang: str = "en") -> str:
        """A readable report grouped by focus node, labels and messages in ``lang``."""
        from kg.i18n import text

        if self.conforms:
            return text("conforms", lang) + "\n"
        lines = [text("not-conform", lang, violations=len(self.violations), nodes=len(self.by_focus())), ""]
        for focus, items in self.by_focus().items():
            lines.append(f"● {items[0].label(lang)}  <{focus}>")
            if items[0].sentence:
                lines.append(f"  {text('source', lang)}: «{items[0].sentence}»")
            for v in items:
                lines.append(f"  - {v.message(lang)}")
                detail = [f"{text('constraint', lang)} {v.constraint}"]
                if v.path:
                    detail.insert(0, f"{text('path', lang)} {v.path}")
                if v.value is not None:
                    detail.insert(1 if v.path else 0, f"{text('value', lang)} {v.value}")
                lines.append(f"    ({'; '.join(detail)})")
            lines.append("")
        return "\n".join(lines)


def shapes_graph() -> Graph:
    """The packaged SHACL shapes, parsed."""
    shapes = Graph()
    for f in resources.shapes_files():
        parse_into(shapes, f, label=f"ontology/{f.name}")
    return shapes


_NAMES = Graph()
bind_prefixes(_NAMES)


def _short(term) -> str:  # type: ignore[no-untyped-def]
    """A term as a reader writes it: ``kg:operator`` for an IRI in a known namespace."""
    if isinstance(term, URIRef):
        try:
            return _NAMES.namespace_manager.normalizeUri(term)
        except Exception:  # pragma: no cover - rdflib cannot always shorten
            return f"<{term}>"
    if isinstance(term, Literal):
        return str(term)
    return term.n3()


_EVIDENCE_SPAN = """
PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?text ?start ?end WHERE {
    # the focus node's first quotation: through a sourced fact about it, its own (a fact), or itself
    { ?fact rdf:subject ?focus ; kg:evidence ?ev } UNION { ?focus kg:evidence ?ev } UNION { ?focus oa:hasSelector ?any BIND (?focus AS ?ev) }
    ?ev oa:hasSource ?doc ; oa:hasSelector ?p .
    ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    ?doc schema:text ?text .
} ORDER BY ?start LIMIT 1
"""


def _sentence(data: Graph, focus) -> str | None:  # type: ignore[no-untyped-def]
    if not isinstance(focus, URIRef):
        return None
    for row in data.query(_EVIDENCE_SPAN, initBindings={"focus": focus}):
        try:
            return evidence.sentence_at(str(row.text), int(row.start), int(row.end))
        except (TypeError, ValueError):
            return None
    return None


def _path(report: Graph, path) -> str:  # type: ignore[no-untyped-def]
    """A result path as SPARQL writes it: ``kg:operator``, or ``^rdf:subject`` for an inverse path."""
    inverse = report.value(path, SH.inversePath) if not isinstance(path, URIRef) else None
    if inverse is not None:
        return "^" + _short(inverse)
    return _short(path)


def _labels(data: Graph, focus) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The focus node's ``rdfs:label`` values by language tag; a sourced fact (which has no label) is named by
    the labels of the node it is about."""
    labels = dict(sorted((lbl.language or "", str(lbl)) for lbl in data.objects(focus, RDFS.label)
                         if isinstance(lbl, Literal)))
    if not labels and isinstance(focus, URIRef):
        subject = data.value(focus, RDF.subject)
        if subject is not None and subject != focus and (focus, RDF.type, KG.Fact) in data:
            return _labels(data, subject)
    return labels


def _order(v: Violation) -> tuple[str, str, str, str]:
    return (v.focus, v.path or "", v.constraint, v.value or "")


def _message_language(message: Literal) -> str:
    """The language of a result message: its tag, or for an untagged one (pySHACL drops the tags of
    SHACL-SPARQL messages) ``ar`` when it is written in Arabic script, else ``en``."""
    if message.language:
        return message.language
    return "ar" if any("\u0600" <= ch <= "\u06ff" for ch in str(message)) else "en"


def _violations(report: Graph, data: Graph) -> list[Violation]:
    found = []
    # top-level results only: nested sh:detail results explain their parent, they are not violations of their own
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        messages = {
            _message_language(m): str(m) for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)
        }
        found.append(Violation(
            focus=str(focus) if isinstance(focus, URIRef) else focus.n3(),
            constraint=_short(report.value(result, SH.sourceConstraintComponent)),
            path=_path(report, path) if path is not None else None,
            value=_short(value) if value is not None else None,
            severity=_short(report.value(result, SH.resultSeverity)),
            shape=_short(report.value(result, SH.sourceShape))
            if isinstance(report.value(result, SH.sourceShape), URIRef) else None,
            messages=dict(sorted(messages.items())),
            labels=_labels(data, focus),
            sentence=_sentence(data, focus),
        ))
    return found


def validate_graph(data: Graph) -> ValidationReport:
    """Validate ``data`` (asserted triples and the ontology, in one graph) against the shapes."""
    import pyshacl  # heavy: imported when validation is asked for

    conforms, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        inference="none",
        advanced=True,
        allow_warnings=False,
    )
    if not isinstance(report, Graph):
        raise DataError(f"the SHACL shapes could not be applied: {text}")
    bind_prefixes(report)
    violations = sorted(_violations(report, data) + query_violations(data), key=_order)
    return ValidationReport(conforms=bool(conforms) and not violations, violations=violations, graph=report)


def query_violations(data: Graph) -> list[Violation]:
    """Rows of the packaged ``*-violation.rq`` queries, as violations (constraint ``query:<name>``).

    Each such query selects ``?focus`` and, optionally, ``?path``, ``?value`` and ``?message``. They run in
    Oxigraph's SPARQL engine (through oxrdflib) on a copy of ``data``: the same queries, with the same rows on
    rdflib, Oxigraph and Virtuoso (tests/test_store.py, tests/test_virtuoso.py), several times faster than
    rdflib's engine on their whole-graph scans.
    """
    from kg.query import list_queries, run_local

    engine = Graph(store="Oxigraph")
    engine.parse(data=data.serialize(format="nt", encoding="utf-8"), format="nt")
    found = []
    for q in list_queries():
        if not q.is_violation_check:
            continue
        for row in run_local(engine, q.text, label=q.name, inline_values=True).rows:
            focus = row.get("focus")
            if focus is None:
                continue
            messages = {"en": str(row.get("message") or q.title)}
            if q.title_ar:
                messages["ar"] = q.title_ar
            found.append(Violation(
                focus=str(focus) if isinstance(focus, URIRef) else focus.n3(),
                constraint=f"query:{q.name}",
                path=_short(row["path"]) if row.get("path") is not None else None,
                value=_short(row["value"]) if row.get("value") is not None else None,
                messages=messages,
                labels=_labels(data, focus),
                sentence=_sentence(data, focus),
            ))
    return found


def validate_dataset(ds: Dataset) -> ValidationReport:
    """Validate the asserted graphs of ``ds`` together (see the module docstring)."""
    return validate_graph(union_graph(ds, inferred=False))
