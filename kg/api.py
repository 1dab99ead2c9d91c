"""The Python API: :class:`KnowledgeGraph` mirrors the CLI (build, validate, export, stats, query).

>>> from kg import KnowledgeGraph
>>> g = KnowledgeGraph.build()            # packaged data/, reasoned
>>> g.validate().conforms
True
>>> ttl = g.export("turtle")              # bytes

The library never prints or exits; errors are :class:`kg.errors.KGError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph

from kg import export as _export
from kg import fsutil
from kg.errors import InputError
from kg.load import Article, Source, load_dataset, new_dataset, parse_into, union_graph
from kg.namespaces import INFERRED_GRAPH
from kg.query import QueryResult
from kg.stats import Stats, compute, graph_sizes
from kg.validate import ValidationReport, validate_dataset

DATASET_FILE = "dataset.trig"
MANIFEST_FILE = "manifest.json"
DEFAULT_BUILD_DIR = Path("build")

Progress = Callable[[str], None]


def _remote(text: str, bindings: dict, endpoint: Any, graphs: list[str] | None, label: str) -> QueryResult:
    from kg.endpoint import Endpoint, remote_query

    ep = endpoint if isinstance(endpoint, Endpoint) else Endpoint.from_url(str(endpoint))
    return remote_query(ep, text, bindings, graphs=graphs, label=label)


@dataclass(frozen=True)
class BuildOutput:
    """What :meth:`KnowledgeGraph.write` wrote."""

    folder: Path
    files: list[str]
    conforms: bool


@dataclass
class KnowledgeGraph:
    """A dataset of named graphs (ontology, reference, one per article, inferred) and what was done to it."""

    dataset: Dataset
    articles: list[Article] = field(default_factory=list)
    store: str = "default"
    """The rdflib store plugin the dataset lives in."""
    _report: ValidationReport | None = field(default=None, repr=False)

    # -- construction -----------------------------------------------------
    @classmethod
    def build(cls, data: Source | str | None = None, *, store: str = "default", reason: bool = True,
              progress: Progress | None = None) -> KnowledgeGraph:
        """Load a data folder (default: the packaged ``data/``), check its quotes and run OWL-RL.

        ``store`` names the rdflib store (``"default"`` in memory, ``"Oxigraph"``
        with oxrdflib). ``progress`` is called with the name of each stage.
        """
        note = progress or (lambda _stage: None)
        ds, articles = load_dataset(Path(data) if isinstance(data, str) else data, store=store, progress=note)
        kg = cls(ds, articles, store)
        if reason:
            note("reasoning (OWL-RL)")
            from kg.reason import infer

            infer(ds)
        return kg

    @classmethod
    def load(cls, build_dir: Path | str = DEFAULT_BUILD_DIR, *, store: str = "default") -> KnowledgeGraph:
        """Load the dataset a previous build wrote to ``build_dir``."""
        path = Path(build_dir) / DATASET_FILE
        if not path.is_file():
            raise InputError(f"{build_dir}: no build there (no {DATASET_FILE}); run 'kg build' first")
        ds = new_dataset(store)
        parse_into(ds, path, fmt="trig")
        return cls(ds, store=store)

    # -- views ------------------------------------------------------------
    @cached_property
    def union(self) -> Graph:
        """Every graph, inferences included, as one graph (what the packaged queries run on).

        In memory this is a merged copy; on a store with its own SPARQL engine it is a union-default-graph
        view of the same store, so queries run in that engine.
        """
        if self.store == "default":
            return union_graph(self.dataset)
        return Dataset(store=self.dataset.store, default_union=True)

    @property
    def inferred(self) -> Graph:
        """The graph of OWL-RL inferences."""
        return self.dataset.graph(INFERRED_GRAPH)

    # -- operations -------------------------------------------------------
    def validate(self) -> ValidationReport:
        """Validate the asserted graphs against the packaged SHACL shapes; kept for :meth:`write`."""
        self._report = validate_dataset(self.dataset)
        return self._report

    def export(self, fmt: str = "turtle", *, inferred: bool = False) -> bytes:
        """Serialise deterministically; see :func:`kg.export.serialize`."""
        return _export.serialize(self.dataset, fmt, inferred=inferred)

    def query(self, name: str, /, *, endpoint: Any = None, graphs: list[str] | None = None,
              **params: Any) -> QueryResult:
        """Run the packaged query ``name`` with keyword parameters, e.g. ``g.query("who-met-whom", country="JO")``.

        Parameters are bound as RDF terms. With ``endpoint`` (an :class:`kg.endpoint.Endpoint` or a URL)
        the same query runs on that SPARQL server instead and returns the same :class:`QueryResult` type.
        """
        from kg import query as q

        packaged = q.get_query(name)
        bindings = q.bind(packaged, params)
        if endpoint is not None:
            return _remote(packaged.text, bindings, endpoint, graphs, packaged.name)
        return q.run_local(self.union, packaged.text, bindings, label=packaged.name,
                           inline_values=self.store != "default")

    def sparql(self, text: str, /, **bindings: Any) -> QueryResult:
        """Run an ad-hoc read-only SPARQL query; ``bindings`` must already be RDF terms (URIRef, Literal)."""
        from kg import query as q

        return q.run_local(self.union, text, bindings, inline_values=self.store != "default")

    def stats(self) -> Stats:
        """Triples per graph, entities per class, facts per cooperation domain."""
        return compute(self.dataset, self.union)

    def write(self, out_dir: Path | str = DEFAULT_BUILD_DIR) -> BuildOutput:
        """Write the build outputs to ``out_dir`` atomically (all files, or the old folder untouched).

        Files: ``dataset.trig`` (every named graph), ``asserted.ttl``,
        ``inferred.ttl``, ``validation.ttl`` / ``.json`` / ``.txt`` (when
        validated) and ``manifest.json``.
        """
        report = self._report
        outputs: dict[str, bytes] = {
            DATASET_FILE: _export.serialize(self.dataset, "trig", inferred=True),
            "asserted.ttl": _export.serialize(self.dataset, "turtle"),
            "inferred.ttl": _export.sorted_dataset(self.dataset, [INFERRED_GRAPH]).graph(INFERRED_GRAPH)
            .serialize(format="turtle", encoding="utf-8"),
        }
        if report is not None:
            outputs["validation.ttl"] = report.to_turtle().encode("utf-8")
            outputs["validation.json"] = report.to_json().encode("utf-8")
            outputs["validation.txt"] = report.to_text().encode("utf-8")
        manifest = {
            "generator": f"ict-coop-kg {version('ict-coop-kg')}",
            "articles": [a.id for a in self.articles],
            "conforms": None if report is None else report.conforms,
            "graphs": graph_sizes(self.dataset),
            "files": sorted([*outputs, MANIFEST_FILE]),
        }
        outputs[MANIFEST_FILE] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        with fsutil.staged_dir(Path(out_dir)) as staging:
            for name, data in outputs.items():
                (staging / name).write_bytes(data)
        return BuildOutput(Path(out_dir), sorted(outputs), bool(report and report.conforms))
