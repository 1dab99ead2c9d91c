"""Answers kept with a build: each packaged query's answer without parameters, computed once by the build.

A packaged query on a large build does most of its work again every time it is asked: on 1,000 articles
(2.4 million triples) the packaged queries take from a few milliseconds to more than four seconds each in memory,
and several times that in the on-disk query store, although the build folder never changes once written (a new
build replaces it whole). So the build runs every packaged query that needs no parameter once, in the store its
validation used (with the inferences added), and keeps each answer in the build folder (:data:`ANSWERS_DIR`);
a query later asked of that build (:meth:`kg.api.KnowledgeGraph.run_query`) with the same text and no
parameters reads that answer instead of evaluating the query. Asked with parameters, or with any other text,
the query runs as before; ``kg query --live`` (``live=True``) always runs it.

An answer is used only when all of these hold, and the query runs otherwise (with a note when a kept answer was
found but could not be used):

- the build's ``manifest.json`` names it, with the SHA-256 of the query text it answers (:func:`query_key`): a
  ``kg`` whose packaged query changed runs the new text;
- its file is the size, and has the SHA-256, that the manifest records (a file cut short, changed, or copied from
  another build is not used; hashing the largest answer of 1,000 articles takes about 1 ms);
- the build's files of triples (``dataset.trig``, ``asserted.ttl``, ``inferred.ttl``) are the sizes the manifest
  records, as :mod:`kg.querystore` checks them: a build changed since is answered by running the query on it;
- the graphs of the :class:`kg.api.KnowledgeGraph` asking are still the build's (not changed since it was
  loaded);
- it reads back as this module writes it (:func:`decode`).

A query that calls ``NOW()`` or another function whose value is not the build's (:func:`kg.query.is_volatile`) is
not kept. An answer holding a blank node
is not kept (its label belongs to the store that made it); its query runs. The
answers are computed in an Oxigraph store holding every triple of the build once, as the query stores of
:mod:`kg.querystore` and :attr:`kg.api.KnowledgeGraph.query_store` do, so an answer is what running the query on
the loaded build gives; ``tests/test_answers.py`` compares them for every packaged query.

The file format (:data:`FORMAT`), JSON in UTF-8, is made to be read back fast, not to be exchanged (``kg query
-f json`` gives the standard SPARQL results format)::

    {"format": 1, "name": "who-met-whom", "query": "<sha-256 of the query text>",
     "variables": ["engagement", ...],
     "terms": [["i", "https://…"], ["l", "الأردن", "ar"], ["t", "2024-05-01", "http://…#date"], ["s", "text"]],
     "rows": [[1, 2, 0, ...], ...]}

``terms`` lists each distinct term of the answer once: ``i`` an IRI, ``s`` a literal without language or datatype
(``xsd:string``), ``l`` a literal with its language tag, ``t`` a literal with its datatype IRI. Each row holds,
per variable, its term's place in ``terms`` counted from 1, or 0 when the variable is unbound. Reading back the
largest answer of 1,000 generated articles (``commitment-status``: 8,000 rows of 11 columns, 9,000 distinct
terms) took 35–47 ms (bench/README.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from kg.errors import KGError
from kg.query import QueryResult

ANSWERS_DIR = "answers"
"""The folder of kept answers inside a build folder: one ``NAME.json`` per packaged query."""

FORMAT = 1
"""The answer files' format; bumped when it changes, so that older files are not read."""

MANIFEST_KEY = "answers"
"""The key of ``manifest.json`` that maps each kept answer's query name to its :func:`query_key`."""

_XSD_STRING = str(XSD.string)

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}")
"""A query name an answer file may be named after (a packaged query's file stem): never a path out of the
build's ``answers`` folder, whatever a manifest says."""


class AnswerUnusable(KGError):
    """A kept answer that was found but cannot be used (the query then runs; the message becomes a note)."""


def query_key(text: str) -> str:
    """The key an answer is kept under: the SHA-256 of the query text (UTF-8), in hexadecimal."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_name(name: str) -> str:
    """The path of query ``name``'s answer inside a build folder, as ``manifest.json`` lists it."""
    return f"{ANSWERS_DIR}/{name}.json"


def kept_queries() -> list[Any]:
    """The packaged queries whose answers a build keeps: those that are not ``*-violation`` checks (which a
    build runs anyway, and which answer nothing on good data), need no parameter and call no function whose value
    is not the build's (:func:`kg.query.is_volatile`: ``stale-commitments`` counts months up to ``NOW()``)."""
    from kg.query import is_volatile, list_queries

    return [q for q in list_queries()
            if not q.is_violation_check and not any(p.required for p in q.parameters) and not is_volatile(q.text)]


def _encode_term(term: Any) -> list[str] | None:
    """A pyoxigraph term as a ``terms`` entry; None for a blank node (not kept)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return ["i", term.value]
    if isinstance(term, ox.Literal):
        if term.language:
            return ["l", term.value, term.language]
        if term.datatype.value == _XSD_STRING:
            return ["s", term.value]
        return ["t", term.value, term.datatype.value]
    return None


def encode(name: str, text: str, solutions: Any) -> bytes | None:
    """The answer file of query ``name`` (of ``text``) from pyoxigraph ``QuerySolutions``; None when the answer
    holds a blank node, or is not a table of solutions (an ASK or CONSTRUCT query's)."""
    import pyoxigraph as ox

    if not isinstance(solutions, ox.QuerySolutions):
        return None
    variables = [v.value for v in solutions.variables]
    width = range(len(variables))
    index: dict[Any, int] = {}
    terms: list[list[str]] = []
    rows: list[list[int]] = []
    for solution in solutions:
        row: list[int] = []
        for i in width:
            term = solution[i]
            if term is None:
                row.append(0)
                continue
            at = index.get(term)
            if at is None:
                encoded = _encode_term(term)
                if encoded is None:
                    return None
                terms.append(encoded)
                at = index[term] = len(terms)
            row.append(at)
        rows.append(row)
    document = {"format": FORMAT, "name": name, "query": query_key(text), "variables": variables,
                "terms": terms, "rows": rows}
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _term(entry: Any) -> Node:
    kind, value = entry[0], entry[1]
    if kind == "i":
        return URIRef(value)
    if kind == "s":
        return Literal(value)
    if kind == "l":
        return Literal(value, lang=entry[2])
    if kind == "t":
        return Literal(value, datatype=URIRef(entry[2]))
    raise ValueError(f"unknown term kind {kind!r}")


def decode(data: bytes, text: str) -> QueryResult:
    """The :class:`QueryResult` kept in an answer file, which must answer ``text``; raises
    :class:`AnswerUnusable` when the file is not one :func:`encode` wrote for that text."""
    try:
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"not an answer file of format {FORMAT}")
        if document.get("query") != query_key(text):
            raise ValueError("it answers another query text")
        variables = [str(v) for v in document["variables"]]
        terms: list[Node | None] = [None, *(_term(entry) for entry in document["terms"])]
        rows = document["rows"]
        width = len(variables)
        # (each check made over all the rows at once, by functions written in C: 88,000 numbers in 1,000 articles'
        # largest answer)
        if not isinstance(rows, list) or (rows and (set(map(type, rows)) != {list} or set(map(len, rows)) != {width})):
            raise ValueError("a row is not a list of one term number per variable")
        numbers = list(chain.from_iterable(rows))
        if numbers and set(map(type, numbers)) != {int}:
            raise ValueError("a row holds something other than term numbers")
        if numbers and (min(numbers) < 0 or max(numbers) >= len(terms)):
            raise ValueError("a row names a term that is not there")
        term = terms.__getitem__
        rows = [dict(zip(variables, map(term, row))) for row in rows]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise AnswerUnusable(f"the kept answer could not be read ({exc})") from None
    return QueryResult(variables=variables, rows=rows)


def compute(store: Any, queries: Iterable[Any] | None = None, *, threads: int = 2,
            keep_going: Callable[[], bool] = lambda: True, notes: list[str] | None = None) -> dict[str, bytes]:
    """Each kept query's answer file (:func:`encode`), by name, from a pyoxigraph ``store`` whose default graph
    holds every triple of a build once; ``queries`` defaults to :func:`kept_queries`. A query whose answer
    cannot be kept (a blank node in it) is left out, and so is one that fails, with a line in ``notes``: the
    answers only save time, and that query will run when asked. ``threads`` queries run side by side (Oxigraph
    lets go of Python's interpreter lock while it evaluates); ``keep_going`` is asked before each query, and the
    queries not yet started are left out once it says no (a build that will not be written)."""
    from kg import query as q
    from kg.engine.store import run_in_threads

    chosen = list(kept_queries() if queries is None else queries)
    failed: list[str] = []

    def job(packaged: Any) -> Callable[[], bytes | None]:
        def run() -> bytes | None:
            if not keep_going():
                return None
            try:
                return encode(packaged.name, packaged.text, q.evaluate_oxigraph(store, packaged.text, {},
                                                                                packaged.name))
            except Exception as exc:  # noqa: BLE001  pyoxigraph raises assorted errors while it iterates
                failed.append(f"{packaged.name}: its answer was not kept ({exc}); it will run when asked")
                return None
        return run

    answers = run_in_threads([job(p) for p in chosen], threads)
    if notes is not None:
        notes.extend(sorted(failed))
    return {p.name: data for p, data in zip(chosen, answers, strict=True) if data is not None}


def manifest_entry(answers: dict[str, bytes]) -> dict[str, dict[str, str]]:
    """What ``manifest.json`` records of the kept answers, by query name (sorted): the :func:`query_key` of the
    packaged query's text each answers, and the SHA-256 of its file (:func:`read` uses a file only while it is
    the one written)."""
    from kg.query import list_queries

    texts = {q.name: q.text for q in list_queries()}  # read once (get_query reads every query file each time)
    return {name: {"query": query_key(texts[name]), "sha256": hashlib.sha256(answers[name]).hexdigest()}
            for name in sorted(answers)}


@dataclass(frozen=True)
class Kept:
    """What a build's ``manifest.json`` said of its kept answers when it was loaded (:func:`kept_by`): an answer
    is used only while its file and the build's files of triples are still what that manifest recorded, so that
    a build written over the folder since is never taken for the one loaded."""

    folder: Path
    entries: dict[str, Any]
    sizes: dict[str, int]


def kept_by(build_dir: Path | str) -> Kept | None:
    """The kept answers of the build in ``build_dir`` as its manifest records them now; None when it keeps none
    (a build of an older ``kg``, or no readable manifest)."""
    from kg.querystore import read_manifest, sizes_in

    manifest = read_manifest(build_dir)
    entries = manifest.get(MANIFEST_KEY)
    if not isinstance(entries, dict):
        return None
    return Kept(Path(build_dir), entries, sizes_in(manifest))


def read(kept: Kept, text: str) -> QueryResult | None:
    """The answer ``kept`` (:func:`kept_by`) holds for the query ``text`` asked without parameters, or None when
    it holds none (the query is then run). Raises :class:`AnswerUnusable` when it holds one that cannot be used:
    its file missing, not the size recorded (checked before it is read) or not its bytes, or one of the build's
    files of triples (:data:`kg.querystore.SOURCES`) not the size recorded (the build was changed since)."""
    from kg.querystore import QueryStoreUnavailable, check_sources

    key = query_key(text)
    names = sorted(name for name, entry in kept.entries.items()
                   if isinstance(entry, dict) and entry.get("query") == key and _NAME.fullmatch(name))
    if not names:
        return None
    name, folder, recorded = file_name(names[0]), kept.folder, kept.sizes
    try:  # the build's triples as it wrote them, or its answers are not theirs
        check_sources(folder, recorded)
    except QueryStoreUnavailable as exc:
        raise AnswerUnusable(str(exc)) from None
    if name not in recorded:
        raise AnswerUnusable(f"manifest.json records no size of {name}")
    try:
        fd = os.open(folder / name, os.O_RDONLY | os.O_NONBLOCK)  # never wait on a FIFO put in its place
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise AnswerUnusable(f"{name} is not a regular file")
            if info.st_size != recorded[name]:  # checked before it is read: it may be of any size
                raise AnswerUnusable(f"{name}: {info.st_size:,} bytes, where the build wrote {recorded[name]:,}")
            data = handle.read()
    except OSError as exc:
        raise AnswerUnusable(f"{name} could not be read: {exc.strerror or exc}") from None
    if hashlib.sha256(data).hexdigest() != kept.entries[names[0]].get("sha256"):
        raise AnswerUnusable(f"{name} is not the file the build wrote (its SHA-256 differs from the manifest's)")
    try:
        return decode(data, text)
    except AnswerUnusable as exc:
        raise AnswerUnusable(f"{name}: {exc}") from None


__all__ = ["ANSWERS_DIR", "AnswerUnusable", "FORMAT", "Kept", "MANIFEST_KEY", "compute", "decode", "encode",
           "file_name", "kept_by", "kept_queries", "manifest_entry", "query_key", "read"]
