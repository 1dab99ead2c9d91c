"""``kg docs``: the ontology documentation page. Expected values are read from the packaged ontology, shapes and
queries (the sources the page documents), so the tests follow the ontology as it changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH, SKOS

from kg import resources
from kg.fsutil import OUTPUT_MARKER
from kg.namespaces import KG, KGC
from kg.query import list_queries
from kg.web.docs import render_docs, write_docs

from .conftest import run_kg
from .test_web import Tree


@pytest.fixture(scope="module")
def onto() -> Graph:
    """What the page documents: the ontology and its concept schemes (ontology/ictkg.schemes.ttl)."""
    g = Graph()
    for f in resources.ontology_files():
        g.parse(data=f.read_bytes(), format="turtle")
    return g


@pytest.fixture(scope="module")
def shapes() -> Graph:
    g = Graph()
    for f in resources.shapes_files():
        g.parse(data=f.read_bytes(), format="turtle")
    return g


@pytest.fixture(scope="module")
def page() -> Tree:
    return Tree(render_docs())


def _section(page: Tree, iri: URIRef) -> dict:
    found = [n for n in page.all if n["tag"] == "section" and n["attrs"].get("data-iri") == str(iri)]
    assert found, f"no section for {iri}"
    return found[0]


def test_header_is_the_ontology_not_a_concept_scheme(page: Tree, onto: Graph) -> None:
    (iri,) = set(onto.subjects(RDF.type, OWL.Ontology))
    assert Tree.text(page.find("code", class_="ontology-iri")[0]) == str(iri)
    assert Tree.text(page.find("dd", class_="version")[0]) == str(onto.value(iri, OWL.versionInfo))
    assert Tree.text(page.find("code", class_="version-iri")[0]) == str(onto.value(iri, OWL.versionIRI))
    header = page.find("header", class_="ontology")[0]
    titles = {(n["attrs"]["lang"], n["attrs"]["dir"], Tree.text(n)) for n in page.all
              if n["tag"] == "h1" and Tree.inside(n, header)}
    from rdflib.namespace import DCTERMS

    expected = {(t.language, "rtl" if t.language == "ar" else "ltr", str(t)) for t in onto.objects(iri, DCTERMS.title)}
    assert titles == expected and len(expected) == 2
    assert Tree.text(page.find("title")[0]) == str(next(t for t in onto.objects(iri, DCTERMS.title)
                                                         if t.language == "en"))


def test_every_term_with_labels_and_definitions_in_their_language(page: Tree, onto: Graph) -> None:
    terms = [s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in onto.subjects(RDF.type, kind)
             if str(s).startswith(str(KG._NS))]
    assert len(terms) > 60
    for term in terms:
        section = _section(page, term)
        texts = {(n["attrs"].get("lang"), n["attrs"].get("dir"), Tree.text(n)) for n in page.all
                 if Tree.inside(n, section) and n["tag"] in ("span", "p") and "lang" in n["attrs"]}
        for prop in (RDFS.label, SKOS.definition):
            for value in onto.objects(term, prop):
                assert isinstance(value, Literal) and value.language in ("en", "ar"), (term, value)
                want = (value.language, "rtl" if value.language == "ar" else "ltr", str(value))
                assert want in texts, (term, prop, value)


def test_domains_ranges_and_superclasses_link(page: Tree, onto: Graph) -> None:
    for prop in (RDFS.domain, RDFS.range, RDFS.subClassOf, RDFS.subPropertyOf):
        for s, o in onto.subject_objects(prop):
            if not (isinstance(o, URIRef) and str(s).startswith(str(KG._NS))):
                continue
            section = _section(page, s)  # type: ignore[arg-type]
            links = {n["attrs"]["href"] for n in page.all if n["tag"] == "a" and Tree.inside(n, section)}
            target = f"#kg-{str(o)[len(str(KG._NS)):]}" if str(o).startswith(str(KG._NS)) else str(o)
            assert target in links, (s, prop, o)


def test_shapes_that_constrain_a_term(page: Tree, shapes: Graph) -> None:
    # every class a node shape targets, and every property a property shape constrains, lists that shape
    for shape, cls in shapes.subject_objects(SH.targetClass):
        if not str(cls).startswith(str(KG._NS)):
            continue
        section = _section(page, cls)  # type: ignore[arg-type]
        names = {Tree.text(n) for n in page.all if n["tag"] == "code" and Tree.inside(n, section)}
        assert re.split(r"[#/]", str(shape))[-1] in names, (shape, cls)
    for shape, prop_shape in shapes.subject_objects(SH.property):
        path = shapes.value(prop_shape, SH.path)
        if isinstance(path, URIRef) and str(path).startswith(str(KG._NS)):
            section = _section(page, path)
            names = {Tree.text(n) for n in page.all if n["tag"] == "code" and Tree.inside(n, section)}
            assert re.split(r"[#/]", str(shape))[-1] in names, (shape, path)


def test_queries_that_use_a_term(page: Tree) -> None:
    uses: dict[str, set[str]] = {}
    for q in list_queries():
        body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("#"))
        for local in re.findall(r"\bkg:([A-Za-z][A-Za-z0-9_]*)", body):
            uses.setdefault(local, set()).add(q.name)
    assert uses.get("operator"), "some packaged query uses kg:operator"
    for local, names in uses.items():
        section = _section(page, KG._NS[local])
        linked = {n["attrs"]["href"] for n in page.all if n["tag"] == "a" and Tree.inside(n, section)}
        assert {f"#query-{n}" for n in names} <= linked, local
    for q in list_queries():
        assert page.find("section", id=f"query-{q.name}")


def test_concept_schemes_list_their_concepts(page: Tree, onto: Graph) -> None:
    schemes = set(onto.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes
    for scheme in schemes:
        section = _section(page, scheme)  # type: ignore[arg-type]
        members = set(onto.subjects(SKOS.inScheme, scheme)) | set(onto.subjects(SKOS.topConceptOf, scheme))
        assert members
        for concept in members:
            inner = _section(page, concept)  # type: ignore[arg-type]
            listed = any(n["tag"] == "a" and n["attrs"].get("href") == f"#{inner['attrs']['id']}" and Tree.inside(n, section)
                         for n in page.all)
            assert Tree.inside(inner, section) or listed, (concept, scheme)  # documented once, listed by later schemes
            assert str(concept).startswith(str(KGC._NS))
    ids = [n["attrs"]["id"] for n in page.all if "id" in n["attrs"]]
    assert len(ids) == len(set(ids)), "duplicate ids"


def test_kg_docs_writes_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    result = run_kg("docs", "--out", out, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == sorted(["index.html", "docs.css",
                                                            *(f.name for f in resources.ontology_files()),
                                                            *(f.name for f in resources.shapes_files()),
                                                            OUTPUT_MARKER])
    assert (out / resources.SCHEMES_FILE).read_bytes() == resources.schemes_file().read_bytes()
    assert (out / resources.ONTOLOGY_FILE).read_bytes() == resources.ontology_file().read_bytes()
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en" dir="ltr">' in html


def test_kg_docs_unwritable_output_is_exit_4_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_kg("docs", "--out", blocker / "docs", cwd=tmp_path, timeout=120)
    assert result.returncode == 4, result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    assert blocker.read_text() == "not a folder"


def test_write_docs_replaces_a_previous_folder_whole(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    write_docs(out)
    (out / "stale.html").write_text("old")  # a folder kg wrote is replaced whole
    write_docs(out)
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()
