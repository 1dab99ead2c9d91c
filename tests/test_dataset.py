"""The build's one dataset object (kg.dataset.GraphSet) and its writer: the same triples, terms and bytes as the
rdflib path it replaced, in a sort order that is the documented one."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from kg import KnowledgeGraph, resources
from kg.dataset import GraphSet
from kg.engine.store import serialize_sorted
from kg.export import canonical
from kg.load import load_graphs, parse_bytes
from kg.namespaces import INFERRED_GRAPH

from .conftest import assert_isomorphic

FIXTURES = Path(__file__).parent / "fixtures"

# -- the sort order: N-Triples lines as bytes = (subject, predicate, object) in N-Triples form ------------------

_iri = st.sampled_from(["http://a/", "http://a/b", "http://a/b/", "http://a/b c", "http://é/", "http://a/\u0627"]) \
    .map(lambda x: ox.NamedNode(x.replace(" ", "%20")))
_bnode = st.sampled_from(["b", "b0", "b01", "bb"]).map(ox.BlankNode)
_text = st.text(alphabet=st.sampled_from(['a', ' ', '"', '\\', '\t', '\n', 'é', '\u0627', '@', '^', '<', '>', '_']),
                max_size=4)
_literal = st.one_of(
    _text.map(ox.Literal),
    st.tuples(_text, st.sampled_from(["en", "en-gb", "ar"])).map(lambda t: ox.Literal(t[0], language=t[1])),
    st.tuples(_text, st.sampled_from(["http://www.w3.org/2001/XMLSchema#integer", "http://x/d"]))
    .map(lambda t: ox.Literal(t[0], datatype=ox.NamedNode(t[1]))),
)
_triple = st.tuples(st.one_of(_iri, _bnode), _iri, st.one_of(_iri, _bnode, _literal)).map(lambda t: ox.Triple(*t))


@settings(max_examples=200, deadline=None)
@given(st.sets(_triple, max_size=12))
def test_lines_sorted_as_bytes_are_triples_sorted_by_their_terms(triples: set):
    """What :func:`kg.engine.store.serialize_lines` relies on: no term's form, followed by the separating space,
    sorts differently from the term compared alone (prefixes, quotes, tags, escapes, Arabic)."""
    lines = serialize_sorted([(None, triples)], "nt", converted=True).decode("utf-8").splitlines()
    expected = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    assert lines == [f"{t.subject} {t.predicate} {t.object} ." for t in expected]


def test_turtle_is_written_in_that_order_and_reads_back_to_the_same_triples():
    a, p = ox.NamedNode("http://a/"), ox.NamedNode("http://p/")
    triples = {ox.Triple(a, p, ox.Literal("z")), ox.Triple(a, p, ox.Literal("a b")), ox.Triple(a, p, ox.Literal("a"))}
    data = serialize_sorted([(None, triples)], "turtle", converted=True)
    # by N-Triples form: '"a b"' before '"a"' (a space sorts before the closing quote)
    assert b'<http://a/> <http://p/> "a b" , "a" , "z" .\n' in data
    assert {q.triple for q in ox.parse(data, format=ox.RdfFormat.TURTLE)} == triples


_graph_name = st.sampled_from(["https://w3id.org/ict-coop-kg/graph/article/a", "http://x/g",
                                "https://w3id.org/ict-coop-kg/graph/inferred"]).map(URIRef)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_graph_name, st.sets(_triple, min_size=1, max_size=12), max_size=3))
def test_trig_made_from_turtle_blocks_is_what_the_trig_writer_writes(graphs: dict):
    """The TriG writer of :func:`kg.engine.store.serialize_lines` puts each graph's Turtle inside the graph's
    braces, a tab deeper: byte for byte what pyoxigraph's TriG writer gives for the same sorted quads (literals
    with tabs, line breaks, quotes; blank nodes; prefixed and full graph names)."""
    from kg.engine.store import WRITE_PREFIXES, _sorted_prefix_lines

    data = serialize_sorted(list(graphs.items()), "trig", converted=True)
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
             for name, triples in graphs.items()
             for t in sorted(triples, key=lambda t: f"{t.subject} {t.predicate} {t.object} .".encode())]
    expected = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=WRITE_PREFIXES) if quads else b""
    assert data == _sorted_prefix_lines(expected)


# -- blank nodes: relabelled from the triples that hold them --------------------------------------------------

def test_blank_nodes_get_the_labels_the_whole_graph_would_give_them():
    """The packaged reference data holds blank nodes (``schema:geo [ … ]``): the writer relabels them from the
    triples that hold a blank node only; rdflib's canonicalisation of the whole graph gives the same bytes."""
    kg = KnowledgeGraph.build(reason=False)
    graphs = kg.graphs
    names = graphs.asserted_names()
    union = Graph()
    for name in names:
        for triple in graphs.rdflib_graph(name):
            union.add(canonical(triple))
    assert any(isinstance(t[2], BNode) for t in union), "the data should hold blank nodes"
    whole = serialize_sorted([(None, set(to_canonical_graph(union)))], "nt")
    assert graphs.serialize(names, "nt") == whole


# -- reading: pyoxigraph's parser gives rdflib's terms ------------------------------------------------------

def _turtle_files() -> list[Path]:
    data = Path(str(resources.data_dir()))
    return sorted([*data.rglob("*.ttl"), *FIXTURES.rglob("*.ttl")])


@pytest.mark.parametrize("path", _turtle_files(), ids=lambda p: p.name)
def test_the_fast_parser_gives_the_triples_rdflibs_parser_gives(path: Path):
    data = path.read_bytes()
    fast = parse_bytes(data, label=str(path), fmt="turtle")
    reference = Graph().parse(data=data, format="turtle", publicID="file:///" + str(path).lstrip("/"))
    plain = {t for t in reference if not any(isinstance(x, BNode) for x in t)}
    assert {t for t in fast if not any(isinstance(x, BNode) for x in t)} == plain  # same terms, literal forms too
    assert_isomorphic(reference, fast)


def test_a_syntax_error_is_worded_by_rdflibs_parser(tmp_path: Path):
    from kg.errors import RDFSyntaxError

    with pytest.raises(RDFSyntaxError) as caught:
        parse_bytes(b"@prefix ex: <http://x/> .\nex:a ex:b ex:c ;\n  ex:d .\n", label="bad.ttl", fmt="turtle")
    assert "bad.ttl" in str(caught.value) and "turtle syntax error" in str(caught.value)


def test_an_ill_typed_literal_is_still_refused_after_the_fast_parser():
    from kg.errors import RDFSyntaxError

    with pytest.raises(RDFSyntaxError, match="not a valid xsd:integer"):
        parse_bytes(b'<http://x/a> <http://x/b> "twelve"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
                    label="ill.ttl", fmt="turtle")


# -- the build: loaded back, and reasoned beside validation -------------------------------------------------

def test_a_loaded_build_holds_the_graphs_rdflib_reads_from_it(build_dir: Path):
    loaded = KnowledgeGraph.load(build_dir).graphs
    ds = Dataset()
    ds.parse(build_dir / "dataset.trig", format="trig")
    names = sorted(g.identifier for g in ds.graphs() if len(g) and isinstance(g.identifier, URIRef)
                   and not str(g.identifier).startswith("urn:x-rdflib:"))
    assert loaded.names() == names
    for name in names:
        assert_isomorphic(ds.graph(name), loaded.rdflib_graph(name))


def test_the_rules_leave_the_shared_store_as_they_found_it():
    """The fast engine's rules run in the store the shapes then use: validating after them gives the report that
    validating before them gives, and the store holds as many triples as before."""
    kg = KnowledgeGraph.build(reason=False)
    report = kg.validate()
    size = len(kg.asserted_store)
    kg.engine.infer(kg)
    assert len(kg.asserted_store) == size
    assert len(kg.graphs.triples(INFERRED_GRAPH)) > 1000
    assert kg.validate().to_json() == report.to_json()
    built = KnowledgeGraph.build(validate=True)
    assert built.graphs.triples(INFERRED_GRAPH) == kg.graphs.triples(INFERRED_GRAPH)
    assert built.report is not None and built.report.to_json() == report.to_json()


def test_a_builds_statistics_count_what_the_whole_union_counts():
    """KnowledgeGraph.stats counts in a store of only the predicates its queries read (kg.stats.READ_PREDICATES)."""
    from kg.stats import compute

    kg = KnowledgeGraph.build()
    quick = kg.stats()
    assert "query_store" not in kg.__dict__  # the whole union was not made for it
    whole = compute(kg.graphs.sizes(), kg.query_graph)
    assert quick == whole
    assert quick.classes["kg:Person"] >= 2 and quick.classes["kg:Meeting"] >= 1
    assert any(d.facts for d in quick.domains) and all(d.label_en and d.label_ar for d in quick.domains)


def test_the_store_made_while_loading_holds_what_a_store_made_after_holds(tmp_path: Path):
    """load_graphs(feed_store=True) fills a store in a worker thread as the graphs load; it is given only while it
    holds exactly the asserted graphs, each set once."""
    import threading

    from kg.namespaces import REFERENCE_GRAPH

    graphs, _articles = load_graphs(feed_store=True)
    names = graphs.asserted_names()
    fed = graphs.fed_store(names)
    assert fed is not None and len(fed) >= max(len(graphs.triples(name)) for name in names) > 0  # a union
    assert sorted(map(str, fed)) == sorted(map(str, graphs.store(names)))
    assert graphs.fed_store(names) is None  # given once
    assert not any(t.name == "kg-store-feed" for t in threading.enumerate())

    changed, _articles = load_graphs(feed_store=True)
    changed.set_graph(REFERENCE_GRAPH, set(list(changed.triples(REFERENCE_GRAPH))[1:]))  # its first version is fed
    assert changed.fed_store(changed.asserted_names()) is None
    stale, _articles = load_graphs(feed_store=True)
    stale.stop_feeding()
    assert stale.fed_store(stale.asserted_names()) is None  # nothing fed any more

    bad = tmp_path / "data"
    (bad / "reference").mkdir(parents=True)
    (bad / "reference" / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(Exception, match="broken.ttl"):
        load_graphs(bad, feed_store=True)
    assert not any(t.name == "kg-store-feed" for t in threading.enumerate())  # the worker ended with the error


def test_replacing_an_asserted_graph_remakes_the_views_made_from_it():
    from kg.namespaces import REFERENCE_GRAPH

    kg = KnowledgeGraph.build()
    before = len(kg.asserted_store)
    names_before = len(kg.lookup_index.entities)
    kg.replace_graph(REFERENCE_GRAPH, [])
    assert len(kg.asserted_store) < before
    assert len(kg.lookup_index.entities) < names_before
    assert kg.query_store is not None and len(kg.query_store) < before + len(kg.graphs.triples(INFERRED_GRAPH))


def test_reasoning_sees_a_change_made_through_the_rdflib_master_copy():
    """Once kg.dataset is the master copy, a change made there is reasoned over (the shared store of asserted
    triples, made before it, is not used)."""
    from rdflib import RDF

    from kg.namespaces import KG, REFERENCE_GRAPH

    kg = KnowledgeGraph.build(reason=False, validate=True)
    added = URIRef("https://w3id.org/ict-coop-kg/id/organization/test-added-ministry")
    kg.dataset.graph(REFERENCE_GRAPH).add((added, RDF.type, KG.Ministry))
    kg.engine.infer(kg)
    assert (added, RDF.type, KG.Organization) in kg.inferred


def test_the_rdflib_view_becomes_the_master_copy_once_made():
    kg = KnowledgeGraph.build(reason=False)
    kg.dataset.graph(URIRef("https://w3id.org/ict-coop-kg/graph/reference")).add(
        (URIRef("https://w3id.org/ict-coop-kg/id/x"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
         Literal("added through the rdflib view")))
    assert "added through the rdflib view".encode() in kg.export("nt")
    assert isinstance(kg.graphs, GraphSet)


def test_a_build_larger_than_the_input_limit_still_loads(build_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """KG_MAX_INPUT_MB guards what rdflib reads; a build's own dataset.trig (180 MiB at a thousand articles) is
    read by pyoxigraph whatever its size; one that is not a regular file is still never opened."""
    from kg.errors import InputError

    size_mib = (build_dir / "dataset.trig").stat().st_size / 2**20
    monkeypatch.setenv("KG_MAX_INPUT_MB", str(size_mib / 10))
    loaded = KnowledgeGraph.load(build_dir)
    assert loaded.query("who-met-whom").rows
    fifo_build = build_dir.parent / "fifo-build"
    fifo_build.mkdir()
    import os

    os.mkfifo(fifo_build / "dataset.trig")
    with pytest.raises(InputError, match="no build there"):  # never opened, so never blocks
        KnowledgeGraph.load(fifo_build)


def test_assembled_articles_leave_no_cyclic_garbage_while_the_collector_is_paused(tmp_path: Path):
    """A build pauses Python's garbage collector (kg.api), and assembling an article makes rdflib graphs that
    hold reference cycles: the loader collects each assembled article's objects, so the garbage a paused load
    leaves behind does not grow with the articles (it grew by about 1,900 objects an article)."""
    import gc
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from bench.scale import make_data

    left = {}
    for n in (2, 8):
        make_data(tmp_path / f"d{n}", n)
        gc.collect()
        gc.disable()
        try:
            load_graphs(tmp_path / f"d{n}", use_cache=False)
            left[n] = gc.collect()
        finally:
            gc.enable()
    assert left[8] - left[2] < 500, left


# -- what writing takes, made while the rules run (GraphSet.prepare_writing) ---------------------------------------

def _requests(graphs: GraphSet) -> list[tuple[list, str]]:
    from kg.api import _large_files

    return [(names, fmt) for _file, names, fmt in _large_files(graphs)]


def test_files_made_while_the_rules_run_are_the_files_made_after(monkeypatch: pytest.MonkeyPatch):
    """A build asks for the pieces as the rules start (the inferred graph not there yet); the files written from
    them are byte for byte those of a graph set that prepared nothing, and the prepared graphs are not turned
    into lines again."""
    import kg.dataset as dataset

    asked: list[list] = []
    real_prepare = GraphSet.prepare_writing

    def prepare(self: GraphSet, requests: list) -> None:
        asked.append([names for names, _fmt in requests])
        assert INFERRED_GRAPH not in self.names()  # as the rules start, before their triples are there
        real_prepare(self, requests)

    monkeypatch.setattr(GraphSet, "prepare_writing", prepare)
    kg = KnowledgeGraph.build(prepare_writing=True)
    assert len(asked) == 1
    graphs = kg.graphs
    split_graphs: list = []
    real_split = GraphSet._split

    def counted(triples: set) -> tuple:
        split_graphs.append(triples)
        return real_split(triples)

    monkeypatch.setattr(dataset.GraphSet, "_split", staticmethod(counted))
    prepared = list(graphs.serialize_each(_requests(graphs)))
    assert split_graphs == [graphs.triples(INFERRED_GRAPH)]  # only the graph that came after
    plain = GraphSet()
    plain._graphs = dict(graphs._graphs)
    assert list(plain.serialize_each(_requests(plain))) == prepared


def test_a_graph_set_again_after_the_preparation_is_written_as_it_is_now():
    """Pieces made from a graph that was then replaced are not used: the file holds the new triples."""
    kg = KnowledgeGraph.build()
    graphs = kg.graphs
    data = [name for name in graphs.asserted_names() if "ontology" not in name]  # the ontology declares kg:sha256
    requests = [(data, "turtle"), (data, "trig")]
    before = graphs.serialize(requests[0][0], "turtle")
    graphs.prepare_writing(requests)
    article = next(name for name in graphs.names() if "/article/" in name)
    kept = {t for t in graphs.triples(article) if "sha256" not in t.predicate.value}
    graphs.set_graph(article, kept)
    written = list(graphs.serialize_each(requests))
    fresh = GraphSet()
    fresh._graphs = dict(graphs._graphs)
    assert written == list(fresh.serialize_each(requests))
    assert before.count(b"kg:sha256 ") == 1
    assert b"kg:sha256 " not in written[0] and b"kg:sha256 " not in written[1]  # the article's digest is gone


def test_an_error_while_preparing_is_raised_by_the_writing(monkeypatch: pytest.MonkeyPatch):
    graphs = GraphSet()
    graphs.set_graph(URIRef("https://example.org/g"), {ox.Triple(ox.NamedNode("http://a/"), ox.NamedNode("http://a/p"),
                                                                 ox.Literal("x"))})

    def broken(triples: set) -> tuple:
        raise MemoryError("no memory left")

    monkeypatch.setattr(GraphSet, "_split", staticmethod(broken))
    graphs.prepare_writing([([URIRef("https://example.org/g")], "turtle")])
    with pytest.raises(MemoryError, match="no memory left"):
        next(graphs.serialize_each([([URIRef("https://example.org/g")], "turtle")]))


def test_turtle_written_a_piece_at_a_time_is_turtle_written_at_once(monkeypatch: pytest.MonkeyPatch):
    """serialize_lines gives the Turtle writer whole subjects a piece at a time; the bytes are those of one call,
    wherever the pieces are cut."""
    import kg.engine.store as store

    graphs = load_graphs()[0]
    names = graphs.asserted_names()
    monkeypatch.setattr(store, "TURTLE_PIECE", 10**9)
    once = graphs.serialize(names, "turtle")
    for size in (1, 7, 500):
        monkeypatch.setattr(store, "TURTLE_PIECE", size)
        assert graphs.serialize(names, "turtle") == once


def test_pieces_are_cut_between_subjects_only(monkeypatch: pytest.MonkeyPatch):
    import kg.engine.store as store

    lines = sorted(line for line in ox.serialize(list(load_graphs()[0].triples(URIRef(
        "https://w3id.org/ict-coop-kg/graph/reference"))), format=ox.RdfFormat.N_TRIPLES).split(b"\n") if line)
    for size in (1, 3, 50):
        monkeypatch.setattr(store, "TURTLE_PIECE", size)
        cuts = store._subject_cuts(lines)
        assert cuts[0] == 0 and cuts[-1] == len(lines) and cuts == sorted(set(cuts))
        for cut in cuts[1:-1]:
            assert lines[cut - 1].split(b" ")[0] != lines[cut].split(b" ")[0]
        assert len(cuts) > 2


# -- graphs kept as their N-Triples documents (kg.dataset.GraphSet.set_document) ------------------------------

_DOC_GRAPH = URIRef("https://w3id.org/ict-coop-kg/graph/article/doc")


def _document_triples() -> set:
    a, b, p = ox.NamedNode("http://a/"), ox.NamedNode("http://a/b"), ox.NamedNode("http://p/")
    return {ox.Triple(a, p, ox.Literal("07", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
            ox.Triple(a, p, ox.Literal('two\nlines, a "quote" and \u0627\u0644\u0639\u0631\u0628\u064a\u0629')),
            ox.Triple(a, p, ox.Literal("1")), ox.Triple(b, p, ox.Literal("12", language="ar")), ox.Triple(b, p, a)}


def _counting_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The labels of the documents :mod:`kg.dataset` parses, as it parses them."""
    from kg import dataset

    parsed: list[str] = []
    real = dataset._parse_document

    def spy(data: bytes, label: str) -> set:
        parsed.append(label)
        return real(data, label)

    monkeypatch.setattr(dataset, "_parse_document", spy)
    return parsed


def test_a_graph_kept_as_its_document_is_read_without_parsing_until_its_triples_are_asked_for(
        monkeypatch: pytest.MonkeyPatch):
    triples = _document_triples()
    parsed = _counting_parses(monkeypatch)
    graphs = GraphSet()
    graphs.set_document(_DOC_GRAPH, ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES), label="the doc")
    # what stages ask of a graph without reading it: its name, size, one triple, whether it holds a triple
    assert graphs.names() == [_DOC_GRAPH] and graphs.has(_DOC_GRAPH)
    assert graphs.sizes() == {str(_DOC_GRAPH): 5} and len(graphs) == 5
    assert graphs.any_triple(_DOC_GRAPH) in triples
    assert all(graphs.holds(_DOC_GRAPH, t) for t in triples)
    a, p = ox.NamedNode("http://a/"), ox.NamedNode("http://p/")
    # a line that another line begins with, or ends with, is not held
    assert not graphs.holds(_DOC_GRAPH, ox.Triple(a, p, ox.Literal("0")))
    assert not graphs.holds(_DOC_GRAPH, ox.Triple(ox.NamedNode("http://a/b"), p, ox.Literal("1")))
    assert not graphs.holds(_DOC_GRAPH, ox.Triple(a, p, ox.Literal("12", language="ar")))
    assert parsed == []
    read = graphs.triples(_DOC_GRAPH)
    assert {t.triple for t in read} == triples and parsed == ["the doc"]
    assert graphs.triples(_DOC_GRAPH) is read and parsed == ["the doc"]  # parsed once
    # parsed, the same answers
    assert graphs.sizes() == {str(_DOC_GRAPH): 5} and all(graphs.holds(_DOC_GRAPH, t) for t in triples)
    assert not graphs.holds(_DOC_GRAPH, ox.Triple(a, p, ox.Literal("0")))


def test_a_document_with_blank_nodes_or_asked_to_be_parsed_is_parsed_when_it_is_set(monkeypatch: pytest.MonkeyPatch):
    parsed = _counting_parses(monkeypatch)
    graphs = GraphSet()
    # a blank node as the object of a line that starts as every line does (one as a subject starts its line)
    blank = [ox.Triple(ox.NamedNode("http://a/"), ox.NamedNode("http://p/"), ox.BlankNode("b1")),
             ox.Triple(ox.NamedNode("http://a/"), ox.NamedNode("http://p/"), ox.Literal("x"))]
    graphs.set_document(_DOC_GRAPH, ox.serialize(blank, format=ox.RdfFormat.N_TRIPLES), label="blank")
    plain = ox.serialize(list(_document_triples()), format=ox.RdfFormat.N_TRIPLES)
    graphs.set_document(INFERRED_GRAPH, plain, label="asked", parse=True)
    assert parsed == ["blank", "asked"]


def test_a_document_that_cannot_be_parsed_is_an_error_naming_where_it_comes_from():
    from kg.errors import RDFSyntaxError

    graphs = GraphSet()
    graphs.set_document(_DOC_GRAPH, b"<http://a/> <http://p/> .\n", label="the cache's entry")
    assert graphs.has(_DOC_GRAPH)  # not read yet
    with pytest.raises(RDFSyntaxError, match="the cache's entry"):
        graphs.triples(_DOC_GRAPH)
    with pytest.raises(RDFSyntaxError, match="the cache's entry"):
        GraphSet().set_document(_DOC_GRAPH, b"<http://a/> <http://p/> .\n", label="the cache's entry", parse=True)


def test_a_store_fed_a_document_stays_true_to_it_once_it_is_parsed():
    """Parsing a document is not a change: the store fed with it is still given; setting the graph again is."""
    data = ox.serialize(list(_document_triples()), format=ox.RdfFormat.N_TRIPLES)
    graphs = GraphSet()
    graphs.feed_store()
    graphs.set_document(_DOC_GRAPH, data, label="doc")
    graphs.triples(_DOC_GRAPH)
    fed = graphs.fed_store([_DOC_GRAPH])
    assert fed is not None and len(fed) == 5
    again = GraphSet()
    again.feed_store()
    again.set_document(_DOC_GRAPH, data, label="doc")
    again.set_graph(_DOC_GRAPH, set(list(_document_triples())[1:]))
    assert again.fed_store([_DOC_GRAPH]) is None


def test_files_prepared_from_articles_kept_as_documents_are_the_files_made_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Articles taken from the cache and kept as their documents (load_graphs' keep_documents, as a build on an
    earlier one loads them): the writing prepared beside the rules takes their lines from the documents themselves
    (GraphSet._parsed_in_order); the files are byte for byte those of the same graphs written without any
    preparation."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    data = FIXTURES / "domain" / "data"
    load_graphs(data)  # fills the cache
    from_documents: list[URIRef] = []
    real = GraphSet._parsed_in_order

    def spy(self: GraphSet, name: URIRef):  # type: ignore[no-untyped-def]
        found = real(self, name)
        from_documents.extend([name] if found is not None else [])
        return found

    monkeypatch.setattr(GraphSet, "_parsed_in_order", spy)
    graphs, _articles = load_graphs(data, keep_documents=True)
    graphs.prepare_writing(_requests(graphs))
    prepared = list(graphs.serialize_each(_requests(graphs)))
    articles = sorted(n for n in graphs.names() if "/graph/article/" in str(n))
    assert len(articles) > 1 and sorted(from_documents) == articles
    plain = GraphSet()
    plain._graphs = {name: graphs.triples(name) for name in graphs.names()}
    assert list(plain.serialize_each(_requests(plain))) == prepared


@pytest.mark.parametrize("layout", ["no final line break", "a comment line", "CRLF", "a leading space",
                                    "a typed literal last, no final line break"])
def test_a_document_not_laid_out_as_the_writer_lays_it_out_is_parsed_when_it_is_set(
        layout: str, monkeypatch: pytest.MonkeyPatch):
    """What is read of a kept document without parsing it (lines as triples) holds only for the writer's layout;
    valid N-Triples laid out otherwise (a cache entry edited by hand) is parsed at once and read as parsed."""
    triples = _document_triples()
    data = ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES)
    typed = ox.serialize([t for t in triples if isinstance(t.object, ox.Literal)
                          and t.object.datatype.value.endswith("#integer")], format=ox.RdfFormat.N_TRIPLES)
    data = {"no final line break": data[:-1], "a comment line": b"# kept by hand\n" + data,
            "CRLF": data.replace(b"\n", b"\r\n"), "a leading space": b" " + data,
            "a typed literal last, no final line break": data.replace(typed, b"") + typed[:-1]}[layout]
    parsed = _counting_parses(monkeypatch)
    graphs = GraphSet()
    graphs.set_document(_DOC_GRAPH, data, label=layout)
    assert parsed == [layout]
    one = graphs.any_triple(_DOC_GRAPH)
    assert graphs.sizes() == {str(_DOC_GRAPH): 5} and ox.Triple(one.subject, one.predicate, one.object) in triples
    assert all(graphs.holds(_DOC_GRAPH, t) for t in triples)
    assert {t.triple for t in graphs.literal_triples(_DOC_GRAPH)} == triples


def test_a_graph_set_while_its_document_is_parsed_for_the_writing_keeps_the_new_triples(
        monkeypatch: pytest.MonkeyPatch):
    """A graph set again (another thread, as KnowledgeGraph.replace_graph) while the writing's thread parses its
    document waits for the parse, then replaces it: the graph and the file written hold the new triples."""
    import threading

    from kg import dataset

    data = ox.serialize(list(_document_triples()), format=ox.RdfFormat.N_TRIPLES)
    new = {ox.Triple(ox.NamedNode("http://new/"), ox.NamedNode("http://p/"), ox.Literal("new"))}
    graphs = GraphSet()
    graphs.set_document(_DOC_GRAPH, data, label="doc")
    setter = threading.Thread(target=graphs.set_graph, args=(_DOC_GRAPH, new))
    real = dataset._parse_document

    def slow(data: bytes, label: str, **kwargs):  # type: ignore[no-untyped-def]
        setter.start()  # sets the graph while the parse is under way
        setter.join(0.3)
        return real(data, label, **kwargs)

    monkeypatch.setattr(dataset, "_parse_document", slow)
    graphs.prepare_writing([([_DOC_GRAPH], "nt")])
    graphs._preparing[0].join()  # type: ignore[index]  the preparation over, from the document
    setter.join()  # then the graph set again, not undone by the parse that was under way
    assert graphs.triples(_DOC_GRAPH) == new and graphs.sizes() == {str(_DOC_GRAPH): 1}
    assert next(graphs.serialize_each([([_DOC_GRAPH], "nt")])) == b'<http://new/> <http://p/> "new" .\n'
