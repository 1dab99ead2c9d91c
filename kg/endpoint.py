"""Remote SPARQL servers: queries through SPARQLWrapper, publishing, and a local Oxigraph server.

* :func:`remote_query` runs a packaged (or ad-hoc) query against a SPARQL 1.1
  endpoint and returns the same :class:`~kg.query.QueryResult` as a local run.
  The project's named graphs form the default graph through the protocol's
  ``default-graph-uri`` parameters, so the same query text works everywhere.
* :func:`publish` uploads each named graph in batches, first into a staging
  graph, then moves it into place with one SPARQL Update ``MOVE`` (or ``ADD``):
  on a server that runs each update atomically, a reader sees the old graph or
  the new one, never half of it. Batches go through the Graph Store HTTP
  Protocol when a store URL is known, SPARQL Update ``INSERT DATA`` otherwise.
* Transient failures (timeouts, refused connections, HTTP 429/502/503/504) are
  retried a bounded number of times with exponential back-off; others are not.
* Credentials come from ``KG_ENDPOINT_USER`` / ``KG_ENDPOINT_PASSWORD`` or from
  a netrc file, never from the command line, and never appear in messages.
"""

from __future__ import annotations

import base64
import json
import netrc
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import EndpointError, InputError
from kg.load import graph_names
from kg.namespaces import GRAPH
from kg.query import QueryResult, ensure_read_only, with_values
from kg.terms import canonical_term

T = TypeVar("T")
TRANSIENT_STATUS = {429, 502, 503, 504}
USER_ENV, PASSWORD_ENV = "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD"
GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
"""Lists named graphs without reading them (Oxigraph, Fuseki); some servers (Virtuoso) answer it with nothing."""
GRAPHS_SCAN_QUERY = """SELECT DISTINCT ?g WHERE {
    GRAPH ?g { ?s ?p ?o } FILTER (STRSTARTS(STR(?g), "https://w3id.org/ict-coop-kg/graph/"))
}"""
"""The portable fallback, which reads the data."""


@dataclass(frozen=True)
class Endpoint:
    """Where a SPARQL server answers: query URL, update URL, Graph Store URL, and how to talk to it."""

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
        unless ``update_url`` says otherwise."""
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InputError(f"--endpoint {url!r}: not an http(s) URL")
        if parsed.username or parsed.password:
            raise InputError("--endpoint: do not put credentials in the URL; set "
                             f"{USER_ENV} / {PASSWORD_ENV} or use a netrc file")
        if update_url is None:
            update_url = url[: -len("/query")] + "/update" if url.rstrip("/").endswith("/query") else url
        return cls(url, update_url, store_url, timeout, retries, credentials=find_credentials(url))


def find_credentials(url: str) -> tuple[str, str] | None:
    """User and password for ``url``: from the environment, else from netrc (``$NETRC`` or ``~/.netrc``)."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user and password is not None:
        return user, password
    host = urllib.parse.urlparse(url).hostname or ""
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if entry and entry[0] is not None:
        return entry[0], entry[2] or ""
    return None


def _redact(text: str, endpoint: Endpoint) -> str:
    if endpoint.credentials:
        for secret in endpoint.credentials:
            if secret:
                text = text.replace(secret, "****")
        token = base64.b64encode(":".join(endpoint.credentials).encode()).decode()
        text = text.replace(token, "****")
    return text


def _error(exc: BaseException, endpoint: Endpoint, url: str) -> EndpointError:
    """Turn any transport or HTTP failure into an :class:`EndpointError` with a clear, redacted message."""
    from SPARQLWrapper import SPARQLExceptions as sx

    status: int | None = None
    body = ""
    if isinstance(exc, urllib.error.HTTPError):
        status = exc.code
        try:
            body = exc.read().decode("utf-8", "replace")
        except Exception:  # pragma: no cover - body already consumed
            body = ""
    elif isinstance(exc, sx.SPARQLWrapperException):
        status = {sx.QueryBadFormed: 400, sx.Unauthorized: 401, sx.EndPointNotFound: 404,
                  sx.URITooLong: 414, sx.EndPointInternalError: 500}.get(type(exc))
        body = str(getattr(exc, "response", "") or exc)
    if status is not None:
        reason = {401: "authentication refused (check KG_ENDPOINT_USER / KG_ENDPOINT_PASSWORD or netrc)",
                  403: "forbidden: the credentials are not allowed to do this",
                  404: "not found: is this the server's SPARQL endpoint URL?"}.get(status, "")
        detail = " ".join(body.split())[:500]
        message = f"{url}: HTTP {status}" + (f" — {reason}" if reason else "") + (f"; server said: {detail}" if detail else "")
        return EndpointError(_redact(message, endpoint), transient=status in TRANSIENT_STATUS, status=status)
    if isinstance(exc, (TimeoutError, socket.timeout)) or "timed out" in str(exc):
        return EndpointError(f"{url}: no answer within {endpoint.timeout:g} s (timeout; raise it with --timeout)",
                             transient=True)
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, socket.gaierror):
            return EndpointError(f"{url}: the host name does not resolve (DNS)", transient=False)
        if isinstance(reason, ConnectionRefusedError):
            return EndpointError(f"{url}: connection refused; is the server running?", transient=True)
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return EndpointError(f"{url}: no answer within {endpoint.timeout:g} s (timeout)", transient=True)
        return EndpointError(_redact(f"{url}: cannot connect: {reason}", endpoint), transient=True)
    if isinstance(exc, (ConnectionError, OSError)):
        return EndpointError(_redact(f"{url}: connection failed: {exc}", endpoint), transient=True)
    return EndpointError(_redact(f"{url}: the answer is not a SPARQL result: {exc}", endpoint))


def _retrying(endpoint: Endpoint, url: str, action: Callable[[], T]) -> T:
    attempt = 0
    while True:
        try:
            return action()
        except EndpointError as err:
            failure = err
        except Exception as exc:  # transport and parsing errors of urllib / SPARQLWrapper / json
            failure = _error(exc, endpoint, url)
        if not failure.transient or attempt >= endpoint.retries:
            if failure.transient and endpoint.retries:
                failure.message += f" (gave up after {attempt + 1} attempts)"
                failure.args = (failure.message,)
            raise failure
        time.sleep(endpoint.backoff * 2**attempt)
        attempt += 1


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
    variables = list(data.get("head", {}).get("vars", []))
    rows = [{v: (_term(b[v]) if v in b else None) for v in variables} for b in data["results"]["bindings"]]
    return QueryResult(variables=variables, rows=rows)


def _wrapper(endpoint: Endpoint, url: str):  # type: ignore[no-untyped-def]
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    sw = SPARQLWrapper(url)
    sw.setReturnFormat(JSON)
    sw.setMethod(POST)
    sw.setTimeout(int(max(1, endpoint.timeout)))
    if endpoint.credentials:
        sw.setCredentials(*endpoint.credentials)
    return sw


def _select(endpoint: Endpoint, text: str, default_graphs: list[str]) -> QueryResult:
    def run() -> QueryResult:
        sw = _wrapper(endpoint, endpoint.query_url)
        for g in default_graphs:
            sw.addDefaultGraph(g)
        sw.setQuery(text)
        response = sw.query().response
        raw = response.read()
        try:
            return parse_json_result(json.loads(raw.decode("utf-8")))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            snippet = raw[:200].decode("utf-8", "replace")
            raise EndpointError(f"{endpoint.query_url}: the answer is not a SPARQL JSON result ({exc}); "
                                f"it starts with {snippet!r}") from None

    return _retrying(endpoint, endpoint.query_url, run)


def project_graphs(endpoint: Endpoint) -> list[str]:
    """The project's named graphs (``…/graph/…``) the server holds."""
    for query in (GRAPHS_QUERY, GRAPHS_SCAN_QUERY):
        result = _select(endpoint, query, [])
        found = sorted(str(r["g"]) for r in result.rows
                       if r.get("g") is not None and str(r["g"]).startswith(str(GRAPH)))
        if found:
            return found
    return []


def remote_query(endpoint: Endpoint, text: str, bindings: Mapping[str, Node] | None = None, *,
                 graphs: list[str] | None = None, label: str = "query") -> QueryResult:
    """Run a read-only query on a server; parameters go in as a ``VALUES`` block of RDF terms.

    The default graph is the union of ``graphs`` (default: every project graph on the server).
    """
    ensure_read_only(text, label)
    if graphs is None:
        graphs = project_graphs(endpoint)
        if not graphs:
            raise EndpointError(f"{endpoint.query_url}: the server holds none of the project's graphs; "
                                "run 'kg publish' first")
    return _select(endpoint, with_values(text, bindings or {}), graphs)


# --- publishing ---------------------------------------------------------------


@dataclass
class PublishReport:
    """What :func:`publish` did: the graphs written and the triples sent."""

    graphs: list[str] = field(default_factory=list)
    triples: int = 0
    protocol: str = "update"


def _http(endpoint: Endpoint, method: str, url: str, body: bytes, content_type: str) -> None:
    def run() -> None:
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
        if endpoint.credentials:
            token = base64.b64encode(":".join(endpoint.credentials).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=endpoint.timeout) as response:
            response.read()

    _retrying(endpoint, url, run)


def update(endpoint: Endpoint, text: str) -> None:
    """Send one SPARQL Update request."""
    if not endpoint.update_url:
        raise InputError("this operation needs a SPARQL Update endpoint (--update-endpoint)")
    _http(endpoint, "POST", endpoint.update_url, text.encode("utf-8"), "application/sparql-update; charset=utf-8")


def _batches(graph: Graph, size: int) -> Iterator[bytes]:
    batch = Graph()
    for triple in graph:
        batch.add(triple)
        if len(batch) >= size:
            yield batch.serialize(format="nt", encoding="utf-8")
            batch = Graph()
    if len(batch):
        yield batch.serialize(format="nt", encoding="utf-8")


def _store_url(endpoint: Endpoint, graph: str) -> str:
    assert endpoint.store_url
    return endpoint.store_url + ("&" if "?" in endpoint.store_url else "?") + urllib.parse.urlencode({"graph": graph})


def publish(ds: Dataset, endpoint: Endpoint, *, graphs: list[str] | None = None, replace: bool = False,
            batch_size: int = 50_000, progress: Callable[[str], None] | None = None) -> PublishReport:
    """Upload the named graphs of ``ds`` (or only ``graphs``) to the server, each as its own named graph.

    Each graph goes to a staging graph in batches, then replaces (``replace``) or is added to the target
    in one update. If a step fails, the staging graph is dropped and the error says which graphs were
    written and which were not.
    """
    note = progress or (lambda _m: None)
    names = [str(n) for n in graph_names(ds) if str(n).startswith(str(GRAPH))]
    if graphs:
        unknown = sorted(set(graphs) - set(names))
        if unknown:
            raise InputError(f"--graph: the build has no graph {', '.join(unknown)}; it has: {', '.join(names)}")
        names = [n for n in names if n in graphs]
    report = PublishReport(protocol="graph-store" if endpoint.store_url else "update")
    for name in names:
        target = URIRef(name).n3()
        staging_iri = f"{name}/staging-{uuid.uuid4().hex}"
        staging = URIRef(staging_iri).n3()
        try:
            sent = 0
            for chunk in _batches(ds.graph(URIRef(name)), batch_size):
                if endpoint.store_url:
                    _http(endpoint, "POST", _store_url(endpoint, staging_iri), chunk, "application/n-triples")
                else:
                    update(endpoint, f"INSERT DATA {{ GRAPH {staging} {{\n{chunk.decode('utf-8')}\n}} }}")
                sent += chunk.count(b"\n")
                note(f"{name}: {sent} triples sent")
            if replace:
                update(endpoint, f"MOVE SILENT GRAPH {staging} TO GRAPH {target}")
            else:
                update(endpoint, f"ADD SILENT GRAPH {staging} TO GRAPH {target} ; DROP SILENT GRAPH {staging}")
        except EndpointError as err:
            try:
                update(endpoint, f"DROP SILENT GRAPH {staging}")
            except EndpointError:
                pass
            done = ", ".join(report.graphs) or "none"
            left = ", ".join(n for n in names if n not in report.graphs)
            err.message = (f"{err.message}\npublish stopped: graphs written completely: {done}; not written "
                           f"(left as they were on the server): {left}")
            err.args = (err.message,)
            raise
        report.graphs.append(name)
        report.triples += sent
    return report


# --- a local Oxigraph server ------------------------------------------------------


def oxigraph_binary() -> str:
    """The ``oxigraph`` server binary installed by the PyPI package ``oxigraph``."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise InputError("the 'oxigraph' server binary is not installed (pip install oxigraph)")
    return found


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OxigraphServer:
    """An in-memory Oxigraph server on 127.0.0.1, started and stopped with the object.

    >>> with OxigraphServer(port=7878) as server:   # doctest: +SKIP
    ...     server.endpoint.query_url
    'http://127.0.0.1:7878/query'
    """

    def __init__(self, port: int | None = None, *, timeout: float = 30.0) -> None:
        self.port = port or free_port()
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(f"{self.base_url}/query", f"{self.base_url}/update", f"{self.base_url}/store",
                        timeout=self.timeout, retries=2)

    def start(self) -> OxigraphServer:
        """Start the server and wait until it answers (raises :class:`EndpointError` if it does not)."""
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr else ""
                raise EndpointError(f"oxigraph could not start on port {self.port}: {err.strip()[:300]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise EndpointError(f"oxigraph did not answer on port {self.port} within 20 s")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
