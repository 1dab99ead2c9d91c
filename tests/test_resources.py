"""Packaged files are found through importlib.resources, from a checkout and from a wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

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


@pytest.mark.slow
def test_wheel_contains_every_ttl_rq_and_txt(tmp_path: Path):
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", "build", ".git", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(source)],
        check=True, capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "kg/ontology/" + p.name for p in (ROOT / "ontology").glob("*.ttl")
    } | {
        "kg/queries/" + p.name for p in (ROOT / "queries").glob("*.rq")
    } | {
        "kg/data/" + str(p.relative_to(ROOT / "data")) for p in (ROOT / "data").rglob("*") if p.suffix in (".ttl", ".txt")
    }
    assert expected, "nothing to look for"
    assert expected <= names, sorted(expected - names)
