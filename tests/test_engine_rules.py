"""OWL-RL as generated SPARQL rules (kg.engine.rules) infers exactly what owlrl (kg.reason.infer) infers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from kg.engine import rules
from kg.load import load_dataset
from kg.namespaces import BASE, INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.reason import infer

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
EX = Namespace(BASE + "test/rules/")
DATA_GRAPH = URIRef(BASE + "graph/test-rules-data")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain namespace: pytest probes module attributes


def _lines(triples) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(" ".join(term.n3() for term in triple) for triple in triples)


def assert_same(reference: set, fast: set) -> None:
    """The two inferred sets are equal; on failure, print both sides of the difference as sorted lines."""
    only_reference, only_fast = reference - fast, fast - reference
    if only_reference or only_fast:
        print("only owlrl (kg.reason.infer):", *_lines(only_reference), sep="\n  ")
        print("only the rules (kg.engine.rules):", *_lines(only_fast), sep="\n  ")
    assert not only_reference and not only_fast, (len(only_reference), len(only_fast))


def both_engines(ds: Dataset) -> tuple[set, set, list[str]]:
    """owlrl's inferences, the rules' inferences and the rules' fallback notes, for the same dataset."""
    reference = set(infer(ds))
    notes: list[str] = []
    fast = set(rules.infer_dataset(ds, report=notes.append))
    assert set(ds.graph(INFERRED_GRAPH)) == fast
    return reference, fast, notes


def small_dataset(ontology: Graph, data: Graph) -> Dataset:
    ds = Dataset()
    for triple in ontology:
        ds.graph(ONTOLOGY_GRAPH).add(triple)
    for triple in data:
        ds.graph(DATA_GRAPH).add(triple)
    return ds


# -- the packaged ontology ----------------------------------------------------------------------------------

def test_the_packaged_ontology_is_covered_by_generated_rules():
    ruleset = rules.RuleSet.from_ontology(rules.packaged_ontology())
    assert ruleset.uncovered == []
    names = {rule.name for rule in ruleset.rules}
    # one rule per construct ontology/ictkg.ttl uses: subclasses, subproperties, domains, ranges, inverses,
    # the property chain of org:organization, the functional properties (kg:inCountry, kg:postIn)
    assert {"cax-sco", "prp-spo1", "prp-dom", "prp-rng", "prp-inv", "prp-spo2/2", "prp-fp"} <= names
    fp = next(rule for rule in ruleset.rules if rule.name == "prp-fp")
    assert {row[0].value for row in fp.table} >= {BASE + "ontology#inCountry", BASE + "ontology#postIn"}
    chain = next(rule for rule in ruleset.rules if rule.name == "prp-spo2/2")
    assert tuple(t.value for t in chain.table[0]) == (
        "http://www.w3.org/ns/org#organization", BASE + "ontology#heldPost", BASE + "ontology#postIn")
    sco = next(rule for rule in ruleset.rules if rule.name == "cax-sco")
    pairs = {(a.value, b.value) for a, b in sco.table}
    assert (BASE + "ontology#Ministry", BASE + "ontology#Agent") in pairs  # through GovernmentBody, Organization
    assert all(a != b for a, b in pairs)


def test_same_inferences_as_owlrl_on_the_fact_model_fixture():
    """The seed and the web fixture are compared whole by tests/test_engine_pipeline.py: ``kg build`` with each
    engine writes the same inferred.ttl, byte for byte."""
    ds, _ = load_dataset(FIXTURES / "factmodel" / "data")
    reference, fast, notes = both_engines(ds)
    assert notes == []
    assert len(reference) > 100
    assert_same(reference, fast)


def test_same_inferences_as_owlrl_on_two_generated_copies(tmp_path):
    """Several articles naming the same people, places and meetings (two copies show it as well as three)."""
    sys.path.insert(0, str(ROOT))
    try:
        from bench.scale import make_data
    finally:
        sys.path.remove(str(ROOT))
    make_data(tmp_path / "data", 2)
    ds, articles = load_dataset(tmp_path / "data")
    assert len(articles) == 2
    reference, fast, notes = both_engines(ds)
    assert notes == []
    assert_same(reference, fast)


# -- every generated rule, against owlrl, on a small ontology --------------------------------------------------

def _rich_ontology() -> Graph:
    g = Graph()
    g.add((EX.Minister, RDFS.subClassOf, EX.Official))
    g.add((EX.Official, OWL.equivalentClass, EX.Civil))
    g.add((EX.Civil, RDFS.subClassOf, EX.Person))
    g.add((EX.leads, RDFS.subPropertyOf, EX.worksFor))
    g.add((EX.worksFor, OWL.equivalentProperty, EX.employedBy))
    g.add((EX.worksFor, RDFS.domain, EX.Person))
    g.add((EX.worksFor, RDFS.range, EX.Body))
    g.add((EX.worksFor, OWL.inverseOf, EX.employs))
    g.add((EX.borders, RDF.type, OWL.SymmetricProperty))
    g.add((EX.partOf, RDF.type, OWL.TransitiveProperty))
    g.add((EX.capitalOf, RDF.type, OWL.FunctionalProperty))
    g.add((EX.passport, RDF.type, OWL.InverseFunctionalProperty))
    chain = BNode()
    Collection(g, chain, [EX.leads, EX.partOf, EX.partOf])
    g.add((EX.servesIn, OWL.propertyChainAxiom, chain))
    g.add((EX.note, RDFS.subPropertyOf, RDFS.comment))
    return g


def _rich_data() -> Graph:
    g = Graph()
    g.add((EX.amr, RDF.type, EX.Minister))
    g.add((EX.amr, EX.leads, EX.mcit))
    g.add((EX.mcit, EX.partOf, EX.cabinet))
    g.add((EX.cabinet, EX.partOf, EX.government))
    g.add((EX.egypt, EX.borders, EX.jordan))
    g.add((EX.cairo, EX.capitalOf, EX.egypt))
    g.add((EX.cairo, EX.capitalOf, EX.misr))  # functional: egypt owl:sameAs misr, then eq-rep-s/p/o
    g.add((EX.misr, EX.partOf, EX.africa))
    g.add((EX.amr, EX.passport, Literal("A123")))
    g.add((EX.talaat, EX.passport, Literal("A123")))  # inverse functional: amr owl:sameAs talaat
    g.add((EX.amr, EX.note, Literal("00042", datatype=XSD.nonNegativeInteger)))
    g.add((EX.amr, EX.note, Literal("وزير", lang="ar")))
    g.add((EX.amr, EX.note, Literal("minister", datatype=XSD.string)))
    g.add((EX.amr, EX.note, Literal("minister")))  # another term than the one above, for rdflib and owlrl
    g.add((EX.amr, EX.mentions, EX.cairo))
    g.add((EX.cites, OWL.sameAs, EX.mentions))  # eq-rep-p: a property (not the ontology's) known by two names
    return g


def test_every_generated_rule_gives_what_owlrl_gives():
    ontology = _rich_ontology()
    ruleset = rules.RuleSet.from_ontology(ontology)
    assert ruleset.uncovered == []
    names = {rule.name for rule in ruleset.rules} | {rule.name for rule in ruleset.equality}
    assert names >= {"cax-sco", "prp-spo1", "prp-dom", "prp-rng", "prp-inv", "prp-symp", "prp-trp", "prp-spo2/3",
                     "prp-fp", "prp-ifp", "eq-sym", "eq-trans", "eq-rep-s", "eq-rep-p", "eq-rep-o"}
    reference, fast, notes = both_engines(small_dataset(ontology, _rich_data()))
    assert notes == []
    assert_same(reference, fast)
    # a few of them, read off the axioms above
    for triple in [(EX.amr, RDF.type, EX.Person), (EX.amr, EX.employedBy, EX.mcit), (EX.mcit, EX.employs, EX.amr),
                   (EX.jordan, EX.borders, EX.egypt), (EX.mcit, EX.partOf, EX.government),
                   (EX.amr, EX.servesIn, EX.government), (EX.egypt, OWL.sameAs, EX.misr),
                   (EX.egypt, EX.partOf, EX.africa), (EX.talaat, EX.worksFor, EX.mcit),
                   (EX.amr, EX.cites, EX.cairo), (EX.amr, RDFS.comment, Literal("00042", datatype=XSD.nonNegativeInteger)),
                   (EX.amr, RDFS.comment, Literal("minister", datatype=XSD.string)),
                   (EX.amr, RDFS.comment, Literal("minister"))]:
        assert triple in fast, triple


def test_typings_as_owl_thing_are_derived_when_a_rule_reads_them():
    ontology = _rich_ontology()
    ontology.add((EX.Person, RDF.type, OWL.Class))  # scm-cls: Person ⊑ owl:Thing
    ontology.add((RDF.type, RDFS.subPropertyOf, EX.kind))  # so "x a owl:Thing" gives "x kind owl:Thing"
    reference, fast, notes = both_engines(small_dataset(ontology, _rich_data()))
    assert notes == []
    assert (EX.amr, EX.kind, OWL.Thing) in reference
    assert_same(reference, fast)


# -- what the rules do not cover: detected, reported, and owlrl gives the answer ---------------------------------

def test_an_uncovered_construct_is_reported_and_falls_back_to_owlrl():
    ontology = _rich_ontology()  # a small ontology: owlrl closes it fast (the packaged one took ~10 s more)
    key = BNode()
    Collection(ontology, key, [EX.wikidata])
    ontology.add((EX.Person, OWL.hasKey, key))
    ruleset = rules.RuleSet.from_ontology(ontology)
    assert any("hasKey" in item for item in ruleset.uncovered), ruleset.uncovered
    data = Graph()
    for name in ("a", "b"):
        data.add((EX[name], RDF.type, EX.Minister))  # a Person through the subclass chain
        data.add((EX[name], EX.wikidata, Literal("Q1")))
    data.add((EX.a, EX.holds, EX.post))
    reference, fast, notes = both_engines(small_dataset(ontology, data))
    assert len(notes) == 1 and "hasKey" in notes[0] and "owlrl" in notes[0], notes
    assert (EX.a, OWL.sameAs, EX.b) in reference and (EX.b, EX.holds, EX.post) in reference  # prp-key, eq-rep-s
    assert_same(reference, fast)


def test_schema_axioms_in_the_data_fall_back_to_owlrl():
    ontology = _rich_ontology()
    data = _rich_data()
    data.add((EX.Person, RDFS.subClassOf, EX.Being))  # a T-box axiom the ontology does not have
    reference, fast, notes = both_engines(small_dataset(ontology, data))
    assert len(notes) == 1 and "schema axioms" in notes[0], notes
    assert (EX.amr, RDF.type, EX.Being) in reference
    assert_same(reference, fast)


def test_same_as_reaching_a_schema_term_falls_back_to_owlrl():
    ontology = _rich_ontology()
    data = _rich_data()
    data.add((EX.rel, OWL.sameAs, EX.leads))  # the ontology's property under another name: the schema changes
    data.add((EX.hassan, EX.rel, EX.ntra))
    reference, fast, notes = both_engines(small_dataset(ontology, data))
    assert len(notes) == 1 and "reaches the schema term" in notes[0], notes
    assert (EX.hassan, EX.worksFor, EX.ntra) in reference
    assert_same(reference, fast)


def test_a_functional_property_with_literal_values_falls_back_to_owlrl():
    ontology = _rich_ontology()
    data = Graph()
    data.add((EX.cairo, EX.capitalOf, Literal("Egypt")))
    data.add((EX.cairo, EX.capitalOf, Literal("Misr")))
    reference, fast, notes = both_engines(small_dataset(ontology, data))
    assert len(notes) == 1 and "literal" in notes[0], notes
    assert_same(reference, fast)


def test_an_iri_that_is_not_one_is_never_pasted_into_sparql():
    ontology = _rich_ontology()
    evil = URIRef("http://example.org/x> } ; DROP ALL ; #")
    ontology.add((EX.worksFor, RDFS.subPropertyOf, evil))
    ruleset = rules.RuleSet.from_ontology(ontology)
    assert any("DROP ALL" in item for item in ruleset.uncovered)
    import pyoxigraph as ox

    target = ox.NamedNode(BASE + "graph/target")
    assert all("DROP ALL" not in update for rule in ruleset.rules for update in rule.updates(None, None, target))
    notes: list[str] = []
    rules.infer_dataset(small_dataset(ontology, _rich_data()), report=notes.append)
    assert len(notes) == 1 and "not a pair of IRIs" in notes[0] and "owlrl" in notes[0], notes


# -- the store API -------------------------------------------------------------------------------------------

def test_infer_store_reads_one_graph_and_leaves_the_store_as_it_was():
    import pyoxigraph as ox

    ontology = _rich_ontology()
    reference = set(infer(small_dataset(ontology, _rich_data())))
    stored = {Literal("00042", datatype=XSD.nonNegativeInteger): Literal("42", datatype=XSD.integer),  # see below
              Literal("minister", datatype=XSD.string): Literal("minister")}  # one term in RDF 1.1, two in rdflib
    expected = {(s, p, stored.get(o, o)) for s, p, o in reference}

    in_default, _ = rules.load_store([ontology, _rich_data()], wrap=False)
    assert rules.infer_store(in_default, ontology=ontology) == expected

    data = ox.NamedNode(BASE + "graph/asserted")
    in_named = ox.Store()
    in_named.extend([ox.Quad(q.subject, q.predicate, q.object, data) for q in in_default])
    # other graphs are not the data: neither the default graph nor another named graph
    in_named.add(ox.Quad(ox.NamedNode(EX.amr), ox.NamedNode(EX.leads), ox.NamedNode(EX.elsewhere)))
    in_named.add(ox.Quad(ox.NamedNode(EX.other), ox.NamedNode(EX.partOf), ox.NamedNode(EX.elsewhere),
                         ox.NamedNode(BASE + "graph/other")))
    before = sorted(map(str, in_named))
    assert rules.infer_store(in_named, data, ontology=ontology) == expected
    assert sorted(map(str, in_named)) == before


def test_literals_from_a_store_are_in_the_stores_canonical_form():
    """The one legitimate difference: an Oxigraph store canonicalises typed literals, so inferences read from
    a plain store carry its form; infer_dataset keeps the data's own literals and equals owlrl (above)."""
    ontology = _rich_ontology()
    store, _ = rules.load_store([ontology, _rich_data()], wrap=False)
    inferred = rules.infer_store(store, ontology=ontology)
    assert (EX.amr, RDFS.comment, Literal("42", datatype=XSD.integer)) in inferred
    assert (EX.amr, RDFS.comment, Literal("00042", datatype=XSD.nonNegativeInteger)) not in inferred
    assert (EX.amr, RDFS.comment, Literal("وزير", lang="ar")) in inferred
    assert (EX.amr, RDFS.comment, Literal("minister")) in inferred
    assert (EX.amr, RDFS.comment, Literal("minister", datatype=XSD.string)) not in inferred


def _ox_sets(*graphs: Graph) -> list[set]:
    from kg.dataset import TermCache

    convert = TermCache().triple_to_ox
    return [{convert(t) for t in g} for g in graphs]


def _shared_store(sets: list[set]):  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    store = ox.Store()
    for triples in sets:
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return store


def test_rules_in_the_shared_store_give_the_literals_back_as_they_were_loaded():
    """The build's path: the rules run in the store the shapes use (whose literals are canonical), and what they
    infer carries the data's own literals — owlrl's inferences, term for term."""
    ontology, data = _rich_ontology(), _rich_data()
    expected, = _ox_sets(Graph().__iadd__(set(infer(small_dataset(ontology, data)))))
    sets = _ox_sets(ontology, data)
    store = _shared_store(sets)
    before = sorted(map(str, store))
    notes: list[str] = []
    found = rules.infer_triples(sets, ontology, report=notes.append, store=store)
    assert notes == []
    assert sorted(map(str, store)) == before  # the store holds what it held
    assert_same(expected, found)
    import pyoxigraph as ox

    # rdflib reads "00042"^^xsd:nonNegativeInteger as "42"; the store holds it as "42"^^xsd:integer
    kept = ox.Literal("42", datatype=ox.NamedNode(str(XSD.nonNegativeInteger)))
    assert ox.Triple(ox.NamedNode(EX.amr), ox.NamedNode(str(RDFS.comment)), kept) in found
    assert not any(t.object == ox.Literal("42", datatype=ox.NamedNode(str(XSD.integer))) for t in found)


def test_two_literals_one_in_the_store_take_a_store_of_their_own():
    """"42"^^xsd:nonNegativeInteger and "42"^^xsd:integer are one term in an Oxigraph store: its answers could
    not be put back, so the rules run where literals are kept verbatim, and still equal owlrl."""
    import pyoxigraph as ox

    ontology, data = _rich_ontology(), _rich_data()
    data.add((EX.talaat, EX.note, Literal("42", datatype=XSD.integer)))
    sets = _ox_sets(ontology, data)
    assert rules._literal_forms(sets) is None
    assert rules._literal_forms(_ox_sets(ontology, _rich_data())) == {
        ox.Literal("42", datatype=ox.NamedNode(str(XSD.integer))):
        ox.Literal("42", datatype=ox.NamedNode(str(XSD.nonNegativeInteger)))}
    expected, = _ox_sets(Graph().__iadd__(set(infer(small_dataset(ontology, data)))))
    found = rules.infer_triples(sets, ontology, store=_shared_store(sets))
    assert_same(expected, found)
    literal = ox.NamedNode(str(RDFS.comment))
    integer = ox.Literal("42", datatype=ox.NamedNode(str(XSD.integer)))
    assert ox.Triple(ox.NamedNode(EX.talaat), literal, integer) in found
    assert ox.Triple(ox.NamedNode(EX.amr), literal,
                     ox.Literal("42", datatype=ox.NamedNode(str(XSD.nonNegativeInteger)))) in found


def test_keep_ox_judges_pyoxigraph_triples_as_keep_judges_rdflib_ones():
    """kg.reason.keep_ox is _keep without converting terms: on every triple of an owlrl closure (the kept ones and
    the noise) the two agree."""
    import owlrl

    from kg.dataset import TermCache
    from kg.reason import _keep, keep_ox

    closure = Graph()
    closure += _rich_ontology()
    closure += _rich_data()
    closure.add((EX.amr, OWL.sameAs, EX.amr))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    convert = TermCache().triple_to_ox
    judged = {True: 0, False: 0}
    for triple in closure:
        if isinstance(triple[0], Literal):
            continue  # no pyoxigraph triple has a literal subject (_keep drops them)
        verdict = _keep(*triple)
        assert keep_ox(convert(triple)) == verdict, triple
        judged[verdict] += 1
    assert judged[True] > 20 and judged[False] > 20, judged


def test_generated_rules_are_kept_on_disk_for_the_next_process(tmp_path, monkeypatch):
    """A second process reads the rules the first one generated (no owlrl closure of the ontology again) and
    infers the same; a broken or foreign-writable cache file is ignored, never trusted."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    ds = small_dataset(_rich_ontology(), _rich_data())  # a small ontology: owlrl closes it fast
    ontology = ds.graph(ONTOLOGY_GRAPH)
    rules._CACHE.clear()
    first = rules.RuleSet.from_ontology(ontology)
    (cached,) = (tmp_path / "cache").glob("owlrl-rules-*.pickle")
    expected = rules.infer_store(_store_of(ds), ontology=ontology, rules=first)
    assert expected, "the data has inferences"

    rules._CACHE.clear()  # as in a new process
    monkeypatch.setattr(rules.RuleSet, "_generate", classmethod(lambda cls, onto: pytest.fail("regenerated")))
    second = rules.RuleSet.from_ontology(ontology)
    assert second.rules == first.rules and second.new == first.new
    assert rules.infer_store(_store_of(ds), ontology=ontology, rules=second) == expected

    monkeypatch.undo()
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    for spoil in ("truncate", "group-writable"):
        rules._CACHE.clear()
        if spoil == "truncate":
            cached.write_bytes(cached.read_bytes()[:100])
        else:
            cached.chmod(0o664)
        calls = []
        real = rules.RuleSet._generate.__func__
        monkeypatch.setattr(rules.RuleSet, "_generate",
                            classmethod(lambda cls, onto, calls=calls, real=real: calls.append(1) or real(cls, onto)))
        assert rules.RuleSet.from_ontology(ontology).rules == first.rules
        assert calls == [1], spoil
        monkeypatch.undo()
        monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))


def test_an_empty_cache_setting_turns_the_disk_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert rules.cache_dir() is None
    ds = small_dataset(_rich_ontology(), _rich_data())  # a small ontology: owlrl closes it fast
    rules._CACHE.clear()
    rules.RuleSet.from_ontology(ds.graph(ONTOLOGY_GRAPH))
    assert list(tmp_path.rglob("*")) == []


def _store_of(ds: Dataset):  # type: ignore[no-untyped-def]
    """The asserted graphs of ``ds`` in a new store, literals as a store keeps them (``wrap=False``)."""
    from kg.reason import asserted_graphs

    return rules.load_store((ds.graph(name) for name in asserted_graphs(ds)), wrap=False)[0]


def test_the_rules_cache_ignores_a_folder_others_can_write(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    ds = small_dataset(_rich_ontology(), _rich_data())  # a small ontology: owlrl closes it fast
    ontology = ds.graph(ONTOLOGY_GRAPH)
    rules._CACHE.clear()
    rules.RuleSet.from_ontology(ontology)
    (tmp_path / "cache").chmod(0o777)
    rules._CACHE.clear()
    calls = []
    real = rules.RuleSet._generate.__func__
    monkeypatch.setattr(rules.RuleSet, "_generate", classmethod(lambda cls, onto: calls.append(1) or real(cls, onto)))
    rules.RuleSet.from_ontology(ontology)
    assert calls == [1]
