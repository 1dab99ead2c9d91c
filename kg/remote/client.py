"""Talking to a SPARQL server: endpoints, credentials, HTTP with a deadline, and remote queries.

* :func:`remote_query` runs a packaged (or ad-hoc) query against a SPARQL 1.1
  endpoint and returns the same :class:`~kg.query.QueryResult` as a local run.
  The project's named graphs form the default graph through the protocol's
  ``default-graph-uri`` parameters, so the same query text works everywhere —
  except on a server whose default graph is marked as their union already
  (``kg serve``), which is queried as it is.
  SPARQLWrapper builds the request; this module sends it.
* Every call has **one deadline** (``Endpoint.timeout`` seconds): connecting,
  waiting, reading the answer and any retries all fit inside it. A watchdog
  shuts the socket down when the deadline passes, so a server that trickles one
  byte a second cannot keep a call alive.
* **Redirects are never followed** (301, 302, 303, 307, 308): following one
  would send the request, and the credentials, where the user did not point,
  and would turn a POST into an empty GET. A redirect is an :class:`EndpointError`
  that names the target.
* Transient failures (timeouts, refused connections, HTTP 429/502/503/504) are
  retried a bounded number of times with exponential back-off; on 429 and 503 a
  ``Retry-After`` (seconds or an HTTP date) is honoured up to
  :data:`RETRY_AFTER_CAP` seconds, and never past the deadline.
* Credentials come from ``KG_ENDPOINT_USER`` / ``KG_ENDPOINT_PASSWORD`` or from
  a netrc file, never from a URL (any URL option holding them is refused), and
  never appear in messages: every URL printed is masked by :func:`mask_url`.
"""

from __future__ import annotations

import base64
import http.client
import json
import netrc
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.term import Node

from kg.errors import EndpointError, InputError, QueryError
from kg.namespaces import GRAPH, SERVED_UNION_MARK
from kg.query import QueryResult, ensure_read_only, query_form, with_values
from kg.terms import canonical_term

T = TypeVar("T")
TRANSIENT_STATUS = {429, 502, 503, 504}
RETRY_AFTER_STATUS = {429, 503}
REDIRECT_STATUS = {301, 302, 303, 307, 308}
RETRY_AFTER_CAP = 30.0
"""The longest wait (seconds) a server's ``Retry-After`` can ask for; a longer one is shortened to this."""
USER_ENV, PASSWORD_ENV = "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD"
GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
"""Lists named graphs without reading them (Oxigraph, Fuseki); some servers (Virtuoso) answer it with nothing."""
GRAPHS_SCAN_QUERY = """SELECT DISTINCT ?g WHERE {
    GRAPH ?g { ?s ?p ?o } FILTER (STRSTARTS(STR(?g), "https://w3id.org/ict-coop-kg/graph/"))
}"""
"""The portable fallback, which reads the data."""
MAX_ERROR_BODY = 4096


# --- URLs and credentials ---------------------------------------------------------


def mask_url(url: str) -> str:
    """``url`` with any user name and password replaced by ``****`` — the only form in which a URL is printed."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.username is None and parts.password is None:
            return url
        host = parts.hostname or ""
        if ":" in host:  # an IPv6 literal
            host = f"[{host}]"
        netloc = f"****@{host}" + (f":{parts.port}" if parts.port else "")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    except ValueError:  # unparsable (e.g. a bad port): keep only what cannot hold a secret
        scheme, sep, rest = url.partition("://")
        return f"{scheme}{sep}****@{rest.rpartition('@')[2]}" if "@" in rest else url


def check_url(url: str, option: str) -> str:
    """``url`` if it is an http(s) URL without credentials; else :class:`InputError` naming ``option``."""
    if re.search(r"[\x00-\x20\x7f]", url):  # a space or a line break would be sent as it is (header injection)
        raise InputError(f"{option} {mask_url(url)!r}: a URL holds no spaces or control characters; percent-"
                         "encode them (%20)")
    try:
        parsed = urllib.parse.urlsplit(url)
        has_credentials = parsed.username is not None or parsed.password is not None
        parsed.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise InputError(f"{option} {mask_url(url)!r}: not a usable URL ({exc})") from None
    if has_credentials:
        raise InputError(f"{option} {mask_url(url)}: do not put credentials in the URL; set "
                         f"{USER_ENV} / {PASSWORD_ENV} or use a netrc file")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(f"{option} {url!r}: not an http(s) URL")
    return url


def find_credentials(url: str) -> tuple[str, str] | None:
    """User and password for ``url``: from the environment, else from netrc (``$NETRC`` or ``~/.netrc``)."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user and password is not None:
        return user, password
    host = urllib.parse.urlsplit(url).hostname or ""
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if entry and entry[0] is not None:
        return entry[0], entry[2] or ""
    return None


@dataclass(frozen=True)
class Endpoint:
    """Where a SPARQL server answers: query URL, update URL, Graph Store URL, and how to talk to it.

    ``timeout`` is the deadline, in seconds, of one call (a query, or one upload request), retries included.
    """

    query_url: str
    update_url: str | None = None
    store_url: str | None = None
    timeout: float = 30.0
    retries: int = 2
    backoff: float = 0.5
    credentials: tuple[str, str] | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str, *, update_url: str | None = None, store_url: str | None = None,
                 timeout: float = 30.0, retries: int = 2) -> Endpoint:
        """An endpoint from a query URL. ``…/query`` (Oxigraph, Fuseki) implies ``…/update``;
        another URL (Virtuoso's ``/sparql``, GraphDB's repository URL) takes updates at the same URL
        unless ``update_url`` says otherwise. Every URL is checked: http(s), and no credentials in it."""
        check_url(url, "--endpoint")
        if update_url is not None:
            check_url(update_url, "--update-endpoint")
        if store_url is not None:
            check_url(store_url, "--store-endpoint")
        if not timeout > 0 or timeout == float("inf"):
            raise InputError(f"--timeout {timeout!r}: give a positive number of seconds")
        if update_url is None:
            update_url = url[: -len("/query")] + "/update" if url.rstrip("/").endswith("/query") else url
        return cls(url, update_url, store_url, timeout, retries, credentials=find_credentials(url))

    def redact(self, text: str) -> str:
        """``text`` with this endpoint's secrets (and their Basic token) replaced by ``****``."""
        if self.credentials:
            for secret in self.credentials:
                if secret:
                    text = text.replace(secret, "****")
            text = text.replace(self._basic_token(), "****")
        return text

    def _basic_token(self) -> str:
        assert self.credentials
        return base64.b64encode(":".join(self.credentials).encode()).decode()


# --- HTTP with a deadline, no redirects ---------------------------------------------


class _Watchdog:
    """Shuts down every socket of one call when its deadline passes, so no read can outlive it."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _watched(base: type[http.client.HTTPConnection], watchdog: _Watchdog) -> type[http.client.HTTPConnection]:
    """A connection class whose sockets the watchdog can shut down (HTTP and HTTPS alike)."""

    class Watched(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            create = self._create_connection

            def create_watched(*a: Any, **kw: Any) -> socket.socket:
                sock = create(*a, **kw)
                watchdog.register(sock)
                return sock

            self._create_connection = create_watched

    return Watched


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Follow no redirect: urllib then raises the 3xx as an HTTPError, which becomes an EndpointError."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(_watched(http.client.HTTPConnection, watchdog), req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(_watched(http.client.HTTPSConnection, watchdog), req,
                                context=getattr(self, "_context", None))

    return urllib.request.build_opener(_NoRedirect(), Http(), Https())


class _Failure(EndpointError):
    """An HTTP failure, with the wait a ``Retry-After`` header asked for (seconds), if any."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, transient=transient, status=status)
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """The wait a ``Retry-After`` header value asks for: delta-seconds or an HTTP date; None if unusable."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]+", value):  # str.isdigit() is also true of "²", which float() refuses
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _timeout_error(endpoint: Endpoint, url: str) -> EndpointError:
    return EndpointError(f"{mask_url(url)}: no complete answer within {endpoint.timeout:g} s "
                         "(timeout; raise it with --timeout)", transient=False)


def _http_error(exc: urllib.error.HTTPError, endpoint: Endpoint, url: str) -> EndpointError:
    status = exc.code
    if status in REDIRECT_STATUS:
        target = exc.headers.get("Location", "") if exc.headers else ""
        where = mask_url(urllib.parse.urljoin(url, target)) if target else "(no Location given)"
        return _Failure(endpoint.redact(
            f"{mask_url(url)}: HTTP {status} redirect to {where}; kg does not follow redirects (they can carry "
            "the request and its credentials elsewhere, and turn an upload into an empty GET): if you trust "
            "the target, give its URL instead"), transient=False, status=status)
    try:
        body = exc.read(MAX_ERROR_BODY).decode("utf-8", "replace")
    except Exception:  # the body was cut off (e.g. by the deadline)
        body = ""
    reason = {400: "the server refused the request as malformed",
              401: "authentication refused (check KG_ENDPOINT_USER / KG_ENDPOINT_PASSWORD or netrc)",
              403: "forbidden: the server refuses this request (a read-only server, or credentials without "
                   "that right)",
              404: "not found: is this the server's SPARQL endpoint URL?"}.get(status, "")
    detail = " ".join(body.split())[:500]
    message = f"{mask_url(url)}: HTTP {status}" + (f" — {reason}" if reason else "") + \
        (f"; server said: {detail}" if detail else "")
    wait = retry_after_seconds(exc.headers.get("Retry-After")) if exc.headers and status in RETRY_AFTER_STATUS \
        else None
    return _Failure(endpoint.redact(message), transient=status in TRANSIENT_STATUS, status=status, retry_after=wait)


def _transport_error(exc: BaseException, endpoint: Endpoint, url: str) -> EndpointError:
    shown = mask_url(url)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return _timeout_error(endpoint, url)
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, socket.gaierror):
            return EndpointError(f"{shown}: the host name does not resolve (DNS)", transient=False)
        if isinstance(reason, ConnectionRefusedError):
            return EndpointError(f"{shown}: connection refused; is the server running?", transient=True)
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return _timeout_error(endpoint, url)
        return EndpointError(endpoint.redact(f"{shown}: cannot connect: {reason}"), transient=True)
    if isinstance(exc, (ConnectionError, OSError, http.client.HTTPException)):
        return EndpointError(endpoint.redact(f"{shown}: connection failed: {exc!r}"), transient=True)
    return EndpointError(endpoint.redact(f"{shown}: the answer is not usable: {exc}"))


MAX_ANSWER_BYTES = 1 << 30
"""The largest answer kg reads from a server (1 GiB): one that streams without end filled the memory (2.9 GB
in 13 s, past a 3 s ``--timeout``)."""


class _TooLarge(Exception):
    """The answer passed :data:`MAX_ANSWER_BYTES`."""


def _read_capped(response: Any, watchdog: Any) -> bytes:
    """The body, read a MiB at a time: at most :data:`MAX_ANSWER_BYTES`, and no more once the deadline's
    watchdog has fired (between reads, so a fast endless stream does not outrun it)."""
    chunks, size = [], 0
    while not watchdog.fired:
        chunk = response.read(1 << 20)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise _TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _send(endpoint: Endpoint, request: urllib.request.Request, deadline: float) -> bytes:
    """Send ``request`` and read the whole answer before ``deadline`` (a ``time.monotonic()`` value)."""
    url = request.full_url
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timeout_error(endpoint, url)
    if endpoint.credentials and not request.has_header("Authorization"):
        request.add_header("Authorization", f"Basic {endpoint._basic_token()}")
    with _Watchdog(deadline) as watchdog:
        try:
            with _opener(watchdog).open(request, timeout=max(0.05, min(endpoint.timeout, remaining))) as response:
                body = _read_capped(response, watchdog)
        except _TooLarge:
            raise EndpointError(endpoint.redact(f"{mask_url(url)}: the answer is larger than "
                                                f"{MAX_ANSWER_BYTES // 2**20:,} MiB; kg stopped reading it (ask for "
                                                "less, e.g. with LIMIT)")) from None
        except urllib.error.HTTPError as exc:
            failure = _http_error(exc, endpoint, url)
            if watchdog.fired and failure.status not in REDIRECT_STATUS:
                raise _timeout_error(endpoint, url) from None
            raise failure from None
        except Exception as exc:  # transport errors of urllib / http.client / socket
            if watchdog.fired:
                raise _timeout_error(endpoint, url) from None
            raise _transport_error(exc, endpoint, url) from None
        if watchdog.fired:  # a read cut short by the shutdown can look like a short, complete body
            raise _timeout_error(endpoint, url)
    return body


def _retrying(endpoint: Endpoint, url: str, deadline: float, action: Callable[[], T]) -> T:
    """Run ``action``; retry transient failures (at most ``endpoint.retries`` times, never past ``deadline``)."""
    attempt = 0
    while True:
        try:
            return action()
        except EndpointError as err:
            failure = err
        if not failure.transient or attempt >= endpoint.retries:
            if failure.transient and endpoint.retries:
                failure.message += f" (gave up after {attempt + 1} attempts)"
                failure.args = (failure.message,)
            raise failure
        asked = getattr(failure, "retry_after", None)
        wait = min(asked, RETRY_AFTER_CAP) if asked is not None else endpoint.backoff * 2**attempt
        if time.monotonic() + wait >= deadline:
            why = f"the server asked to retry after {asked:.0f} s" if asked is not None else "no time left to retry"
            failure.message += f" ({why}, past the {endpoint.timeout:g} s deadline of --timeout)"
            failure.args = (failure.message,)
            raise failure
        time.sleep(wait)
        attempt += 1


def post(endpoint: Endpoint, url: str, body: bytes, content_type: str, *, deadline: float | None = None) -> bytes:
    """POST ``body`` to ``url`` (retried as :func:`_retrying` says) and return the answer's body."""
    end = time.monotonic() + endpoint.timeout if deadline is None else deadline

    def run() -> bytes:
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
        return _send(endpoint, request, end)

    return _retrying(endpoint, url, end, run)


def update(endpoint: Endpoint, text: str) -> None:
    """Send one SPARQL Update request."""
    if not endpoint.update_url:
        raise InputError("this operation needs a SPARQL Update endpoint (--update-endpoint)")
    post(endpoint, endpoint.update_url, text.encode("utf-8"), "application/sparql-update; charset=utf-8")


# --- queries --------------------------------------------------------------------------


def _term(cell: Mapping[str, str]) -> Node:
    kind = cell.get("type")
    value = cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in cell:
            return Literal(value, lang=cell["xml:lang"])
        literal = Literal(value, datatype=URIRef(cell["datatype"]) if cell.get("datatype") else None)
        return canonical_term(literal)
    raise ValueError(f"unknown RDF term type {kind!r} in the SPARQL JSON result")


def parse_json_result(data: Any) -> QueryResult:
    """A :class:`QueryResult` from a SPARQL 1.1 JSON result document (already decoded)."""
    if not isinstance(data, dict) or ("boolean" not in data and "results" not in data):
        raise ValueError("not a SPARQL JSON result document")
    if "boolean" in data:
        return QueryResult(variables=[], boolean=bool(data["boolean"]))
    head, results = data.get("head", {}), data["results"]
    if not isinstance(head, dict) or not isinstance(results, dict) or not isinstance(results.get("bindings"), list):
        raise ValueError("its head or results are not JSON objects with a list of bindings")
    variables = list(head.get("vars", []))
    if not all(isinstance(v, str) for v in variables):
        raise ValueError("its variables are not names")
    rows = []
    for b in results["bindings"]:
        if not isinstance(b, dict) or not all(isinstance(cell, dict) for cell in b.values()):
            raise ValueError("a binding is not a JSON object of RDF terms")
        rows.append({v: (_term(b[v]) if v in b else None) for v in variables})
    return QueryResult(variables=variables, rows=rows)


def _query_request(endpoint: Endpoint, text: str, default_graphs: list[str], *,
                   graph: bool = False) -> urllib.request.Request:
    """The SPARQL Protocol request SPARQLWrapper builds (POST, JSON results — Turtle for a ``graph`` —, default
    graphs, credentials)."""
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    sw = SPARQLWrapper(endpoint.query_url)
    sw.setReturnFormat(TURTLE if graph else JSON)
    sw.setMethod(POST)
    for g in default_graphs:
        sw.addDefaultGraph(g)
    sw.setQuery(text)
    if endpoint.credentials:
        sw.setCredentials(*endpoint.credentials)
    return sw._createRequest()  # sent by _send: a deadline for the whole call, and no redirects


def _select(endpoint: Endpoint, text: str, default_graphs: list[str], deadline: float) -> QueryResult:
    url = endpoint.query_url

    def run() -> QueryResult:
        raw = _send(endpoint, _query_request(endpoint, text, default_graphs), deadline)
        try:
            return parse_json_result(json.loads(raw.decode("utf-8")))
        except RecursionError:
            snippet = raw[:200].decode("utf-8", "replace")
            raise EndpointError(endpoint.redact(f"{mask_url(url)}: the answer is not a SPARQL JSON result (nested "
                                                f"too deeply); it starts with {snippet!r}")) from None
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            snippet = raw[:200].decode("utf-8", "replace")
            raise EndpointError(endpoint.redact(f"{mask_url(url)}: the answer is not a SPARQL JSON result "
                                                f"({exc}); it starts with {snippet!r}")) from None

    return _retrying(endpoint, url, deadline, run)


def project_graphs(endpoint: Endpoint, *, deadline: float | None = None) -> list[str]:
    """The project's named graphs (``…/graph/…``) the server holds."""
    return _server_graphs(endpoint, deadline)[0]


def _server_graphs(endpoint: Endpoint, deadline: float | None = None) -> tuple[list[str], bool]:
    """:func:`project_graphs`, and whether the server marks its default graph as their union
    (:data:`~kg.namespaces.SERVED_UNION_MARK`, put there by ``kg serve``)."""
    end = time.monotonic() + endpoint.timeout if deadline is None else deadline
    for query in (GRAPHS_QUERY, GRAPHS_SCAN_QUERY):
        result = _select(endpoint, query, [], end)
        listed = [str(r["g"]) for r in result.rows if r.get("g") is not None]
        found = sorted(g for g in listed if g.startswith(str(GRAPH)))
        if found:
            return found, str(SERVED_UNION_MARK) in listed
    return [], False


def service_iris(text: str) -> list[str]:
    """The targets of every ``SERVICE`` clause of a query, found by rdflib's SPARQL parser (not a regex)."""
    from rdflib.plugins.sparql import algebra

    from kg.query import parse_query

    found: list[str] = []

    def visit(node: Any) -> None:
        if getattr(node, "name", None) == "ServiceGraphPattern":
            term = node.get("term")
            if isinstance(term, (URIRef, Variable)):
                found.append(term.n3())
            elif getattr(term, "name", None) == "pname":  # a prefixed name, as written
                found.append(f"{term.get('prefix') or ''}:{term.get('localname') or ''}")
            else:
                found.append("?")

    algebra.traverse(parse_query(text), visitPre=visit)
    return found


def refuse_service(text: str, label: str = "query", *, allow: bool = False) -> None:
    """Refuse a query with ``SERVICE`` (it makes the engine, local or remote, call any URL) unless ``allow``.
    A packaged query's text (:func:`kg.query.packaged_texts`) is not parsed again."""
    from kg.query import packaged_texts

    if allow or text in packaged_texts():
        return
    ensure_read_only(text, label)
    targets = service_iris(text)
    if targets:
        raise QueryError(f"{label}: the query calls other servers with SERVICE {', '.join(targets)}; "
                         "kg does not send queries to URLs a query file names unless you pass --allow-service")


def remote_query(endpoint: Endpoint, text: str, bindings: Mapping[str, Node] | None = None, *,
                 graphs: list[str] | None = None, label: str = "query",
                 allow_service: bool = False) -> QueryResult:
    """Run a read-only query on a server; parameters go in as a ``VALUES`` block of RDF terms.

    The default graph is the union of ``graphs`` (default: every project graph on the server; on a server that
    marks its own default graph as that union, ``kg serve``'s, that graph, each triple once — naming a thousand
    graphs made Oxigraph many times slower). The whole call — listing the graphs, the query, retries — must
    finish within ``endpoint.timeout`` seconds.
    """
    ensure_read_only(text, label)
    refuse_service(text, label, allow=allow_service)
    deadline = time.monotonic() + endpoint.timeout
    if graphs is None:
        graphs, union = _server_graphs(endpoint, deadline)
        if not graphs:
            raise EndpointError(f"{mask_url(endpoint.query_url)}: the server holds none of the project's graphs; "
                                "run 'kg publish' first")
        if union:
            graphs = []  # no default-graph-uri: the server's default graph
    if query_form(text) in ("CONSTRUCT", "DESCRIBE"):
        return _graph_answer(endpoint, with_values(text, bindings or {}), graphs, deadline)
    return _select(endpoint, with_values(text, bindings or {}), graphs, deadline)


def _graph_answer(endpoint: Endpoint, text: str, default_graphs: list[str], deadline: float) -> QueryResult:
    """A CONSTRUCT or DESCRIBE answer, asked for as Turtle (it was asked for as a SPARQL JSON result, which a
    graph is not: every such query failed on a server)."""
    from rdflib import Graph

    url = endpoint.query_url

    def run() -> QueryResult:
        raw = _send(endpoint, _query_request(endpoint, text, default_graphs, graph=True), deadline)
        graph = Graph()
        try:
            graph.parse(data=raw.decode("utf-8"), format="turtle")
        except Exception as exc:  # rdflib raises assorted errors for text that is not Turtle
            snippet = raw[:200].decode("utf-8", "replace")
            raise EndpointError(endpoint.redact(f"{mask_url(url)}: the answer is not Turtle ({exc}); it starts "
                                                f"with {snippet!r}")) from None
        return QueryResult(variables=[], graph=graph)

    return _retrying(endpoint, url, deadline, run)
