"""Articles assembled in worker processes (kg.load._Assembly): the graphs, the cache, the errors and the end of
the workers are those of a load in one process."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg import errors
from kg.errors import KGError, QuoteError
from kg.load import PARALLEL_MIN_ARTICLES, load_graphs

from .conftest import KG_EXE

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.scale import make_data  # noqa: E402

N = PARALLEL_MIN_ARTICLES


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder of N copies of the seed article, each with its own ids (enough for worker processes)."""
    folder = tmp_path_factory.mktemp("generated") / "data"
    make_data(folder, N)
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
    notes: list[str] = []
    load_graphs(generated, jobs=1, progress=notes.append)
    assert not [n for n in notes if n.startswith("assembling")], notes
    small = tmp_path / "small"
    make_data(small, N - 1)
    load_graphs(small, jobs=2, progress=notes.append)
    assert not [n for n in notes if n.startswith("assembling")], notes


def _break(folder: Path, article: str, old: str, new: str) -> None:
    ttl = folder / "articles" / article / "article.ttl"
    text = ttl.read_text(encoding="utf-8")
    assert old in text
    ttl.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_article_error_from_a_worker_is_the_one_a_single_process_raises(generated: Path, tmp_path: Path,
                                                                           monkeypatch):
    """A quote missing from article 5, and article 12 with no text: both loads stop at article 5 with the same
    located error (the worker's exception crosses the process boundary whole)."""
    monkeypatch.setenv("KG_CACHE_DIR", "")
    data = tmp_path / "data"
    make_data(data, N)
    ttl = (data / "articles" / "bench_00005" / "article.ttl").read_text(encoding="utf-8")
    line = next(line for line in ttl.splitlines() if line.startswith('[] kg:quote "'))  # not a comment
    _break(data, "bench_00005", line, '[] kg:quote "words this article never says"@ar ;')
    (data / "articles" / "bench_00012" / "article.txt").unlink()
    raised = {}
    for jobs in (1, 2):
        with pytest.raises(QuoteError) as info:
            load_graphs(data, jobs=jobs)
        raised[jobs] = (str(info.value), info.value.location, info.value.quote)
    assert raised[1] == raised[2]
    assert "bench_00005/article.ttl" in raised[2][0] and raised[2][2] == "words this article never says"


def test_a_folder_that_cannot_be_read_stops_the_load_where_one_process_would(generated: Path, tmp_path: Path,
                                                                             monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    data = tmp_path / "data"
    make_data(data, N)
    (data / "articles" / "bench_00003" / "article.txt").unlink()
    for jobs in (1, 2):
        with pytest.raises(errors.DataError, match=r"bench_00003: no article.txt"):
            load_graphs(data, jobs=jobs)


def test_when_the_workers_die_the_load_goes_on_in_this_process(generated: Path, in_one_process, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    notes: list[str] = []

    def kill_workers(note: str) -> None:
        notes.append(note)
        if note == "article bench_00001":  # the workers are running: kill them all
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)

    graphs, _articles = load_graphs(generated, jobs=2, progress=kill_workers)
    assert any(n.startswith("the assembling processes stopped") for n in notes), notes
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


@pytest.mark.parametrize(("how", "code"), [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 143),
                                           (signal.SIGINT, 130)])
def test_the_workers_end_with_the_build(generated: Path, tmp_path: Path, how: signal.Signals, code: int):
    """A build stopped while its workers assemble: a signal ends it with its code, and no worker outlives it,
    even when the build is killed with no chance to clean up."""
    marker = tmp_path / "assembling"
    proc = subprocess.Popen([str(KG_EXE), "build", "--data", str(generated), "--quiet", "--jobs", "2"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "KG_CACHE_DIR": "", "KG_FAULT_PAUSE": f"assemble:{marker}"})
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
        assert time.monotonic() < deadline
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert len(workers) >= 2, workers  # the workers (and the pool's resource tracker, if any)
    proc.send_signal(how)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err.decode()
    assert b"Traceback" not in err, err.decode()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, [pid for pid in workers if _alive(pid)]
        time.sleep(0.05)


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
