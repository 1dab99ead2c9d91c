"""What adding one article in 2 s would rest on: an on-disk store kept with a build, and bound violation queries.

Measures, on a build of N articles and the graph of one more article (from a later build):

* the on-disk store a build could keep instead of loading every article (``pyoxigraph.Store(path)``): made from
  the build's ``asserted.ttl`` and its ontology's graph, opened read-only, checkpointed (``Store.backup``, hard
  links) into a new folder as an atomic build folder would need, opened read-write there, the added article's
  triples inserted;
* each packaged ``*-violation.rq`` query on that store, whole; as a build that builds on an earlier one runs it
  (:mod:`kg.engine.delta`: bound to the values of ``?focus`` the added triples can give a row, in a ``VALUES``
  block); and run once per added node bound to one of its selected variables (SPARQL substitutions, as
  :meth:`kg.engine.store.AssertedStore.select` binds parameters), the first idea for restricting them;
* the compiled shapes on that store (:func:`kg.engine.shacl.validate_store`, one thread), whole and as a build that
  builds on an earlier one runs them (only where the added triples can change a result), with the shapes that took
  longest.

    .venv/bin/python bench/increment_paths.py --build /tmp/b1000 --later /tmp/b1001 --article bench_01000
    .venv/bin/python bench/increment_paths.py --build /tmp/b1000 --later /tmp/b1001 --article bench_01000 --in-memory

(``--in-memory``: the queries in an in-memory store, where a build runs them today, instead of the on-disk one;
``--values``: each bound query also run once with all its values in a trailing ``VALUES`` block.)

Prints one line per measurement (seconds of wall time). The store is made under ``--scratch`` and removed after.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BOUND = {
    # query: each selected variable bound, and which of the added triples' terms it is bound to (see time_queries)
    "fact-not-asserted": [("focus", "rdf:type kg:Fact"), ("value", "oa:hasSource")],
    "fact-without-evidence": [("focus", "rdf:type kg:Fact")],
    "undeclared-term": [("value", "predicates")],
}


def main() -> None:
    import pyoxigraph as ox

    from kg.namespaces import ONTOLOGY_GRAPH, article_graph

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, required=True, help="a build folder of N articles")
    parser.add_argument("--later", type=Path, required=True, help="a build folder holding one more article")
    parser.add_argument("--article", required=True, help="the id of the article the later build adds")
    parser.add_argument("--scratch", type=Path, default=None, help="where the store is made (default: a temp dir)")
    parser.add_argument("--runs", type=int, default=20, help="bound runs timed per query and variable")
    parser.add_argument("--in-memory", action="store_true",
                        help="time the queries in an in-memory store instead (as a build runs them today)")
    parser.add_argument("--values", action="store_true",
                        help="also time each bound query once with all its values in a trailing VALUES block "
                             "(slow: 34 s for one of them in memory)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="kg-increment-", dir=args.scratch))
    try:
        ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
        graph = ox.NamedNode(str(article_graph(args.article)))
        added = []
        ontology_triples = []
        for quad in ox.parse(path=str(args.later / "dataset.trig"), format=ox.RdfFormat.TRIG):
            if quad.graph_name == graph:
                added.append(quad.triple)
            elif quad.graph_name == ontology:
                ontology_triples.append(quad.triple)

        start = time.perf_counter()
        store = ox.Store() if args.in_memory else ox.Store(str(scratch / "kept"))
        store.bulk_load(path=str(args.build / "asserted.ttl"), format=ox.RdfFormat.TURTLE)
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in ontology_triples)
        where = "in-memory" if args.in_memory else "on-disk"
        print(f"made the {where} store: {time.perf_counter() - start:.2f} s, {len(store):,} triples")
        if args.in_memory:
            store.extend([ox.Quad(t.subject, t.predicate, t.object) for t in added])
            time_queries(store, added, args.runs, values_block=args.values)
            time_shapes(store, added)
            return
        store.flush()
        del store

        start = time.perf_counter()
        kept = ox.Store.read_only(str(scratch / "kept"))
        print(f"opened it read-only: {time.perf_counter() - start:.3f} s")
        start = time.perf_counter()
        kept.backup(str(scratch / "next"))
        print(f"checkpointed it into a new folder: {time.perf_counter() - start:.3f} s")
        del kept
        start = time.perf_counter()
        store = ox.Store(str(scratch / "next"))
        print(f"opened the checkpoint read-write: {time.perf_counter() - start:.3f} s")
        start = time.perf_counter()
        store.extend([ox.Quad(t.subject, t.predicate, t.object) for t in added])
        store.flush()
        print(f"inserted the {len(added):,} triples of {args.article}: {time.perf_counter() - start:.3f} s")
        time_queries(store, added, args.runs, values_block=args.values)
        time_shapes(store, added)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def time_queries(store: Any, added: list[Any], runs: int, *, values_block: bool = False) -> None:
    """Time each violation query on ``store`` whole, and bound to values the ``added`` triples give (:data:`BOUND`);
    with ``values_block``, also once with all those values in a ``VALUES`` block after the query (the values are
    RDF terms written in N-Triples form, the way the compiled shapes write theirs)."""
    import pyoxigraph as ox
    from rdflib import RDF

    from kg import resources
    from kg.namespaces import KG, OA

    queries = {path.name.removesuffix("-violation.rq"): path.read_text(encoding="utf-8")
               for path in resources.queries_dir().iterdir() if path.name.endswith("-violation.rq")}
    rdf_type, fact, has_source = (ox.NamedNode(str(x)) for x in (RDF.type, KG.Fact, OA.hasSource))
    values = {
        "rdf:type kg:Fact": sorted({t.subject for t in added if t.predicate == rdf_type and t.object == fact},
                                   key=str),
        "oa:hasSource": sorted({t.subject for t in added if t.predicate == has_source}, key=str),
        "predicates": sorted({t.predicate for t in added}, key=str),
    }
    from kg.engine import delta
    from kg.engine.store import AssertedStore
    from kg.validate import _rows

    asserted = AssertedStore(store)
    for name, text in sorted(queries.items()):
        start = time.perf_counter()
        rows = len(list(store.query(text)))
        print(f"{name}: whole {time.perf_counter() - start:.3f} s ({rows} rows)")
        delta.analyse(text)  # parsed once, as the build does before its threads start
        start = time.perf_counter()
        found = delta.candidates(store, delta.analyse(text), added)
        restricted = len(_rows(asserted, text, added))
        how = "run whole" if found is None else f"?{found[0]} bound to {len(found[1])} values"
        print(f"  as a build that builds on an earlier one runs it (kg.engine.delta; {how}): "
              f"{time.perf_counter() - start:.3f} s ({restricted} rows)")
        for variable, source in BOUND.get(name, []):
            nodes = values[source][:runs]
            times = []
            for node in nodes:
                start = time.perf_counter()
                list(store.query(text, substitutions={ox.Variable(variable): node}))
                times.append(time.perf_counter() - start)
            if times:
                print(f"  ?{variable} bound to one of {len(values[source])} added values ({source}): median "
                      f"{statistics.median(times) * 1000:.1f} ms of {len(times)} runs")
            if values_block and values[source]:
                block = " ".join(str(node) for node in values[source])
                start = time.perf_counter()
                list(store.query(f"{text}\nVALUES ?{variable} {{ {block} }}\n"))
                print(f"  ?{variable} in one VALUES block of all {len(values[source])}: "
                      f"{time.perf_counter() - start:.3f} s")


def time_shapes(store: Any, added: list[Any], slowest: int = 3) -> None:
    """Time the compiled shapes on ``store`` in one thread: whole, then only where the ``added`` triples (in the
    store already) can change a result, as a build that builds on an earlier one runs them; with each run's
    ``slowest`` shapes (a targeted shape's own constraints and property shapes, the jobs of one shape)."""
    from rdflib.namespace import SH

    from kg.engine import shacl
    from kg.validate import shapes_graph

    compiled = shacl.compile_shapes(shapes_graph())
    took: dict[str, float] = {}
    jobs = shacl._Run.jobs

    inside: list[bool] = []  # a property shape's own jobs, inside its node shape's: timed with that shape's

    def timed(run: Any, shape: Any, focus: str) -> list[Any]:
        if inside:
            return jobs(run, shape, focus)

        def job(part: Any) -> Any:
            def run_part() -> Any:
                inside.append(True)
                start = time.perf_counter()
                try:
                    return part()
                finally:
                    inside.pop()
                    name = shape.node.n3(compiled.graph.namespace_manager)
                    took[name] = took.get(name, 0.0) + time.perf_counter() - start
            return run_part
        return [job(part) for part in jobs(run, shape, focus)]

    shacl._Run.jobs = timed  # type: ignore[method-assign]
    try:
        for label, given in (("whole", None), ("where the added triples can change a result", added)):
            took.clear()
            start = time.perf_counter()
            report = shacl.validate_store(store, compiled, added=given)
            results = len(list(report.objects(None, SH.result)))
            longest = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in
                                sorted(took.items(), key=lambda kv: -kv[1])[:slowest])
            print(f"the compiled shapes, {label}: {time.perf_counter() - start:.2f} s ({results} results, "
                  f"{report.queries} queries; longest: {longest})")
    finally:
        shacl._Run.jobs = jobs  # type: ignore[method-assign]


if __name__ == "__main__":
    main()
