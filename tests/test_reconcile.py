"""The reconciliation service (W3C Reconciliation Service API v0.2), with the requests the specification shows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph

from .conftest import KG_EXE

pytest.importorskip("starlette")
pytest.importorskip("httpx")

ID = "https://w3id.org/ict-coop-kg/id/"
PERSON = "https://w3id.org/ict-coop-kg/ontology#Person"
HANANDEH = ID + "person/ahmed-al-hanandeh"


@pytest.fixture(scope="module")
def client(built: KnowledgeGraph):
    from starlette.testclient import TestClient

    from kg.ingest.reconcile import create_app

    with TestClient(create_app(built.lookup_index), base_url="http://127.0.0.1:8000") as c:
        yield c


def _check_candidate(c: dict) -> None:
    assert isinstance(c["id"], str) and isinstance(c["name"], str) and isinstance(c["score"], (int, float))
    assert isinstance(c["match"], bool)
    assert all(isinstance(t["id"], str) and isinstance(t["name"], str) for t in c["type"])


def test_manifest(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    m = r.json()
    assert "0.2" in m["versions"] and m["name"]
    assert m["identifierSpace"] == ID and m["schemaSpace"] == "https://w3id.org/ict-coop-kg/ontology#"
    assert {"id": PERSON, "name": "Person"} in m["defaultTypes"]
    assert "{{id}}" in m["preview"]["url"] and m["preview"]["width"] > 0 and m["preview"]["height"] > 0
    assert m["preview"]["url"].startswith("http://127.0.0.1:8000/")


def test_batch_by_post_form(client):
    batch = {"q0": {"query": "احمد الهناندة"},
             "q1": {"query": "Ahmad Hanandeh", "type": PERSON, "limit": 2},
             "q2": {"query": "Sami Smeirat", "type": [PERSON]}}
    r = client.post("/", data={"queries": json.dumps(batch, ensure_ascii=False)})
    assert r.status_code == 200
    out = r.json()
    assert set(out) == {"q0", "q1", "q2"}
    for key in out:
        for c in out[key]["result"]:
            _check_candidate(c)
    q0 = out["q0"]["result"][0]
    assert q0["id"] == HANANDEH and q0["match"] is True and q0["name"] == "أحمد الهنانده"  # Arabic query, Arabic name
    assert q0["description"] == "Ahmed Al-Hanandeh"
    q1 = out["q1"]["result"]
    assert len(q1) <= 2 and q1[0]["id"] == HANANDEH and q1[0]["name"] == "Ahmed Al-Hanandeh"
    assert q1[0]["type"] == [{"id": PERSON, "name": "Person"}]
    assert not [c for c in out["q2"]["result"] if c["match"]]  # a new person is never a match
    scores = [c["score"] for c in out["q0"]["result"]]
    assert scores == sorted(scores, reverse=True)


def test_batch_by_get(client):
    queries = json.dumps({"a": {"query": "Telecom Egypt"}})
    r = client.get("/?" + urllib.parse.urlencode({"queries": queries}))
    assert r.json()["a"]["result"][0]["id"] == ID + "organization/telecom-egypt"


def test_single_query(client):
    assert client.get("/", params={"query": "الاردن"}).json()["result"][0]["id"] == ID + "country/JO"
    r = client.post("/", data={"query": json.dumps({"query": "Egypt", "type": "https://w3id.org/ict-coop-kg/ontology#Country"})})
    assert [c["id"] for c in r.json()["result"]] == [ID + "country/EG"]


def test_preview(client):
    r = client.get("/preview", params={"id": HANANDEH})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Ahmed Al-Hanandeh" in r.text and 'lang="ar" dir="rtl">أحمد الهنانده<' in r.text
    assert client.get("/preview", params={"id": ID + "person/nobody"}).status_code == 404


def test_cors_and_jsonp(client):
    r = client.get("/", headers={"Origin": "https://openrefine.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.get("/", params={"query": "Egypt", "callback": "cb"})
    assert r.text.startswith("cb(") and r.headers["content-type"].startswith("application/javascript")
    assert client.get("/", params={"query": "Egypt", "callback": "alert(1)//"}).status_code == 400


@pytest.mark.parametrize("queries", ["not json", "[]", "{}", '{"q0": {"query": ""}}', '{"q0": {"query": "x", "limit": 0}}',
                                     '{"q0": {"query": "x", "type": "http://example.org/Nope"}}', '{"q0": 5}'])
def test_bad_requests_are_400(client, queries: str):
    r = client.post("/", data={"queries": queries})
    assert r.status_code == 400 and "error" in r.json()


@pytest.mark.parametrize("post", [
    {"json": {"queries": {"q0": {"query": "Amr Talaat"}}}},
    {"content": b"queries=%7B%7D", "headers": {"content-type": "text/plain"}},
    {"files": {"queries": ("q.json", b'{"q0": {"query": "Amr Talaat"}}', "application/json")}},
])
def test_a_post_whose_queries_are_not_form_fields_is_400_not_the_manifest(client, post: dict):
    """The service read nothing from these and answered the manifest (200): a client using the wrong encoding
    got no error. A POST without a body still gets the manifest."""
    r = client.post("/", **post)
    assert r.status_code == 400 and "form fields" in r.json()["error"]
    assert client.post("/").json()["name"]


@pytest.mark.parametrize(("queries", "message"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"q0":' * 50_000 + "1" + "}" * 50_000, "nested too deeply"),
    ('{"\\ud800": {"query": "Amr"}}', "lone surrogate (U+D800)"),
    ('{"q0": {"query": "Amr \\udfff"}}', "lone surrogate (U+DFFF)"),
    (json.dumps({"q0": {"query": "word " * 201}}), "1005 characters; a name to reconcile may have at most 1000"),
])
def test_requests_python_cannot_take_are_400_not_500(client, queries: str, message: str):
    """Each was a 500 with a traceback on the server's standard error (RecursionError, UnicodeEncodeError), or
    (the long query) 39 s for one batch, during which no other request was answered."""
    r = client.post("/", data={"queries": queries})
    assert r.status_code == 400 and message in r.json()["error"], r.text
    assert client.get("/", params={"query": "Amr Talaat"}).status_code == 200


@pytest.fixture(scope="module")
def build_dir(built: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reconcile") / "build"
    built.write(out)
    return out


def test_real_server_on_loopback(build_dir: Path, tmp_path: Path):
    proc = subprocess.Popen([str(KG_EXE), "reconcile", "--build", str(build_dir), "--port", "0"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "200"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("Reconciliation service: http://127.0.0.1:"), line
        url = line.split(": ", 1)[1].strip()
        with urllib.request.urlopen(url, timeout=10) as r:
            assert "0.2" in json.load(r)["versions"]
        body = urllib.parse.urlencode({"queries": json.dumps({"q0": {"query": "Dr. Amr Tal'at"}})}).encode()
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as r:
            result = json.load(r)["q0"]["result"]
        assert result[0]["id"] == ID + "person/amr-talaat" and result[0]["match"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
    assert code == 143


def test_port_in_use_is_exit_3(build_dir: Path, tmp_path: Path):
    from kg.remote.server import loopback_socket

    sock = loopback_socket(0)
    try:
        port = sock.getsockname()[1]
        done = subprocess.run([str(KG_EXE), "reconcile", "--build", str(build_dir), "--port", str(port)],
                              cwd=tmp_path, capture_output=True, timeout=60, check=False)
        assert done.returncode == 3 and f"port {port}" in done.stderr.decode()
    finally:
        sock.close()
