"""A build into a folder holding an earlier build of the same data, with articles added since (kg.increment).

Its validation runs the shapes only where the added articles can change a result (kg.engine.reach); everything it
writes must be byte for byte what a first build of the same data writes. Articles: tests/fixtures/domain/ and, for
one that breaks a shape on a node of an earlier article, tests/fixtures/increment/ (its README.md).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg import KnowledgeGraph

FIXTURES = Path(__file__).parent / "fixtures"
DOMAIN = FIXTURES / "domain" / "data"
UPDATE = FIXTURES / "increment" / "dom-en-cable-update"
FILES = ["dataset.trig", "asserted.ttl", "inferred.ttl", "validation.ttl", "validation.json", "validation.txt",
         "lookup-index.json", "manifest.json"]
REVALIDATED = "added since the last build"


def build(data: Path, out: Path, **options) -> list[str]:
    """``kg build``'s work (:meth:`KnowledgeGraph.build_to`); its progress notes."""
    notes: list[str] = []
    KnowledgeGraph.build_to(out, data, progress=notes.append, **options)
    return notes


def assert_as_first_build(out: Path, data: Path, tmp_path: Path, **options) -> None:
    cold = tmp_path / "cold"
    notes = build(data, cold, **options)
    assert not any(REVALIDATED in n for n in notes)
    for name in FILES:
        assert (out / name).read_bytes() == (cold / name).read_bytes(), name


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DOMAIN, copy)
    return copy


def test_an_added_article_is_validated_where_it_can_change_a_result(data: Path, tmp_path: Path):
    out = tmp_path / "build"
    held = tmp_path / "held"
    shutil.move(data / "articles" / "dom-en-datacentre", held)
    assert not any(REVALIDATED in n for n in build(data, out))
    shutil.move(held, data / "articles" / "dom-en-datacentre")
    notes = build(data, out)
    assert any(f"the 1 article(s) {REVALIDATED}" in n for n in notes), notes
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]["articles"]) == {p.name for p in (data / "articles").iterdir()}
    assert_as_first_build(out, data, tmp_path)


def test_a_violation_the_added_article_makes_on_an_earlier_node_is_found(data: Path, tmp_path: Path):
    out = tmp_path / "build"
    build(data, out)
    shutil.copytree(UPDATE, data / "articles" / UPDATE.name)
    notes = build(data, out, allow_violations=True)
    assert any(REVALIDATED in n for n in notes)
    report = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert not report["conforms"]
    # the cable of dom-en-cable now has two ready-for-service dates (the update's words give the second)
    assert [(v["focus"], v["path"]) for v in report["violations"]] == [
        ("https://w3id.org/ict-coop-kg/id/infrastructure/taba-aqaba-cable", "kg:readyForService")]
    assert_as_first_build(out, data, tmp_path, allow_violations=True)


def test_after_a_build_that_did_not_conform_everything_is_validated(data: Path, tmp_path: Path):
    out = tmp_path / "build"
    shutil.copytree(UPDATE, data / "articles" / UPDATE.name)
    shutil.move(data / "articles" / "dom-en-datacentre", tmp_path / "held")
    build(data, out, allow_violations=True)
    shutil.move(tmp_path / "held", data / "articles" / "dom-en-datacentre")
    assert not any(REVALIDATED in n for n in build(data, out, allow_violations=True))
    assert_as_first_build(out, data, tmp_path, allow_violations=True)


@pytest.mark.parametrize("change", ["edited", "removed"])
def test_an_article_changed_or_removed_since_means_a_whole_validation(data: Path, tmp_path: Path, change: str):
    out = tmp_path / "build"
    build(data, out)
    article = data / "articles" / "dom-en-datacentre"
    if change == "edited":
        text = article / "article.ttl"
        text.write_text(text.read_text(encoding="utf-8") + "\n# a comment changes the article's files\n",
                        encoding="utf-8")
    else:
        shutil.rmtree(article)
    assert not any(REVALIDATED in n for n in build(data, out))
    assert_as_first_build(out, data, tmp_path)
