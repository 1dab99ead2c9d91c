"""Articles assembled in worker processes (kg.load._Assembly): the graphs, the cache, the errors and the end of
the workers are those of a load in one process."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import kg.cache
import kg.load
from kg import errors
from kg.errors import KGError, QuoteError
from kg.load import PARALLEL_MIN_ARTICLES, jobs_setting, load_graphs

from .conftest import KG_EXE

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.scale import make_data  # noqa: E402

N = 16
"""Articles of the in-process tests, which lower the threshold to 8 (the real one is for speed, not behaviour)."""


@pytest.fixture(autouse=True)
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kg.load, "PARALLEL_MIN_ARTICLES", 8)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder of N copies of the seed article, each with its own ids."""
    folder = tmp_path_factory.mktemp("generated") / "data"
    make_data(folder, N)
    return folder


@pytest.fixture(scope="module")
def generated_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough articles for a real ``kg build`` (its own process, the real threshold) to start workers."""
    folder = tmp_path_factory.mktemp("generated-full") / "data"
    make_data(folder, PARALLEL_MIN_ARTICLES)
    return folder


@pytest.fixture(scope="module")
def in_one_process(generated: Path) -> dict[str, bytes]:
    """The graphs of a load in one process, without a cache: what every other load must give."""
    graphs, _articles = load_graphs(generated, use_cache=False, jobs=1)
    return _canonical(graphs)


def _canonical(graphs) -> dict[str, bytes]:
    return {str(name): b"".join(sorted(graphs.serialize([name], "nt").splitlines(keepends=True)))
            for name in graphs.names()}


def test_workers_give_the_graphs_of_one_process_and_fill_the_cache(generated: Path, in_one_process,
                                                                   tmp_path: Path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    notes: list[str] = []
    graphs, articles = load_graphs(generated, jobs=2, progress=notes.append)
    assert f"assembling {N} article(s) in 2 processes" in notes
    assert [a.id for a in articles] == sorted(a.id for a in articles) and len(articles) == N
    assert _canonical(graphs) == in_one_process
    assert len(list((tmp_path / "cache" / "articles").glob("*.nt.z"))) == N  # written by the workers
    notes.clear()
    warm, _articles = load_graphs(generated, jobs=2, progress=notes.append)
    assert f"{N} of {N} article(s) unchanged (from the cache)" in notes
    assert not [n for n in notes if n.startswith("assembling")], notes
    assert _canonical(warm) == in_one_process


def test_one_process_is_used_below_the_threshold_or_when_asked(generated: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    monkeypatch.delenv("KG_JOBS", raising=False)
    notes: list[str] = []
    load_graphs(generated, jobs=1, progress=notes.append)
    load_graphs(generated, progress=notes.append)  # the API's default: one process
    assert not [n for n in notes if n.startswith("assembling")], notes
    small = tmp_path / "small"
    make_data(small, 7)
    load_graphs(small, jobs=2, progress=notes.append)
    assert not [n for n in notes if n.startswith("assembling")], notes
    monkeypatch.setenv("KG_JOBS", "2")
    load_graphs(generated, progress=notes.append)
    assert f"assembling {N} article(s) in 2 processes" in notes


def test_meanwhile_runs_once_while_workers_assemble_and_never_without_them(generated: Path, tmp_path: Path,
                                                                          monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    events: list[str] = []
    given: list = []
    graphs, _articles = load_graphs(generated, jobs=2, progress=events.append, meanwhile=lambda loaded: (
        given.append((loaded, set(loaded.names()))), events.append("meanwhile")))
    assert events.count("meanwhile") == 1
    (called_with, names_then), = given
    assert called_with is graphs  # the build's graphs, with the ontology and reference data and no article yet
    assert names_then == {kg.load.ONTOLOGY_GRAPH, kg.load.REFERENCE_GRAPH}
    started = events.index(f"assembling {N} article(s) in 2 processes")
    first_taken = next(i for i, e in enumerate(events) if e.startswith("article "))
    assert started < events.index("meanwhile") < first_taken  # while the workers assemble, before any is taken
    events.clear()
    load_graphs(generated, jobs=2, progress=events.append, meanwhile=lambda _: events.append("meanwhile"))  # cached
    load_graphs(generated, jobs=1, use_cache=False, meanwhile=lambda _: events.append("meanwhile"))  # one process
    assert "meanwhile" not in events


def test_a_build_with_workers_makes_the_rules_while_they_assemble(generated: Path, tmp_path: Path, monkeypatch):
    from kg import KnowledgeGraph
    from kg.engine import rules

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))  # no cached rules
    monkeypatch.setattr(rules, "_CACHE", {})
    made: list[str] = []
    generate = rules.RuleSet._generate.__func__
    monkeypatch.setattr(rules.RuleSet, "_generate", classmethod(
        lambda cls, ontology: made.append(stage[-1]) or generate(cls, ontology)))
    stage: list[str] = ["before"]
    kg = KnowledgeGraph.build(generated, jobs=2, progress=stage.append)
    assert made == [f"assembling {N} article(s) in 2 processes"]  # once, during the load, not when reasoning
    assert len(kg.graphs.triples(rules.INFERRED_GRAPH)) > 0


@pytest.mark.parametrize(("value", "jobs"), [(None, 1), ("", 1), ("3", 3), ("0", None), ("-1", None),
                                             ("lots", None), ("2.5", None)])
def test_kg_jobs_sets_the_default(monkeypatch, value, jobs):
    if value is None:
        monkeypatch.delenv("KG_JOBS", raising=False)
    else:
        monkeypatch.setenv("KG_JOBS", value)
    if jobs is None:
        with pytest.raises(errors.InputError, match=f"KG_JOBS={value!r}: give a whole number"):
            jobs_setting()
    else:
        assert jobs_setting() == jobs


def _break(folder: Path, article: str, old: str, new: str) -> None:
    ttl = folder / "articles" / article / "article.ttl"
    text = ttl.read_text(encoding="utf-8")
    assert old in text
    ttl.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_article_error_from_a_worker_is_the_one_a_single_process_raises(tmp_path: Path, monkeypatch):
    """A quote missing from article 5, and the last article with no text: both loads stop at article 5 with the
    same located error (the worker's exception crosses the process boundary whole)."""
    monkeypatch.setenv("KG_CACHE_DIR", "")
    data = tmp_path / "data"
    make_data(data, N)
    ttl = (data / "articles" / "bench_00005" / "article.ttl").read_text(encoding="utf-8")
    line = next(line for line in ttl.splitlines() if line.startswith('[] kg:quote "'))  # not a comment
    _break(data, "bench_00005", line, '[] kg:quote "words this article never says"@ar ;')
    (data / "articles" / f"bench_{N - 1:05d}" / "article.txt").unlink()
    raised = {}
    for jobs in (1, 2):
        notes: list[str] = []
        with pytest.raises(QuoteError) as info:
            load_graphs(data, jobs=jobs, progress=notes.append)
        assert any(n.startswith("assembling") for n in notes) == (jobs == 2), notes
        raised[jobs] = (str(info.value), info.value.location, info.value.quote)
    assert raised[1] == raised[2]
    assert "bench_00005/article.ttl" in raised[2][0] and raised[2][2] == "words this article never says"


def test_a_folder_that_cannot_be_read_stops_the_load_where_one_process_would(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    data = tmp_path / "data"
    make_data(data, N)
    (data / "articles" / "bench_00012" / "article.txt").unlink()
    for jobs in (1, 2):
        notes: list[str] = []
        with pytest.raises(errors.DataError, match=r"bench_00012: no article.txt"):
            load_graphs(data, jobs=jobs, progress=notes.append)
        assert any(n.startswith("assembling") for n in notes) == (jobs == 2), notes


def test_when_the_workers_die_the_load_goes_on_in_this_process(generated: Path, in_one_process, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    notes: list[str] = []

    def kill_workers(note: str) -> None:
        notes.append(note)
        if note == "article bench_00001":  # the workers are running: kill them all
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)

    kept: list[str] = []
    graphs, _articles = load_graphs(generated, jobs=2, progress=kill_workers, notes=kept)
    assert any("assembling" in n for n in notes)
    assert kept == ["a worker process assembling articles stopped (killed, or out of memory); the articles left "
                    "were assembled in the building process"]
    assert _canonical(graphs) == in_one_process


@pytest.mark.parametrize("error", [
    errors.DataError("an article without text"),
    errors.RDFSyntaxError("turtle syntax error: bad", errors.Location("a/article.ttl", 3, 7)),
    errors.QuoteError("not in the article", errors.Location("a/article.ttl", 9), "the quote"),
    errors.EndpointError("down", transient=True, status=503),
])
def test_every_error_crosses_a_process_boundary_whole(error: KGError):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error) and copy.args == error.args and vars(copy) == vars(error)


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _paused_in_assembly(data: Path, folder: Path, *, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``kg build`` with caching off, paused while its workers assemble; its temporary folders in
    ``folder/tmp``."""
    marker = folder / "assembling"
    (folder / "tmp").mkdir()
    proc = subprocess.Popen([str(KG_EXE), "build", "--data", str(data), "--quiet", "--jobs", "2"],
                            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "KG_CACHE_DIR": "", "KG_FAULT_PAUSE": f"assemble:{marker}",
                                 "TMPDIR": str(folder / "tmp"), **(env or {})})
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return proc


@pytest.mark.parametrize(("how", "code"), [("kill", -signal.SIGKILL), ("term", 143), ("int", 130),
                                           ("ctrl-c", 130), ("ctrl-c twice", 130)])
def test_the_workers_end_with_the_build(generated_full: Path, tmp_path: Path, how: str, code: int):
    """A build stopped while its workers assemble (at once, before they are ready: a Ctrl-C goes to the whole
    process group): it ends with its code, says nothing more, and no worker outlives it, even when the build is
    killed with no chance to clean up."""
    proc = _paused_in_assembly(generated_full, tmp_path)
    workers = _children(proc.pid)
    assert len(workers) >= 2, workers  # the workers (and the pool's resource tracker)
    if how == "kill":
        proc.kill()
    elif how in ("term", "int"):
        proc.send_signal(signal.SIGTERM if how == "term" else signal.SIGINT)
    else:
        os.killpg(proc.pid, signal.SIGINT)
        if how == "ctrl-c twice":
            time.sleep(0.1)
            os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err.decode()
    if how != "kill":
        message = err.decode().strip()  # one line, no traceback, nothing from the workers
        assert message.startswith(("kg: interrupted", "kg: terminated (SIGTERM)")) and "\n" not in message, message
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, [pid for pid in workers if _alive(pid)]
        time.sleep(0.05)
    # where the workers kept the articles (caching is off): removed, unless the build had no chance to
    left = [p.name for p in (tmp_path / "tmp").glob("kg-assembly-*")]
    if how == "kill":
        assert len(left) == 1 and left[0].startswith(f"kg-assembly-{proc.pid}-"), left
    else:
        assert left == [], left


def test_a_killed_loads_temporary_folder_is_removed_by_the_next_load(generated: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    """With caching off, workers keep the articles in a temporary folder named after the building process; a
    load removes those of processes that are gone (killed with ``kill -9``) once nothing was written in them for
    an hour (a process in another PID namespace looks gone), and its own when it ends."""
    monkeypatch.setenv("KG_CACHE_DIR", "")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout)
    stale, recent = tmp_path / f"kg-assembly-{gone}-x1", tmp_path / f"kg-assembly-{gone}-x3"
    for folder in (stale, recent):
        (folder / "articles").mkdir(parents=True)
    hours_ago = time.time() - 2 * 3600
    for path in (stale / "articles", stale):
        os.utime(path, (hours_ago, hours_ago))
    running = tmp_path / f"kg-assembly-{os.getpid()}-x2"  # a process that is still there: left alone
    running.mkdir()
    os.utime(running, (hours_ago, hours_ago))
    notes: list[str] = []
    load_graphs(generated, jobs=2, progress=notes.append)
    assert any("assembling" in n for n in notes)  # the workers ran
    assert sorted(p.name for p in tmp_path.glob("kg-assembly-*")) == sorted([running.name, recent.name])


def test_without_a_temporary_folder_the_load_runs_in_one_process(generated: Path, in_one_process,
                                                                 monkeypatch: pytest.MonkeyPatch):
    """Caching off and no temporary folder to be had (a full disk): one process, said in a note, with Ctrl-C and
    SIGTERM as they were."""
    monkeypatch.setenv("KG_CACHE_DIR", "")

    def full(*_args: object, **_kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", full)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    notes: list[str] = []
    graphs, _articles = load_graphs(generated, jobs=2, notes=notes)
    assert notes == ["articles assembled in one process: no folder for worker processes to keep them in "
                     "(No space left on device)"]
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == before
    assert _canonical(graphs) == in_one_process


def test_an_untrusted_cache_folder_is_not_where_workers_keep_articles(generated: Path, in_one_process,
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    """A cache folder others may write to is not trusted, so nothing kept there could be read back: the workers
    keep the articles in a temporary folder instead, and the building process assembles none of them again."""
    cache = tmp_path / "cache"
    (cache / "articles").mkdir(parents=True)
    (cache / "articles").chmod(0o777)
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    here: list[str] = []
    assemble = kg.load._assemble_here
    monkeypatch.setattr(kg.load, "_assemble_here", lambda *args: here.append("one") or assemble(*args))
    notes: list[str] = []
    graphs, _articles = load_graphs(generated, jobs=2, notes=notes, progress=notes.append)
    assert any("assembling" in n for n in notes) and here == []
    assert _canonical(graphs) == in_one_process
    assert list(tmp_path.glob("kg-assembly-*")) == []


def test_workers_killed_while_they_hand_back_articles_never_hang_the_load(generated: Path):
    """Workers killed in the middle of a load, again and again (in a child process, under a time limit): each
    load ends. A worker once handed back an article's N-Triples through its pipe, and one killed halfway
    through writing them left CPython's pool waiting for the rest for ever; now it hands back nothing."""
    # the killing waits, holding Python's interpreter lock, so that the pool's thread cannot read what the
    # workers hand back: a worker that finished an article meanwhile is killed in the middle of handing it back
    program = f"""
import multiprocessing, os, signal, sys, time
from pathlib import Path
import kg.load
kg.load.PARALLEL_MIN_ARTICLES = 8
os.environ["KG_CACHE_DIR"] = ""
for _ in range(3):
    def kill(note):
        if note == "article bench_00001":
            sys.setswitchinterval(5)
            start = time.monotonic()
            while time.monotonic() - start < 0.5:
                pass
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)
            sys.setswitchinterval(0.005)
    notes = []
    kg.load.load_graphs(Path({str(generated)!r}), jobs=2, progress=kill, notes=notes)
    assert len(notes) == 1, notes
print("ended")
"""
    try:
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("a load whose workers were killed did not end")
    assert done.returncode == 0 and done.stdout.strip() == "ended", done.stderr[-2000:]


def test_a_workers_rdflib_messages_stay_quiet_like_the_builders(generated_full: Path, tmp_path: Path):
    """An ill-typed literal found in a worker: the one located message, as with one process (rdflib's logged
    traceback is silenced in the workers too)."""
    import shutil

    from .conftest import run_kg

    data = tmp_path / "data"
    shutil.copytree(generated_full, data)
    last = f"bench_{PARALLEL_MIN_ARTICLES - 1:05d}"
    with (data / "articles" / last / "article.ttl").open("a", encoding="utf-8") as out:
        out.write(f'\n<https://w3id.org/ict-coop-kg/id/article/{last}> '
                  '<http://schema.org/wordCount> "twelve"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
    results = {jobs: run_kg("build", "--data", data, "--out", tmp_path / f"out{jobs}", "--jobs", jobs, "--quiet",
                            cwd=tmp_path, env={"KG_CACHE_DIR": ""}) for jobs in ("1", "2")}
    assert results["1"].returncode == results["2"].returncode == 2
    assert results["1"].stderr == results["2"].stderr
    assert b"'twelve' is not a valid xsd:integer value" in results["2"].stderr
    assert b"Traceback" not in results["2"].stderr


def test_a_program_read_from_standard_input_assembles_in_one_process_and_says_so(generated_full: Path,
                                                                               tmp_path: Path):
    """Worker processes import the main module; a program given on standard input has no file to import."""
    program = (f"from pathlib import Path\nfrom kg.load import load_graphs\nnotes = []\n"
               f"graphs, articles = load_graphs(Path({str(generated_full)!r}), jobs=2, use_cache=False, "
               "notes=notes)\n"
               "print(len(articles), notes)\n")
    result = subprocess.run([sys.executable, "-"], input=program.encode(), capture_output=True, cwd=tmp_path,
                            timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert result.stdout.decode().startswith(f"{PARALLEL_MIN_ARTICLES} ['articles assembled in one process")


@pytest.mark.parametrize(("args", "env", "says"), [
    (["--jobs", "0"], {}, "greater than or equal to 1"),
    (["-j", "-2"], {}, "greater than or equal to 1"),
    ([], {"KG_JOBS": "lots"}, "valid integer"),
])
def test_a_wrong_number_of_jobs_is_exit_2_before_anything_is_read(tmp_path: Path, args, env, says):
    from .conftest import invoke

    result = invoke("build", *args, "--out", tmp_path / "build", cwd=tmp_path, env=env)
    assert result.code == 2, result.err
    assert "--jobs" in result.err and says in result.err and "Traceback" not in result.err
    assert not (tmp_path / "build").exists()


def test_the_api_refuses_fewer_than_one_job():
    from kg import KnowledgeGraph

    with pytest.raises(errors.InputError, match="jobs=0"):
        KnowledgeGraph.build(jobs=0)


def test_an_article_a_worker_kept_that_cannot_be_read_back_is_assembled_here(generated: Path, in_one_process,
                                                                             monkeypatch: pytest.MonkeyPatch):
    """The disk filled after the workers started: what they kept cannot be read back. Each such article is
    assembled in the building process, the same graphs come out, and a note says so once."""
    monkeypatch.setenv("KG_CACHE_DIR", "")
    monkeypatch.setattr(kg.cache.ArticleCache, "get", lambda self, key: None)
    notes: list[str] = []
    graphs, _articles = load_graphs(generated, jobs=2, notes=notes)
    assert len(notes) == 1 and notes[0].startswith("an article a worker process assembled could not be read back")
    assert _canonical(graphs) == in_one_process
