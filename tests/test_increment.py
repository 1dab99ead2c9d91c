"""A build into a folder holding an earlier build of the same data, with articles added since (kg.increment).

Its validation runs the shapes only where the added articles can change a result (kg.engine.reach); everything it
writes must be byte for byte what a first build of the same data writes. Articles: tests/fixtures/domain/ and, for
one that breaks a shape on a node of an earlier article, tests/fixtures/increment/ (its README.md).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg import KnowledgeGraph
from tests.conftest import count_whole_rule_runs, record_restricted_queries, write_note_article

FIXTURES = Path(__file__).parent / "fixtures"
DOMAIN = FIXTURES / "domain" / "data"
UPDATE = FIXTURES / "increment" / "dom-en-cable-update"
TYPO = FIXTURES / "increment" / "dom-en-cable-typo"
FILES = ["dataset.trig", "asserted.ttl", "inferred.ttl", "validation.ttl", "validation.json", "validation.txt",
         "lookup-index.json", "manifest.json"]
REVALIDATED = "added since the last build"


def build(data: Path, out: Path, **options) -> list[str]:
    """``kg build``'s work (:meth:`KnowledgeGraph.build_to`); its progress notes."""
    notes: list[str] = []
    KnowledgeGraph.build_to(out, data, progress=notes.append, **options)
    return notes


def assert_as_first_build(out: Path, data: Path, tmp_path: Path, **options) -> None:
    cold = tmp_path / "cold"
    notes = build(data, cold, **options)
    assert not any(REVALIDATED in n for n in notes)
    for name in FILES:
        assert (out / name).read_bytes() == (cold / name).read_bytes(), name
    kept = sorted(p.name for p in (cold / "answers").iterdir())
    assert kept and sorted(p.name for p in (out / "answers").iterdir()) == kept
    for name in kept:  # the kept answers, computed in a store given the earlier inferences whole
        assert (out / "answers" / name).read_bytes() == (cold / "answers" / name).read_bytes(), name


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DOMAIN, copy)
    return copy


def test_an_added_article_is_validated_where_it_can_change_a_result(data: Path, tmp_path: Path):
    out = tmp_path / "build"
    held = tmp_path / "held"
    shutil.move(data / "articles" / "dom-en-datacentre", held)
    assert not any(REVALIDATED in n for n in build(data, out))
    shutil.move(held, data / "articles" / "dom-en-datacentre")
    notes = build(data, out)
    assert any(f"the 1 article(s) {REVALIDATED}" in n for n in notes), notes
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]["articles"]) == {p.name for p in (data / "articles").iterdir()}
    assert_as_first_build(out, data, tmp_path)


def test_a_build_on_an_earlier_one_parses_no_earlier_article_and_reads_each_earlier_file_once(
        data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The unchanged articles come from the article cache as documents that no stage parses (each reads them
    through the store: kg.dataset.GraphSet.set_document), and the earlier build's files are read once each, while
    the store is being made (kg.api.KnowledgeGraph._read_earlier)."""
    from kg import dataset, increment

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "build"
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out)
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    parsed: list[tuple[str, bool]] = []
    parse = dataset._parse_document
    monkeypatch.setattr(dataset, "_parse_document",
                        lambda data, label: parsed.append((label, b"_:" in data)) or parse(data, label))
    reads: list[str] = []
    read = increment.Earlier.read
    monkeypatch.setattr(increment.Earlier, "read", lambda self, name: reads.append(name) or read(self, name))
    notes = build(data, out)
    monkeypatch.undo()
    articles = len([p for p in (data / "articles").iterdir() if p.is_dir()])
    assert any(f"the 1 article(s) {REVALIDATED}" in n for n in notes), notes
    assert any(f"{articles - 1} of {articles} article(s) unchanged (from the cache)" in n for n in notes), notes
    assert [label for label, blank in parsed if not blank] == []  # only a document with blank nodes is parsed
    assert sorted(reads) == ["asserted.ttl", "dataset.trig", "inferred.ttl", "manifest.json"]  # each once
    assert_as_first_build(out, data, tmp_path)


def test_an_earlier_articles_cache_entry_that_cannot_be_read_is_an_error_naming_the_cache(
        data: Path, tmp_path: Path):
    """Building on an earlier build, the cache entries are not parsed as they are loaded (see the test above): one
    that is sound zlib but not N-Triples (only this user can write the cache) stops the build with exit 2 and a
    message naming the article and the cache, and the earlier build stays as it was."""
    import hashlib
    import zlib

    from .conftest import run_kg

    env = {"KG_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "build"
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    assert run_kg("build", "--data", data, "--out", out, "--quiet", cwd=tmp_path, env=env).returncode == 0
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    entry = sorted((tmp_path / "cache" / "articles").glob("*.nt.z"))[0]
    entry.write_bytes(zlib.compress(zlib.decompress(entry.read_bytes()) + b"<https://example.org/evil> .\n"))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir() if p.is_file()}
    result = run_kg("build", "--data", data, "--out", out, "--quiet", cwd=tmp_path, env=env)
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 2, stderr
    assert "as kept in the article cache" in stderr and str(tmp_path / "cache") in stderr, stderr
    assert "Traceback" not in stderr
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir() if p.is_file()} == before
    # a first build parses each entry as it loads it: that article is assembled again and its entry written anew,
    # after which the build on the earlier one goes through, to the same files
    first = tmp_path / "first"
    assert run_kg("build", "--data", data, "--out", first, "--quiet", cwd=tmp_path, env=env).returncode == 0
    assert run_kg("build", "--data", data, "--out", out, "--quiet", cwd=tmp_path, env=env).returncode == 0
    for name in FILES[:5]:
        assert (out / name).read_bytes() == (first / name).read_bytes(), name


def test_whether_a_build_may_be_built_on_is_read_from_its_manifest(data: Path, tmp_path: Path):
    """What tells the load to keep articles as documents (kg.increment.made_alike, on the build kg.api opens
    before the load): a conforming build made by this code with the same engine, its manifest as written."""
    from kg import increment
    from kg.api import KnowledgeGraph as KG

    out = tmp_path / "build"

    def may_build_on(engine: str) -> bool:
        earlier = KG._open_earlier(out)
        return earlier is not None and increment.made_alike(earlier.manifest, engine)

    assert not may_build_on("fast")  # no build there
    build(data, out)
    assert may_build_on("fast")
    assert not may_build_on("reference")
    manifest = out / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert not may_build_on("fast")  # no longer as written
    shutil.copytree(UPDATE, data / "articles" / UPDATE.name)
    build(data, out, allow_violations=True)
    assert not may_build_on("fast")  # did not conform


def test_a_violation_the_added_article_makes_on_an_earlier_node_is_found(data: Path, tmp_path: Path):
    out = tmp_path / "build"
    build(data, out)
    shutil.copytree(UPDATE, data / "articles" / UPDATE.name)
    notes = build(data, out, allow_violations=True)
    assert any(REVALIDATED in n for n in notes)
    report = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert not report["conforms"]
    # the cable of dom-en-cable now has two ready-for-service dates (the update's words give the second)
    assert [(v["focus"], v["path"]) for v in report["violations"]] == [
        ("https://w3id.org/ict-coop-kg/id/infrastructure/taba-aqaba-cable", "kg:readyForService")]
    assert_as_first_build(out, data, tmp_path, allow_violations=True)


def test_a_violation_query_row_the_added_article_makes_on_an_earlier_node_is_found(
        data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The violation queries run only for the nodes the added triples reach (kg.engine.delta): the misspelt
    property the added article gives the cable of dom-en-cable is found on that earlier node."""

    out = tmp_path / "build"
    build(data, out)
    shutil.copytree(TYPO, data / "articles" / TYPO.name)
    restricted = record_restricted_queries(monkeypatch)
    build(data, out, allow_violations=True)
    assert restricted and all(restricted)  # every violation query ran for some nodes only
    monkeypatch.undo()
    report = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert [(v["focus"], v["constraint"], v["value"]) for v in report["violations"]] == [
        ("https://w3id.org/ict-coop-kg/id/infrastructure/taba-aqaba-cable", "query:undeclared-term-violation",
         "kg:lenghtKm")]
    assert_as_first_build(out, data, tmp_path, allow_violations=True)


def test_after_a_build_that_did_not_conform_everything_is_validated(data: Path, tmp_path: Path):
    out = tmp_path / "build"
    shutil.copytree(UPDATE, data / "articles" / UPDATE.name)
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out, allow_violations=True)
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    assert not any(REVALIDATED in n for n in build(data, out, allow_violations=True))
    assert_as_first_build(out, data, tmp_path, allow_violations=True)


DATASETS = {"domain": DOMAIN, "factmodel": FIXTURES / "factmodel" / "data", "web": FIXTURES / "web"}
NEEDED = {("domain", "dom-en-cable"), ("factmodel", "fm-1-ar-proposal")}
"""Articles the others' build does not conform without (a later article refers to what they describe): a build
that does not conform is not built on."""
EACH_ARTICLE = [(name, article.name) for name, root in DATASETS.items()
                for article in sorted((root / "articles").iterdir())
                if article.is_dir() and (name, article.name) not in NEEDED]


@pytest.mark.parametrize("dataset, article", EACH_ARTICLE)
def test_any_article_added_gives_what_a_first_build_gives(dataset: str, article: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):

    data = tmp_path / "data"
    shutil.copytree(DATASETS[dataset], data)
    shutil.move(data / "articles" / article, tmp_path / "held")
    out = tmp_path / "build"
    build(data, out, allow_violations=True)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["conforms"] is True
    shutil.move(tmp_path / "held", data / "articles" / article)
    whole_runs = count_whole_rule_runs(monkeypatch)
    spliced = _spy_on_splices(monkeypatch)
    earlier = _turtle_triples(out / "inferred.ttl")
    notes = build(data, out, allow_violations=True)
    assert any(f"the 1 article(s) {REVALIDATED}" in n for n in notes), notes
    assert whole_runs == []  # the rules ran from the added article's triples only
    # no article of these sets asserts an earlier inference (dom-en-cable-kind does: see the test after the next)
    assert earlier <= _turtle_triples(out / "inferred.ttl")
    # so dataset.trig, asserted.ttl and inferred.ttl are all made from the earlier ones
    assert sorted(spliced) == ["trig", "turtle", "turtle"]
    monkeypatch.undo()
    assert_as_first_build(out, data, tmp_path, allow_violations=True)


def _spy_on_splices(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the :mod:`kg.engine.splice` functions that made a file, as they do (``"trig"``, ``"turtle"``)."""
    from kg.engine import splice

    spliced: list[str] = []
    for name in ("trig", "turtle"):
        def spy(*args, _real=getattr(splice, name), _name=name, **kwargs):  # type: ignore[no-untyped-def]
            made = _real(*args, **kwargs)
            spliced.extend([_name] if made is not None else [])
            return made
        monkeypatch.setattr(splice, name, spy)
    return spliced


def _turtle_triples(path: Path) -> set:
    import pyoxigraph as ox

    return {q.triple for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)}


@pytest.mark.parametrize("change", ["edited", "removed"])
def test_an_article_changed_or_removed_since_means_a_whole_validation(data: Path, tmp_path: Path, change: str):
    out = tmp_path / "build"
    build(data, out)
    article = data / "articles" / "dom-en-datacentre"
    if change == "edited":
        text = article / "article.ttl"
        text.write_text(text.read_text(encoding="utf-8") + "\n# a comment changes the article's files\n",
                        encoding="utf-8")
    else:
        shutil.rmtree(article)
    assert not any(REVALIDATED in n for n in build(data, out))
    assert_as_first_build(out, data, tmp_path)


def test_the_rules_run_whole_where_a_join_could_read_an_inference_the_build_leaves_out():
    """A chain or functional property joins two triples; one whose subject is not this project's (the build keeps
    no inference about it) could be missing from an earlier build's inferences, so the run from added triples
    gives way (None: the caller runs the rules over everything)."""
    import pyoxigraph as ox

    from kg.engine.rules import infer_added, packaged_ontology

    post_in = ox.NamedNode("https://w3id.org/ict-coop-kg/ontology#postIn")
    ours = ox.NamedNode("https://w3id.org/ict-coop-kg/id/post/a")
    org = ox.NamedNode("https://w3id.org/ict-coop-kg/id/organization/b")
    elsewhere = ox.NamedNode("http://example.org/post/c")
    ontology = packaged_ontology()
    for subject, expected_none in ((ours, False), (elsewhere, True)):
        store = ox.Store()
        store.add(ox.Quad(subject, post_in, org))
        triples = [ox.Triple(subject, post_in, org)]
        ran = infer_added(store, set(), triples, [triples], ontology)
        found = None if ran is None else ran[0]
        assert (found is None) is expected_none
        if ran is not None:  # the range of kg:postIn types the organisation
            assert any(t.subject == org for t in found)
            assert set(ran[1]) == found  # nothing was inferred before: every inference is new
        assert len(store) == 1  # the store ends as it began


def test_the_rules_from_added_triples_only_read_the_store(data: Path, tmp_path: Path):
    """The rounds run in a store of their own: the data's store is only read (Oxigraph keeps an entry for every
    triple put in and taken out, which the later queries of that store walked). So they run on a store opened
    read-only, and give what a whole run over all the articles gives."""
    import pyoxigraph as ox

    from kg.engine.rules import infer_added, packaged_ontology
    from kg.namespaces import INFERRED_GRAPH, article_graph

    def plain(triples) -> set:  # a graph from the article cache holds default-graph quads
        return {t.triple if isinstance(t, ox.Quad) else t for t in triples}

    article = "dom-en-datacentre"
    shutil.move(data / "articles" / article, tmp_path / "held")
    previous = plain(KnowledgeGraph.build(data).graphs.triples(INFERRED_GRAPH))
    shutil.move(tmp_path / "held", data / "articles" / article)
    whole = KnowledgeGraph.build(data)
    asserted = [plain(whole.graphs.triples(name)) for name in whole.graphs.asserted_names()]
    path = tmp_path / "store"
    writable = ox.Store(str(path))
    writable.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for graph in asserted for t in graph)
    writable.flush()
    del writable
    store = ox.Store.read_only(str(path))
    with pytest.raises(RuntimeError, match="read-write"):  # it is read-only indeed
        store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                          ox.Literal("o")))
    added = plain(whole.graphs.triples(article_graph(article)))
    ran = infer_added(store, set(previous), added, asserted, packaged_ontology())
    assert ran is not None
    kept, fresh = ran
    assert kept == plain(whole.graphs.triples(INFERRED_GRAPH))
    assert fresh and set(fresh) == kept - previous  # the article's inferences: new, none of them asserted


@pytest.mark.parametrize("earlier_form, inferred", [("2026-03-10T09:00:00Z", True),
                                                     ("2026-03-10T09:00:00+00:00", False)])
def test_a_head_the_data_holds_in_another_lexical_form_is_inferred(earlier_form: str, inferred: bool):
    """kg:startDate is a sub-property of schema:startDate. The data asserts schema:startDate of a meeting as
    ``…Z``; an added triple gives its kg:startDate as ``…+00:00``, the same instant, which Oxigraph stores as
    ``…Z``. As written they are two literals, so the head with ``+00:00`` is a new inference (what owlrl, and a
    whole build, infer); when the data wrote it that way too, it is not."""
    import pyoxigraph as ox

    from kg.engine.rules import infer_added, packaged_ontology
    from kg.reason import keep_ox

    meeting = ox.NamedNode("https://w3id.org/ict-coop-kg/id/event/review-meeting")
    date_time = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
    schema_start = ox.NamedNode("https://schema.org/startDate")
    earlier = ox.Triple(meeting, schema_start, ox.Literal(earlier_form, datatype=date_time))
    written = ox.Literal("2026-03-10T09:00:00+00:00", datatype=date_time)
    added = ox.Triple(meeting, ox.NamedNode("https://w3id.org/ict-coop-kg/ontology#startDate"), written)
    store = ox.Store()
    store.extend([ox.Quad(earlier.subject, earlier.predicate, earlier.object),
                  ox.Quad(added.subject, added.predicate, added.object)])
    assert ox.Quad(meeting, schema_start, written) in store  # Oxigraph: one term, whichever form the data wrote
    ran = infer_added(store, set(), [added], [[earlier, added]], packaged_ontology())
    assert ran is not None
    head = ox.Triple(meeting, schema_start, written)
    assert (head in ran[1]) is inferred
    assert all(t.object != ox.Literal("2026-03-10T09:00:00Z", datatype=date_time) for t in ran[1])
    assert all(keep_ox(ox.Quad(t.subject, t.predicate, t.object)) for t in ran[1])


def _country_code_note(folder: Path, article_id: str, predicate: str) -> Path:
    """A short note (written for this test) that Jordan's country code is JO, stated with ``predicate``."""
    return write_note_article(folder, article_id, "A note for the tests: Jordan's country code is JO.", f"""\
[] kg:quote "Jordan's country code is JO"@en ; kg:forSubject country:JO ; kg:forProperty {predicate} .
country:JO {predicate} "JO" .
""")


def test_a_head_with_a_plain_literal_the_data_asserts_is_not_inferred(data: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    """An earlier article states ``schema:identifier "JO"``; a later one ``kg:iso3166Alpha2 "JO"`` (a sub-property).
    The head the rules derive is asserted: not an inference, also when the earlier article is kept as its cached
    document (whose plain literals are not read for typed literals' forms)."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "build"
    _country_code_note(data / "articles", "code-earlier", "schema:identifier")
    build(data, out, allow_violations=True)
    _country_code_note(data / "articles", "code-later", "kg:iso3166Alpha2")
    notes = build(data, out, allow_violations=True)
    assert any(REVALIDATED in n for n in notes), notes
    import pyoxigraph as ox

    head = ox.Triple(ox.NamedNode("https://w3id.org/ict-coop-kg/id/country/JO"),
                     ox.NamedNode("https://schema.org/identifier"), ox.Literal("JO"))
    assert head not in _turtle_triples(out / "inferred.ttl")
    assert head in _turtle_triples(out / "asserted.ttl")
    monkeypatch.setenv("KG_CACHE_DIR", "")
    assert_as_first_build(out, data, tmp_path, allow_violations=True)


KIND = FIXTURES / "increment" / "dom-en-cable-kind"


def test_an_added_article_from_the_article_cache_moves_what_it_asserts_out_of_the_inferences(
        data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The article is read from the cache the second time it is added (the first build filled it), as a later
    ``kg build`` reads it: its triples must count as the same triples as the earlier inferences'."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "build"
    shutil.copytree(KIND, data / "articles" / KIND.name)
    build(data, out)  # the cache now holds every article
    shutil.move(data / "articles" / KIND.name, tmp_path / "held")
    build(data, out)
    # inferred while no article states it
    assert "kg:CableSystem" in _cable_block((out / "inferred.ttl").read_text(encoding="utf-8"))
    shutil.move(tmp_path / "held", data / "articles" / KIND.name)
    spliced = _spy_on_splices(monkeypatch)
    notes = build(data, out)
    assert any(REVALIDATED in n for n in notes) and any("unchanged (from the cache)" in n for n in notes)
    # an earlier inference is now asserted: inferred.ttl is written whole, the other two made from the earlier ones
    assert "kg:CableSystem" not in _cable_block((out / "inferred.ttl").read_text(encoding="utf-8"))
    assert sorted(spliced) == ["trig", "turtle"]
    monkeypatch.setenv("KG_CACHE_DIR", "")
    assert_as_first_build(out, data, tmp_path)


def _cable_block(turtle: str) -> str:
    """The statements of ``turtle`` about dom-en-cable's cable (sorted Turtle: one block per subject)."""
    subject = "<https://w3id.org/ict-coop-kg/id/infrastructure/taba-aqaba-cable>"
    if subject not in turtle:
        return ""
    block = turtle[turtle.index(subject):]
    return block[:block.index(" .\n")]


def test_the_earlier_build_is_read_from_the_folder_first_opened_and_never_from_a_fifo(tmp_path: Path):
    """Another build may swap its folder in meanwhile: the files read are those of the folder whose manifest was
    read, or none. A FIFO in the folder is not waited on."""
    import os

    from kg.increment import Earlier, record_written, written

    folder = tmp_path / "build"
    folder.mkdir()
    (folder / "inferred.ttl").write_bytes(b"first")
    (folder / "manifest.json").write_text(json.dumps({"sizes": {"inferred.ttl": 5, "asserted.ttl": 4}}))
    os.mkfifo(folder / "asserted.ttl")
    record_written(folder, {name: written((folder / name).read_bytes()) for name in ("inferred.ttl", "manifest.json")}
                   | {"asserted.ttl": written(b"four")})
    earlier = Earlier.open(folder)
    assert earlier is not None and earlier.manifest["sizes"]["inferred.ttl"] == 5
    folder.rename(tmp_path / "aside")
    folder.mkdir()
    (folder / "inferred.ttl").write_bytes(b"other")
    assert earlier.read("inferred.ttl") == b"first"
    assert earlier.read("asserted.ttl") is None  # a FIFO: not opened for reading, so nothing blocks
    assert earlier.read("dataset.trig") is None  # no size recorded
    earlier.close()
    assert earlier.read("inferred.ttl") is None
    assert Earlier.open(tmp_path / "nowhere") is None


def test_a_dataset_whose_graphs_the_manifest_does_not_all_list_is_written_whole():
    import pyoxigraph as ox
    from rdflib import URIRef

    from kg.engine import splice
    from kg.engine.store import _after_prefix_lines, _graph_opening, _lines, serialize_lines

    names = [URIRef(f"https://w3id.org/ict-coop-kg/graph/article/a{i}") for i in range(3)]
    triples = {name: [ox.Triple(ox.NamedNode(f"{name}/s"), ox.NamedNode("https://schema.org/name"),
                                ox.Literal(f"graph {i}"))] for i, name in enumerate(names)}
    old = serialize_lines([(name, _lines(triples[name]), triples[name]) for name in names], "trig")

    def opening(name):  # type: ignore[no-untyped-def]
        return _graph_opening(name, triples[name][0])

    def block(name):  # type: ignore[no-untyped-def]
        data = serialize_lines([(name, _lines(triples[name]), triples[name])], "trig")
        return data[_after_prefix_lines(data):]

    copied = splice.trig(old, names, names, set(names), opening, block)
    assert splice.joined(copied) == old  # every block copied
    assert all(isinstance(part, memoryview) for part in copied)  # as views of the earlier file, not copies
    assert splice.joined(splice.trig(old, names, names, set(), opening, block)) == old  # every block written again
    assert splice.trig(old, [names[0], names[2]], names, set(names), opening, block) is None


def _kept_triples(build_dir: Path) -> list[str]:
    """The triples of the build's kept query store (made first if it is not there), as sorted N-Triples lines."""
    from kg import querystore

    store = querystore.open_store(build_dir)
    return sorted(f"{q.subject} {q.predicate} {q.object} ." for q in store)


def test_the_kept_query_store_is_carried_over_with_what_the_added_article_adds(
        data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import difflib

    from kg import querystore

    out = tmp_path / "build"
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out)
    before = _kept_triples(out)  # a kg query on the earlier build made its store
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    assert any(REVALIDATED in n for n in build(data, out))
    made = []
    monkeypatch.setattr(querystore, "_make", lambda *args: made.append(args))
    carried = _kept_triples(out)  # opened as it was carried: nothing is made
    assert not made
    monkeypatch.undo()
    cold = tmp_path / "cold"
    build(data, cold)
    fresh = _kept_triples(cold)  # made from the first build's files
    assert carried == fresh, "\n".join(difflib.unified_diff(fresh, carried, "made", "carried", lineterm="", n=0))
    assert len(carried) > len(before)


def test_a_build_without_a_kept_query_store_is_built_on_without_one(data: Path, tmp_path: Path):
    from kg.querystore import KEY_FILE, STORE_DIR

    out = tmp_path / "build"
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out)
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    assert any(REVALIDATED in n for n in build(data, out))
    assert not (out / STORE_DIR).exists()
    # an earlier store made from other files than the build's (its key differs) is not carried either
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out)
    _kept_triples(out)
    key = out / STORE_DIR / KEY_FILE
    key.write_text(key.read_text(encoding="utf-8").replace('"format": ', '"format": 9'), encoding="utf-8")
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    assert any(REVALIDATED in n for n in build(data, out))
    assert not (out / STORE_DIR).exists()


def test_a_kept_query_store_that_cannot_be_carried_leaves_a_note_and_no_part_of_it(
        data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import errno

    from kg import querystore

    out = tmp_path / "build"
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out)
    _kept_triples(out)
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")

    class Full:
        def backup(self, path: str) -> None:
            Path(path).mkdir()
            (Path(path) / "000001.sst").write_bytes(b"part")
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(querystore, "_open_if_current", lambda *args: Full())
    kg, written = KnowledgeGraph.build_to(out, data)
    assert written is not None and written.conforms
    assert [n for n in kg.notes if "query store" in n] == [
        "the earlier build's query store could not be carried over: no space left on the device; the next kg "
        f"query on {out} makes it again"], kg.notes
    assert not (out / querystore.STORE_DIR).exists()


@pytest.mark.parametrize("route", ["replace_graph", "graphs.set_graph", "rdflib dataset"])
def test_a_graph_changed_after_building_on_an_earlier_build_is_written_as_it_now_is(
        data: Path, tmp_path: Path, route: str):
    """Through the Python API, after ``build(since=…)``: neither the earlier build's files nor its kept query store
    hold the change, so nothing is taken from them."""
    import pyoxigraph as ox

    from kg.dataset import TermCache
    from kg.namespaces import article_graph
    from kg.querystore import STORE_DIR

    out = tmp_path / "build"
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out)
    _kept_triples(out)
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    kg = KnowledgeGraph.build(data, validate=True, since=out)
    earlier = article_graph("dom-en-cable")
    kept = sorted((t.triple if isinstance(t, ox.Quad) else t for t in kg.graphs.triples(earlier)), key=str)
    dropped = kept[0]
    if route == "replace_graph":
        kg.replace_graph(earlier, kept[1:])
    elif route == "graphs.set_graph":
        kg.graphs.set_graph(earlier, kept[1:])
    else:
        kg.dataset.graph(earlier).remove(TermCache().triple_from_ox(dropped))
    kg.write(out)
    written = {q.triple for q in ox.parse((out / "dataset.trig").read_bytes(), format=ox.RdfFormat.TRIG)
               if q.graph_name == ox.NamedNode(str(earlier))}
    assert dropped not in written and written == set(kept[1:])
    assert dropped not in {q.triple for q in ox.parse((out / "asserted.ttl").read_bytes(),
                                                      format=ox.RdfFormat.TURTLE)}
    queried = _kept_triples(out)  # the store there, if one was carried, else one made from the files
    shutil.rmtree(out / STORE_DIR)
    assert queried == _kept_triples(out)


def test_with_the_reference_engine_the_progress_says_everything_is_validated(data: Path, tmp_path: Path):
    out = tmp_path / "build"
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out, engine="reference")
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    notes = build(data, out, engine="reference")  # pySHACL and owlrl run on everything: only the files are spliced
    assert "validating (SHACL) and writing" in notes and not any(REVALIDATED in n for n in notes), notes
    assert_as_first_build(out, data, tmp_path, engine="reference")


def test_an_earlier_file_no_longer_as_written_is_not_read(tmp_path: Path):
    """Edited by hand, even to the same size: the record of how the build wrote its files
    (kg.increment.record_written: sizes and digests) no longer matches, and the file is not read; without a record
    (or with a manifest no longer as written) the earlier build is not read at all. A copy that keeps the bytes but
    not the times is read."""
    import os

    from kg.increment import WRITTEN_FILE, Earlier, record_written, written

    folder = tmp_path / "build"
    folder.mkdir()
    (folder / "inferred.ttl").write_bytes(b"first")
    (folder / "asserted.ttl").write_bytes(b"asserted")
    (folder / "manifest.json").write_text(json.dumps({"sizes": {"inferred.ttl": 5, "asserted.ttl": 8}}))
    names = ("inferred.ttl", "asserted.ttl", "manifest.json")
    record_written(folder, {name: written((folder / name).read_bytes()) for name in names})
    os.utime(folder / "asserted.ttl", ns=(0, 0))  # as a copy that keeps the bytes, not the times
    earlier = Earlier.open(folder)
    assert earlier is not None and earlier.read("inferred.ttl") == b"first"
    assert earlier.read("asserted.ttl") == b"asserted"
    (folder / "inferred.ttl").write_bytes(b"fir5t")  # the same size
    assert earlier.read("inferred.ttl") is None
    earlier.close()
    manifest = folder / "manifest.json"
    manifest.write_text(manifest.read_text().replace("8", "9"))  # the same size
    assert Earlier.open(folder) is None
    record_written(folder, {"manifest.json": written(manifest.read_bytes())})
    assert Earlier.open(folder) is not None
    (folder / WRITTEN_FILE).unlink()
    assert Earlier.open(folder) is None


def test_an_earlier_build_edited_by_hand_to_the_same_size_is_not_carried_into_the_next(data: Path, tmp_path: Path):
    out = tmp_path / "build"
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out)
    label = "Taba-Aqaba"
    for name in ("asserted.ttl", "dataset.trig"):
        text = (out / name).read_text(encoding="utf-8")
        assert label in text
        (out / name).write_text(text.replace(label, "Taba-Aqabx"), encoding="utf-8")
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    build(data, out)
    assert_as_first_build(out, data, tmp_path)


def test_an_earlier_manifest_edited_by_hand_is_not_built_on(data: Path, tmp_path: Path):
    """A build that did not conform, its manifest edited to say it did: the next build validates everything."""
    out = tmp_path / "build"
    shutil.copytree(UPDATE, data / "articles" / UPDATE.name)
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out, allow_violations=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["conforms"] is False
    manifest["conforms"] = True
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    assert not any(REVALIDATED in n for n in build(data, out, allow_violations=True))
    report = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert not report["conforms"]
    assert_as_first_build(out, data, tmp_path, allow_violations=True)
