"""Ontology hygiene: metadata, labels and definitions, domains and ranges, and the data uses only declared terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg import resources
from kg.namespaces import KG, KGC, ONTOLOGY_IRI, VANN

ROOT = Path(__file__).resolve().parents[1]
OWN = (str(KG._NS), str(KGC._NS))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(data=resources.ontology_file().read_bytes(), format="turtle")


def own_terms(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(OWN)}


def test_ontology_metadata(ontology: Graph):
    for prop in (OWL.versionIRI, OWL.versionInfo, DCTERMS.title, DCTERMS.description, DCTERMS.license,
                 DCTERMS.creator, DCTERMS.created, VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri):
        assert ontology.value(ONTOLOGY_IRI, prop) is not None, prop
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert str(ontology.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)) == str(KG._NS)
    assert "example.org" not in resources.ontology_file().read_text(encoding="utf-8")


def test_every_term_is_labelled_in_arabic_and_english_and_defined(ontology: Graph):
    problems = []
    for term in sorted(own_terms(ontology)):
        langs = {lbl.language for lbl in ontology.objects(term, RDFS.label) if isinstance(lbl, Literal)}
        if not {"ar", "en"} <= langs:
            problems.append(f"{term}: labels in {sorted(filter(None, langs))}")
        if not any(d.language == "en" for d in ontology.objects(term, SKOS.definition)):
            problems.append(f"{term}: no skos:definition@en")
    assert not problems, "\n".join(problems)


def test_object_properties_have_domain_and_range(ontology: Graph):
    missing = [p for p in ontology.subjects(RDF.type, OWL.ObjectProperty)
               if str(p).startswith(OWN) and (ontology.value(p, RDFS.domain) is None or ontology.value(p, RDFS.range) is None)]
    assert not missing


def test_inverses_point_both_ways_through_declared_properties(ontology: Graph):
    pairs = list(ontology.subject_objects(OWL.inverseOf))
    assert pairs, "the ontology declares inverses (holds/heldBy…)"
    for a, b in pairs:
        assert (a, RDF.type, OWL.ObjectProperty) in ontology and (b, RDF.type, OWL.ObjectProperty) in ontology


def test_own_classes_align_to_a_public_vocabulary(ontology: Graph):
    """Every class reaches a non-project class through rdfs:subClassOf, so other tools understand it."""
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if not str(cls).startswith(OWN):
            continue
        supers = set(ontology.transitive_objects(cls, RDFS.subClassOf)) - {cls}
        assert any(not str(s).startswith(OWN) for s in supers), cls


def test_every_turtle_file_declares_the_prefixes_it_uses():
    for path in [*ROOT.glob("ontology/*.ttl"), *ROOT.glob("data/**/*.ttl")]:
        text = path.read_text(encoding="utf-8")
        declared = set(re.findall(r"@prefix\s+([A-Za-z][\w-]*)?:", text))
        Graph().parse(data=text, format="turtle")  # rdflib refuses unbound prefixes
        code = re.sub(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|<[^>\s]*>|#[^\n]*', "", text)
        used = set(re.findall(r"(?<![\w:/.-])([A-Za-z][\w-]*):\w", code))
        assert used <= declared, f"{path.name}: undeclared {used - declared}"
        assert declared <= used | {""}, f"{path.name}: declared but unused {declared - used}"


def test_data_uses_only_terms_the_ontology_declares(ontology: Graph):
    declared = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}
    declared |= {RDF.type}
    for path in (ROOT / "data").rglob("*.ttl"):
        data = Graph().parse(path)
        used = set(data.predicates()) | set(data.objects(None, RDF.type))
        used |= {o for o in data.objects() if isinstance(o, URIRef) and str(o).startswith(str(KGC._NS))}
        undeclared = sorted(str(t) for t in used - declared)
        assert not undeclared, f"{path.relative_to(ROOT)} uses undeclared terms: {undeclared}"


def test_closed_namespaces_match_the_ontology(ontology: Graph):
    for ns in (KG, KGC):
        in_ontology = {str(t)[len(str(ns._NS)):] for t in own_terms(ontology) if str(t).startswith(str(ns._NS))}
        in_python = set(ns.__annotations__)
        assert in_ontology == in_python, (ns.__name__, in_ontology ^ in_python)


def test_closed_namespace_rejects_a_typo():
    with pytest.raises(AttributeError):
        KG.attendde  # noqa: B018
    assert KG.participant == URIRef(str(KG._NS) + "participant")
