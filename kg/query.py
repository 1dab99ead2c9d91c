"""Packaged SPARQL queries: their headers, safe parameter binding, read-only checks and typed results.

Each ``queries/*.rq`` file starts with comment lines the code reads::

    # title: Meetings and visits that took place
    # title@ar: الاجتماعات والزيارات التي جرت
    # description: ...
    # param: country (country, optional): only engagements that involve this country
    # result: table

Parameters are never pasted into query text. In rdflib's engine they are bound
as RDF terms through rdflib's ``initBindings``; for Oxigraph's engine (in memory,
or a remote server) they become a ``VALUES`` block of RDF terms serialised by
rdflib (``Node.n3()``), placed at the start of the top-level ``WHERE`` group. An
IRI parameter must be a valid absolute IRI (checked by an RFC 3987 parser before
any query runs), so no character can end it early; literals are escaped by rdflib.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg import resources
from kg.errors import QueryError
from kg.namespaces import ID
from kg.terms import IRI_UNSAFE, canonical_term

PARAM_TYPES = ("country", "entity", "iri", "string", "date", "integer", "boolean")
MAX_PARAM_LENGTH = 4096
_HEADER = re.compile(r"^#\s*([\w@-]+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s*\(\s*(\w+)\s*,\s*(required|optional)\s*\)\s*:?\s*(.*)$")


@dataclass(frozen=True)
class Parameter:
    """One declared query parameter."""

    name: str
    type: str
    required: bool
    description: str = ""


@dataclass(frozen=True)
class PackagedQuery:
    """A SPARQL query with its header: titles, description, parameters and result kind."""

    name: str
    text: str
    title: str = ""
    title_ar: str = ""
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    result: str = "table"

    @property
    def is_violation_check(self) -> bool:
        """True for ``*-violation.rq`` queries, which must return no rows on good data."""
        return self.name.endswith("-violation")


def parse_header(name: str, text: str) -> PackagedQuery:
    """Read the comment header of a query file; raises :class:`QueryError` on a malformed param line."""
    fields: dict[str, str] = {}
    params: list[Parameter] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "param":
            pm = _PARAM.match(value)
            if not pm or pm.group(2) not in PARAM_TYPES:
                raise QueryError(f"{name}.rq:{number}: malformed parameter line {line!r}; expected "
                                 f"'# param: NAME (TYPE, required|optional): description' with TYPE one of "
                                 f"{', '.join(PARAM_TYPES)}")
            params.append(Parameter(pm.group(1), pm.group(2), pm.group(3) == "required", pm.group(4)))
        else:
            fields[key] = value
    return PackagedQuery(
        name=name, text=text, title=fields.get("title", name), title_ar=fields.get("title@ar", ""),
        description=fields.get("description", ""), parameters=tuple(params), result=fields.get("result", "table"),
    )


def list_queries() -> list[PackagedQuery]:
    """Every packaged query, sorted by name."""
    return [parse_header(f.name[:-3], f.read_text(encoding="utf-8")) for f in resources.query_files()]


def get_query(name: str) -> PackagedQuery:
    """The packaged query ``name`` (with or without ``.rq``); unknown names list the close matches."""
    name = name.removesuffix(".rq")
    queries = {q.name: q for q in list_queries()}
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(close)}?" if close else "; 'kg query --list' shows them all"
    raise QueryError(f"no packaged query called {name!r}{hint}")


@functools.cache
def packaged_texts() -> frozenset[str]:
    """The texts of the packaged queries. Each is checked once, by the test suite (it parses as a query and
    calls no ``SERVICE``: ``tests/test_queries.py``), not at every run: rdflib's parse of a query took about
    half of a ``kg query`` on the packaged data."""
    return frozenset(q.text for q in list_queries())


@functools.lru_cache(maxsize=256)
def parse_query(text: str) -> Any:
    """rdflib's parse tree of a SPARQL query text, kept per text: the parse costs a good part of a second in
    pure Python, and the packaged queries are checked at every run (:func:`ensure_read_only`,
    :func:`kg.remote.client.service_iris`). Raises pyparsing's ``ParseException``. The tree is shared by every
    caller of the same text: read it (``algebra.traverse`` with only ``visitPre`` writes back the nodes it read),
    never change it."""
    from rdflib.plugins.sparql import parser

    return parser.parseQuery(text)


_TOKEN = re.compile("|".join((
    r"(?P<space>\s+)",
    r"(?P<comment>#[^\n]*)",
    r"(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|" + r'"""(?:[^"\\]|\\.|"(?!""))*"""|'
    + r"'(?:[^'\\\n]|\\.)*'|" + r'"(?:[^"\\\n]|\\.)*")',
    r"(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)",
    r"(?P<open>[{(\[])",
    r"(?P<close>[})\]])",
    # a word: a keyword, variable, prefixed name (with its escapes, \# \' …, and inner hyphens), language tag
    # (@en-GB) or number (a leading minus before a digit is the number's: -1 in a list of values)
    r"(?P<word>(?:-(?=[0-9.]))?(?:\\[_~.\-!$&'()*+,;=/?#@%]|[^\s{}()\[\]<>\"'#,;.|&!=+*/\\-])"
    r"(?:\\[_~.\-!$&'()*+,;=/?#@%]|[^\s{}()\[\]<>\"'#,;|&!=+*/\\])*)",
    r"(?P<operator>\|\||&&|!=|<=|>=|[-+*/=<>!])",
    r"(?P<other>.)",
)), re.DOTALL)

MAX_OPERATORS = 2000
"""The most operators (``+ - * / = != < > <= >= && || !``) a query may hold: Oxigraph evaluates an expression
tree recursively, and ``FILTER(1+1+…)`` with 10,000 of them overflowed its stack (the process died, exit 139;
a ``kg serve`` server died with it)."""
MAX_NESTING = 100
"""The deepest a query may nest groups and brackets."""


def tokens(text: str) -> list[tuple[str, int, str]]:
    """The SPARQL text's tokens that matter for its structure, as (kind, offset, text): ``open`` / ``close``
    brackets, ``operator``, ``word`` (keywords, variables, prefixed names, numbers) and ``other``; comments,
    strings and IRIs are skipped whole, so a ``{`` or ``WHERE`` inside one is not taken for the query's own."""
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("open", "close", "operator", "word", "other"):
            out.append((kind, match.start(), match.group()))
    return out


QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query's form, its first such keyword outside comments, strings
    and IRIs (:func:`tokens`)."""
    for kind, _offset, token in tokens(text):
        if kind == "word" and token.upper() in QUERY_FORMS:
            return token.upper()
    return None


def check_complexity(text: str, label: str = "query") -> None:
    """Refuse a query that holds more than :data:`MAX_OPERATORS` operators or nests deeper than
    :data:`MAX_NESTING` (:class:`QueryError`, exit 2): engines evaluate such a query recursively, Oxigraph
    until its stack overflows."""
    depth = deepest = operators = 0
    for kind, _offset, _token in tokens(text):
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth -= 1
        elif kind == "operator":
            operators += 1
        elif kind == "word" and ":" not in _token and not _token.startswith("@"):
            operators += _token.count("-", 1)  # 1-1-1 or ?x-1 are subtractions; person:a-b and @en-GB are names
    if operators > MAX_OPERATORS:
        raise QueryError(f"{label}: {operators:,} operators; kg runs queries of at most {MAX_OPERATORS:,} (the "
                         "engine evaluates an expression recursively, and a longer one could overflow its stack)")
    if deepest > MAX_NESTING:
        raise QueryError(f"{label}: nests {deepest} groups or brackets deep; kg runs queries nested at most "
                         f"{MAX_NESTING} deep")


def ensure_read_only(text: str, label: str = "query") -> None:
    """Refuse anything but a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE); name the parse error if any.
    A packaged query's text (:func:`packaged_texts`) is not parsed again. A query too complex to run safely
    is refused first (:func:`check_complexity`)."""
    if text in packaged_texts():
        return
    from pyparsing import ParseException
    from rdflib.plugins.sparql import parser

    check_complexity(text, label)
    if not any(kind != "other" for kind, _offset, _token in tokens(text)):
        raise QueryError(f"{label}: holds no query (it is empty, or only comments)")
    try:
        parse_query(text)
        return
    except RecursionError:
        raise QueryError(f"{label}: nested too deeply for the SPARQL parser") from None
    except ParseException as exc:
        query_error = exc
    try:
        parser.parseUpdate(text)
    except (ParseException, RecursionError):
        raise QueryError(f"{label}: SPARQL syntax error at line {query_error.lineno}, column {query_error.col}: "
                         f"{query_error.msg}") from None
    raise QueryError(f"{label} is a SPARQL UPDATE; 'kg query' is read-only and runs only SELECT, ASK, "
                     "CONSTRUCT and DESCRIBE")


def safe_iri(value: str, name: str | None = None) -> URIRef:
    """An absolute IRI from user text (a leading ``<`` / trailing ``>`` dropped), checked by a real RFC 3987
    parser (Oxigraph's, through pyoxigraph) — never repaired. Raises :class:`QueryError`, naming the
    parameter ``name`` when given, when the text is not a valid absolute IRI, so the value can never
    end the IRI early and no query runs with it, locally or on a server."""
    from pyoxigraph import NamedNode

    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    who = f"parameter {name}: " if name else ""
    try:
        NamedNode(text)
    except ValueError as exc:
        raise QueryError(f"{who}{value!r} is not a valid absolute IRI ({exc})") from None
    if IRI_UNSAFE.search(text):  # RFC 3987 allows none of these either; a second, independent check
        raise QueryError(f"{who}{value!r} is not a valid absolute IRI (it holds a character IRIs may not contain)")
    return URIRef(text)


def country_term(param: Parameter, text: str) -> URIRef:
    """The country with ISO 3166-1 alpha-2 code ``text`` (any case); :class:`QueryError` with a hint if it
    is not an assigned code (``Jordan`` → "did you mean JO?")."""
    import pycountry

    code = text.strip().upper()
    if re.fullmatch(r"[A-Z]{2}", code) and pycountry.countries.get(alpha_2=code) is not None:
        return ID[f"country/{code}"]
    hint = ""
    try:
        hint = f"; did you mean {pycountry.countries.lookup(text.strip()).alpha_2}?"
    except LookupError:
        pass
    raise QueryError(f"parameter {param.name}: {text!r} is not an ISO 3166-1 alpha-2 country code (two letters, "
                     f"e.g. JO, EG) or an absolute IRI{hint}")


def to_term(param: Parameter, value: Any) -> Node:
    """Turn a user-supplied value into the RDF term the parameter's type asks for.

    ``country``: an ISO 3166 code (``JO``) or an IRI. ``entity``: an IRI or a
    project id such as ``person/amr-talaat``. ``iri``: an IRI. ``string``: a
    plain literal. ``date``: ``YYYY-MM-DD``. RDF terms are taken as they are.
    """
    if isinstance(value, (URIRef, Literal)):
        return value
    if isinstance(value, BNode):
        raise QueryError(f"parameter {param.name}: blank nodes cannot be parameters")
    text = str(value)
    if len(text) > MAX_PARAM_LENGTH:
        raise QueryError(f"parameter {param.name}: value is {len(text)} characters long; the limit is "
                         f"{MAX_PARAM_LENGTH}")
    kind = param.type
    if kind == "string":
        return Literal(text)
    if kind == "date":
        try:  # the form itself first: Python also reads 20230101 and 2023-W01-1 as dates
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
                raise ValueError(text)
            return Literal(date.fromisoformat(text.strip()).isoformat(), datatype=XSD.date)
        except ValueError:
            raise QueryError(f"parameter {param.name}: {text!r} is not a date (YYYY-MM-DD)") from None
    if kind == "integer":
        if not re.fullmatch(r"[-+]?[0-9]{1,18}", text.strip()):  # not 1_0, nor Arabic-Indic digits int() reads
            raise QueryError(f"parameter {param.name}: {text!r} is not an integer (digits 0-9)")
        return Literal(int(text), datatype=XSD.integer)
    if kind == "boolean":
        lowered = text.strip().lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no"):
            raise QueryError(f"parameter {param.name}: {text!r} is not true or false")
        return Literal(lowered in ("true", "1", "yes"), datatype=XSD.boolean)
    if re.match(r"^<?[A-Za-z][A-Za-z0-9+.-]*:", text.strip()):
        return safe_iri(text, param.name)
    if kind == "country":
        return country_term(param, text)
    if kind == "entity":
        return ID[quote(text.strip().strip("/"), safe="/-_.~")]
    raise QueryError(f"parameter {param.name}: {text!r} is not an IRI")


def bind(query: PackagedQuery, params: Mapping[str, Any]) -> dict[str, Node]:
    """Check ``params`` against the query's declared parameters and convert them to RDF terms."""
    declared = {p.name: p for p in query.parameters}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise QueryError(f"{query.name}: unknown parameter(s) {', '.join(unknown)}; it takes: {known}")
    missing = [p.name for p in query.parameters if p.required and params.get(p.name) in (None, "")]
    if missing:
        raise QueryError(f"{query.name}: missing required parameter(s) {', '.join(missing)} "
                         f"(give them as --param NAME=VALUE)")
    return {name: to_term(declared[name], value) for name, value in params.items() if value not in (None, "")}


VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""The variable names :func:`with_value_list` takes (a subset of SPARQL's ``VARNAME``)."""


def values_block(bindings: Mapping[str, Node]) -> str:
    """A SPARQL ``VALUES`` block of RDF terms, each serialised (and escaped) by rdflib."""
    if not bindings:
        return ""
    names = sorted(bindings)
    variables = " ".join(f"?{n}" for n in names)
    row = " ".join(_value(bindings[n]) for n in names)
    return f"VALUES ({variables}) {{ ({row}) }}"


def _value(term: Node) -> str:
    """One RDF term of a ``VALUES`` block, serialised (and escaped) by rdflib; not a blank node (in a query, a blank
    node is a new variable, not the node of the data)."""
    if isinstance(term, URIRef) and IRI_UNSAFE.search(str(term)):
        raise QueryError(f"refusing to send an IRI with unsafe characters: {str(term)!r}")
    if isinstance(term, BNode):
        raise QueryError(f"a blank node cannot be bound in a VALUES block: {term.n3()}")
    return term.n3()


def with_values(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with a ``VALUES`` block of ``bindings`` opening its top-level ``WHERE`` group."""
    if not bindings:
        return text
    return _opening_where(text, values_block(bindings))


def with_value_list(text: str, name: str, terms: Sequence[Node]) -> str:
    """The query with ``VALUES ?name { … }``, one row per term of ``terms`` (RDF terms, serialised as
    :func:`values_block` does), opening its top-level ``WHERE`` group: the query's rows for those values of
    ``?name`` (the variable must be one the whole group binds, as SPARQL joins the block with it)."""
    if not VARIABLE_NAME.fullmatch(name):
        raise QueryError(f"not a SPARQL variable name: {name!r}")
    return _opening_where(text, f"VALUES ?{name} {{ {' '.join(_value(t) for t in terms)} }}")


def _opening_where(text: str, block: str) -> str:
    at = _where_group(text)
    if at is None:
        raise QueryError("parameters need a query with a WHERE { … } group")
    return text[:at + 1] + "\n    " + block + "\n" + text[at + 1:]


def _where_group(text: str) -> int | None:
    """The offset of the ``{`` that opens the query's top-level group pattern: after the ``WHERE`` keyword, or,
    where the keyword is left out (``SELECT ?e { … }``), the first group of a SELECT, ASK or DESCRIBE (a
    CONSTRUCT's first group is its template). Found among :func:`tokens`, so never inside a comment, a string or
    an IRI."""
    depth, form, where = 0, None, False
    for kind, offset, token in tokens(text):
        if kind == "open":
            if depth == 0 and token == "{" and (where or form in ("SELECT", "ASK", "DESCRIBE")):
                return offset
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0:
            upper = token.upper()
            if upper == "WHERE":
                where = True
            elif form is None and upper in QUERY_FORMS:
                form = upper
    return None


@dataclass
class QueryResult:
    """Rows of a SELECT (each a dict of variable → RDF term or None), or an ASK answer / CONSTRUCT graph."""

    variables: list[str]
    rows: list[dict[str, Node | None]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)

    def records(self) -> list[dict[str, str | None]]:
        """Rows as plain dicts of strings (IRIs and literal values as text)."""
        return [{v: None if r.get(v) is None else str(r[v]) for v in self.variables} for r in self.rows]

    def _delimited(self, delimiter: str) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        writer.writerow(self.variables)
        for record in self.records():
            writer.writerow(["" if record[v] is None else record[v] for v in self.variables])
        return buffer.getvalue()

    def to_csv(self) -> str:
        """CSV with a header row (UTF-8 text, Arabic as characters)."""
        return self._delimited(",")

    def to_tsv(self) -> str:
        """Tab-separated values with a header row."""
        return self._delimited("\t")

    def to_json(self) -> str:
        """The SPARQL 1.1 Query Results JSON format."""
        if self.boolean is not None:
            return json.dumps({"head": {}, "boolean": self.boolean}) + "\n"
        bindings = []
        for row in self.rows:
            out = {}
            for var, term in row.items():
                if term is None:
                    continue
                if isinstance(term, URIRef):
                    out[var] = {"type": "uri", "value": str(term)}
                elif isinstance(term, BNode):
                    out[var] = {"type": "bnode", "value": str(term)}
                else:
                    cell: dict[str, str] = {"type": "literal", "value": str(term)}
                    if term.language:
                        cell["xml:lang"] = term.language
                    elif term.datatype and term.datatype != XSD.string:
                        cell["datatype"] = str(term.datatype)
                    out[var] = cell
            bindings.append(out)
        return json.dumps({"head": {"vars": self.variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self) -> str:
        """A Markdown table."""
        def cell(value: str | None) -> str:
            return "" if value is None else value.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(self.variables) + " |", "|" + "---|" * len(self.variables)]
        lines += ["| " + " | ".join(cell(r[v]) for v in self.variables) + " |" for r in self.records()]
        return "\n".join(lines) + "\n"

    def to_dataframe(self):  # type: ignore[no-untyped-def]
        """A pandas DataFrame of :meth:`records` (needs pandas, which is not a dependency)."""
        try:
            import pandas as pd
        except ImportError:
            raise QueryError("to_dataframe() needs pandas: pip install pandas") from None
        return pd.DataFrame(self.records(), columns=self.variables)


def result_from_rdflib(result: Any) -> QueryResult:
    """Wrap an rdflib query result."""
    if result.type == "ASK":
        return QueryResult(variables=[], boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return QueryResult(variables=[], graph=result.graph)
    variables = [str(v) for v in result.vars]
    rows = [{v: canonical_term(row[i]) for i, v in enumerate(variables)} for row in result]
    return QueryResult(variables=variables, rows=rows)


@functools.cache
def rdflib_prefixes() -> dict[str, str]:
    """The prefixes a new rdflib graph binds (``rdfs:``, ``owl:``, ``xsd:`` …), which a query on an rdflib graph
    may use undeclared; read from a plain graph (one over oxrdflib imports rdflib's SPARQL engine: half a
    second)."""
    return {prefix: str(namespace) for prefix, namespace in Graph().namespaces()}


def evaluate_oxigraph(store: Any, text: str, bindings: Mapping[str, Node] | None = None,
                      label: str = "query") -> Any:
    """pyoxigraph's own result of a read-only query on a store's default graph (``QuerySolutions``,
    ``QueryBoolean`` or ``QueryTriples``), parameters bound by the ``VALUES`` block a server gets and
    :func:`rdflib_prefixes` declared; :class:`QueryError` when it cannot be evaluated (or is not read-only)."""
    ensure_read_only(text, label)
    try:
        return store.query(with_values(text, bindings or {}), prefixes=rdflib_prefixes())
    except Exception as exc:  # pyoxigraph raises SyntaxError, OSError and others for queries it cannot run
        raise QueryError(f"{label}: could not be evaluated: {exc}") from None


VOLATILE_FUNCTIONS = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})
"""SPARQL functions whose value differs from one evaluation to the next: a query that calls one (``NOW()``, in
``stale-commitments`` without ``as_of``) answers differently tomorrow."""


def is_volatile(text: str) -> bool:
    """Whether the query ``text`` calls one of :data:`VOLATILE_FUNCTIONS` (in its own tokens: not in a comment,
    string or IRI)."""
    found = tokens(text)
    return any(kind == "word" and word.upper() in VOLATILE_FUNCTIONS and i + 1 < len(found) and found[i + 1][2] == "("
               for i, (kind, _at, word) in enumerate(found))


def run_oxigraph(store: Any, text: str, bindings: Mapping[str, Node] | None = None,
                 label: str = "query") -> QueryResult:
    """Run a read-only query on a pyoxigraph store's default graph in its own engine, parameters bound by the
    ``VALUES`` block a server gets and :func:`rdflib_prefixes` declared, as oxrdflib declares a graph's.

    The answer's terms are made rdflib terms directly, each distinct term once: through oxrdflib and
    :func:`result_from_rdflib` the conversion took two thirds of a query's time on large answers.
    """
    try:
        # (the answer goes straight to _from_oxigraph, never into a variable here: checking the text parses it
        # with rdflib, whose parser leaves cyclic garbage that keeps this frame, its caller, alive; a pyoxigraph
        # answer kept there was let go of by the collector in whichever thread it ran, and may be let go of only
        # in the one that made it: "QuerySolutions is unsendable, but is being dropped on another thread")
        return _from_oxigraph(evaluate_oxigraph(store, text, bindings, label))
    except QueryError:
        raise
    except Exception as exc:  # pyoxigraph raises SyntaxError, OSError and others for queries it cannot run
        raise QueryError(f"{label}: could not be evaluated: {exc}") from None


def _from_oxigraph(result: Any) -> QueryResult:
    """A pyoxigraph answer (``QueryBoolean``, ``QueryTriples`` or ``QuerySolutions``) as a :class:`QueryResult` of
    rdflib terms, each distinct term made once."""
    import pyoxigraph as ox

    from kg.engine.store import from_ox

    if isinstance(result, ox.QueryBoolean):
        return QueryResult(variables=[], boolean=bool(result))
    if isinstance(result, ox.QueryTriples):
        graph = Graph()
        graph += ((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in result)
        return QueryResult(variables=[], graph=graph)
    variables = [v.value for v in result.variables]
    terms: dict[Any, Node | None] = {}
    rows = []
    for solution in result:
        row: dict[str, Node | None] = {}
        for i, variable in enumerate(variables):
            term = solution[i]
            if term is None:
                row[variable] = None
                continue
            converted = terms.get(term)
            if converted is None:
                converted = terms[term] = from_ox(term)
            row[variable] = converted
        rows.append(row)
    return QueryResult(variables=variables, rows=rows)


def run_local(graph: Graph, text: str, bindings: Mapping[str, Node] | None = None,
              label: str = "query", *, inline_values: bool = False) -> QueryResult:
    """Run a read-only query on an rdflib graph, with parameters bound as RDF terms.

    rdflib's own engine takes them as ``initBindings``; a store with its own SPARQL engine (Oxigraph
    through oxrdflib, ``inline_values=True``) gets the same ``VALUES`` block a remote server gets.
    """
    ensure_read_only(text, label)
    try:
        if inline_values:
            return result_from_rdflib(graph.query(with_values(text, bindings or {})))
        return result_from_rdflib(graph.query(text, initBindings=dict(bindings or {})))
    except QueryError:
        raise
    except Exception as exc:  # rdflib raises assorted errors for queries it cannot evaluate
        raise QueryError(f"{label}: could not be evaluated: {exc}") from None
