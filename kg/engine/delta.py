"""Which rows of a violation query the triples added to conforming data can give (the build's re-check).

A build that builds on an earlier one (:mod:`kg.increment`) starts from data that conformed: every packaged
``*-violation.rq`` query (:mod:`kg.validate`) gave no row. Once triples are only *added*, a row is new only if
one of the triple patterns that support it matches an added triple: a pattern the row needs (or an ``OPTIONAL`` /
``FILTER EXISTS`` pattern it read); patterns under ``FILTER NOT EXISTS`` or ``MINUS`` can only take rows away.

:func:`analyse` reads a query's algebra (rdflib's parser; the text itself is never rewritten) into its union-free
alternatives (:class:`Branch`): for each, the patterns that can support a row (``entries``) and those every row of
it matches (``edges``). :func:`candidates` then matches the added triples against the entries and walks from the
variables they bind to one projected variable (``?focus`` first, where the queries' plans start) along the edges,
looking each step up in the store as it now is; a value must also match the edges that name no other variable
(``?other a kg:StatusAssertion``). The values it reaches hold the value of that variable of every new row (a
superset: the walk ignores filters), so the query, run for those values bound as RDF terms, gives every row a
whole run gives (:func:`kg.validate._query_violations`).

The values are bound in a ``VALUES`` block opening the query's ``WHERE`` group, so the variable must be one that
block binds as a filter on the whole run would (:attr:`Analysis.early`: no ``OPTIONAL`` or ``BIND`` of that group
reads it before a pattern binds it), and the values must be IRIs (:func:`kg.validate._rows`).

What the walk does not bound gives None, and the query runs whole: a query with ``LIMIT``, aggregates, ``GRAPH``,
``SERVICE``, a pattern under two negations (an ``OPTIONAL`` group that stops matching gives a row where it is read
with ``!BOUND``, so a negation inside one, or one under a negation, counts as two), a negation inside another
expression, a negated property set, a literal in a pattern (rdflib reads some in another form), a property path
that an added triple's predicate takes part in, a pattern without variables that an added triple matches, an entry
from which no chain of edges leads to a projected variable, or more values than :data:`LIMIT` at any step. A path
that may match a term with itself (``p*``) matches the terms the added triples bring, unless a term of the query
fixes one of its ends.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

LIMIT = 5_000
"""The most values a walk takes for one variable before it gives up (and the query runs whole): every value goes
into the ``VALUES`` block of the query's run."""


class _Unbounded(Exception):
    """The query holds a construct :func:`analyse` does not bound."""


@dataclass(frozen=True)
class Pattern:
    """A triple pattern: each position a variable name (``str``), a pyoxigraph term, or (the predicate) a property
    path given as the IRIs it names (``frozenset`` of ``str``; ``zero_length`` when it also matches every term of
    the graph with itself, as ``rdfs:subClassOf*`` does)."""

    subject: Any
    predicate: Any
    object: Any
    zero_length: bool = False

    def variables(self) -> set[str]:
        return {t for t in (self.subject, self.predicate, self.object) if isinstance(t, str)}

    @property
    def is_path(self) -> bool:
        return isinstance(self.predicate, frozenset)


@dataclass(frozen=True)
class _Domain:
    """A variable a ``VALUES`` block binds to IRIs named in the query (never to a term of the data alone)."""

    variable: str


@dataclass(frozen=True)
class Branch:
    """One alternative of a query with its unions taken apart: ``entries`` are the patterns that can support one
    of its rows, each with the patterns a row that reads it also matches (the alternative's own, and those of the
    ``OPTIONAL`` or ``EXISTS`` group it sits in)."""

    entries: tuple[tuple[Pattern, tuple[Pattern, ...]], ...]
    required: frozenset[str]
    """The variables every row of the alternative binds through its patterns."""
    named: frozenset[str] = frozenset()
    """The variables a ``VALUES`` block of the alternative binds to IRIs of the query."""


@dataclass(frozen=True)
class Analysis:
    """A query's alternatives and the variables it selects, in the order they are tried for the walk's end."""

    branches: tuple[Branch, ...]
    projected: tuple[str, ...]
    early: frozenset[str] = frozenset()
    """The projected variables a ``VALUES`` block opening the query's ``WHERE`` group binds with the same rows as a
    whole run filtered on them: no ``OPTIONAL`` or ``BIND`` of that group reads one before a pattern binds it."""

    @functools.cached_property
    def path_predicates(self) -> frozenset[str]:
        """The IRIs the query's property paths name (worked out once: every added triple is checked against them)."""
        return frozenset(iri for branch in self.branches for entry, edges in branch.entries
                         for p in (entry, *edges) if p.is_path for iri in p.predicate)


_PARSING = threading.Lock()
"""rdflib's SPARQL parser (pyparsing) is not thread-safe (RDFLib/rdflib#1282): one parse at a time here."""


@functools.lru_cache(maxsize=64)
def analyse(text: str) -> Analysis | None:
    """The alternatives of the SELECT query ``text`` (:class:`Analysis`), or None where it holds a construct this
    module does not bound (see the module docstring). Kept per text. rdflib parses it, one text at a time; a
    caller that runs queries in threads analyses them before it starts them (another thread may parse with rdflib
    meanwhile)."""
    from rdflib.plugins.sparql import prepareQuery

    with _PARSING:
        algebra = prepareQuery(text).algebra
    if algebra.name != "SelectQuery" or algebra.get("datasetClause"):
        return None
    try:
        groups = _alternatives(algebra.p, 1, itertools.count())
    except _Unbounded:
        return None
    projected = [str(v) for v in algebra.PV]
    if "focus" in projected:
        projected.remove("focus")
        projected.insert(0, "focus")
    branches = []
    for group in dict.fromkeys(tuple(g) for g in groups):  # a union under a negation repeats the same alternative
        named = frozenset(p.variable for p, scope in group if isinstance(p, _Domain) and scope == ())
        patterns = [(p, scope) for p, scope in group if isinstance(p, Pattern)]
        required = tuple(p for p, scope in patterns if scope == ())
        entries = tuple((p, required + tuple(q for q, s in patterns if s and s == scope[:len(s)]))
                        for p, scope in patterns)
        branches.append(Branch(entries, frozenset(v for p in required for v in p.variables()), named))
    return Analysis(tuple(branches), tuple(projected), _early(algebra.p, projected))


def _early(node: Any, names: list[str]) -> frozenset[str]:
    """Which of ``names`` a ``VALUES`` block opening the top-level group binds as a filter on the whole run would:
    the group is a left-deep chain of its elements (``Join``, ``LeftJoin`` for ``OPTIONAL``, ``Extend`` for
    ``BIND``, ``Minus``, ``Filter``); an ``OPTIONAL`` or a ``BIND`` that reads a name before the elements ahead of
    it are sure to bind it would see it bound early."""
    while getattr(node, "name", None) in ("Distinct", "Reduced", "Slice", "OrderBy", "Project"):
        node = node.p
    unsafe: set[str] = set()
    while True:
        name = getattr(node, "name", None)
        if name in ("LeftJoin", "Extend"):
            ahead = node.p1 if name == "LeftJoin" else node.p
            read = _variables(node.p2) | _variables(node.expr) if name == "LeftJoin" else _variables(node.expr)
            if name == "Extend":
                read.add(str(node.var))
            unsafe |= {n for n in names if n in read and n not in _certain(ahead)}
            node = ahead
        elif name in ("Join", "Minus"):
            node = node.p1
        elif name == "Filter":
            node = node.p
        else:
            break
    return frozenset(n for n in names if n not in unsafe)


def _certain(node: Any) -> set[str]:
    """The variables every solution of an algebra node binds (fewer where unsure)."""
    name = getattr(node, "name", None)
    if name == "BGP":
        from rdflib.term import Variable

        return {str(t) for triple in node.triples for t in triple if isinstance(t, Variable)}
    if name == "Join":
        return _certain(node.p1) | _certain(node.p2)
    if name in ("LeftJoin", "Minus"):
        return _certain(node.p1)
    if name == "Union":
        return _certain(node.p1) & _certain(node.p2)
    if name == "Extend":
        return _certain(node.p) | {str(node.var)}
    if name in ("Filter", "ToMultiSet", "Distinct", "Reduced", "OrderBy"):
        return _certain(node.p)
    if name == "Project":
        return _certain(node.p) & {str(v) for v in node.PV}
    return set()


# an alternative, while the algebra is read: its supporting patterns (and the variables its VALUES blocks name),
# each with its scope — () for a pattern every row matches, else the ids of the OPTIONAL / EXISTS groups it sits
# in (a row that reads it matches their patterns)
_Group = list[tuple[Pattern | _Domain, tuple[int, ...]]]


def _alternatives(node: Any, sign: int, ids: Iterator[int], scope: tuple[int, ...] = (),
                  rename: dict[str, str] | None = None, optional: bool = False) -> list[_Group]:
    """The union-free alternatives of an algebra node, with the patterns of positive ``sign`` (1: they can support a
    row; -1: under a negation, they can only take rows away, and are left out). ``optional``: inside an
    ``OPTIONAL`` group, where a negation is not bounded (an ``OPTIONAL`` that stops matching can give a row, read
    with ``!BOUND``: a second negation)."""
    name = getattr(node, "name", None)
    rename = rename or {}
    if name == "BGP":
        if sign < 0:
            return [[]]
        return [[(_pattern(t, rename), scope) for t in node.triples]]
    if name in ("Join", "LeftJoin", "Minus", "Union"):
        left = _alternatives(node.p1, sign, ids, scope, rename, optional)
        if name == "Union":
            return left + _alternatives(node.p2, sign, ids, scope, rename, optional)
        if name == "Minus":
            if sign < 0 or optional:
                raise _Unbounded("MINUS under a negation or in an OPTIONAL group")
            right = _alternatives(node.p2, -sign, ids, scope, rename, optional)
        elif name == "LeftJoin":
            if sign < 0:
                raise _Unbounded("OPTIONAL under a negation")
            inner = (*scope, next(ids))
            right = _alternatives(node.p2, sign, ids, inner, rename, True)
            right = _with_expression(right, node.expr, sign, ids, inner, rename, True)
        else:
            right = _alternatives(node.p2, sign, ids, scope, rename, optional)
        return [a + b for a, b in itertools.product(left, right)]
    if name == "Filter":
        return _with_expression(_alternatives(node.p, sign, ids, scope, rename, optional), node.expr, sign, ids,
                                scope, rename, optional)
    if name == "Extend" and _exists(node.expr):
        raise _Unbounded("EXISTS in BIND")
    if name in ("Extend", "OrderBy", "Distinct", "Reduced", "ToMultiSet"):
        return _alternatives(node.p, sign, ids, scope, rename, optional)
    if name == "Project":
        # a sub-select: the variables it does not select are its own
        inner_names = _variables(node.p) - {str(v) for v in node.PV}
        local = dict(rename)
        local.update({v: f"{v}#{next(ids)}" for v in sorted(inner_names)})
        return _alternatives(node.p, sign, ids, scope, local, optional)
    if name == "values":
        from rdflib import URIRef

        rows = node.res or []
        named = {v for row in rows for v in row if all(isinstance(r.get(v), URIRef) for r in rows)}
        return [[(_Domain(rename.get(str(v), str(v))), scope) for v in sorted(named)]]
    raise _Unbounded(name)


def _with_expression(groups: list[_Group], expr: Any, sign: int, ids: Iterator[int], scope: tuple[int, ...],
                     rename: dict[str, str], optional: bool) -> list[_Group]:
    """``groups`` joined with the patterns of the ``EXISTS`` / ``NOT EXISTS`` of a filter expression."""
    for part, negated in _exists(expr):
        if sign < 0 and not negated:
            continue
        if negated and (sign < 0 or optional):
            raise _Unbounded("a pattern under two negations")
        inner = (*scope, next(ids))
        found = _alternatives(part, -sign if negated else sign, ids, inner, rename, optional)
        groups = [a + b for a, b in itertools.product(groups, found)]
    return groups


def _exists(expr: Any, top: bool = True) -> list[tuple[Any, bool]]:
    """The graph patterns of the ``EXISTS`` (False) and ``NOT EXISTS`` (True) of a filter expression. One met
    anywhere but at its top level or in a conjunction there (``!EXISTS``, ``EXISTS … || …``) is not bounded."""
    name = getattr(expr, "name", None)
    if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        if not top:
            raise _Unbounded("EXISTS inside an expression")
        return [(expr.graph, name == "Builtin_NOTEXISTS")]
    if name == "ConditionalAndExpression" and top:
        return [found for part in [expr.expr, *(expr.other or [])] for found in _exists(part, True)]
    found = []
    if hasattr(expr, "items"):
        for key, value in expr.items():
            if key == "_vars":
                continue
            for item in value if isinstance(value, list) else [value]:
                found += _exists(item, False)
    return found


def _variables(node: Any) -> set[str]:
    """Every variable named anywhere in an algebra node (its patterns, expressions, nested groups and sub-selects)."""
    from rdflib.term import Variable

    found: set[str] = set()
    todo = [node]
    while todo:
        item = todo.pop()
        if isinstance(item, Variable):
            found.add(str(item))
        elif isinstance(item, (list, tuple, set, frozenset)):
            todo.extend(item)
        elif hasattr(item, "items") and not isinstance(item, str):
            todo.extend(value for key, value in item.items() if key != "_vars")
    return found


def _pattern(triple: Sequence[Any], rename: dict[str, str]) -> Pattern:
    from rdflib.paths import Path
    from rdflib.term import BNode, Literal, Variable

    from kg.engine.store import to_ox

    def term(t: Any, predicate: bool = False) -> Any:
        if isinstance(t, Variable):
            return rename.get(str(t), str(t))
        if isinstance(t, BNode):  # a blank node of a pattern is a variable
            return rename.get(f"_:{t}", f"_:{t}")
        if isinstance(t, Path):
            if not predicate:
                raise _Unbounded("a path")
            return frozenset(_path_iris(t))
        if isinstance(t, Literal):  # rdflib writes some literals in another form (" t "^^xsd:token as "t")
            raise _Unbounded("a literal in a pattern")
        return to_ox(t)

    s, p, o = triple
    return Pattern(term(s), term(p, True), term(o), isinstance(p, Path) and _zero_length(p))


def _zero_length(path: Any) -> bool:
    """Whether a property path may match a term with itself without any triple (``p*``, ``p?``, and sequences or
    alternatives of such)."""
    from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath

    if isinstance(path, MulPath):
        return path.zero or _zero_length(path.path)
    if isinstance(path, InvPath):
        return _zero_length(path.arg)
    if isinstance(path, SequencePath):
        return all(_zero_length(part) for part in path.args)
    if isinstance(path, AlternativePath):
        return any(_zero_length(part) for part in path.args)
    return False


def _path_iris(path: Any) -> set[str]:
    from rdflib import URIRef
    from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath

    if isinstance(path, URIRef):
        return {str(path)}
    if isinstance(path, InvPath):
        return _path_iris(path.arg)
    if isinstance(path, MulPath):
        return _path_iris(path.path)
    if isinstance(path, (SequencePath, AlternativePath)):
        return {iri for part in path.args for iri in _path_iris(part)}
    # a negated property set matches the predicates it does not name
    raise _Unbounded(f"a path of the kind {type(path).__name__}")


def candidates(store: Any, analysis: Analysis, added: Sequence[Any]) -> tuple[str, list[Any]] | None:
    """A projected variable of the query ``analysis`` describes and, sorted, values of it that include its value in
    every row the triples ``added`` (``pyoxigraph.Triple`` s, in ``store``'s default graph with the rest of the
    data) can give; None when the walk does not bound them (the query then runs whole)."""
    if any(t.predicate.value in analysis.path_predicates for t in added):
        return None
    by_predicate: dict[Any, list[Any]] = {}  # a pattern whose predicate is an IRI matches only the triples of it
    for triple in added:
        by_predicate.setdefault(triple.predicate, []).append(triple)
    for target in analysis.projected:
        if target not in analysis.early:
            continue
        found = _walk(store, analysis, added, by_predicate, target)
        if found is not None:
            return target, sorted(found, key=_order)
    return None


def _walk(store: Any, analysis: Analysis, added: Sequence[Any], by_predicate: dict[Any, list[Any]],
          target: str) -> set[Any] | None:
    found: set[Any] = set()
    for branch in analysis.branches:
        if target not in branch.required:
            return None  # a row may leave it unbound, or take it from an expression: no value bounds those rows
        for entry, edges in branch.entries:
            bound: dict[str, set[Any]] = {}
            matching = added if isinstance(entry.predicate, str) else by_predicate.get(entry.predicate, ())
            if entry.is_path:
                # its predicates are not added (candidates): it matches no added triple, but one that may match a
                # term with itself matches the terms the added triples bring, unless a term of the query fixes one end
                ends = [entry.subject, entry.object]
                if entry.zero_length and all(isinstance(e, str) and e not in branch.named for e in ends):
                    terms = {t for triple in added for t in (triple.subject, triple.object)}
                    bound = {end: set(terms) for end in ends}
            elif not entry.variables():
                if any(_match(entry, triple) is not None for triple in matching):
                    return None  # a pattern without variables: every row may now be new
            else:
                for triple in matching:
                    for variable, value in (_match(entry, triple) or {}).items():
                        bound.setdefault(variable, set()).add(value)
            usable = [e for e in edges if not e.is_path]
            bound = {variable: _admissible(store, usable, variable, values) for variable, values in bound.items()}
            if not bound or not all(bound.values()):
                continue
            reached = _reach(store, bound, usable, target)
            if reached is None:
                return None
            found |= reached
            if len(found) > LIMIT:
                return None
    return found


def _match(pattern: Pattern, triple: Any) -> dict[str, Any] | None:
    binding: dict[str, Any] = {}
    for want, have in zip((pattern.subject, pattern.predicate, pattern.object),
                          (triple.subject, triple.predicate, triple.object), strict=True):
        if isinstance(want, str):
            if binding.setdefault(want, have) != have:
                return None
        elif want != have:
            return None
    return binding


def _reach(store: Any, bound: dict[str, set[Any]], edges: list[Pattern], target: str) -> set[Any] | None:
    """The values of ``target`` reached from the values ``bound`` along a chain of ``edges``; None when no chain
    of up to :data:`_LONGEST` edges stays within :data:`LIMIT` values. Every row's value is on every chain (a row
    matches all of ``edges``), so the chain that reaches the fewest values is taken."""
    if target in bound:
        return bound[target]
    best: set[Any] | None = None
    for chain in _chains(list(bound), edges, target):
        values: set[Any] | None = bound[chain[0][0]]
        for known, edge, wanted in chain:
            values = _step(store, edge, known, values, wanted, LIMIT if best is None else len(best))
            if values is None:
                break
            values = _admissible(store, edges, wanted, values)
        if values is not None and (best is None or len(values) < len(best)):
            best = values
    return best


_LONGEST = 4
"""The most edges a chain from an entry to the walk's end runs along."""


def _chains(starts: list[str], edges: list[Pattern], target: str) -> list[list[tuple[str, Pattern, str]]]:
    """The chains of ``edges`` (each step: the variable known, the edge, the variable it gives) from one of
    ``starts`` to ``target`` that visit no variable twice, shortest first."""
    found: list[list[tuple[str, Pattern, str]]] = []

    def extend(at: str, chain: list[tuple[str, Pattern, str]], seen: set[str]) -> None:
        if at == target:
            found.append(list(chain))
            return
        if len(chain) == _LONGEST:
            return
        for edge in edges:
            names = edge.variables()
            if at not in names:
                continue
            for other in sorted(names - seen):
                chain.append((at, edge, other))
                extend(other, chain, seen | {other})
                chain.pop()

    for start in starts:
        extend(start, [], set(starts))
    return sorted(found, key=len)


def _admissible(store: Any, edges: list[Pattern], variable: str, values: set[Any]) -> set[Any]:
    """The ``values`` of ``variable`` that match every one of ``edges`` that names no other variable (such as
    ``?other a kg:StatusAssertion``): a row's value does, since it matches them all."""
    import pyoxigraph as ox

    checks = [e for e in edges if e.variables() == {variable}]
    if not checks:
        return values
    kept = set()
    for value in values:
        for edge in checks:
            if not _fits(edge, variable, value):
                break
            # every position now a term (the edge names no other variable): one look-up of the triple
            if ox.Quad(*(value if t == variable else t for t in (edge.subject, edge.predicate, edge.object))) \
                    not in store:
                break
        else:
            kept.add(value)
    return kept


def _step(store: Any, edge: Pattern, known: str, values: set[Any], wanted: str, limit: int) -> set[Any] | None:
    """The values of ``wanted`` in the triples that match ``edge`` with ``known`` taking one of ``values``; None
    past ``limit`` of them."""
    import pyoxigraph as ox

    positions = (edge.subject, edge.predicate, edge.object)
    reached: set[Any] = set()
    for value in values:
        if not _fits(edge, known, value):
            continue
        pattern = [value if t == known else None if isinstance(t, str) else t for t in positions]
        for quad in store.quads_for_pattern(*pattern, ox.DefaultGraph()):
            binding = _match(edge, quad.triple)
            if binding is not None:
                reached.add(binding[wanted])
                if len(reached) > limit:
                    return None
    return reached


def _fits(edge: Pattern, variable: str, value: Any) -> bool:
    """Whether ``value`` can stand where ``edge`` names ``variable``: an IRI as a predicate, no literal as a
    subject."""
    import pyoxigraph as ox

    if edge.predicate == variable and type(value) is not ox.NamedNode:
        return False
    return not (edge.subject == variable and type(value) is ox.Literal)


def _order(term: Any) -> tuple[int, str]:
    import pyoxigraph as ox

    return ({ox.BlankNode: 0, ox.NamedNode: 1}.get(type(term), 2), str(term))


__all__ = ["LIMIT", "Analysis", "Branch", "Pattern", "analyse", "candidates"]
