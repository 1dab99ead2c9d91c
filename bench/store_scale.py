"""Beyond one process: N × a generated build's triples in an on-disk Oxigraph store, and the packaged queries there.

A ``kg build`` of 10,000 articles (about 25 M triples) does not fit this machine's memory in one process, so the
size is measured where it would run: in a SPARQL server's store (``kg publish`` to ``oxigraph serve``, whose
store is the one ``pyoxigraph.Store(path)`` opens). The triples come from a build of generated articles
(``bench/scale.py --articles 1000 --out-data DIR --no-run`` then ``kg build --data DIR --out BUILD``): its
``asserted.ttl`` and ``inferred.ttl`` are loaded ``--copies`` times, each copy's article-specific IRIs renamed
(``bench_0NNNN`` → ``bench_KNNNN``), so 10 copies of a 1,000-article build are 10,000 articles with the
reference data shared, as ``bench/scale.py`` makes them.

    .venv/bin/python bench/store_scale.py --build /tmp/b1000 --copies 10 --store /tmp/store10k --keep
    .venv/bin/python bench/store_scale.py --reuse --store /tmp/store10k --runs 1 agreements who-met-whom

Prints the triples, the load time, the store's size on disk, the peak resident memory of the loading process,
and each packaged query's median (``--runs`` runs, each query in a fresh read-only process, ``--timeout``
seconds at most; all the packaged queries without required parameters, or those named).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.query import list_queries

CHILD = r"""
import statistics, sys, time, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
text = sys.stdin.read()
runs = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); rows = list(store.query(text)); runs.append(time.perf_counter() - t)
print(f"{statistics.median(runs) * 1000:.0f} {len(rows)}")
"""


def load(build: Path, copies: int, target: Path) -> int:
    """Fill a new on-disk store at ``target`` with ``copies`` renamed copies of the build's triples; how many
    triples it holds."""
    import pyoxigraph as ox

    store = ox.Store(str(target))
    for name in ("asserted.ttl", "inferred.ttl"):
        text = (build / name).read_bytes()
        if b"bench_1" in text:
            raise SystemExit(f"{build / name}: already holds bench_1… IRIs; give a build of at most 10,000 articles")
        for copy in range(copies):
            data = text if copy == 0 else text.replace(b"bench_0", f"bench_{copy}".encode())
            store.bulk_load(data, format=ox.RdfFormat.TURTLE)
    store.flush()
    store.optimize()
    return len(store)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, help="a build folder of generated articles")
    parser.add_argument("--copies", type=int, default=10, help="how many renamed copies of its triples (≤ 10)")
    parser.add_argument("--store", type=Path, required=True, help="the on-disk store's folder: a new one, unless --reuse")
    parser.add_argument("--reuse", action="store_true", help="query a store an earlier --keep run left")
    parser.add_argument("--keep", action="store_true", help="keep the store afterwards")
    parser.add_argument("--runs", type=int, default=3, help="runs of each query (the median is printed)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a query may take (all its runs)")
    parser.add_argument("queries", nargs="*", help="only these packaged queries")
    args = parser.parse_args()
    if not 1 <= args.copies <= 10:
        parser.error("--copies must be between 1 and 10")
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    if args.reuse:
        if not args.store.is_dir():
            parser.error(f"--reuse: no store at {args.store}")
    elif args.build is None:
        parser.error("give --build (or --reuse an existing --store)")
    elif args.store.exists():
        parser.error(f"--store {args.store} exists; give a new folder, or --reuse it")
    else:
        start = time.perf_counter()
        triples = load(args.build, args.copies, args.store)
        seconds = time.perf_counter() - start
        size = sum(f.stat().st_size for f in args.store.rglob("*") if f.is_file())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{triples:,} triples; load: {seconds:.1f} s wall, {time.process_time():.1f} s CPU (count included); "
              f"store {size / 2**30:.2f} GiB on disk; peak RSS {peak:,.0f} MiB", flush=True)
    for query in list_queries():
        if query.is_violation_check or any(p.required for p in query.parameters):
            continue
        if args.queries and query.name not in args.queries:
            continue
        try:
            out = subprocess.run([sys.executable, "-c", CHILD, str(args.store), str(args.runs)], input=query.text,
                                 capture_output=True, text=True, timeout=args.timeout, check=True).stdout.split()
            print(f"{query.name}: {out[0]} ms, {out[1]} rows", flush=True)
        except subprocess.TimeoutExpired:
            print(f"{query.name}: over {args.timeout:.0f} s", flush=True)
        except subprocess.CalledProcessError as error:
            print(f"{query.name}: failed: {error.stderr.strip().splitlines()[-1:]}", flush=True)
    if not (args.keep or args.reuse):
        shutil.rmtree(args.store)


if __name__ == "__main__":
    main()
