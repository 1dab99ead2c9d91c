"""The rdflib store is pluggable: the same data on Oxigraph (through oxrdflib) validates, answers and exports alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.query import list_queries

pytest.importorskip("oxrdflib")


@pytest.fixture(scope="module")
def on_oxigraph() -> KnowledgeGraph:
    return KnowledgeGraph.build(store="Oxigraph")


def test_same_validation_result(on_oxigraph: KnowledgeGraph):
    report = on_oxigraph.validate()
    assert report.conforms, report.to_text()


def test_same_export_up_to_integer_subtypes(built: KnowledgeGraph, on_oxigraph: KnowledgeGraph):
    # Oxigraph stores xsd:nonNegativeInteger as xsd:integer; everything else must be identical
    memory = built.export("nt").replace(b"XMLSchema#nonNegativeInteger", b"XMLSchema#integer")
    assert on_oxigraph.export("nt") == memory


@pytest.mark.parametrize("name", [q.name for q in list_queries() if not q.parameters or not any(p.required for p in q.parameters)])
def test_same_query_rows(built: KnowledgeGraph, on_oxigraph: KnowledgeGraph, name: str):
    assert on_oxigraph.query(name).rows == built.query(name).rows


@pytest.mark.parametrize(("name", "params"), [
    ("who-met-whom", {"country": "JO"}), ("who-met-whom", {"country": "FR"}),
    ("fact-provenance", {"entity": "person/amr-talaat"}), ("meeting-domains", {"country_a": "EG", "country_b": "JO"}),
    ("describe-entity", {"entity": "organization/telecom-egypt"}), ("person-statements", {"person": 'x" } ; DROP ALL ; #'}),
])
def test_same_rows_with_parameters(built: KnowledgeGraph, on_oxigraph: KnowledgeGraph, name: str, params):
    assert on_oxigraph.query(name, **params).rows == built.query(name, **params).rows


def test_queries_run_in_the_stores_own_engine(on_oxigraph: KnowledgeGraph):
    assert type(on_oxigraph.union.store).__name__ == "OxigraphStore"


def test_unknown_store_is_a_clear_error():
    from kg.errors import InputError

    with pytest.raises(InputError, match="unknown rdflib store 'Nope'"):
        KnowledgeGraph.build(store="Nope")


FACTMODEL = Path(__file__).parent / "fixtures" / "factmodel" / "data"
FACTMODEL_CASES = [
    ("commitment-status", {}), ("commitment-status", {"as_of": "2023-12-31"}), ("commitment-status", {"country": "JO"}),
    ("conflicting-facts", {}), ("stale-commitments", {"as_of": "2023-10-01", "months": 6}),
    ("meeting-timeline", {"country_a": "EG", "country_b": "JO"}), ("meeting-timeline", {"organisation": "organization/eg-mcit"}),
    ("post-holders", {}), ("post-holders", {"post": "post/jo-modee-minister", "as_of": "2024-01-01"}),
    ("post-holders", {"as_of": "2025-01-01"}), ("who-holds-which-post", {"as_of": "2024-09-18"}),
    ("fact-provenance", {"entity": "outcome/digital-skills-programme"}), ("agreements", {}), ("open-commitments", {}),
]


@pytest.fixture(scope="module")
def factmodel_pair() -> tuple[KnowledgeGraph, KnowledgeGraph]:
    return KnowledgeGraph.build(FACTMODEL), KnowledgeGraph.build(FACTMODEL, store="Oxigraph")


@pytest.mark.parametrize(("name", "params"), FACTMODEL_CASES)
def test_the_analyst_queries_give_the_same_rows_on_oxigraph(factmodel_pair, name: str, params):
    """Dated, multi-source data (tests/fixtures/factmodel): the rows are not empty, and identical in both engines."""
    memory, oxigraph = factmodel_pair
    expected = memory.query(name, **params)
    assert len(expected) > 0
    got = oxigraph.query(name, **params)
    assert got.variables == expected.variables
    assert got.rows == expected.rows
