"""Assemble the dataset: ontology, reference data and every article, each in its own named graph.

A data folder (the packaged ``data/`` or a user's own, given with ``--data``)
has this layout::

    reference/*.ttl                 entities many sources share
    articles/<id>/article.txt       the source text, stored exactly as received
    articles/<id>/*.ttl             its metadata and facts, with kg:quote evidence

The folder contract: every folder in ``articles/`` is an article except those whose name starts with ``.`` or
``_`` (``__pycache__`` of an installed wheel, ``.git``, ``_drafts``), which are skipped; other entries (files)
are ignored. An article folder's name is its id (letters, digits, ``.``, ``_``, ``-``) and it must hold
``article.txt``. Every input is a regular file inside the data folder: FIFOs, devices and symbolic links that
resolve outside the folder are refused.

Each article's triples go to the named graph ``graph/article/<id>``; its ``kg:quote`` shorthands are
resolved against the article text into ``kg:Quotation`` nodes with Web Annotation selectors (see
:mod:`kg.evidence`), and every asserted triple becomes a sourced ``kg:Fact`` (see :mod:`kg.facts`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import json
import math
import os
import re
import shutil
import stat
import tempfile
import xml.sax
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NamedTuple

from rdflib import RDF, XSD, Dataset, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from kg import evidence, facts, fsutil, resources
from kg.cache import ArticleCache, inputs_digest
from kg.dataset import GraphSet, TermCache, parse_ntriples
from kg.errors import DataError, InputError, Location, RDFSyntaxError
from kg.namespaces import (
    INFERRED_GRAPH,
    KG,
    ONTOLOGY_GRAPH,
    REFERENCE_GRAPH,
    SCHEMA,
    article_graph,
    article_iri,
    bind_prefixes,
)
from kg.signals import fault_point
from kg.terms import IRI_UNSAFE, PARSER_LIMIT_MESSAGE, TERM_MAX_BYTES, is_parser_limit, too_long, written_size

FORMAT_BY_SUFFIX = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".trig": "trig",
    ".nt": "nt",
    ".nq": "nquads",
    ".n3": "n3",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}
QUAD_FORMATS = {"trig", "nquads"}
DEFAULT_MAX_INPUT_MB = 50
"""Files larger than this many MiB are refused before parsing (rdflib holds a parsed file in memory,
several times its size); ``KG_MAX_INPUT_MB`` raises the limit. Bigger data belongs in a SPARQL server."""
MAX_INPUT_MB_CAP = 1_048_576
"""The largest ``KG_MAX_INPUT_MB`` accepted (1 TiB): beyond it the setting is surely a mistake."""


def max_input_bytes() -> int:
    """The size limit for one input file, from ``KG_MAX_INPUT_MB`` (default :data:`DEFAULT_MAX_INPUT_MB`).

    Raises :class:`InputError` unless the setting is a finite number greater than 0 (``inf``, ``nan``, ``-1``,
    ``0`` and words are refused, naming the value).
    """
    raw = os.environ.get("KG_MAX_INPUT_MB")
    if raw is None:
        return DEFAULT_MAX_INPUT_MB * 2**20
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > MAX_INPUT_MB_CAP:
        raise InputError(f"KG_MAX_INPUT_MB={raw!r}: give a number of MiB greater than 0 and at most "
                         f"{MAX_INPUT_MB_CAP} (default {DEFAULT_MAX_INPUT_MB})")
    return int(value * 2**20)

Source = Traversable | Path
Progress = Callable[[str], None]


def rdf_format(name: str) -> str:
    """The rdflib parser name for a file name, from its extension.

    Raises :class:`InputError` for an extension that is not an RDF format.
    """
    suffix = Path(name).suffix.lower()
    try:
        return FORMAT_BY_SUFFIX[suffix]
    except KeyError:
        known = ", ".join(sorted(FORMAT_BY_SUFFIX))
        raise InputError(f"{name}: unknown RDF file extension {suffix or '(none)'!r}; use one of {known}") from None


def read_input(source: Source, label: str, root: Path | None = None) -> bytes:
    """The bytes of one input file, after the checks of the folder contract.

    A :class:`~pathlib.Path` must be a regular file (not a FIFO, device or socket) of at most
    :func:`max_input_bytes`; with ``root`` (the data folder it was found in) it must also resolve inside that
    folder, so a symbolic link cannot pull in files from elsewhere (``/proc/self/environ``, ``~/.ssh``…).
    """
    with _file_errors(label):
        check_input(source, label, root)
        return source.read_bytes()


@contextlib.contextmanager
def _file_errors(label: str) -> Iterator[None]:
    """Turn the file system's errors about ``label`` into :class:`InputError` messages naming it."""
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a folder, not a file") from None
    except PermissionError:
        raise InputError(f"{label}: permission denied") from None
    except OSError as exc:  # a part of the path that is not a folder, a loop of links, a name too long …
        raise InputError(f"{label}: cannot be read: {os.strerror(exc.errno).lower() if exc.errno else exc}") \
            from None


def check_input(source: Source, label: str, root: Path | None = None, *, limit: bool = True) -> None:
    """The checks of :func:`read_input`, without reading: a regular file, inside ``root`` when given, and (with
    ``limit``) within :func:`max_input_bytes`. A build's own ``dataset.trig`` is read without the size limit:
    pyoxigraph parses it in a fraction of its size, and a build of a thousand articles writes 180 MiB."""
    with _file_errors(label):
        if isinstance(source, Path):
            if root is not None:
                _check_inside(source, root, label)
            mode = source.stat().st_mode
            if not stat.S_ISREG(mode):
                kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, device or socket)"
                raise InputError(f"{label}: is {kind}; inputs must be regular files")
            size, most = source.stat().st_size, max_input_bytes()
            if limit and size > most:
                raise InputError(
                    f"{label}: {_mib(size)} is larger than the {_mib(most)} this command "
                    "loads into memory (set KG_MAX_INPUT_MB to raise it, or load the file into a SPARQL server)"
                )


def _mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB" if size >= 10 * 2**20 else f"{size / 2**10:,.0f} KiB"


def _check_inside(path: Path, root: Path, label: str) -> None:
    """Refuse ``path`` when it (following symbolic links) resolves outside the data folder ``root``."""
    real_root = root.resolve()
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InputError(f"{label}: a broken or looping symbolic link") from None
    if real != real_root and real_root not in real.parents:
        raise InputError(f"{label}: is a symbolic link to {real}, outside the data folder {real_root}; "
                         "copy the file into the data folder instead")


def _column(data: bytes, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(data)))
    line = data.count(b"\n", 0, index) + 1
    column = len(data[data.rfind(b"\n", 0, index) + 1:index].decode("utf-8", "replace")) + 1
    return line, column


def parse_into(graph: Graph, source: Source, *, label: str | None = None, fmt: str | None = None,
               root: Path | None = None) -> bytes:
    """Parse one RDF file into ``graph`` (a Graph, or a Dataset for TriG / N-Quads); return the bytes read.

    Every parser failure becomes :class:`RDFSyntaxError` naming the file and,
    where the parser tells, the line and column; the text is checked to be
    UTF-8 first. Nothing is added to ``graph`` when the file is refused.
    """
    fresh, data = parse_file(source, label=label, fmt=fmt, root=root, dataset=isinstance(graph, Dataset))
    if isinstance(graph, Dataset):
        for g in fresh.graphs():  # type: ignore[attr-defined]
            target = graph.graph(g.identifier)
            for triple in g:
                target.add(triple)
    else:
        for triple in fresh:
            graph.add(triple)
    return data


def parse_file(source: Source, *, label: str | None = None, fmt: str | None = None, root: Path | None = None,
               dataset: bool = False) -> tuple[Graph, bytes]:
    """Parse one RDF file into a new Graph (a Dataset with ``dataset``, for TriG / N-Quads); return it and the
    bytes read. Raises what :func:`parse_into` raises."""
    label = label or str(source)
    data = read_input(source, label, root)
    return parse_bytes(data, label=label, fmt=fmt or rdf_format(source.name), dataset=dataset), data


def parse_bytes(data: bytes, *, label: str, fmt: str, dataset: bool = False, terms: TermCache | None = None) -> Graph:
    """Parse the bytes of the RDF file ``label`` into a new Graph (a Dataset with ``dataset``). Raises
    :class:`RDFSyntaxError` naming the file and, where the parser tells, the line and column. ``terms``, when
    given, makes the IRIs (a process that parses many files gives its own, so that they share their IRIs)."""
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark (Windows Notepad): not part of the text
        data = data[3:]
    if not data.strip():
        raise RDFSyntaxError("the file is empty", Location(label))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _column(data, exc.start)
        raise RDFSyntaxError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x}); RDF files must be saved as UTF-8", Location(label, line, column)
        ) from None
    fresh: Graph = Dataset() if dataset else Graph(store="SimpleMemory")
    if not dataset and fmt in _OXIGRAPH_FORMATS and _parse_fast(fresh, data, fmt, _public_id(label), terms, label):
        _check_terms(fresh, data, label)
        return fresh
    if fmt == "xml":
        _refuse_expanding_entities(data, label)
    elif fmt == "json-ld":
        _refuse_remote_contexts(data, label)
    fresh = Dataset() if dataset else Graph()
    try:
        fresh.parse(data=data, format=fmt, publicID=_public_id(label))
    except RecursionError:
        raise RDFSyntaxError(f"{fmt} could not be read: nested too deeply", Location(label)) from None
    except BadSyntax as exc:
        line, column = _column(data, exc._i)
        raise RDFSyntaxError(f"{fmt} syntax error: {exc._why}", Location(label, line, column)) from None
    except xml.sax.SAXParseException as exc:
        raise RDFSyntaxError(f"RDF/XML error: {exc.getMessage()}", Location(label, exc.getLineNumber(),
                                                                           exc.getColumnNumber() + 1)) from None
    except json.JSONDecodeError as exc:
        raise RDFSyntaxError(f"JSON-LD error: {exc.msg}", Location(label, exc.lineno, exc.colno)) from None
    except ParserError as exc:
        raise RDFSyntaxError(f"{fmt} syntax error: {exc.msg}", Location(label, _line_of(data, exc.msg))) from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, UnicodeError) as exc:
        # rdflib's parsers raise these for malformed terms (bad IRIs, bad language tags…)
        raise RDFSyntaxError(f"{fmt} could not be read: {exc}", Location(label)) from None
    _check_terms(fresh, data, label)
    return fresh


_ENTITY = re.compile(rb"<!ENTITY\s+%?\s*([^\s\"'>]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')")
_ENTITY_REFERENCE = re.compile(rb"&(?!#)[^;\s]+;|%[^;\s]+;")
"""A reference to another entity (``&a;``, or a parameter entity's ``%a;``), not a character reference
(``&#160;``)."""


def _refuse_expanding_entities(data: bytes, label: str) -> None:
    """Refuse RDF/XML whose DTD declares an external entity (its parser would read that file or URL) or an
    entity made of other entities (a "billion laughs": 1.3 KB that expands to gigabytes, and kept a core busy
    for minutes). Entities that stand for a plain text, as OWL files use for namespaces, are read as before."""
    for match in _ENTITY.finditer(data):
        name, value = match.group(1).decode("utf-8", "replace"), match.group(2)
        if value in (b"SYSTEM", b"PUBLIC"):
            reason = "an external entity (its file or URL would be read)"
        elif _ENTITY_REFERENCE.search(value):
            reason = "an entity made of other entities (they can expand to gigabytes)"
        else:
            continue
        line, _column_at = _column(data, match.start())
        raise RDFSyntaxError(f"RDF/XML error: the DTD declares {name!r}, {reason}; kg does not read such entities",
                             Location(label, line))


def _refuse_remote_contexts(data: bytes, label: str) -> None:
    """Refuse JSON-LD whose ``@context`` (or ``@import``) names a document rather than holding it: rdflib's
    parser would fetch it, from any URL or file (a server that never answers hung the command). Put the context
    in the file instead."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError:
        return  # the parser names the syntax error
    except RecursionError:
        raise RDFSyntaxError("json-ld could not be read: nested too deeply", Location(label)) from None
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                named = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
                    if isinstance(value, list) else []
                if key in ("@context", "@import") and named:
                    where = Location(label, _line_containing(data, named[0]))
                    raise RDFSyntaxError(f"JSON-LD error: {key} names a document ({named[0]!r}); kg fetches no "
                                         "context: put it in the file", where)
                pending.append(value)


_OXIGRAPH_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES"}
"""Triple formats parsed with pyoxigraph (a Turtle file in about a tenth of rdflib's time)."""


def _parse_fast(graph: Graph, data: bytes, fmt: str, base: str, terms: TermCache | None = None,
                label: str = "") -> bool:
    """Parse ``data`` with pyoxigraph into ``graph`` as rdflib terms; False (``graph`` then holds a part) when
    pyoxigraph refuses it: rdflib's parser then reads it again, so that an error reads as it always has, and
    what rdflib accepts is still accepted. Literals are made by rdflib from their lexical form and datatype, as
    its own parser makes them (so ill-typed values are still found by :func:`_check_terms`). A piece (term, comment,
    line) too long for pyoxigraph is refused (:class:`RDFSyntaxError`), not read by rdflib: a build holding such a
    term could not be read back."""
    import pyoxigraph as ox

    convert = (terms or TermCache()).from_ox
    add = graph.store.add  # the store's own add: the graph's checks each term's class, and these are terms
    try:
        for t in ox.parse(data, format=getattr(ox.RdfFormat, _OXIGRAPH_FORMATS[fmt]), base_iri=base):
            add((convert(t.subject), convert(t.predicate), convert(t.object)), graph, quoted=False)
    except (SyntaxError, ValueError):
        return False
    except MemoryError as exc:
        if not is_parser_limit(exc):
            raise
        raise RDFSyntaxError(f"{PARSER_LIMIT_MESSAGE}; {_term_limit_advice()}", Location(label)) from None
    return True


def _term_limit_advice() -> str:
    return (f"a literal or IRI may take at most {TERM_MAX_BYTES // 2**20} MiB as written (UTF-8, escapes included: a "
            "line break 2 bytes, another control character 6): split or shorten it")


def _written(size: int) -> str:
    return f"{size / 2**20:.1f} MiB ({size:,} bytes) as written"


def _too_long_error(text: str, iri: bool, data: bytes, label: str) -> RDFSyntaxError:
    what = "the IRI" if iri else "the literal"
    line = _line_containing(data, text) or _line_containing(data, text[:200])
    return RDFSyntaxError(f"{what} {text[:40]!r}… takes {_written(written_size(text, iri=iri))}; "
                          f"{_term_limit_advice()} (a build holding it could not be read back)", Location(label, line))


def _check_terms(parsed: Graph, data: bytes, label: str) -> None:
    """Refuse literals whose value does not fit their datatype, IRIs with characters IRIs may not hold, and
    terms longer than :data:`kg.terms.TERM_MAX_BYTES`."""
    quads = parsed.quads((None, None, None, None)) if isinstance(parsed, Dataset) else (
        (s, p, o, None) for s, p, o in parsed)
    checked: set[Node] = set()  # a file names most of its IRIs many times
    for quad in quads:
        for term in quad[:3]:
            if type(term) is URIRef:
                if term in checked:
                    continue
                checked.add(term)
            if isinstance(term, Literal) and term.ill_typed:
                datatype = str(term.datatype).rsplit("#", 1)[-1]
                raise RDFSyntaxError(f"the literal {str(term)!r} is not a valid xsd:{datatype} value",
                                     Location(label, _line_containing(data, str(term))))
            if isinstance(term, URIRef) and IRI_UNSAFE.search(str(term)):
                raise RDFSyntaxError(f"the IRI <{term}> holds a character IRIs may not contain "
                                     "(space, <, >, \", {, }, |, ^, ` or \\); percent-encode it",
                                     Location(label, _line_containing(data, str(term))))
            if isinstance(term, (URIRef, Literal)) and too_long(term, iri=isinstance(term, URIRef)):
                raise _too_long_error(str(term), isinstance(term, URIRef), data, label)


def _line_containing(data: bytes, text: str) -> int | None:
    at = data.find(text.encode("utf-8"))
    return None if at == -1 else data.count(b"\n", 0, at) + 1


def _public_id(label: str) -> str:
    return "file:///" + re.sub(r"[^A-Za-z0-9._/-]", "_", label.lstrip("/"))


def _line_of(data: bytes, message: str) -> int | None:
    """The first line of ``data`` that holds the text a line-based parser complained about."""
    match = re.search(r"Invalid line:\s*(.+)$", message)
    if not match:
        return None
    needle = match.group(1).strip().encode("utf-8", "replace")
    for number, line in enumerate(data.splitlines(), start=1):
        if needle and needle in line:
            return number
    return None


@dataclass(frozen=True)
class Article:
    """One source article as loaded: its id, canonical text and where its files are."""

    id: str
    iri: URIRef
    graph: URIRef
    text: str
    sha256: str
    text_file: str
    inputs: str = ""
    """A digest of what its graph is assembled from (its folder's files and the reference data; not the code):
    what a later build compares to tell an article it built before (:mod:`kg.increment`)."""


def _children(folder: Source) -> list[Source]:
    with _file_errors(str(folder)):  # a folder that cannot be listed (permissions): its name, not a traceback
        return sorted(folder.iterdir(), key=lambda f: f.name)


def _ttl_files(folder: Source) -> list[Source]:
    # not only regular files: a FIFO or a folder named *.ttl is refused by read_input, not silently skipped
    return [f for f in _children(folder) if f.name.endswith(".ttl") and not f.name.startswith(".")]


def is_article_folder_name(name: str) -> bool:
    """Whether a folder in ``articles/`` is an article by the folder contract (see :func:`load_dataset`).

    Names starting with ``.`` or ``_`` (``__pycache__``, ``.git``, ``_drafts``) are not articles and are
    skipped; every other folder must be a valid article.
    """
    return not name.startswith((".", "_"))


def load_dataset(data: Source | None = None, *, store: str = "default",
                 progress: Progress | None = None) -> tuple[Dataset, list[Article]]:
    """Load ontology, reference data and all articles of a data folder into a new rdflib dataset.

    ``data`` defaults to the packaged ``data/``. ``store`` names an rdflib store
    plugin (``"default"`` in memory, ``"Oxigraph"`` with oxrdflib installed).
    Returns the dataset and the articles loaded. Raises :class:`InputError`
    subclasses for unusable input. A build uses :func:`load_graphs`, which this wraps.
    """
    new_dataset(store)  # a wrong store name fails before anything is read
    graphs, articles = load_graphs(data, progress=progress)
    return graphs.to_rdflib(store), articles


def load_graphs(data: Source | None = None, *, progress: Progress | None = None, use_cache: bool = True,
                feed_store: bool = False, jobs: int | None = None, notes: list[str] | None = None,
                meanwhile: Callable[[GraphSet], None] | None = None,
                keep_documents: bool = False) -> tuple[GraphSet, list[Article]]:
    """Load ontology, reference data and all articles of a data folder into a new :class:`GraphSet`.

    ``data`` defaults to the packaged ``data/``. Returns the graphs and the articles loaded. Raises
    :class:`InputError` subclasses for unusable input. Each article's assembled graph is kept in the cache
    (:class:`kg.cache.ArticleCache`; off with ``use_cache=False`` or ``KG_CACHE_DIR=""``), and taken from there
    while the article's files, the reference data and the code are unchanged. With ``feed_store``, a store of
    the graphs is made while they load (:meth:`GraphSet.feed_store`; take it with :meth:`GraphSet.fed_store`).
    Articles not in the cache are assembled in ``jobs`` worker processes (:func:`jobs_setting`; 1: in this
    process), when there are at least :data:`PARALLEL_MIN_ARTICLES` of them; a script that asks for
    workers needs multiprocessing's ``if __name__ == "__main__":`` guard. What the user should know about how
    the load went (workers that died) is appended to ``notes``. ``meanwhile`` is called once, in this process,
    right after worker processes start assembling articles (not at all when none do), with the graphs loaded so
    far (the ontology and the reference data): work of the caller's that this process does while it would mostly
    wait for them. With ``keep_documents``, an article taken from the cache (or from a worker, through it) is
    kept as its N-Triples document until a stage reads its triples (:meth:`GraphSet.set_document`), for a caller
    whose stages read most articles only through the store (``feed_store``; a build on an earlier one), and an
    entry that then cannot be parsed is an error (:class:`RDFSyntaxError` naming the article and the cache);
    otherwise it is parsed as it is taken, and an entry that cannot be parsed is assembled again.
    """
    graphs = GraphSet()
    kept = notes if notes is not None else []
    if not feed_store:
        return _load_graphs(graphs, data, progress, use_cache, jobs, kept, meanwhile, keep_documents)
    graphs.feed_store()
    try:
        return _load_graphs(graphs, data, progress, use_cache, jobs, kept, meanwhile, keep_documents)
    except BaseException:
        graphs.stop_feeding()
        raise


def _load_graphs(graphs: GraphSet, data: Source | None, progress: Progress | None, use_cache: bool,
                 jobs: int | None, notes: list[str], meanwhile: Callable[[GraphSet], None] | None = None,
                 keep_documents: bool = False) -> tuple[GraphSet, list[Article]]:
    note = progress or (lambda _stage: None)
    root = data if data is not None else resources.data_dir()
    root_label = str(data) if data is not None else "data"
    if isinstance(root, Path) and not root.is_dir():
        raise InputError(f"{root}: data folder not found (it should hold reference/ and articles/)")
    local_root = root if isinstance(root, Path) else None

    note("ontology")
    ontology = Graph()
    for f in resources.ontology_files():
        parse_into(ontology, f, label="ontology/" + f.name)
    graphs.set_rdflib_graph(ONTOLOGY_GRAPH, ontology)

    note("reference data")
    reference_graph = Graph()
    reference_digest = hashlib.sha256()
    reference_files: list[tuple[str, bytes]] = []
    reference = root / "reference"
    if reference.is_dir():
        for f in _ttl_files(reference):
            flabel = f"{root_label}/reference/{f.name}"
            parsed, data = parse_file(f, label=flabel, root=local_root)
            facts.refuse_declarations(parsed, {flabel: data})  # only ontology/ declares terms
            reference_digest.update(f"{f.name}\n{len(data)}\n".encode() + data)
            reference_files.append((flabel, data))
            for triple in parsed:
                reference_graph.add(triple)
    graphs.set_rdflib_graph(REFERENCE_GRAPH, reference_graph)
    graphs.reference_digest = reference_digest.digest()

    articles: list[Article] = []
    folder = root / "articles"
    cache = ArticleCache.default() if use_cache else ArticleCache(None)
    if folder.is_dir():
        items, cached = _read_articles(folder, root_label, local_root, cache, reference_digest.digest())
        assembly = _Assembly.start([item for item in items if isinstance(item, _ArticleInput)
                                    and item.key not in cached], reference_files, cache, jobs, note, notes)
        try:
            if assembly is not None and meanwhile is not None:
                meanwhile(graphs)  # this process would mostly wait for the workers' first articles
            for item in items:
                if isinstance(item, InputError):
                    raise item  # where a load one by one would have stopped
                note(f"article {item.article.id}")
                found = assembly.result(item.key) if assembly is not None else None
                from_cache = found is None and item.key in cached
                if from_cache:
                    found = cache.get(item.key)
                if found is not None:
                    try:
                        graphs.set_document(item.article.graph, found, parse=not keep_documents,
                                            label=f"{item.label}, as kept in the article cache {cache.folder} "
                                                  "(remove that folder to assemble the articles again)")
                    except RDFSyntaxError:  # an entry that cannot be parsed: the article is assembled again
                        if from_cache:
                            cache.unreadable(item.key)
                        found = None
                if found is None:
                    graphs.set_graph(item.article.graph, *_assemble_here(reference_graph, item, graphs.terms, cache))
                articles.append(item.article)
        finally:
            if assembly is not None:
                assembly.stop()
    if not articles and not reference.is_dir():
        raise InputError(f"{root_label}: no reference/ and no articles/ folder: nothing to build")
    cache.prune()
    if cache.hits:
        note(f"{cache.hits} of {len(articles)} article(s) unchanged (from the cache)")
    return graphs, articles


def assemble_articles(folders: Iterable[Source], graphs: GraphSet, *, use_cache: bool = True,
                      progress: Progress | None = None, reference_digest: bytes | None = None
                      ) -> list[tuple[Article, set[Any]]]:
    """The articles in ``folders`` (article folders, laid out as in a data folder's ``articles/``; their folder
    names are their ids), each with the triples of its named graph (``pyoxigraph.Triple``), as :func:`load_graphs`
    assembles them against the reference data of ``graphs`` — reading no other article. Each is taken from the
    article cache, or assembled in this process and kept there, when ``graphs`` knows the digest of the reference
    data it was loaded with (:attr:`GraphSet.reference_digest`, part of the cache key; or ``reference_digest``);
    otherwise it is assembled and not kept. A file of an article must be inside its folder (a symbolic link out of
    it is refused, as a build refuses one out of the data folder). Raises :class:`InputError` subclasses for
    unusable input (naming the file), having read and assembled every article before it returns: the caller
    changes nothing until it has them all."""
    note = progress or (lambda _stage: None)
    digest = reference_digest if reference_digest is not None else graphs.reference_digest
    cache = ArticleCache.default() if use_cache and digest is not None else ArticleCache(None)
    reference = graphs.rdflib_graph(REFERENCE_GRAPH)
    found: list[tuple[Article, set[Any]]] = []
    for folder in folders:
        folder = Path(folder) if isinstance(folder, str) else folder
        label = str(folder)
        if isinstance(folder, Path) and not folder.is_dir():
            raise InputError(f"{label}: " + ("not a folder; give an article folder" if folder.exists()
                                              else "article folder not found"))
        with _file_errors(label):  # a folder that cannot be read (permissions): its name, not a traceback
            item = _read_article(folder, label, folder if isinstance(folder, Path) else None, cache=cache,
                                 reference_digest=digest or b"")
        note(f"article {item.article.id}")
        triples: set[Any] | None = None
        entry = cache.get(item.key)
        if entry is not None:
            try:
                triples = parse_ntriples(entry, f"{label}, as kept in the article cache {cache.folder}")
            except RDFSyntaxError:  # an entry that cannot be parsed: the article is assembled again
                cache.unreadable(item.key)
        if triples is None:
            triples, _data = _assemble_here(reference, item, graphs.terms, cache)
        article = item.article if digest is not None else dataclasses.replace(item.article, inputs="")
        found.append((article, triples))
    return found


def graph_names(ds: Dataset) -> list[URIRef]:
    """The non-empty named graphs of ``ds``, sorted (rdflib's own default graph left out)."""
    return sorted(g.identifier for g in ds.graphs()
                  if isinstance(g.identifier, URIRef) and len(g) and not str(g.identifier).startswith("urn:x-rdflib:"))


def union_graph(ds: Dataset, *, inferred: bool = True) -> Graph:
    """Every triple of every named graph of ``ds`` in one in-memory graph; without ``inferred``, the
    asserted ones only (ontology, reference data, articles)."""
    union = Graph()
    bind_prefixes(union)
    for name in graph_names(ds):
        if inferred or name != INFERRED_GRAPH:
            for triple in ds.graph(name):
                union.add(triple)
    return union


def load_ontology(ds: Dataset) -> None:
    """Parse the packaged ontology and its concept schemes into the ontology graph of ``ds``."""
    for f in resources.ontology_files():
        parse_into(ds.graph(ONTOLOGY_GRAPH), f, label="ontology/" + f.name)


def new_dataset(store: str = "default") -> Dataset:
    """An empty dataset on the named rdflib store, with the project's prefixes bound."""
    try:
        ds = Dataset(store=store, default_union=False)
    except Exception:  # rdflib raises PluginException for unknown store names
        raise InputError(f"unknown rdflib store {store!r} (--store / KG_STORE): use 'default' (in memory) or "
                         "'Oxigraph'") from None
    bind_prefixes(ds)
    return ds


ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class _ArticleInput(NamedTuple):
    """An article folder as read: the article, the bytes of its ``.ttl`` files by label, and its cache key."""

    article: Article
    label: str
    sources: dict[str, bytes]
    key: str


def _read_articles(folder: Source, root_label: str, root: Path | None, cache: ArticleCache,
                   reference_digest: bytes) -> tuple[list[_ArticleInput | InputError], set[str]]:
    """Every article folder of ``folder`` read, in order, and the keys the cache holds. A folder that cannot be
    read ends the list with its error, raised when the load reaches it (where a load one by one stops)."""
    items: list[_ArticleInput | InputError] = []
    cached: set[str] = set()
    for sub in _children(folder):
        if sub.is_dir() and is_article_folder_name(sub.name):
            label = f"{root_label}/articles/{sub.name}"
            try:
                with _file_errors(label):  # a folder that cannot be read (permissions): its name, not a traceback
                    item = _read_article(sub, label, root, cache=cache, reference_digest=reference_digest)
            except InputError as exc:
                items.append(exc)
                break
            items.append(item)
            if cache.has(item.key):
                cached.add(item.key)
    return items, cached


def _read_article(folder: Source, label: str, root: Path | None = None, *, cache: ArticleCache,
                  reference_digest: bytes) -> _ArticleInput:
    """The article in ``folder``, its ``.ttl`` files' bytes and the key its graph is cached under: the digest of
    its files, the reference data (``reference_digest``) and the code (:meth:`ArticleCache.key`)."""
    article_id = folder.name
    if not ARTICLE_ID.match(article_id):
        raise DataError(f"{label}: an article folder name becomes part of IRIs, so it may hold only letters, "
                        "digits, '.', '_' and '-' (and start with a letter or digit)")
    text_file = folder / "article.txt"
    if not (text_file.is_file() or (isinstance(text_file, Path) and text_file.exists())):
        raise DataError(f"{label}: no article.txt (the source text) in the article folder")
    raw = read_input(text_file, f"{label}/article.txt", root)
    text = evidence.canonical_text(raw, source=f"{label}/article.txt")
    check_article_text(text, f"{label}/article.txt")
    art = Article(
        id=article_id,
        iri=article_iri(article_id),
        graph=article_graph(article_id),
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        text_file=f"{label}/article.txt",
    )
    ttl_files = _ttl_files(folder)
    if not ttl_files:
        raise DataError(f"{label}: no .ttl file with the article's metadata and facts")
    sources = {f"{label}/{f.name}": read_input(f, f"{label}/{f.name}", root) for f in ttl_files}
    inputs = inputs_digest(reference_digest, [(article_id, b""), ("article.txt", raw),
                                              *((f.name, data) for f, data in zip(ttl_files, sources.values()))])
    return _ArticleInput(dataclasses.replace(art, inputs=inputs), label, sources, cache.key(inputs))


def check_article_text(text: str, label: str) -> None:
    """Refuse (:class:`DataError`) an article text (canonical, see :func:`kg.evidence.canonical_text`) of more
    than :data:`kg.terms.TERM_MAX_BYTES`: it becomes one literal of the article's graph. ``label`` names its
    file."""
    if too_long(text):
        raise DataError(f"{label}: the text takes {_written(written_size(text))}, more than the "
                        f"{TERM_MAX_BYTES // 2**20} MiB an article's text may take (UTF-8, escapes included: a line "
                        "break 2 bytes, another control character 6; it is one literal of the article's graph, and a "
                        "build holding a longer one could not be read back): split the article")


def _assemble_here(reference: Graph, item: _ArticleInput, terms: TermCache,
                   cache: ArticleCache) -> tuple[set[Any], bytes]:
    """Assemble an article in the calling process (:func:`_assembled`), keep it in ``cache``, and give its
    triples (``pyoxigraph.Triple``) and their N-Triples."""
    import pyoxigraph as ox

    triples = _assembled(reference, item, terms)
    data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
    cache.put(item.key, data)
    # assembling left rdflib graphs behind, which hold reference cycles, and a build pauses the collector
    # (kg.api): the youngest generation, this article's objects alone, is collected (on 1,000 articles,
    # 1.9 million objects and about 450 MiB at the build's peak)
    gc.collect(0)
    return triples, data


def _assembled(reference: Graph, item: _ArticleInput, terms: TermCache) -> set[Any]:
    """The named graph of an article (see :mod:`kg.facts`), as ``pyoxigraph.Triple`` objects, from its files as
    read; ``reference`` is the reference data its quotations are checked against, ``terms`` the process's
    converter of terms."""
    art, label, sources = item.article, item.label, item.sources
    parsed = [parse_bytes(data, label=flabel, fmt=rdf_format(flabel), terms=terms) for flabel, data in sources.items()]
    authored = parsed[0]
    for graph in parsed[1:]:
        for triple in graph:
            authored.add(triple)
    if (art.iri, RDF.type, KG.NewsArticle) not in authored:
        raise DataError(
            f"{label}: the facts must describe the article itself: <{art.iri}> a kg:NewsArticle "
            "(the IRI is made from the folder name)"
        )
    built = _assemble_facts(reference, authored, art, sources, terms)
    convert = terms.triple_to_ox
    built.add(convert((art.iri, SCHEMA.text, Literal(art.text))))
    built.add(convert((art.iri, KG.sha256, Literal(art.sha256, datatype=XSD.hexBinary))))
    return built


def _assemble_facts(reference: Graph, authored: Graph, art: Article, sources: dict[str, bytes],
                    terms: TermCache) -> set[Any]:
    """The article's named graph from its authored triples (see :mod:`kg.facts`): declarations of terms are
    refused, every quote is located, every asserted triple becomes a sourced ``kg:Fact`` with its quotations."""
    from rdflib.graph import ReadOnlyGraphAggregate

    facts.refuse_declarations(authored, sources)
    known = ReadOnlyGraphAggregate([reference, authored])
    return facts.ArticleFacts(authored, article=art.iri, article_id=art.id, text=art.text,
                              text_file=art.text_file, sources=sources, known=known, terms=terms).build()


PARALLEL_MIN_ARTICLES = 48
"""Fewer articles to assemble than this are assembled in the building process: starting the workers costs
about a second, which about 30 articles assembled on a second core win back (bench/README.md)."""

JOBS_ENV = "KG_JOBS"


def jobs_setting(jobs: int | None = None) -> int:
    """How many processes assemble articles: ``jobs`` when given, else ``KG_JOBS``, else 1. (``kg build`` asks
    for one per CPU it may use, :func:`available_cpus`.) Raises :class:`InputError` for fewer than 1, or a
    setting that is not a whole number."""
    if jobs is not None:
        if jobs < 1:
            raise InputError(f"jobs={jobs}: give 1 or more processes")
        return jobs
    raw = os.environ.get(JOBS_ENV)
    if raw is None or raw == "":
        return 1
    try:
        chosen = int(raw)
    except ValueError:
        chosen = 0
    if chosen < 1:
        raise InputError(f"{JOBS_ENV}={raw!r}: give a whole number of processes, 1 or more")
    return chosen


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _main_can_be_imported() -> bool:
    """Whether a spawned worker can import the main module the way multiprocessing will (not a program read
    from standard input, which has no file to import)."""
    from multiprocessing import spawn

    path = spawn.get_preparation_data("kg-assembly").get("init_main_from_path")
    return path is None or os.path.isfile(path)


class _Assembly:
    """Articles assembled in worker processes while the building process takes their graphs in order.

    Each worker parses the reference data once, then assembles the articles it is given (:func:`_assembled`)
    and keeps each in the article cache — a temporary one of this load's when caching is off — where the
    building process takes it as it takes any cache entry: a build is the same whichever process assembled an
    article. Through its pipe a worker hands back nothing but its errors: a result of hundreds of kilobytes,
    cut short by a worker killed while it wrote it, left CPython's pool waiting for the rest for ever (the build
    hung). An article a worker could not keep (a full disk) is assembled in the building process. An
    article's error is raised when the load reaches that article, where a load one by one would have raised it
    (workers may have cached articles after it). If the workers die (killed, out of memory), the articles left
    are assembled in the building process, and ``notes`` says so. When the load ends, well or not, the workers
    are killed, not waited for: an interrupted build ends at once (their cache files are written atomically).
    """

    def __init__(self, executor: Any, futures: dict[str, Any], cache: ArticleCache, notes: list[str],
                 kept: ArticleCache, scratch: Path | None) -> None:
        self._executor = executor
        self._futures = futures
        self._cache = cache
        self._notes = notes
        self._broken = False
        self._unkept = 0
        self._kept = kept
        """Where the workers keep the articles (the cache's folder, or ``scratch``), read apart from ``cache``,
        whose counts say what was unchanged."""
        self._scratch = scratch
        """The temporary folder the workers keep articles in when caching is off; removed by :meth:`stop`."""

    @classmethod
    def start(cls, todo: list[_ArticleInput], reference_files: list[tuple[str, bytes]], cache: ArticleCache,
              jobs: int | None, note: Progress, notes: list[str]) -> _Assembly | None:
        """Worker processes assembling ``todo``, or None when one process is asked for (``jobs``, see
        :func:`jobs_setting`), there are fewer than :data:`PARALLEL_MIN_ARTICLES` articles, or the main module
        cannot be imported by a worker."""
        workers = min(jobs_setting(jobs), len(todo))
        if workers < 2 or len(todo) < PARALLEL_MIN_ARTICLES:
            return None
        if not _main_can_be_imported():
            notes.append("articles assembled in one process: worker processes cannot import a program read "
                         "from standard input")
            return None
        import logging
        import multiprocessing
        import signal
        from concurrent.futures import ProcessPoolExecutor

        # where the workers keep the articles: the cache, if entries can be kept and read back there, else a
        # temporary folder of this load's (caching off, a full or untrusted cache folder)
        scratch = None
        if not cache.usable():
            try:
                fsutil.remove_dead_temp_folders(_SCRATCH_PREFIX, idle_seconds=SCRATCH_STALE_SECONDS)
                scratch = Path(tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-"))
            except OSError as exc:
                notes.append("articles assembled in one process: no folder for worker processes to keep them in "
                             f"({exc.strerror or exc})")
                return None
        root = scratch if scratch is not None else cache.root
        note(f"assembling {len(todo)} article(s) in {workers} processes")
        # spawned, not forked: the building process already runs threads (the store feed), which a fork copies
        # in whatever state they are in. SIGINT / SIGTERM are blocked meanwhile, so that the workers and the
        # pool's own threads start with them blocked: a signal then reaches this thread only, and a Ctrl-C to
        # the process group cannot interrupt a worker before it ignores it (_worker_start)
        stop = {signal.SIGINT, signal.SIGTERM}
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, stop)
        assembly = None
        try:
            executor = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start,
                initargs=(reference_files, str(root), os.getpid(), logging.getLogger("rdflib").level))
            assembly = cls(executor, {}, cache, notes, ArticleCache(root), scratch)
            signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # multiprocessing's resource tracker, just started,
            # unblocks them (CPython's resource_tracker.ensure_running), and the workers start with the submits
            assembly._futures = {item.key: executor.submit(_worker_assemble, item) for item in todo}
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a signal that came meanwhile is raised here
            fault_point("assemble")
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            if assembly is not None:
                assembly.stop()
            elif scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            raise
        return assembly

    def result(self, key: str) -> bytes | None:
        """The N-Triples document of the article kept under ``key`` (:meth:`ArticleCache.get`), once a worker has
        assembled it, or None when no worker was given it, the workers died or the worker could not keep it;
        raises the article's :class:`InputError`."""
        from concurrent.futures.process import BrokenProcessPool

        future = self._futures.pop(key, None)
        if future is None or self._broken:
            return None
        try:
            future.result()
        except BrokenProcessPool:
            self._broken = True
            self._notes.append("a worker process assembling articles stopped (killed, or out of memory); the "
                               "articles left were assembled in the building process")
            return None
        kept = self._kept.get(key)
        if kept is None:
            if not self._unkept:
                self._notes.append("an article a worker process assembled could not be read back from "
                                   f"{self._kept.folder} (a full disk?); such articles were assembled again in the "
                                   "building process")
            self._unkept += 1
        elif self._scratch is None and self._cache.folder is not None:
            self._cache.used.add(key)  # the worker kept it in the cache
        return kept

    def stop(self) -> None:
        """End the workers, then the pool's own thread; articles not assembled yet are dropped (the load is over
        or has failed). The workers are killed first, so nothing waits on one: waiting for a worker busy with a
        large article is what an interrupted build must not do, and a second signal during that wait left the
        pool half shut down (CPython's thread join before 3.13), its workers running after the build."""
        for process in list((getattr(self._executor, "_processes", None) or {}).values()):
            process.kill()  # ProcessPoolExecutor has no public way to end its workers before Python 3.14
        # the pool's thread sees them gone and ends; waited for here, it is not still closing its pipes when the
        # interpreter exits (a race that prints an ignored exception)
        try:
            self._executor.shutdown(wait=True, cancel_futures=True)
        finally:  # also when a second Ctrl-C interrupts the wait
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)


_SCRATCH_PREFIX = "kg-assembly-"
"""The temporary folders of loads whose workers keep articles with caching off: ``kg-assembly-<pid>-…``."""


SCRATCH_STALE_SECONDS = 3600
"""A temporary folder of a killed load is removed once nothing was written in it for this long (see
:func:`kg.fsutil.remove_dead_temp_folders`)."""


_WORKER: tuple[Graph, ArticleCache, TermCache] | None = None


def _worker_start(reference_files: list[tuple[str, bytes]], cache_root: str, builder: int,
                  rdflib_log_level: int) -> None:
    """A worker process's set-up: it ends with the building process (pid ``builder``), even one killed with
    ``kill -9`` (Linux), and leaves Ctrl-C to it; rdflib logs as in the building process; the reference data
    is parsed once, the article cache opened."""
    import logging
    import signal

    from kg.signals import end_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the builder stops us
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})  # blocked by _Assembly.start
    end_with_parent(signal.SIGKILL)
    if os.getppid() != builder:  # the building process died before the call above
        os._exit(1)
    logging.getLogger("rdflib").setLevel(rdflib_log_level)
    reference = Graph()
    for label, data in reference_files:
        for triple in parse_bytes(data, label=label, fmt=rdf_format(label)):
            reference.add(triple)
    global _WORKER
    _WORKER = (reference, ArticleCache(Path(cache_root)), TermCache())


def _worker_assemble(item: _ArticleInput) -> None:
    """Assemble one article in a worker process and keep it in the workers' cache (:func:`_assemble_here`);
    nothing is handed back but an error (see :class:`_Assembly`)."""
    assert _WORKER is not None, "_worker_start runs first"
    reference, cache, terms = _WORKER
    _assemble_here(reference, item, terms, cache)


def parse_files(paths: Iterable[Path], *, store: str = "default") -> Dataset:
    """Parse user-given RDF files (any supported format) into a new dataset.

    Triple formats go to a graph named after the file; TriG / N-Quads keep their own graphs.
    """
    ds = new_dataset(store)
    for path in paths:
        fmt = rdf_format(path.name)
        if fmt in QUAD_FORMATS:
            parse_into(ds, path, fmt=fmt)
        else:
            parse_into(ds.graph(URIRef(path.resolve().as_uri())), path, fmt=fmt)
    return ds


__all__ = ["JOBS_ENV", "PARALLEL_MIN_ARTICLES", "Article", "assemble_articles", "available_cpus", "check_article_text",
           "graph_names", "jobs_setting", "load_dataset", "load_graphs", "new_dataset", "parse_file", "parse_files", "parse_into",
           "rdf_format", "union_graph"]
