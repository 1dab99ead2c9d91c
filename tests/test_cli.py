"""The `kg` command line: exit codes, bad input, determinism, atomic builds (in-process, plus the real console
script end to end)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from .conftest import ARTICLE_ID, KG_EXE, invoke, run_kg, tree_snapshot

ROOT = Path(__file__).resolve().parents[1]


def test_every_console_script_starts():
    import subprocess

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts
    for name in scripts:
        exe = KG_EXE.with_name(name)
        for args in (["--help"], ["--version"]):
            result = subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, timeout=60)
            assert result.returncode == 0, (name, args, result.stderr)
            assert b"Traceback" not in result.stderr


def test_version_comes_from_package_metadata():
    from importlib.metadata import version

    assert run_kg("--version", cwd=ROOT).stdout.decode().strip() == f"kg {version('ict-coop-kg')}"


def test_build_end_to_end_through_the_console_script(tmp_path: Path):
    result = run_kg("build", cwd=tmp_path)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "SHACL validation: conforms" in out and "kg:Meeting" in out and "graph/inferred" in out
    test_build_writes_outputs_and_conforms(tmp_path)


def test_build_writes_outputs_and_conforms(workdir: Path):
    files = {p.name for p in (workdir / "build").iterdir()}
    assert {"dataset.trig", "asserted.ttl", "inferred.ttl", "validation.ttl", "validation.json",
            "manifest.json"} <= files
    manifest = json.loads((workdir / "build" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["conforms"] is True and manifest["articles"] == [ARTICLE_ID]
    assert not [p for p in workdir.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_the_build_is_reported_on_with_the_collector_paused_and_it_is_back_after(tmp_path: Path, monkeypatch):
    # each full collection would walk the build's millions of objects again while its table is printed
    import gc

    import kg.cli

    seen: list[bool] = []
    print_stats = kg.cli._print_stats
    monkeypatch.setattr(kg.cli, "_print_stats", lambda *a, **k: seen.append(gc.isenabled()) or print_stats(*a, **k))
    assert gc.isenabled()
    result = invoke("build", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert seen == [False] and gc.isenabled()
    assert "SHACL validation: conforms" in result.stdout.decode("utf-8")


_WATCH_THE_BUILD = """
import atexit, sys
import kg.api

real = kg.api.KnowledgeGraph.build_to.__func__

def build_to(cls, *args, **kwargs):
    kg_, written = real(cls, *args, **kwargs)
    sys.stderr.write(f"store kept: {'asserted_store' in kg_.__dict__ or bool(kg_._spent_stores)}\\n")
    return kg_, written

kg.api.KnowledgeGraph.build_to = classmethod(build_to)
atexit.register(lambda: sys.stderr.write("exit handlers ran\\n"))
"""


def test_the_console_script_ends_without_letting_go_of_the_build(tmp_path: Path):
    """kg build leaves its build for the process's end (kg.cli.leave_for_exit): the store is not let go of after
    validation (the process ends without letting go of it, see the next test); the exit handlers still run, the
    output is all there and the exit code is the command's."""
    import os
    import subprocess
    import sys

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(_WATCH_THE_BUILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    script = subprocess.run([sys.executable, "-m", "kg", "build", "--out", str(tmp_path / "out")], cwd=tmp_path,
                            env=env, capture_output=True, timeout=300)
    err = script.stderr.decode("utf-8")
    assert script.returncode == 0, err
    assert script.stdout.decode("utf-8").endswith(f"Written to {tmp_path / 'out'}/\n")
    assert "store kept: True" in err and "exit handlers ran" in err
    assert (tmp_path / "out" / "dataset.trig").stat().st_size > 0
    # called from another program (here, a script: with arguments, or with its own sys.argv), the command lets go
    # of the store, and the caller gets the SystemExit and goes on
    for call in (f"main(['build', '-q', '--out', {str(tmp_path / 'again')!r}])",
                 f"sys.argv = ['kg', 'build', '-q', '--out', {str(tmp_path / 'again')!r}]; main()"):
        program = (f"import signal, sys\nfrom kg.__main__ import main\ntry:\n    {call}\nexcept SystemExit as exc:\n"
                   "    print(f'the caller goes on after exit {exc.code}')\n"
                   "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler,\n"
                   "      signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, signal.pthread_sigmask(signal.SIG_BLOCK, []))\n")
        called = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True,
                                timeout=300)
        err = called.stderr.decode("utf-8")
        assert called.returncode == 0, err
        # and its signal handling as it was (kg's handlers and mask were left in place)
        assert called.stdout.decode("utf-8") == "the caller goes on after exit 0\nTrue True set()\n"
        assert "store kept: False" in err and "exit handlers ran" in err


def test_ending_at_once_runs_the_exit_handlers_and_flushes_but_lets_go_of_nothing(tmp_path: Path):
    """kg.__main__._end_now, how the console script ends after a build: what the interpreter's end does
    first, then the process ends with the code, no object let go of one by one."""
    import subprocess
    import sys

    program = ("import atexit, sys\n"
               "atexit.register(lambda: sys.stderr.write('exit handlers ran\\n'))\n"
               "class Held:\n"
               "    def __del__(self): sys.stderr.write('let go of\\n')\n"
               "held = Held()\n"
               "from kg.__main__ import _end_now\n"
               "print('the output', end='')\n"
               "_end_now(3)\n")
    ended = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, timeout=60)
    assert ended.returncode == 3 and ended.stdout == b"the output"
    assert ended.stderr.decode("utf-8") == "exit handlers ran\n"


def test_validate_the_last_build(workdir: Path):
    result = invoke("validate", cwd=workdir)
    assert result.returncode == 0 and "Conforms" in result.stdout.decode()
    as_json = invoke("validate", "--format", "json", cwd=workdir)
    assert json.loads(as_json.stdout)["conforms"] is True


def test_validate_files_with_a_violation_exits_1_with_label_and_sentence(workdir: Path, tmp_path: Path):
    asserted = (workdir / "build" / "asserted.ttl").read_text(encoding="utf-8")
    org = "<https://w3id.org/ict-coop-kg/id/organization/telecom-egypt>"
    broken = asserted.replace(f"kg:operator {org}", f"kg:operator {org[:-1]}-typo>", 1)
    assert broken != asserted
    bad = tmp_path / "bad.ttl"
    bad.write_text(broken, encoding="utf-8")
    result = invoke("validate", bad, cwd=tmp_path)
    out = result.stdout.decode()
    assert result.returncode == 1, result.stderr.decode()
    assert "Telecom Egypt point of presence in Aqaba" in out
    assert "نقطة تواجد الشركة المصرية للاتصالات فى مدينة العقبة الأردنية" in out  # the source sentence
    ar = invoke("validate", bad, "--lang", "ar", cwd=tmp_path).stdout.decode()
    assert "نقطة تواجد الشركة المصرية للاتصالات في العقبة" in ar and "المشغل مؤسسة" in ar


@pytest.mark.parametrize(("content", "expect"), [
    (b"", "empty"),
    (b"@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a foo:b ex:c .\n", "bad.ttl:3:6"),
    (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "not UTF-8"),
])
def test_validate_unusable_file_exits_2_without_traceback(tmp_path: Path, content: bytes, expect: str):
    bad = tmp_path / "bad.ttl"
    bad.write_bytes(content)
    result = invoke("validate", bad, cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert expect in err and "Traceback" not in err


def test_missing_file_and_unknown_extension_exit_2(tmp_path: Path):
    missing = invoke("validate", tmp_path / "nope.ttl", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr.decode()
    odd = tmp_path / "data.docx"
    odd.write_text("x")
    unknown = invoke("validate", odd, cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown RDF file extension" in unknown.stderr.decode()


def test_unknown_export_format_exits_2(workdir: Path):
    result = invoke("export", "--format", "yaml", cwd=workdir)
    assert result.returncode == 2 and "Traceback" not in result.stderr.decode()


def test_export_is_deterministic_and_utf8(workdir: Path, tmp_path: Path):
    first = invoke("export", "--inferred", "--format", "turtle", cwd=workdir)
    second = invoke("export", "--inferred", "--format", "turtle", "-o", tmp_path / "out.ttl", cwd=workdir)
    assert first.returncode == second.returncode == 0
    assert first.stdout == (tmp_path / "out.ttl").read_bytes()
    assert "عمرو طلعت".encode() in first.stdout and b"\\u" not in first.stdout


def test_a_failed_build_leaves_the_previous_output_untouched(workdir: Path, tmp_path: Path):
    from kg import resources
    import shutil

    before = tree_snapshot(workdir / "build")
    data = tmp_path / "data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    facts = data / "articles" / ARTICLE_ID / "article.ttl"
    facts.write_text(facts.read_text(encoding="utf-8").replace("خلال زيارته للأردن", "خلال زيارته لتونس"),
                     encoding="utf-8")
    result = invoke("build", "--data", data, cwd=workdir)
    assert result.returncode == 2
    assert "article.ttl:" in result.stderr.decode() and "خلال زيارته لتونس" in result.stderr.decode()
    assert tree_snapshot(workdir / "build") == before
    assert not [p for p in workdir.iterdir() if p.name.startswith(".")]


def test_a_non_conforming_build_exits_1_and_writes_nothing(tmp_path: Path):
    from kg import resources
    import shutil

    data = tmp_path / "data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    ref = data / "reference" / "places.ttl"  # Aqaba loses its country
    text = ref.read_text(encoding="utf-8")
    broken = text.replace('    kg:inCountry country:JO ;\n    geo:lat "29.53194"', '    geo:lat "29.53194"')
    assert broken != text
    ref.write_text(broken, encoding="utf-8")
    result = invoke("build", "--data", data, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 1
    assert "Aqaba" in result.stderr.decode() and "kg:inCountry" in result.stderr.decode()
    assert not (tmp_path / "out").exists()
    forced = invoke("build", "--data", data, "--out", tmp_path / "out", "--allow-violations", cwd=tmp_path)
    assert forced.returncode == 1 and (tmp_path / "out" / "validation.txt").is_file()


def test_user_data_folder_that_does_not_exist_exits_2(tmp_path: Path):
    result = invoke("build", "--data", tmp_path / "nowhere", cwd=tmp_path)
    assert result.returncode == 2 and "data folder not found" in result.stderr.decode()


def test_stats(workdir: Path):
    result = invoke("stats", "--format", "json", cwd=workdir)
    stats = json.loads(result.stdout)
    assert result.returncode == 0
    domains = {d["label_en"]: d["facts"] for d in stats["domains"]}
    assert domains["Postal services"] >= 3 and domains["Data centres"] >= 2
    assert stats["classes"]["kg:Meeting"] == 2 and stats["classes"]["kg:Person"] == 2
    table = invoke("stats", cwd=workdir).stdout.decode()
    assert "التحول الرقمي" in table


def test_help_is_fast_and_does_not_import_heavy_libraries():
    import subprocess
    import sys

    code = "import sys; from kg.cli import app; print(sorted(m for m in ('rdflib', 'pyshacl', 'owlrl') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
