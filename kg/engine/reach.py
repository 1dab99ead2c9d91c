"""Which focus nodes of the compiled shapes added triples can change the results of (the build's revalidation).

A SHACL result for a focus node depends only on the triples its shape *reads* from there: the triples that put it
among the shape's targets, those its paths walk, the types its ``sh:class`` constraints look up, those its nested
shapes read from the value nodes, every triple of the node for ``sh:closed``, the values of the other property for
``sh:equals`` and its kind. Each such read is a :class:`Site`: a node reached from the focus node by a SPARQL path
(:attr:`Site.prefix`; ``None``, the focus node itself) and the triples read there — those with that node as their
subject or their object, with one of some predicates. :func:`shape_sites` lists them for a shape, from the shapes
graph alone.

When triples are only *added* to a graph, a focus node's result can change only if an added triple is read from it,
i.e. if one of its sites reaches the added triple's subject (or object). :func:`affected` finds those focus nodes by
walking each site's path backwards from the added triples, in the graph as it now is (a path may run through added
triples). Every other focus node reads exactly the triples it read before, so its result stands. The shapes are
then run on the affected focus nodes only (:func:`kg.engine.shacl.validate_store` with ``added``), which gives
the results a whole validation gives for them.

What is not bounded this way raises :class:`Unbounded`, and that shape is validated whole: a SHACL-SPARQL
constraint (its query may read anything), an inverse of a path that is not a single property. Added
``rdfs:subClassOf`` triples change what every shape reads (targets and ``sh:class`` follow the class hierarchy in
the data): then every shape is validated whole. Shapes left to pySHACL are always validated whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rdflib import RDF, RDFS, URIRef
from rdflib.namespace import SH

if TYPE_CHECKING:  # pragma: no cover
    from kg.engine.shacl import CompiledShapes, _Shape

SUBJECT = "subject"
OBJECT = "object"

HIERARCHY = str(RDFS.subClassOf)
"""The predicate whose added triples change what every class target and ``sh:class`` reads."""


class Unbounded(Exception):
    """A shape reads triples that :func:`shape_sites` cannot bound (the message says which): it is validated whole."""


@dataclass(frozen=True)
class Site:
    """Triples a shape reads from a focus node: at the node reached by the SPARQL path ``prefix`` (``None``: the
    focus node), those with it as their ``position`` (:data:`SUBJECT` or :data:`OBJECT`) and one of
    ``predicates`` (IRIs; ``None``: any predicate)."""

    prefix: str | None
    position: str
    predicates: frozenset[str] | None


def _join(prefix: str | None, step: str) -> str:
    return step if prefix is None else f"{prefix}/{step}"


def _path_sites(compiled: CompiledShapes, path: Any, prefix: str | None) -> tuple[list[Site], str]:
    """The sites of walking ``path`` (a SHACL path node) from the node at ``prefix``, and the SPARQL path to the
    nodes it reaches (the value nodes, when ``path`` is a property shape's)."""
    g = compiled.graph
    if isinstance(path, URIRef):
        return [Site(prefix, SUBJECT, frozenset({str(path)}))], _join(prefix, compiled._path(path))
    if g.value(path, RDF.first) is not None:  # a sequence: each step from where the steps before it lead
        sites: list[Site] = []
        at = prefix
        for step in compiled._list(path):
            found, at = _path_sites(compiled, step, at)  # type: ignore[assignment]
            sites += found
        return sites, at  # type: ignore[return-value]
    inverse = g.value(path, SH.inversePath)
    if inverse is not None:
        if not isinstance(inverse, URIRef):
            raise Unbounded("an inverse of a path that is not one property")
        return [Site(prefix, OBJECT, frozenset({str(inverse)}))], _join(prefix, compiled._path(path))
    for repeat, start_repeated in ((SH.zeroOrMorePath, True), (SH.oneOrMorePath, True), (SH.zeroOrOnePath, False)):
        inner = g.value(path, repeat)
        if inner is not None:
            # the inner path is walked from every node the repetition reaches on the way (the start included)
            start = _join(prefix, f"({compiled._path(inner)})*") if start_repeated else prefix
            return _path_sites(compiled, inner, start)[0], _join(prefix, compiled._path(path))
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        sites = [site for alternative in compiled._list(alternatives)
                 for site in _path_sites(compiled, alternative, prefix)[0]]
        return sites, _join(prefix, compiled._path(path))
    raise Unbounded("an unknown kind of path")


def shape_sites(compiled: CompiledShapes, shape: _Shape, context: str | None = None, *,
                targets: bool = True) -> list[Site]:
    """Every :class:`Site` that validating ``shape`` at a node reads: the node is the focus node (``context``
    None) or the node reached from it by the SPARQL path ``context`` (a nested shape's). With ``targets``, the
    triples that make a node one of the shape's targets too. Raises :class:`Unbounded`."""
    sites: list[Site] = []
    if targets:
        for kind, o in shape.targets:
            if kind == SH.targetClass:
                sites.append(Site(context, SUBJECT, frozenset({str(RDF.type)})))
            elif kind == SH.targetSubjectsOf:
                sites.append(Site(context, SUBJECT, frozenset({str(o)})))
            elif kind == SH.targetObjectsOf:
                sites.append(Site(context, OBJECT, frozenset({str(o)})))
    if shape.deactivated:
        return sites
    values = context
    if shape.is_property:
        found, values = _path_sites(compiled, shape.path, context)
        sites += found
    for c in shape.constraints:
        if c.kind == "class":
            sites.append(Site(values, SUBJECT, frozenset({str(RDF.type)})))
        elif c.kind in ("not", "node"):
            sites += shape_sites(compiled, c.param, values, targets=False)
        elif c.kind in ("and", "or", "xone"):
            for member in c.param:
                sites += shape_sites(compiled, member, values, targets=False)
        elif c.kind == "qualified":
            qualified, _low, _high, siblings = c.param
            for member in (qualified, *siblings):
                sites += shape_sites(compiled, member, values, targets=False)
        elif c.kind in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
            sites.append(Site(context, SUBJECT, frozenset({str(c.param)})))  # the other property, of the same node
        elif c.kind == "closed":
            sites.append(Site(values, SUBJECT, None))
        elif c.kind == "sparql":
            raise Unbounded("a SHACL-SPARQL constraint (its query may read any triple)")
        # every other constraint reads the value nodes alone (counts, datatypes, patterns, sh:in, sh:hasValue…)
    for prop in shape.properties:
        sites += shape_sites(compiled, prop, values, targets=False)
    return sites


def affected(select: Any, sites: Iterable[Site], added: Iterable[Any]) -> set[Any] | None:
    """The nodes from which one of ``sites`` reads one of the ``added`` triples (``pyoxigraph.Triple``), found in
    the data as it now is; ``select`` runs a SPARQL SELECT there and returns its rows. None when a blank node
    would have to be looked up or is among them (it cannot be named in a query): the caller then validates the
    shape whole."""
    import pyoxigraph as ox

    from kg.engine.shacl import _chunks

    added = list(added)
    wanted: dict[str | None, set[Any]] = {}
    for site in sites:
        nodes = wanted.setdefault(site.prefix, set())
        for t in added:
            if site.predicates is None or t.predicate.value in site.predicates:
                nodes.add(t.subject if site.position == SUBJECT else t.object)
    found: set[Any] = set()
    for prefix, nodes in wanted.items():
        if prefix is None:
            found |= nodes
            continue
        if any(isinstance(n, ox.BlankNode) for n in nodes):
            return None
        for chunk in _chunks(nodes):
            found |= {row[0] for row in select(f"SELECT DISTINCT ?f WHERE {{ VALUES ?n {{ {chunk} }} ?f {prefix} ?n }}")
                      if row[0] is not None}
    return None if any(isinstance(n, ox.BlankNode) for n in found) else found


__all__ = ["HIERARCHY", "OBJECT", "SUBJECT", "Site", "Unbounded", "affected", "shape_sites"]
