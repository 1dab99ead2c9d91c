"""The per-article cache (kg.cache.ArticleCache): a warm build equals a cold one byte for byte, only what changed
is assembled again, and a cache file that is not trusted or not sound is never read."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from kg import KnowledgeGraph, resources
from kg.cache import ARTICLE_DAYS_KEPT
from kg.load import load_graphs

from .conftest import ARTICLE_ID, tree_snapshot

DOMAIN = Path(__file__).parent / "fixtures" / "domain" / "data"


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder, in force for this test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(folder))
    return folder


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    """A writable copy of the domain fixture data (four articles of our own)."""
    target = tmp_path / "data"
    shutil.copytree(DOMAIN, target)
    return target


def _build(data: Path, out: Path) -> dict[str, bytes]:
    kg = KnowledgeGraph.build(data, validate=True)
    assert kg.report is not None and kg.report.conforms, kg.report.to_text() if kg.report else ""
    kg.write(out)
    return tree_snapshot(out)


def test_a_warm_build_writes_the_same_bytes_as_a_cold_one(data: Path, cache: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    cold = _build(data, tmp_path / "cold")
    entries = sorted(p.name for p in (cache / "articles").iterdir())
    assert len(entries) == 4, entries  # one per article
    warm = _build(data, tmp_path / "warm")
    assert warm == cold
    monkeypatch.setenv("KG_CACHE_DIR", "")
    assert _build(data, tmp_path / "uncached") == cold


def test_only_the_changed_article_is_assembled_again_and_the_change_shows(data: Path, cache: Path):
    notes: list[str] = []
    load_graphs(data, progress=notes.append)
    assert not [n for n in notes if "from the cache" in n]
    article = data / "articles" / "dom-en-cable" / "article.ttl"
    with article.open("a", encoding="utf-8") as out:
        out.write('\n<https://w3id.org/ict-coop-kg/id/article/dom-en-cable> '
                  '<http://www.w3.org/2000/01/rdf-schema#comment> "changed for the cache test" .\n')
    graphs, articles = load_graphs(data, progress=notes.append)
    assert any(n.startswith("3 of 4 article(s) unchanged") for n in notes), notes
    changed = next(a for a in articles if a.id == "dom-en-cable")
    assert b"changed for the cache test" in graphs.serialize([changed.graph], "nt")


def test_changed_reference_data_assembles_every_article_again(data: Path, cache: Path):
    load_graphs(data)
    reference = next((data / "reference").glob("*.ttl"))
    reference.write_bytes(reference.read_bytes() + b"\n# a comment changes the bytes, so the digest\n")
    notes: list[str] = []
    load_graphs(data, progress=notes.append)
    assert not [n for n in notes if "from the cache" in n], notes


def _only_entry(cache: Path) -> Path:
    entries = list((cache / "articles").glob("*.nt.z"))
    assert len(entries) == 1
    return entries[0]


@pytest.mark.parametrize("tamper", ["world-writable", "symlink", "corrupt", "truncated", "folder-open", "too-long",
                                    "not-n-triples"])
def test_a_cache_file_not_trusted_or_not_sound_is_not_read(tamper: str, cache: Path, tmp_path: Path):
    """The packaged seed: a poisoned entry would add a triple; it must be ignored, and the build stay right."""
    import zlib

    expected = KnowledgeGraph.build(reason=False).export("nt")
    entry = _only_entry(cache)
    poisoned = zlib.compress(zlib.decompress(entry.read_bytes())
                             + b"<https://example.org/evil> <https://example.org/p> \"x\" .\n")
    if tamper == "world-writable":
        entry.write_bytes(poisoned)
        entry.chmod(0o666)
    elif tamper == "symlink":
        target = tmp_path / "elsewhere.nt.z"
        target.write_bytes(poisoned)
        entry.unlink()
        entry.symlink_to(target)
    elif tamper == "corrupt":
        entry.write_bytes(b"not zlib at all")
    elif tamper == "truncated":
        entry.write_bytes(poisoned[: len(poisoned) // 2])
    elif tamper == "not-n-triples":  # sound zlib and header, a line the parser refuses: parsed as read, a miss
        entry.write_bytes(zlib.compress(zlib.decompress(entry.read_bytes()) + b"<https://example.org/evil> .\n"))
    elif tamper == "too-long":  # a literal of 17 MiB, more than the parser reads at once (MemoryError): a miss
        entry.write_bytes(zlib.compress(zlib.decompress(entry.read_bytes()) + b"<https://example.org/evil> "
                                        b"<https://example.org/p> \"" + b"a" * (17 * 2**20) + b"\" .\n"))
    else:
        entry.write_bytes(poisoned)
        entry.parent.chmod(0o777)
    again = KnowledgeGraph.build(reason=False)
    assert again.export("nt") == expected
    assert b"example.org/evil" not in again.export("nt")


def test_a_trusted_entry_is_what_the_build_reads(cache: Path):
    """The counterpart of the test above: the same poisoned bytes with sound permissions are read (so that test
    shows the trust checks at work, not a cache that is never read)."""
    import zlib

    KnowledgeGraph.build(reason=False)
    entry = _only_entry(cache)
    entry.write_bytes(zlib.compress(zlib.decompress(entry.read_bytes())
                                    + b"<https://example.org/evil> <https://example.org/p> \"x\" .\n"))
    entry.chmod(0o600)
    assert b"example.org/evil" in KnowledgeGraph.build(reason=False).export("nt")


def test_an_unwritable_cache_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KG_CACHE_DIR", str(blocker))  # the cache folder cannot be made
    kg = KnowledgeGraph.build(reason=False)
    assert [a.id for a in kg.articles] == [ARTICLE_ID]
    assert blocker.read_text() == "not a folder"


def test_caching_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    KnowledgeGraph.build(reason=False)
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_entries_unused_for_the_kept_days_are_pruned_and_used_ones_kept(cache: Path):
    KnowledgeGraph.build(reason=False)
    used = _only_entry(cache)
    stale = cache / "articles" / ("0" * 64 + ".nt.z")
    stale.write_bytes(b"old")
    recent = cache / "articles" / ("1" * 64 + ".nt.z")
    recent.write_bytes(b"recent")
    long_ago = time.time() - (ARTICLE_DAYS_KEPT + 1) * 86400
    for path in (stale, used):
        os.utime(path, (long_ago, long_ago))
    KnowledgeGraph.build(reason=False)
    assert not stale.exists()
    assert recent.exists()
    assert used.exists() and used.stat().st_mtime > long_ago + 86400  # marked as used


def test_pruning_removes_only_the_cache_s_own_entries(cache: Path):
    """Every file older than the kept days was removed: a KG_CACHE_DIR that held other files (or was a data
    folder, whose articles/ then lost its README) lost them silently."""
    KnowledgeGraph.build(reason=False)
    folder = cache / "articles"
    theirs = [folder / "notes.txt", folder / "__init__.py", folder / ("0" * 63 + ".nt.z"), folder / "README.md"]
    long_ago = time.time() - (ARTICLE_DAYS_KEPT + 10) * 86400
    for path in theirs:
        path.write_text("someone's", encoding="utf-8")
        os.utime(path, (long_ago, long_ago))
    ours = [folder / ("a" * 64 + ".nt.z"), folder / ".tmp-k3j2l1", folder / ".probe-4242"]  # an entry, and what
    for path in ours:  # a killed build left of a write
        path.write_bytes(b"old")
        os.utime(path, (long_ago, long_ago))
    KnowledgeGraph.build(reason=False)
    assert all(path.read_text(encoding="utf-8") == "someone's" for path in theirs)
    assert not any(path.exists() for path in ours)


def test_the_packaged_data_is_never_written_by_the_cache(cache: Path):
    before = {p: p.stat().st_mtime for p in Path(str(resources.data_dir())).rglob("*") if p.is_file()}
    KnowledgeGraph.build(reason=False)
    after = {p: p.stat().st_mtime for p in Path(str(resources.data_dir())).rglob("*") if p.is_file()}
    assert before == after
    assert list((cache / "articles").glob("*.nt.z"))
