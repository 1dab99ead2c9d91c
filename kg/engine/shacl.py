"""SHACL shapes compiled to SPARQL and run in Oxigraph: the fast validation engine.

The shapes graph (``ontology/*.shapes.ttl``, as :func:`kg.validate.shapes_graph` parses it) is the single
source of truth: every query here is generated from it, none is written by hand. Each shape that has targets
becomes a *focus pattern* - a SPARQL sub-select binding ``?this`` to its focus nodes (``sh:targetClass`` over
``rdf:type/rdfs:subClassOf*`` in the data, as pySHACL sees the ontology's subclass axioms there;
``sh:targetNode``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, implicit class targets) - and its
constraints become SELECT queries over *all* its focus nodes at once (never a query per focus node), whose rows
are the results:

- value constraints (``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:in``, ``sh:hasValue``,
  ``sh:pattern``, ``sh:minLength``/``maxLength``, ``sh:languageIn``, ``sh:minInclusive`` and the other ranges)
  become a SPARQL condition on each value node of the path; ``sh:not``/``and``/``or``/``xone``/``node`` over
  shapes made only of such constraints (and of property shapes with ``sh:minCount 1``, ``sh:hasValue`` or value
  constraints) are inlined into the same condition. On a node shape each is a ``FILTER`` query; on a property
  shape they are batched with its ``sh:minCount``/``maxCount`` and ``sh:hasValue`` into *one* query grouped by
  focus node (value counts and one failure count per constraint, ``HAVING`` something fails), followed by a
  query for the failing values of the failing focus nodes only;
- ``sh:class`` and ``sh:targetClass`` look up the class's subclasses in the data once per validation
  (``rdfs:subClassOf*``) and test ``rdf:type`` against that list, instead of walking the hierarchy per value;
- ``sh:uniqueLang``, ``sh:equals``/``disjoint``/``lessThan``/``lessThanOrEquals`` and ``sh:closed`` are
  ``GROUP BY``/``FILTER NOT EXISTS`` queries;
- logical constraints and ``sh:qualifiedValueShape`` whose shapes cannot be inlined are evaluated set-wise in
  Python: the nested shape is validated once over *all* candidate value nodes (its focus pattern is "the value
  nodes of the outer path"), and the outer result follows from which candidates failed;
- SHACL-SPARQL ``sh:sparql`` constraints run once with the shape's focus pattern joined at the start of their
  ``WHERE`` (which is what pre-binding ``$this`` means for the queries SHACL allows there), ``$PATH`` replaced by
  the shape's path and the ``sh:prefixes`` declarations given as query prefixes. A query the join would change
  (``MINUS``, ``VALUES``, ``SERVICE``, ``LIMIT``/``OFFSET``, a sub-select, aggregates not grouped by ``$this``,
  or not selecting ``$this``) runs once per focus node instead, ``$this`` bound by Oxigraph's ``substitutions``
  (or, where the query does not select ``$this``, by a one-row ``VALUES`` at the start of its ``WHERE``).

A shape using anything else (``sh:target`` SPARQL targets, ``$shapesGraph``, SHACL-AF expressions, custom
constraint components, recursive shapes, blank-node constants in queries...) is *not* guessed at: that shape
(with the shapes it depends on) is validated by pySHACL, and the report says so in
:attr:`ShaclReport.fallback_shapes` (and logs a warning).

The report is shaped like pySHACL's (``sh:ValidationReport``, ``sh:conforms``, ``sh:result`` nodes with
``sh:focusNode``, ``sh:resultPath`` (blank-node paths copied from the shapes graph, ids kept),
``sh:value``, ``sh:sourceConstraintComponent``, ``sh:sourceShape``, ``sh:sourceConstraint`` for SPARQL
constraints, ``sh:resultSeverity``, ``sh:resultMessage``), so :func:`kg.validate._violations` reads both alike.
Messages are the ``sh:message`` values of the constraint (SPARQL) and of the shape, with ``{$this}``,
``{?value}``, ``{?path}`` and any other selected ``{?var}`` substituted for SPARQL constraints, as pySHACL does;
a shape without ``sh:message`` gets a generic English message of this module's own wording.

Where the engines legitimately differ (the first three are pinned by tests in ``tests/test_engine_shacl.py``):

- **Language tags of SHACL-SPARQL messages**: kept here; pySHACL drops them (``kg.validate`` reads an untagged
  message's language from its script, so both read alike).
- **Comparisons across types in SHACL-SPARQL**: a ``sh:sparql`` query runs in Oxigraph, where comparing an
  ``xsd:date`` with an ``xsd:gYear`` (or a date with a string, a number with a string) is a type error, so a
  ``FILTER (?value < ?start)`` drops the row; rdflib's SPARQL engine (pySHACL) orders such pairs and reports a
  result. (Core ``sh:minInclusive`` & co. fail on such pairs in both engines.)
- **Oxigraph's literal canonicalisation**: Oxigraph stores integer subtypes as ``xsd:integer``
  (``"5"^^xsd:nonNegativeInteger`` comes back as ``"5"^^xsd:integer``), canonical lexical forms (``"05"`` → ``"5"``)
  and lower-case language tags, so ``sh:datatype xsd:nonNegativeInteger`` fails here where it passes in pySHACL
  (the shapes accept both types for offsets), and ``sh:value`` shows the canonical form.
- **Ill-typed literals**: a literal whose lexical form is not valid for its datatype fails ``sh:datatype`` here
  for the types SPARQL can cast (booleans, numbers, dates and times, durations); for other types (e.g.
  ``xsd:gYear``) it passes here, where rdflib may flag it.
- **Regular expressions**: ``sh:pattern`` runs in SPARQL ``REGEX`` (Rust's regex engine with XPath flags), not
  Python's ``re``; patterns that mean different things in the two dialects (look-arounds, back-references) can
  differ.
- **``xsd:string``**: rdflib tells ``"a"`` from ``"a"^^xsd:string``; RDF 1.1 and Oxigraph do not. Values come
  back as plain literals.

:func:`validate_graph_fast` copies an rdflib graph into an in-memory store (N-Triples, blank node ids kept, so
blank focus nodes keep their names in the report). Speed: the seed validates in ~0.1 s (pySHACL: ~1.5-3 s);
40 and 200 generated articles (85 k and 413 k triples) in 0.65 s and 3.1 s CPU - linear.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, SH

from kg.engine.store import from_ox, to_ox

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

log = logging.getLogger(__name__)

__all__ = [
    "CompiledShapes",
    "ShaclReport",
    "compile_shapes",
    "store_from_graph",
    "validate_graph_fast",
    "validate_store",
]


class _Uncovered(Exception):
    """A construct this compiler does not translate: the shape falls back to pySHACL."""


# --- terms ---------------------------------------------------------------------------------------------------

def _sparql_term(term: Any) -> str:
    """An RDF term of the shapes graph as SPARQL writes it (N-Triples syntax, escaped by pyoxigraph)."""
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        if term.datatype is not None:
            return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))))
        return str(ox.Literal(str(term)))
    raise _Uncovered(f"a constant that SPARQL cannot name ({term!r})")


def _n3(term: Any) -> str:
    """A term's N-Triples form: a sort key that does not depend on hash seeds."""
    return term.n3()


def _rdflib_term(term: Any) -> Any:
    """A pyoxigraph term as an rdflib term (``xsd:string`` literals as plain literals;
    :func:`kg.engine.store.from_ox`)."""
    try:
        return from_ox(term)
    except TypeError:  # pragma: no cover - not in this project's data
        raise _Uncovered(f"an RDF-star term in the data ({term})") from None


_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"

# --- the shapes --------------------------------------------------------------------------------------------------

_VALUE_KINDS = {"class", "datatype", "nodeKind", "in", "pattern", "minLength", "maxLength", "languageIn",
                "minInclusive", "minExclusive", "maxInclusive", "maxExclusive"}
"""Constraints that test each value node on its own (a FILTER on ``?v``)."""
_LOGICAL_KINDS = {"not", "and", "or", "xone", "node"}

_COMPONENT = {
    "class": SH.ClassConstraintComponent, "datatype": SH.DatatypeConstraintComponent,
    "nodeKind": SH.NodeKindConstraintComponent, "in": SH.InConstraintComponent,
    "hasValue": SH.HasValueConstraintComponent, "pattern": SH.PatternConstraintComponent,
    "minLength": SH.MinLengthConstraintComponent, "maxLength": SH.MaxLengthConstraintComponent,
    "languageIn": SH.LanguageInConstraintComponent, "uniqueLang": SH.UniqueLangConstraintComponent,
    "minInclusive": SH.MinInclusiveConstraintComponent, "minExclusive": SH.MinExclusiveConstraintComponent,
    "maxInclusive": SH.MaxInclusiveConstraintComponent, "maxExclusive": SH.MaxExclusiveConstraintComponent,
    "minCount": SH.MinCountConstraintComponent, "maxCount": SH.MaxCountConstraintComponent,
    "equals": SH.EqualsConstraintComponent, "disjoint": SH.DisjointConstraintComponent,
    "lessThan": SH.LessThanConstraintComponent, "lessThanOrEquals": SH.LessThanOrEqualsConstraintComponent,
    "not": SH.NotConstraintComponent, "and": SH.AndConstraintComponent, "or": SH.OrConstraintComponent,
    "xone": SH.XoneConstraintComponent, "node": SH.NodeConstraintComponent,
    "closed": SH.ClosedConstraintComponent, "sparql": SH.SPARQLConstraintComponent,
}

_PARAMETERS = {SH[k] for k in _COMPONENT if k != "sparql"} | {SH.sparql, SH.property, SH.qualifiedValueShape}
_AUXILIARY = {
    RDF.type, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.message, SH.severity,
    SH.deactivated, SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.path, SH.flags,
    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint, SH.ignoredProperties,
    SH.declare, SH.prefixes, SH.labelTemplate,
}
"""``sh:`` predicates that go with a shape without being constraints of their own."""


@dataclass
class _Constraint:
    kind: str
    param: Any
    node: Any = None
    """The ``sh:sparql`` constraint node (SPARQL constraints only)."""


@dataclass
class _Shape:
    node: Any
    path: Any = None
    path_sparql: str | None = None
    severity: Any = SH.Violation
    messages: list[Literal] = field(default_factory=list)
    deactivated: bool = False
    constraints: list[_Constraint] = field(default_factory=list)
    properties: list[_Shape] = field(default_factory=list)
    targets: list[tuple[Any, Any]] = field(default_factory=list)

    @property
    def is_property(self) -> bool:
        return self.path is not None


class CompiledShapes:
    """A shapes graph read into shapes and constraints, ready to run on stores.

    :attr:`targeted` are the shapes with targets that this engine validates; :attr:`fallback` maps the
    IRIs (or blank nodes) of the targeted shapes it leaves to pySHACL to the reason.
    """

    def __init__(self, shapes: Graph) -> None:
        self.graph = shapes
        self._shapes: dict[Any, _Shape] = {}
        self._failed: dict[Any, str] = {}
        self._custom_parameters = {p for c in shapes.subjects(RDF.type, SH.ConstraintComponent)
                                   for par in shapes.objects(c, SH.parameter) for p in shapes.objects(par, SH.path)}
        self.targeted: list[_Shape] = []
        self.fallback: dict[Any, str] = {}
        for node in sorted(self._targeted_nodes(), key=lambda n: (isinstance(n, BNode), str(n))):
            try:
                shape = self.shape(node)
                self._check_acyclic(shape, ())
                self._check_queries(shape, set())
            except _Uncovered as e:
                self.fallback[node] = str(e)
                continue
            if not shape.deactivated:
                self.targeted.append(shape)

    # -- reading --------------------------------------------------------------------------------------------

    def _targeted_nodes(self) -> set[Any]:
        g = self.graph
        nodes = set()
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            nodes |= set(g.subjects(p, None))
        for kind in (SH.NodeShape, SH.PropertyShape):
            for s in g.subjects(RDF.type, kind):
                if (s, RDF.type, RDFS.Class) in g or (s, RDF.type, OWL.Class) in g:
                    nodes.add(s)
        return nodes

    def shape(self, node: Any) -> _Shape:
        """The shape described at ``node`` (memoised; raises :class:`_Uncovered`)."""
        if node in self._failed:
            raise _Uncovered(self._failed[node])
        if node in self._shapes:
            return self._shapes[node]
        shape = _Shape(node=node)
        self._shapes[node] = shape  # before reading nested shapes: recursion is found by _check_acyclic
        try:
            self._read(shape)
        except _Uncovered as e:  # remembered, so that no other shape uses this one half read
            del self._shapes[node]
            self._failed[node] = str(e)
            raise
        return shape

    def _read(self, shape: _Shape) -> None:
        g, node = self.graph, shape.node
        path = g.value(node, SH.path)
        if path is not None:
            shape.path = path
            shape.path_sparql = self._path(path)
        shape.severity = g.value(node, SH.severity) or SH.Violation
        shape.messages = sorted((m for m in g.objects(node, SH.message) if isinstance(m, Literal)), key=str)
        shape.deactivated = any(getattr(d, "value", None) is True for d in g.objects(node, SH.deactivated))
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            shape.targets += [(p, o) for o in sorted(g.objects(node, p), key=_n3)]  # same query text every run
        if (node, RDF.type, RDFS.Class) in g or (node, RDF.type, OWL.Class) in g:
            shape.targets.append((SH.targetClass, node))
        if (node, SH.target, None) in g:
            raise _Uncovered("sh:target (SPARQL-based targets)")
        for p, o in sorted(g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
            if p in self._custom_parameters:
                raise _Uncovered(f"a custom constraint component (parameter <{p}>)")
            if not str(p).startswith(str(SH)) or p in _AUXILIARY:
                continue
            if p not in _PARAMETERS:
                raise _Uncovered(f"sh:{str(p)[len(str(SH)):]}")
            self._constraint(shape, p, o)

    def _list(self, node: Any) -> list[Any]:
        return list(Collection(self.graph, node))

    def _constraint(self, shape: _Shape, p: Any, o: Any) -> None:
        g = self.graph
        kind = str(p)[len(str(SH)):]
        add = shape.constraints.append
        if kind == "property":
            prop = self.shape(o)
            if not prop.is_property:
                raise _Uncovered("sh:property without sh:path")
            shape.properties.append(prop)
        elif kind in ("minCount", "maxCount", "minLength", "maxLength"):
            if not shape.is_property and kind.endswith("Count"):
                raise _Uncovered(f"sh:{kind} on a node shape")
            add(_Constraint(kind, int(o)))
        elif kind == "pattern":
            add(_Constraint(kind, (str(o), str(g.value(shape.node, SH.flags) or ""))))
        elif kind in ("in", "languageIn"):
            add(_Constraint(kind, self._list(o)))
        elif kind == "uniqueLang":
            if getattr(o, "value", None) is True:
                add(_Constraint(kind, True))
        elif kind == "closed":
            if getattr(o, "value", None) is True:
                ignored = []
                for lst in g.objects(shape.node, SH.ignoredProperties):
                    ignored += self._list(lst)
                add(_Constraint(kind, ignored))
        elif kind in ("not", "node"):
            add(_Constraint(kind, self.shape(o)))
        elif kind in ("and", "or", "xone"):
            add(_Constraint(kind, [self.shape(m) for m in self._list(o)]))
        elif kind == "qualifiedValueShape":
            if not shape.is_property:
                raise _Uncovered("sh:qualifiedValueShape on a node shape")
            low = g.value(shape.node, SH.qualifiedMinCount)
            high = g.value(shape.node, SH.qualifiedMaxCount)
            disjoint = getattr(g.value(shape.node, SH.qualifiedValueShapesDisjoint), "value", False) is True
            siblings = []
            if disjoint:  # the other qualified value shapes of the property shapes of every parent shape
                found = {q for parent in g.subjects(SH.property, shape.node) for sib in g.objects(parent, SH.property)
                         for q in g.objects(sib, SH.qualifiedValueShape)} - {o}
                siblings = [self.shape(q) for q in sorted(found, key=str)]
            add(_Constraint("qualified", (self.shape(o), None if low is None else int(low),
                                          None if high is None else int(high), siblings)))
        elif kind == "sparql":
            if getattr(g.value(o, SH.deactivated), "value", False) is True:
                return
            select = g.value(o, SH.select)
            if select is None:
                raise _Uncovered("a SPARQL constraint without sh:select")
            add(_Constraint(kind, str(select), node=o))
        elif kind in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
            if not isinstance(o, URIRef):
                raise _Uncovered(f"sh:{kind} with a non-IRI property")
            add(_Constraint(kind, o))
        else:  # class, datatype, nodeKind, hasValue and the ranges: one constraint per value
            add(_Constraint(kind, o))

    def _path(self, path: Any) -> str:
        g = self.graph
        if isinstance(path, URIRef):
            return _sparql_term(path)
        if not isinstance(path, BNode):
            raise _Uncovered(f"a path that is not a path ({path!r})")
        if g.value(path, RDF.first) is not None:
            return "(" + "/".join(self._path(p) for p in self._list(path)) + ")"
        for p, template in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"),
                            (SH.oneOrMorePath, "({})+"), (SH.zeroOrOnePath, "({})?")):
            inner = g.value(path, p)
            if inner is not None:
                return template.format(self._path(inner))
        alternatives = g.value(path, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self._path(p) for p in self._list(alternatives)) + ")"
        raise _Uncovered("an unknown kind of path")

    def _nested(self, shape: _Shape) -> Iterator[_Shape]:
        yield from shape.properties
        for c in shape.constraints:
            if c.kind in ("not", "node"):
                yield c.param
            elif c.kind in ("and", "or", "xone"):
                yield from c.param
            elif c.kind == "qualified":
                yield c.param[0]
                yield from c.param[3]

    def _check_acyclic(self, shape: _Shape, stack: tuple[Any, ...]) -> None:
        if shape.node in stack:
            raise _Uncovered("a recursive shape")
        for nested in self._nested(shape):
            self._check_acyclic(nested, (*stack, shape.node))

    def _check_queries(self, shape: _Shape, seen: set[Any]) -> None:
        """Fail early on SPARQL constraints this engine cannot pre-bind (so the shape falls back whole)."""
        if shape.node in seen:
            return
        seen.add(shape.node)
        for c in shape.constraints:
            if c.kind == "sparql":
                self._sparql_text(shape, c)
        for nested in self._nested(shape):
            self._check_queries(nested, seen)

    def prefixes(self, constraint_node: Any) -> dict[str, str]:
        """The prefixes a SHACL-SPARQL constraint declares through ``sh:prefixes``."""
        g = self.graph
        found: dict[str, str] = {}
        for onto in g.objects(constraint_node, SH.prefixes):
            for decl in g.objects(onto, SH.declare):
                prefix, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
                if prefix is not None and ns is not None:
                    found[str(prefix)] = str(ns)
        return found

    def _sparql_text(self, shape: _Shape, c: _Constraint) -> tuple[str, bool, dict[str, Any]]:
        """The query of a SPARQL constraint with ``$PATH`` replaced; whether ``$this`` may be joined in; the
        substitutions of the other pre-bound variables."""
        text = c.param
        code = _strip_literals(text)
        if re.search(r"[?$]shapesGraph\b", code):
            raise _Uncovered("$shapesGraph in a SPARQL constraint")
        substitutions: dict[str, Any] = {}
        if re.search(r"[?$]currentShape\b", code):
            if not isinstance(shape.node, URIRef):
                raise _Uncovered("$currentShape of a blank-node shape")
            substitutions["currentShape"] = shape.node
        if re.search(r"\$PATH\b", code):
            if shape.path_sparql is None:
                raise _Uncovered("$PATH in a node shape")
            text = re.sub(r"\$PATH\b", lambda _: shape.path_sparql or "", text)
        upper = code.upper()
        joinable = not (re.search(r"\b(MINUS|VALUES|SERVICE|LIMIT|OFFSET)\b", upper)
                        or len(re.findall(r"\bSELECT\b", upper)) > 1)
        if re.search(r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|HAVING)\s*\(|\bGROUP\s+BY\b", upper):
            grouped = re.search(r"\bGROUP\s+BY\b(.*?)(\bHAVING\b|\bORDER\b|\bLIMIT\b|\bOFFSET\b|$)", code,
                                re.DOTALL | re.IGNORECASE)
            joinable = joinable and bool(grouped and re.search(r"[?$]this\b", grouped.group(1)))
        if _where_brace(text) < 0:
            raise _Uncovered("a SPARQL constraint whose WHERE clause could not be found")
        return text, joinable, substitutions


def _strip_literals(text: str) -> str:
    """``text`` with string literals, IRIs and comments blanked out (for keyword checks)."""
    return re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s"{}|^`]*>'
                  r'|#[^\n]*', lambda m: " " * len(m.group(0)), text)


def _where_brace(text: str) -> int:
    """The offset of the ``{`` that opens the outer WHERE group (after the prologue and projection)."""
    return _strip_literals(text).find("{")


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Read ``shapes`` (a SHACL shapes graph) for :func:`validate_store`."""
    return CompiledShapes(shapes)


# --- evaluation --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Result:
    focus: Any
    component: Any
    shape: _Shape
    value: Any = None
    path: Any = None
    constraint_node: Any = None
    messages: tuple[Literal, ...] | None = None
    """Messages already formatted (SPARQL constraints); ``None``: the shape's messages."""

    def key(self) -> tuple[Any, ...]:
        return (self.focus, self.component, self.shape.node, self.value, self.path, self.constraint_node,
                self.messages)


class _Listed(str):
    """A focus pattern of listed nodes (:meth:`_Run.target_pattern` with ``only``): few enough to look each one's
    values up in turn, with Oxigraph's ``LATERAL`` (the compiled shapes run in Oxigraph alone)."""


class _Run:
    """One validation of one store against compiled shapes."""

    def __init__(self, store: pyoxigraph.Store, compiled: CompiledShapes, graph: Any = None) -> None:
        self.store = store
        self.compiled = compiled
        self.graph = None if graph is None else to_ox(graph)
        self._var = itertools.count(1)
        self._subclasses: dict[Any, list[str] | None] = {}
        self._looking_up = threading.Lock()  # a class's subclasses are looked up by one thread, once
        self.queries = 0
        self._counting = threading.Lock()  # several threads may run queries of one run

    def fresh(self) -> str:
        return f"?_k{next(self._var)}"  # next() on a count is atomic: the run's jobs may build queries in threads

    def select(self, query: str, *, prefixes: dict[str, str] | None = None,
               substitutions: dict[str, Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a SELECT; its variable names and rows (pyoxigraph terms, ``None`` when unbound)."""
        import pyoxigraph as ox

        kwargs: dict[str, Any] = {}
        if self.graph is not None:
            kwargs["default_graph"] = self.graph
        if prefixes:
            kwargs["prefixes"] = prefixes
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): to_ox(v) for k, v in substitutions.items()}
        with self._counting:
            self.queries += 1
        log.debug("SHACL query: %s", query)
        solutions = self.store.query(query, **kwargs)
        names = [v.value for v in solutions.variables]
        return names, [tuple(s[n] for n in names) for s in solutions]

    def column(self, query: str) -> set[Any]:
        return {_rdflib_term(r[0]) for r in self.select(query)[1] if r[0] is not None}

    def pairs(self, query: str) -> list[tuple[Any, Any]]:
        return [(_rdflib_term(a), _rdflib_term(b)) for a, b in self.select(query)[1]]

    # -- patterns ---------------------------------------------------------------------------------------------

    def subclasses(self, cls: Any) -> list[str] | None:
        """``cls`` and its subclasses in the data (``rdfs:subClassOf*``), in SPARQL; ``None`` if one is a blank
        node. Looked up once per run, so class checks test an instance's types against a list instead of
        walking the hierarchy for every value."""
        with self._looking_up:  # two threads that both missed would both query
            if cls not in self._subclasses:
                found = self.column(f"SELECT DISTINCT ?c WHERE {{ ?c {_SUBCLASS}* {_sparql_term(cls)} }}") | {cls}
                self._subclasses[cls] = (None if any(isinstance(c, BNode) for c in found)
                                         else [_sparql_term(c) for c in sorted(found, key=str)])
            return self._subclasses[cls]

    def instances(self, var: str, cls: Any) -> str:
        """A pattern: ``var`` is an instance of ``cls`` (``rdf:type/rdfs:subClassOf*``)."""
        subs = self.subclasses(cls)
        if subs is None:
            return f"{var} {_RDF_TYPE}/{_SUBCLASS}* {_sparql_term(cls)} ."
        if len(subs) == 1:
            return f"{var} {_RDF_TYPE} {subs[0]} ."
        t = self.fresh()
        return f"VALUES {t} {{ {' '.join(subs)} }} {var} {_RDF_TYPE} {t} ."

    def target_pattern(self, shape: _Shape, only: str | None = None) -> str:
        """The focus pattern of ``shape``'s targets; with ``only`` (the terms of a ``VALUES`` block), of those
        among them alone."""
        parts = []
        for kind, o in shape.targets:
            t = _sparql_term(o)
            if kind == SH.targetClass:
                parts.append(f"{{ {self.instances('?this', o)} }}")
            elif kind == SH.targetNode:
                parts.append(f"{{ VALUES ?this {{ {t} }} }}")
            elif kind == SH.targetSubjectsOf:
                parts.append(f"{{ ?this {t} [] }}")
            else:
                parts.append(f"{{ [] {t} ?this }}")
        union = " UNION ".join(parts)
        if only is not None:
            # each node tested on its own (EXISTS, the node bound): joined with the nodes' VALUES, Oxigraph reads
            # every target of the shape once per node (on 1,000 articles, 12.7 s for a few hundred facts)
            union = f"VALUES ?this {{ {only} }} FILTER EXISTS {{ {union} }}"
            return _Listed("{ SELECT DISTINCT ?this WHERE { " + union + " } }")
        return "{ SELECT DISTINCT ?this WHERE { " + union + " } }"

    @staticmethod
    def values_of(shape: _Shape, focus: str, var: str = "?v") -> str:
        """A pattern binding ``?this`` (a focus node) and ``var`` (each of its value nodes)."""
        if shape.is_property:
            return f"{focus} ?this {shape.path_sparql} {var} ."
        return f"{focus} BIND (?this AS {var})"

    @classmethod
    def values_as_focus(cls, shape: _Shape, focus: str) -> str:
        """A focus pattern: the value nodes of ``shape`` for the focus nodes of ``focus``."""
        return ("{ SELECT (?_val AS ?this) WHERE { { SELECT DISTINCT ?_val WHERE { "
                + cls.values_of(shape, focus, "?_val") + " } } } }")

    # -- conditions (a SPARQL boolean for "the node in var conforms to the shape") ---------------------------

    def condition(self, shape: _Shape, var: str) -> str | None:
        """A SPARQL expression true exactly when ``var`` conforms to ``shape``; ``None`` if not expressible."""
        if shape.deactivated:
            return "true"
        parts = []
        for c in shape.constraints:
            cond = self.value_condition(c, var)
            if cond is None:
                return None
            parts.append(cond)
        for prop in shape.properties:
            cond = self.property_condition(prop, var)
            if cond is None:
                return None
            parts.append(cond)
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def property_condition(self, prop: _Shape, var: str) -> str | None:
        if prop.deactivated:
            return "true"
        y = self.fresh()
        parts = []
        value_conds = []
        for c in prop.constraints:
            if c.kind == "minCount" and c.param <= 1:
                if c.param == 1:
                    parts.append(f"EXISTS {{ {var} {prop.path_sparql} {y} }}")
            elif c.kind == "maxCount" and c.param == 0:
                parts.append(f"NOT EXISTS {{ {var} {prop.path_sparql} {y} }}")
            elif c.kind == "hasValue":
                parts.append(f"EXISTS {{ {var} {prop.path_sparql} {y} FILTER (sameTerm({y}, "
                             f"{_sparql_term(c.param)})) }}")
            else:
                cond = self.value_condition(c, y)
                if cond is None:
                    return None
                value_conds.append(cond)
        for nested in prop.properties:
            cond = self.property_condition(nested, y)
            if cond is None:
                return None
            value_conds.append(cond)
        if value_conds:
            parts.append(f"NOT EXISTS {{ {var} {prop.path_sparql} {y} FILTER (!({' && '.join(value_conds)})) }}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def value_condition(self, c: _Constraint, x: str) -> str | None:
        """The SPARQL condition that value node ``x`` satisfies ``c`` (errors count as false)."""
        k, p = c.kind, c.param
        if k == "class":
            return f"EXISTS {{ {self.instances(x, p)} }}"
        if k == "datatype":
            return f"COALESCE({_datatype_check(x, p)}, false)"
        if k == "nodeKind":
            checks = {SH.IRI: f"isIRI({x})", SH.BlankNode: f"isBlank({x})", SH.Literal: f"isLiteral({x})",
                      SH.BlankNodeOrIRI: f"!isLiteral({x})", SH.BlankNodeOrLiteral: f"!isIRI({x})",
                      SH.IRIOrLiteral: f"!isBlank({x})"}
            if p not in checks:
                raise _Uncovered(f"sh:nodeKind {p}")
            return checks[p]
        if k == "in":
            if not p:
                return "false"
            return "(" + " || ".join(f"sameTerm({x}, {_sparql_term(v)})" for v in p) + ")"
        if k == "hasValue":  # on a node shape: the focus node itself
            return f"sameTerm({x}, {_sparql_term(p)})"
        if k == "pattern":
            pattern, flags = p
            return (f"COALESCE(!isBlank({x}) && REGEX(STR({x}), {_sparql_term(Literal(pattern))}, "
                    f"{_sparql_term(Literal(flags))}), false)")
        if k in ("minLength", "maxLength"):
            op = ">=" if k == "minLength" else "<="
            return f"COALESCE(!isBlank({x}) && STRLEN(STR({x})) {op} {int(p)}, false)"
        if k == "languageIn":
            tags = " || ".join(f"langMatches(LANG({x}), {_sparql_term(Literal(str(t)))})" for t in p)
            return f"COALESCE(isLiteral({x}) && ({tags or 'false'}), false)"
        if k in ("minInclusive", "minExclusive", "maxInclusive", "maxExclusive"):
            op = {"minInclusive": ">=", "minExclusive": ">", "maxInclusive": "<=", "maxExclusive": "<"}[k]
            return f"COALESCE(isLiteral({x}) && {x} {op} {_sparql_term(p)}, false)"
        if k in ("not", "node"):
            inner = self.condition(p, x)
            if inner is None:
                return None
            return f"!{inner}" if k == "not" else inner
        if k in ("and", "or", "xone"):
            inners = [self.condition(s, x) for s in p]
            if any(i is None for i in inners):
                return None
            if not inners:
                return "true" if k == "and" else "false"
            if k == "xone":
                return "((" + " + ".join(f"IF({i}, 1, 0)" for i in inners) + ") = 1)"
            return "(" + (" && " if k == "and" else " || ").join(inners) + ")"  # type: ignore[arg-type]
        return None

    # -- evaluation --------------------------------------------------------------------------------------------

    def failing(self, shape: _Shape, focus: str) -> set[Any]:
        """The nodes of ``focus`` that do not conform to ``shape``."""
        if shape.deactivated:
            return set()
        return {r.focus for r in self.evaluate(shape, focus)}

    def evaluate(self, shape: _Shape, focus: str) -> list[_Result]:
        """Every result of ``shape`` for the focus nodes of the pattern ``focus``."""
        return [r for job in self.jobs(shape, focus) for r in job()]

    def jobs(self, shape: _Shape, focus: str) -> list[Callable[[], list[_Result]]]:
        """:meth:`evaluate` in independent parts, in its order: the shape's own constraints, then each of its
        property shapes (so that they can run side by side, see :func:`validate_store`)."""
        if shape.deactivated:
            return []
        return [lambda: self.own(shape, focus), *(functools.partial(self.evaluate, prop, focus)
                                                  for prop in shape.properties)]

    def own(self, shape: _Shape, focus: str) -> list[_Result]:
        """The results of ``shape``'s own constraints (not those of its property shapes)."""
        results: list[_Result] = []
        rest = shape.constraints
        if shape.is_property:
            batched, rest = self.batch(shape, focus)
            results += batched
        for c in rest:
            results += self.check(shape, c, focus)
        return results

    def batch(self, shape: _Shape, focus: str) -> tuple[list[_Result], list[_Constraint]]:
        """The counts, ``sh:hasValue`` and per-value constraints of a property shape in one query over all its
        focus nodes (grouped by focus node: which constraints fail there), then the failing values of the few
        focus nodes that fail; the other constraints, left for :meth:`check`."""
        counts, has, values, rest = [], [], [], []
        conds: dict[int, str] = {}
        for c in shape.constraints:
            cond = self.value_condition(c, "?v") if c.kind in _VALUE_KINDS or c.kind in _LOGICAL_KINDS else None
            if c.kind in ("minCount", "maxCount"):
                counts.append(c)
            elif c.kind == "hasValue":
                has.append(c)
            elif cond is not None:
                conds[id(c)] = cond
                values.append(c)
            else:
                rest.append(c)
        if not counts and not has and not values:
            return [], rest
        n = "COUNT(DISTINCT ?v)"
        # one flag per constraint and value (bound next to the value, so each check runs once per value)
        flags = [f"sameTerm(?v, {_sparql_term(c.param)})" for c in has] + [f"!{conds[id(c)]}" for c in values]
        binds = " ".join(f"BIND (IF({f}, 1, 0) AS ?_f{i})" for i, f in enumerate(flags))
        aggregates = [f"SUM(COALESCE(?_f{i}, 0))" for i in range(len(flags))]
        failing = [f"{a} {'= 0' if i < len(has) else '> 0'}" for i, a in enumerate(aggregates)]
        failing += [f"{n} {'<' if c.kind == 'minCount' else '>'} {int(c.param)}" for c in counts]
        projection = " ".join(f"({a} AS ?_a{i})" for i, a in enumerate([n, *aggregates]))
        lookup = f"OPTIONAL {{ ?this {shape.path_sparql} ?v {binds} }}"
        if isinstance(focus, _Listed):
            # a few listed nodes: their values looked up node by node (Oxigraph joins an OPTIONAL that binds by
            # reading it whole: on 1,000 articles, 0.7 s for the sources of the 343 facts of one article)
            lookup = f"LATERAL {{ {lookup} }}"
        q = (f"SELECT ?this {projection} WHERE {{ {focus} {lookup} }} "
             f"GROUP BY ?this HAVING ({' || '.join(failing)})")
        _, rows = self.select(q)
        results: list[_Result] = []
        bad: dict[int, list[Any]] = {id(c): [] for c in values}
        for row in rows:
            this = _rdflib_term(row[0])
            number = int(row[1].value)
            for c in counts:
                if (number < c.param) if c.kind == "minCount" else (number > c.param):
                    results.append(_Result(focus=this, component=_COMPONENT[c.kind], shape=shape))
            for i, c in enumerate(has):
                if int(row[2 + i].value) == 0:
                    results.append(_Result(focus=this, component=SH.HasValueConstraintComponent, shape=shape))
            for i, c in enumerate(values):
                if int(row[2 + len(has) + i].value) > 0:
                    bad[id(c)].append(this)
        for c in values:
            if not bad[id(c)]:
                continue
            if any(isinstance(t, BNode) for t in bad[id(c)]):  # a blank node cannot be named in VALUES
                results += self.check(shape, c, focus)
                continue
            for nodes in _chunks(bad[id(c)]):
                q = (f"SELECT DISTINCT ?this ?v WHERE {{ VALUES ?this {{ {nodes} }} ?this {shape.path_sparql} ?v "
                     f"FILTER (!{conds[id(c)]}) }}")
                results += self._results(shape, _COMPONENT[c.kind], self.pairs(q))
        return results, rest

    def check(self, shape: _Shape, c: _Constraint, focus: str) -> list[_Result]:
        k, p = c.kind, c.param
        comp = _COMPONENT.get(k)
        res = self._results
        path = shape.path_sparql
        if k == "hasValue" and shape.is_property:
            q = (f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?_h "
                 f"FILTER (sameTerm(?_h, {_sparql_term(p)})) }} }}")
            return res(shape, comp, ((f, None) for f in self.column(q)))
        if k == "hasValue":
            q = f"SELECT ?this WHERE {{ {focus} FILTER (!sameTerm(?this, {_sparql_term(p)})) }}"
            return res(shape, comp, ((f, None) for f in self.column(q)))
        if k in _VALUE_KINDS or k in _LOGICAL_KINDS:
            cond = self.value_condition(c, "?v")
            if cond is not None:
                q = f"SELECT DISTINCT ?this ?v WHERE {{ {self.values_of(shape, focus)} FILTER (!{cond}) }}"
                return res(shape, comp, self.pairs(q))
            return res(shape, comp, self.logical(shape, c, focus))
        if k == "minCount":
            q = (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?v }} }} "
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {int(p)})")
            return res(shape, comp, ((f, None) for f in self.column(q)))
        if k == "maxCount":
            q = (f"SELECT ?this WHERE {{ {focus} ?this {path} ?v }} "
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {int(p)})")
            return res(shape, comp, ((f, None) for f in self.column(q)))
        if k == "uniqueLang":
            q = (f"SELECT ?this ?lang WHERE {{ {self.values_of(shape, focus)} FILTER (isLiteral(?v) && "
                 f"LANG(?v) != \"\") BIND (LCASE(LANG(?v)) AS ?lang) }} "
                 f"GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?v) > 1)")
            return res(shape, comp, ((f, None) for f, _ in self.pairs(q)))
        if k in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
            other = _sparql_term(p)
            values = self.values_of(shape, focus)
            if k == "equals":
                own = f"?this {path} ?v" if shape.is_property else "FILTER (sameTerm(?this, ?v))"
                q = (f"SELECT DISTINCT ?this ?v WHERE {{ {{ {values} FILTER NOT EXISTS {{ ?this {other} ?v }} }} "
                     f"UNION {{ {focus} ?this {other} ?v FILTER NOT EXISTS {{ {own} }} }} }}")
            elif k == "disjoint":
                q = f"SELECT DISTINCT ?this ?v WHERE {{ {values} ?this {other} ?v }}"
            else:
                op = "<" if k == "lessThan" else "<="
                # one result per pair (value, other value) that is not in order, as SHACL says
                q = (f"SELECT DISTINCT ?this ?v ?w WHERE {{ {values} ?this {other} ?w "
                     f"FILTER (!COALESCE(?v {op} ?w, false)) }}")
                return res(shape, comp, ((_rdflib_term(t), _rdflib_term(v)) for t, v, _ in self.select(q)[1]))
            return res(shape, comp, self.pairs(q))
        if k == "closed":
            allowed = [prop.path for prop in shape.properties if isinstance(prop.path, URIRef)] + list(p)
            listed = ", ".join(_sparql_term(a) for a in allowed)
            cond = f"FILTER (?p NOT IN ({listed}))" if allowed else ""
            q = f"SELECT ?this ?p ?o WHERE {{ {focus} ?this ?p ?o {cond} }}"
            _, rows = self.select(q)
            return [_Result(focus=_rdflib_term(t), component=comp, shape=shape, value=_rdflib_term(o),
                            path=_rdflib_term(pp)) for t, pp, o in rows]
        if k == "qualified":
            return self.qualified(shape, c, focus)
        if k == "sparql":
            return self.sparql(shape, c, focus)
        raise AssertionError(f"unhandled constraint {k}")  # pragma: no cover - _constraint admits only these

    @staticmethod
    def _results(shape: _Shape, comp: Any, rows: Iterable[tuple[Any, Any]]) -> list[_Result]:
        return [_Result(focus=f, component=comp, shape=shape, value=v) for f, v in rows]

    def logical(self, shape: _Shape, c: _Constraint, focus: str) -> list[tuple[Any, Any]]:
        """(focus, value) pairs violating a logical constraint whose shapes are checked set-wise."""
        candidates = self.values_as_focus(shape, focus)
        members = c.param if c.kind in ("and", "or", "xone") else [c.param]
        failed = [self.failing(m, candidates) for m in members]
        values = self.values_of(shape, focus)
        # only a value that fails a member (every member, for sh:or) can violate sh:node / sh:and / sh:or, so only
        # those values' pairs are read. Few rows matter beyond speed: Oxigraph lets go of Python's interpreter
        # lock for each row, and beside a busy thread (the build's writers) getting it back can take a switch
        # interval per row.
        bad = None
        if c.kind in ("node", "and", "or") and failed:
            bad = set().union(*failed) if c.kind != "or" else set.intersection(*failed)
        if bad is None or any(isinstance(v, BNode) for v in bad):  # a blank node cannot be named in VALUES
            pairs = self.pairs(f"SELECT DISTINCT ?this ?v WHERE {{ {values} }}")
        else:
            pairs = [pair for nodes in _chunks(bad) for pair in
                     self.pairs(f"SELECT DISTINCT ?this ?v WHERE {{ {{ {values} }} VALUES ?v {{ {nodes} }} }}")]

        def ok(v: Any) -> bool:
            passed = [v not in f for f in failed]
            if c.kind == "not":
                return not passed[0]
            if c.kind in ("node", "and"):
                return all(passed)
            if c.kind == "or":
                return any(passed)
            return sum(passed) == 1

        return [(f, v) for f, v in pairs if not ok(v)]

    def qualified(self, shape: _Shape, c: _Constraint, focus: str) -> list[_Result]:
        qshape, low, high, siblings = c.param
        cond = self.condition(qshape, "?v")
        sib_conds = [self.condition(s, "?v") for s in siblings]
        counts: dict[Any, int] = {}
        if cond is not None and all(s is not None for s in sib_conds):
            full = " && ".join([cond] + [f"!{s}" for s in sib_conds])
            # only the focus nodes whose count is out of bounds come back (few rows: see logical)
            bounds = ([f"COUNT(DISTINCT ?v) > {int(high)}"] if high is not None else []) + (
                [f"COUNT(DISTINCT ?v) < {int(low)}"] if low is not None else [])
            having = f" HAVING ({' || '.join(bounds)})" if bounds else ""
            q = (f"SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus} OPTIONAL {{ ?this {shape.path_sparql} ?v "
                 f"FILTER ({full}) }} }} GROUP BY ?this{having}")
            for t, n in self.select(q)[1]:
                counts[_rdflib_term(t)] = int(n.value)
        else:
            candidates = self.values_as_focus(shape, focus)
            failed = self.failing(qshape, candidates)
            sib_failed = [self.failing(s, candidates) for s in siblings]
            for t in self.column(f"SELECT ?this WHERE {{ {focus} }}"):
                counts[t] = 0
            for t, v in self.pairs(f"SELECT DISTINCT ?this ?v WHERE {{ {self.values_of(shape, focus)} }}"):
                if v not in failed and all(v in sf for sf in sib_failed):
                    counts[t] += 1
        found = []
        for t, n in counts.items():
            if high is not None and n > high:
                found.append(_Result(focus=t, component=SH.QualifiedMaxCountConstraintComponent, shape=shape))
            if low is not None and n < low:
                found.append(_Result(focus=t, component=SH.QualifiedMinCountConstraintComponent, shape=shape))
        return found

    def sparql(self, shape: _Shape, c: _Constraint, focus: str) -> list[_Result]:
        try:
            return self._sparql(shape, c, focus)
        except SyntaxError as e:
            from kg.errors import DataError

            raise DataError(f"the SHACL-SPARQL constraint of shape {shape.node.n3()} is not valid SPARQL: "
                            f"{e}") from None

    def _sparql(self, shape: _Shape, c: _Constraint, focus: str) -> list[_Result]:
        text, joinable, substitutions = self.compiled._sparql_text(shape, c)
        prefixes = self.compiled.prefixes(c.node)
        rows: list[tuple[Any, dict[str, Any]]] = []  # (focus, bindings)
        names: list[str] = []
        if joinable:
            at = _where_brace(text) + 1
            names, raw = self.select(text[:at] + " " + focus + " " + text[at:], prefixes=prefixes,
                                     substitutions=substitutions)
            if "this" in names:
                rows = [(r[names.index("this")], dict(zip(names, r))) for r in raw]
            else:
                joinable = False
        if not joinable:
            at = _where_brace(text) + 1
            for f in sorted(self.column(f"SELECT ?this WHERE {{ {focus} }}"), key=str):
                try:  # substitution binds $this everywhere, sub-selects included, but needs ?this selected
                    names, raw = self.select(text, prefixes=prefixes, substitutions={**substitutions, "this": f})
                except RuntimeError:
                    one = f"VALUES ?this {{ {_sparql_term(f)} }}"
                    names, raw = self.select(text[:at] + " " + one + " " + text[at:], prefixes=prefixes,
                                             substitutions=substitutions)
                rows += [(to_ox(f), dict(zip(names, r))) for r in raw]
        constraint_messages = sorted((m for m in self.compiled.graph.objects(c.node, SH.message)
                                      if isinstance(m, Literal)), key=str)
        messages = constraint_messages + [m for m in shape.messages if m not in constraint_messages]
        found: dict[tuple[Any, ...], _Result] = {}
        for f, bound in rows:
            if f is None:
                continue
            terms = {k: _rdflib_term(v) for k, v in bound.items() if v is not None}
            this = terms.pop("this", None) or _rdflib_term(f)
            path = terms.pop("path", None)
            value = terms.pop("value", None)
            terms.pop("failure", None)
            if value is None and not shape.is_property:
                value = this
            key = (this, path, value, tuple(sorted(terms.items())))
            if key in found:
                continue
            formatting = {**terms, "this": this, **({"path": path} if path is not None else {}),
                          **({"value": value} if value is not None else {})}
            found[key] = _Result(focus=this, component=SH.SPARQLConstraintComponent, shape=shape, value=value,
                                 path=path, constraint_node=c.node,
                                 messages=tuple(_format(m, formatting) for m in messages))
        return list(found.values())


def _chunks(nodes: Iterable[Any], size: int = 1000) -> Iterator[str]:
    """``nodes`` (rdflib or pyoxigraph terms, no blank nodes) as the terms of ``VALUES`` blocks of at most ``size``
    terms, in a stable order."""
    import pyoxigraph as ox

    written = sorted(str(t) if isinstance(t, (ox.NamedNode, ox.Literal)) else _sparql_term(t) for t in nodes)
    for start in range(0, len(written), size):
        yield " ".join(written[start:start + size])


def _datatype_check(x: str, dt: Any) -> str:
    if dt == RDFS.Literal:
        return f"isLiteral({x})"
    if dt == RDF.langString:
        return f"(isLiteral({x}) && LANG({x}) != \"\")"
    check = f"(isLiteral({x}) && datatype({x}) = {_sparql_term(dt)})"
    if dt in _CASTABLE:
        check = f"({check} && isLiteral({_sparql_term(dt)}(STR({x}))))"
    return check


_CASTABLE = {XSD.boolean, XSD.integer, XSD.decimal, XSD.float, XSD.double, XSD.date, XSD.dateTime, XSD.time,
             XSD.duration, XSD.dayTimeDuration, XSD.yearMonthDuration}
"""Datatypes whose lexical forms SPARQL can check by casting (for ill-typed literals)."""


def _format(message: Literal, bindings: dict[str, Any]) -> Literal:
    """A SHACL-SPARQL message with ``{?var}``/``{$var}`` replaced by the bound values, its language kept."""
    text = str(message)
    for name, value in bindings.items():
        text = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _m, v=value: str(v), text)
    return Literal(text, lang=message.language) if message.language else Literal(text)


# --- the report --------------------------------------------------------------------------------------------------

class ShaclReport(Graph):
    """A SHACL validation report graph, with what the engine did.

    :attr:`conforms` is ``sh:conforms``; :attr:`fallback_shapes` maps each shape validated by pySHACL instead
    of compiled SPARQL to the reason; :attr:`queries` counts the SPARQL queries run.
    """

    conforms: bool = True
    fallback_shapes: dict[Any, str]
    queries: int = 0


_GENERIC = "Value does not satisfy {} of shape {}"


def _copy_bnode(source: Graph, node: Any, target: Graph) -> None:
    """Copy the triples describing blank node ``node`` (recursively) from ``source`` into ``target``."""
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if n in seen or not isinstance(n, BNode):
            continue
        seen.add(n)
        for p, o in source.predicate_objects(n):
            target.add((n, p, o))
            todo.append(o)


def _report(results: list[_Result], shapes: Graph) -> ShaclReport:
    report = ShaclReport()
    report.bind("sh", SH)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    for r in sorted(results, key=lambda r: tuple(str(x) for x in r.key())):
        node = BNode()
        report.add((root, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, r.focus))
        report.add((node, SH.sourceConstraintComponent, r.component))
        report.add((node, SH.sourceShape, r.shape.node))
        _copy_bnode(shapes, r.shape.node, report)
        report.add((node, SH.resultSeverity, r.shape.severity))
        if r.value is not None:
            report.add((node, SH.value, r.value))
        path = r.path if r.path is not None else r.shape.path
        if path is not None:
            report.add((node, SH.resultPath, path))
            _copy_bnode(shapes, path, report)
        if r.constraint_node is not None:
            report.add((node, SH.sourceConstraint, r.constraint_node))
            _copy_bnode(shapes, r.constraint_node, report)
        messages: Iterable[Literal] = r.messages if r.messages is not None else r.shape.messages
        if not messages:
            name = str(r.component)[len(str(SH)):]
            messages = [Literal(_GENERIC.format(name, r.shape.node.n3()))]
        for m in messages:
            report.add((node, SH.resultMessage, m))
    report.conforms = not results
    report.add((root, SH.conforms, Literal(not results)))
    return report


# --- the fallback ------------------------------------------------------------------------------------------------

def _fallback(store: pyoxigraph.Store, compiled: CompiledShapes, graph: Any) -> Graph:
    """pySHACL's report for the shapes the compiler left out (the other shapes lose their targets)."""
    import pyoxigraph as ox

    shapes = Graph()
    for triple in compiled.graph:
        shapes.add(triple)
    for shape in compiled.targeted:
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            shapes.remove((shape.node, p, None))
        shapes.remove((shape.node, RDF.type, RDFS.Class))
        shapes.remove((shape.node, RDF.type, OWL.Class))
    data = Graph()
    source = ox.DefaultGraph() if graph is None else to_ox(graph)
    for q in store.quads_for_pattern(None, None, None, source):
        data.add((_rdflib_term(q.subject), _rdflib_term(q.predicate), _rdflib_term(q.object)))
    from kg.validate import run_pyshacl

    return run_pyshacl(data, shapes)[1]  # each SHACL-SPARQL text parsed once, as in the reference engine


# --- public entry points -----------------------------------------------------------------------------------------

def validate_store(store: pyoxigraph.Store, shapes: Graph | CompiledShapes, *, graph: Any = None,
                   threads: int = 1, added: Iterable[Any] | None = None) -> ShaclReport:
    """Validate the data in ``store`` against ``shapes``; a pySHACL-shaped SHACL report graph.

    ``graph=None``: the store's default graph holds the data (the asserted union, as one set of triples);
    otherwise ``graph`` (an rdflib ``URIRef`` or a pyoxigraph ``NamedNode``) names the graph that does.
    Shapes the compiler does not cover are validated by pySHACL on a copy of that graph and listed in the
    report's :attr:`ShaclReport.fallback_shapes`. ``threads`` threads run the shapes' queries side by side (each
    targeted shape's own constraints, and each of its property shapes, is one job); the report is the same.

    ``added`` (``pyoxigraph.Triple`` s) revalidates after triples were added to data that conformed: each shape
    runs only on the focus nodes whose results the added triples can change (:func:`kg.engine.reach.affected`),
    so the report holds what a whole validation would (every other focus node still conforms). A shape whose
    reads cannot be bounded (:class:`kg.engine.reach.Unbounded`) runs on all its focus nodes, and every shape
    does when a triple of the class hierarchy was added.
    """
    import pyoxigraph as ox

    compiled = shapes if isinstance(shapes, CompiledShapes) else compile_shapes(shapes)
    if isinstance(graph, ox.NamedNode):
        graph = URIRef(graph.value)
    from kg.engine.store import run_in_threads

    run = _Run(store, compiled, graph)
    patterns = _focus_patterns(run, None if added is None else list(added))
    jobs = [job for shape in compiled.targeted if (focus := patterns[shape.node]) is not None
            for job in run.jobs(shape, focus)]
    results = [r for found in run_in_threads(jobs, threads) for r in found]
    report = _report(results, compiled.graph)
    report.queries = run.queries
    report.fallback_shapes = dict(compiled.fallback)
    if compiled.fallback:
        log.info("SHACL shapes validated by pySHACL (not compiled to SPARQL): %s",
                 "; ".join(f"{s.n3()}: {why}" for s, why in sorted(compiled.fallback.items(), key=str)))
        extra = _fallback(store, compiled, graph)
        root = next(report.subjects(RDF.type, SH.ValidationReport))
        for result in extra.objects(None, SH.result):
            report.add((root, SH.result, result))
            _copy_bnode(extra, result, report)
        if (None, SH.result, None) in extra:
            report.conforms = False
            report.set((root, SH.conforms, Literal(False)))
    return report


def _focus_patterns(run: _Run, added: list[Any] | None) -> dict[Any, str | None]:
    """By targeted shape node, the focus pattern :func:`validate_store` runs the shape on: all its targets, or with
    ``added``, those the added triples can affect (:func:`kg.engine.reach.affected`); None when they can affect
    none of them."""
    from kg.engine import reach

    whole = added is None or any(t.predicate.value == reach.HIERARCHY for t in added)
    patterns: dict[Any, str | None] = {}
    for shape in run.compiled.targeted:
        nodes = None
        if not whole:
            try:
                nodes = reach.affected(lambda q: run.select(q)[1], reach.shape_sites(run.compiled, shape), added)
            except reach.Unbounded as e:
                log.debug("SHACL revalidation: %s runs whole: %s", shape.node, e)
        if nodes is None:
            patterns[shape.node] = run.target_pattern(shape)
        else:
            patterns[shape.node] = run.target_pattern(shape, next(_chunks(nodes, len(nodes)))) if nodes else None
    return patterns


def store_from_graph(data: Graph) -> pyoxigraph.Store:
    """An in-memory Oxigraph store whose default graph holds ``data`` (N-Triples bulk load, blank node ids kept)."""
    import pyoxigraph as ox

    store = ox.Store()
    nt = data.serialize(format="nt", encoding="utf-8")
    store.bulk_extend(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))
    return store


def validate_graph_fast(data: Graph, shapes: Graph | CompiledShapes | None = None) -> tuple[bool, ShaclReport]:
    """Validate an rdflib graph with the compiled shapes (the packaged ones by default): (conforms, report)."""
    if shapes is None:
        from kg.validate import shapes_graph

        shapes = shapes_graph()
    report = validate_store(store_from_graph(data), shapes)
    return report.conforms, report
