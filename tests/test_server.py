"""Integration with real SPARQL servers: Oxigraph (PyPI) on loopback, and a loopback fault server.

Every packaged query must return exactly the same rows from the server as locally.
"""

from __future__ import annotations

import http.server
import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.errors import EndpointError, QueryError
from kg.remote import Endpoint, OxigraphServer, free_port, publish, remote_query
from kg.query import list_queries

from .conftest import KG_EXE, run_kg

pytestmark = pytest.mark.server

PARAMS = {  # one call per parameter set; required parameters always given
    "who-met-whom": [{}, {"country": "JO"}, {"country": "FR"}],
    "who-holds-which-post": [{}, {"country": "EG"}, {"as_of": "2022-01-01"}],
    "meeting-domains": [{}, {"meeting": "event/talaat-hanandeh-talks"}, {"country_a": "EG", "country_b": "JO"}],
    "agreements": [{}, {"country": "JO"}],
    "infrastructure-links": [{}, {"country_a": "EG", "country_b": "JO"}],
    "cross-border-presence": [{}, {"from_country": "EG", "in_country": "JO"}],
    "organisation-services": [{}, {"organisation": "organization/egypt-post"}, {"market": "JO"}],
    "person-statements": [{}, {"person": "person/amr-talaat"}, {"person": 'x" } ; DROP ALL ; #'}],
    "fact-provenance": [{"entity": "person/amr-talaat"}, {"entity": "infrastructure/telecom-egypt-pop-aqaba"}],
    "country-domains": [{}, {"country": "EG"}],
    "describe-entity": [{"entity": "organization/telecom-egypt"}, {"entity": "event/expert-visit-to-egypt"}],
    "mentions": [{"article": "000_c98f5de2b5b9bb51"}],
}


@pytest.fixture(scope="module")
def oxigraph(built: KnowledgeGraph) -> Iterator[OxigraphServer]:
    with OxigraphServer() as server:
        publish(built.dataset, server.endpoint, replace=True)
        yield server


def query_cases():
    """One pytest case per packaged query and parameter set in :data:`PARAMS`."""
    for q in list_queries():
        for params in PARAMS.get(q.name, [{}]):
            yield pytest.param(q.name, params, id=f"{q.name}{'-' if params else ''}{'-'.join(params)}")


@pytest.mark.parametrize(("name", "params"), list(query_cases()))
def test_same_rows_locally_and_on_oxigraph(built: KnowledgeGraph, oxigraph: OxigraphServer, name: str, params):
    local = built.query(name, **params)
    remote = built.query(name, endpoint=oxigraph.endpoint, **params)
    assert remote.variables == local.variables
    assert remote.rows == local.rows


@pytest.mark.parametrize("text", [
    "PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "CONSTRUCT { ?s rdfs:label ?o } WHERE { ?s a kg:Person ; rdfs:label ?o }",
    "# a comment that says SELECT\nCONSTRUCT WHERE { <https://w3id.org/ict-coop-kg/id/person/amr-talaat> ?p ?o }",
])
def test_a_construct_on_a_server_gives_the_local_graph(built: KnowledgeGraph, oxigraph: OxigraphServer, text: str):
    """A CONSTRUCT or DESCRIBE was asked for as a SPARQL JSON result, which a graph is not: on a server every one
    failed ("not a SPARQL JSON result"); it is asked for as Turtle now."""
    from rdflib.compare import isomorphic

    from kg.query import QueryResult

    remote = remote_query(oxigraph.endpoint, text)
    local = built.sparql(text)
    assert isinstance(remote, QueryResult) and remote.graph is not None and local.graph is not None
    assert len(remote.graph) == len(local.graph) > 0 and isomorphic(remote.graph, local.graph)


def test_published_graphs_match_the_build(built: KnowledgeGraph, oxigraph: OxigraphServer):
    counts = remote_query(oxigraph.endpoint, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                          graphs=[])
    remote = {str(r["g"]): int(r["n"]) for r in counts.rows}
    local = {str(g.identifier): len(g) for g in built.dataset.graphs() if len(g)}
    assert remote == local  # no staging graph left behind, every graph whole


def test_publish_again_with_replace_keeps_the_same_content(built: KnowledgeGraph, oxigraph: OxigraphServer):
    report = publish(built.dataset, oxigraph.endpoint, replace=True, batch_size=100)
    assert report.protocol == "graph-store" and len(report.graphs) == 4
    n = remote_query(oxigraph.endpoint, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", graphs=[])
    assert int(n.rows[0]["n"]) == sum(len(g) for g in built.dataset.graphs())


def test_publish_through_sparql_update_only(built: KnowledgeGraph):
    with OxigraphServer() as server:
        ep = Endpoint(server.endpoint.query_url, server.endpoint.update_url, None)
        report = publish(built.dataset, ep, replace=True, batch_size=500)
        assert report.protocol == "update"
        assert built.query("cross-border-presence", endpoint=ep).rows == built.query("cross-border-presence").rows


def test_hostile_parameter_leaves_the_server_unchanged(built: KnowledgeGraph, oxigraph: OxigraphServer):
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = remote_query(oxigraph.endpoint, count, graphs=[]).rows
    value = 'x" } ; DROP ALL ; #'
    assert len(built.query("describe-entity", endpoint=oxigraph.endpoint, entity=value)) == 0
    assert len(built.query("describe-entity", entity=value)) == 0  # the same locally
    for name, param in (("describe-entity", "entity"), ("who-met-whom", "country")):
        value = "<http://evil> } INSERT { <a> <b> <c> } WHERE {"  # not an IRI: refused before any query, both ways
        for where in ({"endpoint": oxigraph.endpoint}, {}):
            with pytest.raises(QueryError, match=f"parameter {param}: .* is not a valid absolute IRI"):
                built.query(name, **where, **{param: value})
    assert remote_query(oxigraph.endpoint, count, graphs=[]).rows == before


def test_cli_query_endpoint_matches_local(oxigraph: OxigraphServer, workdir: Path):
    remote = run_kg("query", "agreements", "-f", "json", "--endpoint", oxigraph.endpoint.query_url, cwd=workdir)
    local = run_kg("query", "agreements", "-f", "json", cwd=workdir)
    assert remote.returncode == 0, remote.stderr.decode()
    assert json.loads(remote.stdout) == json.loads(local.stdout)


def test_cli_publish(workdir: Path):
    with OxigraphServer() as server:
        result = run_kg("publish", "--endpoint", server.endpoint.query_url, "--replace", cwd=workdir)
        assert result.returncode == 0, result.stderr.decode()
        assert "4 graph(s)" in result.stdout.decode()
        one = run_kg("query", "planned-events", "-f", "csv", "--endpoint", server.endpoint.query_url, cwd=workdir)
        assert "Proposed expert-level visit to Egypt" in one.stdout.decode()


def test_kg_serve_starts_answers_and_stops_on_ctrl_c(workdir: Path):
    port = free_port()
    proc = subprocess.Popen([str(KG_EXE), "serve", "--port", str(port)], cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        line = b""
        while time.monotonic() < deadline and b"SPARQL endpoint:" not in line:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, proc.stderr.read().decode()
        url = line.decode().split("SPARQL endpoint:")[1].strip()
        assert url == f"http://127.0.0.1:{port}/query"
        ep = Endpoint(url, timeout=10)
        assert len(remote_query(ep, "SELECT ?p WHERE { ?p a <https://w3id.org/ict-coop-kg/ontology#Person> }")) == 2
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 130  # like every command on Ctrl-C
    finally:
        if proc.poll() is None:
            proc.kill()
    with pytest.raises(EndpointError):
        remote_query(Endpoint(url, timeout=2, retries=0), "ASK {}", graphs=[])


# --- failures -------------------------------------------------------------------------


class FaultServer:
    """A loopback HTTP server that answers every request in one configured bad way, and counts them."""

    def __init__(self, status: int = 500, body: bytes = b"boom: internal error", delay: float = 0.0,
                 content_type: str = "text/plain") -> None:
        self.requests = 0
        self.auth_headers: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.requests += 1
                outer.auth_headers.append(self.headers.get("Authorization", ""))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:  # quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/query"

    def __enter__(self) -> FaultServer:
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _ep(url: str, **kw) -> Endpoint:
    return Endpoint(url, timeout=kw.pop("timeout", 5), retries=kw.pop("retries", 2), backoff=0.05, **kw)


def test_connection_refused_is_retried_then_reported():
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(EndpointError, match="connection refused") as info:
        remote_query(_ep(url), "ASK {}", graphs=[])
    assert "gave up after 3 attempts" in str(info.value)


def test_http_500_is_reported_with_the_server_message_and_not_retried():
    with FaultServer(500, b"boom: internal error") as server:
        with pytest.raises(EndpointError, match="HTTP 500.*boom: internal error"):
            remote_query(_ep(server.url), "ASK {}", graphs=[])
        assert server.requests == 1


def test_http_503_is_retried_a_bounded_number_of_times():
    with FaultServer(503, b"busy") as server:
        with pytest.raises(EndpointError, match="HTTP 503"):
            remote_query(_ep(server.url, retries=2), "ASK {}", graphs=[])
        assert server.requests == 3


def test_a_body_that_is_not_a_sparql_result():
    with FaultServer(200, b"<html>hello</html>", content_type="application/sparql-results+json") as server:
        with pytest.raises(EndpointError, match="not a SPARQL JSON result"):
            remote_query(_ep(server.url), "ASK {}", graphs=[])


@pytest.mark.parametrize("body", [
    b"[" * 200_000,
    b'{"head":' * 100_000,
    b'{"head": [], "results": {"bindings": []}}',
    b'{"head": {"vars": ["g"]}, "results": {"bindings": [{"g": "https://example.org/g"}]}}',
    b'{"head": {"vars": ["g"]}, "results": {"bindings": ["g"]}}',
    b'{"head": {"vars": [["g"]]}, "results": {"bindings": []}}',
])
def test_answers_that_are_not_sparql_results_are_named_not_tracebacks(body: bytes):
    """Each gave a traceback (RecursionError, AttributeError, TypeError), exit 1, where the promise is exit 3
    with "not a SPARQL JSON result"."""
    with FaultServer(200, body, content_type="application/sparql-results+json") as server:
        with pytest.raises(EndpointError, match="not a SPARQL JSON result"):
            remote_query(_ep(server.url, retries=0), "SELECT ?g WHERE { ?g ?p ?o }", graphs=[])


def test_retry_after_takes_only_ascii_digits():
    from kg.remote.client import retry_after_seconds

    assert retry_after_seconds("²") is None  # isdigit() is true of it, and float() raised ValueError
    assert retry_after_seconds("٣") is None
    assert retry_after_seconds("3") == 3.0


def test_an_answer_larger_than_kg_reads_is_reported(monkeypatch):
    """An answer that streamed without end filled the memory (2.9 GB) past the deadline."""
    import kg.remote.client as client

    monkeypatch.setattr(client, "MAX_ANSWER_BYTES", 3 << 20)
    with FaultServer(200, b" " * (4 << 20), content_type="application/sparql-results+json") as server:
        with pytest.raises(EndpointError, match="the answer is larger than 3 MiB; kg stopped reading it"):
            remote_query(_ep(server.url, retries=0), "ASK {}", graphs=[])


def test_timeout_is_reported():
    with FaultServer(200, b"{}", delay=3) as server:
        with pytest.raises(EndpointError, match="timeout"):
            remote_query(_ep(server.url, timeout=1, retries=0), "ASK {}", graphs=[])


def test_cli_failures_exit_3_without_traceback_or_secrets(workdir: Path):
    secret = "s3cr3t-pa55word"
    env = {"KG_ENDPOINT_USER": "alice", "KG_ENDPOINT_PASSWORD": secret}
    with FaultServer(401, b"unauthorized") as server:
        result = run_kg("query", "who-met-whom", "--endpoint", server.url, "--graph", "urn:g", cwd=workdir, env=env)
        err = result.stderr.decode()
        assert result.returncode == 3 and "authentication refused" in err
        assert secret not in err + result.stdout.decode() and "Traceback" not in err
        assert server.auth_headers[0].startswith("Basic ")  # credentials were sent, from the environment
    stopped = run_kg("query", "who-met-whom", "--endpoint", f"http://127.0.0.1:{free_port()}/query",
                     "--timeout", "2", cwd=workdir, env=env)
    assert stopped.returncode == 3 and "connection refused" in stopped.stderr.decode()
    published = run_kg("publish", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "--retries", "0",
                       cwd=workdir, env=env)
    assert published.returncode == 3 and "not written" in published.stderr.decode()
    assert secret not in published.stderr.decode()


def test_credentials_in_the_url_are_refused():
    with pytest.raises(Exception, match="do not put credentials in the URL"):
        Endpoint.from_url("http://bob:pw@127.0.0.1:1/query")


@pytest.mark.parametrize(("args", "message"), [
    (["--endpoint", "http://127.0.0.1:9/qu ery"], "a URL holds no spaces or control characters"),
    (["--endpoint", "http://127.0.0.1:9/q\nX-Injected: 1"], "a URL holds no spaces or control characters"),
    (["--endpoint", "http://127.0.0.1:9/q", "--graph", "http://x> } ; DROP ALL ; #"], "is not a valid absolute IRI"),
    (["--endpoint", "http://127.0.0.1:9/q", "--graph", "x"], "is not a valid absolute IRI"),
    (["--graph", "https://w3id.org/ict-coop-kg/graph/reference"], "--graph names graphs on a server"),
])
def test_endpoint_and_graph_options_are_checked_before_anything_is_sent(workdir: Path, args: list[str],
                                                                        message: str):
    """A URL with a space or a line break was sent (then retried as a connection failure, exit 3), as was a
    --graph that is no IRI; without --endpoint, --graph was ignored without a word."""
    from .conftest import invoke

    result = invoke("query", "who-met-whom", *args, cwd=workdir)
    assert result.code == 2 and message in result.err, result.err
