"""Hostile parameter values are values: they cannot change a query's structure or the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql import parser

from kg.api import KnowledgeGraph
from kg.errors import QueryError
from kg.query import Parameter, get_query, to_term, values_block, with_value_list, with_values

HOSTILE = [
    'x" } ; DROP ALL ; #',
    "<http://evil> } INSERT { <a> <b> <c> } WHERE {",
    "x'\n} DELETE WHERE { ?s ?p ?o } #",
    "عمرو طلعت\" } #",
    "\\\" ) } ; CLEAR DEFAULT",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_entity_parameter_finds_nothing_and_changes_nothing(built: KnowledgeGraph, value: str):
    before = len(built.union)
    if value.startswith("<"):  # it looks like an IRI but is not a valid one: refused before any query runs
        with pytest.raises(QueryError, match="parameter entity: .* is not a valid absolute IRI"):
            built.query("describe-entity", entity=value)
    else:  # a project id with odd characters: percent-encoded into an IRI that names nothing
        assert len(built.query("person-statements", person=value)) == 0
        assert len(built.query("describe-entity", entity=value)) == 0
    with pytest.raises(QueryError, match="parameter country: .* is not (a valid absolute IRI|an ISO 3166-1)"):
        built.query("who-met-whom", country=value)  # neither an ISO code nor an IRI
    assert len(built.union) == before


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_string_parameter_in_an_adhoc_query(built: KnowledgeGraph, value: str, tmp_path: Path):
    from kg.query import bind, parse_header, run_local

    text = ("# param: label (string, required): a label\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "SELECT ?s WHERE { ?s rdfs:label ?label }\n")
    q = parse_header("adhoc", text)
    before = len(built.union)
    assert len(run_local(built.union, text, bind(q, {"label": value}))) == 0
    assert len(built.union) == before


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("kind", ["entity", "country", "string", "iri"])
def test_values_block_keeps_the_query_structure(value: str, kind: str):
    """The remote form: one VALUES row holding exactly the given term, and nothing else added."""
    query = get_query("person-statements")
    if kind in ("country", "iri") or (kind == "entity" and value.startswith("<")):
        with pytest.raises(QueryError, match="is not (an IRI|a valid absolute IRI|an ISO 3166-1)"):
            to_term(Parameter("person", kind, False), value)  # refused: no query is ever built with it
        return
    term = to_term(Parameter("person", kind, False), value)
    text = with_values(query.text, {"person": term})
    parsed = parser.parseQuery(text)  # must still be one SELECT query
    assert parsed[1].name == "SelectQuery"
    block = values_block({"person": term})
    assert text.count("VALUES") == query.text.count("VALUES") + 1
    # the block parses back to the very same term
    probe = list(Graph().query(f"SELECT * WHERE {{ {block} }}"))
    assert [tuple(row) for row in probe] == [(term,)]
    if kind == "string":
        assert term == Literal(value)
    else:
        assert isinstance(term, URIRef) and not any(c in str(term) for c in ' <>"{}|^`\\\n')


def test_a_list_of_values_keeps_the_query_structure():
    """What the build's re-check binds (kg.validate._rows): one VALUES row per term, each term parsed back as it
    was, hostile strings included; a blank node, an unsafe IRI or a name that is not a variable is refused."""
    from rdflib import BNode

    query = get_query("fact-not-asserted-violation")
    terms = [Literal(value) for value in HOSTILE] + [URIRef("https://example.org/a"), Literal("٣", lang="ar")]
    text = with_value_list(query.text, "focus", terms)
    assert parser.parseQuery(text)[1].name == "SelectQuery"
    assert text.count("VALUES") == query.text.count("VALUES") + 1
    probe = list(Graph().query(with_value_list("SELECT ?focus WHERE { }", "focus", terms)))
    assert [row[0] for row in probe] == terms
    for bad in ([BNode("b")], [URIRef("https://example.org/a> } ; DROP ALL ; <x")]):
        with pytest.raises(QueryError):
            with_value_list(query.text, "focus", bad)
    with pytest.raises(QueryError, match="not a SPARQL variable name"):
        with_value_list(query.text, "focus } DROP ALL {", [URIRef("https://example.org/a")])


def test_iri_parameters_keep_valid_iris_unchanged():
    term = to_term(Parameter("entity", "entity", False), "https://w3id.org/ict-coop-kg/id/person/amr-talaat")
    assert term == URIRef("https://w3id.org/ict-coop-kg/id/person/amr-talaat")
    assert to_term(Parameter("c", "country", False), "jo") == URIRef("https://w3id.org/ict-coop-kg/id/country/JO")


JORDAN = URIRef("https://w3id.org/ict-coop-kg/id/country/JO")
_FILTERED = ("PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>\n"
             "SELECT DISTINCT ?e WHERE { ?e kg:involvesCountry ?country }\n")


@pytest.mark.parametrize("text", [
    "# description: lists events WHERE {the country took part}\n" + _FILTERED,  # in a comment
    _FILTERED.replace("SELECT DISTINCT ?e WHERE", 'SELECT DISTINCT ?e ("WHERE { not here" AS ?note) WHERE'),  # a string
    _FILTERED.replace(" WHERE {", " {"),  # the keyword left out, as SPARQL allows
])
def test_parameters_open_the_query_s_own_where_group(built: KnowledgeGraph, text: str):
    """The VALUES block went where the text first read "WHERE {", a comment or a string included (the query
    then failed, or ran unfiltered with the block inside a literal), and a query without the keyword was
    refused."""
    rows = {r["e"] for r in built.sparql(text, country=JORDAN).rows}
    expected = {r["e"] for r in built.sparql(_FILTERED, country=JORDAN).rows}
    everything = {r["e"] for r in built.sparql(_FILTERED).rows}
    assert rows == expected and expected and expected != everything


@pytest.mark.parametrize(("text", "message"), [
    ("ASK { FILTER(" + "1+" * 10_000 + "1) }", "10,000 operators; kg runs queries of at most 2,000"),
    ("SELECT * WHERE " + "{" * 40 + " ?s ?p ?o " + "}" * 40 + " LIMIT 1", "nested too deeply"),
    # the WHERE group, FILTER's bracket and 150 more
    ("SELECT * WHERE { FILTER(" + "(" * 150 + "1" + ")" * 150 + ") }", f"nests {1 + 1 + 150} groups or brackets deep"),
    ("# only a comment\n", "holds no query"),
])
def test_queries_too_complex_to_run_safely_are_refused_before_they_run(text: str, message: str):
    """Oxigraph evaluates an expression recursively: FILTER(1+1+…) with 10,000 terms overflowed its stack and
    the process died (exit 139; a kg serve server died with it); rdflib's parser raised RecursionError (a
    traceback) on 40 nested groups; an empty file was called a SPARQL UPDATE."""
    from kg.query import ensure_read_only

    with pytest.raises(QueryError, match=message):
        ensure_read_only(text)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { VALUES ?e { " + " ".join(f"<urn:x> person:amr-talaat-{i}" for i in range(1001)) + " } }",
    "SELECT * WHERE { VALUES ?e { " + " ".join('"x"@en-GB' for _ in range(2001)) + " } }",
    "SELECT * WHERE { VALUES ?e { " + " ".join(f"-{i}" for i in range(2001)) + " } }",
])
def test_hyphens_in_names_and_negative_numbers_are_not_operators(text: str):
    """A prefixed name's or a language tag's hyphen, and a negative number's sign, were each counted as an
    operator: such lists of values were refused as too complex."""
    from kg.query import check_complexity

    check_complexity(text)


@pytest.mark.parametrize("text", [
    "PREFIX ex: <http://example.org/>\nCONSTRUCT { ?s ex:tag ex:a\\#b } WHERE { ?s ex:p ?country }",
    "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { ?s ex:O\\'Brien 'x' . ?s ex:p ?country }",
    "SELECT ?s FROM <http://example.org/caf\\u00E9#g> WHERE { ?s ?p ?country }",
])
def test_escapes_in_names_and_iris_are_read_as_the_grammar_reads_them(text: str):
    """\\# in a prefixed name was read as a comment, \\' as a string, and \\u in an IRI ended it: the WHERE group
    after them was not found (exit 2)."""
    bound = with_values(text, {"country": JORDAN})
    parsed = parser.parseQuery(bound)  # one query still, its group opened by the block
    assert parsed and bound.count("VALUES (?country)") == 1
    assert bound.index("VALUES (?country)") > bound.index("WHERE {")
