"""The HTTP client against hostile loopback peers: credentials, redirects, deadlines, Retry-After, SERVICE.

Every peer is a real ``http.server`` on 127.0.0.1 in a thread; none of these tests needs a SPARQL server.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.errors import EndpointError, InputError, QueryError
from kg.remote.client import RETRY_AFTER_CAP, Endpoint, mask_url, remote_query, retry_after_seconds, update
from kg.remote.publisher import publish

from .conftest import run_kg

ASK_TRUE = json.dumps({"head": {}, "boolean": True}).encode()
SECRET = "pa55-w0rd-never-shown"

Answer = Callable[["Peer", http.server.BaseHTTPRequestHandler, int], None]


class Peer:
    """A loopback HTTP server whose answer to the n-th request (0-based) is given by ``answer``; it records
    each request's method, path, Authorization header and body."""

    def __init__(self, answer: Answer | None = None) -> None:
        self.requests: list[tuple[str, str, str, bytes]] = []
        self.stop = threading.Event()
        outer = self
        answer = answer or (lambda peer, handler, n: peer.send(handler, 200, ASK_TRUE))

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                n = len(outer.requests)
                outer.requests.append((self.command, self.path, self.headers.get("Authorization", ""), body))
                try:
                    answer(outer, self, n)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = f"{self.base}/query"

    @staticmethod
    def send(handler, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
             content_type: str = "application/sparql-results+json") -> None:
        handler.send_response(status)
        for key, value in {"Content-Type": content_type, **(headers or {})}.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def __enter__(self) -> Peer:
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _ep(url: str, **kw) -> Endpoint:
    return Endpoint(url, kw.pop("update_url", None), kw.pop("store_url", None), timeout=kw.pop("timeout", 5),
                    retries=kw.pop("retries", 2), backoff=0.05, **kw)


@pytest.fixture(scope="module")
def build_folder(built: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder written from the session's build (no second build)."""
    folder = tmp_path_factory.mktemp("remote") / "build"
    built.write(folder)
    return folder


# --- credentials ----------------------------------------------------------------------


def test_mask_url_hides_user_and_password():
    assert mask_url(f"https://bob:{SECRET}@example.org:8443/sparql?x=1") == "https://****@example.org:8443/sparql?x=1"
    assert mask_url("http://bob@[::1]/q") == "http://****@[::1]/q"
    assert mask_url("http://example.org/q") == "http://example.org/q"
    assert SECRET not in mask_url(f"http://bob:{SECRET}@host:notaport/q")


@pytest.mark.parametrize("option", ["url", "update_url", "store_url"])
def test_credentials_in_any_url_are_refused_and_not_echoed(option: str):
    urls = {"url": "http://127.0.0.1:1/query", "update_url": None, "store_url": None}
    urls[option] = f"http://bob:{SECRET}@127.0.0.1:1/x"
    with pytest.raises(InputError, match="do not put credentials in the URL") as info:
        Endpoint.from_url(urls.pop("url"), **urls)
    assert SECRET not in str(info.value) and "****@127.0.0.1" in str(info.value)
    flag = {"url": "--endpoint", "update_url": "--update-endpoint", "store_url": "--store-endpoint"}[option]
    assert str(info.value).startswith(flag + " ")


@pytest.mark.parametrize("args", [
    ["publish", "--endpoint", "http://127.0.0.1:1/query", "--update-endpoint", f"http://bob:{SECRET}@127.0.0.1:1/u"],
    ["publish", "--endpoint", "http://127.0.0.1:1/query", "--store-endpoint", f"http://bob:{SECRET}@127.0.0.1:1/s"],
    ["publish", "--endpoint", f"http://bob:{SECRET}@127.0.0.1:1/query"],
    ["query", "agreements", "--endpoint", f"http://bob:{SECRET}@127.0.0.1:1/query"],
])
def test_cli_refuses_credentials_in_every_url_option(args: list[str], tmp_path: Path):
    result = run_kg(*args, cwd=tmp_path)
    out = (result.stdout + result.stderr).decode()
    assert result.returncode == 2, out
    assert "do not put credentials in the URL" in out and SECRET not in out and "Traceback" not in out
    assert not (tmp_path / "build").exists()  # refused before building anything


# --- redirects ----------------------------------------------------------------------------


def _redirecting(status: int, target: str) -> Answer:
    return lambda peer, handler, n: peer.send(handler, status, b"", {"Location": target}, "text/plain")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_on_a_query_is_an_error_naming_the_target_and_is_not_followed(status: int, monkeypatch):
    monkeypatch.setenv("KG_ENDPOINT_USER", "bob")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", SECRET)
    with Peer() as elsewhere, Peer(_redirecting(status, elsewhere.url)) as peer:
        ep = Endpoint.from_url(peer.url, timeout=5)
        with pytest.raises(EndpointError) as info:
            remote_query(ep, "ASK {}", graphs=[])
        assert info.value.status == status and info.value.exit_code == 3 and not info.value.transient
        assert f"HTTP {status} redirect to {elsewhere.url}" in str(info.value)
        assert len(peer.requests) == 1 and elsewhere.requests == []  # nothing (and no credentials) went there
        assert peer.requests[0][2].startswith("Basic ")  # the request itself was the SPARQLWrapper POST
        assert peer.requests[0][0] == "POST" and b"query=ASK" in peer.requests[0][3]
        assert SECRET not in str(info.value)


def test_a_redirect_target_with_credentials_is_masked():
    with Peer(_redirecting(302, f"http://eve:{SECRET}@127.0.0.1:9/steal")) as peer:
        with pytest.raises(EndpointError, match=r"redirect to http://\*\*\*\*@127\.0\.0\.1:9/steal") as info:
            remote_query(_ep(peer.url), "ASK {}", graphs=[])
        assert SECRET not in str(info.value)


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_on_publish_is_an_error_not_a_silent_success(built: KnowledgeGraph, status: int):
    with Peer() as elsewhere, Peer(_redirecting(status, elsewhere.base + "/store")) as peer:
        for ep in (_ep(peer.url, update_url=peer.base + "/update", store_url=peer.base + "/store", retries=0),
                   _ep(peer.url, update_url=peer.base + "/update", retries=0)):
            with pytest.raises(EndpointError, match=f"HTTP {status} redirect to {elsewhere.base}/store") as info:
                publish(built.dataset, ep, replace=True)
            assert "graphs written completely: none" in str(info.value)
        with pytest.raises(EndpointError, match="redirect"):
            update(_ep(peer.url, update_url=peer.base + "/update"), "DROP SILENT GRAPH <urn:x>")
        assert elsewhere.requests == []
        assert all(method == "POST" for method, *_ in peer.requests)


def test_cli_publish_to_a_redirect_exits_3_and_says_where(build_folder: Path, tmp_path: Path):
    with Peer() as elsewhere, Peer(_redirecting(302, elsewhere.url)) as peer:
        result = run_kg("publish", "--endpoint", peer.url, "--build", build_folder, "--retries", "0", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 3, err
    assert f"redirect to {elsewhere.url}" in err and "Published" not in result.stdout.decode()
    assert elsewhere.requests == []


# --- deadlines ------------------------------------------------------------------------------


def _trickle_body(peer: Peer, handler, n: int) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/sparql-results+json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    while not peer.stop.is_set():
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.2)


def _trickle_headers(peer: Peer, handler, n: int) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    while not peer.stop.is_set():
        handler.wfile.write(b"X-Slow: a\r\n")
        handler.wfile.flush()
        time.sleep(0.2)


@pytest.mark.parametrize("answer", [_trickle_body, _trickle_headers], ids=["body", "headers"])
def test_timeout_bounds_the_whole_call_against_a_trickling_server(answer: Answer):
    with Peer(answer) as peer:
        start = time.monotonic()
        with pytest.raises(EndpointError, match=r"no complete answer within 1\.5 s \(timeout"):
            remote_query(_ep(peer.url, timeout=1.5, retries=2), "ASK {}", graphs=[])
        elapsed = time.monotonic() - start
    # each byte comes well within any per-read socket timeout, so only a whole-call deadline stops this
    assert 1.4 < elapsed < 3.5
    assert len(peer.requests) == 1  # the deadline is spent: no retry


def test_timeout_bounds_an_upload_request_too(built: KnowledgeGraph):
    with Peer(_trickle_body) as peer:
        start = time.monotonic()
        with pytest.raises(EndpointError, match="timeout"):
            update(_ep(peer.url, update_url=peer.base + "/update", timeout=1, retries=0), "CLEAR SILENT GRAPH <urn:x>")
        assert time.monotonic() - start < 3


def test_cli_timeout_against_a_trickling_server(tmp_path: Path):
    with Peer(_trickle_body) as peer:
        start = time.monotonic()
        result = run_kg("query", "agreements", "--endpoint", peer.url, "--graph", "urn:g", "--timeout", "1.5",
                        cwd=tmp_path, timeout=60)
        elapsed = time.monotonic() - start
    assert result.returncode == 3 and "timeout" in result.stderr.decode()
    assert elapsed < 15  # the process start included; unbounded before


@pytest.mark.parametrize("header", ["seconds", "http-date"])
def test_retry_after_is_honoured_on_503(header: str):
    def answer(peer: Peer, handler, n: int) -> None:
        if n == 0:
            when = "1" if header == "seconds" else formatdate(time.time() + 2, usegmt=True)
            peer.send(handler, 503, b"busy", {"Retry-After": when}, "text/plain")
        else:
            peer.send(handler, 200, ASK_TRUE)

    with Peer(answer) as peer:
        start = time.monotonic()
        result = remote_query(_ep(peer.url, timeout=10), "ASK {}", graphs=[])
        elapsed = time.monotonic() - start
    assert result.boolean is True and len(peer.requests) == 2
    assert elapsed >= 0.95  # the back-off alone would have waited 0.05 s


def test_retry_after_past_the_deadline_gives_up_at_once():
    def answer(peer: Peer, handler, n: int) -> None:
        peer.send(handler, 429, b"slow down", {"Retry-After": "3600"}, "text/plain")

    with Peer(answer) as peer:
        start = time.monotonic()
        with pytest.raises(EndpointError, match=r"HTTP 429.*asked to retry after 3600 s, past the 5 s deadline"):
            remote_query(_ep(peer.url, timeout=5), "ASK {}", graphs=[])
        assert time.monotonic() - start < 2 and len(peer.requests) == 1


def test_retry_after_values():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(formatdate(1_000_060, usegmt=True), now=1_000_000) == 60.0
    assert retry_after_seconds(formatdate(999_000, usegmt=True), now=1_000_000) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert RETRY_AFTER_CAP == 30.0


# --- SERVICE --------------------------------------------------------------------------------


def _service_query(peer: Peer) -> str:
    return (f"SELECT ?s WHERE {{ OPTIONAL {{ SERVICE <{peer.base}/sparql> {{ ?s ?p ?o }} }} }}")


def test_service_is_refused_locally_unless_allowed(built: KnowledgeGraph):
    with Peer() as peer:
        with pytest.raises(QueryError, match=f"SERVICE <{peer.base}/sparql>.*--allow-service"):
            built.run_query(_service_query(peer))
        assert peer.requests == []
        try:
            built.run_query(_service_query(peer), allow_service=True, timeout=20)
        except QueryError:
            pass  # the peer is no SPARQL server; what matters is that it was asked
        assert len(peer.requests) >= 1


def test_service_is_refused_remotely_unless_allowed():
    with Peer() as server, Peer() as other:
        with pytest.raises(QueryError, match="--allow-service"):
            remote_query(_ep(server.url), _service_query(other), graphs=[])
        assert server.requests == [] and other.requests == []
        remote_query(_ep(server.url), _service_query(other), graphs=[], allow_service=True)
        assert len(server.requests) == 1 and b"SERVICE" in server.requests[0][3]


def test_cli_service_in_a_file_is_refused_exit_2(build_folder: Path, tmp_path: Path):
    with Peer() as peer:
        query = tmp_path / "service.rq"
        query.write_text(_service_query(peer), encoding="utf-8")
        refused = run_kg("query", "--file", query, "--build", build_folder, cwd=tmp_path)
        assert refused.returncode == 2 and "--allow-service" in refused.stderr.decode()
        assert peer.requests == []
        run_kg("query", "--file", query, "--build", build_folder, "--allow-service", "--timeout", "20", cwd=tmp_path)
        assert len(peer.requests) >= 1


def test_service_with_a_prefixed_name_is_refused_too(built: KnowledgeGraph):
    with Peer() as peer:
        text = f"PREFIX x: <{peer.base}/>\nSELECT * WHERE {{ SERVICE x:sparql {{ ?s ?p ?o }} }}"
        with pytest.raises(QueryError, match="SERVICE x:sparql.*--allow-service"):
            built.run_query(text)
        assert peer.requests == []


def test_service_detection_uses_the_parser_not_the_text(built: KnowledgeGraph):
    text = 'SELECT ?s WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/x> { }" } LIMIT 1'  # the word in a literal
    assert built.run_query(text).variables == ["s"]


# --- local time limit -------------------------------------------------------------------------

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_local_query_stops_at_its_timeout(built: KnowledgeGraph):
    start = time.monotonic()
    with pytest.raises(QueryError, match=r"stopped after 1 s \(the --timeout limit\)"):
        built.run_query(CARTESIAN, timeout=1)
    assert time.monotonic() - start < 3
    assert built.run_query("ASK { ?s ?p ?o }", timeout=5).boolean is True  # the limit is gone afterwards


def test_cli_local_timeout_exits_2(build_folder: Path, tmp_path: Path):
    query = tmp_path / "cartesian.rq"
    query.write_text(CARTESIAN, encoding="utf-8")
    start = time.monotonic()
    result = run_kg("query", "--file", query, "--build", build_folder, "--timeout", "1", cwd=tmp_path, timeout=120)
    assert result.returncode == 2 and "stopped after 1 s" in result.stderr.decode()
    assert time.monotonic() - start < 60
    bad = run_kg("query", "agreements", "--build", build_folder, "--timeout", "0", cwd=tmp_path)
    assert bad.returncode == 2 and "positive number of seconds" in bad.stderr.decode()


# --- parameters: the same refusal locally and on a server ----------------------------------------


@pytest.mark.parametrize("value", ["<http://evil> } INSERT { <a> <b> <c> } WHERE {", "http://a b", "Jordan", "XX"])
def test_cli_bad_parameter_is_refused_the_same_locally_and_remotely(build_folder: Path, tmp_path: Path, value: str):
    with Peer() as peer:
        local = run_kg("query", "who-met-whom", "-p", f"country={value}", "--build", build_folder, cwd=tmp_path)
        remote = run_kg("query", "who-met-whom", "-p", f"country={value}", "--endpoint", peer.url, cwd=tmp_path)
        assert local.returncode == remote.returncode == 2, local.stderr.decode()
        assert local.stderr == remote.stderr and b"parameter country: " in local.stderr
        assert b"Traceback" not in local.stderr
        assert peer.requests == []  # refused before any request
    if value == "Jordan":
        assert b"did you mean JO?" in local.stderr
