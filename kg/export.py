"""Deterministic RDF exports: same input, byte-identical output, UTF-8 with Arabic as characters.

Turtle, TriG, N-Triples and N-Quads are written by pyoxigraph's streaming writers over triples sorted by
:func:`kg.engine.store.serialize_sorted` (rdflib's Turtle and TriG writers take quadratic time on large
graphs); N-Triples / N-Quads are then sorted line by line. rdflib's JSON-LD and RDF/XML writers write in the
order the store yields triples, which depends on hash seeds, so those go through :class:`SortedGraph`, whose
iteration is sorted. Blank nodes get a new random id at every parse, so a
graph that holds any is first relabelled by rdflib's canonicalisation
(:func:`rdflib.compare.to_canonical_graph`: ids from SHA-256 hashes of the
graph's structure), per exported graph.
N-Triples / N-Quads are the RDF 1.1 forms (UTF-8, no ``\\u`` escapes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from rdflib import BNode, Dataset, Graph, URIRef

from kg.dataset import GraphSet
from kg.errors import InputError
from kg.load import graph_names
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, bind_prefixes
from kg.terms import canonical_term


@dataclass(frozen=True)
class Format:
    """An export format: rdflib's serializer name, a file extension, whether it keeps named graphs."""

    name: str
    rdflib_name: str
    extension: str
    quads: bool
    media_type: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("turtle", "turtle", ".ttl", False, "text/turtle"),
        Format("trig", "trig", ".trig", True, "application/trig"),
        Format("nt", "nt", ".nt", False, "application/n-triples"),
        Format("nquads", "nquads", ".nq", True, "application/n-quads"),
        Format("jsonld", "json-ld", ".jsonld", False, "application/ld+json"),
        Format("xml", "xml", ".rdf", False, "application/rdf+xml"),
    )
}


def get_format(name: str) -> Format:
    """The export format called ``name``; :class:`InputError` lists the known ones otherwise."""
    try:
        return FORMATS[name.lower()]
    except KeyError:
        raise InputError(f"unknown export format {name!r}; use one of {', '.join(FORMATS)}") from None


def _key(triple):  # type: ignore[no-untyped-def]
    return tuple(term.n3() for term in triple)


def canonical(triple):  # type: ignore[no-untyped-def]
    """The triple with its object in canonical form (see :func:`kg.terms.canonical_term`)."""
    s, p, o = triple
    return s, p, canonical_term(o)


class SortedGraph(Graph):
    """A graph whose triples (and so subjects, predicates, objects) iterate in sorted order."""

    def triples(self, triple, **kwargs):  # type: ignore[no-untyped-def, override]
        yield from sorted(super().triples(triple, **kwargs), key=_key)


class SortedDataset(Dataset):
    """A dataset whose named graphs iterate in IRI order."""

    def graphs(self, triple=None):  # type: ignore[no-untyped-def, override]
        return iter(sorted(super().graphs(triple), key=lambda g: str(g.identifier)))

    def contexts(self, triple=None):  # type: ignore[no-untyped-def, override]
        return self.graphs(triple)


def export_graphs(ds: Dataset | GraphSet, *, inferred: bool) -> list[URIRef]:
    """Which named graphs an export holds: the asserted data; with ``inferred`` also ontology and inferences."""
    skip = set() if inferred else {ONTOLOGY_GRAPH, INFERRED_GRAPH}
    names = ds.names() if isinstance(ds, GraphSet) else graph_names(ds)
    return [n for n in names if n not in skip]


def _canonical_bnodes(triples: set) -> set:
    """``triples`` with every blank node renamed to a content-derived id (unchanged when there is none)."""
    if not any(isinstance(term, BNode) for triple in triples for term in (triple[0], triple[2])):
        return triples
    from rdflib.compare import to_canonical_graph

    g = Graph()
    for triple in triples:
        g.add(triple)
    return set(to_canonical_graph(g))


def sorted_graph(ds: Dataset, names: list[URIRef]) -> Graph:
    """The union of the named graphs ``names`` as a fresh graph, triples inserted in sorted order."""
    triples: set = set()
    for name in names:
        triples.update(map(canonical, ds.graph(name)))
    triples = _canonical_bnodes(triples)
    g = SortedGraph()
    bind_prefixes(g)
    for triple in sorted(triples, key=_key):
        g.add(triple)
    return g


def sorted_dataset(ds: Dataset, names: list[URIRef]) -> Dataset:
    """A fresh dataset with the named graphs ``names``, graphs and triples inserted in sorted order."""
    out = SortedDataset()
    bind_prefixes(out)
    for name in names:
        target = out.graph(name)
        for triple in sorted(_canonical_bnodes(set(map(canonical, ds.graph(name)))), key=_key):
            target.add(triple)
    return out


def canonical_triples(ds: Dataset, name: URIRef) -> set:
    """The triples of the named graph ``name``: canonical objects, blank nodes relabelled canonically."""
    return _canonical_bnodes(set(map(canonical, ds.graph(name))))


STREAMED = {"turtle", "trig", "nt", "nquads"}
"""Formats written by pyoxigraph's streaming writers (:func:`kg.engine.store.serialize_sorted`); rdflib's
Turtle and TriG writers take quadratic time on large graphs."""


def serialize(ds: Dataset, fmt: str, *, inferred: bool = False) -> bytes:
    """Serialise ``ds`` in the export format ``fmt`` (see :data:`FORMATS`), deterministically.

    Without ``inferred``: the asserted graphs (reference data and articles).
    With ``inferred``: also the ontology and the OWL-RL inferences. Triple
    formats merge the graphs into one; TriG and N-Quads keep them named.
    """
    spec = get_format(fmt)
    names = export_graphs(ds, inferred=inferred)
    return serialize_graphs(ds, names, spec.name)


def serialize_graphs(ds: Dataset, names: list[URIRef], fmt: str) -> bytes:
    """Serialise the named graphs ``names`` of ``ds`` in ``fmt`` deterministically (see :func:`serialize`)."""
    spec = get_format(fmt)
    if spec.name in STREAMED:
        from kg.engine.store import serialize_sorted

        if spec.quads:
            data = serialize_sorted([(name, canonical_triples(ds, name)) for name in names], spec.name)
        else:
            union: set = set()
            for name in names:
                union.update(map(canonical, ds.graph(name)))
            data = serialize_sorted([(None, _canonical_bnodes(union))], spec.name)
        return data
    graph = sorted_graph(ds, names)
    if spec.name == "xml":
        _check_xml_text(graph)
    data = graph.serialize(format=spec.rdflib_name, encoding="utf-8")
    if spec.name == "jsonld":
        # rdflib emits top-level nodes in set order; their order carries no meaning in JSON-LD
        nodes = json.loads(data)
        if isinstance(nodes, list):
            nodes.sort(key=lambda node: str(node.get("@id", "")))
        data = (json.dumps(nodes, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return data


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold, not even escaped (a form feed or an escape character from a scraped page)."""


def _check_xml_text(graph: Graph) -> None:
    """Refuse an RDF/XML export of a literal or IRI holding a character XML 1.0 cannot hold: rdflib wrote it as
    it is, and no parser could read the file back. :class:`kg.errors.InputError` names the term and the
    character, and the formats that can hold it."""
    from kg.errors import InputError

    for triple in graph:
        for term in triple:
            found = _NOT_XML.search(str(term))
            if found:
                subject = triple[0].n3() if isinstance(triple[0], (URIRef, BNode)) else str(triple[0])
                raise InputError(f"RDF/XML cannot hold the character U+{ord(found.group()):04X} of a value of "
                                 f"{subject} ({triple[1].n3()}); export it as Turtle, N-Triples, TriG, N-Quads or "
                                 "JSON-LD, which escape it")


def serialize_graphset(graphs: GraphSet, fmt: str, *, inferred: bool = False) -> bytes:
    """What :func:`serialize` writes, from a :class:`kg.dataset.GraphSet`: the same bytes. Turtle, TriG,
    N-Triples and N-Quads are written from its pyoxigraph terms (:meth:`GraphSet.serialize`); JSON-LD and
    RDF/XML from an rdflib copy of the graphs they hold."""
    spec = get_format(fmt)
    names = export_graphs(graphs, inferred=inferred)
    if spec.name in STREAMED:
        return graphs.serialize(names, spec.name)
    return serialize_graphs(graphs.to_rdflib(), names, spec.name)
