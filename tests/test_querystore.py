"""The query store kept in a build folder (kg.querystore): the same answers as the build read into memory, made
once, made again when the build's files change, and never in the way when it cannot be kept."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg import querystore
from kg.api import KnowledgeGraph
from kg.dataset import GraphSet
from kg.fsutil import umask
from kg.query import list_queries
from tests.conftest import invoke

JORDAN = "https://w3id.org/ict-coop-kg/id/country/JO"
TALAAT = "https://w3id.org/ict-coop-kg/id/person/amr-talaat"
REQUIRED = {"describe-entity": {"entity": JORDAN}, "fact-provenance": {"entity": TALAAT},
            "mentions": {"article": "web-ar-aqaba"}}
"""Values for the queries whose parameter is required (Jordan and Amr Talaat are named in both builds)."""


@pytest.fixture()
def build_copy(tmp_path: Path, web_build: Path) -> Path:
    """A writable copy of the web fixture's build (two articles, Arabic and English)."""
    target = tmp_path / "build"
    shutil.copytree(web_build, target)
    return target


def _answers(kg: KnowledgeGraph) -> dict[str, list]:
    out = {}
    for q in list_queries():
        params = dict(REQUIRED.get(q.name, {}))
        for param in q.parameters:  # each country parameter once, so that the filtering paths run too
            if param.type == "country" and not params:
                params[param.name] = "JO"
        for run in ({}, params) if params and q.name not in REQUIRED else (params,):
            result = kg.query(q.name, live=True, **run)
            key = f"{q.name} {sorted(run)}"
            out[key] = sorted(sorted((k, "" if v is None else f"={v}") for k, v in r.items())
                              for r in result.records())
    return out


@pytest.mark.parametrize("which", ["web_build", "build_dir"])
def test_every_packaged_query_gives_the_rows_of_the_build_in_memory(which, request, tmp_path):
    source = request.getfixturevalue(which)
    folder = tmp_path / "build"
    shutil.copytree(source, folder)
    in_memory = _answers(KnowledgeGraph.load(folder, query_store="memory"))
    on_disk = KnowledgeGraph.load(folder, query_store="disk")
    kept = _answers(on_disk)
    assert (folder / querystore.STORE_DIR / "db").is_dir()
    assert on_disk.notes == []
    assert sum(1 for rows in in_memory.values() if rows) >= 8  # the queries did find something to compare
    for name in in_memory:
        assert kept[name] == in_memory[name], name
    # the ontology's labels are there (its graph is in neither asserted.ttl nor inferred.ttl)
    labels = on_disk.sparql("SELECT ?l WHERE { <https://w3id.org/ict-coop-kg/ontology#Meeting> rdfs:label ?l }")
    assert {str(r["l"]) for r in labels.rows} >= {"Meeting"}


def test_the_store_holds_every_triple_of_the_build_once(build_copy):
    kept = KnowledgeGraph.load(build_copy, query_store="disk").query_store
    memory = KnowledgeGraph.load(build_copy, query_store="memory").query_store
    assert len(kept) == len(memory) > 1000
    assert set(kept) == set(memory)


def test_a_query_on_the_kept_store_does_not_read_the_dataset(build_copy, monkeypatch):
    KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True)  # made

    def refuse(*_args, **_kwargs):
        raise AssertionError("dataset.trig was read")

    monkeypatch.setattr(GraphSet, "parse", refuse)
    monkeypatch.setattr(querystore, "_make", refuse)
    result = KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True)
    assert len(result) > 0
    with pytest.raises(AssertionError, match="dataset.trig was read"):
        KnowledgeGraph.load(build_copy, query_store="memory")


def test_other_uses_of_a_build_loaded_for_the_kept_store_read_the_dataset(build_copy):
    kg = KnowledgeGraph.load(build_copy, query_store="disk")
    expected = KnowledgeGraph.load(build_copy).graphs.sizes()
    assert kg.graphs.sizes() == expected  # read when first needed


def test_made_once_by_two_queries_at_the_same_time(build_copy, monkeypatch):
    made = []
    original = querystore._make
    started = threading.Barrier(2)

    def counting(*args):
        made.append(1)
        return original(*args)

    monkeypatch.setattr(querystore, "_make", counting)
    results: list[int] = []

    def ask() -> None:  # open_store itself: two processes (not a cached property's lock in one process)
        started.wait()
        results.append(len(querystore.open_store(build_copy)))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1
    assert len(results) == 2 and results[0] == results[1] > 0


def test_made_again_when_the_build_files_change(build_copy, build_dir):
    before = KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True).records()
    for name in [*querystore.SOURCES, "manifest.json"]:  # another build's files copied over these (the packaged
        shutil.copyfile(build_dir / name, build_copy / name)  # article's)
    after = KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True).records()
    expected = KnowledgeGraph.load(build_copy, query_store="memory").query("who-met-whom", live=True).records()
    assert after == expected != before
    assert [p.name for p in build_copy.iterdir() if p.name.startswith(f".{querystore.STORE_DIR}.")] == []


def test_a_damaged_store_is_made_again(build_copy):
    expected = KnowledgeGraph.load(build_copy, query_store="memory").query("who-met-whom", live=True).records()
    KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True)
    tables = sorted((build_copy / querystore.STORE_DIR / "db").glob("*.sst"), key=lambda p: p.stat().st_size)
    tables[-1].unlink()  # what a half-finished copy of the folder leaves (RocksDB: "Corruption")
    kg = KnowledgeGraph.load(build_copy, query_store="disk")
    assert kg.query("who-met-whom", live=True).records() == expected
    assert kg.notes == []
    assert KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True).records() == expected


def test_a_source_that_is_not_a_regular_file_is_never_opened(build_copy):
    from tests.conftest import run_kg

    (build_copy / "inferred.ttl").unlink()
    os.mkfifo(build_copy / "inferred.ttl")  # reading it would block for ever
    done = run_kg("query", "who-met-whom", "--live", "--build", build_copy, "-f", "csv", "--query-store", "disk",
                  cwd=build_copy.parent, timeout=120)
    assert done.returncode == 0
    assert done.stdout.count(b"\n") > 1
    assert f"kg: note: {build_copy / 'inferred.ttl'}: is not a regular file; the build was read into memory".encode() \
        in done.stderr


def test_a_disk_without_room_for_the_store_is_not_tried(build_copy, monkeypatch):
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage(10 * 2**20, 10 * 2**20 - 4096, 4096))
    monkeypatch.setattr(querystore, "_make", lambda *_args: pytest.fail("a store was started"))
    kg = KnowledgeGraph.load(build_copy, query_store="disk")
    assert len(kg.query("who-met-whom", live=True)) > 0
    assert len(kg.notes) == 1
    assert kg.notes[0].startswith(f"cannot keep a query store in {build_copy}: it needs about ")
    assert kg.notes[0].endswith(" MiB, and 0 MiB are free; the build was read into memory instead")


def test_a_store_that_cannot_be_kept_leaves_the_query_to_memory_with_a_note(build_copy, monkeypatch):
    import errno
    import tempfile

    real = tempfile.mkdtemp

    def full(*args, **kwargs):
        if kwargs.get("dir") == build_copy:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkdtemp", full)
    kg = KnowledgeGraph.load(build_copy, query_store="disk")
    expected = KnowledgeGraph.load(build_copy, query_store="memory").query("who-met-whom", live=True).records()
    assert kg.query("who-met-whom", live=True).records() == expected
    assert kg.notes == [f"cannot keep a query store in {build_copy}: no space left on the device; the build was "
                        "read into memory instead"]
    assert not (build_copy / querystore.STORE_DIR).exists()


def _forget_sizes(build: Path) -> None:
    """The build's manifest without the sizes of its files, as a build wrote it before it recorded them."""
    import json

    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    del manifest["sizes"]
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_a_broken_source_file_leaves_nothing_behind(build_copy):
    _forget_sizes(build_copy)  # else it is refused for its size before it is read (the next test)
    (build_copy / "inferred.ttl").write_text("this is not turtle <", encoding="utf-8")
    kg = KnowledgeGraph.load(build_copy, query_store="disk")
    assert len(kg.query("who-met-whom", live=True)) > 0  # from dataset.trig, in memory
    assert len(kg.notes) == 1 and "not what a build writes" in kg.notes[0]
    assert sorted(p.name for p in build_copy.iterdir() if "query-store" in p.name) == []


@pytest.mark.parametrize("change", ["emptied", "another build's"])
def test_a_turtle_file_changed_since_the_build_is_not_trusted(change, build_copy, build_dir):
    """The kept store is made from the Turtle files, the build in memory from dataset.trig: a Turtle file that is
    not the size the build wrote would give other answers, so the query reads dataset.trig, and says why."""
    expected = KnowledgeGraph.load(build_copy, query_store="memory").query("who-met-whom", live=True).records()
    target = build_copy / "inferred.ttl"
    if change == "emptied":
        target.write_bytes(b"")
    else:
        shutil.copyfile(build_dir / "inferred.ttl", target)
    kg = KnowledgeGraph.load(build_copy, query_store="disk")
    assert kg.query("who-met-whom", live=True).records() == expected
    assert len(kg.notes) == 1
    assert kg.notes[0].startswith(f"{target}: {target.stat().st_size:,} bytes, where the build wrote ")
    assert kg.notes[0].endswith(" (changed since the build); the build was read into memory instead")
    assert not (build_copy / querystore.STORE_DIR).exists()
    with pytest.raises(querystore.QueryStoreUnavailable, match="changed since the build"):
        querystore.union_files(build_copy)


def test_a_turtle_file_that_cannot_be_read_is_not_trusted(build_copy, monkeypatch):
    real = Path.stat

    def refused(self, *args, **kwargs):  # what root cannot be refused: the file of a folder only its owner reads
        if self.name == "asserted.ttl":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", refused)
    with pytest.raises(querystore.QueryStoreUnavailable, match="Permission denied"):
        querystore.union_files(build_copy)


def test_the_build_records_the_size_of_every_file_it_wrote(build_copy):
    import json

    manifest = json.loads((build_copy / "manifest.json").read_text(encoding="utf-8"))
    sizes = manifest["sizes"]
    written = {name: (build_copy / name).stat().st_size for name in manifest["files"] if name != "manifest.json"}
    assert sizes == written and len(written) >= 7
    assert querystore.union_files(build_copy) == [build_copy / name for name in querystore.UNION_FILES]


def test_the_union_files_are_vouched_for_by_every_recorded_size(build_copy, build_dir):
    """The served union is only used for the build that wrote all three files: not for one that records no sizes
    (an older build), nor when dataset.trig, whose graphs are served beside the union, is another build's."""
    assert querystore.union_files(build_copy)
    shutil.copyfile(build_dir / "dataset.trig", build_copy / "dataset.trig")
    with pytest.raises(querystore.QueryStoreUnavailable, match="dataset.trig: .* bytes, where the build wrote"):
        querystore.union_files(build_copy)
    _forget_sizes(build_copy)
    with pytest.raises(querystore.QueryStoreUnavailable, match="records no size of asserted.ttl, inferred.ttl, "
                                                               "dataset.trig"):
        querystore.union_files(build_copy)


@pytest.mark.parametrize("manifest", ["fifo", "deep", "list", "boolean", "directory"])
def test_an_odd_manifest_records_no_sizes(manifest, build_copy):
    import json

    path = build_copy / "manifest.json"
    real = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    if manifest == "fifo":
        os.mkfifo(path)  # reading it would wait for ever
    elif manifest == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")  # the JSON parser's recursion limit
    elif manifest == "list":
        path.write_text("[1, 2]", encoding="utf-8")
    elif manifest == "boolean":
        path.write_text(json.dumps({**real, "sizes": {**real["sizes"], "asserted.ttl": True}}), encoding="utf-8")
    else:
        path.mkdir()
    sizes = querystore.recorded_sizes(build_copy)
    assert sizes == ({k: v for k, v in real["sizes"].items() if k != "asserted.ttl"} if manifest == "boolean" else {})
    kg = KnowledgeGraph.load(build_copy, query_store="disk")
    assert len(kg.query("who-met-whom", live=True)) > 0 and kg.notes == []  # the kept store, as for an older build


def test_what_a_killed_maker_left_is_removed_by_the_next_query(build_copy):
    KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True)  # made: the next query opens it
    left = build_copy / f".{querystore.STORE_DIR}.999999.abcd.tmp"
    (left / "db").mkdir(parents=True)
    KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True)
    assert not left.exists()


def test_what_a_killed_maker_left_is_removed(build_copy):
    left = build_copy / f".{querystore.STORE_DIR}.999999.abcd.tmp"  # a staging folder of a process now gone
    (left / "db").mkdir(parents=True)
    (left / "db" / "000001.sst").write_bytes(b"half")
    KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True)
    assert not left.exists()
    assert (build_copy / querystore.STORE_DIR).is_dir()


def test_a_changed_graph_is_queried_in_memory_not_in_the_kept_store(build_copy):
    kg = KnowledgeGraph.load(build_copy, query_store="disk")
    kg.query("who-met-whom", live=True)  # the kept store is open
    graph = kg.graphs.rdflib_graph(URIRef("https://w3id.org/ict-coop-kg/graph/reference"))
    graph.add((URIRef("https://example.org/x"), URIRef("https://example.org/p"), Literal("changed")))
    kg.replace_graph(URIRef("https://w3id.org/ict-coop-kg/graph/reference"), graph)
    rows = kg.sparql("SELECT ?o WHERE { <https://example.org/x> <https://example.org/p> ?o }").rows
    assert [str(r["o"]) for r in rows] == ["changed"]


def test_auto_keeps_a_store_for_large_builds_only(build_copy, monkeypatch):
    size = sum((build_copy / name).stat().st_size for name in querystore.SOURCES)
    monkeypatch.setattr(querystore, "AUTO_MIN_BYTES", size + 1)
    KnowledgeGraph.load(build_copy, query_store="auto").query("who-met-whom", live=True)
    assert not (build_copy / querystore.STORE_DIR).exists()
    monkeypatch.setattr(querystore, "AUTO_MIN_BYTES", size)
    KnowledgeGraph.load(build_copy, query_store="auto").query("who-met-whom", live=True)
    assert (build_copy / querystore.STORE_DIR).is_dir()


def test_kg_query_uses_the_kept_store_and_gives_the_same_output(build_copy, tmp_path):
    memory = invoke("query", "who-met-whom", "--live", "--build", build_copy, "-f", "csv", "--query-store", "memory",
                    cwd=tmp_path)
    assert memory.code == 0 and not (build_copy / querystore.STORE_DIR).exists()
    disk = invoke("query", "who-met-whom", "--live", "--build", build_copy, "-f", "csv", "--query-store", "disk", cwd=tmp_path)
    assert disk.code == 0, disk.err
    assert disk.stdout == memory.stdout and disk.stdout.count(b"\n") > 1
    assert (build_copy / querystore.STORE_DIR).is_dir()


@pytest.mark.parametrize("how", ["option", "env", "endpoint"])
def test_a_wrong_query_store_is_exit_2_before_anything_is_read(how, build_copy, tmp_path):
    args = ["query", "who-met-whom", "--live", "--build", build_copy]
    if how == "option":
        result = invoke(*args, "--query-store", "ssd", cwd=tmp_path)
    elif how == "endpoint":  # checked before the server is asked (which would be exit 3 here)
        result = invoke(*args, "--endpoint", "http://127.0.0.1:9/sparql", "--query-store", "ssd", cwd=tmp_path)
    else:
        result = invoke(*args, cwd=tmp_path, env={"KG_QUERY_STORE": "ssd"})
    assert result.code == 2
    assert "query store 'ssd': give one of auto, disk, memory (--query-store, KG_QUERY_STORE)" in result.err
    assert "Traceback" not in result.err
    assert not (build_copy / querystore.STORE_DIR).exists()


def test_the_kept_store_needs_the_default_store(build_copy):
    from kg.errors import InputError

    with pytest.raises(InputError, match="kept query store works with the default store"):
        KnowledgeGraph.load(build_copy, store="Oxigraph", query_store="disk")


def test_the_store_folder_is_readable_as_the_build_is(build_copy):
    KnowledgeGraph.load(build_copy, query_store="disk").query("who-met-whom", live=True)
    mode = (build_copy / querystore.STORE_DIR).stat().st_mode & 0o777
    assert mode == 0o777 & ~umask()


def _quads(store) -> set[str]:
    return {str(quad) for quad in store}


def _stores_as_from_the_graphs(kg: KnowledgeGraph) -> None:
    """``kg``'s two stores hold what the graphs it read hold (blank nodes named alike): the query store every triple,
    the asserted store every asserted one."""
    graphs = kg.graphs
    assert _quads(kg.query_store) == _quads(graphs.store())
    assert _quads(kg.asserted_store.store) == _quads(graphs.store(graphs.asserted_names()))


def test_a_build_loaded_into_memory_makes_its_stores_from_its_files(build_copy):
    """Read into memory, a build's two stores are made by Oxigraph from its Turtle files (twice as fast as from the
    graphs on a large build), and hold what they would hold made from the graphs."""
    kg = KnowledgeGraph.load(build_copy, query_store="memory")
    assert kg._store_from_files(("asserted.ttl",)) is not None
    asserted, union = kg.asserted_and_query_graphs()
    assert union.store._inner is kg.query_store and asserted.store._inner is kg.asserted_store.store
    _stores_as_from_the_graphs(kg)


@pytest.mark.parametrize("how", ["removed", "moved aside"])
def test_the_files_read_are_those_of_the_build_loaded(how, build_copy, tmp_path):
    """Another build put in the folder after the load is not read: the files come from the folder dataset.trig was
    read from (held open), or, when that folder is gone, the stores are made from the graphs."""
    kg = KnowledgeGraph.load(build_copy, query_store="memory")
    other = KnowledgeGraph.build(Path(__file__).parent / "fixtures" / "factmodel" / "data")
    if how == "removed":
        shutil.rmtree(build_copy)
    else:
        build_copy.rename(tmp_path / "aside")
    other.write(build_copy)
    assert (kg._store_from_files(("asserted.ttl",)) is not None) == (how == "moved aside")
    _stores_as_from_the_graphs(kg)


def test_a_turtle_file_changed_with_its_size_kept_is_not_read_into_memory(build_copy):
    """A Turtle file of the size the build wrote but other bytes (its digest differs) is not read: the stores are
    made from the graphs."""
    target = build_copy / "asserted.ttl"
    data = target.read_bytes()
    at = data.index(b"Jordan")
    target.write_bytes(data[:at] + b"Jxrdan" + data[at + 6:])
    kg = KnowledgeGraph.load(build_copy, query_store="memory")
    assert kg._store_from_files(("asserted.ttl",)) is None
    _stores_as_from_the_graphs(kg)
    assert not any('"Jxrdan' in quad for quad in _quads(kg.query_store))


def test_a_build_with_a_blank_node_makes_its_stores_from_its_graphs(data_copy, tmp_path):
    """A blank node would get a new name in a store made from the files, where the graphs keep the one dataset.trig
    gives it: such a build's stores are made from the graphs."""
    with (data_copy / "reference" / "entities.ttl").open("a", encoding="utf-8") as f:
        f.write('\n<https://w3id.org/ict-coop-kg/id/country/JO> <http://www.w3.org/2000/01/rdf-schema#seeAlso> '
                '[ <http://www.w3.org/2000/01/rdf-schema#label> "a note"@en ] .\n')
    KnowledgeGraph.build(data_copy).write(tmp_path / "build")
    assert b"_:" in (tmp_path / "build" / "asserted.ttl").read_bytes()
    kg = KnowledgeGraph.load(tmp_path / "build", query_store="memory")
    assert kg._files_of is not None and kg._store_from_files(("asserted.ttl",)) is None
    _stores_as_from_the_graphs(kg)


def test_a_build_swapped_in_while_loading_is_read_from_its_graphs_alone(build_copy, tmp_path, monkeypatch):
    """A build swapped into the folder between the moment it is held open and the reading of dataset.trig: the
    graphs are the new build's, so the old folder's files are not read; the stores are made from the graphs."""
    other = KnowledgeGraph.build(Path(__file__).parent / "fixtures" / "factmodel" / "data")
    parse = GraphSet.parse

    def swapped_first(path, **kwargs):
        build_copy.rename(tmp_path / "aside")
        other.write(build_copy)
        return parse(build_copy / path.name, **kwargs)

    monkeypatch.setattr(GraphSet, "parse", staticmethod(swapped_first))
    kg = KnowledgeGraph.load(build_copy, query_store="memory")
    assert kg._files_of is None
    _stores_as_from_the_graphs(kg)


@pytest.mark.parametrize("name", ["asserted.ttl", "inferred.ttl", "manifest.json", ".kg-written.json"])
def test_a_folder_in_place_of_a_build_file_is_not_read(name, build_copy):
    """A folder where the build wrote a file is never read (opening it worked, reading it raised): the build still
    loads, and its stores are made from the graphs."""
    (build_copy / name).unlink()
    (build_copy / name).mkdir()
    kg = KnowledgeGraph.load(build_copy, query_store="memory")
    assert kg._store_from_files(("asserted.ttl", "inferred.ttl")) is None
    _stores_as_from_the_graphs(kg)


def test_a_dataset_changed_with_its_size_kept_is_read_alone(build_copy):
    """The graphs are read from dataset.trig: when it is not as the build wrote it (a label edited to the same
    size), the Turtle files, which still are, are not read either, and the stores hold what the graphs hold."""
    target = build_copy / "dataset.trig"
    data = target.read_bytes()
    assert b'"Jordan"@en' in data
    target.write_bytes(data.replace(b'"Jordan"@en', b'"Jxrdan"@en'))
    kg = KnowledgeGraph.load(build_copy, query_store="memory")
    assert kg._store_from_files(("asserted.ttl",)) is None
    _stores_as_from_the_graphs(kg)
    assert any('"Jxrdan"@en' in quad for quad in _quads(kg.query_store))
