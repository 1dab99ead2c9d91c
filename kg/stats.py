"""Counts that summarise a dataset: triples per graph, entities per class, facts per domain.

The counting is done by SPARQL, so it runs unchanged on any rdflib store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import Dataset, Graph, URIRef

from kg.load import graph_names

_PER_CLASS = """
PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
    ?s a ?class .
    FILTER (STRSTARTS(STR(?class), STR(kg:)))
} GROUP BY ?class ORDER BY DESC(?n) ?class
"""

_PER_DOMAIN = """
PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX kgc: <https://w3id.org/ict-coop-kg/concept/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?domain ?en ?ar (COUNT(DISTINCT ?fact) AS ?n) WHERE {
    ?domain skos:inScheme kgc:CooperationDomains .
    OPTIONAL { ?domain rdfs:label ?en . FILTER (LANG(?en) = "en") }
    OPTIONAL { ?domain rdfs:label ?ar . FILTER (LANG(?ar) = "ar") }
    OPTIONAL { ?fact kg:about ?domain }
} GROUP BY ?domain ?en ?ar ORDER BY DESC(?n) ?en
"""

READ_PREDICATES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2004/02/skos/core#inScheme",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "https://w3id.org/ict-coop-kg/ontology#about",
)
"""Every predicate the two queries above read: a union of only these triples gives the same counts (what a
build counts in, see :meth:`kg.api.KnowledgeGraph.stats`)."""


@dataclass(frozen=True)
class DomainCount:
    """A cooperation domain and how many facts are about it."""

    iri: str
    label_en: str
    label_ar: str
    facts: int


@dataclass(frozen=True)
class Stats:
    """Triples per named graph, entities per ontology class, facts per cooperation domain."""

    graphs: dict[str, int]
    classes: dict[str, int]
    domains: list[DomainCount]

    @property
    def triples(self) -> int:
        """All triples in all graphs."""
        return sum(self.graphs.values())


def _local(iri: URIRef | str) -> str:
    text = str(iri)
    return "kg:" + text.rsplit("#", 1)[-1] if "#" in text else text


def graph_sizes(ds: Dataset) -> dict[str, int]:
    """Triples per named graph of ``ds``."""
    return {str(name): len(ds.graph(name)) for name in graph_names(ds)}


def class_counts(store: Any) -> dict[str, int]:
    """Entities per class (IRI, as :class:`Stats` counts them) in the default graph of a ``pyoxigraph.Store``."""
    return {row[0].value: int(row[1].value) for row in store.query(_PER_CLASS)}


def summed_classes(*counts: dict[str, int]) -> dict[str, int]:
    """Per-class counts (from :func:`class_counts`) of graphs that share no typing, added up and ordered as
    :func:`compute` orders them (most entities first, then by class IRI)."""
    total: dict[str, int] = {}
    for part in counts:
        for iri, n in part.items():
            total[iri] = total.get(iri, 0) + n
    return {_local(iri): n for iri, n in sorted(total.items(), key=lambda item: (-item[1], item[0]))}


def compute(ds: Dataset | dict[str, int], union: Graph) -> Stats:
    """Compute :class:`Stats` for ``ds`` (a dataset, or its triples per graph); ``union`` is the union of its
    graphs (with inferences)."""
    graphs = dict(ds) if isinstance(ds, dict) else graph_sizes(ds)
    classes = {_local(row[0]): int(row[1]) for row in union.query(_PER_CLASS)}
    domains = [
        DomainCount(str(r[0]), str(r[1] or ""), str(r[2] or ""), int(r[3])) for r in union.query(_PER_DOMAIN)
    ]
    return Stats(graphs=graphs, classes=classes, domains=domains)
