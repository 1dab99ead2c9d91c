"""Installed anywhere, safe by default (issue 12): each promise of docs/reliability.md with a test that fails
without its fix. Subprocesses only where the operating system is part of the promise (/dev/full, pipes, FIFOs,
installed entry points); the rest runs the same command line in-process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from kg import resources
from kg.load import is_article_folder_name

from .conftest import ARTICLE_ID, KG_EXE, invoke, tree_snapshot

ROOT = Path(__file__).resolve().parents[1]


# --- 1. a wheel install builds ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of this checkout (as `pip install .` builds it)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", "build", ".git", "*.egg-info",
                                                                "__pycache__", ".pytest_cache", ".hypothesis"))
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp / "dist"),
                    str(source)], check=True, capture_output=True)
    (built,) = (tmp / "dist").glob("*.whl")
    return built


def test_wheel_contains_every_packaged_file(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"kg/ontology/" + p.name for p in (ROOT / "ontology").glob("*.ttl")}
    expected |= {"kg/queries/" + p.name for p in (ROOT / "queries").glob("*.rq")}
    expected |= {"kg/data/" + str(p.relative_to(ROOT / "data")) for p in (ROOT / "data").rglob("*")
                 if p.suffix in (".ttl", ".txt")}
    assert expected and expected <= names, sorted(expected - names)


@pytest.mark.slow
def test_a_wheel_install_builds_and_queries_from_an_empty_folder(wheel: Path, tmp_path: Path):
    """`pip install .` (byte-compiled, so kg/data/articles/__pycache__ exists) then `kg build` in an empty folder."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False, symlinks=True)
    site = next((env_dir / "lib").glob("python*/site-packages"))
    import rdflib

    # the dependencies come from the test environment by a path entry; `kg` itself only from the wheel
    (site / "deps.pth").write_text(str(Path(rdflib.__file__).resolve().parents[1]) + "\n", encoding="utf-8")
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "--compile", "--quiet", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "empty"
    work.mkdir()
    where = subprocess.run([str(python), "-c", "import kg.resources as r; print(r.data_dir())"], cwd=work,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(site)), where
    assert (Path(where) / "articles" / "__pycache__").is_dir(), "the install byte-compiled the data packages"
    kg = env_dir / "bin" / "kg"
    result = subprocess.run([str(kg), "build", "--quiet"], cwd=work, capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr.decode()
    assert '"' + ARTICLE_ID + '"' in (work / "build" / "manifest.json").read_text(encoding="utf-8")
    rows = subprocess.run([str(kg), "query", "who-met-whom", "-f", "csv"], cwd=work, capture_output=True,
                          timeout=300)
    assert rows.returncode == 0 and "Hanandeh" in rows.stdout.decode(), rows.stderr.decode()


def test_only_real_article_folders_are_articles(data_copy: Path):
    from kg import KnowledgeGraph

    for name in ("__pycache__", ".git", "_drafts"):
        (data_copy / "articles" / name).mkdir()
        (data_copy / "articles" / name / "junk.ttl").write_text("not turtle", encoding="utf-8")
    (data_copy / "articles" / "README.md").write_text("notes", encoding="utf-8")
    g = KnowledgeGraph.build(data_copy, reason=False)
    assert [a.id for a in g.articles] == [ARTICLE_ID]
    assert not is_article_folder_name("__pycache__") and is_article_folder_name(ARTICLE_ID)
    (data_copy / "articles" / "draft-2").mkdir()  # any other folder must be an article
    result = invoke("build", "--data", data_copy, "--out", data_copy.parent / "out", cwd=data_copy.parent)
    assert result.code == 2 and "draft-2: no article.txt" in result.err


# --- 2. the tests use only files inside the repository ----------------------------------------------------


def test_no_test_reads_outside_the_repository():
    outside = re.compile(r"\.\./shared|parents\[\d\]\.parent|\"shared\" / \"seed\"")
    offenders = [p.name for p in (ROOT / "tests").rglob("*.py") if outside.search(p.read_text(encoding="utf-8"))
                 and p.name != "test_hardening.py"]
    assert offenders == []


# --- 3. a build never destroys its input ------------------------------------------------------------------


@pytest.mark.parametrize("out", ["data", ".", "data/articles", "data/reference/inside", "SITE"])
def test_build_refuses_an_output_folder_that_is_or_holds_its_input(data_copy: Path, out: str):
    work = data_copy.parent
    target = resources.data_dir().parent if out == "SITE" else work / out  # the installed package itself
    before = tree_snapshot(work)
    result = invoke("build", "--data", data_copy, "--out", target, cwd=work)
    assert result.code == 2, result.err
    assert "--out" in result.err and "which kg reads" in result.err
    assert tree_snapshot(work) == before


def test_build_refuses_to_replace_a_folder_that_is_not_a_build(tmp_path: Path, build_dir: Path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.md").write_text("months of work", encoding="utf-8")
    result = invoke("build", "--out", notes, cwd=tmp_path)
    assert result.code == 2 and "was not written by kg" in result.err
    assert (notes / "thesis.md").read_text(encoding="utf-8") == "months of work"
    previous = tmp_path / "previous"
    shutil.copytree(build_dir, previous)  # a previous build is replaced as usual
    assert invoke("build", "--quiet", "--out", previous, cwd=tmp_path).code == 0


# --- 9. output errors are exit 4, never a traceback; -o writes only regular files -------------------------


@pytest.mark.parametrize("args", [["export", "-f", "nt"], ["query", "who-met-whom", "-f", "csv"],
                                  ["stats", "-f", "json"]])
def test_writing_to_a_full_device_exits_4(build_dir: Path, tmp_path: Path, args: list[str]):
    with open("/dev/full", "wb") as full:
        result = subprocess.run([str(KG_EXE), *args, "--build", str(build_dir)], cwd=tmp_path, stdout=full,
                                stderr=subprocess.PIPE, timeout=300)
    assert result.returncode == 4, result.stderr.decode()
    assert b"Traceback" not in result.stderr and b"no space left" in result.stderr


def test_a_closed_pipe_exits_4_without_a_traceback(build_dir: Path, tmp_path: Path):
    proc = subprocess.Popen([str(KG_EXE), "export", "-f", "nt", "--build", str(build_dir)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.read(10)
    proc.stdout.close()  # like `kg export | head -c 10`
    err = proc.stderr.read() if proc.stderr else b""
    assert proc.wait(timeout=300) == 4, err.decode()
    assert b"Traceback" not in err and b"closed the pipe" in err


def _kg_with_stdout_closed(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``kg ARGS >&-``: Python starts with ``sys.stdout`` None."""
    return subprocess.run(["sh", "-c", 'exec "$0" "$@" >&-', str(KG_EXE), *map(str, args)], cwd=cwd,
                          stderr=subprocess.PIPE, timeout=300, check=False)


def test_a_closed_standard_output_is_a_failed_output_not_a_traceback(build_dir: Path, tmp_path: Path):
    result = _kg_with_stdout_closed("query", "who-met-whom", "-f", "csv", "--build", build_dir, cwd=tmp_path)
    assert result.returncode == 4, result.stderr.decode()
    assert result.stderr == b"kg: error: cannot write to standard output: it is closed\n"
    # a build whose table cannot be shown is still written (exit 4 reports the table); with -q there is no table
    loud = _kg_with_stdout_closed("build", "--out", tmp_path / "loud", cwd=tmp_path)
    assert loud.returncode == 4 and b"Traceback" not in loud.stderr, loud.stderr.decode()
    quiet = _kg_with_stdout_closed("build", "--quiet", "--out", tmp_path / "quiet", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == b"", quiet.stderr.decode()
    assert tree_snapshot(tmp_path / "loud") == tree_snapshot(tmp_path / "quiet") == tree_snapshot(build_dir)


def test_a_standard_error_that_cannot_be_written_leaves_the_exit_code_the_commands(build_dir: Path,
                                                                                   tmp_path: Path):
    """Progress and messages that cannot be written (``2>/dev/full``) are dropped: there is nowhere to report
    that, and the command's own outcome is what its exit code says (it was 1, "does not conform", and a
    traceback nobody could see)."""
    with open("/dev/full", "wb") as full:
        built = subprocess.run([str(KG_EXE), "build", "--out", str(tmp_path / "b")], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=full, timeout=300, check=False)
        missing = subprocess.run([str(KG_EXE), "build", "--data", str(tmp_path / "nope")], cwd=tmp_path,
                                 stdout=subprocess.PIPE, stderr=full, timeout=300, check=False)
    assert built.returncode == 0 and b"Written to" in built.stdout
    assert tree_snapshot(tmp_path / "b") == tree_snapshot(build_dir)
    assert missing.returncode == 2 and missing.stdout == b""


@pytest.mark.parametrize("kind", ["symlink", "fifo", "device"])
def test_export_o_writes_only_regular_files(build_dir: Path, tmp_path: Path, kind: str):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    if kind == "symlink":
        target = tmp_path / "link.ttl"
        target.symlink_to(victim)
    elif kind == "fifo":
        target = tmp_path / "pipe.ttl"
        os.mkfifo(target)
    else:
        target = Path("/dev/null")
    result = invoke("export", "--build", build_dir, "-o", target, cwd=tmp_path)
    assert result.code == 2, result.err
    assert {"symlink": "symbolic link", "fifo": "not a regular file", "device": "not a regular file"}[kind] \
        in result.err
    assert victim.read_text(encoding="utf-8") == "keep me"
    if kind != "device":
        assert target.is_symlink() or target.is_fifo()


# --- 10. no secrets leak through the data ------------------------------------------------------------------


def test_an_article_symlinked_outside_the_data_folder_is_refused(data_copy: Path):
    text = data_copy / "articles" / ARTICLE_ID / "article.txt"
    text.unlink()
    text.symlink_to("/proc/self/environ")
    result = invoke("build", "--data", data_copy, "--out", data_copy.parent / "out", cwd=data_copy.parent,
                    env={"KG_TEST_SECRET": "s3cr3t-value"})
    assert result.code == 2, result.err
    assert "outside the data folder" in result.err and "article.txt" in result.err
    assert "s3cr3t-value" not in result.err and not (data_copy.parent / "out").exists()


def test_a_symlink_inside_the_data_folder_is_fine(data_copy: Path):
    from kg import KnowledgeGraph

    folder = data_copy / "articles" / ARTICLE_ID
    (data_copy / "texts").mkdir()
    (folder / "article.txt").rename(data_copy / "texts" / "a.txt")
    (folder / "article.txt").symlink_to(data_copy / "texts" / "a.txt")
    assert [a.id for a in KnowledgeGraph.build(data_copy, reason=False).articles] == [ARTICLE_ID]


@pytest.mark.parametrize("name", ["article.txt", "extra.ttl"])
def test_a_fifo_in_the_data_is_refused_without_blocking(data_copy: Path, name: str):
    path = data_copy / "articles" / ARTICLE_ID / name
    if path.exists():
        path.unlink()
    os.mkfifo(path)
    result = invoke("build", "--data", data_copy, "--out", data_copy.parent / "out", cwd=data_copy.parent)
    assert result.code == 2 and "not a regular file" in result.err and name in result.err


# --- 11. settings are checked ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "lots", "1e300"])
def test_a_bad_size_limit_setting_is_an_input_error(tmp_path: Path, value: str):
    result = invoke("build", "--out", tmp_path / "out", cwd=tmp_path, env={"KG_MAX_INPUT_MB": value})
    assert result.code == 2, result.err
    assert f"KG_MAX_INPUT_MB={value!r}" in result.err and "Traceback" not in result.err


def test_a_small_size_limit_is_applied(tmp_path: Path):
    result = invoke("build", "--out", tmp_path / "out", cwd=tmp_path, env={"KG_MAX_INPUT_MB": "0.001"})
    assert result.code == 2 and "larger than the 1 KiB" in result.err


# --- 14. say what you do -------------------------------------------------------------------------------------


def test_an_explicit_build_folder_without_a_build_is_refused(tmp_path: Path):
    for args in (["validate"], ["query", "who-met-whom"], ["export"], ["stats"]):
        result = invoke(*args, "--build", tmp_path / "nothere", cwd=tmp_path)
        assert result.code == 2, (args, result.err)
        assert "no build there" in result.err and "kg build --out" in result.err
    assert not (tmp_path / "nothere").exists()


def test_the_default_build_is_made_and_said_so(tmp_path: Path):
    result = invoke("stats", "-f", "json", cwd=tmp_path)
    assert result.code == 0
    assert "building the packaged data into it first" in result.err and (tmp_path / "build").is_dir()


def test_help_names_values_by_role_not_python_types():
    from kg.cli import command

    cmd = command()
    for name in cmd.commands:
        text = invoke(name, "--help", cwd=ROOT).stdout.decode()
        assert not re.search(r"<(list\[|str>|path>|int|float>)", text), (name, text)
    query_help = invoke("query", "--help", cwd=ROOT).stdout.decode()
    assert "KEY=VALUE" in query_help and "--file FILE" in query_help


def test_a_bad_choice_reads_like_every_other_error(tmp_path: Path):
    result = invoke("export", "-f", "docx", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("kg: error: ") and "'docx' is not one of" in result.err
    assert "Value error" not in result.err and "Traceback" not in result.err


def test_lang_ar_translates_the_chrome_too(build_dir: Path, tmp_path: Path):
    table = invoke("query", "who-met-whom", "--lang", "ar", "--build", build_dir, cwd=tmp_path).stdout.decode()
    assert "عدد الصفوف" in table and "row(s)" not in table
    stats = invoke("stats", "--lang", "ar", "--build", build_dir, cwd=tmp_path).stdout.decode()
    assert "مجالات التعاون" in stats and "المجال بالإنجليزية" in stats
    assert not re.search(r"Cooperation domains|Triples per graph|\bdomain\b|\bfacts\b|\btotal\b", stats)
    from kg.validate import ValidationReport, Violation

    report = ValidationReport(False, [Violation(focus="urn:x", constraint="sh:MinCountConstraintComponent",
                                                path="kg:postIn", messages={"en": "m", "ar": "م"},
                                                labels={"ar": "س"}, sentence="جملة")], graph=None)  # type: ignore[arg-type]
    text = report.to_text("ar")
    assert "غير مطابق" in text and "المصدر" in text and "القيد" in text
    assert not re.search(r"Does not conform|source:|constraint|path ", text)


# --- found by the hostile review ------------------------------------------------------------------------------


def test_docs_never_replace_a_folder_kg_did_not_write(tmp_path: Path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep", encoding="utf-8")
    for target in (mine, resources.queries_dir(), Path(str(resources.data_dir())).parent):
        result = invoke("docs", "--out", target, cwd=tmp_path)
        assert result.code == 2, (target, result.err)
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep"
    assert any(p.name.endswith(".rq") for p in Path(str(resources.queries_dir())).iterdir())
    assert invoke("docs", "--out", tmp_path / "docs", cwd=tmp_path).code == 0
    assert invoke("docs", "--out", tmp_path / "docs", cwd=tmp_path).code == 0  # its own folder: replaced


@pytest.mark.parametrize("command", ["query", "ingest"])
def test_a_fifo_or_device_named_as_input_is_refused(build_dir: Path, tmp_path: Path, command: str):
    fifo = tmp_path / "input.fifo"
    os.mkfifo(fifo)
    (tmp_path / "data").mkdir()
    for source in (fifo, Path("/dev/zero")):
        args = (["query", "--file", source, "--build", build_dir] if command == "query"
                else ["ingest", source, "--data", tmp_path / "data", "--id", "x"])
        result = invoke(*args, cwd=tmp_path)  # reading either would block or fill the memory
        assert result.code == 2 and "not a regular file" in result.err, result.err


@pytest.mark.parametrize("args", [["web", "--port", "0", "--sparql-url", "http://bob:s3cret@127.0.0.1:1/"],
                                  ["ingest", "ARTICLE", "--data", "DATA", "--id", "x", "--url",
                                   "http://bob:s3cret@example.org/a"]])
def test_credentials_in_any_url_option_are_refused(build_dir: Path, tmp_path: Path, args: list[str]):
    article = tmp_path / "a.txt"
    article.write_text("نص قصير عن الاتصالات.\n", encoding="utf-8")
    argv = [str(article) if a == "ARTICLE" else str(tmp_path / "data") if a == "DATA" else a for a in args]
    if argv[0] == "web":
        argv += ["--build", str(build_dir)]
    else:
        (tmp_path / "data").mkdir()
    result = invoke(*argv, cwd=tmp_path)
    assert result.code == 2 and "credentials" in result.err and "s3cret" not in result.err
    assert not (tmp_path / "data" / "articles").exists()


def test_every_column_of_every_packaged_query_has_an_arabic_header():
    import pyoxigraph

    from kg.i18n import column
    from kg.query import list_queries

    untranslated, empty = set(), pyoxigraph.Store()
    for q in list_queries():
        solutions = empty.query(q.text)  # the projected columns, from Oxigraph's parse (rdflib's is slow)
        assert isinstance(solutions, pyoxigraph.QuerySolutions), q.name
        for var in solutions.variables:
            name = var.value.removesuffix("_en").removesuffix("_ar")
            if column(name, "ar") == name:
                untranslated.add(f"{q.name}: {name}")
    assert not untranslated, sorted(untranslated)


def _as_a_user(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``kg ARGS`` bound by file modes: as root (where the tests run in CI) without the capabilities that
    bypass them (``setpriv``, util-linux), else as it is."""
    command = [str(KG_EXE), *map(str, args)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root ignores file modes, and setpriv (util-linux) is not there to drop that")
        drop = "-dac_override,-dac_read_search,-fowner"
        command = [setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}", *command]
    return subprocess.run(command, cwd=cwd, capture_output=True, timeout=300, check=False)


@pytest.mark.parametrize("folder", ["articles", "reference"])
def test_a_data_folder_that_cannot_be_listed_is_named(tmp_path: Path, folder: str):
    """An unreadable articles/ or reference/ was a PermissionError traceback, exit 1 ("does not conform")."""
    data = tmp_path / "data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    (data / folder).chmod(0)
    try:
        result = _as_a_user("build", "--data", data, "--out", tmp_path / "out", cwd=tmp_path)
    finally:
        (data / folder).chmod(0o755)
    assert result.returncode == 2, result.stderr.decode()
    assert result.stderr.decode() == f"kg: error: {data / folder}: permission denied\n"
    assert not (tmp_path / "out").exists()


def test_a_build_file_that_cannot_be_read_is_named(build_dir: Path, tmp_path: Path):
    """pyoxigraph's PermissionError, which names no file, was a traceback (kg stats, validate, export, query)."""
    build = tmp_path / "build"
    shutil.copytree(build_dir, build)
    (build / "dataset.trig").chmod(0)
    try:
        results = [_as_a_user(*args, "--build", build, cwd=tmp_path)
                   for args in (["stats"], ["export", "-f", "nt"], ["query", "agreements"])]
    finally:
        (build / "dataset.trig").chmod(0o644)
    for result in results:
        assert result.returncode == 2, result.stderr.decode()
        assert f"{build / 'dataset.trig'}: could not be read: Permission denied" in result.stderr.decode()
        assert b"Traceback" not in result.stderr


def _kg_on_a_terminal(*args: str | os.PathLike[str], cwd: Path, timeout: float = 300) -> tuple[int, str]:
    """``kg ARGS`` with its standard streams on a pseudo-terminal, as a user at a terminal runs it: the exit code
    and what the terminal showed. The test fails, rather than hangs, if it does not end within ``timeout``."""
    import pty
    import select
    import time

    main, side = pty.openpty()
    proc = subprocess.Popen([str(KG_EXE), *map(str, args)], cwd=cwd, stdin=side, stdout=side, stderr=side,
                            env={**os.environ, "COLUMNS": "100", "TERM": "xterm"})
    os.close(side)
    shown = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # EIO: the terminal's other side is closed, the program has ended
                    break
                if not chunk:
                    break
                shown += chunk
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
            pytest.fail(f"kg {' '.join(map(str, args))} on a terminal did not end in {timeout} s; it showed "
                        f"{bytes(shown[-500:])!r}")
        return proc.wait(timeout=30), shown.decode("utf-8", "replace")
    finally:
        os.close(main)


@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["progress", "quiet"])
def test_build_on_a_terminal_shows_its_progress_and_ends(data_copy: Path, tmp_path: Path, quiet: list[str]):
    code, shown = _kg_on_a_terminal("build", *quiet, "--data", data_copy, "--out", tmp_path / "out", cwd=tmp_path,
                                    timeout=60)
    assert code == 0, shown[-2000:]
    assert (tmp_path / "out" / "dataset.trig").is_file()
    assert "validating (SHACL)" in shown  # the progress line rich draws on a terminal
    assert ("Triples per graph" in shown) is not bool(quiet)
