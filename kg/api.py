"""The Python API: :class:`KnowledgeGraph` mirrors the CLI (build, validate, export, stats, query).

>>> from kg import KnowledgeGraph
>>> g = KnowledgeGraph.build()            # packaged data/, reasoned
>>> g.validate().conforms
True
>>> ttl = g.export("turtle")              # bytes

The library never prints or exits; errors are :class:`kg.errors.KGError`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

from rdflib import Dataset, Graph, URIRef

from kg import export as _export
from kg import fsutil
from kg.errors import InputError
from kg.signals import fault_point
from kg.dataset import GraphSet, TermCache
from kg.engine.store import handed_over
from kg.load import Article, Source, check_input, jobs_setting, load_graphs, new_dataset, parse_into, union_graph
from kg.namespaces import INFERRED_GRAPH, article_graph, bind_prefixes
from kg.query import QueryResult
from kg.stats import Stats, compute
from kg.validate import ValidationReport


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the block runs, and restored as it was after.

    A build holds millions of long-lived objects (the dataset's pyoxigraph terms in sets); every full
    collection walks them all, and a build makes hardly any cyclic garbage. On 1,000 generated articles the
    pause took loading from 14 to 9 s and reasoning from 18 to 11 s, for about 150 MiB more at the peak; and
    ``kg build``'s report after the build (its table) took 3 s less with it paused."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _collector_paused(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` run with the collector paused (:func:`collector_paused`)."""

    @functools.wraps(function)
    def paused(*args: Any, **kwargs: Any) -> Any:
        with collector_paused():
            return function(*args, **kwargs)

    return paused


_VIEWS_OF_ALL = ("union", "query_graph", "query_store")
"""The cached views of :class:`KnowledgeGraph` made from every graph, inferences included."""
_VIEWS_OF_ASSERTED = ("asserted", "asserted_graph", "asserted_store", "asserted_classes", "lookup_index",
                      "duplicates")
"""The cached views made from the asserted graphs only."""

DATASET_FILE = "dataset.trig"
MANIFEST_FILE = "manifest.json"
DEFAULT_BUILD_DIR = Path("build")

Progress = Callable[[str], None]


def _remote(text: str, bindings: dict, endpoint: Any, graphs: list[str] | None, label: str,
            timeout: float | None = None) -> QueryResult:
    from kg.remote.client import Endpoint

    ep = endpoint if isinstance(endpoint, Endpoint) else remote_endpoint(str(endpoint), timeout=timeout or 30.0)
    return query_endpoint(ep, text, bindings, graphs=graphs, label=label)


def remote_endpoint(url: str, *, update_url: str | None = None, store_url: str | None = None,
                    timeout: float = 30.0, retries: int = 2) -> Any:
    """A :class:`kg.remote.client.Endpoint` for a server's URLs; each URL is checked (http(s), no credentials).

    ``timeout`` is the deadline of one call (a query, or one upload request), retries included."""
    from kg.remote.client import Endpoint

    return Endpoint.from_url(url, update_url=update_url, store_url=store_url, timeout=timeout, retries=retries)


T = TypeVar("T")

QUERY_THREAD_STACK = 64 * 2**20
"""The stack of the thread a local query runs in (:func:`_interruptible`): a main thread's is 8 MiB or more, and a
query the main thread answered crashed the process (SIGSEGV) in a thread of 2 MiB."""


def _interruptible(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a daemon thread while the main thread waits for it, so that Ctrl-C and SIGTERM end the
    wait: Oxigraph evaluates a query without handing control back to Python, and the signal handlers, which run
    in the main thread only, waited for the whole query (one of a cartesian product ran on for ten minutes after
    Ctrl-C). The thread is left to the process's end. Elsewhere than the main thread, ``fn`` runs in place."""
    if threading.current_thread() is not threading.main_thread():
        return fn(*args)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001  raised again in the waiting thread
            outcome["error"] = handed_over(exc)

    previous = threading.stack_size(QUERY_THREAD_STACK)  # Oxigraph evaluates expressions recursively: a query of
    try:  # kg.query.MAX_OPERATORS needs more than the 2 MiB glibc gives a thread when the stack limit is unlimited
        worker = threading.Thread(target=work, name="kg-query", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    while worker.is_alive():
        worker.join(0.1)  # a signal's handler runs between two waits
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def query_endpoint(endpoint: Any, text: str, bindings: dict | None = None, *, graphs: list[str] | None = None,
                   label: str = "query", allow_service: bool = False) -> QueryResult:
    """Run a read-only query on a server (see :func:`kg.remote.client.remote_query`)."""
    from kg.remote.client import remote_query

    return remote_query(endpoint, text, bindings, graphs=graphs, label=label, allow_service=allow_service)


def mask_url(url: str) -> str:
    """``url`` with any credentials in it replaced by ``****`` (the only way a URL is shown)."""
    from kg.remote.client import mask_url as mask

    return mask(url)


def refuse_service(text: str, label: str = "query", *, allow: bool = False) -> None:
    """Refuse a query holding ``SERVICE`` unless ``allow`` (see :func:`kg.remote.client.refuse_service`)."""
    from kg.remote.client import refuse_service as refuse

    refuse(text, label, allow=allow)


def _build_dataset(build_dir: Path | str) -> Path:
    """The ``dataset.trig`` of the build in ``build_dir``, a regular file (never a FIFO or device: see
    :func:`kg.load.check_input`). Raises :class:`InputError` when there is no build there (after
    :meth:`KnowledgeGraph.has_build`'s repair)."""
    path = Path(build_dir) / DATASET_FILE
    if not KnowledgeGraph.has_build(build_dir):
        raise InputError(f"{build_dir}: no build there (no {DATASET_FILE}); run 'kg build --out {build_dir}' first")
    check_input(path, str(path), limit=False)
    return path


def serve_build(build_dir: Path | str = DEFAULT_BUILD_DIR, port: int | None = None, *,
                writable: bool = False) -> Any:
    """Start a local Oxigraph server on 127.0.0.1 holding every graph of the build in ``build_dir`` (inferences
    included), read-only unless ``writable``: Oxigraph loads the build's files itself, so the build is never read
    into this process (this process stays small; on 1,000 articles it peaked at 3.3 GB when it read the build).

    Read-only, the server's default graph is the union of the build's graphs, each triple once, loaded from the
    files that hold it (:data:`kg.querystore.UNION_FILES` and the ontology's graph), and a mark says so
    (:data:`~kg.namespaces.SERVED_UNION_MARK`): :func:`kg.remote.client.remote_query` then queries that graph
    instead of naming every graph, which on Oxigraph is many times slower (bench/README.md). Writable, or when
    the build's files are not vouched for by its manifest (:func:`kg.querystore.union_files`; the server's
    ``notes`` then say why), queries without ``GRAPH`` see Oxigraph's union of the graphs (which writes keep
    current).
    Returns the started :class:`kg.remote.server.OxigraphServer`; stop it when done. :class:`InputError` when
    there is no build there, or Oxigraph cannot read it."""
    from kg.querystore import QueryStoreUnavailable, union_files
    from kg.remote.server import OxigraphServer

    dataset = _build_dataset(build_dir)
    if writable:
        return OxigraphServer(port, data=[dataset], writable=True, union_default_graph=True).start()
    try:
        union = union_files(dataset.parent)
    except QueryStoreUnavailable as why:
        server = OxigraphServer(port, data=[dataset], union_default_graph=True)
        server.notes.append(f"{why}; the default graph is Oxigraph's union of the graphs, and a query without "
                            "GRAPH names them all (slower on a large build; a new build gives the faster union)")
        return server.start()
    return OxigraphServer(port, data=[dataset, *union], updates=[_served_union_update()]).start()


def _served_union_update() -> str:
    """The SPARQL update that completes a served build's union default graph with the ontology's graph (the
    one graph :data:`kg.querystore.UNION_FILES` leave out) and marks it."""
    from rdflib import RDFS, Literal

    from kg.namespaces import ONTOLOGY_GRAPH, SERVED_UNION_MARK

    mark = SERVED_UNION_MARK.n3()
    note = Literal("The default graph of this server holds the union of the build's graphs, each triple once "
                   "(kg serve).", lang="en").n3()
    return (f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {ONTOLOGY_GRAPH.n3()} {{ ?s ?p ?o }} }} ;\n"
            f"INSERT DATA {{ GRAPH {mark} {{ {mark} {RDFS.comment.n3()} {note} }} }}")


def query_store_setting(mode: str | None = None) -> str:
    """Where ``kg query`` runs a local query: ``mode``, else ``KG_QUERY_STORE``, else ``auto`` (see
    :meth:`KnowledgeGraph.load`); :class:`InputError` for anything else."""
    from kg.querystore import mode_setting

    return mode_setting(mode)


def port_in_use(port: int) -> bool:
    """True if something already listens on ``port`` of 127.0.0.1."""
    from kg.remote.server import port_in_use as in_use

    return in_use(port)


def read_text_file(path: Path) -> str:
    """A UTF-8 text file the user named (a ``--file`` query): a regular file within ``KG_MAX_INPUT_MB``, never a
    FIFO or device (``/dev/zero`` would fill the memory). Raises :class:`InputError` naming the file."""
    from kg.load import read_input

    data = read_input(Path(path), str(path))
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark (Windows Notepad) is no text
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def check_build_output(out_dir: Path, data: Path | None = None) -> None:
    """Refuse an output folder whose replacement would destroy something that is not a build: the data folder
    ``data``, the packaged files, a folder holding or inside them, or a non-empty folder kg did not write (see
    :func:`kg.fsutil.check_replaceable`). Raises :class:`InputError` (exit 2) before anything is read."""
    fsutil.check_replaceable(out_dir, reads=[data] if data is not None else [], also_ours=_is_build)


def _is_build(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and str(manifest.get("generator", "")).startswith("ict-coop-kg")


def choose_engine(name: str | None = None) -> Any:
    """The :class:`kg.engine.store.Engine` called ``name`` (``fast`` / ``reference``; None: ``KG_ENGINE``, default
    ``fast``). Raises :class:`InputError` for any other name."""
    from kg.engine.store import get_engine

    return get_engine(name)


@dataclass(frozen=True)
class BuildOutput:
    """What :meth:`KnowledgeGraph.write` wrote."""

    folder: Path
    files: list[str]
    conforms: bool


@dataclass(frozen=True)
class Added:
    """What :meth:`KnowledgeGraph.add_articles` did."""

    articles: list[str]
    """The ids of the articles added, in the order given."""
    report: ValidationReport | None
    """The validation report of the whole knowledge graph as it now is; None when it had not been validated."""
    restricted: bool
    """Whether the reasoning and the validation ran only from what the added triples can change (the fast
    engine, on graphs that are the master copy; validation only when the knowledge graph conformed); else they
    ran over everything."""


class KnowledgeGraph:
    """A dataset of named graphs (ontology, reference, one per article, inferred) and what was done to it.

    The graphs live in one :class:`kg.dataset.GraphSet` (pyoxigraph terms, as loaded), which every stage reads:
    reasoning, validation, queries, writing. :attr:`dataset` is the same graphs as an rdflib ``Dataset``, made on
    first use; from then on that rdflib dataset is the master copy, so that changes made to it are what later
    exports, validations and queries see.
    """

    def __init__(self, dataset: Dataset | None = None, articles: list[Article] | None = None,
                 store: str = "default", source: Path | None = None, engine: Any = None, *,
                 graphs: GraphSet | None = None) -> None:
        if (dataset is None) == (graphs is None):
            raise TypeError("KnowledgeGraph takes an rdflib dataset or graphs, not both")
        self._ds = dataset
        self._graphs = graphs
        self.articles: list[Article] = list(articles or [])
        self.store = store
        """The rdflib store plugin of :attr:`dataset`."""
        self.source = source
        """The data folder it was built from (None: the packaged data, or loaded from a build)."""
        self.engine = engine
        """The :class:`kg.engine.store.Engine` that reasons and validates (chosen once; see :meth:`build` and
        :meth:`chosen_engine`)."""
        self._report: ValidationReport | None = None
        self._validating: Future[ValidationReport] | None = None
        """The validation running in the background (:meth:`build_to`), until :meth:`_validated` collects it."""
        self.notes: list[str] = []
        """What the user should know about how the build went (plain words): e.g. worker processes that died
        while assembling articles. The CLI prints them as notes."""
        self._unread: Path | None = None
        """A build's ``dataset.trig`` not read yet (:meth:`load` with the kept query store): read when the graphs
        are first needed."""
        self._files_of: Any = None
        """The build folder :meth:`load` read dataset.trig from, held open (:class:`kg.increment.Earlier`): the
        stores over its graphs are made from its Turtle files while the graphs are still the build's
        (:meth:`_store_from_files`)."""
        self._files_checked: bool | None = None
        """Whether that folder's ``dataset.trig`` was found as the build wrote it (None: not looked at yet)."""
        self._kept_store_of: Path | None = None
        """The build folder whose kept query store (:mod:`kg.querystore`) :attr:`query_store` opens, while the
        graphs are still the build's."""
        self._answers: Any = None
        """The kept answers (:class:`kg.answers.Kept`) of the build loaded, as its manifest recorded them then,
        which :meth:`run_query` reads while the graphs are still the build's."""
        self._earlier: Any = None
        """That build, held open while this one builds on it (:class:`kg.increment.Earlier`)."""
        self._added: list[str] | None = None
        """The ids of the articles added since that build, when its results can be built on
        (:func:`kg.increment.added_since`); None otherwise."""
        self._changes_built: int | None = None
        """How many times :attr:`graphs` had been set (:attr:`kg.dataset.GraphSet.changes`) when :meth:`build`
        ended: the earlier build is built on only while they are as built (:meth:`_builds_on_earlier`)."""
        self._new_inferences: list[Any] | None = None
        """The inferences that build did not hold (``pyoxigraph.Triple`` s), when the rules ran over its
        inferences (:meth:`kg.engine.store.FastEngine.infer`): with the added articles' triples, what its kept query
        store lacks (:meth:`_carry_query_store`)."""
        self._earlier_inferred: bytes | None = None
        """That build's ``inferred.ttl`` as it was written, once the rules ran over its inferences
        (:meth:`_previous_inferences`): the kept answers' store takes them from it (:meth:`_answer_in_background`)."""
        self._read_ahead: dict[str, Any] = {}
        """What was read of that build while the store of asserted triples was still being made
        (:meth:`_read_earlier`), each taken once."""
        self._reference_digest: bytes | None = graphs.reference_digest if graphs is not None else None
        """The digest of the reference data the graphs were loaded with (:attr:`kg.dataset.GraphSet.reference_digest`),
        kept for :meth:`add_articles` once the rdflib dataset is the master copy."""
        self._adding = threading.Lock()
        """Held by :meth:`add_articles`: additions from two threads run one after the other."""
        self._spent_stores: list[Any] = []
        """Stores no longer true to the graphs, kept from being let go of until :meth:`release_asserted_store`
        (see :meth:`_retire`)."""

    def __repr__(self) -> str:
        return f"<KnowledgeGraph {len(self.articles)} article(s), engine {self.engine!r}>"

    def chosen_engine(self) -> Any:
        """The engine, chosen on first use when none was given (``KG_ENGINE``, default ``fast``): a loaded
        build that is only queried never needs one, so a wrong ``KG_ENGINE`` does not stop it."""
        from kg.engine.store import get_engine

        self.engine = get_engine(self.engine)
        return self.engine

    # -- the graphs ---------------------------------------------------------------------------------------
    @property
    def dataset(self) -> Dataset:
        """The named graphs as an rdflib ``Dataset`` (made on first use, then the master copy)."""
        if self._ds is None:
            self._ds = self.graphs.to_rdflib(self.store)
            self._graphs = None
            # the rdflib dataset can be changed, and the build's files would not say so
            self._kept_store_of = self._answers = None
        return self._ds

    @property
    def graphs_are_master(self) -> bool:
        """Whether :attr:`graphs` is the master copy (until :attr:`dataset` is first used), so that the stores
        made from it stay true to it."""
        return self._graphs is not None

    @property
    def graphs(self) -> GraphSet:
        """The named graphs as a :class:`kg.dataset.GraphSet`; a fresh copy of :attr:`dataset` once that is the
        master copy."""
        if self._unread is not None:
            path, self._unread = self._unread, None
            self._graphs = GraphSet.parse(path, label=str(path))
        if self._graphs is not None:
            return self._graphs
        return GraphSet.from_rdflib(self._ds)  # type: ignore[arg-type]

    def rdflib_dataset(self) -> Dataset:
        """The graphs as an rdflib ``Dataset`` without making it the master copy (a copy while it is not)."""
        return self._ds if self._ds is not None else self.graphs.to_rdflib()

    def replace_graph(self, name: URIRef, triples: Any) -> None:
        """Replace the named graph ``name`` by ``triples`` (``pyoxigraph.Triple``, or an rdflib graph); the views
        and stores made from the graphs it changes are made again when next asked for."""
        views = _VIEWS_OF_ALL if URIRef(name) == INFERRED_GRAPH else _VIEWS_OF_ALL + _VIEWS_OF_ASSERTED
        self._kept_store_of = self._answers = None  # the build's files no longer hold these graphs
        for view in views:
            self.__dict__.pop(view, None)
        if self._ds is not None:
            self._ds.remove_graph(self._ds.graph(name))
            target = self._ds.graph(name)
            terms = TermCache()
            for t in triples:
                target.add(t if isinstance(t, tuple) else terms.triple_from_ox(t))
            bind_prefixes(target)
        elif isinstance(triples, Graph):
            self.graphs.set_rdflib_graph(name, triples)
        else:
            self.graphs.set_graph(name, triples)

    # -- construction -----------------------------------------------------
    @classmethod
    @_collector_paused
    def build(cls, data: Source | str | None = None, *, store: str = "default", reason: bool = True,
              validate: bool = False, engine: str | None = None, jobs: int | None = None,
              progress: Progress | None = None, prepare_writing: bool = False,
              since: Path | str | None = None) -> KnowledgeGraph:
        """Load a data folder (default: the packaged ``data/``), check its quotes and run OWL-RL; with
        ``validate``, also validate (:meth:`validate`; the report is :attr:`report`) after the reasoning
        (with the fast engine, both run in the one :attr:`asserted_store`).

        ``store`` names the rdflib store of :attr:`dataset` (``"default"`` in memory, ``"Oxigraph"``
        with oxrdflib). ``engine`` chooses how the build reasons and validates: ``"fast"`` (OWL-RL rules and
        compiled shapes in Oxigraph) or ``"reference"`` (owlrl and pySHACL); None reads ``KG_ENGINE``
        (default ``"fast"``); an unknown name raises :class:`InputError`. ``jobs`` is how many processes
        assemble the articles that are not in the article cache (None: ``KG_JOBS``, else 1, this process
        alone; see :func:`kg.load.load_graphs`: a script that asks for more needs the
        ``if __name__ == "__main__":`` guard). ``progress`` is called with the name of each stage. With
        ``prepare_writing`` (what :meth:`build_to` asks for), what :meth:`write` takes from the asserted
        graphs (their sorted lines, ``asserted.ttl``) is made in a second thread while the fast engine's rules
        run in Oxigraph (see :meth:`kg.dataset.GraphSet.prepare_writing`): on 1,000 articles, about 5 s of
        work that writing would do beside validation.

        ``since``: a folder that may hold an earlier build (what :meth:`build_to` writes into). When that build
        conformed and was made from the same code, engine and reference data, with each of its articles still
        here unchanged (:func:`kg.increment.added_since`), the rules run from the triples of the articles added
        since, over its inferences (:func:`kg.engine.rules.infer_added`), and :meth:`build_to` validates only
        what they can change; the results are those of a whole run.
        """
        from kg import increment
        from kg.engine.store import get_engine

        jobs = jobs_setting(jobs)  # before anything is read: a wrong number is exit 2 at once
        chosen = get_engine(engine)  # before anything is read: a wrong name is exit 2 at once
        if store != "default":
            new_dataset(store)  # a wrong store name is exit 2 before anything is read
        note = progress or (lambda _stage: None)
        fault_point("load")
        source = Path(data) if isinstance(data, str) else data
        # the store of asserted triples that reasoning and validation share is made while the articles load, and
        # the engine makes its rules while worker processes assemble them
        notes: list[str] = []
        earlier = cls._open_earlier(Path(since)) if since is not None else None
        # building on an earlier build, no stage reads the unchanged articles but through the store: they are kept
        # as their documents (a first build parses them as it loads: parsed later, in the thread that prepares the
        # writing, they took that thread into validation's time, and the build was no faster: bench/README.md)
        keep_documents = earlier is not None and chosen.builds_on_earlier and (reason or validate) and \
            store == "default" and increment.made_alike(earlier.manifest, chosen.name)
        graphs, articles = load_graphs(source, progress=note, feed_store=reason or validate, jobs=jobs, notes=notes,
                                       meanwhile=chosen.prepare if reason else None, keep_documents=keep_documents)
        kg = cls(graphs=graphs, articles=articles, store=store,
                 source=source if isinstance(source, Path) else None, engine=chosen)
        kg.notes = notes
        if earlier is not None:  # held open since before the load: what is read of it is read from that folder
            kg._earlier = earlier
            kg._added = increment.added_since(earlier.manifest, kg._inputs())
            if kg._added is None:
                kg._let_go_of_earlier()
            elif reason and chosen.builds_on_earlier:
                kg._read_earlier()  # while the store is still being made, in another thread
        if reason or validate:
            kg.asserted_store  # noqa: B018  taken from the loader now: its worker thread ends here
        if store != "default":
            kg.dataset  # noqa: B018  the named store holds the master copy from the start
        if reason:
            fault_point("reason")
            note("reasoning (OWL-RL)")
            meanwhile = None
            # not when the files will be made from an earlier build's (see _spliced): they need no such lines
            if prepare_writing and kg.graphs_are_master and kg._added is None:
                graphs_now = kg.graphs
                meanwhile = lambda: graphs_now.prepare_writing(  # noqa: E731
                    [(names, fmt) for _file, names, fmt in _large_files(graphs_now)])
            kg.engine.infer(kg, meanwhile=meanwhile)
        if validate:
            note("validating (SHACL)")
            kg.validate()
        kg._changes_built = kg._graphs.changes if kg._graphs is not None else None
        return kg

    @classmethod
    @_collector_paused
    def build_to(cls, out_dir: Path | str = DEFAULT_BUILD_DIR, data: Source | str | None = None, *,
                 store: str = "default", engine: str | None = None, allow_violations: bool = False,
                 jobs: int | None = None, progress: Progress | None = None,
                 keep_store: bool = False) -> tuple[KnowledgeGraph, BuildOutput | None]:
        """What ``kg build`` does: :meth:`build` with validation, then :meth:`write` to ``out_dir`` — unless
        the data does not conform and ``allow_violations`` is false, when ``out_dir`` is left as it was.
        ``jobs`` is :meth:`build`'s. Validation's store (:attr:`asserted_store`) is let go of once it is done,
        unless ``keep_store``: a caller that ends soon after (``kg build``) need not wait while its memory is
        given back (1.5 s on 1,000 articles). Either way, once the write is over it is no longer
        :attr:`asserted_store` (the kept answers are computed in it, the inferences added: see :meth:`_retire`),
        which is made again when next asked for.

        Validation runs in a second thread while the output files are written (the compiled shapes' queries
        run in Oxigraph, which lets go of Python's interpreter lock, so the two share the machine's cores);
        the folder is swapped in only once its report is known. Returns the knowledge graph (its
        :attr:`report` is the validation report) and what was written, or None when nothing was.
        """
        note = progress or (lambda _stage: None)
        kg = cls.build(data, store=store, engine=engine, validate=False, jobs=jobs, progress=note,
                       prepare_writing=True, since=out_dir)  # asserted_store made
        added = kg._added
        if added is None or not kg.chosen_engine().builds_on_earlier:
            note("validating (SHACL) and writing")
        elif added:
            note(f"validating (SHACL: what the {len(added)} article(s) added since the last build can change) "
                 "and writing")
        else:
            note("validating (SHACL: no article added or changed since the last build) and writing")
        kg._validate_in_background(kg._added_triples())
        # write waits for the report before it swaps the folder in; if writing fails first, its error is the one
        # raised, without waiting (the thread is a daemon, and the report is still there for :attr:`report`)
        try:
            written = kg.write(out_dir, only_if_conforms=not allow_violations)
        finally:
            kg._let_go_of_earlier()
        if not keep_store:
            kg.release_asserted_store()  # validation is over (write waited for it): its store is let go of now
        return kg, written

    @_collector_paused
    def add_articles(self, folders: Iterable[Path | str], *, progress: Progress | None = None) -> Added:
        """Add the articles in ``folders`` (article folders, laid out as in a data folder's ``articles/``: the
        folder name is the article's id) to this knowledge graph, and bring its inferences, and its validation
        when it was validated, up to date — building on what it holds, as ``kg build`` builds on an earlier
        build in its folder: with the fast engine the OWL-RL rules run from the added triples over the
        inferences (:func:`kg.engine.rules.infer_added`), and, when the knowledge graph conformed, the shapes
        and violation queries run only where the added triples can change a result (:mod:`kg.engine.reach`,
        :mod:`kg.engine.delta`). The results are those of building all the articles together.

        Each article is assembled against this knowledge graph's reference data, from the article cache when
        it was loaded from a data folder (:meth:`build`). Every article is read and assembled before anything
        changes: an unusable one raises its :class:`kg.errors.InputError` (naming the file), as does an article
        this knowledge graph already holds (to change one, build again) or one given twice. The stores made
        from the graphs (:attr:`asserted_store`, the in-memory :attr:`query_store`) take the added triples and
        the new inferences; the other views are made again when next asked for. Nothing is written: :meth:`write`
        writes the graphs as they now are (whole). Additions from two threads run one after the other."""
        with self._adding:
            return self._add_articles(folders, progress)

    def _add_articles(self, folders: Iterable[Path | str], progress: Progress | None) -> Added:
        import pyoxigraph as ox

        from kg.engine.rules import asserted_as_written
        from kg.load import assemble_articles

        note = progress or (lambda _stage: None)
        note("adding articles")
        graphs = self.graphs  # (a copy, each time it is asked for, once the rdflib dataset is the master copy)
        found = assemble_articles(folders, graphs, progress=note, reference_digest=self._reference_digest)
        seen: set[str] = set()
        for article, _triples in found:
            if article.id in seen:
                raise InputError(f"article {article.id}: given twice")
            if graphs.has(article.graph):
                raise InputError(f"article {article.id}: the knowledge graph already holds an article of that id "
                                 "(to change an article, build again)")
            seen.add(article.id)
        report = self._validated()
        reasoned = graphs.has(INFERRED_GRAPH)
        engine = self.chosen_engine()
        # a build's kept query store, opened read-only, cannot take the triples: made again when next asked for
        kept_store = self._kept_store_of is not None
        # the graphs are no longer those of a build this one was built on, or of a build folder
        self._let_go_of_earlier()
        self._added, self._new_inferences, self._kept_store_of, self._answers = None, None, None, None
        # in the order a build of them all lists them (by folder name)
        self.articles = sorted([*self.articles, *(article for article, _triples in found)], key=lambda a: a.id)
        if not (engine.builds_on_earlier and self.graphs_are_master and self.store == "default"):
            for article, triples in found:
                self.replace_graph(article.graph, triples)
            if reasoned:
                note("reasoning (OWL-RL)")
                engine.infer(self)
            if report is not None:
                note("validating (SHACL)")
                report = self.validate()
            return Added([a.id for a, _t in found], report, False)

        store = self.asserted_store.store  # (made from the graphs as they are, if it was let go of)
        quads = [ox.Quad(t.subject, t.predicate, t.object) for _article, triples in found for t in triples]
        # the stages start from the triples the graphs did not hold: one another article asserts already (a
        # shared entity's label or kind) changes nothing, where it would send validation to every node near it
        # — as written: a typed literal the store holds in its own form may be written otherwise in the graphs
        # ("1.50" and "1.5"), and is then a triple they did not hold (kg.engine.rules.asserted_as_written)
        unique = [quad.triple for quad in dict.fromkeys(quads)]
        held = asserted_as_written(store, unique, (graphs.triples(name) for name in graphs.asserted_names()))
        added = [triple for triple in unique if triple not in held]
        previous = graphs.triples(INFERRED_GRAPH) if reasoned else None
        query_store = self.__dict__.get("query_store") if not kept_store else None
        for view in (*_VIEWS_OF_ALL, *_VIEWS_OF_ASSERTED):  # the two stores over the asserted one kept
            if view not in ("asserted_store", "asserted_graph"):
                self.__dict__.pop(view, None)
        for article, triples in found:
            graphs.set_graph(article.graph, triples)
        store.extend(quads)
        if reasoned:
            note("reasoning (OWL-RL: from the added articles' triples)")
            engine.infer(self, previous=previous, added=added)
        fresh = self._new_inferences  # None: the rules ran over everything
        if query_store is not None:  # every triple once: what was added, and the inferences new since
            new = fresh if fresh is not None else (graphs.triples(INFERRED_GRAPH) - previous if reasoned else [])
            query_store.extend(quads)
            query_store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in new)
            self.__dict__["query_store"] = query_store
        restricted = not reasoned or fresh is not None
        if report is not None:
            restricted = restricted and report.conforms
            note("validating (SHACL: what the added articles can change)" if report.conforms
                 else "validating (SHACL)")
            self._report = report = engine.validate(self, added=added if report.conforms else None)
        return Added([a.id for a, _t in found], report, restricted)

    @staticmethod
    def _open_earlier(out_dir: Path) -> Any:
        """The build in ``out_dir`` (:class:`kg.increment.Earlier`, held open), once a swap interrupted there is
        recovered (:func:`kg.fsutil.recover`); None when there is none that can be read as it was written.
        :meth:`build` opens it before the articles load, and builds on it when :func:`kg.increment.added_since`
        says it may."""
        from kg import increment

        if not out_dir.is_dir():
            return None
        fsutil.recover(out_dir)
        return increment.Earlier.open(out_dir)

    def _let_go_of_earlier(self) -> None:
        """Close the earlier build held open (:attr:`_earlier`), if any."""
        if self._earlier is not None:
            self._earlier.close()
            self._earlier = None
        self._earlier_inferred = None
        self._read_ahead.clear()

    def _read_earlier(self) -> None:
        """Read what this build takes from the earlier one it builds on: that build's inferences, parsed
        (:meth:`_previous_inferences`), and the bytes of the large files it splices (:meth:`_spliced`). A build
        does this as soon as it knows it builds on that one (:meth:`build`), while Oxigraph, in another thread
        and without Python's interpreter lock, still makes the store of asserted triples: this thread would
        otherwise wait there (about 3 s on 1,000 articles, of which this takes about 1.5 s)."""
        self._read_ahead["inferences"] = self._previous_inferences()
        for name in ("asserted.ttl", DATASET_FILE):
            self._read_ahead[name] = self._earlier_file(name)

    def _earlier_file(self, name: str) -> bytes | None:
        """The bytes of the earlier build's file ``name`` as that build wrote it (read ahead, or now), or None
        (see :meth:`kg.increment.Earlier.read`)."""
        if name in self._read_ahead:
            return self._read_ahead.pop(name)
        return None if self._earlier is None else self._earlier.read(name)

    def _builds_on_earlier(self) -> bool:
        """Whether what is written may be made from the earlier build this one was built on (:meth:`build` with
        ``since``): there is one, and the graphs are still as built — not changed since through
        :meth:`replace_graph`, :attr:`graphs` or :attr:`dataset` (the earlier files would not hold the change)."""
        return (self._added is not None and self._earlier is not None and self._graphs is not None
                and self._graphs.changes == self._changes_built)

    def _spliced(self, out_dir: Path, large: list[tuple[str, list[URIRef], str]]) -> list[Any] | None:
        """The large files (``large``: :func:`_large_files`) made from those of the earlier build this one was
        built on (:meth:`build` with ``since``), when they are written into its folder again
        (:mod:`kg.engine.splice`: what did not change is taken from the earlier files), each as the pieces it is
        made of (:data:`kg.engine.splice.Parts`); None when they are to be written whole."""
        earlier = self._earlier
        if earlier is None or not self._builds_on_earlier():
            return None
        if [(name, fmt) for name, _graphs, fmt in large] != [(DATASET_FILE, "trig"), ("asserted.ttl", "turtle"),
                                                            ("inferred.ttl", "turtle")]:
            return None
        try:
            if out_dir.resolve() != earlier.folder.resolve():
                return None
        except OSError:
            return None
        from kg.engine import splice
        from kg.engine.store import _after_prefix_lines, _graph_opening

        recorded = earlier.manifest.get("graphs")
        if not isinstance(recorded, dict):
            return None
        graphs = self.graphs
        old_names = sorted(URIRef(name) for name in recorded)
        added = {article_graph(a) for a in self._added}
        unchanged = {name for name in old_names if name != INFERRED_GRAPH and name not in added}
        if not all(graphs.has(name) for name in unchanged):  # asked without parsing a graph kept as a document
            return None
        old_asserted = self._earlier_file("asserted.ttl")  # the pieces of asserted.ttl are views of it
        asserted = None if old_asserted is None else splice.turtle(old_asserted, self._added_triples() or [])
        if asserted is None:
            return None
        inferred = None
        fresh = self._new_inferences
        if (self._earlier_inferred is not None and fresh is not None
                and len(graphs.triples(INFERRED_GRAPH)) == recorded.get(str(INFERRED_GRAPH), -1) + len(fresh)):
            # the inferences are the earlier ones and the new ones, none taken out (an added article asserts none
            # of them): inferred.ttl is the earlier file with the new ones spliced in, as asserted.ttl is (joined:
            # dataset.trig's block of the inferences is made from its bytes)
            parts = splice.turtle(self._earlier_inferred, fresh)
            inferred = None if parts is None else splice.joined(parts)
        if inferred is None:
            inferred = graphs.serialize([INFERRED_GRAPH], "turtle")
        body = inferred[_after_prefix_lines(inferred):]

        def opening(name: URIRef) -> bytes:
            return _graph_opening(name, graphs.any_triple(name))

        def block(name: URIRef) -> bytes:
            if name == INFERRED_GRAPH:
                return opening(name) + b"\t" + body[:-1].replace(b"\n", b"\n\t") + b"\n}\n"
            data = graphs.serialize([name], "trig")
            return data[_after_prefix_lines(data):]

        old_dataset = self._earlier_file(DATASET_FILE)
        dataset = None if old_dataset is None else splice.trig(old_dataset, old_names, large[0][1], unchanged,
                                                                opening, block)
        if dataset is None:
            return None
        return [dataset, asserted, [inferred]]

    def _carry_query_store(self, staging: Path, out_dir: Path) -> None:
        """Give the build written in ``staging`` (to be swapped into ``out_dir``) the kept query store of the
        earlier build it was built on, with the triples added since (:func:`kg.querystore.carry`), when that build
        has one: the first ``kg query`` after adding an article then opens it in milliseconds instead of making it
        again. When it cannot be carried, a note says why; the next query makes it, as after any build."""
        earlier = self._earlier
        if earlier is None or self._new_inferences is None or not self._builds_on_earlier():
            return
        held = earlier.path()
        if held is None:
            return
        from kg import querystore

        try:
            querystore.carry(held, staging, [*(self._added_triples() or []), *self._new_inferences])
        except querystore.QueryStoreUnavailable as why:
            self.notes.append(f"{why}; the next kg query on {out_dir} makes it again")

    def _added_triples(self) -> list[Any] | None:
        """The triples of the articles added since the earlier build (:meth:`build` with ``since``), as
        ``pyoxigraph.Triple`` s; None when nothing is taken from an earlier build."""
        if self._added is None:
            return None
        import pyoxigraph as ox

        # an article read from the cache holds quads (of the default graph): the triples are what is compared
        return [t.triple if type(t) is ox.Quad else t
                for article in self._added for t in self.graphs.triples(article_graph(article))]

    def _previous_inferences(self) -> set[Any] | None:
        """The inferences of the earlier build (:meth:`build` with ``since``), read from its ``inferred.ttl`` while
        that file is as the build wrote it (:class:`kg.increment.Earlier`); None when nothing is taken from it or it
        cannot be read (the rules then run over everything)."""
        if "inferences" in self._read_ahead:
            return self._read_ahead.pop("inferences")  # type: ignore[no-any-return]
        if self._added is None or self._earlier is None:
            return None
        import pyoxigraph as ox

        data = self._earlier.read("inferred.ttl")
        if data is None:
            return None
        try:
            found = {quad.triple for quad in ox.parse(data, format=ox.RdfFormat.TURTLE)}
        except (SyntaxError, ValueError):
            return None
        self._earlier_inferred = data
        return found

    def _inputs(self) -> dict[str, Any]:
        """What this build is made from, for its manifest (:func:`kg.increment.inputs`)."""
        from kg import increment

        return increment.inputs(self.articles, self.chosen_engine().name)

    def _validate_in_background(self, added: list[Any] | None = None) -> None:
        """Start :meth:`validate`'s work in a daemon thread (so an interrupted build does not wait for it);
        :meth:`_validated` waits for it and raises what it raised. ``added``: see :meth:`Engine.validate
        <kg.engine.store.Engine.validate>`."""
        fault_point("validate")
        future: Future[ValidationReport] = Future()
        engine = self.chosen_engine()

        def run() -> None:
            # SIGINT / SIGTERM go to the main thread alone (Python runs every handler there anyway; while it swaps
            # the folder in, kg.signals.SignalsDeferred only notes them, whichever thread receives them)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            future.set_running_or_notify_cancel()
            try:
                report = engine.validate(self, added=added)
                if self.graphs_are_master:
                    self.asserted_classes  # noqa: B018  counted while the store is there (see stats)
                future.set_result(report)
            except BaseException as exc:  # noqa: BLE001  handed to the thread that waits for the report
                future.set_exception(handed_over(exc))

        self._validating = future
        threading.Thread(target=run, name="kg-validate", daemon=True).start()

    def _answer_in_background(self, graphs: GraphSet, only_if_conforms: bool, stop: threading.Event
                              ) -> tuple[Future[tuple[dict[str, bytes], list[str]]], Any]:
        """Start computing the kept answers (:func:`kg.answers.compute`) in a daemon thread, once the validation
        running in the background (if any) is over, unless the build will not be written (``only_if_conforms``
        and a report that does not conform, or ``stop`` set). Returns the future of the answers with the notes
        of the queries that failed, and the :attr:`asserted_store` they are computed in, if any (for
        :meth:`_retire`).

        They are computed in the validation's store of asserted triples, the inferences added to it (a copy of
        2.4 million triples would take seconds to make on 1,000 articles); that store is then no longer the
        asserted one. Without that store (no validation running, or the rdflib dataset the master copy), in a
        store made from the graphs (``graphs``, what the write reads)."""
        from kg import answers

        validating = self._validating
        shared = self.__dict__.get("asserted_store") if validating is not None and self.graphs_are_master else None
        known = self._report
        # built on an earlier build, the inferences are its inferred.ttl and the new ones (kg.engine.rules.infer_added;
        # what the added articles assert is in the store already): Oxigraph parses that file without holding
        # Python's interpreter lock, where 380,000 triples handed over one by one held it for seconds at 1,000 articles
        fresh = self._new_inferences if self._builds_on_earlier() else None
        earlier = (self._earlier_inferred, fresh) if fresh is not None and self._earlier_inferred is not None else None
        future: Future[tuple[dict[str, bytes], list[str]]] = Future()

        def run() -> None:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # as the validation's thread
            future.set_running_or_notify_cancel()
            try:
                report = known
                if validating is not None:
                    try:
                        report = validating.result()
                    except BaseException:  # noqa: BLE001  the write raises the validation's own error
                        future.set_result(({}, []))
                        return
                if stop.is_set() or (only_if_conforms and report is not None and not report.conforms):
                    future.set_result(({}, []))
                    return
                if shared is None:
                    store = graphs.store()
                elif earlier is not None:
                    import pyoxigraph as ox

                    data, new = earlier
                    store = shared.store
                    store.load(data, format=ox.RdfFormat.TURTLE)
                    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in new)
                else:
                    store = graphs.store([INFERRED_GRAPH], into=shared.store)
                notes: list[str] = []
                future.set_result((answers.compute(store, keep_going=lambda: not stop.is_set(), notes=notes), notes))
            except BaseException as exc:  # noqa: BLE001  raised by the write that waits for the answers
                future.set_exception(handed_over(exc))

        threading.Thread(target=run, name="kg-answers", daemon=True).start()
        return future, shared

    def _retire(self, store: Any) -> None:
        """No longer take ``store`` for :attr:`asserted_store` (it is made again when next asked for): the kept
        answers were, or may be being, computed in it, with the inferences. It is kept from being let go of until
        :meth:`release_asserted_store` (letting go of it takes seconds on a large build)."""
        if self.__dict__.get("asserted_store") is store:
            self._spent_stores.append(self.__dict__.pop("asserted_store"))
            self.__dict__.pop("asserted_graph", None)

    def _validated(self) -> ValidationReport | None:
        """The report of the validation running in the background, once it is done; else :attr:`_report`."""
        future, self._validating = self._validating, None
        if future is not None:
            self._report = future.result()
        return self._report

    @property
    def report(self) -> ValidationReport | None:
        """The last validation report (:meth:`validate`), or None."""
        return self._validated()

    @staticmethod
    def has_build(build_dir: Path | str = DEFAULT_BUILD_DIR) -> bool:
        """Whether ``build_dir`` holds a build (after repairing what a crashed build left, see
        :func:`kg.fsutil.recover`)."""
        fsutil.recover(Path(build_dir))
        return (Path(build_dir) / DATASET_FILE).is_file()

    @classmethod
    def load(cls, build_dir: Path | str = DEFAULT_BUILD_DIR, *, store: str = "default",
             query_store: str = "memory") -> KnowledgeGraph:
        """Load the dataset a previous build wrote to ``build_dir``.

        ``query_store`` says where its queries run (:mod:`kg.querystore`): ``"memory"``, the build read into
        memory (fastest for many queries); ``"disk"``, the on-disk store kept in the build folder, made on first
        use and opened in milliseconds after that (the build itself is then read only if something other than a
        query needs it); ``"auto"``, the kept store for a large build (what ``kg query`` does). The kept store
        needs the in-memory rdflib ``store`` (``"default"``); ``"auto"`` reads the build into memory with any
        other. With the default ``store``, a packaged query asked without parameters reads the answer the build
        kept (:mod:`kg.answers`) instead of running. Raises :class:`InputError` when there is no build there
        (after :meth:`has_build`'s repair), or for a ``query_store`` that is none of these.
        """
        from kg import answers, querystore

        mode = querystore.mode_setting(query_store)
        path = _build_dataset(build_dir)
        if store != "default":
            if mode == "disk":
                raise InputError(f"the kept query store works with the default store, not {store!r}")
            ds = new_dataset(store)
            parse_into(ds, path, fmt="trig")
            return cls(ds, store=store)
        if not querystore.wanted(Path(build_dir), mode):
            from kg import increment

            # the folder held open from before dataset.trig is read: the stores over its graphs are made from the
            # Turtle files of that same build (_store_from_files), unless another build was swapped in meanwhile
            held = increment.Earlier.open(Path(build_dir))
            kg = cls(graphs=GraphSet.parse(path, label=str(path)))
            if held is not None and held.still_at():
                kg._files_of = held
            elif held is not None:
                held.close()
        else:
            kg = cls(graphs=GraphSet())
            kg._unread, kg._kept_store_of = path, Path(build_dir)
        kg._answers = answers.kept_by(build_dir)  # as its manifest says now: a build written over it later is not it
        return kg

    # -- views ------------------------------------------------------------
    @cached_property
    def union(self) -> Graph:
        """Every graph, inferences included, as one graph (what the web pages read).

        In memory this is a merged copy; on a store with its own SPARQL engine it is a union-default-graph
        view of the same store, so queries run in that engine.
        """
        if self.store == "default":
            if self._ds is not None:
                return union_graph(self._ds)
            return self._rdflib_union(self.graphs.names())
        return Dataset(store=self.dataset.store, default_union=True)

    def _rdflib_union(self, names: list[URIRef]) -> Graph:
        union = Graph()
        bind_prefixes(union)
        graphs = self.graphs
        convert = graphs.terms.triple_from_ox
        for name in names:
            for t in graphs.triples(name):
                union.add(convert(t))
        return union

    @cached_property
    def query_graph(self) -> Graph:
        """Every graph, inferences included, as one graph in Oxigraph's SPARQL engine, each triple once: where
        the statistics and the web app's queries run (rdflib's engine is too slow on large joins).

        In memory it is :attr:`query_store` through oxrdflib (the packaged and ad-hoc queries run on that store
        directly); on the Oxigraph store it is :attr:`union`. Beware that Oxigraph gives
        ``xsd:nonNegativeInteger`` values back as ``xsd:integer``.
        """
        if self.store != "default":
            return self.union
        from oxrdflib import OxigraphStore
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        return Graph(store=OxigraphStore(store=self.query_store), identifier=DATASET_DEFAULT_GRAPH_ID)

    @cached_property
    def query_store(self) -> Any:
        """The pyoxigraph store behind :attr:`query_graph` in memory (every graph, each triple once, in its
        default graph); None on the Oxigraph store plugin. For a build loaded with the kept query store, that
        store, read-only; when it cannot be kept (a read-only or full disk), the build is read into memory, with
        a note (:attr:`notes`)."""
        if self.store != "default":
            return None
        if self._kept_store_of is not None:
            from kg import querystore

            try:
                return querystore.open_store(self._kept_store_of)
            except querystore.QueryStoreUnavailable as exc:
                self.notes.append(f"{exc}; the build was read into memory instead")
        made = self._store_from_files(("asserted.ttl", "inferred.ttl"))
        return made if made is not None else self.graphs.store()

    def _files_usable(self) -> bool:
        """Whether :meth:`_store_from_files` may read the build's files: a build loaded into memory, its graphs as
        read, and the ``dataset.trig`` they were read from as the build wrote it (looked at once)."""
        held = self._files_of
        if held is None or self._graphs is None or self._graphs.changes != 0 or self.store != "default":
            return False
        if self._files_checked is None:
            self._files_checked = held.matches(DATASET_FILE)
        return self._files_checked

    def _store_from_files(self, names: tuple[str, ...]) -> Any:
        """For a build loaded into memory (:meth:`load`) whose graphs are still as read: a new in-memory store of the
        build's Turtle files ``names`` (of :data:`kg.querystore.UNION_FILES`: together with the ontology's graph,
        every triple of the build, each once) and its ontology's graph, as :meth:`kg.dataset.GraphSet.store` makes
        it from the graphs. Oxigraph makes it from the files' bytes, without a Python object per triple and
        without holding Python's interpreter lock: on 1,000 articles 7–8 s, against 15–17 s from the graphs. None
        when it cannot be made so, and the caller makes it from the graphs: a file, or the ``dataset.trig`` the
        graphs were read from, is not as the build wrote it (size and SHA-256 of its record,
        :meth:`kg.increment.Earlier.read` and :meth:`~kg.increment.Earlier.matches`, read from the folder
        dataset.trig was read from), or a file may hold a blank node (``_:`` or ``[`` anywhere, even in a literal),
        which the store would name anew where the graphs name it as dataset.trig does."""
        if not self._files_usable():
            return None
        held = self._files_of
        import pyoxigraph as ox

        from kg.namespaces import ONTOLOGY_GRAPH

        store = ox.Store()
        for name in names:
            data = held.read(name)
            if data is None or b"_:" in data or b"[" in data:
                return None
            try:
                store.bulk_load(data, format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
            except (SyntaxError, ValueError):
                return None
            del data
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in self._graphs.triples(ONTOLOGY_GRAPH))
        return store

    @property
    def inferred(self) -> Graph:
        """The graph of OWL-RL inferences (a copy unless :attr:`dataset` is the master copy)."""
        if self._ds is not None:
            return self._ds.graph(INFERRED_GRAPH)
        return self.graphs.rdflib_graph(INFERRED_GRAPH)

    @cached_property
    def asserted_store(self) -> Any:
        """The asserted graphs in one pyoxigraph store (:class:`kg.engine.store.AssertedStore`), shared by
        the fast engine and by the violation checks of both engines."""
        from kg.engine.store import AssertedStore

        graphs = self.graphs
        names = graphs.asserted_names()
        store = graphs.fed_store(names)  # made while loading (KnowledgeGraph.build), if it still holds these graphs
        if store is None:
            store = self._store_from_files(("asserted.ttl",))
        return AssertedStore(store if store is not None else graphs.store(names))

    def release_asserted_store(self) -> None:
        """Let go of :attr:`asserted_store` (and :attr:`asserted_graph` over it); made again when next asked for."""
        self.__dict__.pop("asserted_graph", None)
        self.__dict__.pop("asserted_store", None)
        self._spent_stores.clear()

    @cached_property
    def asserted_graph(self) -> Graph:
        """The asserted graphs as one rdflib graph over :attr:`asserted_store`, so that its queries run in
        Oxigraph's engine (which gives ``xsd:nonNegativeInteger`` values back as ``xsd:integer``)."""
        if self.store != "default":
            return self.asserted
        from oxrdflib import OxigraphStore
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        return Graph(store=OxigraphStore(store=self.asserted_store.store), identifier=DATASET_DEFAULT_GRAPH_ID)

    def asserted_and_query_graphs(self) -> tuple[Graph, Graph]:
        """:attr:`asserted_graph` and :attr:`query_graph` (what the web app reads). For a build loaded into memory,
        whose stores Oxigraph makes from its files without holding Python's interpreter lock
        (:meth:`_store_from_files`), the two are made at once, in two threads (on 1,000 articles, about 8 s instead
        of 15 s one after the other); otherwise one after the other (made from the graphs in Python, at once they
        only took turns)."""
        wanted = ("asserted_store", "query_store")
        if self._kept_store_of is not None or any(name in self.__dict__ for name in wanted) or not self._files_usable():
            return self.asserted_graph, self.query_graph
        future: Future[Graph] = Future()

        def make() -> None:
            try:
                future.set_result(self.asserted_graph)
            except BaseException as exc:  # noqa: BLE001  raised in the thread that waits
                future.set_exception(handed_over(exc))

        thread = threading.Thread(target=make, name="kg-asserted-store", daemon=True)
        thread.start()
        union = self.query_graph
        return future.result(), union

    @cached_property
    def asserted(self) -> Graph:
        """The asserted graphs (ontology, reference data, articles) as one in-memory graph, without inferences."""
        if self._ds is not None:
            return union_graph(self._ds, inferred=False)
        return self._rdflib_union(self.graphs.asserted_names())

    # -- operations -------------------------------------------------------
    def validate(self) -> ValidationReport:
        """Validate the asserted graphs against the packaged SHACL shapes; kept for :meth:`write`."""
        pending, self._validating = self._validating, None
        if pending is not None:  # never two validations of one graph at once; this one's report replaces it
            pending.exception()
        fault_point("validate")
        self._report = self.chosen_engine().validate(self)
        return self._report

    def export(self, fmt: str = "turtle", *, inferred: bool = False) -> bytes:
        """Serialise deterministically; see :func:`kg.export.serialize`."""
        if self._ds is not None:
            return _export.serialize(self._ds, fmt, inferred=inferred)
        return _export.serialize_graphset(self.graphs, fmt, inferred=inferred)

    def query(self, name: str, /, *, endpoint: Any = None, graphs: list[str] | None = None,
              timeout: float | None = None, live: bool = False, **params: Any) -> QueryResult:
        """Run the packaged query ``name`` with keyword parameters, e.g. ``g.query("who-met-whom", country="JO")``.

        Parameters are bound as RDF terms. With ``endpoint`` (an :class:`kg.remote.client.Endpoint` or a URL)
        the same query runs on that SPARQL server instead and returns the same :class:`QueryResult` type.
        ``timeout`` (seconds) bounds a local run (see :mod:`kg.timelimit`), or the whole call to a server
        given as a URL (an ``Endpoint`` carries its own). ``live``: see :meth:`run_query`.
        """
        from kg import query as q

        packaged = q.get_query(name)
        bindings = q.bind(packaged, params)
        if endpoint is not None:
            return _remote(packaged.text, bindings, endpoint, graphs, packaged.name, timeout)
        return self.run_query(packaged.text, bindings, label=packaged.name, timeout=timeout, live=live)

    def run_query(self, text: str, bindings: dict | None = None, *, label: str = "query",
                  timeout: float | None = None, allow_service: bool = False, live: bool = False) -> QueryResult:
        """Run a read-only query text locally with parameters bound as RDF terms, within ``timeout`` seconds
        (None: no limit). It runs in Oxigraph (:attr:`query_graph`); with a ``timeout`` on the in-memory store
        it runs in rdflib's engine, which the time limit can interrupt (Oxigraph's cannot). A ``SERVICE``
        clause is refused unless ``allow_service``: it makes the engine send the query to any URL the text
        names.

        On a loaded build (:meth:`load`), a text the build kept the answer of (a packaged query), asked without
        parameters, is answered from that answer (:mod:`kg.answers`) unless ``live``; a kept answer
        that cannot be used is noted in :attr:`notes`, and the query runs."""
        from kg import query as q
        from kg.remote.client import refuse_service
        from kg.timelimit import time_limit

        refuse_service(text, label, allow=allow_service)
        # the answers describe the build's graphs: not once they were changed (replace_graph and the rdflib dataset
        # let go of _answers; a graph set on .graphs directly counts as a change)
        if (not live and not bindings and self._answers is not None and self._graphs is not None
                and self._graphs.changes == 0):
            from kg import answers

            try:
                with collector_paused():  # thousands of rows of new terms, and no cyclic garbage in them
                    answer = answers.read(self._answers, text)
            except answers.AnswerUnusable as exc:
                self.notes.append(f"{label}: {exc}; the query was run instead")
            else:
                if answer is not None:
                    return answer
        if timeout is not None and self.store == "default":
            # Oxigraph does not hand control back inside one long evaluation; rdflib's engine can be stopped
            with time_limit(timeout, label):
                return q.run_local(self.union, text, bindings or {}, label=label)
        with time_limit(timeout, label):
            return _interruptible(self._run_in_oxigraph, text, bindings or {}, label)

    def _run_in_oxigraph(self, text: str, bindings: dict, label: str) -> QueryResult:
        """Run a query in Oxigraph's engine: straight on the in-memory store, through oxrdflib otherwise."""
        from kg import query as q

        if self.query_store is not None:
            return q.run_oxigraph(self.query_store, text, bindings, label)
        return q.run_local(self.query_graph, text, bindings, label=label, inline_values=True)

    def publish(self, endpoint: Any, *, graphs: list[str] | None = None, replace: bool = False,
                batch_size: int = 50_000, progress: Progress | None = None) -> Any:
        """Upload the named graphs to a SPARQL 1.1 server (see :func:`kg.remote.publisher.publish`)."""
        from kg.remote.publisher import publish

        return publish(self.rdflib_dataset(), endpoint, graphs=graphs, replace=replace, batch_size=batch_size,
                       progress=progress)

    def serve(self, port: int | None = None, *, writable: bool = False) -> Any:
        """Start a local Oxigraph server on 127.0.0.1 holding every graph (inferences included); read-only
        unless ``writable``. Returns the started :class:`kg.remote.server.OxigraphServer`; stop it when done."""
        import tempfile

        from kg.remote.server import OxigraphServer

        with tempfile.TemporaryDirectory(prefix="kg-serve-") as folder:
            data = Path(folder) / "dataset.nq"
            data.write_bytes(self.export("nquads", inferred=True))
            return OxigraphServer(port, data=[data], writable=writable, union_default_graph=True).start()

    def sparql(self, text: str, /, **bindings: Any) -> QueryResult:
        """Run an ad-hoc read-only SPARQL query; ``bindings`` must already be RDF terms (URIRef, Literal)."""
        return self._run_in_oxigraph(text, bindings, "query")

    @_collector_paused
    def stats(self, *, domains: bool = True) -> Stats:
        """Triples per graph, entities per class, facts per cooperation domain (``domains``: else
        :attr:`Stats.domains` is left empty, as ``kg build``'s table leaves it out).

        Without domains, after a build: the entities per class are the asserted graphs' (:attr:`asserted_classes`,
        counted while the build's store was there) added to the inferred graph's, which holds no asserted triple.
        Otherwise, unless :attr:`query_store` (behind :attr:`query_graph`) is already made, the counting runs in
        a store of only the triples its queries read (:data:`kg.stats.READ_PREDICATES`): on 1,000 articles,
        950,000 of 2.4 million, made in about 6 s."""
        if self._ds is not None or self.store != "default" or "query_store" in self.__dict__:
            counted = compute(self._ds if self._ds is not None else self.graphs.sizes(), self.query_graph)
        elif not domains and ("asserted_classes" in self.__dict__ or "asserted_store" in self.__dict__):
            from rdflib import RDF

            from kg.stats import class_counts, summed_classes

            inferred = self.graphs.store([INFERRED_GRAPH], predicates=[RDF.type])
            return Stats(graphs=self.graphs.sizes(), domains=[],
                         classes=summed_classes(self.asserted_classes, class_counts(inferred)))
        else:
            from oxrdflib import OxigraphStore
            from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

            from kg.stats import READ_PREDICATES

            store = self.graphs.store(predicates=[URIRef(p) for p in READ_PREDICATES])
            union = Graph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
            counted = compute(self.graphs.sizes(), union)
        return counted if domains else Stats(graphs=counted.graphs, classes=counted.classes, domains=[])

    @cached_property
    def asserted_classes(self) -> dict[str, int]:
        """Entities per class (IRI) of the asserted graphs, counted in :attr:`asserted_store`; kept when that store
        is let go of (:meth:`release_asserted_store`), for :meth:`stats`."""
        from kg.stats import class_counts

        return class_counts(self.asserted_store.store)

    @cached_property
    def lookup_index(self) -> Any:
        """The :class:`kg.ingest.index.LookupIndex` of the asserted graphs (what ``kg lookup`` searches)."""
        from kg.ingest.index import build_index, index_store

        if self._ds is not None:
            return build_index(self.asserted)
        return index_store(self.asserted_store)

    @cached_property
    def duplicates(self) -> list[Any]:
        """Near-duplicate people and organisations (warnings, not violations; :mod:`kg.ingest.duplicates`)."""
        from kg.ingest.duplicates import find_duplicates, typed_sources

        if self._ds is not None:
            return find_duplicates(self._ds, index=self.lookup_index)
        import pyoxigraph as ox
        from rdflib import RDF

        graphs = self.graphs
        rdf_type = ox.NamedNode(str(RDF.type))

        def where(iris: Iterable[str]) -> dict[str, set[str]]:
            # each entity's classes from the shared store, then the graphs that hold each typing: a scan of every
            # typing of a build (half a million at 1,000 articles) took 2–3 s, for warnings that are few
            names = graphs.asserted_names()
            typed = []
            for iri in iris:
                node = ox.NamedNode(iri)
                for quad in self.asserted_store.store.quads_for_pattern(node, rdf_type, None):
                    triple = ox.Triple(node, rdf_type, quad.object)
                    typed += [(iri, name) for name in names if graphs.holds(name, triple)]
            return typed_sources(typed)

        return find_duplicates(None, index=self.lookup_index, sources=where)

    @_collector_paused
    def write(self, out_dir: Path | str = DEFAULT_BUILD_DIR, *, only_if_conforms: bool = False
              ) -> BuildOutput | None:
        """Write the build outputs to ``out_dir`` atomically (all files, or the old folder untouched).

        Files: ``dataset.trig`` (every named graph), ``asserted.ttl``,
        ``inferred.ttl``, ``validation.ttl`` / ``.json`` / ``.txt`` (when
        validated), ``lookup-index.json`` (for ``kg lookup``) and ``manifest.json`` (with the near-duplicate
        ``warnings``). With ``only_if_conforms``, a validated graph that does not conform is not written: the
        folder is left as it was and None is returned. A validation still running (:meth:`build_to`) is
        waited for once the large files are written, before the folder is swapped in.
        """
        check_build_output(Path(out_dir), self.source)
        fault_point("write")
        graphs = self.graphs
        from kg import answers, increment
        from kg.engine import splice
        from kg.ingest.index import INDEX_FILE

        index = self.lookup_index.to_json().encode("utf-8")  # for kg lookup / kg reconcile
        warnings = [w.to_dict() for w in self.duplicates]
        # what reads the asserted store in this thread is done: the answers may now be computed there, beside the
        # writers, once the validation is over
        stop = threading.Event()
        answering, answered_in = self._answer_in_background(graphs, only_if_conforms, stop)
        # the store of asserted triples (validation, the index) is let go of before the writers run, and remade
        # if asked for again: on 1,000 generated articles the write's peak is 3,676 MiB with it gone, 4,008 without;
        # not while a validation reads it beside the writers (build_to lets go of it after)
        if self._validating is None:
            self.release_asserted_store()
        large = _large_files(graphs)
        spliced = self._spliced(Path(out_dir), large)
        self._read_ahead.clear()  # what it read ahead and did not take (it could not splice): let go of
        try:
            with contextlib.ExitStack() as stack:
                stack.callback(stop.set)  # the answers are not wanted once the write has ended, whichever way
                if answered_in is not None:  # whichever way the write ends, that store may hold the inferences
                    stack.callback(self._retire, answered_in)
                staging = stack.enter_context(fsutil.staged_dir(Path(out_dir)))
                # each large file written as soon as it is made, not held until all three are
                serialised = (spliced.pop(0) for _ in range(len(spliced))) if spliced is not None else \
                    graphs.serialize_each([(names, fmt) for _name, names, fmt in large])  # each let go of once written
                sizes: dict[str, int] = {}
                recorded: dict[str, list[Any]] = {}  # how each was written (kg.increment.record_written)
                for (name, _graphs, _fmt), data in zip(large, serialised, strict=True):
                    if isinstance(data, bytes):
                        (staging / name).write_bytes(data)
                    else:  # the pieces of a spliced file, written one after the other
                        splice.write(staging / name, data)
                    recorded[name] = increment.written(data)
                    sizes[name] = recorded[name][0]
                    del data
                report = self._validated()
                if only_if_conforms and report is not None and not report.conforms:
                    raise _NotConforming()  # the staging folder is removed; out_dir stays as it was
                small: dict[str, bytes] = {}
                if report is not None:
                    small["validation.ttl"] = report.to_turtle().encode("utf-8")
                    small["validation.json"] = report.to_json().encode("utf-8")
                    small["validation.txt"] = report.to_text().encode("utf-8")
                small[INDEX_FILE] = index
                kept, failed = answering.result()
                self.notes.extend(failed)
                (staging / answers.ANSWERS_DIR).mkdir()
                for query_name, data in kept.items():
                    small[answers.file_name(query_name)] = data
                outputs = sorted([*(name for name, _graphs, _fmt in large), *small, MANIFEST_FILE])
                manifest = {
                    "generator": f"ict-coop-kg {version('ict-coop-kg')}",
                    "articles": [a.id for a in self.articles],
                    "conforms": None if report is None else report.conforms,
                    "engine": self.chosen_engine().name,
                    "fallbacks": list(self.chosen_engine().fallbacks),
                    # what it was made from: the next build into this folder compares (kg.increment)
                    increment.MANIFEST_KEY: self._inputs(),
                    "graphs": graphs.sizes(),
                    "files": outputs,
                    "warnings": warnings,
                    # each kept answer's query text, as a key (kg.answers.read uses an answer only for that text)
                    answers.MANIFEST_KEY: answers.manifest_entry(kept),
                    # what each file was written as: a kept query store and kg serve trust the Turtle files only
                    # while they still are (kg.querystore.recorded_sizes)
                    "sizes": dict(sorted({**sizes, **{name: len(data) for name, data in small.items()}}.items())),
                }
                small[MANIFEST_FILE] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
                for name, data in small.items():
                    (staging / name).write_bytes(data)
                # how the files a later build into this folder reads were written (kg.increment.Earlier)
                increment.record_written(staging, {**recorded, MANIFEST_FILE: increment.written(small[MANIFEST_FILE])})
                self._carry_query_store(staging, Path(out_dir))
        except _NotConforming:
            return None
        return BuildOutput(Path(out_dir), outputs, bool(report and report.conforms))


def _large_files(graphs: GraphSet) -> list[tuple[str, list[URIRef], str]]:
    """The large files of a build (:meth:`KnowledgeGraph.write`): each file's name, graphs and format."""
    return [(DATASET_FILE, _export.export_graphs(graphs, inferred=True), "trig"),
            ("asserted.ttl", _export.export_graphs(graphs, inferred=False), "turtle"),
            ("inferred.ttl", [INFERRED_GRAPH], "turtle")]


class _NotConforming(Exception):
    """Raised inside :meth:`KnowledgeGraph.write`'s staging folder to drop it: the graph does not conform."""


# -- adding articles, looking up names (kg.ingest) -----------------------------------------------------------

def load_lookup_index(build_dir: Path | str = DEFAULT_BUILD_DIR) -> Any:
    """The lookup index a build wrote (``lookup-index.json``); :class:`InputError` when there is none."""
    from kg.ingest.index import load_index

    return load_index(build_dir)


def ingest_article(file: Path | str, data: Path | str, article_id: str, **options: Any) -> Any:
    """Add an article to a data folder with a draft ``article.ttl``; see :func:`kg.ingest.ingest.ingest`."""
    from kg.ingest.ingest import ingest

    return ingest(file, data, article_id, **options)


def loopback_socket(port: int) -> Any:
    """A listening socket on 127.0.0.1 (``port`` 0: a free one) for :func:`serve_reconciliation` or
    :func:`serve_web`, bound before anything is loaded: no other program can take the port between a check and
    the server's start. :class:`kg.errors.EndpointError` (exit 3) when the port is taken."""
    from kg.remote.server import loopback_socket as bound

    return bound(port)


def serve_web(application: Any, sock: Any) -> None:
    """Serve the web app (:func:`kg.web.app.create_app`) on ``sock`` until SIGINT / SIGTERM."""
    import uvicorn

    config = uvicorn.Config(application, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def serve_reconciliation(index: Any, sock: Any) -> None:
    """Serve the W3C Reconciliation Service API over ``index`` on ``sock`` until SIGINT / SIGTERM."""
    from kg.ingest.reconcile import serve

    serve(index, sock)
