"""The violation queries re-run after triples are added (kg.engine.delta, kg.validate._rows with ``added``).

The claim the build relies on: every row a whole run gives that the data without the added triples did not give
is among the rows of the restricted run, and the restricted run gives no row a whole run does not. The packaged
article is split at random into what was there and what is added, together with a set of additions of our own
that break each violation query — most of them through nodes that were there before, reached only by walking
from the added triple (a second source given to an old quotation, a second text to an old document, a date to an
old status assertion).
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from kg.engine import delta
from kg.engine.store import AssertedStore
from kg.query import list_queries
from kg.validate import _rows, validate_fast

from .conftest import ARTICLE_ID

VIOLATION_QUERIES = [q for q in list_queries() if q.is_violation_check]

PREFIXES = """
PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX ex: <https://example.org/added/>
"""


def _one(store: ox.Store, where: str) -> dict[str, Any]:
    """The first row of a query on the packaged data (what the additions below attach to)."""
    solutions = store.query(PREFIXES + f"SELECT * WHERE {{ {where} }} LIMIT 1")
    names = [v.value for v in solutions.variables]
    row = next(iter(solutions))
    return {name: row[name] for name in names}


def _breaking(store: ox.Store) -> dict[str, str]:
    """Turtle additions that each break violation queries, most of them through the packaged data's own nodes:
    read from the data, never written here."""
    fact = _one(store, "?f a kg:Fact ; kg:evidence ?q ; prov:wasDerivedFrom ?src ; rdf:subject ?s ; "
                       "rdf:predicate ?p ; rdf:object ?o")
    quote = _one(store, "?q oa:hasSource ?doc ; oa:hasSelector ?sel . ?sel a oa:TextPositionSelector")
    status = _one(store, "?a a kg:StatusAssertion ; rdf:subject ?item ; prov:wasDerivedFrom ?src ; rdf:object ?st")
    person = _one(store, "?x a kg:Person")
    n = {k: str(v) for k, v in {**{f"fact_{k}": v for k, v in fact.items()}, **{f"quote_{k}": v for k, v in quote.items()},
                                   **{f"status_{k}": v for k, v in status.items()}, "person": person["x"]}.items()}
    return {
        # fact-not-asserted, branch 2, found only by walking from the quotation to the old fact that cites it
        "old quotation of another source": f"{n['fact_q']} oa:hasSource ex:elsewhere .",
        # fact-not-asserted, branch 2, the old fact itself the subject
        "old fact quotes another source": f"{n['fact_f']} kg:evidence ex:q2 . ex:q2 oa:hasSource ex:elsewhere .",
        # fact-not-asserted, branch 1: a second object the data does not assert
        "old fact, second object": f"{n['fact_f']} rdf:object ex:nothing .",
        "new fact, not asserted": f"ex:f a kg:Fact ; rdf:subject {n['fact_s']} ; rdf:predicate {n['fact_p']} ; "
                                  f"rdf:object ex:nothing ; kg:evidence {n['fact_q']} ; "
                                  f"prov:wasDerivedFrom {n['fact_src']} .",
        # fact-without-evidence: an old node made a fact, a blank node made one, a new activity no fact is about
        "old node made a fact": f"{n['person']} a kg:Fact .",
        "blank fact": "[] a kg:Fact ; rdf:subject ex:thing .",
        "activity without facts": "ex:meeting a kg:Meeting .",
        # post-without-organisation
        "old person made a post": f"{n['person']} a kg:Post .",
        # quote-offsets-mismatch: a second selector of an old quotation, a second text of an old document
        "old quotation, second selector": f"{n['quote_q']} oa:hasSelector ex:sel . "
                                          "ex:sel a oa:TextPositionSelector ; oa:start 0 ; oa:end 3 .",
        "old document, second text": f"{n['quote_doc']} schema:text \"short\" .",
        # status-same-source: a second status from the same source for an old item (the old assertion is a focus
        # too), and an old assertion given the date of another
        "second status, same source": f"ex:a2 a kg:StatusAssertion ; rdf:subject {n['status_item']} ; "
                                      f"prov:wasDerivedFrom {n['status_src']} ; rdf:object ex:otherStatus .",
        "dated pair": f"ex:a3 a kg:StatusAssertion ; rdf:subject {n['status_item']} ; "
                      f"prov:wasDerivedFrom {n['status_src']} ; rdf:object ex:thirdStatus ; kg:asOf \"2020-01-01\"^^xsd:date . "
                      f"ex:a4 a kg:StatusAssertion ; rdf:subject {n['status_item']} ; "
                      f"prov:wasDerivedFrom {n['status_src']} ; rdf:object ex:fourthStatus ; kg:asOf \"2021-01-01\"^^xsd:date .",
        "dated pair, one re-dated": "ex:a4 kg:asOf \"2020-01-01\"^^xsd:date .",
        # undeclared-term: on an old node
        "undeclared property": f"{n['person']} kg:attendde {n['fact_s']} .",
        "undeclared class": f"{n['person']} a kg:Meetingg .",
        "undeclared concept": f"{n['person']} kg:status <https://w3id.org/ict-coop-kg/concept/no-such-status> .",
    }


@pytest.fixture(scope="module")
def packaged(built) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """The packaged data's asserted triples: those of everything but the article, and the article's."""
    graphs = built.graphs
    article = URIRef(f"https://w3id.org/ict-coop-kg/graph/article/{ARTICLE_ID}")
    assert article in graphs.asserted_names()
    rest = graphs.store([n for n in graphs.asserted_names() if n != article])
    own = [t.triple if isinstance(t, ox.Quad) else t for t in graphs.triples(article)]
    return [q.triple for q in rest], own


def _store(triples) -> AssertedStore:
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return AssertedStore(store)


def _parsed(turtle: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(PREFIXES + turtle, format=ox.RdfFormat.TURTLE)]


def _key(row: dict[str, Any]) -> tuple:
    return tuple(sorted((k, v.n3()) for k, v in row.items()))


def _bag(rows: list[dict[str, Any]]) -> Counter:
    return Counter(_key(r) for r in rows)


def test_each_violation_query_runs_restricted_on_an_added_article(packaged):
    """An ordinary article added to data that conforms: every violation query is restricted (not run whole),
    to a few values, and gives what a whole run gives (no row)."""
    rest, article = packaged
    asserted = _store(rest + article)
    for q in VIOLATION_QUERIES:
        analysis = delta.analyse(q.text)
        assert analysis is not None, q.name
        found = delta.candidates(asserted.store, analysis, article)
        assert found is not None, q.name
        name, values = found
        assert name == "focus", q.name
        assert 0 < len(values) <= len({t.subject for t in article}), q.name
        # the nodes the article describes: the earlier data is the ontology and the reference data, whose nodes no
        # new row is about (a class named in a VALUES block, such as kg:Activity, leads to no earlier instance)
        assert set(values) <= {t.subject for t in article}, q.name
        assert _rows(asserted, q.text, article) == asserted.select(q.text) == []
        if q.name == "status-same-source-violation":
            # a value must match the patterns of ?focus alone (here its type): the facts the article derives from
            # the same source, reached through prov:wasDerivedFrom, are not among them
            status = ox.NamedNode("https://w3id.org/ict-coop-kg/ontology#StatusAssertion")
            rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
            assert all(ox.Quad(v, rdf_type, status) in asserted.store for v in values)


@pytest.mark.parametrize("case", ["old quotation of another source", "old fact quotes another source",
                                  "old fact, second object", "new fact, not asserted", "old node made a fact",
                                  "blank fact", "activity without facts", "old person made a post",
                                  "old quotation, second selector", "old document, second text",
                                  "second status, same source", "undeclared property", "undeclared class",
                                  "undeclared concept"])
def test_an_addition_that_breaks_a_query_gives_the_rows_of_a_whole_run(packaged, case):
    """Each addition to the packaged data (which conforms) gives rows, and the restricted run gives exactly the
    rows a whole run gives, for every violation query."""
    rest, article = packaged
    base = rest + article
    added = _parsed(_breaking(_store(base).store)[case])
    asserted = _store(base + added)
    new_rows = 0
    for q in VIOLATION_QUERIES:
        whole = asserted.select(q.text)
        assert _bag(_rows(asserted, q.text, added)) == _bag(whole), q.name
        new_rows += len(whole)
    assert new_rows > 0, f"{case!r} breaks no query: the test would prove nothing"


def test_old_nodes_reached_by_walking_are_among_the_rows(packaged):
    """Readable from the additions themselves: a second source given to an old quotation makes the old fact that
    cites it a row of fact-not-asserted; a second text of an old document makes its old quotations rows."""
    rest, article = packaged
    base = _store(rest + article)
    breaking = _breaking(base.store)
    fact = _one(base.store, "?f a kg:Fact ; kg:evidence ?q ; prov:wasDerivedFrom ?src ; rdf:subject ?s ; "
                            "rdf:predicate ?p ; rdf:object ?o")
    added = _parsed(breaking["old quotation of another source"])
    asserted = _store(rest + article + added)
    text = next(q.text for q in VIOLATION_QUERIES if q.name == "fact-not-asserted-violation")
    focuses = {str(r["focus"]) for r in _rows(asserted, text, added)}
    assert fact["f"].value in focuses
    assert all(t.subject != fact["f"] for t in added)  # reached only by the walk
    quote = _one(base.store, "?q oa:hasSource ?doc ; oa:hasSelector ?sel . ?sel a oa:TextPositionSelector")
    quotations = {str(r["q"]) for r in base.select(PREFIXES + "SELECT ?q ?doc WHERE { ?q oa:hasSource ?doc }",
                                                     {"doc": URIRef(quote["doc"].value)})}
    added = _parsed(breaking["old document, second text"])
    asserted = _store(rest + article + added)
    text = next(q.text for q in VIOLATION_QUERIES if q.name == "quote-offsets-mismatch-violation")
    focuses = {str(r["focus"]) for r in _rows(asserted, text, added)}
    assert quotations and quotations <= focuses
    assert not {t.subject.value for t in added} & quotations  # reached only by the walk


def test_a_dated_pair_re_dated_later_is_found_through_its_optional_date(packaged):
    """Two assertions of one source about one item, with other statuses and other dates, conform; giving the
    second the first's date breaks status-same-source for both: found from the added date alone."""
    rest, article = packaged
    base = rest + article
    breaking = _breaking(_store(base).store)
    pair = _parsed(breaking["dated pair"])
    text = next(q.text for q in VIOLATION_QUERIES if q.name == "status-same-source-violation")
    assert _store(base + pair).select(text) == []
    added = _parsed(breaking["dated pair, one re-dated"])
    asserted = _store(base + pair + added)
    rows = _rows(asserted, text, added)
    assert {str(r["focus"]) for r in rows} == {"https://example.org/added/a3", "https://example.org/added/a4"}
    assert _bag(rows) == _bag(asserted.select(text))


def test_a_class_a_values_block_names_leads_to_no_earlier_instance(packaged):
    """fact-without-evidence reads ``?kind rdfs:subClassOf* ?class`` with ``?class`` from a VALUES block of
    classes: that path matches no new term with itself, so a new meeting is the only node to run, not every
    meeting of the packaged article (which would be every meeting of a thousand articles)."""
    rest, article = packaged
    meeting = ox.NamedNode("https://w3id.org/ict-coop-kg/ontology#Meeting")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert any(t.predicate == rdf_type and t.object == meeting for t in article)  # earlier meetings there are
    added = _parsed("ex:meeting a kg:Meeting .")
    asserted = _store(rest + article + added)
    text = next(q.text for q in VIOLATION_QUERIES if q.name == "fact-without-evidence-violation")
    assert delta.candidates(asserted.store, delta.analyse(text), added) == (
        "focus", [ox.NamedNode("https://example.org/added/meeting")])


def test_a_class_added_under_another_runs_the_queries_whole(packaged):
    """An added rdfs:subClassOf triple takes part in the queries' property paths: no walk, the query runs whole,
    and a node of the new class without facts is found."""
    rest, article = packaged
    added = _parsed("ex:Gathering rdfs:subClassOf kg:Meeting . ex:g a ex:Gathering .")
    asserted = _store(rest + article + added)
    text = next(q.text for q in VIOLATION_QUERIES if q.name == "fact-without-evidence-violation")
    assert delta.candidates(asserted.store, delta.analyse(text), added) is None
    assert "https://example.org/added/g" in {str(r["focus"]) for r in _rows(asserted, text, added)}


@pytest.mark.parametrize("seed", range(12))
def test_what_a_restricted_run_leaves_out_was_a_row_before(packaged, seed):
    """Random splits of the packaged article and every breaking addition into what was there and what is added:
    each row of a whole run is a row of the data before or of the restricted run, which gives no other row."""
    rest, article = packaged
    extra = [t for turtle in _breaking(_store(rest + article).store).values() for t in _parsed(turtle)]
    pool = article + extra
    rng = random.Random(seed)
    added = rng.sample(pool, k=rng.randint(1, len(pool) // 3))
    chosen = set(added)
    before = _store(rest + [t for t in pool if t not in chosen])
    after = _store(rest + pool)
    for q in VIOLATION_QUERIES:
        whole, earlier, restricted = (_bag(after.select(q.text)), _bag(before.select(q.text)),
                                      _bag(_rows(after, q.text, added)))
        assert not restricted - whole, q.name
        assert not whole - earlier - restricted, q.name


def test_the_fast_engine_reports_what_a_whole_validation_reports(packaged):
    """validate_fast with ``added`` (shapes and violation queries restricted) on every breaking addition at once."""
    rest, article = packaged
    base = rest + article
    added = [t for turtle in _breaking(_store(base).store).values() for t in _parsed(turtle)]
    asserted = _store(base + added)
    restricted, _ = validate_fast(asserted, added=added)
    whole, _ = validate_fast(asserted)
    assert not whole.conforms
    assert sorted(v.constraint for v in whole.violations if v.constraint.startswith("query:"))
    assert restricted.violations == whole.violations
    assert restricted.to_turtle() == whole.to_turtle()


def test_a_query_the_walk_cannot_bound_is_run_whole():
    """Constructs the analysis does not bound give None (the query then runs whole)."""
    assert delta.analyse("SELECT ?focus WHERE { ?focus ?p ?o } LIMIT 3") is None
    assert delta.analyse("SELECT ?focus (COUNT(?o) AS ?n) WHERE { ?focus ?p ?o } GROUP BY ?focus") is None
    assert delta.analyse("SELECT ?focus WHERE { GRAPH ?g { ?focus ?p ?o } }") is None
    assert delta.analyse("SELECT ?focus WHERE { ?focus ?p ?o FILTER NOT EXISTS { ?o ?q ?r FILTER NOT EXISTS "
                         "{ ?r ?s ?t } } }") is None
    assert delta.analyse("SELECT ?focus WHERE { ?focus ?p ?o FILTER (!EXISTS { ?o ?q ?r }) }") is None
    # a negated property set matches the predicates it does not name
    assert delta.analyse("SELECT ?focus WHERE { ?focus !<https://example.org/p> ?o }") is None
    bounded = delta.analyse("SELECT ?focus WHERE { ?focus a ?c FILTER NOT EXISTS { ?focus ?q ?r } }")
    assert bounded is not None
    # the negated pattern supports no row: an added triple that only it matches gives no value to run
    node = ox.NamedNode("https://example.org/n")
    negated = ox.Triple(node, ox.NamedNode("https://example.org/q"), ox.Literal("x"))
    assert delta.candidates(ox.Store(), bounded, [negated]) == ("focus", [])
    typed = ox.Triple(node, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("https://example.org/C"))
    assert delta.candidates(ox.Store(), bounded, [negated, typed]) == ("focus", [node])


def test_the_walk_gives_up_past_its_limit(packaged, monkeypatch):
    """More values than delta.LIMIT at a step: no values, the query runs whole (and still gives its rows)."""
    rest, article = packaged
    added = _parsed(_breaking(_store(rest + article).store)["old document, second text"])
    asserted = _store(rest + article + added)
    text = next(q.text for q in VIOLATION_QUERIES if q.name == "quote-offsets-mismatch-violation")
    assert delta.candidates(asserted.store, delta.analyse(text), added) is not None
    monkeypatch.setattr(delta, "LIMIT", 1)
    assert delta.candidates(asserted.store, delta.analyse(text), added) is None
    assert _bag(_rows(asserted, text, added)) == _bag(asserted.select(text)) != Counter()


def test_a_sub_select_s_own_variables_are_not_the_query_s():
    """``?s`` inside the sub-select is not the outer ``?s``: the walk from a triple of the sub-select goes through
    ``?x``, which it selects, and finds the focus; taken for one variable, the walk would look for ``ex:s2`` as the
    object of ``ex:p`` and find nothing."""
    text = """PREFIX ex: <https://example.org/added/>
        SELECT ?focus WHERE { ?focus ex:p ?s . { SELECT ?x WHERE { ?s ex:q ?x } } ?x ex:r ?focus }"""
    data = _parsed("ex:f ex:p ex:s1 . ex:s2 ex:q ex:x1 . ex:x1 ex:r ex:f .")
    asserted = _store(data)
    added = [t for t in data if t.predicate.value.endswith("/q")]
    assert delta.candidates(asserted.store, delta.analyse(text), added) == (
        "focus", [ox.NamedNode("https://example.org/added/f")])
    assert _bag(_rows(asserted, text, added)) == _bag(asserted.select(text)) != Counter()


@pytest.mark.parametrize("text", [
    # an OPTIONAL that stops matching gives a row (read with !BOUND): a negation inside it is a second negation
    "SELECT ?focus WHERE { ?focus a ex:C OPTIONAL { ?focus ex:p ?x FILTER NOT EXISTS { ?x ex:q ?y } } "
    "FILTER (!BOUND(?x)) }",
    "SELECT ?focus WHERE { ?focus a ex:C OPTIONAL { ?focus ex:p ?x MINUS { ?x ex:q ?y } } FILTER (!BOUND(?x)) }",
    "SELECT ?focus WHERE { ?focus a ex:C FILTER NOT EXISTS { ?focus ex:p ?x OPTIONAL { ?x ex:q ?y } "
    "FILTER (!BOUND(?y)) } }",
], ids=["not-exists-in-optional", "minus-in-optional", "optional-in-not-exists"])
def test_a_negation_an_optional_group_turns_around_is_run_whole(text):
    """Adding ``ex:v ex:q ex:w`` gives ``ex:n`` a row in each of these queries, through two negations (one of them
    an OPTIONAL read with !BOUND): the analysis does not bound them, and the query runs whole."""
    text = "PREFIX ex: <https://example.org/added/>\n" + text
    before = _parsed("ex:n a ex:C ; ex:p ex:v .")
    added = _parsed("ex:v ex:q ex:w .")
    assert _store(before).select(text) == []
    asserted = _store(before + added)
    assert [str(r["focus"]) for r in asserted.select(text)] == ["https://example.org/added/n"]
    assert delta.analyse(text) is None
    assert _rows(asserted, text, added) == asserted.select(text)


def test_literal_values_are_bound_as_the_store_holds_them(monkeypatch):
    """Past LIMIT values of ``?focus`` the walk ends at ``?value``: literals whose form rdflib would write otherwise
    (" p "^^xsd:token as "p", a date with a time zone) are bound as the store's own terms, and give their rows."""
    monkeypatch.setattr(delta, "LIMIT", 2)
    text = next(q.text for q in VIOLATION_QUERIES if q.name == "fact-not-asserted-violation")
    added = _parsed("""
        ex:f1 a kg:Fact ; rdf:subject ex:s1 ; rdf:predicate " p "^^xsd:token ; rdf:object ex:o .
        ex:f2 a kg:Fact ; rdf:subject ex:s2 ; rdf:predicate "2020-01-01Z"^^xsd:date ; rdf:object ex:o .
        ex:f3 a kg:Fact ; rdf:subject ex:s3 ; rdf:predicate " p "^^xsd:token ; rdf:object ex:o .""")
    asserted = _store(added)
    found = delta.candidates(asserted.store, delta.analyse(text), added)
    assert found is not None and found[0] == "value"
    assert all(isinstance(v, ox.Literal) for v in found[1])
    whole = asserted.select(text)
    assert len(whole) == 3
    assert _bag(_rows(asserted, text, added)) == _bag(whole)


def test_a_bound_value_does_not_reach_a_sub_select_s_own_variable_of_that_name():
    """A blank node is bound by substitution (Oxigraph's, as initial bindings) and an IRI in a VALUES block at the
    top: either binds the outer ``?focus`` alone, not the sub-select's own, and gives the row of a whole run."""
    text = """PREFIX ex: <https://example.org/added/>
        SELECT ?focus ?o WHERE { ?focus a ex:C . { SELECT ?o WHERE { ?focus ex:p ?o } } }"""
    base = _parsed("ex:m ex:p ex:o1 .")
    for addition in ("[] a ex:C .", "ex:iri a ex:C ."):
        added = _parsed(addition)
        asserted = _store(base + added)
        whole = asserted.select(text)
        assert len(whole) == 1
        assert _bag(_rows(asserted, text, added)) == _bag(whole)


EX = "PREFIX ex: <https://example.org/added/>\n"
SECOND_REVIEW = {
    # a pattern without variables: once it matches, every node of the other patterns is a row
    "ground pattern": ("SELECT ?focus WHERE { ?focus a ex:C . ex:switch ex:on ex:yes }",
                       "ex:a a ex:C .", "ex:switch ex:on ex:yes ."),
    # an OPTIONAL that reads ?focus before a pattern binds it: a VALUES block opening the group would bind it early
    "optional before its binding": ("SELECT ?focus ?o WHERE { OPTIONAL { ?focus ex:opt ?o } ?focus a ex:C }",
                                    "ex:b ex:opt ex:one .", "ex:a a ex:C ."),
    # a nested group where ?focus is unbound, with a blank node for ?focus: bound by substitution it would be seen
    "nested group, blank focus": ("SELECT ?focus ?o WHERE { ?focus ex:p ?o { ?o ex:q ?z FILTER (?focus != ?z) } }",
                                  "ex:o ex:q ex:z .", "[] ex:p ex:o ."),
    # a literal constant rdflib reads in another form
    "token constant": ('SELECT ?focus WHERE { ?focus ex:p " t "^^<http://www.w3.org/2001/XMLSchema#token> }',
                       "ex:b ex:p ex:c .", 'ex:a ex:p " t "^^xsd:token .'),
    # an inverse path: its predicate is added
    "inverse path": ("SELECT ?focus WHERE { ?focus ^ex:q ?x }", "ex:b ex:r ex:c .", "ex:a ex:q ex:b ."),
    # a path of length zero matches the new node ex:c with itself
    "zero-length path": ("SELECT ?focus WHERE { ?focus ex:q* ?focus FILTER (isIRI(?focus)) "
                         "FILTER NOT EXISTS { ?focus ex:label ?l } }",
                         'ex:a ex:label "A" .', 'ex:b ex:label "B" . ex:b ex:rel ex:c .'),
    # a blank node reached where a variable stands for a predicate: looked up, it would raise
    "blank node as a predicate": ("SELECT ?focus WHERE { ?focus ex:p ?x . ex:a ?x ex:b }",
                                  "ex:a ex:k ex:b .", "ex:f ex:p [] ."),
}


@pytest.mark.parametrize("case", sorted(SECOND_REVIEW))
def test_shapes_of_query_a_second_review_found_give_the_rows_of_a_whole_run(case):
    """Generic query shapes (none of the packaged queries has them): the data before gives no row, and after the
    addition the restricted run gives exactly the rows of a whole run, where the first version lost or added rows,
    or raised."""
    text, before, addition = SECOND_REVIEW[case]
    text = EX + text
    base, added = _parsed(before), _parsed(addition)
    assert _store(base).select(text) == []
    asserted = _store(base + added)
    whole = asserted.select(text)
    if case in ("ground pattern", "token constant", "inverse path", "zero-length path"):
        assert whole, "the addition must give a row, or the case proves nothing"  # the others gained a row
    assert _bag(_rows(asserted, text, added)) == _bag(whole)


def test_a_literal_value_past_the_limit_runs_the_query_whole(monkeypatch):
    """Two literals the store holds as one (\"01\" and 1 as integers) would give each row twice if both were bound;
    a value that is not an IRI makes the query run whole."""
    monkeypatch.setattr(delta, "LIMIT", 2)  # three values of ?focus, two of ?v
    text = EX + "SELECT ?focus ?v WHERE { ?focus ex:val ?v }"
    added = _parsed('ex:s1 ex:val "01"^^xsd:integer . ex:s2 ex:val 1 . ex:s3 ex:val 1 .')
    asserted = _store(added)
    found = delta.candidates(asserted.store, delta.analyse(text), added)
    assert found is not None and found[0] == "v"
    assert _bag(_rows(asserted, text, added)) == _bag(asserted.select(text))
