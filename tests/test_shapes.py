"""SHACL shapes: the good data conforms; each bad-data fixture gives exactly its expected violations.

``shapes/input/<case>.ru`` is a SPARQL Update that breaks the good (asserted)
data in one way; ``shapes/output/<case>.json`` lists the violations it must
produce as (focus node, path, constraint component), messages aside. Each fixture
goes through both engines (the compiled shapes and pySHACL), which must agree
result for result and violation for violation.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from kg import KnowledgeGraph
from kg.load import union_graph
from kg.validate import shapes_graph, validate_graph

from .shacl_reports import assert_same_reports

HERE = Path(__file__).parent / "shapes"
CASES = sorted(p.stem for p in (HERE / "input").glob("*.ru"))


@pytest.fixture(scope="module")
def asserted(built: KnowledgeGraph) -> Graph:
    return union_graph(built.dataset, inferred=False)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return shapes_graph()


def test_good_data_conforms(built: KnowledgeGraph):
    report = built.validate()
    assert report.conforms, report.to_text()
    assert report.violations == []


def broken_copy(asserted: Graph, update: str) -> Graph:
    """A copy of the good data with ``update`` (SPARQL Update text) applied; the update must change it."""
    broken = Graph()
    for triple in asserted:
        broken.add(triple)
    broken.update(update)
    assert set(broken) != set(asserted), "the update changed nothing"
    return broken


@pytest.mark.parametrize("case", CASES)
def test_bad_data_gives_exactly_the_expected_violation_in_both_engines(case: str, asserted: Graph,
                                                                       shapes: Graph):
    broken = broken_copy(asserted, (HERE / "input" / f"{case}.ru").read_text(encoding="utf-8"))
    expected = {(v["focus"], v["path"], v["constraint"])
                for v in json.loads((HERE / "output" / f"{case}.json").read_text(encoding="utf-8"))}
    report = validate_graph(broken, "fast")
    assert not report.conforms
    actual = {v.key for v in report.violations}
    assert actual == expected, report.to_text()
    for v in report.violations:
        assert set(v.messages) == {"en", "ar"}, v.messages
        assert any("\u0600" <= ch <= "\u06ff" for ch in v.messages["ar"])
        assert not any("\u0600" <= ch <= "\u06ff" for ch in v.messages["en"])
    # pySHACL (the reference engine) finds the same SHACL results (focus node, path, component, value, shape,
    # severity, messages) and the same violations, down to the focus node's labels and its source sentence
    reference = validate_graph(broken, "reference")
    assert_same_reports(reference.graph, report.graph, shapes)
    assert [asdict(v) for v in reference.violations] == [asdict(v) for v in report.violations]


def test_every_targeted_shape_has_a_fixture():
    shapes = shapes_graph()
    targeted = {str(s).rsplit("#", 1)[1] for s in shapes.subjects(SH.targetClass, None) if isinstance(s, URIRef)}
    targeted |= {"DomainConceptShape"}
    exercised = set()
    for case in CASES:
        exercised |= set(re.findall(r"(\w+Shape)", (HERE / "input" / f"{case}.ru").read_text(encoding="utf-8")))
    assert targeted <= exercised, sorted(targeted - exercised)


def test_shapes_graph_is_the_callers_to_change():
    """The shapes are parsed once per process; each caller gets its own copy of them."""
    first = shapes_graph()
    expected = set(first)
    assert (None, SH.targetClass, None) in first
    first.remove((None, None, None))
    second = shapes_graph()
    assert second is not first and set(second) == expected


def test_violation_report_names_label_and_source_sentence(asserted: Graph):
    broken = broken_copy(asserted, (HERE / "input" / "pop-without-operator.ru").read_text(encoding="utf-8"))
    report = validate_graph(broken)
    (v,) = report.violations
    assert v.label("en") == "Telecom Egypt point of presence in Aqaba"
    assert v.label("ar") == "نقطة تواجد الشركة المصرية للاتصالات في العقبة"
    # the whole article paragraph (S4) that the PoP's quote sits in
    assert v.sentence is not None and v.sentence.startswith("كما تم استعراض آخر التطورات")
    assert "نقطة تواجد الشركة المصرية للاتصالات فى مدينة العقبة الأردنية" in v.sentence
    text = report.to_text()
    assert "Telecom Egypt point of presence in Aqaba" in text and "kg:operator" in text
    assert json.loads(report.to_json())["violations"][0]["path"] == "kg:operator"
    assert (None, RDF.type, SH.ValidationReport) in report.graph


def test_one_english_message_per_constraint_and_its_arabic_in_the_translation_file():
    """Apache Jena SHACL refuses two sh:message on one constraint: the shapes hold one (English), every shape and
    SPARQL constraint has an IRI, and ontology/ictkg.shapes-messages.ttl holds its Arabic message."""
    from rdflib import BNode, Graph, Literal

    from kg import resources

    shapes = shapes_graph()
    translations = Graph().parse(data=resources.shape_messages_file().read_bytes(), format="turtle")
    for shape in set(shapes.subjects(SH.message, None)):
        messages = list(shapes.objects(shape, SH.message))
        assert len(messages) == 1 and messages[0].language == "en", (shape, messages)
        assert isinstance(shape, URIRef), f"a constraint with a message but no IRI: {shape}"
        arabic = [m for m in translations.objects(shape, SH.message) if isinstance(m, Literal) and m.language == "ar"]
        assert len(arabic) == 1 and any("\u0600" <= ch <= "\u06ff" for ch in arabic[0]), shape
    for kind in (SH.property, SH.sparql):
        assert not [o for o in shapes.objects(None, kind) if isinstance(o, BNode)], f"an anonymous {kind}"
    assert set(translations.subjects()) <= set(shapes.subjects(SH.message, None))


@pytest.mark.parametrize("update", [
    # an organisation's country is not forced, and it may have several
    ("DELETE WHERE { <https://w3id.org/ict-coop-kg/id/organization/telecom-egypt> "
     "<https://w3id.org/ict-coop-kg/ontology#homeCountry> ?c }"),
    ("INSERT DATA { <https://w3id.org/ict-coop-kg/id/organization/telecom-egypt> "
     "<https://w3id.org/ict-coop-kg/ontology#homeCountry> <https://w3id.org/ict-coop-kg/id/country/JO> }"),
])
def test_what_the_text_does_not_say_is_not_forced(update: str, asserted: Graph):
    report = validate_graph(broken_copy(asserted, update))
    assert report.conforms, report.to_text()


def test_the_report_as_turtle_is_the_same_text_for_the_same_violations(asserted: Graph):
    """Every fact of the seed article loses its quotations: one result per fact, each a blank node with a new
    label at each validation. The Turtle written (``validation.ttl`` of a build) is the same text both times, and
    the same graph as the report."""
    from rdflib.compare import isomorphic

    broken = broken_copy(asserted, "DELETE WHERE { ?fact <https://w3id.org/ict-coop-kg/ontology#evidence> ?q }")
    first, second = validate_graph(broken), validate_graph(broken)
    assert len(first.violations) > 10
    assert set(first.graph.subjects(RDF.type, SH.ValidationResult)).isdisjoint(
        second.graph.subjects(RDF.type, SH.ValidationResult))  # each validation labels its own blank nodes
    assert first.to_turtle() == second.to_turtle()
    assert isomorphic(Graph().parse(data=first.to_turtle(), format="turtle"), first.graph)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_the_report_graph_holds_the_violation_queries_results(tmp_path: Path, engine: str):
    """A build whose only violations come from the *-violation queries (here an undeclared property) wrote
    validation.ttl as "sh:conforms true" with no result, while its exit code, validation.json and manifest said
    it did not conform: a tool reading the standard report was told the data was fine."""
    import shutil

    from rdflib import Literal

    from kg import resources
    from kg.namespaces import QUERY

    data = tmp_path / "data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    article = next((data / "articles").iterdir()) / "article.ttl"
    text = article.read_text(encoding="utf-8")
    assert "    kg:about kgc:telecommunications ;" in text
    article.write_text(text.replace("    kg:about kgc:telecommunications ;",
                                    "    kg:about kgc:telecommunications ; kg:attendde person:amr-talaat ;", 1),
                       encoding="utf-8")
    g = KnowledgeGraph.build(data, engine=engine)
    report = g.validate()
    assert not report.conforms and report.violations
    assert {v.constraint for v in report.violations} == {"query:undeclared-term-violation"}
    graph = Graph().parse(data=report.to_turtle(), format="turtle")
    (node,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(node, SH.conforms) == Literal(False)
    results = list(graph.objects(node, SH.result))
    assert len(results) == len(report.violations)
    for result in results:
        assert graph.value(result, SH.sourceShape) == QUERY["undeclared-term-violation"]
        assert graph.value(result, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
        assert graph.value(result, SH.value) == URIRef("https://w3id.org/ict-coop-kg/ontology#attendde")
    assert {str(graph.value(r, SH.focusNode)) for r in results} == {v.focus for v in report.violations}
