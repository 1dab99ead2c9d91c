"""The dataset in pyoxigraph: the engine choice, the asserted data in one ``Store``, and fast deterministic writing.

**The engine** is chosen once per build (:func:`get_engine`: ``--engine`` / ``KG_ENGINE``, default ``fast``)
and carried by the :class:`kg.api.KnowledgeGraph`; each stage asks the :class:`Engine` object, never a name:

- ``reference``: OWL-RL with owlrl and SHACL with pySHACL, on rdflib graphs (how the build always worked);
- ``fast``: OWL-RL as SPARQL rules (:mod:`kg.engine.rules`) and the shapes compiled to SPARQL
  (:mod:`kg.engine.shacl`), both run in Oxigraph; what they do not cover falls back to the reference engine
  for that construct, and :attr:`Engine.fallbacks` says so.

**The asserted data** (every named graph but ``graph/inferred``: ontology, reference data, articles) is put in
the *default graph* of one in-memory ``pyoxigraph.Store`` (:class:`AssertedStore`): a quad store keeps a set
per graph, so the union holds each triple once (Oxigraph's union-default-graph view would yield a triple once
per graph that holds it). The fast engine's compiled shapes run there; both engines run the packaged
``*-violation.rq`` queries there and look up the labels and source sentences of violations there, by SPARQL
with bound terms; the fast engine's OWL-RL rules run there too, before the shapes (they leave nothing behind).
Beware that Oxigraph's store rewrites integer subtypes (``xsd:nonNegativeInteger`` → ``xsd:integer``) and
canonical lexical forms: outputs are therefore never written from this store but from the dataset's own terms,
and the rules' answers get their literals back in the form they were loaded in
(:func:`kg.engine.rules.infer_triples`), so that the inferences equal owlrl's term for term.

**Writing** (:func:`serialize_sorted`): rdflib's Turtle and TriG writers are quadratic at a million triples.
Triples are converted to pyoxigraph terms, sorted (graph, then subject, predicate, object, each compared in
its N-Triples form) and streamed through ``pyoxigraph.serialize``, which keeps the input order and groups
consecutive triples of one subject (``;``) and predicate (``,``). The ``@prefix`` lines are sorted too, so the
bytes depend on the triples alone — not on hash seeds, not on the engine.
"""

from __future__ import annotations

import itertools
import os
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.dataset import GraphSet, TermCache
from kg.errors import InputError
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

    from kg.validate import ValidationReport

ENGINES = ("fast", "reference")
DEFAULT_ENGINE = "fast"
ENGINE_ENV = "KG_ENGINE"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
WRITE_PREFIXES = {prefix: iri for prefix, iri in PREFIXES.items() if prefix != "id"}
"""Prefixes of written Turtle / TriG: the project's, except ``id:`` (its local names hold ``/``, which Turtle
would have to escape as ``id:person\\/amr-talaat``; full IRIs read better)."""


# -- terms ---------------------------------------------------------------------------------------------------

def to_ox(term: Node, _bnodes: dict[str, Any] | None = None) -> Any:
    """An rdflib term as a pyoxigraph term (blank nodes keep their ids when pyoxigraph accepts them)."""
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(term)  # an rdflib term is a str: pyoxigraph takes it as it is, without a copy
    if isinstance(term, Literal):  # before blank nodes: most terms that are not IRIs are literals
        if term.language:
            return ox.Literal(term, language=term.language)
        datatype = term.datatype
        if datatype is not None and str(datatype) != _XSD_STRING:
            return ox.Literal(term, datatype=ox.NamedNode(datatype))
        return ox.Literal(term)
    if isinstance(term, BNode):
        try:
            return ox.BlankNode(str(term))
        except ValueError:  # an id pyoxigraph does not accept: a fresh one, the same for the same id
            table = _bnodes if _bnodes is not None else {}
            return table.setdefault(str(term), ox.BlankNode())
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: Any) -> Node | None:
    """A pyoxigraph term as an rdflib term (``xsd:string`` literals as simple literals; the default graph as
    None)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if term is None or isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"not an RDF term: {term!r}")


_T = TypeVar("_T")


def handed_over(exc: BaseException) -> BaseException:
    """``exc``, and the exceptions chained to it, with the local variables of their tracebacks' frames let go of
    here, in the thread that raised it, before another thread raises it again (:func:`run_in_threads`,
    :func:`kg.api._interruptible`). A pyoxigraph ``QuerySolutions`` may be let go of only in the thread that made
    it: left in a frame of a query that failed, it was let go of in the waiting thread (``RuntimeError: … is
    unsendable, but is being dropped on another thread``, and the object leaked). The tracebacks keep their
    files and lines."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)  # a frame still running (the thread's own) is left as it is
        pending += [current.__cause__, current.__context__]
    return exc


def run_in_threads(jobs: Sequence[Callable[[], _T]], threads: int) -> list[_T]:
    """Each job's result, in the order of ``jobs``, run by ``threads`` threads (this one and daemon threads).

    For queries on one pyoxigraph store: Oxigraph lets go of Python's interpreter lock while it evaluates, so
    they use several cores. The threads are daemons and not a pool, so that an interrupted command never waits
    for them (a pool's threads are joined when the interpreter exits), and they keep this thread's signal mask.
    The first failing job's error (in the order of ``jobs``) is raised once every thread has stopped.
    """
    results: list[Any] = [None] * len(jobs)
    errors: list[tuple[int, BaseException]] = []
    queue = iter(enumerate(jobs))
    lock = threading.Lock()

    def work() -> None:
        while not errors:
            with lock:
                item = next(queue, None)
            if item is None:
                return
            i, job = item
            try:
                results[i] = job()
            except BaseException as exc:  # noqa: BLE001  raised by the caller below
                errors.append((i, handed_over(exc)))

    helpers = [threading.Thread(target=work, name="kg-query", daemon=True)
               for _ in range(min(threads, len(jobs)) - 1)]
    for thread in helpers:
        thread.start()
    work()
    for thread in helpers:
        thread.join()
    if errors:
        raise min(errors, key=lambda e: e[0])[1]
    return results


# -- the asserted data in one store ------------------------------------------------------------------------

class AssertedStore:
    """The asserted triples of a dataset, once each, in the default graph of an in-memory pyoxigraph store.

    The store is the one every check of a build shares: the fast engine's rules and compiled shapes, the
    packaged violation queries, and the labels and sentences of violations.
    """

    def __init__(self, store: pyoxigraph.Store) -> None:
        self.store = store

    @classmethod
    def from_graphs(cls, graphs: Iterable[Graph]) -> AssertedStore:
        """A store holding the union of ``graphs`` (rdflib graphs) in its default graph."""
        import pyoxigraph as ox

        store = ox.Store()
        convert = TermCache().triple_to_ox
        for graph in graphs:
            store.bulk_extend(ox.Quad(*convert(t)) for t in graph)
        return cls(store)

    def __len__(self) -> int:
        return len(self.store)

    def select(self, text: str, bindings: Mapping[str, Node] | None = None) -> list[dict[str, Node]]:
        """The rows of a SELECT query on the asserted data, with ``bindings`` substituted as RDF terms
        (SPARQL SEP-0007, never pasted into the text); values as rdflib terms, unbound ones left out."""
        import pyoxigraph as ox

        substitutions = {ox.Variable(name): to_ox(term) for name, term in (bindings or {}).items()}
        solutions = self.store.query(text, substitutions=substitutions or None)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = from_ox(value)
            rows.append(row)
        return rows


# -- the engines ---------------------------------------------------------------------------------------------

class Engine:
    """How a build reasons and validates; chosen once (:func:`get_engine`) and carried by the knowledge graph.

    Each stage takes the knowledge graph (:class:`kg.api.KnowledgeGraph`): its ``graphs``
    (:class:`kg.dataset.GraphSet`) and its ``asserted_store`` (:class:`AssertedStore`, made once and shared). :attr:`fallbacks` lists, in plain
    words, every construct the fast engine handed to the reference engine during this build (empty for the
    reference engine); the manifest records them and the CLI prints them.
    """

    name = ""
    builds_on_earlier = False
    """Whether :meth:`infer` and :meth:`validate` build on an earlier build's results (its inferences, and only
    what the added triples can change), when the build is given them."""

    def __init__(self) -> None:
        self.fallbacks: list[str] = []

    def prepare(self, graphs: GraphSet) -> None:
        """Make ahead what reasoning on the ontology of ``graphs`` (the build's graphs loaded so far) needs; a build
        calls it while worker processes assemble its articles (see :func:`kg.load.load_graphs`), when this process
        has time to spare. Nothing, unless an engine has such work."""

    def infer(self, kg: Any, *, meanwhile: Callable[[], None] | None = None, previous: set[Any] | None = None,
              added: list[Any] | None = None) -> None:
        """Replace the ``graph/inferred`` named graph of ``kg`` by the OWL-RL inferences of its asserted graphs.
        ``meanwhile`` is called at most once, in this thread, when the engine starts work that runs outside
        Python's interpreter lock and leaves the asserted graphs as they are (the fast engine's rules): work of
        the caller's for another thread to do beside it. ``previous`` (``pyoxigraph.Triple`` s): the inferences
        of the asserted graphs without the triples ``added``, from which an engine may run the rules (the fast
        one does; the reference engine runs owlrl over everything)."""
        raise NotImplementedError

    def validate(self, kg: Any, *, added: list[Any] | None = None) -> ValidationReport:
        """Validate the asserted graphs of ``kg`` (every named graph but the inferred one). ``added``
        (``pyoxigraph.Triple`` s): they conformed before these triples were added, and an engine may check only
        what the triples can change (the fast one does; the reference engine validates everything)."""
        raise NotImplementedError

    def validate_graph(self, data: Graph) -> ValidationReport:
        """Validate ``data`` (asserted triples and the ontology in one rdflib graph)."""
        raise NotImplementedError

    def _note(self, notes: Iterable[str]) -> None:
        for note in notes:
            if note not in self.fallbacks:
                self.fallbacks.append(note)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class ReferenceEngine(Engine):
    """owlrl and pySHACL on rdflib graphs; the violation queries and label look-ups in the shared store."""

    name = "reference"

    def infer(self, kg: Any, *, meanwhile: Callable[[], None] | None = None, previous: set[Any] | None = None,
              added: list[Any] | None = None) -> None:
        """owlrl, which runs in Python throughout, over everything: ``meanwhile`` is not called."""
        from kg.reason import infer

        kg.replace_graph(INFERRED_GRAPH, infer(kg.rdflib_dataset()))

    def validate(self, kg: Any, *, added: list[Any] | None = None) -> ValidationReport:
        from kg.validate import validate_reference

        return validate_reference(kg.asserted, kg.asserted_store)

    def validate_graph(self, data: Graph) -> ValidationReport:
        from kg.validate import validate_reference

        return validate_reference(data, AssertedStore.from_graphs([data]))


class FastEngine(Engine):
    """The OWL-RL rules and compiled shapes in Oxigraph (:mod:`kg.engine.rules`, :mod:`kg.engine.shacl`)."""

    name = "fast"
    builds_on_earlier = True

    def prepare(self, graphs: GraphSet) -> None:
        """Make the rules of the ontology (:func:`kg.engine.rules.prepare_rules`), from its graph as reasoning
        reads it (:func:`kg.reason.infer_fast`): where no cached rules are found, owlrl's closure of the ontology
        takes about 3 s, which reasoning would otherwise spend after the load."""
        from kg.engine.rules import prepare_rules

        prepare_rules(graphs.rdflib_graph(ONTOLOGY_GRAPH))

    def infer(self, kg: Any, *, meanwhile: Callable[[], None] | None = None, previous: set[Any] | None = None,
              added: list[Any] | None = None) -> None:
        """The rules run in the shared :attr:`kg.asserted_store` (see :func:`kg.engine.rules.infer_triples`) —
        unless the rdflib dataset is the master copy, which can change behind that store's back: then in a store
        made from the graphs as they are. ``meanwhile`` is called as the rules start their rounds. From
        ``previous`` with ``added``, or after an earlier build of the same data less some articles
        (:meth:`kg.api.KnowledgeGraph.build` with ``since``), the rules run from the added triples only, over
        those inferences (see :func:`kg.reason.infer_fast`)."""
        from kg.reason import infer_fast

        shared = kg.asserted_store.store if kg.graphs_are_master else None
        if previous is None and shared is not None:
            previous, added = kg._previous_inferences(), kg._added_triples()
        inferred, notes, fresh = infer_fast(kg.graphs, shared, meanwhile=meanwhile,
                                            previous=previous if shared is not None else None,
                                            added=added if previous is not None else None)
        self._note(notes)
        kg.replace_graph(INFERRED_GRAPH, inferred)
        kg._new_inferences = fresh  # what the earlier build's kept query store lacks (kg.querystore.carry)

    def validate(self, kg: Any, *, added: list[Any] | None = None) -> ValidationReport:
        """The compiled shapes and the violation queries in the shared :attr:`kg.asserted_store`; the shapes only
        where ``added`` can change a result, when it is given (see :func:`kg.validate.validate_fast`)."""
        from kg.validate import validate_fast

        report, notes = validate_fast(kg.asserted_store, added=added)
        self._note(notes)
        return report

    def validate_graph(self, data: Graph) -> ValidationReport:
        from kg.validate import validate_fast

        report, notes = validate_fast(AssertedStore.from_graphs([data]))
        self._note(notes)
        return report


def get_engine(name: str | Engine | None = None) -> Engine:
    """A new :class:`Engine` by name (``fast`` or ``reference``); None reads ``KG_ENGINE`` (default ``fast``).

    Raises :class:`InputError` (exit 2) for any other name.
    """
    if isinstance(name, Engine):  # already chosen
        return name
    raw = os.environ.get(ENGINE_ENV, DEFAULT_ENGINE) if name is None else name
    value = raw.strip().lower()
    if value == "fast":
        return FastEngine()
    if value == "reference":
        return ReferenceEngine()
    raise InputError(f"unknown engine {raw!r} (--engine / {ENGINE_ENV}): use 'fast' (OWL-RL rules and compiled "
                     "shapes in Oxigraph) or 'reference' (owlrl and pySHACL)")


# -- writing ---------------------------------------------------------------------------------------------

def _after_prefix_lines(data: bytes) -> int:
    """Where the leading ``@prefix`` lines of ``data`` end."""
    end = 0
    while data.startswith(b"@prefix ", end):
        end = data.index(b"\n", end) + 1
    return end


def _graph_opening(name: URIRef, triple: Any) -> bytes:
    """The line with which pyoxigraph's TriG writer opens graph ``name`` (``graph:article/x {``), taken from what
    it writes for one of the graph's triples."""
    import pyoxigraph as ox

    quad = ox.Quad(triple.subject, triple.predicate, triple.object, to_ox(name))
    written = ox.serialize([quad], format=ox.RdfFormat.TRIG, prefixes=WRITE_PREFIXES)
    start = _after_prefix_lines(written)
    return written[start:written.index(b"\n", start) + 1]


def _sorted_prefix_lines(data: bytes) -> bytes:
    """``data`` with its leading ``@prefix`` lines in alphabetical order (the writer keeps them in a map); the
    rest is not split into lines (that took hundreds of MiB on a large graph)."""
    end = _after_prefix_lines(data)
    if not end:
        return data
    return b"".join([*sorted(data[:end].splitlines(keepends=True)), memoryview(data)[end:]])  # one copy of the rest


def _lines(triples: list[Any]) -> list[bytes]:
    """The N-Triples lines of ``triples`` (``pyoxigraph.Triple``), each ``s p o .`` without its newline."""
    import pyoxigraph as ox

    if not triples:
        return []
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).split(b"\n")[:-1]


def serialize_sorted(graphs: Iterable[tuple[URIRef | None, Iterable[Any]]], fmt: str, *,
                     converted: bool = False) -> bytes:
    """Serialise ``(graph name, triples)`` pairs in ``fmt`` (``turtle``, ``trig``, ``nt``, ``nquads``)
    deterministically (see :func:`serialize_lines`). Blank node ids are written as they are: give canonical
    ones for stable bytes. The triples are rdflib triples, or ``pyoxigraph.Triple`` with ``converted``."""
    convert = TermCache().triple_to_ox
    pairs = []
    for name, triples in graphs:
        ox_triples = list(triples) if converted else [convert(t) for t in set(triples)]
        pairs.append((name, _lines(ox_triples), ox_triples))
    return serialize_lines(pairs, fmt)


def _unique_order(lines: list[bytes]) -> list[int]:
    """The positions of ``lines`` in the order of the lines as bytes, each distinct line once."""
    order = sorted(range(len(lines)), key=lines.__getitem__)
    return [i for n, i in enumerate(order) if n == 0 or lines[i] != lines[order[n - 1]]]


def serialize_lines(graphs: Iterable[tuple[URIRef | None, list[bytes], list[Any]]], fmt: str) -> bytes:
    """Serialise ``(graph name, N-Triples lines, triples)`` triples (the lines of the ``pyoxigraph.Triple``
    triples, in the same order) in ``fmt`` (``turtle``, ``trig``, ``nt``, ``nquads``) deterministically, with
    pyoxigraph's writers.

    Triple formats take the triples of every graph as one graph (their union); quad formats write each graph by
    name, in the order given (N-Quads then sorts every line). Triples are sorted by subject, predicate,
    object, each compared in its N-Triples form: that is the order of their N-Triples lines as bytes (a term's
    form is never a proper prefix of another's followed by anything below the space that separates them, and
    UTF-8 keeps code point order), so the lines are sorted as bytes, and the Turtle or TriG writer, which keeps
    the order it is given, groups consecutive triples of one subject (``;``) and predicate (``,``). The
    ``@prefix`` lines are sorted too, so the bytes depend on the triples alone.
    """
    import pyoxigraph as ox

    if fmt == "nquads":  # written from the lines alone: each graph's lines, each once, then every line sorted
        named = [(b" " + str(to_ox(name)).encode("utf-8") + b" .\n", lines)  # type: ignore[arg-type]
                 for name, lines, _triples in graphs]
        return b"".join(sorted(line[:-2] + graph for graph, lines in named for line in set(lines)))
    if fmt == "trig":
        # TriG graph by graph, each graph's triples written by the Turtle writer and put inside the graph's braces,
        # a tab deeper, as the TriG writer indents them (the writer escapes line breaks inside literals, so every
        # line break of its output ends a line): 11.4 s went to 4.7 s on 1,000 articles, most of it making quads
        header, blocks = b"", []
        for name, lines, triples in graphs:
            if not lines:
                continue
            body = ox.serialize([triples[i] for i in _unique_order(lines)], format=ox.RdfFormat.TURTLE,
                                prefixes=WRITE_PREFIXES)
            start = _after_prefix_lines(body)
            header = header or body[:start]
            blocks.append(_graph_opening(name, triples[0]))  # type: ignore[arg-type]
            blocks.append(b"\t" + body[start:-1].replace(b"\n", b"\n\t") + b"\n}\n")
        return b"".join([_sorted_prefix_lines(header), *blocks])
    # a triple format: the union of the graphs, each triple once; the triples put in the order of their lines by
    # sorting positions (a dict from line to triple took twice the memory)
    all_lines: list[bytes] = []
    all_triples: list[Any] = []
    for _name, lines, triples in graphs:
        all_lines.extend(lines)
        all_triples.extend(triples)
    unique = _unique_order(all_lines)
    if fmt == "nt":
        return b"".join(all_lines[i] + b"\n" for i in unique)
    cuts = _subject_cuts([all_lines[i] for i in unique])
    items = [all_triples[i] for i in unique]
    del unique, all_lines
    # written a piece at a time, each piece whole subjects: the writer holds Python's interpreter lock while it
    # writes, and a graph's Turtle in one call (4 s on 1,000 articles) would stall every other thread that long
    header, parts = b"", []
    for start, end in itertools.pairwise(cuts):
        written = ox.serialize(items[start:end], format=ox.RdfFormat.TURTLE, prefixes=WRITE_PREFIXES)
        body = _after_prefix_lines(written)
        header = header or written[:body]
        parts.append(memoryview(written)[body:])
    return b"".join([_sorted_prefix_lines(header), *parts])


TURTLE_PIECE = 20_000
"""About how many triples :func:`serialize_lines` gives the Turtle writer at a time."""


def _subject_cuts(lines: list[bytes]) -> list[int]:
    """Where to cut sorted N-Triples ``lines`` into pieces of about :data:`TURTLE_PIECE` lines, each piece whole
    subjects (a subject's form holds no space, and the space after it ends it): the positions, from 0 to the
    end. Turtle written a piece at a time is then what one call writes: a subject's triples end with `` .``."""
    cuts = [0]
    position = TURTLE_PIECE
    while position < len(lines):
        before = lines[position - 1]
        subject = before[:before.index(b" ") + 1]
        while position < len(lines) and lines[position].startswith(subject):
            position += 1
        if position < len(lines):
            cuts.append(position)
        position += TURTLE_PIECE
    cuts.append(len(lines))
    return cuts


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "ENGINE_ENV",
    "AssertedStore",
    "Engine",
    "FastEngine",
    "ReferenceEngine",
    "from_ox",
    "get_engine",
    "serialize_lines",
    "serialize_sorted",
    "to_ox",
]
