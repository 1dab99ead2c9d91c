"""Assemble the dataset: ontology, reference data and every article, each in its own named graph.

A data folder (the packaged ``data/`` or a user's own, given with ``--data``)
has this layout::

    reference/*.ttl                 entities many sources share
    articles/<id>/article.txt       the source text, stored exactly as received
    articles/<id>/*.ttl             its metadata and facts, with kg:quote evidence

Each article's facts go to the named graph ``graph/article/<id>``; its
``kg:quote`` shorthands are resolved against the article text into
``kg:Evidence`` nodes with Web Annotation selectors (see :mod:`kg.evidence`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import xml.sax
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from rdflib import RDF, XSD, Dataset, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import PROV
from rdflib.plugins.parsers.notation3 import BadSyntax

from kg import evidence, resources
from kg.errors import DataError, InputError, Location, QuoteError, RDFSyntaxError
from kg.terms import IRI_UNSAFE
from kg.namespaces import (
    ID,
    INFERRED_GRAPH,
    KG,
    OA,
    ONTOLOGY_GRAPH,
    REFERENCE_GRAPH,
    SCHEMA,
    article_graph,
    article_iri,
    bind_prefixes,
)

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


def max_input_bytes() -> int:
    """The size limit for one input file, from ``KG_MAX_INPUT_MB`` (default :data:`DEFAULT_MAX_INPUT_MB`)."""
    try:
        return int(float(os.environ.get("KG_MAX_INPUT_MB", DEFAULT_MAX_INPUT_MB)) * 2**20)
    except ValueError:
        raise InputError(f"KG_MAX_INPUT_MB={os.environ['KG_MAX_INPUT_MB']!r} is not a number") from None

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


def _read(source: Source, label: str) -> bytes:
    try:
        if isinstance(source, Path):
            size, limit = source.stat().st_size, max_input_bytes()
            if size > limit:
                raise InputError(
                    f"{label}: {size / 2**20:.0f} MiB is larger than the {limit / 2**20:.0f} MiB this command "
                    "loads into memory (set KG_MAX_INPUT_MB to raise it, or load the file into a SPARQL server)"
                )
        return source.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a folder, not a file") from None
    except PermissionError:
        raise InputError(f"{label}: permission denied") from None


def _column(data: bytes, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(data)))
    line = data.count(b"\n", 0, index) + 1
    column = len(data[data.rfind(b"\n", 0, index) + 1:index].decode("utf-8", "replace")) + 1
    return line, column


def parse_into(graph: Graph, source: Source, *, label: str | None = None, fmt: str | None = None) -> bytes:
    """Parse one RDF file into ``graph`` (a Graph, or a Dataset for TriG / N-Quads); return the bytes read.

    Every parser failure becomes :class:`RDFSyntaxError` naming the file and,
    where the parser tells, the line and column; the text is checked to be
    UTF-8 first.
    """
    label = label or str(source)
    fmt = fmt or rdf_format(source.name)
    data = _read(source, label)
    if not data.strip():
        raise RDFSyntaxError("the file is empty", Location(label))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _column(data, exc.start)
        raise RDFSyntaxError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x}); RDF files must be saved as UTF-8", Location(label, line, column)
        ) from None
    fresh: Graph = Dataset() if isinstance(graph, Dataset) else Graph()
    try:
        fresh.parse(data=data, format=fmt, publicID=_public_id(label))
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
    if isinstance(graph, Dataset):
        for g in fresh.graphs():
            target = graph.graph(g.identifier)
            for triple in g:
                target.add(triple)
    else:
        for triple in fresh:
            graph.add(triple)
    return data


def _check_terms(parsed: Graph, data: bytes, label: str) -> None:
    """Refuse literals whose value does not fit their datatype, and IRIs with characters IRIs may not hold."""
    quads = parsed.quads((None, None, None, None)) if isinstance(parsed, Dataset) else (
        (s, p, o, None) for s, p, o in parsed)
    for quad in quads:
        for term in quad[:3]:
            if isinstance(term, Literal) and term.ill_typed:
                datatype = str(term.datatype).rsplit("#", 1)[-1]
                raise RDFSyntaxError(f"the literal {str(term)!r} is not a valid xsd:{datatype} value",
                                     Location(label, _line_containing(data, str(term))))
            if isinstance(term, URIRef) and IRI_UNSAFE.search(str(term)):
                raise RDFSyntaxError(f"the IRI <{term}> holds a character IRIs may not contain "
                                     "(space, <, >, \", {, }, |, ^, ` or \\); percent-encode it",
                                     Location(label, _line_containing(data, str(term))))


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


def _children(folder: Source) -> list[Source]:
    return sorted(folder.iterdir(), key=lambda f: f.name)


def _ttl_files(folder: Source) -> list[Source]:
    return [f for f in _children(folder) if f.is_file() and f.name.endswith(".ttl")]


def load_dataset(data: Source | None = None, *, store: str = "default",
                 progress: Progress | None = None) -> tuple[Dataset, list[Article]]:
    """Load ontology, reference data and all articles of a data folder into a new dataset.

    ``data`` defaults to the packaged ``data/``. ``store`` names an rdflib store
    plugin (``"default"`` in memory, ``"Oxigraph"`` with oxrdflib installed).
    Returns the dataset and the articles loaded. Raises :class:`InputError`
    subclasses for unusable input.
    """
    note = progress or (lambda _stage: None)
    root = data if data is not None else resources.data_dir()
    root_label = str(data) if data is not None else "data"
    if isinstance(root, Path) and not root.is_dir():
        raise InputError(f"{root}: data folder not found (it should hold reference/ and articles/)")
    ds = new_dataset(store)

    note("ontology")
    load_ontology(ds)

    note("reference data")
    reference = root / "reference"
    if reference.is_dir():
        for f in _ttl_files(reference):
            parse_into(ds.graph(REFERENCE_GRAPH), f, label=f"{root_label}/reference/{f.name}")

    articles: list[Article] = []
    folder = root / "articles"
    if folder.is_dir():
        for sub in _children(folder):
            if sub.is_dir():
                note(f"article {sub.name}")
                articles.append(_load_article(ds, sub, f"{root_label}/articles/{sub.name}"))
    if not articles and not reference.is_dir():
        raise InputError(f"{root_label}: no reference/ and no articles/ folder: nothing to build")
    return ds, articles


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
    """Parse the packaged ontology into the ontology graph of ``ds``."""
    parse_into(ds.graph(ONTOLOGY_GRAPH), resources.ontology_file(), label="ontology/" + resources.ONTOLOGY_FILE)


def new_dataset(store: str = "default") -> Dataset:
    """An empty dataset on the named rdflib store, with the project's prefixes bound."""
    try:
        ds = Dataset(store=store, default_union=False)
    except Exception as exc:  # rdflib raises PluginException for unknown store names
        hint = " (it comes with oxrdflib: pip install 'ict-coop-kg[oxigraph]')" if store == "Oxigraph" else ""
        raise InputError(f"unknown rdflib store {store!r}{hint}: {exc}") from None
    bind_prefixes(ds)
    return ds


ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _load_article(ds: Dataset, folder: Source, label: str) -> Article:
    article_id = folder.name
    if not ARTICLE_ID.match(article_id):
        raise DataError(f"{label}: an article folder name becomes part of IRIs, so it may hold only letters, "
                        "digits, '.', '_' and '-' (and start with a letter or digit)")
    text_file = folder / "article.txt"
    if not text_file.is_file():
        raise DataError(f"{label}: no article.txt (the source text) in the article folder")
    raw = _read(text_file, f"{label}/article.txt")
    text = evidence.canonical_text(raw, source=f"{label}/article.txt")
    art = Article(
        id=article_id,
        iri=article_iri(article_id),
        graph=article_graph(article_id),
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        text_file=f"{label}/article.txt",
    )
    facts = Graph()
    ttl_files = _ttl_files(folder)
    if not ttl_files:
        raise DataError(f"{label}: no .ttl file with the article's metadata and facts")
    sources: dict[str, bytes] = {}
    for f in ttl_files:
        flabel = f"{label}/{f.name}"
        sources[flabel] = parse_into(facts, f, label=flabel)
    if (art.iri, RDF.type, KG.NewsArticle) not in facts:
        raise DataError(
            f"{label}: the facts must describe the article itself: <{art.iri}> a kg:NewsArticle "
            "(the IRI is made from the folder name)"
        )
    _resolve_quotes(facts, art, sources)
    facts.add((art.iri, SCHEMA.text, Literal(text)))
    facts.add((art.iri, KG.sha256, Literal(art.sha256, datatype=XSD.hexBinary)))
    target = ds.graph(art.graph)
    for triple in facts:
        target.add(triple)
    return art


def _quote_location(quote: str, sources: dict[str, bytes]) -> Location:
    needle = quote.encode("utf-8")
    for flabel, data in sources.items():
        at = data.find(needle)
        if at != -1:
            line, column = _column(data, at)
            return Location(flabel, line, column)
    return Location(next(iter(sources)))


def _resolve_quotes(facts: Graph, art: Article, sources: dict[str, bytes]) -> None:
    """Replace every ``kg:quote`` in ``facts`` by evidence with selectors; raise on bad quotes."""
    problems: list[QuoteError] = []
    located: dict[URIRef, list[evidence.Span]] = {}
    for subject, quote in sorted(facts.subject_objects(KG.quote)):
        text = str(quote)
        try:
            span = evidence.locate(art.text, text)
        except evidence.QuoteNotFound:
            problems.append(QuoteError(
                f"quote not found in {art.text_file}: {text!r}", _quote_location(text, sources), text))
            continue
        except evidence.QuoteAmbiguous as exc:
            problems.append(QuoteError(
                f"quote occurs {len(exc.starts)} times in {art.text_file} (at code points "
                f"{', '.join(map(str, exc.starts))}); quote more words so it is unique: {text!r}",
                _quote_location(text, sources), text))
            continue
        located.setdefault(subject, []).append(span)
    if problems:
        if len(problems) == 1:
            raise problems[0]
        first = problems[0]
        raise QuoteError(
            first.detail + "\n" + "\n".join(str(p) for p in problems[1:]), first.location, first.quote)
    facts.remove((None, KG.quote, None))
    for subject, spans in located.items():
        facts.add((subject, PROV.wasDerivedFrom, art.iri))
        for number, span in enumerate(sorted(set(spans), key=lambda s: (s.start, s.end)), start=1):
            _add_evidence(facts, subject, art, span, number)


def _evidence_iri(subject: URIRef, art: Article, number: int) -> URIRef:
    local = str(subject)[len(str(ID)):] if str(subject).startswith(str(ID)) else hashlib.sha1(
        str(subject).encode()).hexdigest()[:16]
    return URIRef(f"{art.iri}/evidence/{local}/{number}")


def _add_evidence(g: Graph, subject: URIRef, art: Article, span: evidence.Span, number: int) -> None:
    ev = _evidence_iri(subject, art, number)
    quote_sel, position_sel = URIRef(f"{ev}/quote"), URIRef(f"{ev}/position")
    g.add((subject, KG.evidence, ev))
    g.add((ev, RDF.type, KG.Evidence))
    g.add((ev, OA.hasSource, art.iri))
    g.add((ev, OA.hasSelector, quote_sel))
    g.add((ev, OA.hasSelector, position_sel))
    g.add((quote_sel, RDF.type, OA.TextQuoteSelector))
    g.add((quote_sel, OA.exact, Literal(span.exact)))
    g.add((quote_sel, OA.prefix, Literal(span.prefix)))
    g.add((quote_sel, OA.suffix, Literal(span.suffix)))
    g.add((position_sel, RDF.type, OA.TextPositionSelector))
    g.add((position_sel, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
    g.add((position_sel, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))


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


__all__ = ["Article", "graph_names", "load_dataset", "new_dataset", "parse_files", "parse_into", "rdf_format",
           "union_graph"]
