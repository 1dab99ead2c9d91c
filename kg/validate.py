"""SHACL validation, and a report users can read.

Two engines (chosen once per build, see :mod:`kg.engine.store`): the *reference* engine runs pySHACL on an
rdflib graph; the *fast* engine runs the shapes compiled to SPARQL (:mod:`kg.engine.shacl`) in Oxigraph.
Both then run the packaged ``*-violation.rq`` queries, and look up the labels and source sentences of the
focus nodes, by SPARQL with bound terms in the build's one store of the asserted triples
(:class:`kg.engine.store.AssertedStore`).

The shapes (``ontology/*.shapes.ttl``) run, with SHACL-SPARQL enabled, on the
union of the *asserted* graphs: ontology, reference data and articles. The
OWL-RL inferences are left out on purpose: ``rdfs:range`` entailments would
type every value as whatever its property expects, and every ``sh:class``
check would pass vacuously. The ontology's ``rdfs:subClassOf`` axioms are in
the data graph, so targets and ``sh:class`` still see subclasses. Each result becomes a :class:`Violation` that names the focus node by
its labels and, where the node has evidence, quotes the source sentence.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import SH
from rdflib.query import Processor, Result
from rdflib.term import Identifier

from kg import evidence, resources
from kg.errors import DataError
from kg.load import parse_into, union_graph
from kg.namespaces import bind_prefixes

if TYPE_CHECKING:  # pragma: no cover
    from importlib.resources.abc import Traversable

    from rdflib.plugins.sparql.sparql import Query

    from kg.engine.store import AssertedStore


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
        """The SHACL report graph as Turtle, the same text for the same report in every run: its blank nodes (the
        report and each result) are labelled from the report's structure by W3C RDF Dataset Canonicalization
        (RDFC-1.0, pyoxigraph's; rdflib's ``to_canonical_graph`` took 34 s for 1,930 results, this 1 s) before
        rdflib's writer, which orders them by label, nests them."""
        import pyoxigraph as ox

        from kg.dataset import TermCache

        terms = TermCache()
        dataset = ox.Dataset(ox.Quad(*terms.triple_to_ox(t)) for t in self.graph)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        canonical = Graph(bind_namespaces="none")
        for prefix, namespace in self.graph.namespaces():
            canonical.bind(prefix, namespace)
        for quad in dataset:
            canonical.add(terms.triple_from_ox(quad))
        return canonical.serialize(format="turtle")

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
    """The packaged SHACL shapes, parsed: a new graph at each call, the caller's to change. Each validation asks
    for them, so the files are parsed once per process and content (a tenth of a second) and copied (a fifth of
    that) at each call."""
    shapes = Graph()
    shapes += _parsed_shapes(tuple((f, f.read_bytes()) for f in resources.shapes_files()))
    return shapes


@functools.lru_cache(maxsize=2)
def _parsed_shapes(files: tuple[tuple[Traversable, bytes], ...]) -> Graph:
    """The shapes files parsed, by file and content (not to be changed: :func:`shapes_graph` copies it)."""
    shapes = Graph()
    for f, _content in files:
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
SELECT ?focus ?text ?start ?end WHERE {
    # the focus node's first quotation: through a sourced fact about it, its own (a fact), or itself
    { ?fact rdf:subject ?focus ; kg:evidence ?ev } UNION { ?focus kg:evidence ?ev } UNION { ?focus oa:hasSelector ?any BIND (?focus AS ?ev) }
    ?ev oa:hasSource ?doc ; oa:hasSelector ?p .
    ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    ?doc schema:text ?text .
} ORDER BY ?start LIMIT 1
"""


def _sentence(asserted: AssertedStore, focus) -> str | None:  # type: ignore[no-untyped-def]
    if not isinstance(focus, URIRef):
        return None
    for row in asserted.select(_EVIDENCE_SPAN, {"focus": focus}):
        try:
            return evidence.sentence_at(str(row["text"]), int(row["start"]), int(row["end"]))
        except (KeyError, TypeError, ValueError):
            return None
    return None


def _path(report: Graph, path) -> str:  # type: ignore[no-untyped-def]
    """A result path as SPARQL writes it: ``kg:operator``, or ``^rdf:subject`` for an inverse path."""
    inverse = report.value(path, SH.inversePath) if not isinstance(path, URIRef) else None
    if inverse is not None:
        return "^" + _short(inverse)
    return _short(path)


_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?focus ?label WHERE { ?focus rdfs:label ?label FILTER (isLiteral(?label)) }
"""
_FACT_SUBJECT = """
PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?focus ?subject WHERE { ?focus a kg:Fact ; rdf:subject ?subject FILTER (?subject != ?focus) }
ORDER BY ?subject LIMIT 1
"""


def _labels(asserted: AssertedStore, focus, _depth: int = 0) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The focus node's ``rdfs:label`` values by language tag; a sourced fact (which has no label) is named by
    the labels of the node it is about."""
    if not isinstance(focus, (URIRef, BNode)):
        return {}
    labels = dict(sorted((row["label"].language or "", str(row["label"]))
                         for row in asserted.select(_LABELS, {"focus": focus})))
    if not labels and isinstance(focus, URIRef) and _depth < 8:
        for row in asserted.select(_FACT_SUBJECT, {"focus": focus}):
            return _labels(asserted, row["subject"], _depth + 1)
    return labels


def _order(v: Violation) -> tuple[str, str, str, str]:
    return (v.focus, v.path or "", v.constraint, v.value or "")


@functools.lru_cache(maxsize=1)
def _shape_messages() -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """The shapes' messages by shape IRI and language - the English ones of the shapes files and the Arabic ones
    of the translation file (``ontology/ictkg.shapes-messages.ttl``, one ``sh:message`` per constraint in the
    shapes, as Apache Jena SHACL requires) - and each node shape's SPARQL constraints."""
    graph = shapes_graph()
    parse_into(graph, resources.shape_messages_file(), label="ontology/" + resources.SHAPE_MESSAGES_FILE)
    messages: dict[str, dict[str, str]] = {}
    for shape, message in graph.subject_objects(SH.message):
        if isinstance(shape, URIRef) and isinstance(message, Literal):
            messages.setdefault(str(shape), {})[_message_language(message)] = str(message)
    sparql = {str(s): sorted(str(c) for c in graph.objects(s, SH.sparql)) for s in set(graph.subjects(SH.sparql, None))}
    return messages, sparql


def _translated_messages(report: Graph, result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A result's messages in every language, found by the IRI of the constraint or shape it comes from (a
    SHACL-SPARQL constraint's own IRI, or the only one of its node shape when the engine names just the shape)."""
    messages, sparql = _shape_messages()
    constraint, shape = report.value(result, SH.sourceConstraint), report.value(result, SH.sourceShape)
    keys = [str(k) for k in (constraint, shape) if isinstance(k, URIRef)]
    if isinstance(shape, URIRef) and len(sparql.get(str(shape), [])) == 1:
        keys.append(sparql[str(shape)][0])
    for key in keys:
        if key in messages:
            return messages[key]
    return {}


def _message_language(message: Literal) -> str:
    """The language of a result message: its tag, or for an untagged one (pySHACL drops the tags of
    SHACL-SPARQL messages) ``ar`` when it is written in Arabic script, else ``en``."""
    if message.language:
        return message.language
    return "ar" if any("\u0600" <= ch <= "\u06ff" for ch in str(message)) else "en"


def _violations(report: Graph, data: AssertedStore) -> list[Violation]:
    found = []
    # top-level results only: nested sh:detail results explain their parent, they are not violations of their own
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        messages = {
            _message_language(m): str(m) for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)
        }
        messages.update({lang: text for lang, text in _translated_messages(report, result).items()
                         if lang not in messages})
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


def validate_graph(data: Graph, engine: str | None = None) -> ValidationReport:
    """Validate ``data`` (asserted triples and the ontology, in one graph) against the shapes with the engine
    called ``engine`` (``fast`` / ``reference``; None: ``KG_ENGINE``, default ``fast``)."""
    from kg.engine.store import get_engine

    return get_engine(engine).validate_graph(data)


@functools.lru_cache(maxsize=512)
def _prepared_query(text: str, namespaces: tuple[tuple[str, str], ...], base: str | None) -> Query:
    """``text`` parsed and translated (:func:`rdflib.plugins.sparql.prepareQuery`) with ``namespaces`` as its
    initial prefixes: what rdflib's ``Graph.query`` builds from the same text, namespaces and base on every call."""
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text, initNs=dict(namespaces), base=base)


class PreparedQueryGraph(Graph):
    """An in-memory rdflib graph that parses each SPARQL query text once.

    pySHACL runs a SHACL-SPARQL constraint by calling ``query(text, initBindings={"this": node})`` once per
    focus node, with the same text each time, and rdflib's pyparsing-based parser then takes most of the
    validation's time. :meth:`query` parses a text once (:func:`_prepared_query`: rdflib's documented way to run
    one query with different ``initBindings``, kept per query text, namespaces and base) and hands the
    prepared query to :meth:`rdflib.Graph.query`: the same query, evaluated the same way, only not parsed again."""

    def query(self, query_object: str | Query, processor: str | Processor = "sparql",  # type: ignore[override]
              result: str | type[Result] = "sparql", initNs: Mapping[str, Any] | None = None,  # noqa: N803
              initBindings: Mapping[str, Identifier] | None = None,  # noqa: N803
              use_store_provided: bool = True, **kwargs: Any) -> Result:
        if isinstance(query_object, str) and processor == "sparql":
            # the namespaces and base rdflib's Graph.query would parse the text with
            namespaces = initNs or dict(self.namespaces())
            key = tuple(sorted((str(prefix), str(name)) for prefix, name in namespaces.items()))
            query_object = _prepared_query(query_object, key, kwargs.get("base"))
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


def run_pyshacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    """pySHACL on ``data`` against ``shapes``, as the reference engine runs it (SHACL-SPARQL on, no inference,
    warnings not allowed): whether the data conforms, and the SHACL report graph. ``data`` is not changed.

    pySHACL validates a copy of the data either way (with SHACL-SPARQL enabled it clones the data graph, as a
    ``sh:rule`` may add triples to it); here the copy is made the way pySHACL makes it (same identifier,
    namespaces and triples), but as a :class:`PreparedQueryGraph`, and pySHACL is told to use it in place, so
    each SHACL-SPARQL query text is parsed once instead of once per focus node. Raises
    :class:`~kg.errors.DataError` when pySHACL cannot apply the shapes."""
    import pyshacl  # heavy: imported when validation is asked for

    target: Graph
    if isinstance(data, ConjunctiveGraph):  # a dataset (no public API here passes one): pySHACL clones it
        target, inplace = data, False
    else:
        target, inplace = PreparedQueryGraph(identifier=data.identifier, bind_namespaces="core"), True
        for prefix, namespace in data.namespace_manager.namespaces():
            target.namespace_manager.bind(prefix, namespace, override=True, replace=True)
        target += data
    conforms, report, text = pyshacl.validate(
        target,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=False,
        inplace=inplace,
    )
    if not isinstance(report, Graph):
        raise DataError(f"the SHACL shapes could not be applied: {text}")
    return bool(conforms), report


def validate_reference(data: Graph, asserted: AssertedStore) -> ValidationReport:
    """The reference engine: pySHACL on ``data`` (the asserted triples and the ontology in one rdflib graph,
    :func:`run_pyshacl`), and the packaged violation queries on ``asserted`` (the same triples in the build's
    shared store)."""
    conforms, report = run_pyshacl(data, shapes_graph())
    return _report(report, asserted, conforms, _query_results(asserted))


VALIDATION_THREADS = 2
"""How the fast engine's queries run side by side (:func:`kg.engine.store.run_in_threads`): the shapes' queries
beside the violation queries, the shapes' jobs (one per property shape) in this many threads and the violation
queries in as many — so up to four threads query at once. Two: this project's machines have two cores,
and a build writes its files beside validation (``bench/README.md``)."""


def validate_fast(asserted: AssertedStore, *, added: list[Any] | None = None
                  ) -> tuple[ValidationReport, list[str]]:
    """The fast engine: the shapes compiled to SPARQL (:func:`kg.engine.shacl.validate_store`) and the packaged
    violation queries, all on ``asserted``, side by side (:data:`VALIDATION_THREADS`). Returns the report and
    the shapes the compiler handed to pySHACL (plain words). ``added`` (``pyoxigraph.Triple`` s): the data
    conformed before these triples were added, and the shapes run only where they can change a result (see
    :func:`kg.engine.shacl.validate_store`), the violation queries only for the nodes where they can give a row
    (see :func:`_query_violations`)."""
    from kg.engine.shacl import validate_store
    from kg.engine.store import run_in_threads

    shapes = shapes_graph()
    checks = _violation_checks()
    if added is not None:  # before the threads start: rdflib's parser is not thread-safe (kg.engine.delta)
        from kg.engine import delta

        for q in checks:
            delta.analyse(q.text)
    report, found = run_in_threads([lambda: validate_store(asserted.store, shapes, threads=VALIDATION_THREADS,
                                                           added=added),
                                    lambda: _query_results(asserted, threads=VALIDATION_THREADS, added=added,
                                                           checks=checks)],
                                   VALIDATION_THREADS)
    notes = [f"SHACL: {_short(shape)} was validated by pySHACL ({why})"
             for shape, why in sorted(report.fallback_shapes.items(), key=lambda kv: str(kv[0]))]
    return _report(report, asserted, report.conforms, found), notes


def _report(report: Graph, asserted: AssertedStore, conforms: bool,
            found: list[tuple[Violation, dict[str, Any]]]) -> ValidationReport:
    """The validation report from a SHACL report graph and the violation queries' results (``found``), which
    join the graph as results of their own: the graph said ``sh:conforms true`` when only they failed."""
    bind_prefixes(report)
    violations = sorted(_violations(report, asserted) + [v for v, _row in found], key=_order)
    _add_query_results(report, found)
    return ValidationReport(conforms=conforms and not violations, violations=violations, graph=report)


def _add_query_results(report: Graph, found: list[tuple[Violation, dict[str, Any]]]) -> None:
    """Each violation query's row as a ``sh:ValidationResult`` of the report graph (focus node, path, value,
    messages; ``sh:sourceConstraintComponent sh:SPARQLConstraintComponent``, ``sh:sourceShape`` the query's IRI,
    :data:`kg.namespaces.QUERY`), and ``sh:conforms false`` when there is one."""
    from rdflib import BNode
    from rdflib.namespace import RDF, SH

    from kg.namespaces import QUERY

    if not found:
        return
    node = next(iter(report.subjects(RDF.type, SH.ValidationReport)), None)
    if node is None:
        node = BNode()
        report.add((node, RDF.type, SH.ValidationReport))
    report.set((node, SH.conforms, Literal(False)))
    for violation, row in found:
        result = BNode()
        report.add((node, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, row["focus"]))
        report.add((result, SH.resultSeverity, SH.Violation))
        report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        report.add((result, SH.sourceShape, QUERY[violation.constraint.removeprefix("query:")]))
        if isinstance(row.get("path"), URIRef):
            report.add((result, SH.resultPath, row["path"]))
        if row.get("value") is not None:
            report.add((result, SH.value, row["value"]))
        for lang, message in violation.messages.items():
            report.add((result, SH.resultMessage, Literal(message, lang=lang)))


def query_violations(asserted: AssertedStore, *, threads: int = 1) -> list[Violation]:
    """Rows of the packaged ``*-violation.rq`` queries, as violations (constraint ``query:<name>``), in the
    order of the queries.

    Each such query selects ``?focus`` and, optionally, ``?path``, ``?value`` and ``?message``. They run in
    Oxigraph on the build's shared store of the asserted triples (:class:`kg.engine.store.AssertedStore`):
    the same queries, with the same rows on rdflib, Oxigraph and Virtuoso (tests/test_store.py,
    tests/test_virtuoso.py), several times faster than rdflib's engine on their whole-graph scans. ``threads``
    threads run them side by side (:func:`kg.engine.store.run_in_threads`).
    """
    return [violation for violation, _row in _query_results(asserted, threads=threads)]


def _violation_checks() -> list[Any]:
    """The packaged ``*-violation.rq`` queries (:class:`kg.query.PackagedQuery`), each checked read-only."""
    from kg.query import ensure_read_only, list_queries

    checks = [q for q in list_queries() if q.is_violation_check]
    for q in checks:
        ensure_read_only(q.text, q.name)
    return checks


def _query_results(asserted: AssertedStore, *, threads: int = 1, added: list[Any] | None = None,
                   checks: list[Any] | None = None) -> list[tuple[Violation, dict[str, Any]]]:
    """:func:`query_violations`, each with the row it came from (its RDF terms, for the report graph); ``added``:
    see :func:`_query_violations`; ``checks``: the queries as :func:`_violation_checks` read them (by default,
    read now)."""
    from kg.engine.store import run_in_threads

    checks = _violation_checks() if checks is None else checks
    found = run_in_threads([functools.partial(_query_violations, asserted, q, added) for q in checks], threads)
    return [pair for rows in found for pair in rows]


def _query_violations(asserted: AssertedStore, q: Any, added: list[Any] | None = None
                      ) -> list[tuple[Violation, dict[str, Any]]]:
    """The rows of one violation query (a :class:`kg.query.PackagedQuery`) as violations, each with its row.

    ``added`` (``pyoxigraph.Triple`` s, in ``asserted``): the query gave no row before these triples were added
    (the data conformed), so only rows an added triple supports can be new. :func:`kg.engine.delta.candidates`
    finds values of one selected variable that include theirs, and the query runs for those values alone, bound
    as RDF terms in a ``VALUES`` block opening its ``WHERE`` group (:func:`kg.query.with_value_list`): the rows of
    a whole run, in milliseconds instead of seconds. Where the walk does not bound them (:mod:`kg.engine.delta`),
    or a value is not an IRI (:func:`_rows`), the query runs whole."""
    found = []
    for row in _rows(asserted, q.text, added):
        focus = row.get("focus")
        if focus is None:
            continue
        messages = {"en": str(row.get("message") or q.title)}
        if q.title_ar:
            messages["ar"] = q.title_ar
        found.append((Violation(
            focus=str(focus) if isinstance(focus, URIRef) else focus.n3(),
            constraint=f"query:{q.name}",
            path=_short(row["path"]) if row.get("path") is not None else None,
            value=_short(row["value"]) if row.get("value") is not None else None,
            messages=messages,
            labels=_labels(asserted, focus),
            sentence=_sentence(asserted, focus),
        ), row))
    return found


def _rows(asserted: AssertedStore, text: str, added: list[Any] | None) -> list[dict[str, Any]]:
    """The rows of a violation query on ``asserted``: whole, or where ``added`` can give rows (see
    :func:`_query_violations`)."""
    if added is not None:
        from kg.engine import delta

        analysis = delta.analyse(text)
        found = None if analysis is None else delta.candidates(asserted.store, analysis, added)
        if found is not None:
            import pyoxigraph as ox

            from kg.engine.store import from_ox
            from kg.query import with_value_list

            name, values = found
            # IRIs only: in a query a blank node is a new variable, and rdflib writes some literals in another form
            # (" p "^^xsd:token as "p"); a substitution would reach into nested groups. The query runs whole then.
            if all(isinstance(v, ox.NamedNode) for v in values):
                return asserted.select(with_value_list(text, name, [from_ox(v) for v in values])) if values else []
    return asserted.select(text)


def validate_dataset(ds: Dataset) -> ValidationReport:
    """Validate the asserted graphs of ``ds`` together with the reference engine (see the module docstring;
    a build validates with its own engine, :meth:`kg.api.KnowledgeGraph.validate`)."""
    from kg.engine.store import AssertedStore
    from kg.reason import asserted_graphs

    data = union_graph(ds, inferred=False)
    return validate_reference(data, AssertedStore.from_graphs(ds.graph(n) for n in asserted_graphs(ds)))
