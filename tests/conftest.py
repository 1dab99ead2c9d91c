"""Shared fixtures: one build of the packaged data per session, and a runner for the real ``kg`` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, Graph
from rdflib.compare import graph_diff, to_isomorphic

from kg import KnowledgeGraph, resources

SEED_SHA256 = "14e2981c6e4f492ba24803e28206b0c03a655ba9d0bb1159c2eff998a60b6689"
"""SHA-256 of the seed article as received (the source text must stay byte-identical; the tests use only files
inside this repository, so the checksum stands in for the original file)."""
ARTICLE_ID = "000_c98f5de2b5b9bb51"
KG_EXE = Path(sys.executable).with_name("kg")


@pytest.fixture(scope="session")
def built() -> KnowledgeGraph:
    """The packaged data, built and reasoned once per test session."""
    return KnowledgeGraph.build()


@pytest.fixture(scope="session")
def public_view(built: KnowledgeGraph) -> Graph:
    """What ``kg export --inferred --format turtle`` gives, parsed back."""
    return Graph().parse(data=built.export("turtle", inferred=True), format="turtle")


@pytest.fixture(scope="session")
def article_text() -> str:
    """The article's canonical text as the build stores it."""
    return (resources.data_dir() / "articles" / ARTICLE_ID / "article.txt").read_bytes().decode("utf-8")


WEB_FIXTURE = Path(__file__).parent / "fixtures" / "web"
"""The web app's test data (two short articles written for the tests, reference cities with coordinates)."""


@pytest.fixture(scope="session")
def web_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web fixture data built, validated and written once per session; the folder of the build."""
    kg = KnowledgeGraph.build(WEB_FIXTURE)
    report = kg.validate()
    assert report.conforms, report.to_text()
    out = tmp_path_factory.mktemp("web") / "build"
    kg.write(out)
    return out


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the packaged data folder, for tests that break it."""
    target = tmp_path / "data"
    src = resources.data_dir()
    shutil.copytree(str(src), target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return target


def run_kg(*args: str | os.PathLike[str], cwd: Path, env: dict[str, str] | None = None,
           timeout: float = 300, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the installed ``kg`` console script in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(KG_EXE), *map(str, args)], cwd=cwd, env=full_env, capture_output=True,
                          timeout=timeout, input=input)


def parse_export(data: bytes, fmt: str) -> tuple[Graph, set[str]]:
    """Parse an export back: all its triples in one graph, and the names of its non-empty named graphs."""
    from rdflib import Dataset

    from kg.export import FORMATS

    spec = FORMATS[fmt]
    if not spec.quads:
        return Graph().parse(data=data, format=spec.rdflib_name), set()
    ds = Dataset()
    ds.parse(data=data, format=spec.rdflib_name)
    merged = Graph()
    for g in ds.graphs():
        for triple in g:
            merged.add(triple)
    return merged, {str(g.identifier) for g in ds.graphs() if len(g)}


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    """Assert two graphs are isomorphic, printing the triples only in one of them.

    A mapping of blank nodes leaves every triple without one as it is, so two graphs are isomorphic exactly
    when their ground triples are the same set and their triples with blank nodes are isomorphic: only those
    are canonicalised (rdflib's ``to_isomorphic`` hashes every triple it is given)."""
    def split(graph: Graph) -> tuple[set, Graph]:
        ground, with_bnodes = set(), Graph()
        for triple in graph:
            if any(isinstance(term, BNode) for term in triple):
                with_bnodes.add(triple)
            else:
                ground.add(triple)
        return ground, with_bnodes

    (ground_expected, bnodes_expected), (ground_actual, bnodes_actual) = split(expected), split(actual)
    only_expected, only_actual = ground_expected - ground_actual, ground_actual - ground_expected
    iso_expected, iso_actual = to_isomorphic(bnodes_expected), to_isomorphic(bnodes_actual)
    if not only_expected and not only_actual and iso_expected == iso_actual:
        return
    _both, bnodes_only_expected, bnodes_only_actual = graph_diff(iso_expected, iso_actual)
    only_expected |= set(bnodes_only_expected)
    only_actual |= set(bnodes_only_actual)
    lines = ["graphs differ"]
    lines += ["only in expected:"] + sorted(f"  {t[0].n3()} {t[1].n3()} {t[2].n3()}" for t in only_expected)
    lines += ["only in actual:"] + sorted(f"  {t[0].n3()} {t[1].n3()} {t[2].n3()}" for t in only_actual)
    raise AssertionError("\n".join(lines))


def count_whole_rule_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets an item each time the OWL-RL rules run over everything (``kg.engine.rules.infer_triples``)
    while ``monkeypatch`` holds."""
    from kg.engine import rules

    runs: list[int] = []
    infer_triples = rules.infer_triples

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(1)
        return infer_triples(*args, **kwargs)

    monkeypatch.setattr(rules, "infer_triples", counted)
    return runs


def write_note_article(folder: Path, article_id: str, text: str, statements: str) -> Path:
    """A short English article written for one test: ``folder/article_id/`` with ``text`` as its article.txt and
    ``statements`` (Turtle, with the kg, rdfs, xsd, schema and the id namespaces' prefixes: country, event) after
    the article's own description. Returns its folder."""
    path = folder / article_id
    path.mkdir(parents=True)
    (path / "article.txt").write_text(text + "\n", encoding="utf-8")
    (path / "article.ttl").write_text(f"""\
@prefix kg: <https://w3id.org/ict-coop-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix country: <https://w3id.org/ict-coop-kg/id/country/> .
@prefix event: <https://w3id.org/ict-coop-kg/id/event/> .
@prefix article: <https://w3id.org/ict-coop-kg/id/article/> .

article:{article_id} a kg:NewsArticle ; schema:inLanguage "en" ; dcterms:identifier "{article_id}" ;
    rdfs:label "مقال اختبار"@ar , "Test note"@en ;
    kg:notStated schema:datePublished , kg:publisherName , schema:url , kg:retrievedOn .
{statements}""", encoding="utf-8")
    return path


def record_restricted_queries(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """A list that gets, for each violation query a build on earlier results runs, whether it ran for some nodes
    only (``kg.engine.delta.candidates`` bounded them), while ``monkeypatch`` holds."""
    from kg.engine import delta

    restricted: list[bool] = []
    candidates = delta.candidates

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = candidates(*args, **kwargs)
        restricted.append(found is not None)
        return found

    monkeypatch.setattr(delta, "candidates", spy)
    return restricted


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Invocation:
    """What one in-process ``kg`` command did, shaped like :class:`subprocess.CompletedProcess`."""

    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def code(self) -> int:
        """The exit code."""
        return self.returncode

    @property
    def err(self) -> str:
        """Standard error as text."""
        return self.stderr.decode("utf-8")


def invoke(*args: str | os.PathLike[str], cwd: Path, env: dict[str, str] | None = None) -> Invocation:
    """Run ``kg ARGS`` in this process (no interpreter start-up, so much faster than :func:`run_kg`), as the
    console script does after installing its signal handlers: same parsing, messages and exit codes."""
    import contextlib
    import io

    from kg.cli import run

    out, err = io.BytesIO(), io.StringIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    old_cwd, old_env = Path.cwd(), dict(os.environ)
    os.chdir(cwd)
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(err):
            try:
                run([str(a) for a in args])
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            stdout.flush()
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(old_env)
    return Invocation(code, out.getvalue(), err.getvalue().encode("utf-8"))


@pytest.fixture(scope="session")
def build_dir(built: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's build of the packaged data, written once to a folder (read-only use: copy it to change it)."""
    folder = tmp_path_factory.mktemp("session-build") / "build"
    built.validate()
    built.write(folder)
    return folder


@pytest.fixture()
def workdir(tmp_path: Path, build_dir: Path) -> Path:
    """A folder with a finished default build in ./build (a copy of the session's build: what ``kg build`` run
    there writes, without building again)."""
    shutil.copytree(build_dir, tmp_path / "build")
    return tmp_path
