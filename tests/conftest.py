"""Shared fixtures: one build of the packaged data per session, and a runner for the real ``kg`` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from kg import KnowledgeGraph, resources

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed"
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
    """Assert two graphs are isomorphic, printing the triples only in one of them."""
    iso_expected, iso_actual = to_isomorphic(expected), to_isomorphic(actual)
    if iso_expected == iso_actual:
        return
    _both, only_expected, only_actual = graph_diff(iso_expected, iso_actual)
    lines = ["graphs differ"]
    lines += ["only in expected:"] + sorted(f"  {t[0].n3()} {t[1].n3()} {t[2].n3()}" for t in only_expected)
    lines += ["only in actual:"] + sorted(f"  {t[0].n3()} {t[1].n3()} {t[2].n3()}" for t in only_actual)
    raise AssertionError("\n".join(lines))


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
