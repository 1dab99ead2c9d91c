"""OWL-RL reasoning; the inferred triples go to their own named graph.

Two engines (chosen once per build, see :mod:`kg.engine.store`): :func:`infer` runs owlrl on an rdflib
graph (the *reference* engine); :func:`infer_fast` runs the ontology's axioms as SPARQL rules in Oxigraph
(:mod:`kg.engine.rules`).

The closure is computed over ontology + reference data + articles. Only the
*new* triples are kept, minus reasoning noise that helps no user: literal
subjects, ``owl:sameAs`` self-links, reflexive ``subClassOf`` /
``subPropertyOf`` / ``equivalent*`` axioms, ``rdf:type owl:Thing`` /
``rdfs:Resource``, entailed ``rdfs:domain`` / ``rdfs:range`` axioms, blank-node subjects, and statements about terms of other
vocabularies (``schema:Person rdfs:subClassOf schema:Thing`` is schema.org's
business, not this graph's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, overload

from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, URIRef

from kg.dataset import GraphSet
from kg.load import graph_names, union_graph
from kg.namespaces import BASE, INFERRED_GRAPH, ONTOLOGY_GRAPH, bind_prefixes

_REFLEXIVE_NOISE = {RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty, OWL.sameAs}
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}
_SCHEMA_NOISE = {RDFS.domain, RDFS.range}  # "p has domain <every superclass of its domain>"
_RDF_TYPE = RDF.type  # looked up once: each rdflib DefinedNamespace attribute access costs ~25 µs


def asserted_graphs(ds: Dataset) -> list[URIRef]:
    """The names of every graph in ``ds`` except the inferred one, sorted."""
    return [name for name in graph_names(ds) if name != INFERRED_GRAPH]


def _keep(s, p, o) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(s, (Literal, BNode)) or isinstance(o, BNode):
        return False
    if p in _REFLEXIVE_NOISE and s == o:
        return False
    if p == _RDF_TYPE and o in _TRIVIAL_TYPES:
        return False
    if p in _SCHEMA_NOISE:
        return False
    return str(s).startswith(BASE)


_REFLEXIVE_NOISE_IRIS = frozenset(str(p) for p in _REFLEXIVE_NOISE)
_TRIVIAL_TYPE_IRIS = frozenset(str(t) for t in _TRIVIAL_TYPES)
_SCHEMA_NOISE_IRIS = frozenset(str(p) for p in _SCHEMA_NOISE)
_RDF_TYPE_IRI = str(RDF.type)


def keep_ox(triple: Any) -> bool:
    """:func:`_keep` on a ``pyoxigraph.Triple`` (or ``Quad``): the same test on the same sets of terms, without
    converting the terms to rdflib (the fast engine judges hundreds of thousands of inferences this way)."""
    import pyoxigraph as ox

    s, p, o = triple.subject, triple.predicate.value, triple.object
    if type(s) is not ox.NamedNode or type(o) is ox.BlankNode:
        return False
    if p in _REFLEXIVE_NOISE_IRIS and s == o:
        return False
    if p == _RDF_TYPE_IRI and type(o) is ox.NamedNode and o.value in _TRIVIAL_TYPE_IRIS:
        return False
    if p in _SCHEMA_NOISE_IRIS:
        return False
    return s.value.startswith(BASE)


def infer(ds: Dataset) -> Graph:
    """Run the OWL 2 RL closure over every asserted graph of ``ds``.

    Writes the new triples into the ``graph/inferred`` named graph of ``ds``
    (replacing what was there) and returns that graph.
    """
    import owlrl  # heavy: imported when reasoning is asked for

    closure = union_graph(ds, inferred=False)
    asserted = set(closure)  # membership only: a set costs far less memory than a second indexed graph
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    ds.remove_graph(ds.graph(INFERRED_GRAPH))
    inferred = ds.graph(INFERRED_GRAPH)
    for triple in closure:
        if triple not in asserted and _keep(*triple):
            inferred.add(triple)
    bind_prefixes(inferred)
    return inferred


def infer_fast(graphs: GraphSet, store: Any = None, *, meanwhile: Callable[[], None] | None = None,
               previous: set[Any] | None = None, added: list[Any] | None = None
               ) -> tuple[set[Any], list[str], list[Any] | None]:
    """OWL-RL as SPARQL rules in Oxigraph (:func:`kg.engine.rules.infer_triples`) over the asserted graphs of
    ``graphs``: the new triples, filtered like :func:`infer`, as ``pyoxigraph.Triple`` (for ``graph/inferred``),
    the fallbacks to owlrl the rules took (plain words), and those of the triples that ``previous`` lacks when
    the rules ran from the triples ``added`` (None when they ran over everything).

    ``store`` (a ``pyoxigraph.Store`` holding the asserted graphs in its default graph, see
    :class:`kg.engine.store.AssertedStore`) is where the rules run when given; they add nothing to it that
    stays. Either way the inferences equal owlrl's term for term, so the written files are byte-identical
    between the engines; where the rules do not cover the ontology, owlrl runs on an rdflib copy of the graphs
    instead. ``meanwhile`` is called at most once, as the rules start their rounds (see
    :func:`kg.engine.rules.infer_triples`).

    ``previous`` (with ``store``): the inferences of the same graphs without the triples ``added`` (an earlier
    build's); the rules then run from the added triples only, where that gives the same inferences
    (:func:`kg.engine.rules.infer_added`: ``meanwhile`` is not called, its run is short), and over everything
    otherwise.
    """
    from kg.engine.rules import infer_added, infer_triples

    notes: list[str] = []
    report = lambda message: notes.append(f"OWL-RL: {message}")  # noqa: E731
    ontology = graphs.rdflib_graph(ONTOLOGY_GRAPH)
    names = graphs.asserted_names()
    if previous is not None and store is not None:
        ran = infer_added(store, previous, added or [], _GraphTriples(graphs, names, literals=True), ontology)
        if ran is not None:
            kept, fresh = ran
            return kept, notes, fresh
    found = infer_triples(_GraphTriples(graphs, names), ontology, report=report, store=store, meanwhile=meanwhile,
                          literals=_GraphTriples(graphs, names, literals=True))
    if found is None:
        convert = graphs.terms.triple_to_ox
        return {convert(t) for t in infer(graphs.to_rdflib())}, notes, None
    return found, notes, None


class _GraphTriples(Sequence[Iterable[Any]]):
    """The triples of the graphs ``names`` of ``graphs`` (with ``literals``, those whose object may be a typed
    literal: :meth:`kg.dataset.GraphSet.literal_triples`), each graph read only when it is reached: a graph kept
    as a document (:meth:`kg.dataset.GraphSet.set_document`) is not parsed where the rules do not read it."""

    def __init__(self, graphs: GraphSet, names: list[URIRef], *, literals: bool = False) -> None:
        self._read = graphs.literal_triples if literals else graphs.triples
        self._names = names

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, index: int) -> Iterable[Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[Iterable[Any]]: ...

    def __getitem__(self, index: int | slice) -> Iterable[Any] | list[Iterable[Any]]:
        if isinstance(index, slice):
            return [self._read(name) for name in self._names[index]]
        return self._read(self._names[index])


__all__ = ["asserted_graphs", "infer", "infer_fast", "keep_ox"]
