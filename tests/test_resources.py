"""Packaged files are found through importlib.resources, from a checkout and from a wheel."""

from __future__ import annotations

from pathlib import Path

from kg import resources

ROOT = Path(__file__).resolve().parents[1]


def test_registry_finds_every_packaged_file():
    assert resources.ontology_file().is_file()
    assert [f.name for f in resources.shapes_files()] == ["ictkg.shapes.ttl"]
    assert (resources.data_dir() / "reference" / "entities.ttl").is_file()
    assert (resources.data_dir() / "articles" / "000_c98f5de2b5b9bb51" / "article.txt").is_file()


def test_no_module_reads_file_relative_or_working_directory_paths():
    for module in (ROOT / "kg").glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "__file__" not in text, module.name
        assert "os.getcwd" not in text and "Path.cwd" not in text, module.name
