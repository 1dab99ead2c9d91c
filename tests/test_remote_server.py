"""``kg serve``: a real Oxigraph server on a free loopback port — read-only by default, honest about its port,
stopped by Ctrl-C (130) and SIGTERM (143)."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.namespaces import SERVED_UNION_MARK
from kg.remote import Endpoint, free_port, remote_query

from .conftest import KG_EXE, run_kg

pytestmark = pytest.mark.server

COUNT = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
         "FILTER(STRSTARTS(STR(?g), \"https://w3id.org/ict-coop-kg/graph/\")) }")
"""Quads in the build's graphs (not the mark of a served union, which is not one of them)."""
DEFAULT_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ALL_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def build_folder(built: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder written from the session's build (no second build)."""
    folder = tmp_path_factory.mktemp("serve") / "build"
    built.write(folder)
    return folder


@contextmanager
def kg_serve(build: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[bytes], int, str]]:
    """``kg serve`` on a free port; yields the process, the port and what it printed before it was ready."""
    port = free_port()
    proc = subprocess.Popen([str(KG_EXE), "serve", "--port", str(port), "--build", str(build), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("Ctrl-C" in line for line in lines):
            line = proc.stdout.readline().decode()
            assert line or proc.poll() is None, proc.stderr.read().decode()
            lines.append(line)
        yield proc, port, "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _post(url: str, body: bytes, content_type: str) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _writes(port: int) -> dict[str, int]:
    """Three ways to write: a SPARQL Update, the same as a browser form POST, and a Graph Store POST."""
    base = f"http://127.0.0.1:{port}"
    return {
        "update": _post(f"{base}/update", b"DROP ALL", "application/sparql-update"),
        "form": _post(f"{base}/update", urllib.parse.urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
                      .encode(), "application/x-www-form-urlencoded"),
        "store": _post(f"{base}/store?graph=urn%3Ax", b"<urn:a> <urn:b> <urn:c> .\n", "application/n-triples"),
    }


def _count(port: int, query: str = COUNT) -> int:
    return int(remote_query(Endpoint(f"http://127.0.0.1:{port}/query", timeout=10), query, graphs=[]).rows[0]["n"])


def test_serve_is_read_only_by_default(build_folder: Path, built: KnowledgeGraph):
    with kg_serve(build_folder) as (_proc, port, printed):
        assert f"SPARQL endpoint: http://127.0.0.1:{port}/query" in printed
        assert f"query page (Oxigraph's own, in a browser): http://127.0.0.1:{port}/" in printed
        assert "read-only" in printed and "WRITABLE" not in printed
        before = _count(port)
        assert before == sum(len(g) for g in built.dataset.graphs())  # every graph, inferences included
        statuses = _writes(port)
        assert all(400 <= code < 500 for code in statuses.values()), statuses
        assert _count(port) == before
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:  # Oxigraph's query page
            assert page.status == 200 and b"<html" in page.read().lower()
        # the data answers the packaged queries as the build does
        local = built.query("agreements")
        assert built.query("agreements", endpoint=f"http://127.0.0.1:{port}/query").rows == local.rows


def test_serve_writable_accepts_writes_and_says_so(build_folder: Path):
    with kg_serve(build_folder, "--writable") as (_proc, port, printed):
        assert "WRITABLE" in printed
        before = _count(port)
        statuses = _writes(port)
        assert all(200 <= code < 300 for code in statuses.values()), statuses
        # DROP ALL emptied the store; then one triple went to the default graph and one into <urn:x>
        assert before > 0 and _count(port, ALL_QUADS) == 1


def test_serve_on_a_port_in_use_exits_3_and_sends_nothing(build_folder: Path, tmp_path: Path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        other.setblocking(False)
        port = other.getsockname()[1]
        result = run_kg("serve", "--port", str(port), "--build", build_folder, cwd=tmp_path, timeout=60)
        assert result.returncode == 3, result.stderr.decode()
        assert f"port {port} on 127.0.0.1 is already in use" in result.stderr.decode()
        assert "SPARQL endpoint" not in result.stdout.decode()
        with pytest.raises(BlockingIOError):
            other.accept()  # nobody connected to the other program


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_serve_stops_on_signals_with_the_documented_code(build_folder: Path, sig: int, code: int):
    with kg_serve(build_folder) as (proc, port, _printed):
        assert _count(port) > 0
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == code
    with pytest.raises(OSError):  # the Oxigraph child is gone too
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_kill_9_of_serve_takes_the_oxigraph_child_with_it(build_folder: Path):
    import tempfile

    with kg_serve(build_folder) as (proc, port, _printed):
        assert _count(port) > 0
        stores = set(Path(tempfile.gettempdir()).glob(f"kg-oxigraph-{proc.pid}-*"))
        assert stores, "the temporary store is named after its kg process"
        proc.kill()  # SIGKILL: kg runs no cleanup at all
        proc.wait(timeout=20)
    deadline = time.monotonic() + 20
    while True:  # the kernel sends the child SIGTERM when its parent dies (PR_SET_PDEATHSIG)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            break
        assert time.monotonic() < deadline, "the Oxigraph server outlived kill -9 of kg serve"
        time.sleep(0.1)
    with kg_serve(build_folder) as (_proc, _port, _printed):  # the next start removes the dead one's store
        assert not any(store.exists() for store in stores)


def test_serve_binds_loopback_only(build_folder: Path):
    with kg_serve(build_folder) as (_proc, port, _printed):
        outward = _outward_address()
        if outward is None:
            pytest.skip("this machine has no non-loopback address to probe")
        with pytest.raises(OSError):
            socket.create_connection((outward, port), timeout=2).close()


def _outward_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for a UDP connect
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


# --- publishing blank nodes ----------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["graph-store", "update"])
def test_publish_keeps_each_blank_node_one_node_across_batches(protocol: str):
    """Servers make each request's blank nodes fresh: a list split over two batches would fall apart."""
    from rdflib import BNode, Dataset, Graph, Literal, URIRef
    from rdflib.collection import Collection
    from rdflib.compare import isomorphic

    from kg.namespaces import GRAPH
    from kg.remote import OxigraphServer, publish

    name = URIRef(GRAPH["test-blank-nodes"])
    ds = Dataset()
    graph = ds.graph(name)
    head = URIRef("urn:x:list-head")
    for i in range(30):
        graph.add((URIRef(f"urn:x:s{i}"), URIRef("urn:x:p"), Literal(i)))
    first = BNode()
    graph.add((head, URIRef("urn:x:items"), first))
    Collection(graph, first, [Literal(f"item {i}") for i in range(25)])
    with OxigraphServer() as server:
        ep = server.endpoint if protocol == "graph-store" else Endpoint(server.endpoint.query_url,
                                                                         server.endpoint.update_url, None)
        report = publish(ds, ep, replace=True, batch_size=7)
        assert report.protocol == protocol
        rows = remote_query(ep, f"SELECT ?s ?p ?o WHERE {{ GRAPH {name.n3()} {{ ?s ?p ?o }} }}", graphs=[]).rows
    remote = Graph()
    for row in rows:
        remote.add((row["s"], row["p"], row["o"]))
    assert len(remote) == len(graph)
    # the list still reads whole from its head (a split one stops at the first batch boundary)
    assert list(Collection(remote, remote.value(head, URIRef("urn:x:items")))) == \
        [Literal(f"item {i}") for i in range(25)]
    assert isomorphic(remote, graph)


PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def test_serve_build_hands_the_build_file_to_oxigraph_without_reading_it(build_folder: Path, monkeypatch):
    from kg import api
    from kg.dataset import GraphSet

    expected = {str(name): size for name, size in KnowledgeGraph.load(build_folder).graphs.sizes().items()}

    def refuse(*_args, **_kwargs):
        raise AssertionError("the build was read into this process")

    monkeypatch.setattr(GraphSet, "parse", refuse)
    server = api.serve_build(build_folder, free_port())
    try:
        rows = remote_query(server.endpoint, PER_GRAPH, graphs=[]).rows
        # every graph, inferences included, and the mark that the default graph is their union
        assert {str(r["g"]): int(r["n"]) for r in rows} == {**expected, str(SERVED_UNION_MARK): 1}
        assert len(expected) >= 4
    finally:
        server.stop()


def test_serve_of_a_broken_build_is_exit_2_and_leaves_no_store(build_folder: Path, tmp_path: Path):
    import shutil
    import tempfile

    broken = tmp_path / "build"
    shutil.copytree(build_folder, broken)
    with (broken / "dataset.trig").open("a", encoding="utf-8") as fh:
        fh.write("\n<https://example.org/g> { <https://example.org/s> <https://example.org/p> \n")
    before = set(Path(tempfile.gettempdir()).glob("kg-oxigraph-*"))
    done = run_kg("serve", "--port", str(free_port()), "--build", broken, cwd=tmp_path)
    assert done.returncode == 2
    err = done.stderr.decode()
    assert f"kg: error: {broken / 'dataset.trig'}: could not be read by Oxigraph: Parser error at line " in err
    assert "Traceback" not in err and "backtrace" not in err and "--lenient" not in err
    assert set(Path(tempfile.gettempdir()).glob("kg-oxigraph-*")) <= before


def _children(pid: int) -> list[tuple[int, str]]:
    """The processes whose parent is ``pid``, with their command lines (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _open_files(pid: int) -> list[str]:
    """What process ``pid`` has open (read from /proc; a file closed meanwhile is left out)."""
    import os

    found = []
    try:
        for link in Path(f"/proc/{pid}/fd").iterdir():
            try:
                found.append(os.readlink(link))
            except OSError:
                continue
    except OSError:
        pass
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_kill_9_during_the_load_takes_oxigraph_load_with_it(tmp_path: Path):
    import os
    import sys

    fifo = tmp_path / "data.nq"
    os.mkfifo(fifo)  # oxigraph load waits on it for ever, as it works for minutes on a large build
    script = "import sys\nfrom kg.remote.server import OxigraphServer\nOxigraphServer(None, data=[sys.argv[1]]).start()"
    proc = subprocess.Popen([sys.executable, "-c", script, str(fifo)])
    try:
        deadline = time.monotonic() + 30
        while not (loads := [p for p, cmd in _children(proc.pid) if " load " in cmd]) or not any(
                target.endswith("/store/LOCK") for target in _open_files(loads[0])):
            assert proc.poll() is None and time.monotonic() < deadline, "oxigraph load never opened its store"
            time.sleep(0.05)
        # it has opened its store and now waits on the FIFO; its first line (advice on --lenient) is written by
        # then: a child killed later by the parent's closed pipe (SIGPIPE at its next write) would pass this test
        time.sleep(0.5)
    finally:
        proc.kill()  # SIGKILL: no cleanup in the parent at all
        proc.wait(timeout=20)
    deadline = time.monotonic() + 20
    while Path(f"/proc/{loads[0]}").exists() and "Z" not in Path(f"/proc/{loads[0]}/stat").read_text().split()[2]:
        assert time.monotonic() < deadline, "oxigraph load outlived kill -9 of its parent"
        time.sleep(0.05)
    import tempfile

    from kg.remote.server import STORE_PREFIX, OxigraphServer

    left = list(Path(tempfile.gettempdir()).glob(f"{STORE_PREFIX}{proc.pid}-*"))
    assert left, "the killed process's temporary store"
    OxigraphServer(None).start().stop()  # the next start removes it
    assert not any(folder.exists() for folder in left)


LENIENT = b"Some files like Wikidata dumps contain invalid IRIs or language tags. If you want to load them anyway use " \
          b"the `--lenient` option.\n"
"""The line ``oxigraph load`` always prints first."""


@pytest.mark.parametrize(("returncode", "stderr", "kind", "code", "message"), [
    (1, LENIENT + b"Error while loading file /b/dataset.trig: Parser error at line 7 column 1: Unexpected end\n"
     b"Error: One or more files failed to load\n", "InputError", 2,
     "/b/dataset.trig: could not be read by Oxigraph: Parser error at line 7 column 1: Unexpected end"),
    (1, LENIENT + b"Failed to save triples: IO error: No space left on device: While appending to file: "
     b"/t/kg-oxigraph-1-x/store/000012.sst: No space left on device\n", "OutputError", 4,
     "cannot load /b/dataset.trig into a temporary store in /t: no space left on the device"),
    (-9, LENIENT, "EndpointError", 3,
     "oxigraph load was stopped by signal 9 (killed, or out of memory) while it read /b/dataset.trig"),
    (1, LENIENT + b"Error: something else\n", "EndpointError", 3,
     "oxigraph could not load /b/dataset.trig: Error: something else"),
])
def test_a_failed_load_is_told_by_its_cause(returncode, stderr, kind, code, message):
    from kg.remote.server import load_failure

    error = load_failure(returncode, stderr, [Path("/b/dataset.trig")], Path("/t/kg-oxigraph-1-x"))
    assert type(error).__name__ == kind and error.exit_code == code
    assert str(error).startswith(message) and "--lenient" not in str(error)


def test_serve_build_of_a_folder_named_like_an_option(build_folder: Path, tmp_path: Path, monkeypatch):
    import shutil

    from kg import api

    shutil.copytree(build_folder, tmp_path / "-b")
    monkeypatch.chdir(tmp_path)
    server = api.serve_build(Path("-b"), free_port())  # "-b/dataset.trig" handed to oxigraph load as it is is an option
    try:
        assert _count(server.port) > 0
    finally:
        server.stop()


def _sent_default_graphs(monkeypatch) -> list[list[str]]:
    """The ``default-graph-uri`` lists of every query the client sends from now on."""
    from kg.remote import client

    sent: list[list[str]] = []
    real = client._query_request

    def spy(endpoint, text, default_graphs):  # type: ignore[no-untyped-def]
        sent.append(list(default_graphs))
        return real(endpoint, text, default_graphs)

    monkeypatch.setattr(client, "_query_request", spy)
    return sent


def test_a_served_build_answers_every_query_from_its_union_default_graph(web_build: Path, monkeypatch):
    """Read-only, the default graph is the union of the build's graphs, each triple once, and marked so: the
    client queries it as it is instead of naming every graph (Oxigraph took minutes so on 45 articles), with the
    same rows, in the same order, as the build answers locally."""
    from kg import api
    from kg.query import list_queries

    local = KnowledgeGraph.load(web_build)
    server = api.serve_build(web_build, free_port())
    try:
        sent = _sent_default_graphs(monkeypatch)
        asked = 0
        for query in list_queries():
            if query.is_violation_check or any(p.required for p in query.parameters):
                continue
            expected = local.query(query.name)
            assert local.query(query.name, endpoint=server.endpoint.query_url).rows == expected.rows, query.name
            asked += 1
        assert asked >= 15
        # the graph listing names no graph; every query after it names none either
        assert sent and all(graphs == [] for graphs in sent)
        assert _count(server.port, DEFAULT_COUNT) == len(local.query_graph)  # the ontology's graph included
    finally:
        server.stop()


def test_the_served_union_holds_a_triple_of_two_graphs_once(tmp_path: Path):
    import json

    from kg import api

    graph = "https://w3id.org/ict-coop-kg/graph/"
    build = tmp_path / "build"
    build.mkdir()
    (build / "dataset.trig").write_text(
        f"<{graph}ontology> {{ <urn:x:onto> a <http://www.w3.org/2002/07/owl#Ontology> . }}\n"
        f"<{graph}article/a> {{ <urn:x:s> <urn:x:p> <urn:x:o> . }}\n"
        f"<{graph}article/b> {{ <urn:x:s> <urn:x:p> <urn:x:o> , <urn:x:o2> . }}\n"
        f"<{graph}inferred> {{ <urn:x:s> a <urn:x:C> . }}\n", encoding="utf-8")
    (build / "asserted.ttl").write_text("<urn:x:s> <urn:x:p> <urn:x:o> , <urn:x:o2> .\n", encoding="utf-8")
    (build / "inferred.ttl").write_text("<urn:x:s> a <urn:x:C> .\n", encoding="utf-8")
    sizes = {name: (build / name).stat().st_size for name in ("asserted.ttl", "dataset.trig", "inferred.ttl")}
    (build / "manifest.json").write_text(json.dumps({"sizes": sizes}), encoding="utf-8")  # as a build records them
    server = api.serve_build(build, free_port())
    try:
        assert _count(server.port) == 5  # the quads of the four graphs
        assert _count(server.port, DEFAULT_COUNT) == 4  # the shared triple once, the ontology's triple too
    finally:
        server.stop()


def test_a_writable_server_keeps_oxigraphs_union_and_no_mark(build_folder: Path, monkeypatch):
    """Writes would leave a copied union behind: a writable server's default graph is Oxigraph's union of its
    graphs, and the client names the graphs, as with any server."""
    from kg import api
    from kg.remote.client import _server_graphs

    server = api.serve_build(build_folder, free_port(), writable=True)
    try:
        graphs, union = _server_graphs(server.endpoint)
        assert graphs and not union
        sent = _sent_default_graphs(monkeypatch)
        assert KnowledgeGraph.load(build_folder).query("agreements").rows == \
            KnowledgeGraph.load(build_folder).query("agreements", endpoint=server.endpoint.query_url).rows
        assert sent[-1] == graphs
        assert _count(server.port, DEFAULT_COUNT) == _count(server.port)  # a triple once per graph
    finally:
        server.stop()


@pytest.mark.parametrize(("change", "why"), [
    ("removed", "cannot read"), ("emptied", "changed since the build"), ("sizes not recorded", "records no size")])
def test_a_build_folder_without_its_turtle_files_is_served_as_before(change: str, why: str, build_folder: Path,
                                                                      tmp_path: Path):
    """The union is loaded from the Turtle files only while the build's manifest vouches for them (the sizes it
    wrote): else from dataset.trig alone, with Oxigraph's union as the default graph, no mark, and a note."""
    import json
    import shutil

    from kg import api
    from kg.remote.client import _server_graphs

    partial = tmp_path / "build"
    shutil.copytree(build_folder, partial)
    if change == "removed":
        (partial / "inferred.ttl").unlink()
    elif change == "emptied":
        (partial / "inferred.ttl").write_bytes(b"")
    else:  # a build from an older kg
        manifest = json.loads((partial / "manifest.json").read_text(encoding="utf-8"))
        del manifest["sizes"]
        (partial / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    server = api.serve_build(partial, free_port())
    try:
        graphs, union = _server_graphs(server.endpoint)
        assert graphs and not union  # no union without every file that holds it
        assert len(server.notes) == 1 and why in server.notes[0] and "Oxigraph's union" in server.notes[0]
        assert _count(server.port, DEFAULT_COUNT) == _count(server.port)
    finally:
        server.stop()


@pytest.mark.parametrize(("returncode", "stderr", "kind", "code", "message"), [
    (1, b"Failed: IO error: No space left on device: While appending to file: /t/x/store/000012.sst\n",
     "OutputError", 4, "cannot change the temporary store in /t: no space left on the device"),
    (-9, b"", "EndpointError", 3, "oxigraph update was stopped by signal 9 (killed, or out of memory)"),
    (1, b"Error: something else\n", "EndpointError", 3, "oxigraph could not change the loaded store: Error: something"),
])
def test_a_failed_update_of_the_served_store_is_told_by_its_cause(returncode, stderr, kind, code, message):
    from kg.remote.server import update_failure

    error = update_failure(returncode, stderr, Path("/t/x"))
    assert type(error).__name__ == kind and error.exit_code == code
    assert str(error).startswith(message)


def test_publishing_to_a_server_takes_its_union_mark_away(build_folder: Path, built: KnowledgeGraph, tmp_path: Path):
    """A dump of a served build loaded into a writable server keeps the mark; once a graph is published there, its
    default graph is no longer the union of its graphs, and the client must name them again."""
    from kg import api
    from kg.remote.client import _server_graphs
    from kg.remote.server import OxigraphServer

    served = api.serve_build(build_folder, free_port())
    try:
        with urllib.request.urlopen(urllib.request.Request(
                f"{served.base_url}/store", headers={"Accept": "application/n-quads"}), timeout=30) as answer:
            dump = answer.read()
    finally:
        served.stop()
    copy = tmp_path / "dump.nq"
    copy.write_bytes(dump)
    with OxigraphServer(None, data=[copy], writable=True) as server:
        assert _server_graphs(server.endpoint)[1]  # the mark came with the dump
        built.publish(server.endpoint, graphs=[str(KnowledgeGraph.load(build_folder).graphs.names()[0])],
                      replace=True)
        graphs, union = _server_graphs(server.endpoint)
        assert graphs and not union


def test_a_port_taken_after_the_check_is_told_as_taken_not_served(monkeypatch):
    """Another program may take the port between the check and the server's start (a large build loads for a
    minute in between): a connection to that program is not our server ready."""
    from kg.errors import EndpointError
    from kg.remote import server as srv

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        monkeypatch.setattr(srv, "port_in_use", lambda _port: False)  # it was free when checked
        started = srv.OxigraphServer(port)
        with pytest.raises(EndpointError, match=f"port {port} on 127.0.0.1 is already in use"):
            started.start()
        assert started.process is not None and started.process.poll() is not None
