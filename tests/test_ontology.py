"""Ontology hygiene and soundness.

Metadata, labels and definitions; the closed Python namespaces; and the OWL 2 rules the ontology keeps
(see its header): every term used in an axiom is declared with one kind only (no punning), no reserved
vocabulary as a class or property, data ranges from the OWL 2 datatype map (no ``xsd:date`` / ``rdf:langString``),
no IRIs that differ only by case, ``rdfs:isDefinedBy`` everywhere, named classes only in superclass positions
(OWL 2 RL), the world kept apart from its description, and disjointness axioms that a real reasoner (HermiT, via
owlready2 on an RDF/XML rendering) finds consistent with the packaged data, with no unsatisfiable class.

What is checked about profiles: these structural rules are the OWL 2 DL and OWL 2 RL conditions the ontology can
break, checked here in Python; the profile itself is certified by the OWL API's own OWL 2 DL and RL profile
checkers (Debian's libowlapi-java) in tests/test_oracles.py.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg import resources
from kg.namespaces import KG, KGC, ONTOLOGY_IRI, VANN

ROOT = Path(__file__).resolve().parents[1]
OWN = (str(KG._NS), str(KGC._NS))
RESERVED = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#",
            "http://www.w3.org/2002/07/owl#", "http://www.w3.org/2001/XMLSchema#")
OWL2_DATATYPES = {RDFS.Literal, RDF.PlainLiteral, XSD.string, XSD.boolean, XSD.hexBinary, XSD.anyURI, XSD.integer,
                  XSD.nonNegativeInteger, XSD.decimal, XSD.double, XSD.dateTime, XSD.dateTimeStamp}
"""Datatypes the ontology may use as ranges (all in the OWL 2 datatype map; xsd:date and rdf:langString are not)."""
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
OPEN_ENDS = {KG.concerns: RDFS.range, KG.status: RDFS.domain, KG.denotedBy: RDFS.domain, KG.connects: RDFS.range}
"""Object properties whose domain or range is deliberately open (each says so in its definition)."""


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The ontology graph as the build loads it: the OWL ontology and its concept schemes."""
    g = Graph()
    for f in resources.ontology_files():
        g.parse(data=f.read_bytes(), format="turtle")
    return g


def test_the_ontology_file_has_the_header_and_the_schemes_file_none():
    """Documentation tools read the ontology's header: the schemes file declares no ontology of its own."""
    onto = Graph().parse(data=resources.ontology_file().read_bytes(), format="turtle")
    schemes = Graph().parse(data=resources.schemes_file().read_bytes(), format="turtle")
    assert set(onto.subjects(RDF.type, OWL.Ontology)) == {ONTOLOGY_IRI}
    assert not set(schemes.subjects(RDF.type, OWL.Ontology))
    assert not set(onto.subjects(RDF.type, SKOS.ConceptScheme)) and not set(onto.subjects(RDF.type, SKOS.Concept))
    assert set(schemes.subjects(RDF.type, SKOS.ConceptScheme)) >= {KGC.CooperationDomains, KGC.Sectors,
                                                                   KGC.InstrumentKinds, KGC.ParticipantRoles}


def test_sectors_are_kept_apart_from_ict_domains(ontology: Graph):
    under_ict = set(ontology.transitive_subjects(SKOS.broader, KGC.ict))
    for sector in ontology.subjects(SKOS.inScheme, KGC.Sectors):
        assert sector not in under_ict
    for domain in (KGC.cloudComputing, KGC.artificialIntelligence, KGC.cybersecurity, KGC.ePayment, KGC.spectrum,
                   KGC.submarineCables):
        assert domain in under_ict, domain
    assert {KGC.health, KGC.education} == set(ontology.subjects(SKOS.inScheme, KGC.Sectors))


def own_terms(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(OWN)}


def test_ontology_metadata(ontology: Graph):
    for prop in (OWL.versionIRI, OWL.versionInfo, DCTERMS.title, DCTERMS.description, DCTERMS.license,
                 DCTERMS.creator, DCTERMS.created, VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri):
        assert ontology.value(ONTOLOGY_IRI, prop) is not None, prop
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert str(ontology.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)) == str(KG._NS)
    assert "example.org" not in resources.ontology_file().read_text(encoding="utf-8")


def test_every_term_is_labelled_in_arabic_and_english_defined_and_defined_by(ontology: Graph):
    problems = []
    for term in sorted(own_terms(ontology)):
        langs = {lbl.language for lbl in ontology.objects(term, RDFS.label) if isinstance(lbl, Literal)}
        if not {"ar", "en"} <= langs:
            problems.append(f"{term}: labels in {sorted(filter(None, langs))}")
        if not any(d.language == "en" for d in ontology.objects(term, SKOS.definition)):
            problems.append(f"{term}: no skos:definition@en")
        if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology:
            problems.append(f"{term}: no rdfs:isDefinedBy <{ONTOLOGY_IRI}>")
    for term in ontology.subjects(RDF.type, None):
        if isinstance(term, URIRef) and not str(term).startswith(OWN) and term != ONTOLOGY_IRI \
                and (term, RDF.type, OWL.AnnotationProperty) not in ontology:
            if ontology.value(term, RDFS.isDefinedBy) is None:
                problems.append(f"{term}: an external class or property without rdfs:isDefinedBy")
    assert not problems, "\n".join(problems)


def test_object_properties_have_domain_and_range_unless_deliberately_open(ontology: Graph):
    missing = []
    for p in ontology.subjects(RDF.type, OWL.ObjectProperty):
        if not str(p).startswith(OWN):
            continue
        for end in (RDFS.domain, RDFS.range):
            if ontology.value(p, end) is None and OPEN_ENDS.get(p) != end:
                missing.append((p, end))
    assert not missing
    for p, end in OPEN_ENDS.items():
        assert ontology.value(p, end) is None
        assert "open" in str(ontology.value(p, SKOS.definition)), f"{p} does not say why its {end} is open"


def test_no_vacuous_thing_domains_or_ranges(ontology: Graph):
    assert not [s for s, o in ontology.subject_objects(RDFS.range) if o == OWL.Thing]
    assert not [s for s, o in ontology.subject_objects(RDFS.domain) if o == OWL.Thing]


def test_no_two_terms_differ_only_by_case(ontology: Graph):
    by_folded: dict[str, set[str]] = defaultdict(set)
    for term in own_terms(ontology):
        by_folded[str(term).casefold()].add(str(term))
    clashes = sorted(tuple(sorted(v)) for v in by_folded.values() if len(v) > 1)
    assert not clashes, clashes


def _kinds(g: Graph, term: URIRef) -> set[URIRef]:
    return {k for k in KINDS if (term, RDF.type, k) in g}


def _axiom_terms(g: Graph) -> dict[URIRef, set[str]]:
    """Every IRI used in a logical axiom, with the role it plays there (class, property)."""
    used: dict[URIRef, set[str]] = defaultdict(set)
    for s, o in g.subject_objects(RDFS.subClassOf):
        used[s].add("class"); used[o].add("class")  # noqa: E702
    for s, o in g.subject_objects(RDFS.subPropertyOf):
        used[s].add("property"); used[o].add("property")  # noqa: E702
    for s, o in g.subject_objects(OWL.inverseOf):
        used[s].add("object property"); used[o].add("object property")  # noqa: E702
    for p in (RDFS.domain, RDFS.range):
        for s, o in g.subject_objects(p):
            used[s].add("property")
            used[o].add("class or datatype")
    for s, chain in g.subject_objects(OWL.propertyChainAxiom):
        used[s].add("object property")
        for member in Collection(g, chain):
            used[member].add("object property")
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        for member in Collection(g, g.value(node, OWL.members)):
            used[member].add("class")
    for s, o in g.subject_objects(OWL.disjointWith):
        used[s].add("class"); used[o].add("class")  # noqa: E702
    return used


def test_every_term_in_an_axiom_is_declared_with_one_kind_no_punning(ontology: Graph):
    problems = []
    for term, roles in sorted(_axiom_terms(ontology).items(), key=lambda kv: str(kv[0])):
        if isinstance(term, BNode):
            problems.append(f"an anonymous {roles} in an axiom (OWL 2 RL wants named classes here)")
            continue
        if term in OWL2_DATATYPES:
            assert roles == {"class or datatype"}, (term, roles)
            continue
        if str(term).startswith(RESERVED):
            problems.append(f"{term}: reserved vocabulary used as {sorted(roles)}")
            continue
        kinds = _kinds(ontology, term)
        if len(kinds) != 1:
            problems.append(f"{term}: declared as {sorted(kinds)} (exactly one kind needed)")
    for term in {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}:
        if len(_kinds(ontology, term)) > 1:
            problems.append(f"{term}: punned as {sorted(_kinds(ontology, term))}")
    assert not problems, "\n".join(problems)


def test_data_ranges_are_owl2_datatypes(ontology: Graph):
    for p in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        for rng in ontology.objects(p, RDFS.range):
            assert rng in OWL2_DATATYPES, f"{p}: range {rng} is not in the OWL 2 datatype map"
    for f in resources.ontology_files():
        text = f.read_text(encoding="utf-8")
        assert "rdfs:range xsd:date" not in text and "rdf:langString" not in text


def test_every_predicate_on_the_ontology_is_declared(ontology: Graph):
    """Annotations too: an undeclared annotation property is punned by the OWL API."""
    builtin = {RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, RDFS.isDefinedBy,
               OWL.inverseOf, OWL.propertyChainAxiom, OWL.members, OWL.disjointWith, OWL.versionIRI,
               OWL.versionInfo, RDF.first, RDF.rest}
    undeclared = {p for p in ontology.predicates() if p not in builtin and not _kinds(ontology, p)}
    assert not undeclared, undeclared


def test_the_world_is_not_its_description(ontology: Graph):
    for cls in (KG.Person, KG.Organization, KG.Place, KG.Post, KG.PostHolding, KG.Activity, KG.Engagement,
                KG.Outcome, KG.Infrastructure, KG.Service):
        supers = set(ontology.transitive_objects(cls, RDFS.subClassOf))
        assert PROV.Entity not in supers, cls
    assert PROV.Entity in set(ontology.transitive_objects(KG.Fact, RDFS.subClassOf))
    assert PROV.Entity in set(ontology.transitive_objects(KG.SourceDocument, RDFS.subClassOf))


def test_disjointness_where_it_is_true(ontology: Graph):
    disjoint = set()
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(ontology, ontology.value(node, OWL.members)))
        disjoint |= {(a, b) for a in members for b in members if a != b}
    for a, b in [(KG.Person, KG.Organization), (KG.Person, KG.Place), (KG.Organization, KG.Place),
                 (KG.Activity, KG.Person), (KG.Post, KG.Person), (KG.Fact, KG.Activity),
                 (KG.Engagement, KG.Outcome), (KG.Infrastructure, KG.Organization)]:
        assert (a, b) in disjoint, (a, b)
    # a facility is both infrastructure and a place: those two must stay compatible
    assert (KG.Infrastructure, KG.Place) not in disjoint


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
    for path in [*(ROOT / "data").rglob("*.ttl"), *(ROOT / "tests" / "fixtures" / "factmodel").rglob("*.ttl"),
                 *(ROOT / "tests" / "fixtures" / "domain").rglob("*.ttl")]:
        data = Graph().parse(path)
        used = set(data.predicates()) | set(data.objects(None, RDF.type))
        used |= {o for o in data.objects() if isinstance(o, URIRef) and str(o).startswith(OWN)}
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


# --- a real OWL reasoner ---------------------------------------------------------------------------------------

def _world_triples(built) -> Graph:  # type: ignore[no-untyped-def]
    """The asserted world of the packaged data - reference entities and the articles' facts - without the
    descriptions (facts, quotations, the article) that use RDF reification, which OWL 2 DL reserves."""
    from kg.load import union_graph
    from kg.namespaces import ONTOLOGY_GRAPH

    asserted = union_graph(built.dataset, inferred=False)
    descriptions = {s for cls in (KG.Fact, KG.Quotation, KG.Mention, KG.SourceDocument, KG.NewsArticle)
                    for s in asserted.subjects(RDF.type, cls)}
    descriptions |= {o for p in (URIRef("http://www.w3.org/ns/oa#hasSelector"),) for o in asserted.objects(None, p)}
    world = Graph()
    ontology_triples = set(built.dataset.graph(ONTOLOGY_GRAPH))
    for s, p, o in asserted:
        if (s, p, o) in ontology_triples or s in descriptions or o in descriptions:
            continue
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES:
            continue  # xsd:date values are checked by SHACL; OWL 2 has no such datatype
        world.add((s, p, o))
    return world


def _hermit(graph: Graph) -> tuple[bool, list[str]]:
    """Run HermiT (owlready2) on ``graph`` rendered as RDF/XML: (consistent, unsatisfiable classes)."""
    owlready2 = pytest.importorskip("owlready2")
    folder = tempfile.mkdtemp(prefix="kg-hermit-")
    try:
        path = os.path.join(folder, "ictkg.owl")
        graph.serialize(path, format="xml")
        world = owlready2.World()
        onto = world.get_ontology("file://" + path).load()
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return False, []
        return True, sorted(str(c.iri) for c in world.inconsistent_classes())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs a Java runtime (java not on PATH)")


@needs_java
def test_hermit_finds_the_ontology_and_the_packaged_data_consistent(ontology: Graph, built):  # type: ignore[no-untyped-def]
    world = _world_triples(built)
    assert (URIRef("https://w3id.org/ict-coop-kg/id/person/amr-talaat"), RDF.type, KG.Person) in world
    assert len(world) > 200
    consistent, unsatisfiable = _hermit(ontology + world)
    assert consistent
    assert unsatisfiable == []


@needs_java
def test_hermit_catches_what_disjointness_forbids(ontology: Graph, built):  # type: ignore[no-untyped-def]
    """The consistency check can fail: a minister typed as a country, or a meeting that is also a commitment."""
    world = _world_triples(built)
    person_as_country = world + Graph()
    person_as_country.add((URIRef("https://w3id.org/ict-coop-kg/id/person/amr-talaat"), RDF.type, KG.Country))
    assert _hermit(ontology + person_as_country)[0] is False
    unsatisfiable = ontology + Graph()
    unsatisfiable.add((KG.Ministry, RDFS.subClassOf, KG.Person))  # an organisation that is a person: empty class
    consistent, classes = _hermit(unsatisfiable)
    assert consistent and str(KG.Ministry) in classes
