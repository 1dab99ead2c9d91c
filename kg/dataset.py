"""The build's dataset: named graphs of pyoxigraph triples, every term exactly as it was loaded.

A build carries one :class:`GraphSet` from stage to stage: loading fills it (ontology, reference data, one graph
per article), reasoning adds ``graph/inferred``, validation and queries read it through Oxigraph stores made
from it, and writing serialises it. Its terms are pyoxigraph terms held in Python sets, one set per named graph —
not an Oxigraph ``Store``, which rewrites typed literals to their canonical form (``"07"^^xsd:integer`` →
``"7"``, ``xsd:nonNegativeInteger`` → ``xsd:integer``), so that what was loaded is what is written.

A graph read from the article cache (:meth:`GraphSet.set_document`) can be kept as the N-Triples document it was
read from until a stage reads its triples (:meth:`GraphSet.triples`): a build that builds on an earlier one reads
the unchanged articles only through the store made from those documents, and never parses them (on 1,000
articles, 4 s of CPU and 780 MiB). Where a stage does read them, the writing prepared beside the rules
(:meth:`GraphSet.prepare_writing`) takes their lines from the documents, and the rules parse, before they run,
only the lines that can hold a typed literal (:meth:`GraphSet.literal_triples`).

Why not an rdflib ``Dataset``: at a million triples rdflib's memory store costs several GiB and about 20 µs per
added triple, and its writers are quadratic. The rdflib view (:meth:`GraphSet.to_rdflib`) is still there for
the parts of the library that work on rdflib graphs (the reference engine, the web pages, publishing): it is
made on demand, from the same terms.

Writing (:meth:`GraphSet.serialize`) is deterministic: graphs in IRI order, triples sorted by the N-Triples
forms of subject, predicate and object, ``"a"^^xsd:string`` written as ``"a"`` (one RDF 1.1 term), and blank
nodes relabelled from the graph's structure (:func:`rdflib.compare.to_canonical_graph`, on the triples that
hold a blank node), so that the same input gives the same bytes in every process and with either engine.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.namespaces import INFERRED_GRAPH, bind_prefixes

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_Split = tuple[list[bytes], list[Any], list[Any]]
"""A graph's triples that hold no blank node, their N-Triples lines (same order), and those that hold one."""


class _Prepared(NamedTuple):
    """What :meth:`GraphSet.prepare_writing` made, each with the graphs' sets it was made from."""

    graphs: dict[URIRef, tuple[set[Any], _Split]]
    """Each graph's set and its :meth:`GraphSet._split`."""
    files: dict[tuple[tuple[URIRef, ...], str], tuple[list[set[Any]], bytes]]
    """Each whole file by ``(names, fmt)``: its graphs' sets and its bytes."""


class TermCache:
    """Converts terms between rdflib and pyoxigraph, each distinct IRI once (most triples share their IRIs)."""

    def __init__(self) -> None:
        from kg.engine.store import to_ox  # not at the top: that module uses this one

        self._to_ox: dict[Node, Any] = {}
        self._from_ox: dict[Any, Node] = {}
        self._bnodes: dict[str, Any] = {}
        self._convert = to_ox

    def to_ox(self, term: Node) -> Any:
        """An rdflib term as a pyoxigraph term (see :func:`kg.engine.store.to_ox`)."""
        if isinstance(term, URIRef):
            found = self._to_ox.get(term)
            if found is None:
                found = self._to_ox[term] = self._convert(term)
            return found
        return self._convert(term, self._bnodes)

    def triple_to_ox(self, triple: tuple[Node, Node, Node]) -> Any:
        """An rdflib triple as a ``pyoxigraph.Triple``."""
        import pyoxigraph as ox

        s, p, o = triple
        return ox.Triple(self.to_ox(s), self.to_ox(p), self.to_ox(o))

    def from_ox(self, term: Any) -> Node:
        """A pyoxigraph term as an rdflib term (``xsd:string`` literals as simple literals)."""
        import pyoxigraph as ox

        if isinstance(term, ox.NamedNode):
            found = self._from_ox.get(term)
            if found is None:
                found = self._from_ox[term] = URIRef(term.value)
            return found
        from kg.engine.store import from_ox

        return from_ox(term)  # type: ignore[return-value]

    def triple_from_ox(self, triple: Any) -> tuple[Node, Node, Node]:
        """A ``pyoxigraph.Triple`` (or ``Quad``) as an rdflib triple."""
        return self.from_ox(triple.subject), self.from_ox(triple.predicate), self.from_ox(triple.object)


class _StoreFeed:
    """An in-memory Oxigraph store filled from N-Triples documents by a worker thread: pyoxigraph lets go of the
    interpreter while it parses and indexes, so the store is made while this thread goes on loading. A store
    gives each document's blank nodes new ids, so graphs that hold blank nodes are kept aside (:attr:`later`)."""

    def __init__(self) -> None:
        import queue
        import threading

        import pyoxigraph as ox

        self.store = ox.Store()
        self.error: BaseException | None = None
        self.later: dict[URIRef, set[Any]] = {}
        """Graphs holding blank nodes: added by :meth:`GraphSet.fed_store` with their own blank nodes."""
        self.spoiled = False
        """Whether a graph was set twice (a store cannot take back the triples of its first version)."""
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="kg-store-feed", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import pyoxigraph as ox

        while (data := self._queue.get()) is not None:
            if self.error is None:
                try:
                    self.store.load(data, format=ox.RdfFormat.N_TRIPLES, lenient=True)  # terms already checked
                except BaseException as exc:  # noqa: BLE001  handed over by close()
                    self.error = exc

    def add(self, data: bytes) -> None:
        """Load ``data`` (N-Triples) into the store's default graph, in the worker."""
        self._queue.put(data)

    def close(self) -> pyoxigraph.Store | None:
        """Wait for the worker; the store, or None when a document could not be loaded."""
        self._queue.put(None)
        self._thread.join()
        return None if self.error is not None else self.store


class GraphSet:
    """Named graphs (rdflib ``URIRef`` names) of sets of pyoxigraph triples: the dataset of one build. A set
    holds ``pyoxigraph.Triple`` objects, or the default-graph ``pyoxigraph.Quad`` objects pyoxigraph's parser
    gives (both have ``subject``, ``predicate`` and ``object``; ask membership with :meth:`holds`)."""

    def __init__(self) -> None:
        self._graphs: dict[URIRef, set[Any]] = {}
        self._documents: dict[URIRef, bytes] = {}
        """Graphs kept as an N-Triples document until their triples are read (:meth:`set_document`); a name is
        in this or in :attr:`_graphs`, never in both."""
        self._parsing = threading.Lock()  # a document is parsed once, whichever thread reads it first
        self.terms = TermCache()
        self._labels: dict[URIRef, str] = {}
        """Where each document of :attr:`_documents` comes from (for an error)."""
        self._feed: _StoreFeed | None = None
        self._fed: dict[URIRef, set[Any]] = {}
        self._preparing: tuple[Any, _Prepared, list[BaseException]] | None = None
        self.reference_digest: bytes | None = None
        """The digest of the reference data's files these graphs were loaded with (:func:`kg.load.load_graphs`),
        part of each article's cache key; None when not loaded from a data folder (parsed from a build)."""
        self.changes = 0
        """How many times a graph was set (:meth:`set_graph`, :meth:`set_rdflib_graph`): 0 for graphs as parsed
        from a build (:meth:`parse`), so that what was kept with that build still describes them."""

    # -- contents ---------------------------------------------------------------------------------------
    def names(self) -> list[URIRef]:
        """The names of the non-empty graphs, sorted."""
        with self._parsing:  # at one moment: a document parsed in another thread moves from one table to the other
            found = {name for name, triples in self._graphs.items() if triples}
            found.update(self._documents)
        return sorted(found)

    def asserted_names(self) -> list[URIRef]:
        """Every graph but the inferred one (ontology, reference data, articles), sorted."""
        return [name for name in self.names() if name != INFERRED_GRAPH]

    def triples(self, name: URIRef) -> set[Any]:
        """The triples of graph ``name`` (empty when there is no such graph); do not change the set. A graph kept
        as a document (:meth:`set_document`) is parsed now, once."""
        name = URIRef(name)
        found = self._graphs.get(name)
        return found if found is not None else self._parsed(name)

    def has(self, name: URIRef) -> bool:
        """Whether graph ``name`` holds a triple (a document is not parsed for this)."""
        name = URIRef(name)
        return name in self._documents or bool(self._graphs.get(name))

    def any_triple(self, name: URIRef) -> Any:
        """One triple of the non-empty graph ``name`` (of a document, its first line's, parsed alone)."""
        import pyoxigraph as ox

        data = self._documents.get(URIRef(name))
        if data is not None:  # kept, so laid out as the writer lays it out (_plain): its first line is a triple
            return next(ox.parse(data[:data.index(b"\n") + 1], format=ox.RdfFormat.N_TRIPLES)).triple
        return next(iter(self.triples(name)))

    def literal_triples(self, name: URIRef) -> Iterable[Any]:
        """The triples of graph ``name`` whose object may be a typed literal: every triple of a parsed graph; of a
        document, the triples of the lines that can hold one (``"…"^^<…>``), parsed alone (on 1,000 articles,
        one line in 27: what reasoning reads of every graph before the rules run, see
        :func:`kg.engine.rules.infer_triples`)."""
        import pyoxigraph as ox

        data = self._documents.get(URIRef(name))
        if data is None:
            return self.triples(name)
        lines: list[bytes] = []
        found = data.find(b'"^^<')
        while found >= 0:
            start = data.rfind(b"\n", 0, found) + 1
            end = data.find(b"\n", found) + 1 or len(data)  # a document kept ends with a line break (_plain)
            lines.append(data[start:end])
            found = data.find(b'"^^<', end)
        return [quad.triple for quad in ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)]

    def holds(self, name: URIRef, triple: Any) -> bool:
        """Whether graph ``name`` holds ``triple`` (a ``pyoxigraph.Triple``). A graph's set holds triples as they
        were made: ``pyoxigraph.Triple``, or the default-graph ``pyoxigraph.Quad`` that pyoxigraph's parser gives
        (an article read from the cache or a worker), which compare unequal; both are asked for. A graph kept as a
        document is asked for the triple's N-Triples line, as its writer wrote every line (one per triple)."""
        import pyoxigraph as ox

        data = self._documents.get(URIRef(name))
        if data is not None:
            line = ox.serialize([ox.Triple(triple.subject, triple.predicate, triple.object)],
                                format=ox.RdfFormat.N_TRIPLES)
            return data.startswith(line) or b"\n" + line in data
        triples = self.triples(name)
        return triple in triples or ox.Quad(triple.subject, triple.predicate, triple.object) in triples

    def __len__(self) -> int:
        """The number of triples, counted once per graph that holds them."""
        return sum(self._size(name) for name in self.names())

    def sizes(self) -> dict[str, int]:
        """Triples per non-empty graph, by graph IRI."""
        return {str(name): self._size(name) for name in self.names()}

    def _size(self, name: URIRef) -> int:
        """The number of triples of graph ``name``: of a document, its lines (one per triple, each triple once).
        A document parsed meanwhile has its set in :attr:`_graphs` before it leaves :attr:`_documents`."""
        data = self._documents.get(name)
        return data.count(b"\n") if data is not None else len(self._graphs.get(name, ()))

    def set_graph(self, name: URIRef, triples: Iterable[Any], ntriples: bytes | None = None) -> None:
        """Replace graph ``name`` by ``triples`` (``pyoxigraph.Triple``); ``ntriples``, when given, is an N-Triples
        document of exactly those triples (what they were parsed from), so they need not be written again for
        the store being fed."""
        self._put(URIRef(name), set(triples), ntriples)

    def set_rdflib_graph(self, name: URIRef, graph: Iterable[tuple[Node, Node, Node]]) -> None:
        """Replace graph ``name`` by the triples of an rdflib graph (or any rdflib triples)."""
        convert = self.terms.triple_to_ox
        self._put(URIRef(name), {convert(t) for t in graph})

    def set_document(self, name: URIRef, ntriples: bytes, *, label: str, parse: bool = False) -> None:
        """Replace graph ``name`` by the triples of ``ntriples``, an N-Triples document with one line per triple,
        each triple once, as :func:`pyoxigraph.serialize` writes a set of triples (the article cache's entries).
        Unless ``parse``, the document is parsed when a stage first reads the triples (:meth:`triples`). It is
        parsed now when it is not laid out as that writer lays out triples without blank nodes (:func:`_plain`:
        a store given the document would rename blank nodes, see :meth:`feed_store`, and the lines stand for
        the triples until the parse), or is larger than the parser reads at once. ``label`` names where the
        document comes from, for the error raised (:class:`kg.errors.RDFSyntaxError`, by this or by
        :meth:`triples`) when it cannot be parsed. A document with a line twice would be counted twice
        (:meth:`sizes`) until it is parsed: the writer writes each triple once."""
        name = URIRef(name)
        if parse or not _plain(ntriples):
            self._put(name, _parse_document(ntriples, label), ntriples)
            return
        with self._parsing:
            self._documents[name] = ntriples
            self._labels[name] = label
            self._graphs.pop(name, None)
            self.changes += 1
            if self._feed is not None:
                if name in self._fed:
                    self._feed.spoiled = True  # the store holds the graph's triples as they were too
                self._feed.later.pop(name, None)
                self._feed.add(ntriples)
                self._fed[name] = ntriples  # the document stands for its triples, until they are parsed

    def _parsed(self, name: URIRef) -> set[Any]:
        """The triples of the graph ``name`` when it is kept as a document, parsed now (once, by whichever thread
        asks first; a graph is set only between parses: :meth:`_put` and :meth:`set_document` take the same lock);
        else its set, or an empty one."""
        with self._parsing:
            data = self._documents.get(name)
            if data is None:  # parsed meanwhile, set again, or no such graph
                return self._graphs.get(name, set())
            triples = _parse_document(data, self._labels[name])
            self._install(name, data, triples)
            return triples

    def _parsed_in_order(self, name: URIRef) -> tuple[set[Any], _Split] | None:
        """The triples of the graph kept as a document, parsed now (as :meth:`_parsed`), with its :meth:`_split`
        taken from the document itself (its lines, one per triple, and the triples parsed in their order: a
        document holds no blank node); None when ``name`` is not kept as a document (any more)."""
        with self._parsing:
            data = self._documents.get(name)
            if data is None:
                return None
            listed = list(_parse_document(data, self._labels[name], ordered=True))
            lines = data.split(b"\n")[:-1]
            if len(lines) != len(listed):  # not one triple per line: split from the set as any graph
                return None
            triples = set(listed)
            self._install(name, data, triples)
        return triples, _sorted_split(lines, listed, [])

    def _install(self, name: URIRef, data: bytes, triples: set[Any]) -> None:
        """Put the parsed ``triples`` of the document ``data`` of graph ``name`` in its place (the caller holds
        :attr:`_parsing`): the set before the document goes, so that a reader sees one or the other; a store fed
        the document was fed these triples."""
        self._graphs[name] = triples
        del self._documents[name]
        if self._fed.get(name) is data:
            self._fed[name] = triples

    def _put(self, name: URIRef, triples: set[Any], data: bytes | None = None) -> None:
        feed = self._feed
        if feed is not None and triples and data is None:
            import pyoxigraph as ox

            data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
        with self._parsing:  # not while another thread parses a document (_parsed): its result would replace this
            self._graphs[name] = triples  # before the document goes: a reader sees one or the other
            self._documents.pop(name, None)
            self.changes += 1
            if feed is None:
                return
            if name in self._fed:
                feed.spoiled = True  # the store holds the graph's triples as they were too: no use any more
            if triples:
                if b"_:" in data:  # type: ignore[operator]  a store renames a document's blank nodes: added as they are
                    feed.later[name] = triples
                else:
                    feed.later.pop(name, None)
                    feed.add(data)  # type: ignore[arg-type]
                self._fed[name] = triples

    # -- a store made while loading --------------------------------------------------------------------------
    def feed_store(self) -> None:
        """From now on, put every graph that is set into a store as well, in a worker thread (see
        :meth:`fed_store`); a build starts this before it loads, so that its store of asserted triples is made
        while the articles are read."""
        self.stop_feeding()
        self._feed = _StoreFeed()
        self._fed = {}

    def stop_feeding(self) -> None:
        """Stop the worker :meth:`feed_store` started, and let go of its store."""
        if self._feed is not None:
            self._feed.close()
        self._feed, self._fed = None, {}

    def fed_store(self, names: Iterable[URIRef]) -> pyoxigraph.Store | None:
        """The store :meth:`feed_store` made — the union of the graphs ``names`` in its default graph, like
        :meth:`store` — if those are exactly the graphs fed to it, each set once; otherwise None (the caller
        makes one with :meth:`store`). Feeding stops either way; the store is given once."""
        feed, fed = self._feed, self._fed
        self._feed, self._fed = None, {}
        if feed is None:
            return None
        store = feed.close()
        with self._parsing:  # a document parsed meanwhile is the same graph: its set now stands for it in fed
            wanted = {URIRef(n) for n in names if self.has(URIRef(n))}
            stale = feed.spoiled or set(fed) != wanted or any(
                self._documents.get(n, self._graphs.get(n)) is not fed[n] for n in wanted)
        if store is None or stale:
            return None
        import pyoxigraph as ox

        for triples in feed.later.values():
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        return store

    # -- rdflib views -----------------------------------------------------------------------------------
    def rdflib_graph(self, name: URIRef) -> Graph:
        """Graph ``name`` as a new in-memory rdflib graph."""
        graph = Graph(identifier=URIRef(name))
        bind_prefixes(graph)
        convert = self.terms.triple_from_ox
        for t in self.triples(name):
            graph.add(convert(t))
        return graph

    def to_rdflib(self, store: str = "default") -> Dataset:
        """Every graph in a new rdflib ``Dataset`` on the named store plugin (see :func:`kg.load.new_dataset`)."""
        from kg.load import new_dataset

        ds = new_dataset(store)
        convert = self.terms.triple_from_ox
        for name in self.names():
            target = ds.graph(name)
            if store == "default":
                for t in self.triples(name):
                    target.add(convert(t))
            else:
                target.addN((*convert(t), target) for t in self.triples(name))
        return ds

    @classmethod
    def from_rdflib(cls, ds: Dataset) -> GraphSet:
        """The named graphs of an rdflib dataset (its own default graph left out)."""
        from kg.load import graph_names

        graphs = cls()
        for name in graph_names(ds):
            graphs.set_rdflib_graph(name, ds.graph(name))
        return graphs

    @classmethod
    def parse(cls, path: Any, *, label: str | None = None) -> GraphSet:
        """The named graphs of a TriG or N-Quads file written by a build (pyoxigraph's parser: terms verbatim).
        Raises :class:`kg.errors.RDFSyntaxError` naming the file, line and column."""
        import pyoxigraph as ox

        from kg.errors import Location, RDFSyntaxError
        from kg.terms import PARSER_LIMIT_MESSAGE, is_parser_limit

        fmt = ox.RdfFormat.N_QUADS if str(path).endswith(".nq") else ox.RdfFormat.TRIG
        graphs: dict[URIRef, set[Any]] = {}
        names: dict[Any, URIRef] = {}
        try:
            for quad in ox.parse(path=str(path), format=fmt):
                name = names.get(quad.graph_name)
                if name is None:
                    if not isinstance(quad.graph_name, ox.NamedNode):
                        continue  # the default graph: a build writes none
                    name = names[quad.graph_name] = URIRef(quad.graph_name.value)
                    graphs[name] = set()
                graphs[name].add(quad.triple)
        except SyntaxError as exc:
            where = Location(label or str(path), getattr(exc, "lineno", None), getattr(exc, "offset", None))
            raise RDFSyntaxError(f"could not be read: {exc.msg}", where) from None
        except OSError as exc:  # pyoxigraph's, which does not name the file: a permission, a folder …
            from kg.errors import InputError

            raise InputError(f"{label or path}: could not be read: {exc.strerror or exc}") from None
        except MemoryError as exc:
            if not is_parser_limit(exc):
                raise
            raise RDFSyntaxError(f"could not be read: it {PARSER_LIMIT_MESSAGE}; build it again (kg now refuses a "
                                 "term too long to be read back)", Location(label or str(path))) from None
        out = cls()
        out._graphs = graphs
        return out

    # -- stores -------------------------------------------------------------------------------------------
    def store(self, names: Iterable[URIRef] | None = None, *, predicates: Iterable[URIRef] | None = None,
              into: pyoxigraph.Store | None = None) -> pyoxigraph.Store:
        """A new in-memory Oxigraph store holding the union of ``names`` (None: every graph) in its default
        graph, each triple once (beware: the store rewrites typed literals to their canonical form); with
        ``predicates``, only the triples of those predicates; with ``into``, that store, those triples added."""
        import pyoxigraph as ox

        store = ox.Store() if into is None else into
        wanted = None if predicates is None else {self.terms.to_ox(p) for p in predicates}
        for name in self.names() if names is None else names:
            triples = self.triples(name)
            chosen = triples if wanted is None else (t for t in triples if t.predicate in wanted)
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in chosen)
        return store

    # -- writing ----------------------------------------------------------------------------------------
    def prepare_writing(self, requests: list[tuple[list[URIRef], str]]) -> None:
        """Start making, in a daemon thread, what the next :meth:`serialize_each` of ``requests`` (or of some of
        them) takes: each graph's sorted N-Triples lines, and each requested triple-format file whose graphs are
        all there now (a TriG file is written graph by graph, at writing). They are used for every graph still as
        it is now (a graph set again is made anew). A build calls this as reasoning starts its rules, which run in
        Oxigraph, without Python's interpreter lock, and leave the asserted graphs as they are: on two cores,
        what writing the asserted graphs takes is made beside them (the inferred graph is not there yet). Raises
        nothing: an error of the thread is raised by the next :meth:`serialize_each`; a preparation not yet taken
        is waited for and dropped."""
        import threading

        from kg.engine.store import serialize_lines

        if self._preparing is not None:  # one preparation at a time: the earlier one's pieces and error dropped
            self._preparing[0].join()
            self._preparing = None
        # what to make is chosen now, in this thread: the graphs as they are, each once (a document is parsed in
        # the thread; a graph set again meanwhile is what its set then stands for, which the writer checks)
        wanted = list(dict.fromkeys(URIRef(name) for names, _fmt in requests for name in names))
        present = {name for name in wanted if self.has(name)}
        whole = [(names, fmt) for names, fmt in requests
                 if fmt not in ("trig", "nquads") and all(URIRef(name) in present for name in names)]
        done = _Prepared({}, {})
        failed: list[BaseException] = []

        def run() -> None:
            try:
                graphs: dict[URIRef, set[Any]] = {}
                split: dict[URIRef, _Split] = {}
                for name in wanted:
                    parsed = self._parsed_in_order(name)  # a document's lines are the lines the writer wants
                    if parsed is not None:
                        graphs[name], split[name] = parsed
                    else:
                        graphs[name] = self.triples(name)
                        if graphs[name]:
                            split[name] = self._split(graphs[name])
                for names, fmt in whole:
                    done.files[(tuple(names), fmt)] = ([graphs[URIRef(n)] for n in names],
                                                       serialize_lines(self._pairs(split, names, fmt), fmt))
                done.graphs.update((name, (graphs[name], graph_split)) for name, graph_split in split.items())
            except BaseException as exc:  # noqa: BLE001  raised by serialize_each
                failed.append(exc)

        thread = threading.Thread(target=run, name="kg-prepare-writing", daemon=True)
        self._preparing = (thread, done, failed)
        thread.start()

    def _take_prepared(self) -> _Prepared:
        """What :meth:`prepare_writing` made (waited for); raises its thread's error. Given once."""
        preparing, self._preparing = self._preparing, None
        if preparing is None:
            return _Prepared({}, {})
        thread, done, failed = preparing
        thread.join()
        if failed:
            raise failed[0]
        return done

    @staticmethod
    def _split(triples: set[Any]) -> _Split:
        """A graph's triples that hold no blank node with their N-Triples lines, both in the order of the lines
        (the files' order: a file of many graphs then sorts runs already sorted, which took 0.4 s on 1,000
        articles instead of 3.3 s), and the triples that hold one."""
        import pyoxigraph as ox

        listed = list(triples)
        data = ox.serialize(listed, format=ox.RdfFormat.N_TRIPLES) if listed else b""
        lines = data.split(b"\n")[:-1]
        blank: list[Any] = []
        if b"_:" in data:
            plain_lines: list[bytes] = []
            plain: list[Any] = []
            for line, triple in zip(lines, listed, strict=True):
                if line.startswith(b"_:") or _BNODE_OBJECT.search(line):
                    blank.append(triple)
                else:
                    plain_lines.append(line)
                    plain.append(triple)
            lines, listed = plain_lines, plain
        return _sorted_split(lines, listed, blank)

    @classmethod
    def _with_blank(cls, split: _Split) -> tuple[list[bytes], list[Any]]:
        """One graph's lines and triples (:meth:`_split`), its blank nodes relabelled (:meth:`_canonical`)."""
        lines, triples, blank = split
        blank_lines, blank_triples = cls._canonical(blank)
        return lines + blank_lines, triples + blank_triples

    @staticmethod
    def _canonical(triples: list[Any]) -> tuple[list[bytes], list[Any]]:
        """``triples`` (each holding a blank node) with their blank nodes relabelled from the structure around
        them (:func:`rdflib.compare.to_canonical_graph`: the labels depend on these triples alone), and their
        N-Triples lines."""
        if not triples:
            return [], []
        from rdflib.compare import to_canonical_graph

        from kg.engine.store import _lines

        g = Graph()
        terms = TermCache()
        for t in triples:
            g.add(terms.triple_from_ox(t))
        relabelled = [terms.triple_to_ox(_canonical_object(t)) for t in to_canonical_graph(g)]
        return _lines(relabelled), relabelled

    def serialize(self, names: list[URIRef], fmt: str) -> bytes:
        """The graphs ``names`` in ``fmt`` (``turtle``, ``trig``, ``nt``, ``nquads``), deterministically (see the
        module docstring). Triple formats write the union of the graphs (blank nodes relabelled over the
        union); quad formats each graph by name (relabelled per graph)."""
        return next(self.serialize_each([(names, fmt)]))

    def serialize_each(self, requests: list[tuple[list[URIRef], str]]) -> Iterator[bytes]:
        """What :meth:`serialize` gives for each ``(names, fmt)`` of ``requests``, one at a time (so that each can
        be written and let go of before the next is made), each graph turned into N-Triples lines once for all
        of them (a build writes the same graphs to several files), or taken from :meth:`prepare_writing`."""
        from kg.engine.store import serialize_lines

        prepared = self._take_prepared()
        wanted = dict.fromkeys(URIRef(name) for names, _fmt in requests for name in names)  # each graph once
        split: dict[URIRef, _Split] = {}
        for name in wanted:
            triples = self.triples(name)
            entry = prepared.graphs.get(name)
            # the lines made beforehand, while the graph is still the set they were made from
            split[name] = entry[1] if entry is not None and entry[0] is triples else self._split(triples)
        files = prepared.files
        del prepared
        for names, fmt in requests:
            made = files.pop((tuple(names), fmt), None)
            if made is not None and all(a is b for a, b in zip(made[0], (self.triples(n) for n in names),
                                                                   strict=True)):
                yield made[1]
            else:
                yield serialize_lines(self._pairs(split, names, fmt), fmt)  # the pairs are let go of once written
            del made

    def _pairs(self, split: dict[URIRef, _Split], names: list[URIRef],
               fmt: str) -> list[tuple[URIRef | None, list[bytes], list[Any]]]:
        """What :func:`kg.engine.store.serialize_lines` takes for graphs ``names`` in ``fmt``: each graph's lines
        and triples (quad formats), or the union's (triple formats), blank nodes relabelled."""
        if fmt in ("trig", "nquads"):
            return [(name, *self._with_blank(split[URIRef(name)])) for name in names]
        all_lines: list[bytes] = []
        all_triples: list[Any] = []
        blank_union: set[Any] = set()
        for name in names:
            lines, triples, blank = split[URIRef(name)]
            all_lines.extend(lines)
            all_triples.extend(triples)
            blank_union.update(blank)
        blank_lines, blank_triples = self._canonical(list(blank_union))
        return [(None, all_lines + blank_lines, all_triples + blank_triples)]


def _sorted_split(lines: list[bytes], triples: list[Any], blank: list[Any]) -> _Split:
    """A :data:`_Split` of ``triples`` (without a blank node) and their N-Triples ``lines`` (same order), both in
    the order of the lines, and the triples ``blank`` that hold one."""
    order = sorted(range(len(lines)), key=lines.__getitem__)
    return [lines[i] for i in order], [triples[i] for i in order], blank


_PARSED_AT_ONCE = 2**24
"""A document larger than this (16 MiB, the most pyoxigraph's parser reads of one piece) is parsed when it is set,
so that one its parser refuses is refused where it is read."""


def _plain(data: bytes) -> bool:
    """Whether ``data`` is laid out as pyoxigraph's N-Triples writer lays out triples without blank nodes, which
    is what :class:`GraphSet` reads of a document without parsing it (:meth:`GraphSet.set_document`): every line
    a triple that starts with ``<`` and ends with `` .`` and a line break (a literal's line breaks are escaped),
    no carriage return, no blank node (one starts a line, or follows a space), and at most
    :data:`_PARSED_AT_ONCE` bytes. Four scans of the document (0.8 s for 400 MB of documents here)."""
    return (0 < len(data) <= _PARSED_AT_ONCE and data.startswith(b"<") and data.endswith(b" .\n")
            and b"\r" not in data and data.count(b" .\n<") == data.count(b"\n") - 1 and b" _:" not in data)


def parse_ntriples(data: bytes, label: str) -> set[Any]:
    """The triples (``pyoxigraph.Triple``) of an N-Triples document; :class:`kg.errors.RDFSyntaxError` naming
    ``label`` when it cannot be parsed."""
    return {quad.triple for quad in _parse_document(data, label)}


def _parse_document(data: bytes, label: str, *, ordered: bool = False) -> Any:
    """The triples of an N-Triples document (default-graph ``pyoxigraph.Quad`` s, as the parser gives them), as a
    set, or with ``ordered`` a list in the document's order; :class:`kg.errors.RDFSyntaxError` naming ``label``
    when it cannot be parsed."""
    import pyoxigraph as ox

    from kg.errors import Location, RDFSyntaxError
    from kg.terms import PARSER_LIMIT_MESSAGE, is_parser_limit

    try:
        parsed = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        return list(parsed) if ordered else set(parsed)
    except SyntaxError as exc:
        raise RDFSyntaxError(f"could not be read: {exc.msg}",
                             Location(label, getattr(exc, "lineno", None), getattr(exc, "offset", None))) from None
    except MemoryError as exc:
        if not is_parser_limit(exc):
            raise
        raise RDFSyntaxError(f"could not be read: it {PARSER_LIMIT_MESSAGE}", Location(label)) from None


_BNODE_OBJECT = re.compile(rb" _:\S+ \.$")
"""An N-Triples line whose object is a blank node (a literal's text cannot end the line this way: it is quoted)."""


def _canonical_object(triple: tuple[Node, Node, Node]) -> tuple[Node, Node, Node]:
    s, p, o = triple
    if isinstance(o, Literal) and o.datatype is not None and str(o.datatype) == _XSD_STRING and not o.language:
        return s, p, Literal(str(o))
    return s, p, o


__all__ = ["GraphSet", "TermCache", "parse_ntriples"]
