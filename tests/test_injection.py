"""Hostile parameter values are values: they cannot change a query's structure or the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql import parser

from kg.api import KnowledgeGraph
from kg.errors import QueryError
from kg.query import Parameter, get_query, to_term, values_block, with_values

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


def test_iri_parameters_keep_valid_iris_unchanged():
    term = to_term(Parameter("entity", "entity", False), "https://w3id.org/ict-coop-kg/id/person/amr-talaat")
    assert term == URIRef("https://w3id.org/ict-coop-kg/id/person/amr-talaat")
    assert to_term(Parameter("c", "country", False), "jo") == URIRef("https://w3id.org/ict-coop-kg/id/country/JO")
