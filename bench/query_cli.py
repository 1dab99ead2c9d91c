"""`kg query` as a user runs it on a build folder: one process per question, with the build read into memory or
with the query store kept in the build folder (kg.querystore).

    .venv/bin/python bench/query_cli.py --build /tmp/b1000 who-met-whom agreements conflicting-facts

First the build folder's `query-store/` is removed and the first query is run with `--query-store disk`, which
makes it (its wall time is printed). Then for each query: the wall time of `kg query NAME --build DIR -f csv`
with `--query-store memory` and with `--query-store disk` (medians of --runs). The rows are compared: the two must
answer the same. The store is left made at the end.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

KG = Path(sys.executable).with_name("kg")


def run(build: Path, name: str, mode: str) -> tuple[float, list[bytes]]:
    """Wall seconds and the sorted CSV lines of one `kg query` process."""
    start = time.perf_counter()
    done = subprocess.run([str(KG), "query", name, "--build", str(build), "-f", "csv", "--query-store", mode],
                          capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"kg query {name} --query-store {mode}: exit {done.returncode}\n{done.stderr.decode()}")
    return seconds, sorted(done.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, required=True, help="a build folder (kg build --out)")
    parser.add_argument("--runs", type=int, default=3, help="runs per median")
    parser.add_argument("queries", nargs="+", help="packaged query names")
    args = parser.parse_args()
    shutil.rmtree(args.build / "query-store", ignore_errors=True)
    first = run(args.build, args.queries[0], "disk")
    print(f"`kg query {args.queries[0]}` making the store: {first[0]:.1f} s\n", flush=True)
    print("| query | rows | build read into memory | kept store |")
    print("|---|---:|---:|---:|")
    for name in args.queries:
        memory = [run(args.build, name, "memory") for _ in range(args.runs)]
        disk = [run(args.build, name, "disk") for _ in range(args.runs)]
        rows = memory[0][1]
        if any(lines != rows for _s, lines in [*memory, *disk]):
            sys.exit(f"{name}: the kept store and the build in memory answer differently")
        print(f"| `{name}` | {max(len(rows) - 1, 0):,} | {statistics.median(s for s, _ in memory):.1f} s "
              f"| {statistics.median(s for s, _ in disk):.1f} s |", flush=True)


if __name__ == "__main__":
    main()
