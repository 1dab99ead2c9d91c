"""The same queries on OpenLink Virtuoso (Debian's virtuoso-opensource-7), on loopback, publishing by SPARQL Update.

Skipped when ``virtuoso-t`` is not installed; ``.ci/run`` installs it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.remote import Endpoint, free_port, publish, remote_query

from .test_server import query_cases

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(shutil.which("virtuoso-t") is None, reason="virtuoso-t is not installed (apt-get install "
                       "virtuoso-opensource-7-bin)"),
]

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


@contextlib.contextmanager
def _virtuoso_with(folder: Path, dataset) -> Iterator[Endpoint]:  # type: ignore[no-untyped-def]
    """A throw-away Virtuoso on loopback in ``folder``, with ``dataset`` published to it."""
    sql, http = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(INI.format(d=folder, sql=sql, http=http))
    proc = subprocess.Popen(["virtuoso-t", "-f", "-c", str(folder / "virtuoso.ini")], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http}/sparql"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("virtuoso did not start: " + (folder / "virtuoso.log").read_text()[-500:])
                time.sleep(0.3)
        # the anonymous SPARQL user may update (on loopback, in a throw-away database)
        subprocess.run(["isql-vt", str(sql), "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                       check=True, capture_output=True, timeout=60)
        endpoint = Endpoint.from_url(url, timeout=60)
        report = publish(dataset, endpoint, replace=True, batch_size=1000)
        assert report.protocol == "update" and len(report.graphs) == len([g for g in dataset.graphs() if len(g)])
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory, built: KnowledgeGraph) -> Iterator[Endpoint]:
    assert len([g for g in built.dataset.graphs() if len(g)]) == 4
    with _virtuoso_with(tmp_path_factory.mktemp("virtuoso"), built.dataset) as endpoint:
        yield endpoint


@pytest.mark.parametrize(("name", "params"), list(query_cases()))
def test_same_rows_locally_and_on_virtuoso(built: KnowledgeGraph, virtuoso: Endpoint, name: str, params):
    local = built.query(name, **params)
    remote = built.query(name, endpoint=virtuoso, **params)
    assert remote.variables == local.variables
    assert remote.rows == local.rows, "\n".join(map(str, [*local.records(), "--- remote:", *remote.records()]))


def test_published_graphs_are_whole_on_virtuoso(built: KnowledgeGraph, virtuoso: Endpoint):
    for g in built.dataset.graphs():
        if len(g):
            n = remote_query(virtuoso, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g.identifier.n3()} {{ ?s ?p ?o }} }}",
                             graphs=[])
            assert int(n.rows[0]["n"]) == len(g), g.identifier


# --- issue 8: the domain test articles (tests/fixtures/domain) and the queries written for them ------------------

DOMAIN = Path(__file__).parent / "fixtures" / "domain" / "data"
DOMAIN_CASES = [
    ("infrastructure-between", {}), ("infrastructure-between", {"country_a": "EG", "country_b": "JO"}),
    ("infrastructure-between", {"city": "city/aqaba"}), ("agreements-signed", {}),
    ("agreements-signed", {"country_a": "JO", "country_b": "EG"}), ("committee-sessions", {}),
    ("committee-sessions", {"country": "JO"}), ("capacity-by-country", {}), ("capacity-by-country", {"country": "JO"}),
]


@pytest.fixture(scope="module")
def domain_build() -> KnowledgeGraph:
    return KnowledgeGraph.build(DOMAIN)


@pytest.fixture(scope="module")
def domain_virtuoso(tmp_path_factory: pytest.TempPathFactory, domain_build: KnowledgeGraph) -> Iterator[Endpoint]:
    with _virtuoso_with(tmp_path_factory.mktemp("virtuoso-domain"), domain_build.dataset) as endpoint:
        yield endpoint


@pytest.mark.parametrize(("name", "params"), DOMAIN_CASES)
def test_domain_queries_same_rows_on_virtuoso(domain_build: KnowledgeGraph, domain_virtuoso: Endpoint, name: str,
                                              params):
    local = domain_build.query(name, **params)
    assert len(local) > 0
    remote = domain_build.query(name, endpoint=domain_virtuoso, **params)
    assert remote.variables == local.variables
    assert remote.rows == local.rows, "\n".join(map(str, [*local.records(), "--- remote:", *remote.records()]))
