"""The engine is chosen once per build (``kg build --engine fast|reference``), and both engines write the same bytes.

The two engines reason and validate differently (Oxigraph rules and compiled shapes, or owlrl and pySHACL);
whatever they do, the written files and the violations must be the same. Built on the packaged seed and on
the web fixture (two short articles written for the tests, with reference cities).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Dataset

from kg.api import KnowledgeGraph
from kg.engine.store import (
    AssertedStore,
    FastEngine,
    ReferenceEngine,
    get_engine,
    serialize_sorted,
)
from kg.errors import InputError
from kg.namespaces import ONTOLOGY_GRAPH

from .conftest import WEB_FIXTURE, assert_isomorphic, invoke, tree_snapshot

WRITTEN = ("dataset.trig", "asserted.ttl", "inferred.ttl")
DATA = {"seed": None, "web-fixture": WEB_FIXTURE}


class Build(dict):
    """The build folder of each engine (``build["fast"]``), and what each build ran of owlrl and pySHACL."""

    calls: dict[str, list[str]]


@pytest.fixture(scope="module", params=sorted(DATA))
def builds(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The same data built by ``kg build --engine fast`` and ``--engine reference`` (output kept even when
    it does not conform, so that the violations are compared too), in this process, with a spy on owlrl's
    closure (the size of each graph it closed) and on pySHACL."""
    import owlrl
    import pyshacl

    data = DATA[request.param]
    folders, calls = Build(), {}
    expand, validate = owlrl.DeductiveClosure.expand, pyshacl.validate
    for engine in ("fast", "reference"):
        out = tmp_path_factory.mktemp(f"{request.param}-{engine}") / "build"
        args = ["build", "--engine", engine, "--out", out, "--allow-violations", "--quiet"]
        if data is not None:
            args += ["--data", data]
        seen: list[str] = []

        def spy_expand(self, graph, seen=seen):  # type: ignore[no-untyped-def]
            seen.append(f"owlrl {len(graph)}")
            return expand(self, graph)

        def spy_validate(*a, seen=seen, **kw):  # type: ignore[no-untyped-def]
            seen.append("pyshacl")
            return validate(*a, **kw)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(owlrl.DeductiveClosure, "expand", spy_expand)
            mp.setattr(pyshacl, "validate", spy_validate)
            result = invoke(*args, cwd=out.parent)
        assert result.code in (0, 1), result.err
        folders[engine], calls[engine] = out, seen
    folders.calls = calls
    return folders


@pytest.mark.parametrize("name", WRITTEN)
def test_both_engines_write_identical_bytes(builds: dict[str, Path], name: str):
    fast, reference = ((builds[e] / name).read_bytes() for e in ("fast", "reference"))
    assert fast == reference
    assert len(fast) > 1000


def test_both_engines_report_the_same_violations(builds: dict[str, Path]):
    fast, reference = (json.loads((builds[e] / "validation.json").read_text(encoding="utf-8"))
                       for e in ("fast", "reference"))
    assert fast == reference


def test_the_manifest_names_the_engine(builds: dict[str, Path]):
    for engine, folder in builds.items():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["engine"] == engine
        assert isinstance(manifest["fallbacks"], list)
        if engine == "reference":
            assert manifest["fallbacks"] == []


def test_written_files_load_back_to_the_same_dataset(builds: dict[str, Path]):
    folder = builds["fast"]
    loaded = KnowledgeGraph.load(folder)
    trig = Dataset()
    trig.parse(folder / "dataset.trig", format="trig")
    assert {str(g.identifier) for g in loaded.dataset.graphs() if len(g)} == \
        {str(g.identifier) for g in trig.graphs() if len(g)}
    assert_isomorphic(loaded.inferred, KnowledgeGraph.load(builds["reference"]).inferred)


@pytest.mark.parametrize("value", ["nope", "Fast-ish", ""])
def test_an_unknown_engine_is_exit_2_naming_it(tmp_path: Path, value: str):
    result = invoke("build", "--engine", value, "--out", tmp_path / "build", cwd=tmp_path)
    assert result.code == 2
    assert f"unknown engine {value!r}" in result.err
    assert "'fast'" in result.err and "'reference'" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "build").exists()


def test_kg_engine_setting_chooses_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    result = invoke("build", "--out", tmp_path / "build", cwd=tmp_path, env={"KG_ENGINE": "bogus"})
    assert result.code == 2 and "unknown engine 'bogus'" in result.err
    monkeypatch.setenv("KG_ENGINE", "reference")
    assert isinstance(get_engine(), ReferenceEngine)
    monkeypatch.delenv("KG_ENGINE")
    assert isinstance(get_engine(), FastEngine)  # the default
    with pytest.raises(InputError):
        KnowledgeGraph.build(engine="owlrl")


def test_reference_is_owlrl_and_pyshacl_and_fast_is_neither(builds: Build):
    """``--engine reference`` runs the slow path (owlrl's closure, pySHACL); ``fast`` runs neither unless it
    says it fell back."""
    ontology = len(KnowledgeGraph.load(builds["fast"]).dataset.graph(ONTOLOGY_GRAPH))
    reference, fast = builds.calls["reference"], builds.calls["fast"]
    closed = [int(c.split()[1]) for c in reference if c.startswith("owlrl")]
    assert any(size > ontology for size in closed)  # owlrl closed the whole asserted data
    assert "pyshacl" in reference
    # the rules engine may close the ontology alone with owlrl, never the data; no shape ran in pySHACL
    assert all(int(c.split()[1]) <= ontology for c in fast if c.startswith("owlrl"))
    assert "pyshacl" not in fast
    for engine in ("fast", "reference"):
        manifest = json.loads((builds[engine] / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["fallbacks"] == []


def test_violations_are_named_from_the_shared_store():
    """Labels and the source sentence of a violation come from the build's one store of asserted triples."""
    from rdflib import URIRef

    from kg.validate import _labels, _sentence

    kg = KnowledgeGraph.build(reason=False)
    store = kg.asserted_store
    assert isinstance(store, AssertedStore)
    talaat = URIRef("https://w3id.org/ict-coop-kg/id/person/amr-talaat")
    assert _labels(store, talaat) == {"ar": "عمرو طلعت", "en": "Amr Talaat"}
    talks = URIRef("https://w3id.org/ict-coop-kg/id/event/talaat-hanandeh-talks")
    sentence = _sentence(store, talks)
    assert sentence is not None and "عمرو طلعت" in sentence and "الهنانده" in sentence
    # a sourced fact has no label of its own: it is named by the node it is about
    fact = next(row["fact"] for row in store.select(
        "SELECT ?fact ?s WHERE { ?fact a <https://w3id.org/ict-coop-kg/ontology#Fact> ; "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s }", {"s": talks}))
    assert _labels(store, fact) == _labels(store, talks)
    assert "Talks" in _labels(store, talks)["en"]


def test_writing_sorts_groups_and_ignores_input_order():
    from rdflib import Literal, URIRef

    ex = "https://w3id.org/ict-coop-kg/id/x/"
    triples = [(URIRef(ex + "b"), URIRef(ex + "p"), Literal("2")), (URIRef(ex + "a"), URIRef(ex + "q"), Literal("ب")),
               (URIRef(ex + "a"), URIRef(ex + "p"), Literal("1", lang="en"))]
    forward = serialize_sorted([(None, triples)], "turtle")
    backward = serialize_sorted([(None, list(reversed(triples)))], "turtle")
    assert forward == backward
    text = forward.decode("utf-8")
    assert text.index(f"<{ex}a>") < text.index(f"<{ex}b>")
    assert text.count(f"<{ex}a>") == 1  # one subject, its triples grouped with ';'
    assert "ب" in text and "\\u" not in text
    prefixes = [line for line in text.splitlines() if line.startswith("@prefix")]
    assert prefixes == sorted(prefixes)


def test_a_wrong_engine_setting_does_not_stop_commands_that_do_not_reason(build_dir: Path, tmp_path: Path):
    """Only building and validating choose an engine: querying a build works whatever ``KG_ENGINE`` says, and
    ``kg validate --engine`` refuses an unknown name (exit 2) but runs either real one."""
    env = {"KG_ENGINE": "bogus"}
    assert invoke("stats", "--build", build_dir, cwd=tmp_path, env=env).code == 0
    assert invoke("query", "who-met-whom", "--build", build_dir, cwd=tmp_path, env=env).code == 0
    wrong = invoke("validate", "--build", build_dir, cwd=tmp_path, env=env)
    assert wrong.code == 2 and "unknown engine 'bogus'" in wrong.err
    for engine in ("fast", "reference"):
        result = invoke("validate", "--build", build_dir, "--engine", engine, "--format", "json", cwd=tmp_path)
        assert result.code == 0, result.err
        assert json.loads(result.stdout)["conforms"] is True


# -- kg build: validation beside the writers (KnowledgeGraph.build_to) --------------------------------------------

def _hidden(folder: Path) -> list[str]:
    """Staging folders (and anything else hidden) left beside the outputs."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def nonconforming_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged data with Aqaba's country removed (``kgsh:City-country`` then fails)."""
    import shutil

    from kg import resources

    data = tmp_path_factory.mktemp("nonconforming") / "data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    places = data / "reference" / "places.ttl"
    text = places.read_text(encoding="utf-8")
    broken = text.replace('    kg:inCountry country:JO ;\n    geo:lat "29.53194"', '    geo:lat "29.53194"')
    assert broken != text
    places.write_text(broken, encoding="utf-8")
    return data


def test_build_to_validates_while_the_files_are_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Validation waits here until the writers have started: run before writing, as it was, it would wait in
    vain and fail."""
    import signal
    import threading

    from kg.dataset import GraphSet

    writing = threading.Event()
    serialize_each, validate = GraphSet.serialize_each, FastEngine.validate

    def writers(self, requests):  # type: ignore[no-untyped-def]
        writing.set()
        return serialize_each(self, requests)

    masks = []

    def validate_once_writing(self, kg, *, added=None):  # type: ignore[no-untyped-def]
        masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, []))
        assert writing.wait(timeout=30), "validation did not run while the files were written"
        return validate(self, kg, added=added)

    monkeypatch.setattr(GraphSet, "serialize_each", writers)
    monkeypatch.setattr(FastEngine, "validate", validate_once_writing)
    kg, written = KnowledgeGraph.build_to(tmp_path / "out", WEB_FIXTURE, engine="fast")
    assert written is not None and written.conforms
    assert kg.report is not None and kg.report.conforms
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["conforms"] is True and "validation.json" in manifest["files"]
    assert json.loads((tmp_path / "out" / "validation.json").read_text(encoding="utf-8"))["conforms"] is True
    # signals reach the main thread alone, which blocks them while it swaps the folder in
    assert len(masks) == 1 and {signal.SIGINT, signal.SIGTERM} <= masks[0]


def test_an_error_in_the_background_validation_reaches_the_caller_and_the_old_build_stays(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from kg.errors import DataError

    out = tmp_path / "out"
    KnowledgeGraph.build_to(out, WEB_FIXTURE)
    before = tree_snapshot(out)

    def broken(self, kg, **_options):  # type: ignore[no-untyped-def]
        raise DataError("the SHACL-SPARQL constraint of shape kgsh:X is not valid SPARQL")

    monkeypatch.setattr(FastEngine, "validate", broken)
    with pytest.raises(DataError, match="kgsh:X is not valid SPARQL"):
        KnowledgeGraph.build_to(out, WEB_FIXTURE, engine="fast")
    assert tree_snapshot(out) == before
    assert _hidden(tmp_path) == []


def test_a_nonconforming_build_to_leaves_the_previous_build_unless_violations_are_allowed(
        tmp_path: Path, nonconforming_data: Path):
    out = tmp_path / "out"
    KnowledgeGraph.build_to(out, WEB_FIXTURE)
    before = tree_snapshot(out)
    kg, written = KnowledgeGraph.build_to(out, nonconforming_data)
    assert written is None
    assert kg.report is not None and not kg.report.conforms
    assert any("Aqaba" in v.labels.get("en", "") for v in kg.report.violations)
    assert tree_snapshot(out) == before and _hidden(tmp_path) == []
    kg, written = KnowledgeGraph.build_to(out, nonconforming_data, allow_violations=True)
    assert written is not None and not written.conforms
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["conforms"] is False
    assert "Aqaba" in (out / "validation.txt").read_text(encoding="utf-8")


def test_run_in_threads_gives_each_result_in_order_and_raises_the_first_jobs_error():
    import threading

    from kg.engine.store import run_in_threads

    started = threading.Barrier(2, timeout=30)

    def job(n: int):
        def run() -> tuple[int, str, bool]:
            if n < 2:
                started.wait()  # the first two jobs run at the same time, so in two threads
            return n, threading.current_thread().name, threading.current_thread().daemon
        return run

    results = run_in_threads([job(n) for n in range(6)], 2)
    assert [r[0] for r in results] == list(range(6))
    helpers = {(name, daemon) for _n, name, daemon in results if name != threading.current_thread().name}
    assert helpers == {("kg-query", True)}

    def fails(message: str):
        def run() -> None:
            raise ValueError(message)
        return run

    with pytest.raises(ValueError, match="^second$"):
        run_in_threads([job(9), fails("second"), fails("third")], 1)
    with pytest.raises(ValueError, match="^second$"):  # the second job's error, whichever thread ran it
        run_in_threads([lambda: 0, fails("second"), fails("third"), fails("fourth")], 2)


@pytest.mark.parametrize("hand_over", ["run_in_threads", "_interruptible"])
def test_a_query_that_failed_in_another_thread_is_let_go_of_there(hand_over: str, monkeypatch: pytest.MonkeyPatch):
    """A pyoxigraph QuerySolutions may be let go of only in the thread that made it: one left in the frame of a
    job that raised was let go of where the error was raised again (an unraisable RuntimeError, and a leak)."""
    import gc
    import sys

    import pyoxigraph as ox

    from kg.api import _interruptible
    from kg.engine.store import run_in_threads

    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(repr(u.exc_value)))
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")))

    def fails_after_its_query() -> None:
        solutions = store.query("SELECT * WHERE { ?s ?p ?o }")
        assert solutions is not None
        raise ValueError("the query's answer could not be used")

    with pytest.raises(ValueError, match="could not be used") as raised:
        if hand_over == "run_in_threads":
            run_in_threads([lambda: None, fails_after_its_query], 2)
        else:
            _interruptible(fails_after_its_query)
    assert raised.traceback[-1].name == "fails_after_its_query"  # where it failed is still said
    del raised
    gc.collect()
    assert unraisable == []


@pytest.mark.parametrize("text", ["SELECT ?s ?o WHERE { ?s ?p ?o OPTIONAL { ?s <urn:q> ?x } }",
                                  "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"])
def test_a_query_run_in_one_thread_leaves_no_answer_for_the_collector_of_another(text: str,
                                                                                monkeypatch: pytest.MonkeyPatch):
    """Checking a query's text parses it with rdflib, whose parser leaves cyclic garbage holding the frames that
    called it; a pyoxigraph answer kept in one of those frames was let go of by whichever thread next ran the
    collector (the unraisable "QuerySolutions is unsendable, but is being dropped on another thread" the suite
    showed now and then, in querystore's thread, and a leak)."""
    import gc
    import sys
    import threading

    import pyoxigraph as ox

    from kg.query import run_oxigraph

    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(repr(u.exc_value)))
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")))
    answers: list[int] = []
    gc.collect()
    gc.disable()  # the collector runs here, in this thread, not in the one that ran the query
    try:
        def work() -> None:
            result = run_oxigraph(store, text)
            answers.append(len(result.graph) if result.graph is not None else len(result.rows))

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector found is kept, to be looked at, not let go of
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if type(o).__module__ == "pyoxigraph"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert answers == [1]
    assert left == []
    assert unraisable == []
