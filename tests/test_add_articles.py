"""Articles added to a knowledge graph held in memory (KnowledgeGraph.add_articles).

The result must be what building all the articles together gives: the same named graphs (compared by isomorphism)
and the same validation report. Articles: tests/fixtures/domain/ and, for ones that break a shape or a violation
query on a node of an earlier article, tests/fixtures/increment/ (its README.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg import KnowledgeGraph
from kg.errors import InputError
from tests.conftest import assert_isomorphic, count_whole_rule_runs, record_restricted_queries, write_note_article

FIXTURES = Path(__file__).parent / "fixtures"
DOMAIN = FIXTURES / "domain" / "data"
INCREMENT = FIXTURES / "increment"
NEEDED = {"dom-en-cable"}
"""The domain article the others' graph does not conform without (a later article refers to what it describes)."""
ADDABLE = sorted(p.name for p in (DOMAIN / "articles").iterdir() if p.is_dir() and p.name not in NEEDED)


def _split(tmp_path: Path, article: str) -> tuple[Path, Path]:
    """A copy of the domain data without ``article``, and that article's folder (outside it)."""
    data, held = _split_several(tmp_path, article)
    return data, held / article


def _split_several(tmp_path: Path, *articles: str) -> tuple[Path, Path]:
    """A copy of the domain data without ``articles``, and the folder holding them (outside it)."""
    data = tmp_path / "data"
    shutil.copytree(DOMAIN, data)
    held = tmp_path / "held"
    held.mkdir()
    for name in articles:
        shutil.move(data / "articles" / name, held / name)
    return data, held


def _whole(data: Path, *added: Path, **options) -> KnowledgeGraph:
    """A build of ``data`` with ``added`` put back into its articles folder, validated."""
    for folder in added:
        shutil.copytree(folder, data / "articles" / folder.name)
    return KnowledgeGraph.build(data, validate=True, **options)


def _violations(kg: KnowledgeGraph) -> list[tuple]:
    return sorted((v.focus, v.constraint, v.path, v.value) for v in kg.report.violations)


def assert_as_built_together(kg: KnowledgeGraph, whole: KnowledgeGraph, *, articles: bool = True) -> None:
    assert kg.graphs.names() == whole.graphs.names()
    for name in whole.graphs.names():
        assert_isomorphic(whole.graphs.rdflib_graph(name), kg.graphs.rdflib_graph(name))
    assert kg.report.conforms == whole.report.conforms
    assert _violations(kg) == _violations(whole)
    if articles:  # in the order a build lists them (what its manifest records)
        assert [a.id for a in kg.articles] == [a.id for a in whole.articles]
        assert [a.inputs for a in kg.articles] == [a.inputs for a in whole.articles]


@pytest.mark.parametrize("article", ADDABLE)
def test_an_added_article_gives_what_building_all_the_articles_together_gives(
        article: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):

    data, held = _split(tmp_path, article)
    kg = KnowledgeGraph.build(data, validate=True)
    assert kg.report.conforms
    whole_runs = count_whole_rule_runs(monkeypatch)
    stages: list[str] = []
    added = kg.add_articles([held], progress=stages.append)
    assert whole_runs == []  # the rules ran from the added article's triples only
    monkeypatch.undo()
    assert added.articles == [article] and added.restricted
    assert "validating (SHACL: what the added articles can change)" in stages
    assert added.report is kg.report
    assert_as_built_together(kg, _whole(data, held))


def test_a_violation_an_added_article_makes_on_an_earlier_node_is_found(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DOMAIN, data)
    kg = KnowledgeGraph.build(data, validate=True)
    added = kg.add_articles([INCREMENT / "dom-en-cable-update"])
    assert added.restricted and not added.report.conforms
    # the cable of dom-en-cable now has two ready-for-service dates (the update's words give the second)
    assert [(v.focus, v.path) for v in added.report.violations] == [
        ("https://w3id.org/ict-coop-kg/id/infrastructure/taba-aqaba-cable", "kg:readyForService")]
    assert_as_built_together(kg, _whole(data, INCREMENT / "dom-en-cable-update"))


def test_a_violation_query_row_an_added_article_makes_on_an_earlier_node_is_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):

    data = tmp_path / "data"
    shutil.copytree(DOMAIN, data)
    kg = KnowledgeGraph.build(data, validate=True)
    restricted = record_restricted_queries(monkeypatch)
    added = kg.add_articles([INCREMENT / "dom-en-cable-typo"])
    assert restricted and all(restricted)  # every violation query ran for some nodes only
    monkeypatch.undo()
    assert [(v.focus, v.constraint, v.value) for v in added.report.violations] == [
        ("https://w3id.org/ict-coop-kg/id/infrastructure/taba-aqaba-cable", "query:undeclared-term-violation",
         "kg:lenghtKm")]
    assert_as_built_together(kg, _whole(data, INCREMENT / "dom-en-cable-typo"))


def test_an_added_article_asserting_earlier_inferences_moves_them_out_of_the_inferences(tmp_path: Path):
    import pyoxigraph as ox

    from kg.namespaces import INFERRED_GRAPH

    cable = ox.NamedNode("https://w3id.org/ict-coop-kg/id/infrastructure/taba-aqaba-cable")
    kind = ox.Triple(cable, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                     ox.NamedNode("https://w3id.org/ict-coop-kg/ontology#CableSystem"))
    data = tmp_path / "data"
    shutil.copytree(DOMAIN, data)
    kg = KnowledgeGraph.build(data, validate=True)
    assert kind in kg.graphs.triples(INFERRED_GRAPH)  # inferred while no article states it
    kg.add_articles([INCREMENT / "dom-en-cable-kind"])
    assert kind not in kg.graphs.triples(INFERRED_GRAPH)
    assert_as_built_together(kg, _whole(data, INCREMENT / "dom-en-cable-kind"))


def test_after_a_graph_that_did_not_conform_everything_is_validated(tmp_path: Path):
    data, held = _split(tmp_path, "dom-en-datacentre")
    shutil.copytree(INCREMENT / "dom-en-cable-update", data / "articles" / "dom-en-cable-update")
    kg = KnowledgeGraph.build(data, validate=True)
    assert not kg.report.conforms
    stages: list[str] = []
    added = kg.add_articles([held], progress=stages.append)
    assert not added.restricted and "validating (SHACL)" in stages
    assert_as_built_together(kg, _whole(data, held))


def test_several_articles_added_at_once_and_one_after_another(tmp_path: Path):
    data, held = _split_several(tmp_path, "dom-en-datacentre", "dom-ar-mou")
    kg = KnowledgeGraph.build(data, validate=True)
    assert kg.add_articles([held / "dom-en-datacentre", held / "dom-ar-mou"]).articles == [
        "dom-en-datacentre", "dom-ar-mou"]
    kg.add_articles([INCREMENT / "dom-en-cable-typo"])
    assert_as_built_together(kg, _whole(data, held / "dom-en-datacentre", held / "dom-ar-mou",
                                        INCREMENT / "dom-en-cable-typo"))


def test_the_query_store_takes_the_added_triples_and_answers_as_a_build_of_them_all(tmp_path: Path):
    data, held = _split(tmp_path, "dom-ar-mou")
    kg = KnowledgeGraph.build(data, validate=True)
    kg.query("infrastructure-links")
    store = kg.query_store
    kg.lookup_index, kg.asserted_classes  # noqa: B018  views made before the article is added
    kg.add_articles([held])
    assert kg.query_store is store  # kept, with the added triples and the new inferences, not made again
    whole = _whole(data, held)
    for name in ("infrastructure-links", "who-met-whom", "organisation-services", "cross-border-presence"):
        rows = sorted(map(repr, kg.query(name).rows))
        assert rows == sorted(map(repr, whole.query(name).rows)), name
    assert len(kg.query_store) == len(whole.query_store)
    assert kg.asserted_classes == whole.asserted_classes
    assert kg.stats().classes == whole.stats().classes
    assert {e.iri for e in kg.lookup_index.entities} == {e.iri for e in whole.lookup_index.entities}


def test_a_graph_never_validated_is_reasoned_and_not_validated(tmp_path: Path):
    data, held = _split(tmp_path, "dom-en-datacentre")
    kg = KnowledgeGraph.build(data)
    added = kg.add_articles([held])
    assert added.report is None and kg.report is None
    whole = _whole(data, held)
    for name in whole.graphs.names():
        assert_isomorphic(whole.graphs.rdflib_graph(name), kg.graphs.rdflib_graph(name))


@pytest.mark.parametrize("how", ["reference engine", "rdflib dataset"])
def test_where_the_stages_cannot_build_on_what_is_held_they_run_over_everything(how: str, tmp_path: Path):
    data, held = _split(tmp_path, "dom-en-datacentre")
    options = {"engine": "reference"} if how == "reference engine" else {}
    kg = KnowledgeGraph.build(data, validate=True, **options)
    if how == "rdflib dataset":
        kg.dataset  # noqa: B018  the rdflib dataset is now the master copy
    added = kg.add_articles([held])
    assert not added.restricted and added.report.conforms
    assert_as_built_together(kg, _whole(data, held, **options))


def _state(kg: KnowledgeGraph) -> tuple:
    return kg.graphs.sizes(), [a.id for a in kg.articles], kg.report.conforms


@pytest.mark.parametrize("case", ["held already", "given twice", "no such folder", "a file", "bad turtle",
                                  "quote not found", "link out of the folder"])
def test_an_article_that_cannot_be_added_is_an_error_naming_it_and_nothing_changes(case: str, tmp_path: Path):
    data, held = _split(tmp_path, "dom-en-datacentre")
    kg = KnowledgeGraph.build(data, validate=True)
    before = _state(kg)
    folders = [held]
    if case == "held already":
        folders = [data / "articles" / "dom-ar-mou", held]
    elif case == "given twice":
        folders = [held, held]
    elif case == "no such folder":
        folders = [held, tmp_path / "nope"]
    elif case == "a file":
        folders = [held, held / "article.txt"]
    elif case == "link out of the folder":
        outside = tmp_path / "elsewhere.txt"
        outside.write_bytes((held / "article.txt").read_bytes())
        (held / "article.txt").unlink()
        (held / "article.txt").symlink_to(outside)
    elif case == "bad turtle":
        (held / "article.ttl").write_text((held / "article.ttl").read_text(encoding="utf-8") + "\n<a> <b> .\n",
                                          encoding="utf-8")
    else:
        ttl = (held / "article.ttl").read_text(encoding="utf-8")
        (held / "article.ttl").write_text(ttl.replace('kg:quote "', 'kg:quote "words no article holds ', 1),
                                          encoding="utf-8")
    with pytest.raises(InputError) as raised:
        kg.add_articles(folders)
    message = str(raised.value)
    expected = {"held already": "dom-ar-mou", "given twice": "dom-en-datacentre: given twice",
                "no such folder": "nope: article",
                "a file": "article.txt: not a folder", "link out of the folder": "symbolic link",
                "bad turtle": "article.ttl", "quote not found": "article.txt"}[case]
    assert expected in message, message
    assert _state(kg) == before


def test_an_added_article_is_taken_from_the_article_cache_the_next_time(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    from kg import load

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    data, held = _split(tmp_path, "dom-en-datacentre")
    assembled: list[str] = []
    assemble = load._assemble_here

    def spy(reference, item, terms, cache):  # type: ignore[no-untyped-def]
        assembled.append(item.article.id)
        return assemble(reference, item, terms, cache)

    monkeypatch.setattr(load, "_assemble_here", spy)
    KnowledgeGraph.build(data).add_articles([held])
    assert assembled.count("dom-en-datacentre") == 1
    again = KnowledgeGraph.build(data, validate=True)
    again.add_articles([held])
    assert assembled.count("dom-en-datacentre") == 1  # the second time, from the cache
    assert_as_built_together(again, _whole(data, held))


def test_an_article_added_to_a_build_loaded_from_its_folder(tmp_path: Path):
    data, held = _split(tmp_path, "dom-en-datacentre")
    KnowledgeGraph.build_to(tmp_path / "build", data)
    kg = KnowledgeGraph.load(tmp_path / "build")
    assert kg.validate().conforms
    added = kg.add_articles([held])
    assert added.restricted and added.articles == ["dom-en-datacentre"]
    # (a build read from its folder lists no articles of its own: its graphs are what it holds)
    assert_as_built_together(kg, _whole(data, held), articles=False)


def test_after_inferences_that_made_two_nodes_one_an_added_article_is_reasoned_over_everything(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A functional property's two values make two nodes one (owl:sameAs among the inferences, not in the data): the
    equality rules rewrite every triple, so the rules cannot run from the next article's triples alone."""
    import pyoxigraph as ox

    from kg.namespaces import INFERRED_GRAPH

    data, held = _split(tmp_path, "dom-ar-mou")
    kg = KnowledgeGraph.build(data, validate=True)
    kg.add_articles([INCREMENT / "dom-en-taba-misreport"])
    same = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
    assert any(t.predicate == same and t.subject != t.object for t in kg.graphs.triples(INFERRED_GRAPH))
    whole_runs = count_whole_rule_runs(monkeypatch)
    added = kg.add_articles([held])
    assert whole_runs == [1] and not added.restricted
    monkeypatch.undo()
    assert_as_built_together(kg, _whole(data, held, INCREMENT / "dom-en-taba-misreport"))


def test_articles_added_from_two_threads_at_once_are_added_one_after_the_other(tmp_path: Path):
    import threading

    data, held = _split_several(tmp_path, "dom-en-datacentre", "dom-ar-mou")
    kg = KnowledgeGraph.build(data, validate=True)
    errors: list[BaseException] = []

    def add(folder: Path) -> None:
        try:
            kg.add_articles([folder])
        except BaseException as exc:  # noqa: BLE001  reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(held / name,)) for name in ("dom-en-datacentre", "dom-ar-mou")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_as_built_together(kg, _whole(data, held / "dom-en-datacentre", held / "dom-ar-mou"))


def test_an_article_added_to_a_build_loaded_with_its_kept_query_store(tmp_path: Path):
    """The kept on-disk query store is opened read-only: it is let go of, and the next query reads the graphs."""
    data, held = _split(tmp_path, "dom-en-datacentre")
    KnowledgeGraph.build_to(tmp_path / "build", data)
    kg = KnowledgeGraph.load(tmp_path / "build", query_store="disk")
    kg.sparql("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")  # the kept store opened
    assert kg.validate().conforms
    kg.add_articles([held])
    whole = _whole(data, held)
    assert_as_built_together(kg, whole, articles=False)
    for name in ("infrastructure-links", "organisation-services"):
        assert sorted(map(repr, kg.query(name).rows)) == sorted(map(repr, whole.query(name).rows)), name


def test_an_article_added_after_the_rdflib_dataset_became_the_master_copy_keeps_its_inputs(tmp_path: Path):
    data, held = _split(tmp_path, "dom-en-datacentre")
    kg = KnowledgeGraph.build(data, validate=True)
    kg.dataset  # noqa: B018  the rdflib dataset is now the master copy
    kg.add_articles([held])
    assert_as_built_together(kg, _whole(data, held))  # the articles' input digests too


def _note_article(folder: Path, article_id: str, value: str) -> Path:
    """A short article (written for this test) giving the Aqaba Digital Hub's inauguration a ``kg:startDate`` of
    ``value``."""
    text = "A note for the tests: the Aqaba Digital Hub opened in December 2022."
    return write_note_article(folder, article_id, text, f"""event:aqaba-digital-hub-inauguration kg:startDate {value} ;
    kg:quote "the Aqaba Digital Hub opened in December 2022"@en .
""")


def test_a_triple_held_in_another_lexical_form_of_its_literal_counts_as_added(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch):
    """``"2022.50"^^xsd:decimal`` and ``"2022.5"`` are one term in Oxigraph's store and two as written (an odd
    datatype for a date, which kg:startDate's range allows). The later article's triple is new: its
    schema:startDate (kg:startDate's super-property) is inferred as written, by rules run from the added triples,
    as a build of both infers it."""
    from kg.namespaces import INFERRED_GRAPH

    data = tmp_path / "data"
    shutil.copytree(DOMAIN, data)
    _note_article(data / "articles", "lit-earlier", '"2022.5"^^xsd:decimal')
    later = _note_article(tmp_path / "held", "lit-later", '"2022.50"^^xsd:decimal')
    kg = KnowledgeGraph.build(data, validate=True)
    whole_runs = count_whole_rule_runs(monkeypatch)
    kg.add_articles([later])
    assert whole_runs == []
    starts = sorted(str(t.object) for t in kg.graphs.triples(INFERRED_GRAPH)
                    if t.predicate.value == "https://schema.org/startDate" and "aqaba-digital-hub" in t.subject.value)
    assert '"2022.50"^^<http://www.w3.org/2001/XMLSchema#decimal>' in starts
    monkeypatch.undo()
    assert_as_built_together(kg, _whole(data, later))
