"""OWL-RL inferences live in their own graph, hold only new triples, and carry no reasoning noise."""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, BNode, Literal, URIRef

from kg.api import KnowledgeGraph
from kg.namespaces import BASE, INFERRED_GRAPH, SCHEMA, ID
from kg.reason import asserted_graphs


def test_inferred_triples_are_new_and_separate(built: KnowledgeGraph):
    inferred = built.dataset.graph(INFERRED_GRAPH)
    assert len(inferred) > 100
    for name in asserted_graphs(built.dataset):
        assert not set(inferred) & set(built.dataset.graph(name)), name


def test_no_noise(built: KnowledgeGraph):
    for s, p, o in built.dataset.graph(INFERRED_GRAPH):
        assert not isinstance(s, (Literal, BNode)) and not isinstance(o, BNode)
        assert not (p in (OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf) and s == o)
        assert not (p == RDF.type and o in (OWL.Thing, RDFS.Resource))
        assert str(s).startswith(BASE)


def test_inferences_give_the_public_types_and_inverse_links(built: KnowledgeGraph):
    inferred = built.dataset.graph(INFERRED_GRAPH)
    assert (ID["person/amr-talaat"], RDF.type, SCHEMA.Person) in inferred
    assert (ID["event/amr-talaat-visit-to-jordan"], SCHEMA.subEvent, ID["event/talaat-hanandeh-talks"]) in inferred
    assert (ID["person/ahmed-al-hanandeh"], URIRef("http://www.w3.org/ns/org#holds"),
            ID["post/jo-modee-minister"]) in inferred
