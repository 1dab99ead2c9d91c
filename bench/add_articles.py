"""Adding articles to a knowledge graph held in memory (:meth:`kg.api.KnowledgeGraph.add_articles`).

Generates N copies of the seed article (as ``bench/scale.py`` does) and ``--add`` more, builds the N with
validation in this process (``KnowledgeGraph.build(..., validate=True)``), then adds the others one at a time and
times each addition: the article read and assembled (or taken from the article cache), the rules run from its
triples, and the shapes and violation queries run only where its triples can change a result. With ``--check``,
the graphs and report after the additions are compared with a build of all N + ``--add`` articles together.

    .venv/bin/python bench/add_articles.py --articles 1000 --add 5
    .venv/bin/python bench/add_articles.py --articles 40 --add 3 --check

Prints the build's time, then one line per added article (wall and CPU seconds, whether the stages ran
restricted), the median, and the peak resident memory. ``KG_CACHE_DIR`` is honoured (default: a temporary,
empty cache, so the first build assembles every article; the added articles are then assembled as they are added).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _plain(triples: set) -> set:
    import pyoxigraph as ox

    # (a graph taken from the article cache holds the default-graph quads its parser gives)
    plain = (t.triple if isinstance(t, ox.Quad) else t for t in triples)
    return {t for t in plain if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)}


def main() -> None:
    import scale

    from kg import KnowledgeGraph

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000, help="articles built first (default 1000)")
    parser.add_argument("--add", type=int, default=3, help="articles then added one at a time (default 3)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes of the first build")
    parser.add_argument("--check", action="store_true",
                        help="compare the result with a build of every article together (a second whole build)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kg-bench-add-") as tmp:
        root = Path(tmp)
        os.environ.setdefault("KG_CACHE_DIR", str(root / "cache"))
        data, later = root / "data", root / "later"
        scale.make_data(data, args.articles)
        for n in range(args.articles, args.articles + args.add):
            scale.add_article(later, n)
        folders = sorted(p for p in (later / "articles").iterdir() if p.is_dir())

        t, c = time.perf_counter(), scale._cpu()
        kg = KnowledgeGraph.build(data, validate=True, jobs=args.jobs)
        print(f"build of {args.articles} articles with validation: {time.perf_counter() - t:.1f} s wall, "
              f"{scale._cpu() - c:.1f} s CPU; conforms: {kg.report.conforms}")

        walls = []
        for folder in folders:
            t, c = time.perf_counter(), scale._cpu()
            added = kg.add_articles([folder])
            wall = time.perf_counter() - t
            walls.append(wall)
            print(f"added {folder.name}: {wall:.2f} s wall, {scale._cpu() - c:.2f} s CPU; restricted: {added.restricted}; "
                  f"conforms: {added.report.conforms if added.report else None}")
        print(f"median of {len(walls)} additions: {statistics.median(walls):.2f} s")
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")

        if args.check:
            for folder in folders:
                scale.add_article(data, int(folder.name.rsplit("_", 1)[1]))
            whole = KnowledgeGraph.build(data, validate=True, jobs=args.jobs)
            names = whole.graphs.names()
            same = names == kg.graphs.names() and all(
                len(kg.graphs.triples(n)) == len(whole.graphs.triples(n))
                and _plain(kg.graphs.triples(n)) == _plain(whole.graphs.triples(n)) for n in names)
            print(f"same graphs as a build of all {len(kg.articles)} articles: {same}; "
                  f"same report: {whole.report.conforms == kg.report.conforms}")


if __name__ == "__main__":
    main()
