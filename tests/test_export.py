"""Exports: deterministic bytes, UTF-8 with Arabic as characters, and a faithful round trip."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from rdflib import Graph

from kg.api import KnowledgeGraph
from kg.export import FORMATS, canonical, export_graphs

from .conftest import assert_isomorphic, parse_export


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("inferred", [False, True])
def test_round_trip_is_isomorphic(built: KnowledgeGraph, fmt: str, inferred: bool):
    data = built.export(fmt, inferred=inferred)
    expected = Graph()  # the exported graphs' triples, objects in canonical form (as exports write them)
    for name in export_graphs(built.dataset, inferred=inferred):
        for triple in built.dataset.graph(name):
            expected.add(canonical(triple))
    back, names = parse_export(data, fmt)
    if FORMATS[fmt].quads:
        assert names == {str(n) for n in export_graphs(built.dataset, inferred=inferred)}
    assert_isomorphic(expected, back)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_arabic_is_written_as_utf8_characters(built: KnowledgeGraph, fmt: str):
    data = built.export(fmt)
    text = data.decode("utf-8")
    assert "عمرو طلعت" in text
    assert "\\u" not in text


def test_ntriples_is_rdf11_sorted_lines(built: KnowledgeGraph):
    lines = built.export("nt").decode("utf-8").splitlines()
    assert lines == sorted(lines)
    assert all(line.endswith(" .") for line in lines)


CROSS_FORMATS = ["turtle", "trig", "nquads", "jsonld", "xml"]
SCRIPT = ("import json, sys; from kg import KnowledgeGraph; g = KnowledgeGraph.build(); "
          "json.dump({f: g.export(f, inferred=True).decode('utf-8') for f in sys.argv[1:]}, sys.stdout)")


@pytest.fixture(scope="module")
def exports_by_seed() -> list[dict[str, str]]:
    """Every format exported by one build in each of two processes with different hash seeds."""
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", SCRIPT, *CROSS_FORMATS], env=env, capture_output=True,
                             check=True).stdout
        runs.append(json.loads(out))
    return runs


@pytest.mark.parametrize("fmt", CROSS_FORMATS)
def test_same_input_gives_identical_bytes_across_processes(exports_by_seed: list[dict[str, str]], fmt: str):
    outputs = {run[fmt] for run in exports_by_seed}
    assert len(outputs) == 1


GEO = """
@prefix schema: <https://schema.org/> .
<https://w3id.org/ict-coop-kg/id/city/aqaba> schema:geo [ a schema:GeoCoordinates ;
    schema:latitude "29.53"^^<http://www.w3.org/2001/XMLSchema#decimal> ;
    schema:longitude "35.01"^^<http://www.w3.org/2001/XMLSchema#decimal> ] .
"""


@pytest.fixture(scope="module")
def geo_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeGraph, KnowledgeGraph]:
    """Two builds of the packaged data with a blank node added (a place's ``schema:geo``)."""
    import shutil

    from kg import resources

    data = tmp_path_factory.mktemp("geo") / "data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    (data / "reference" / "geo.ttl").write_text(GEO, encoding="utf-8")
    return KnowledgeGraph.build(data, reason=False), KnowledgeGraph.build(data, reason=False)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_blank_nodes_export_identically_from_two_builds(geo_builds: tuple[KnowledgeGraph, KnowledgeGraph],
                                                         fmt: str):
    first, second = (kg.export(fmt) for kg in geo_builds)
    assert b"29.53" in first
    assert first == second


def test_the_isomorphism_check_ignores_blank_node_names_and_sees_every_change():
    """tests/conftest.py's assert_isomorphic (which canonicalises only the triples with blank nodes)."""
    from rdflib import BNode, Graph, Literal, URIRef

    def graph(point: str, latitude: str, label: str) -> Graph:
        g, node = Graph(), BNode(point)
        city = URIRef("https://w3id.org/ict-coop-kg/id/city/aqaba")
        g.add((city, URIRef("https://schema.org/geo"), node))
        g.add((node, URIRef("https://schema.org/latitude"), Literal(latitude)))
        g.add((city, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(label, lang="en")))
        return g

    assert_isomorphic(graph("a", "29.53", "Aqaba"), graph("b", "29.53", "Aqaba"))
    with pytest.raises(AssertionError, match="only in expected:\n.*29.53.*\nonly in actual:\n.*29.6"):
        assert_isomorphic(graph("a", "29.53", "Aqaba"), graph("b", "29.6", "Aqaba"))
    with pytest.raises(AssertionError, match="only in expected:\n.*\"Aqaba\"@en\nonly in actual:\n.*\"Akaba\"@en"):
        assert_isomorphic(graph("a", "29.53", "Aqaba"), graph("a", "29.53", "Akaba"))


def test_rdf_xml_refuses_a_character_xml_cannot_hold_and_names_it():
    """A form feed from a scraped article went into the file as it was: the export exited 0 and no parser could
    read it back. The other formats escape it."""
    from rdflib import Dataset, Literal, URIRef

    from kg.errors import InputError
    from kg.export import serialize
    from kg.namespaces import GRAPH

    ds = Dataset()
    subject = URIRef("https://w3id.org/ict-coop-kg/id/article/x")
    ds.graph(GRAPH["article/x"]).add((subject, URIRef("http://www.w3.org/ns/oa#exact"), Literal("a\x0cb", lang="ar")))
    with pytest.raises(InputError, match=r"RDF/XML cannot hold the character U\+000C of a value of "
                                         r"<https://w3id.org/ict-coop-kg/id/article/x>"):
        serialize(ds, "xml")
    for fmt in ("turtle", "nt", "trig", "nquads", "jsonld"):
        parsed = Dataset().parse(data=serialize(ds, fmt), format={"nt": "nt", "nquads": "nquads", "trig": "trig",
                                                                  "turtle": "turtle", "jsonld": "json-ld"}[fmt])
        assert Literal("a\x0cb", lang="ar") in {quad[2] for quad in parsed.quads((None, None, None, None))}
