"""Faults the tool must survive: interrupts, concurrent builds, full or read-only disks, failing servers, secrets."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg import KnowledgeGraph, resources
from kg.remote import Endpoint, OxigraphServer, free_port, publish, remote_query
from kg.errors import EndpointError, OutputError
from kg.signals import SignalsDeferred, Terminated, install_handlers

from .conftest import KG_EXE, invoke, run_kg, tree_snapshot
from .test_server import FaultServer


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def _first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("first-build")
    g = KnowledgeGraph.build()
    g.validate()
    g.write(folder / "build")
    return folder / "build"


@pytest.fixture()
def previous(tmp_path: Path, _first_build: Path) -> tuple[Path, dict[str, bytes]]:
    """A folder with a finished build, and a snapshot of its bytes."""
    shutil.copytree(_first_build, tmp_path / "build")
    return tmp_path, tree_snapshot(tmp_path / "build")


OTHER = "Fault Test Forum"
"""The label of the one entity :func:`other_data` adds (one the packaged data does not have: it came to hold
Saudi Arabia, which this data once added, and the two builds were then the same)."""


def _other_data(folder: Path) -> Path:
    data = folder / "other-data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    with open(data / "reference" / "entities.ttl", "a", encoding="utf-8") as fh:
        fh.write('\n<https://w3id.org/ict-coop-kg/id/org/fault-test-forum> a kg:Organization ;\n'
                 f'    rdfs:label "منتدى اختبار الأعطال"@ar , "{OTHER}"@en .\n')
    return data


@pytest.fixture()
def other_data(tmp_path: Path) -> Path:
    """Data that builds to a different output (one more reference entity)."""
    return _other_data(tmp_path)


@pytest.fixture(scope="module")
def other_build(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    """:func:`other_data` built and validated once, for the tests that only write it (writing leaves it as it is)."""
    g = KnowledgeGraph.build(_other_data(tmp_path_factory.mktemp("other")))
    g.validate()
    return g


# --- interrupted builds ----------------------------------------------------------------


@pytest.mark.parametrize("stage", ["load", "reason", "validate", "write"])
def test_exception_at_any_stage_leaves_the_previous_build(previous, other_data: Path, monkeypatch, stage: str):
    folder, before = previous
    from kg import api, reason, validate

    def boom(*args, **kwargs):
        raise RuntimeError(f"injected at {stage}")

    if stage == "load":
        monkeypatch.setattr(api, "load_graphs", boom)
    elif stage == "reason":  # both engines' entry points
        monkeypatch.setattr(reason, "infer", boom)
        monkeypatch.setattr(reason, "infer_fast", boom)
    elif stage == "validate":
        monkeypatch.setattr(validate, "validate_reference", boom)
        monkeypatch.setattr(validate, "validate_fast", boom)
    else:
        real = pathlib.Path.write_bytes
        calls = []

        def third_file_fails(self, data):
            calls.append(self)
            if len(calls) == 3:
                raise RuntimeError("injected at write")
            return real(self, data)

        monkeypatch.setattr(pathlib.Path, "write_bytes", third_file_fails)
    with pytest.raises(RuntimeError, match="injected"):
        g = KnowledgeGraph.build(other_data)
        g.validate()
        g.write(folder / "build")
    assert tree_snapshot(folder / "build") == before
    assert leftovers(folder) == []


@pytest.mark.parametrize("errno_code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_full_or_read_only_disk_gives_a_clear_message(previous, other_build: KnowledgeGraph, monkeypatch,
                                                      errno_code: int):
    folder, before = previous
    g = other_build
    real = pathlib.Path.write_bytes

    def fail(self, data):
        if self.name == "inferred.ttl":
            raise OSError(errno_code, os.strerror(errno_code))
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", fail)
    with pytest.raises(OutputError) as info:
        g.write(folder / "build")
    assert {errno.ENOSPC: "no space left", errno.EROFS: "read-only", errno.EACCES: "permission denied"}[errno_code] \
        in str(info.value)
    assert "unchanged" in str(info.value) and info.value.exit_code == 4
    assert tree_snapshot(folder / "build") == before
    assert leftovers(folder) == []


def test_export_to_a_full_disk(previous, monkeypatch):
    folder, _ = previous
    import kg.fsutil as fsutil

    target = folder / "out.ttl"
    target.write_bytes(b"old")

    def full(fd, *args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fsutil.os, "fsync", full)
    with pytest.raises(OutputError, match="no space left"):
        fsutil.write_bytes_atomic(target, b"new content")
    assert target.read_bytes() == b"old"
    assert leftovers(folder) == []


def _paused_build(folder: Path, data: Path, point: str, *, env: dict[str, str] | None = None
                  ) -> subprocess.Popen[bytes]:
    """A real ``kg build`` stopped at the fault point ``point`` (see kg.signals.fault_point): the marker file
    appears when it gets there, so the test acts at exactly that step, whatever the machine's load."""
    marker = folder / f"paused-at-{point}"
    proc = subprocess.Popen([str(KG_EXE), "build", "--data", str(data), "--quiet"], cwd=folder,
                            env={**os.environ, **(env or {}), "KG_FAULT_PAUSE": f"{point}:{marker}"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the build ended ({proc.returncode}) before {point}: {proc.stderr.read()!r}")
        assert time.monotonic() < deadline, f"the build never reached {point}"
        time.sleep(0.02)
    marker.unlink()
    return proc


@pytest.mark.parametrize(("sig", "code", "point"), [
    *((signal.SIGTERM, 143, point) for point in ("startup", "load", "reason", "validate", "write", "staged")),
    (signal.SIGINT, 130, "startup"), (signal.SIGINT, 130, "validate"),
])
def test_a_signal_at_each_step_exits_with_its_code_and_leaves_the_old_build(previous, other_data: Path, sig, code,
                                                                          point):
    folder, before = previous
    proc = _paused_build(folder, other_data, point)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err.decode()
    assert b"Traceback" not in err, err.decode()
    assert tree_snapshot(folder / "build") == before
    assert leftovers(folder) == []


@pytest.mark.parametrize(("signum", "raised"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)])
def test_signals_wait_for_the_end_of_a_deferred_block_whichever_thread_receives_them(signum, raised):
    """Blocking the signals in the main thread (what the swap did) does not hold them back when the system hands
    them to another thread: Python still runs the handler in the main thread, in the middle of the swap."""
    import threading

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    install_handlers()
    try:
        go, sent = threading.Event(), threading.Event()

        def other_thread() -> None:  # a thread that does not block the signal, as Oxigraph's and rich's do not
            go.wait(10)
            signal.pthread_kill(threading.get_ident(), signum)
            sent.set()

        helper = threading.Thread(target=other_thread)
        helper.start()
        with SignalsDeferred() as deferred:
            go.set()
            assert sent.wait(10)
            for _ in range(100):  # bytecode boundaries, where Python would run a handler
                time.sleep(0.001)
            noted = list(deferred.received)
        helper.join(10)
        assert noted == [signum]
        with pytest.raises(raised):
            deferred.deliver()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def test_an_interrupted_publish_waits_seconds_at_most_for_its_cleanup_and_says_if_it_failed(built: KnowledgeGraph,
                                                                                           monkeypatch):
    """Ctrl-C when the server hangs: the DROP of the staging graph waited the whole --timeout (60 s by default),
    then the message said the graph was dropped."""
    import kg.remote.publisher as endpoint

    with OxigraphServer() as server:
        ep = dataclasses.replace(server.endpoint, timeout=60.0, retries=2)
        real_update = endpoint.update
        drops: list[Endpoint] = []

        def update(ep_, text):
            if text.startswith("INSERT"):
                raise KeyboardInterrupt()
            if text.startswith("DROP SILENT GRAPH") and "/staging-" in text:
                drops.append(ep_)
                raise EndpointError("no answer within 5 s (timeout)", transient=False)
            return real_update(ep_, text)

        def post(*_args, **_kwargs):
            raise KeyboardInterrupt()

        monkeypatch.setattr(endpoint, "update", update)
        monkeypatch.setattr(endpoint, "post", post)
        with pytest.raises(KeyboardInterrupt) as info:
            publish(built.dataset, ep, batch_size=200)
    assert [(d.timeout, d.retries) for d in drops] == [(endpoint.CLEANUP_TIMEOUT, 0)]
    assert re.search(r"the staging graph of the one being sent could not be dropped: drop \S+/staging-[0-9a-f]+ on "
                     r"the server", info.value.written_to)


def test_a_query_under_the_operator_limit_runs_in_the_worker_thread(previous):
    """With the stack limit unlimited, glibc gives a new thread 2 MiB: a query the main thread answered (1,999
    operators, under kg.query.MAX_OPERATORS) crashed the process (SIGSEGV, exit 139) in the query thread."""
    folder, _before = previous
    (folder / "ops.rq").write_text("ASK { FILTER(" + "1+" * 1999 + "1 > 0) }\n", encoding="utf-8")
    result = subprocess.run(["sh", "-c", 'ulimit -s unlimited && exec "$0" query --file ops.rq', str(KG_EXE)],
                            cwd=folder, capture_output=True, timeout=300, check=False)
    assert result.returncode == 0 and result.stdout == b"yes\n", result.stderr.decode()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_long_local_query_ends_at_a_signal(previous, sig, code):
    """Oxigraph does not hand control back during one evaluation, and Python runs signal handlers between
    its own steps only: a cartesian product ran on for ten minutes after Ctrl-C, and SIGTERM, until kill -9."""
    folder, _before = previous
    (folder / "cart.rq").write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\n",
                                    encoding="utf-8")
    proc = subprocess.Popen([str(KG_EXE), "query", "--file", "cart.rq"], cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        time.sleep(3)  # well into the query (it would take hours)
        assert proc.poll() is None
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == code, err.decode()
    assert b"Traceback" not in err


@pytest.mark.parametrize(("sig", "code", "word"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")])
@pytest.mark.parametrize(("point", "env"), [("exchanged", {}), ("between-renames", {"KG_FAULT_NO_EXCHANGE": "1"}),
                                            ("staged", {})])
def test_a_signal_during_the_swap_says_whether_the_new_build_is_in_place(previous, other_data: Path, sig: str,
                                                                        code: int, word: str, point: str,
                                                                        env: dict[str, str]):
    """Signals wait for the swap of the build folder; one that came during it is raised once the new build is in
    place, so the message must say so (it said "nothing was written"). Before the swap it is still true."""
    folder, before = previous
    result = subprocess.run([str(KG_EXE), "build", "--data", str(other_data), "--quiet"], cwd=folder,
                            env={**os.environ, **env, "KG_FAULT_SIGNAL": f"{point}:{sig}"}, capture_output=True,
                            timeout=300, check=False)
    err = result.stderr.decode()
    assert result.returncode == code, err
    assert "Traceback" not in err and err.startswith(f"kg: {word}")
    after = tree_snapshot(folder / "build")
    if point == "staged":
        assert "nothing was written" in err and after == before
    else:
        assert f"{folder / 'build'}/ had already been written in full" in err
        assert "nothing was written" not in err
        assert OTHER in after["asserted.ttl"].decode() and OTHER not in before["asserted.ttl"].decode()
    assert leftovers(folder) == []


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_as_a_command_finishes_still_gives_its_code(previous, sig, code):
    """After the command's work, during the interpreter's shutdown, a signal must not end in -15 / a traceback."""
    folder, _before = previous
    marker = folder / "finished"
    proc = subprocess.Popen([str(KG_EXE), "stats", "-f", "json"], cwd=folder,
                            env={**os.environ, "KG_FAULT_PAUSE": f"finished:{marker}"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.02)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err.decode()
    assert b"Traceback" not in err and json.loads(out)["graphs"]  # the work itself was done and written


@pytest.mark.parametrize(("point", "outcome", "env"), [
    ("load", "old", {}),
    ("staged", "old", {}),
    ("exchanged", "new", {}),
    ("between-renames", "old", {"KG_FAULT_NO_EXCHANGE": "1"}),  # the two-rename swap of systems without exchange
])
def test_kill_9_at_each_step_leaves_the_old_or_the_new_build_and_the_next_run_cleans_up(
        previous, other_data: Path, point: str, outcome: str, env: dict[str, str]):
    folder, before = previous
    proc = _paused_build(folder, other_data, point, env=env)
    proc.kill()  # SIGKILL: no handler, no finally clause runs
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # the next command that reads the build repairs what the killed one left, instead of building anew
    result = run_kg("stats", "--format", "json", cwd=folder)
    assert result.returncode == 0, result.stderr.decode()
    assert b"building" not in result.stderr
    after = tree_snapshot(folder / "build")
    if outcome == "old":
        assert after == before
    else:
        assert OTHER in after["asserted.ttl"].decode() and OTHER not in before["asserted.ttl"].decode()
        assert json.loads(after["manifest.json"])["conforms"] is True
    assert leftovers(folder) == []


def test_leftovers_of_a_live_build_are_not_touched(previous, other_data: Path):
    folder, before = previous
    proc = _paused_build(folder, other_data, "staged")
    try:
        staging = leftovers(folder)
        assert len(staging) == 1 and staging[0].endswith(".tmp")
        assert run_kg("stats", "--format", "json", cwd=folder).returncode == 0
        assert leftovers(folder) == staging  # its owner still runs
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    assert tree_snapshot(folder / "build") == before


def test_two_builds_at_once_end_with_one_whole_build(previous, other_data: Path, tmp_path: Path):
    folder, before_a = previous
    ref_b = tmp_path / "ref-b"
    assert run_kg("build", "--data", other_data, "--out", ref_b, "--quiet", cwd=tmp_path).returncode == 0
    before_b = tree_snapshot(ref_b)
    assert before_a != before_b  # else the check below could not tell which build won, or a mix
    for _ in range(2):
        procs = [subprocess.Popen([str(KG_EXE), "build", "--quiet", *extra], cwd=folder,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for extra in ([], ["--data", str(other_data)])]
        for p in procs:
            assert p.wait(timeout=120) == 0, p.stderr.read().decode()
        assert tree_snapshot(folder / "build") in (before_a, before_b)
        assert leftovers(folder) == []


# --- remote servers ----------------------------------------------------------------------


def test_dns_failure(monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(EndpointError, match="does not resolve") as info:
        remote_query(Endpoint("http://sparql.example.invalid/query", retries=2, backoff=0.01), "ASK {}", graphs=[])
    assert not info.value.transient  # a permanent error: not retried


@pytest.mark.parametrize(("status", "message", "attempts"), [
    (401, "authentication refused", 1), (403, "forbidden", 1), (404, "not found", 1),
    (500, "HTTP 500", 1), (503, "HTTP 503", 3),
])
def test_http_errors(status: int, message: str, attempts: int):
    with FaultServer(status, b"server says no") as server:
        with pytest.raises(EndpointError, match=message) as info:
            remote_query(Endpoint(server.url, retries=2, backoff=0.01), "ASK {}", graphs=[])
        assert info.value.status == status and server.requests == attempts
        assert "server says no" in str(info.value)


def _count(ep: Endpoint, graph: str) -> int:
    return int(remote_query(ep, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {URIRef(graph).n3()} {{ ?s ?p ?o }} }}",
                            graphs=[]).rows[0]["n"])


@pytest.mark.parametrize("stop", [KeyboardInterrupt, Terminated])
def test_publish_stopped_by_a_signal_drops_its_staging_graph_and_says_what_the_server_holds(
        built: KnowledgeGraph, monkeypatch, stop):
    """Ctrl-C / SIGTERM in the middle of a graph left its staging graph on the server, under the build's own
    prefix, so later queries counted its triples twice; and the message said "nothing was written"."""
    import kg.remote.publisher as endpoint

    with OxigraphServer() as server:
        ep = server.endpoint
        real_post, real_update = endpoint.post, endpoint.update
        batches: list[str] = []  # the staging graph of each batch sent (by the graph store protocol or updates)

        def third_graphs_second_batch(staging: str) -> None:
            batches.append(staging)
            if len(set(batches)) == 3 and batches.count(staging) == 2:
                raise stop()

        def post(ep_, url, *args, **kwargs):
            third_graphs_second_batch(re.search(r"staging-[0-9a-f]+", urllib.parse.unquote(url)).group())
            return real_post(ep_, url, *args, **kwargs)

        def update(ep_, text):
            if text.startswith("INSERT"):
                third_graphs_second_batch(re.search(r"staging-[0-9a-f]+", text).group())
            return real_update(ep_, text)

        monkeypatch.setattr(endpoint, "update", update)
        monkeypatch.setattr(endpoint, "post", post)
        with pytest.raises(stop) as info:
            publish(built.dataset, ep, batch_size=200)
        monkeypatch.undo()
        held = endpoint.project_graphs(ep)
        assert not [g for g in held if "/staging-" in g], "no staging graph left behind"
        assert len(held) == 2  # the two graphs published before the signal, whole
        said = info.value.written_to  # what kg.cli prints after "kg: interrupted;"
        assert all(g in said.split("; the others")[0] for g in held)


def test_publish_interrupted_half_way_leaves_each_graph_old_or_new(built: KnowledgeGraph, monkeypatch):
    import kg.remote.publisher as endpoint

    from kg.namespaces import REFERENCE_GRAPH, ONTOLOGY_GRAPH

    with OxigraphServer() as server:
        ep = server.endpoint
        publish(built.dataset, ep, replace=True)
        old = {g: _count(ep, g) for g in endpoint.project_graphs(ep)}
        built.dataset.graph(REFERENCE_GRAPH).add((URIRef("urn:x"), URIRef("urn:y"), Literal("new")))
        try:
            real_update = endpoint.update
            moves = []

            def fail_third_move(ep_, text):
                if text.startswith("MOVE"):
                    moves.append(text)
                    if len(moves) == 3:
                        raise EndpointError("injected: connection reset", transient=False)
                return real_update(ep_, text)

            monkeypatch.setattr(endpoint, "update", fail_third_move)
            with pytest.raises(EndpointError) as info:
                publish(built.dataset, ep, replace=True, batch_size=200)
            message = str(info.value)
            assert "graphs written completely:" in message and "not written" in message
            names = sorted(old)
            written, unwritten = names[:2], names[2:]
            for g in written:
                assert g in message.split("not written")[0]
            for g in unwritten:
                assert g in message.split("not written")[1]
            monkeypatch.undo()
            now = {g: _count(ep, g) for g in endpoint.project_graphs(ep)}
            assert set(now) == set(old), "no staging graph left behind"
            assert str(REFERENCE_GRAPH) in unwritten and now[str(REFERENCE_GRAPH)] == old[str(REFERENCE_GRAPH)]
            assert now[str(ONTOLOGY_GRAPH)] == old[str(ONTOLOGY_GRAPH)]
        finally:
            built.dataset.graph(REFERENCE_GRAPH).remove((URIRef("urn:x"), None, None))


def test_secrets_never_appear_in_output_messages_or_files(tmp_path: Path):
    secret = "n3tRc-S3cret-value"
    netrc_file = tmp_path / "netrc"
    netrc_file.write_text(f"machine 127.0.0.1 login bob password {secret}\n")
    netrc_file.chmod(0o600)
    env = {"NETRC": str(netrc_file), "KG_ENDPOINT_USER": "", "KG_ENDPOINT_PASSWORD": ""}
    env = {k: v for k, v in env.items() if v} | {"HOME": str(tmp_path)}
    # the user's cache stays where it is (with HOME moved, the build would generate its OWL-RL rules again)
    env["XDG_CACHE_HOME"] = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    seen = []
    assert run_kg("build", "--quiet", cwd=tmp_path, env=env).returncode == 0
    with FaultServer(401, "bad credentials for bob".encode()) as server:
        for args in (["query", "who-met-whom", "--endpoint", server.url, "--graph", "urn:g"],
                     ["publish", "--endpoint", server.url, "--retries", "0"]):
            result = run_kg(*args, cwd=tmp_path, env=env)
            seen.append(result.stdout + result.stderr)
            assert result.returncode == 3
        assert all(h.startswith("Basic ") for h in server.auth_headers)  # netrc credentials were used
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != netrc_file:
            seen.append(path.read_bytes())
    assert not any(secret.encode() in blob for blob in seen)
    with pytest.raises(EndpointError) as info:
        remote_query(Endpoint(f"http://127.0.0.1:{free_port()}/query", retries=0,
                              credentials=("bob", secret)), "ASK {}", graphs=[])
    assert secret not in str(info.value) and secret not in repr(info.value)


@pytest.fixture()
def handlers():
    """The process's SIGINT / SIGTERM handlers, put back after the test (the kg entry point replaces them)."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    yield
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # the entry point blocks both as a command finishes
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_sigterm_during_a_query_is_not_mistaken_for_a_query_error(previous, other_data: Path, monkeypatch,
                                                                  handlers):
    """The SIGTERM handler's exception must pass through code that catches Exception (the query stage)."""
    from kg import cli
    from kg.engine.store import AssertedStore
    from kg.query import get_query

    folder, before = previous
    real_query = AssertedStore.select
    target = get_query("quote-offsets-mismatch-violation").text  # where CI once saw SIGTERM land

    def signal_arrives(self, query_object, *args, **kwargs):
        if query_object == target:
            os.kill(os.getpid(), signal.SIGTERM)
        return real_query(self, query_object, *args, **kwargs)

    monkeypatch.setattr(AssertedStore, "select", signal_arrives)
    monkeypatch.chdir(folder)
    with pytest.raises(SystemExit) as info:
        cli.main(["build", "--data", str(other_data), "--quiet"])
    assert info.value.code == 143
    assert tree_snapshot(folder / "build") == before
    assert leftovers(folder) == []


def test_sigterm_during_a_remote_request_is_not_retried_or_reported_as_a_server_error(monkeypatch, handlers):
    from SPARQLWrapper import SPARQLWrapper

    def signal_arrives(self):
        os.kill(os.getpid(), signal.SIGTERM)

    install_handlers()
    monkeypatch.setattr(SPARQLWrapper, "_createRequest", signal_arrives)
    with pytest.raises(Terminated):
        remote_query(Endpoint("http://127.0.0.1:9/query", retries=2, backoff=0.01), "ASK {}", graphs=[])


@pytest.mark.parametrize("signal_name, code, said", [("SIGINT", 130, "interrupted"),
                                                      ("SIGTERM", 143, "terminated (SIGTERM)")])
def test_a_signal_after_the_build_is_in_place_says_it_was_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   signal_name: str, code: int, said: str):
    """Ctrl-C while the build's table is printed: the new build is already in place, and the message says so."""
    import kg.cli

    def stopped(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt if signal_name == "SIGINT" else Terminated()

    monkeypatch.setattr(kg.cli, "_print_stats", stopped)
    result = invoke("build", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == code
    assert f"kg: {said}; {tmp_path / 'out'}/ had already been written in full and replaced the previous one" \
        in result.stderr.decode(), result.stderr.decode()
    assert json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["conforms"] is True


def test_the_folder_last_put_in_place_is_known_to_the_process_unless_kept_for_itself(tmp_path: Path):
    """What a later interrupt's message reads (kg.cli._what_was_written): a command's output, not a folder such as
    the kept query store that a command keeps for itself."""
    from kg import fsutil

    fsutil.forget_swapped()
    with fsutil.staged_dir(tmp_path / "kept", marker=False, announce=False) as staging:
        (staging / "x").write_text("x")
    assert fsutil.last_swapped() is None
    with fsutil.staged_dir(tmp_path / "out") as staging:
        (staging / "x").write_text("x")
    assert fsutil.last_swapped() == (tmp_path / "out").absolute()
    with pytest.raises(RuntimeError), fsutil.staged_dir(tmp_path / "other") as staging:
        raise RuntimeError("the body failed: nothing is put in place")
    assert fsutil.last_swapped() == (tmp_path / "out").absolute()
    fsutil.forget_swapped()
    assert fsutil.last_swapped() is None
