"""Scale benchmark: build N copies of the seed article (distinct IRIs, shared reference data) and time each stage.

Run on demand (not part of the test suite); record results in bench/README.md:

    .venv/bin/python bench/scale.py --articles 200                       # the fast engine (default)
    .venv/bin/python bench/scale.py --articles 40 --engine reference     # owlrl + pySHACL
    .venv/bin/python bench/scale.py --compare-reference                  # reference at 10 and 40, the ratio
    .venv/bin/python bench/scale.py --articles 1000 --out-data /tmp/d1000 --no-run   # just the data folder
    .venv/bin/python bench/scale.py --articles 400 --skip-queries --warm --add-one   # cold, warm, one added

Each measured build runs in a fresh subprocess, so its peak RSS is its own, with an empty article cache
(``KG_CACHE_DIR`` in a temporary folder: a cold build); ``--warm`` builds again with the cache it filled, and
``--add-one`` once more after adding an article, each into the build folder of the run before (as ``kg build``
builds again into ``build/``: a build that finds the earlier one there validates only what was added, see
:mod:`kg.increment`). Stages, timed from the build's own progress notes (it runs as
``kg build`` runs it, :meth:`KnowledgeGraph.build_to`, with worker processes on every CPU): load (parse,
quotes, facts, and the store of asserted triples made beside), reason, validate + write (validation in a second thread while every output file is
written, atomically), then queries (each packaged query's median over ``--query-runs`` runs, without
parameters): as ``kg query`` asks them of the build folder (in a process of its own, the build loaded as it loads it;
each answered from the answer the build kept, :mod:`kg.answers`), then run in the built graph's in-memory store (``live=True``, what a query with
parameters does). ``build`` is the wall time of the three build stages; ``wall`` adds the queries. CPU counts the
workers' too; the peak RSS is the building process's (a worker holds about 60 MiB, only while loading).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg import KnowledgeGraph, resources
from kg.load import available_cpus

SEED_ID = "000_c98f5de2b5b9bb51"
FACT_PREFIXES = ("post", "event", "discussion", "outcome", "initiative", "statement", "infrastructure", "service")


def make_data(target: Path, copies: int) -> None:
    """Write a data folder with ``copies`` articles, each with its own fact IRIs."""
    source = resources.data_dir()
    shutil.copytree(str(source / "reference"), target / "reference", ignore=shutil.ignore_patterns("__init__.py"))
    text = (source / "articles" / SEED_ID / "article.txt").read_bytes()
    facts = (source / "articles" / SEED_ID / "article.ttl").read_text(encoding="utf-8")
    for n in range(copies):
        _write_copy(target, n, text, facts)


def _write_copy(target: Path, n: int, text: bytes, facts: str) -> None:
    article_id = f"bench_{n:05d}"
    folder = target / "articles" / article_id
    folder.mkdir(parents=True)
    (folder / "article.txt").write_bytes(text)
    copy = facts.replace(f"article:{SEED_ID}", f"article:{article_id}")
    for prefix in FACT_PREFIXES:
        copy = re.sub(rf"(@prefix {prefix}:\s+<https://w3id.org/ict-coop-kg/id/{prefix}/)>",
                      rf"\1{article_id}/>", copy)
    (folder / "article.ttl").write_text(copy, encoding="utf-8")


def add_article(target: Path, n: int) -> None:
    """Add one more copy of the seed article (number ``n``) to the data folder ``target``."""
    source = resources.data_dir()
    text = (source / "articles" / SEED_ID / "article.txt").read_bytes()
    facts = (source / "articles" / SEED_ID / "article.ttl").read_text(encoding="utf-8")
    _write_copy(target, n, text, facts)


def measure(data: Path, engine: str, query_runs: int, skip_queries: bool = False, out: Path | None = None) -> dict:
    """Build ``data`` with ``engine`` in this process and time every stage; a JSON-able dict. ``out``: the build
    folder, kept (a build there from an earlier run is what ``kg build`` finds there again); None: a new one."""
    timings: dict[str, float] = {}
    cpu_times: dict[str, float] = {}
    wall = time.perf_counter()
    cpu = _cpu()
    t, c = time.perf_counter(), _cpu()

    def lap(stage: str) -> None:
        nonlocal t, c
        timings[stage] = time.perf_counter() - t
        cpu_times[stage] = _cpu() - c
        t, c = time.perf_counter(), _cpu()

    stages = {"reasoning (OWL-RL)": "reason", "validating (SHACL) and writing": "validate + write"}
    current = ["load"]

    def note(stage: str) -> None:  # the build's own progress notes mark where each stage starts
        # "validating (SHACL: what the 1 article(s) added since the last build can change) and writing" too
        key = "validating (SHACL) and writing" if stage.startswith("validating (SHACL") else stage
        if key in stages:
            lap(current[0])
            current[0] = stages[key]

    queries: dict[str, float] = {}
    live: dict[str, float] = {}
    with contextlib.ExitStack() as stack:  # as kg build runs it
        out = str(out) if out is not None else stack.enter_context(tempfile.TemporaryDirectory())
        kg, _written = KnowledgeGraph.build_to(Path(out) / "build", data, engine=engine, allow_violations=True,
                                               jobs=available_cpus(), progress=note, keep_store=True)
        lap(current[0])
        build_wall = time.perf_counter() - wall
        report = kg.report
        assert report is not None
        violations = len(report.violations)  # the seed copies conform; a count here means the data or shapes changed
        if not skip_queries:
            from kg.query import list_queries

            def median_ms(run: Any, name: str) -> float:
                runs = []
                for _ in range(query_runs):
                    t = time.perf_counter()
                    run(name)
                    runs.append(time.perf_counter() - t)
                return statistics.median(runs)

            names = [q.name for q in list_queries()
                     if not q.is_violation_check and not any(p.required for p in q.parameters)]
            # as kg query asks them: in a process of its own (not this one, which holds the build's millions of
            # objects), the build loaded as it loads it, each query answered from the answer the build kept
            # (kg.answers), or run in the build's on-disk query store when none was kept
            kept = kept_medians(Path(out) / "build", names, query_runs)
            queries.update(kept["medians"])
            timings["queries (sum of medians)"] = sum(queries.values())
            cpu_times["queries (sum of medians)"] = kept["cpu"] / query_runs
            # the same queries run, in the built graph's in-memory store (what a parameter or --live asks for)
            c = _cpu()
            for name in names:
                live[name] = median_ms(lambda n: kg.query(n, live=True), name)
            timings["queries run (sum of medians)"] = sum(live.values())
            cpu_times["queries run (sum of medians)"] = (_cpu() - c) / query_runs
    triples = len(kg.graphs)
    return {
        "articles": len(kg.articles), "engine": kg.engine.name, "fallbacks": kg.engine.fallbacks,
        "triples": triples, "violations": violations, "build": build_wall,
        "wall": time.perf_counter() - wall, "cpu": _cpu() - cpu,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stages": timings, "stages_cpu": cpu_times, "queries": queries, "queries_run": live,
        "cache": os.environ.get("KG_CACHE_DIR", ""),
    }


def kept_medians(build: Path, names: list[str], runs: int) -> dict[str, Any]:
    """Each query's median time over ``runs`` (seconds, under ``medians``) as ``kg query NAME --build BUILD``
    asks it, and the CPU seconds of all the runs (``cpu``): in a fresh process (:func:`time_kept`), so that
    neither the building process's memory nor its imports count."""
    cmd = [sys.executable, __file__, "--time-kept", str(build), "--query-runs", str(runs), "--names", *names]
    return json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout)


def time_kept(build: Path, names: list[str], runs: int) -> dict[str, Any]:
    """The child of :func:`kept_medians`: load the build as ``kg query`` does and time each query."""
    loaded = KnowledgeGraph.load(build, query_store="auto")
    medians = {}
    cpu = time.process_time()
    for name in names:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            loaded.query(name)
            times.append(time.perf_counter() - t)
        medians[name] = statistics.median(times)
    assert not loaded.notes, loaded.notes
    return {"medians": medians, "cpu": time.process_time() - cpu}


def run_child(articles: int, engine: str, query_runs: int, skip_queries: bool, *,
              warm: bool = False, add_one: bool = False) -> list[dict]:
    """Generate ``articles`` articles and measure their build in a fresh subprocess with an empty article cache
    (cold); with ``warm``, again with the cache the first build filled; with ``add_one``, once more after one
    article was added (the cache holding the others)."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        make_data(data, articles)
        env = dict(os.environ, KG_CACHE_DIR=str(Path(tmp) / "cache"))
        # every run builds into the same folder, as kg build does: the later ones find the earlier build there
        cmd = [sys.executable, __file__, "--measure", str(data), "--engine", engine, "--out", str(Path(tmp) / "out"),
               "--query-runs", str(query_runs)] + (["--skip-queries"] if skip_queries else [])
        runs = ["cold"] + (["warm"] if warm else []) + (["one article added"] if add_one else [])
        for run in runs:
            if run == "one article added":
                add_article(data, articles)
            out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env).stdout
            result = json.loads(out.strip().splitlines()[-1])
            result["run"] = run
            results.append(result)
    return results


def show(result: dict) -> None:
    print(f"[{result.get('run', 'cold')}] articles={result['articles']} engine={result['engine']} triples={result['triples']} "
          f"violations={result['violations']} build={result['build']:.1f} s wall={result['wall']:.1f} s cpu={result['cpu']:.1f} s peak_rss={result['peak_rss_mib']:.0f} MiB")
    for note in result["fallbacks"]:
        print(f"  fallback: {note}")
    print(f"  {'stage':28s} {'wall':>8s}   {'CPU':>8s}")
    for stage, seconds in result["stages"].items():
        print(f"  {stage:28s} {seconds:8.2f} s {result['stages_cpu'].get(stage, 0):8.2f} s")
    for key, what in (("queries", "kept answers"), ("queries_run", "run in memory")):
        if result.get(key):
            slowest = sorted(result[key].items(), key=lambda kv: -kv[1])
            print(f"  query medians, {what} (ms): " + ", ".join(f"{name} {s * 1000:.1f}" for name, s in slowest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, nargs="+", default=[20], help="one or more sizes")
    parser.add_argument("--engine", default="fast", choices=["fast", "reference"])
    parser.add_argument("--query-runs", type=int, default=3)
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument("--out-data", type=Path, help="write the generated data folder here (for kg build --data)")
    parser.add_argument("--no-run", action="store_true", help="with --out-data: only write the data folder")
    parser.add_argument("--compare-reference", action="store_true",
                        help="also run the reference engine at 10 and 40 articles and print the per-article ratio")
    parser.add_argument("--json", action="store_true", help="print each result as one JSON line as well")
    parser.add_argument("--warm", action="store_true",
                        help="also build again with the article cache the first build filled")
    parser.add_argument("--add-one", action="store_true",
                        help="also build again after adding one article (the others from the cache)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)  # the child's build folder
    parser.add_argument("--time-kept", type=Path, help=argparse.SUPPRESS)  # the child of kept_medians
    parser.add_argument("--names", nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_kept:
        print(json.dumps(time_kept(args.time_kept, args.names, args.query_runs)))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.engine, args.query_runs, args.skip_queries, args.out)))
        return
    if args.out_data:
        if args.out_data.exists():
            raise SystemExit(f"{args.out_data}: exists; give a new folder")
        make_data(args.out_data, args.articles[0])
        print(f"wrote {args.articles[0]} articles to {args.out_data}/ (build it with: kg build --data {args.out_data})")
        if args.no_run:
            return
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    if args.compare_reference:
        small, large = (run_child(n, "reference", args.query_runs, args.skip_queries)[0]
                        for n in (10, 40))
        for result in (small, large):
            show(result)
        per_small, per_large = small["cpu"] / 10, large["cpu"] / 40
        print(f"reference engine: {per_small:.2f} s CPU per article at 10, {per_large:.2f} s at 40: "
              f"ratio {per_large / per_small:.2f} (1.00 = linear)")
    for n in args.articles:
        for result in run_child(n, args.engine, args.query_runs, args.skip_queries, warm=args.warm,
                                add_one=args.add_one):
            show(result)
            if args.json:
                print(json.dumps(result))
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def _cpu() -> float:
    """CPU seconds of this process and of its children once they ended (the workers that assemble articles)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
