"""Answers kept with a build (kg.answers): each packaged query's answer without parameters, computed by the build
and read back by later queries instead of running them.

The oracle is the query itself: every kept answer must be exactly what running the query on the loaded build
gives (SPARQL JSON, row for row), on every fixture data set that has answers of many kinds.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import pyoxigraph as ox
from rdflib import Literal

from kg import KnowledgeGraph, answers
from kg import query as q
from kg.errors import QueryError
from kg.namespaces import INFERRED_GRAPH

from .conftest import WEB_FIXTURE, invoke

FIXTURES = Path(__file__).parent / "fixtures"
DATA_SETS = {"domain": FIXTURES / "domain" / "data", "factmodel": FIXTURES / "factmodel" / "data",
             "web": WEB_FIXTURE}


@pytest.fixture(scope="module", params=sorted(DATA_SETS))
def fixture_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each fixture data set built as ``kg build`` builds it (validation beside the writing), once per module."""
    out = tmp_path_factory.mktemp(f"answers-{request.param}") / "build"
    KnowledgeGraph.build_to(out, DATA_SETS[request.param])
    return out


def _manifest(build: Path) -> dict:
    return json.loads((build / "manifest.json").read_text(encoding="utf-8"))


def _refuse_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every way a loaded build runs a query fail, so that only a kept answer can answer."""
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the query was run")

    monkeypatch.setattr(q, "run_oxigraph", refuse)
    monkeypatch.setattr(q, "run_local", refuse)


def _assert_it_runs(monkeypatch: pytest.MonkeyPatch, ask: Callable[[], object]) -> None:
    """``ask()`` runs its query (no kept answer answers it)."""
    _refuse_to_run(monkeypatch)
    with pytest.raises(AssertionError, match="the query was run"):
        ask()


def _copy(build_dir: Path, tmp_path: Path) -> Path:
    """A copy of a build folder, to change."""
    build = tmp_path / "build"
    shutil.copytree(build_dir, build)
    return build


def test_every_kept_answer_is_what_running_its_query_gives(fixture_build: Path) -> None:
    kept_names = {p.name for p in answers.kept_queries()}
    manifest = _manifest(fixture_build)
    assert set(manifest[answers.MANIFEST_KEY]) == kept_names
    assert {answers.file_name(n) for n in kept_names} <= set(manifest["files"])
    kg = KnowledgeGraph.load(fixture_build)
    on_disk_kg = KnowledgeGraph.load(fixture_build, query_store="disk")
    rows = 0
    for packaged in answers.kept_queries():
        assert answers.read(answers.kept_by(fixture_build), packaged.text) is not None, packaged.name
        kept, ran = kg.query(packaged.name), kg.query(packaged.name, live=True)
        on_disk = on_disk_kg.query(packaged.name, live=True)  # where kg query runs on a large build
        assert kept.variables == ran.variables, packaged.name
        assert kept.to_json() == ran.to_json() == on_disk.to_json(), packaged.name
        assert kept.rows == ran.rows, packaged.name
        rows += len(ran)
    assert kg.notes == []
    assert rows > 10  # the fixtures answer most queries: this compares answers, not empty tables


def test_a_kept_answer_answers_without_running_and_a_parameter_runs(build_dir: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    kg = KnowledgeGraph.load(build_dir)
    ran = kg.query("who-met-whom", live=True)
    jordan = kg.query("who-met-whom", country="JO", live=True)
    assert len(ran) > 0 and len(jordan) > 0
    _refuse_to_run(monkeypatch)
    assert kg.query("who-met-whom").to_json() == ran.to_json()
    with pytest.raises(AssertionError, match="the query was run"):
        kg.query("who-met-whom", country="JO")  # with a parameter the answer is not the kept one
    with pytest.raises(AssertionError, match="the query was run"):
        kg.query("who-met-whom", live=True)
    text = q.get_query("who-met-whom").text
    with pytest.raises(AssertionError, match="the query was run"):
        kg.run_query(text + "\n# another text\n")  # a text the build did not keep an answer for


def test_a_built_graph_not_loaded_from_its_folder_runs_its_queries(built: KnowledgeGraph,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_it_runs(monkeypatch, lambda: built.query("who-met-whom"))


def test_a_graph_changed_after_loading_runs_its_queries(build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kg = KnowledgeGraph.load(build_dir)
    kg.replace_graph(INFERRED_GRAPH, [])  # no longer what the build answered
    _assert_it_runs(monkeypatch, lambda: kg.query("who-met-whom"))


@pytest.mark.parametrize("damage", ["cut short", "one byte changed", "missing", "a folder"])
def test_an_answer_file_not_as_written_is_not_used(build_dir: Path, tmp_path: Path, damage: str) -> None:
    build = _copy(build_dir, tmp_path)
    ran = KnowledgeGraph.load(build).query("who-met-whom", live=True)
    path = build / answers.file_name("who-met-whom")
    data = path.read_bytes()
    if damage == "cut short":
        path.write_bytes(data[:-10])
    elif damage == "one byte changed":  # still JSON, the same size: only the file's hash tells
        at = data.index(b"Jordan") if b"Jordan" in data else data.index(b'"i","') + 5
        path.write_bytes(data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1:])
    elif damage == "missing":
        path.unlink()
    else:
        path.unlink()
        path.mkdir()
    kg = KnowledgeGraph.load(build)
    result = kg.query("who-met-whom")
    assert result.to_json() == ran.to_json()
    assert len(kg.notes) == 1 and "who-met-whom" in kg.notes[0] and "the query was run instead" in kg.notes[0]


def test_a_build_whose_triples_changed_runs_its_queries_and_says_so(build_dir: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    build = _copy(build_dir, tmp_path)
    with (build / "dataset.trig").open("a", encoding="utf-8") as handle:
        handle.write("# edited after the build\n")  # the same triples: the answer must still come from them
    kg = KnowledgeGraph.load(build)
    ran = kg.query("agreements", live=True)
    assert kg.query("agreements").to_json() == ran.to_json()
    assert len(kg.notes) == 1 and "dataset.trig" in kg.notes[0] and "changed since the build" in kg.notes[0]
    _assert_it_runs(monkeypatch, lambda: kg.query("agreements"))


def test_an_answer_file_of_another_size_is_not_read(build_dir: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    build = _copy(build_dir, tmp_path)
    with (build / answers.file_name("agreements")).open("ab") as handle:
        handle.write(b" ")
    kg = KnowledgeGraph.load(build)
    assert kg.query("agreements").to_json() == kg.query("agreements", live=True).to_json()
    assert len(kg.notes) == 1 and "bytes, where the build wrote" in kg.notes[0]
    read = []
    real = answers.decode
    monkeypatch.setattr(answers, "decode", lambda *a: read.append(1) or real(*a))
    kg.query("agreements")
    assert read == []  # refused on its size, before it was read


def test_a_build_written_over_the_folder_after_loading_is_not_taken_for_the_one_loaded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "build"
    KnowledgeGraph.build_to(out, DATA_SETS["domain"])
    kg = KnowledgeGraph.load(out)  # in memory: the domain fixture's graphs
    ran = kg.query("agreements", live=True)
    KnowledgeGraph.build_to(out, DATA_SETS["factmodel"])  # another build in the same folder
    result = kg.query("agreements")
    assert result.to_json() == ran.to_json()
    assert len(kg.notes) == 1 and "changed since the build" in kg.notes[0]


def test_a_query_that_fails_is_left_out_with_a_note_and_the_build_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.query import PackagedQuery

    broken = PackagedQuery(name="broken", text="SELECT ?x WHERE { ?x <urn:p> ?y } ORDER BY xsd:nope(?x)")
    kept_queries = answers.kept_queries
    monkeypatch.setattr(answers, "kept_queries", lambda: [*kept_queries(), broken])
    kg, written = KnowledgeGraph.build_to(tmp_path / "build", DATA_SETS["web"])
    assert written is not None and written.conforms
    noted = [n for n in kg.notes if n.startswith("broken: ")]
    assert len(noted) == 1 and "its answer was not kept (" in noted[0] and noted[0].endswith("it will run when asked")
    manifest = _manifest(tmp_path / "build")
    assert "broken" not in manifest[answers.MANIFEST_KEY] and "agreements" in manifest[answers.MANIFEST_KEY]


def test_graphs_changed_after_loading_run_their_queries(build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rdflib import URIRef

    kg = KnowledgeGraph.load(build_dir)
    article = next(n for n in kg.graphs.names() if "/article/" in str(n))
    kg.graphs.set_graph(URIRef(article), [])
    _assert_it_runs(monkeypatch, lambda: kg.query("agreements"))


def test_a_query_that_calls_now_is_not_kept(build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``stale-commitments`` counts months up to NOW() unless given as_of: its answer changes with the day."""
    stale = q.get_query("stale-commitments").text
    assert q.is_volatile(stale)
    assert "stale-commitments" not in {p.name for p in answers.kept_queries()}
    assert "stale-commitments" not in _manifest(build_dir)[answers.MANIFEST_KEY]
    assert not q.is_volatile('SELECT ("NOW()" AS ?x) WHERE { # NOW()\n ?now <urn:NOW> ?o }')
    assert q.is_volatile("SELECT (now ( ) AS ?x) WHERE {}") and q.is_volatile("SELECT (RAND() AS ?r) {}")
    kg = KnowledgeGraph.load(build_dir)
    _assert_it_runs(monkeypatch, lambda: kg.query("stale-commitments"))


def test_a_build_without_kept_answers_runs_its_queries(build_dir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    build = _copy(build_dir, tmp_path)
    manifest = _manifest(build)
    del manifest[answers.MANIFEST_KEY]  # as a build of an older kg
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    kg = KnowledgeGraph.load(build)
    _assert_it_runs(monkeypatch, lambda: kg.query("agreements"))
    assert kg.notes == []


def test_an_answer_kept_for_another_query_text_is_not_used(build_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A kg whose packaged query changed since the build runs the new text, rather than answer the old one."""
    build = _copy(build_dir, tmp_path)
    manifest = _manifest(build)
    manifest[answers.MANIFEST_KEY]["agreements"]["query"] = answers.query_key("SELECT * WHERE { ?s ?p ?o }")
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    _assert_it_runs(monkeypatch, lambda: KnowledgeGraph.load(build).query("agreements"))


def test_a_manifest_cannot_point_an_answer_outside_the_answers_folder(build_dir: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A manifest naming an answer ``../manifest`` (a JSON file beside the folder) is not followed: the query
    runs."""
    build = _copy(build_dir, tmp_path)
    text = q.get_query("agreements").text
    outside = build / "stolen.json"
    data = (build / answers.file_name("agreements")).read_bytes()
    outside.write_bytes(data)
    manifest = _manifest(build)
    manifest[answers.MANIFEST_KEY] = {"../stolen": {"query": answers.query_key(text),
                                                    "sha256": hashlib.sha256(data).hexdigest()}}
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert answers.read(answers.kept_by(build), text) is None
    _assert_it_runs(monkeypatch, lambda: KnowledgeGraph.load(build).query("agreements"))


def test_kg_query_prints_the_kept_answer_and_live_runs_the_query(workdir: Path) -> None:
    """Through the command: an answer file changed consistently (manifest and all) is what ``kg query`` prints,
    so the kept answer is what it reads; ``--live`` prints the query's own answer."""
    build = workdir / "build"
    live = invoke("query", "who-met-whom", "-f", "csv", "--live", cwd=workdir)
    assert live.code == 0, live.err
    assert len(live.stdout.decode("utf-8").splitlines()) > 2
    path = build / answers.file_name("who-met-whom")
    document = json.loads(path.read_bytes())
    document["rows"] = document["rows"][:1]
    data = (json.dumps(document, ensure_ascii=False) + "\n").encode("utf-8")
    path.write_bytes(data)
    manifest = _manifest(build)
    manifest[answers.MANIFEST_KEY]["who-met-whom"]["sha256"] = hashlib.sha256(data).hexdigest()
    manifest["sizes"][answers.file_name("who-met-whom")] = len(data)
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    kept = invoke("query", "who-met-whom", "-f", "csv", cwd=workdir)
    assert kept.code == 0, kept.err
    assert kept.stdout.decode("utf-8").splitlines() == live.stdout.decode("utf-8").splitlines()[:2]
    again = invoke("query", "who-met-whom", "-f", "csv", "--live", cwd=workdir)
    assert again.stdout == live.stdout


def test_the_store_answers_were_computed_in_is_not_kept_as_the_asserted_store(tmp_path: Path) -> None:
    """The answers are computed in validation's store with the inferences added: afterwards the graph's
    asserted store must hold asserted triples only."""
    kg, written = KnowledgeGraph.build_to(tmp_path / "build", FIXTURES / "domain" / "data", keep_store=True)
    assert written is not None and (tmp_path / "build" / answers.file_name("agreements")).is_file()
    inferred = kg.graphs.triples(INFERRED_GRAPH)
    assert inferred
    store = kg.asserted_store.store
    assert len(store) == len({(t.subject, t.predicate, t.object)
                              for name in kg.graphs.asserted_names() for t in kg.graphs.triples(name)})
    assert not any(ox.Quad(t.subject, t.predicate, t.object) in store for t in inferred)


def test_answers_are_computed_only_for_a_build_that_is_written(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is computed for a build that does not conform and is not written; with violations allowed, the
    build written keeps its answers."""
    import threading

    from kg import resources

    data = tmp_path / "data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    places = data / "reference" / "places.ttl"
    text = places.read_text(encoding="utf-8")
    broken = text.replace('    kg:inCountry country:JO ;\n    geo:lat "29.53194"', '    geo:lat "29.53194"')
    assert broken != text  # Aqaba without its country: kgsh:City-country fails
    places.write_text(broken, encoding="utf-8")
    computed: list[int] = []
    compute = answers.compute

    def spy(*args: object, **kwargs: object) -> dict[str, bytes]:
        computed.append(1)
        return compute(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(answers, "compute", spy)
    _kg, written = KnowledgeGraph.build_to(tmp_path / "build", data)
    for thread in threading.enumerate():
        if thread.name == "kg-answers":
            thread.join(timeout=60)
    assert written is None and computed == [] and not (tmp_path / "build").exists()
    _kg, written = KnowledgeGraph.build_to(tmp_path / "build", data, allow_violations=True)
    assert written is not None and not written.conforms and computed == [1]
    assert answers.read(answers.kept_by(tmp_path / "build"), q.get_query("agreements").text) is not None


def test_decode_refuses_what_encode_did_not_write() -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"),
                      ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
    store.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"),
                      ox.Literal("ق", language="ar")))
    text = "SELECT ?s ?o ?none WHERE { ?s ?p ?o } ORDER BY ?o"
    data = answers.encode("t", text, store.query(text))
    assert data is not None
    result = answers.decode(data, text)
    assert [str(r["o"]) for r in result.rows] == ["1", "ق"] and result.rows[1]["o"].language == "ar"
    assert all(r["none"] is None for r in result.rows)
    with pytest.raises(answers.AnswerUnusable, match="another query text"):
        answers.decode(data, text + " ")
    with pytest.raises(answers.AnswerUnusable, match="could not be read"):
        answers.decode(data[:-5], text)
    store.add(ox.Quad(ox.BlankNode("b"), ox.NamedNode("https://example.org/p"), ox.Literal("x")))
    assert answers.encode("t", text, store.query(text)) is None  # a blank node's label is the store's own
    assert answers.encode("t", "ASK { ?s ?p ?o }", store.query("ASK { ?s ?p ?o }")) is None


@pytest.mark.parametrize(("rows", "message"), [
    ([[1, 2], [2]], "one term number per variable"),          # a row too short
    ([[1, 2], [1, 2, 1]], "one term number per variable"),    # a row too long
    ([[1, 2], "12"], "one term number per variable"),         # a row that is not a list
    ({"1": 2}, "one term number per variable"),               # rows that are not a list
    ([[1, 2], [1, True]], "other than term numbers"),         # true is no term number
    ([[1, 2.0]], "other than term numbers"),
    ([[1, None]], "other than term numbers"),
    ([[1, -1]], "not there"),
    ([[1, 3]], "not there"),                                  # two terms: 3 names none
])
def test_decode_refuses_rows_that_do_not_name_its_terms(rows: object, message: str) -> None:
    text = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    document = {"format": answers.FORMAT, "name": "t", "query": answers.query_key(text), "variables": ["s", "o"],
                "terms": [["i", "https://example.org/a"], ["s", "x"]], "rows": [[1, 2], [2, 0]]}
    assert [(str(r["s"]), r["o"]) for r in answers.decode(json.dumps(document).encode(), text).rows] == \
        [("https://example.org/a", Literal("x")), ("x", None)]
    document["rows"] = rows
    with pytest.raises(answers.AnswerUnusable, match=message):
        answers.decode(json.dumps(document).encode(), text)


def test_only_packaged_queries_without_required_parameters_are_kept() -> None:
    kept = {p.name for p in answers.kept_queries()}
    every = q.list_queries()
    assert "describe-entity" not in kept and "who-met-whom" in kept
    assert kept == {p.name for p in every
                    if not p.name.endswith("-violation") and not any(x.required for x in p.parameters)
                    and "NOW()" not in p.text}
    with pytest.raises(QueryError):
        q.bind(q.get_query("describe-entity"), {})


def test_a_kept_answer_on_disk_reads_nothing_else(build_dir: Path, tmp_path: Path) -> None:
    """On the on-disk query store nothing of the build is read until needed: a kept answer answers even when
    ``dataset.trig`` is damaged (at the size the build wrote), where running the query reports the damage."""
    from kg.errors import KGError

    build = _copy(build_dir, tmp_path)
    expected = KnowledgeGraph.load(build).query("agreements", live=True)
    trig = (build / "dataset.trig").read_bytes()
    end = trig.index(b" .\n", len(trig) // 2)  # a statement's end, made a syntax error of the same size
    (build / "dataset.trig").write_bytes(trig[:end] + b"@@@" + trig[end + 3:])
    kg = KnowledgeGraph.load(build, query_store="disk")
    assert kg.query("agreements").to_json() == expected.to_json() and kg.notes == []
    with pytest.raises(KGError):
        KnowledgeGraph.load(build, query_store="memory")
