"""Scale benchmark: build N copies of the seed article (distinct IRIs, shared reference data) and time each stage.

Run on demand (not part of the test suite); record results in bench/README.md:

    .venv/bin/python bench/scale.py --articles 50 --store default
    .venv/bin/python bench/scale.py --articles 50 --store Oxigraph
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import tempfile
import time
from pathlib import Path

from kg import KnowledgeGraph, resources

SEED_ID = "000_c98f5de2b5b9bb51"
FACT_PREFIXES = ("post", "event", "discussion", "outcome", "initiative", "statement", "infrastructure", "service")


def make_data(target: Path, copies: int) -> None:
    """Write a data folder with ``copies`` articles, each with its own fact IRIs."""
    source = resources.data_dir()
    shutil.copytree(str(source / "reference"), target / "reference", ignore=shutil.ignore_patterns("__init__.py"))
    text = (source / "articles" / SEED_ID / "article.txt").read_bytes()
    facts = (source / "articles" / SEED_ID / "article.ttl").read_text(encoding="utf-8")
    for n in range(copies):
        article_id = f"bench_{n:05d}"
        folder = target / "articles" / article_id
        folder.mkdir(parents=True)
        (folder / "article.txt").write_bytes(text)
        copy = facts.replace(f"article:{SEED_ID}", f"article:{article_id}")
        for prefix in FACT_PREFIXES:
            copy = re.sub(rf"(@prefix {prefix}:\s+<https://w3id.org/ict-coop-kg/id/{prefix}/)>",
                          rf"\1{article_id}/>", copy)
        (folder / "article.ttl").write_text(copy, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--store", default="default")
    parser.add_argument("--skip-validate", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        make_data(data, args.articles)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        kg = KnowledgeGraph.build(data, store=args.store, reason=False)
        timings["load + quotes"] = time.perf_counter() - t0
        t = time.perf_counter()
        from kg.reason import infer

        infer(kg.dataset)
        timings["OWL-RL"] = time.perf_counter() - t
        if not args.skip_validate:
            t = time.perf_counter()
            report = kg.validate()
            timings["SHACL + violation queries"] = time.perf_counter() - t
            assert report.conforms, report.to_text()[:2000]
        t = time.perf_counter()
        rows = len(kg.query("who-met-whom"))
        timings["query who-met-whom"] = time.perf_counter() - t
        t = time.perf_counter()
        size = len(kg.export("nt", inferred=True))
        timings["export nt --inferred"] = time.perf_counter() - t
        triples = sum(len(g) for g in kg.dataset.graphs())
        from rdflib import RDF

        from kg.namespaces import KG, article_graph

        one = kg.dataset.graph(article_graph("bench_00000"))
        per_article = (len(one), len(set(one.subjects(RDF.type, KG.Fact))), len(set(one.subjects(RDF.type, KG.Quotation))))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles={args.articles} store={args.store} triples={triples} rows={rows} export={size / 2**20:.1f} MiB "
          f"peak_rss={peak:.0f} MiB")
    print(f"  one article's graph: {per_article[0]} triples, {per_article[1]} sourced facts (kg:Fact), "
          f"{per_article[2]} quotations")
    for stage, seconds in timings.items():
        print(f"  {stage:28s} {seconds:8.2f} s")


if __name__ == "__main__":
    main()
