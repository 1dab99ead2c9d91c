"""Near-duplicate people and organisations: two IRIs whose names are the same or close after normalisation.

The build reports them as warnings (not violations): both IRIs, the names that met, the score and where each
IRI is described (``reference`` or the article ids). A pair is reported when one name of each has equal key
tokens, or scores "same" by :func:`kg.ingest.normalise.name_score` (≥ 0.90 with every token matched); see
:func:`find_duplicates` for which names are compared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from itertools import combinations
from typing import Any

from kg.ingest.index import build_index
from kg.ingest.normalise import is_same, name_score, skeleton

CHECKED_TYPES = ("person", "organization")


@dataclass(frozen=True)
class DuplicateWarning:
    """Two entities that may be one."""

    type: str
    first: str
    second: str
    first_name: str
    second_name: str
    score: float
    first_sources: tuple[str, ...]
    second_sources: tuple[str, ...]

    def message(self) -> str:
        """One line for a terminal."""
        return (f"possible duplicate {self.type}s ({self.score:.2f}): <{self.first}> «{self.first_name}» "
                f"[{', '.join(self.first_sources)}] and <{self.second}> «{self.second_name}» "
                f"[{', '.join(self.second_sources)}]")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


Sources = Callable[[Iterable[str]], dict[str, set[str]]]
"""Where entities are described: from IRIs, for each IRI with an rdf:type, the graphs that type it (as
:func:`typed_sources` names them)."""


def dataset_sources(ds: Any) -> Sources:
    """:data:`Sources` over an rdflib ``Dataset``: each IRI's typings looked up by subject."""
    from rdflib import RDF, URIRef

    def where(iris: Iterable[str]) -> dict[str, set[str]]:
        return typed_sources((iri, getattr(g, "identifier", g)) for iri in iris
                             for _s, _p, _o, g in ds.quads((URIRef(iri), RDF.type, None, None)))

    return where


def typed_sources(typed: Iterable[tuple[str, Any]]) -> dict[str, set[str]]:
    """From (subject, graph name) pairs of ``rdf:type`` triples: for each subject, the graphs that type it,
    as ``reference`` or an article id (other graphs left out)."""
    from kg.namespaces import REFERENCE_GRAPH

    def place(name: Any) -> str | None:
        if name == REFERENCE_GRAPH:
            return "reference"
        if "/graph/article/" in str(name):
            return str(name).rsplit("/", 1)[-1]
        return None

    places: dict[Any, str | None] = {}  # each graph named once
    out: dict[str, set[str]] = {}
    for subject, name in typed:
        where = places[name] if name in places else places.setdefault(name, place(name))
        if where is not None:
            out.setdefault(str(subject), set()).add(where)
    return out


BLOCK_LIMIT = 50
"""A word (skeleton) shared by more names than this (a common first name) does not make them candidates."""


def _candidate_pairs(names: list[tuple[int, str, tuple[str, ...]]]) -> set[tuple[int, int]]:
    """Pairs of names (indexes) worth scoring: equal keys, or a shared word that is not too common."""
    by_key: dict[str, list[int]] = {}
    by_word: dict[str, list[int]] = {}
    for n, (_entity, _text, tokens) in enumerate(names):
        by_key.setdefault(" ".join(tokens), []).append(n)
        for word in {skeleton(t) for t in tokens}:
            by_word.setdefault(word, []).append(n)
    pairs: set[tuple[int, int]] = set()
    for group in by_key.values():
        pairs.update(combinations(group, 2))
    for group in by_word.values():
        if len(group) <= BLOCK_LIMIT:
            pairs.update(combinations(group, 2))
    return pairs


def find_duplicates(ds: Any, graph: Any | None = None, *, index: Any | None = None,
                    sources: Sources | None = None) -> list[DuplicateWarning]:
    """Near-duplicate people and organisations of a dataset (``graph``: its union, or ``index``: its lookup
    index, if already made; ``sources``, else ``ds``, tells where each entity is described: asked only of the
    entities of a warning).

    Names are compared when their keys are equal or they share a word (its skeleton) that at most
    :data:`BLOCK_LIMIT` names hold, so the cost grows with the number of names, not its square.
    """
    from kg.load import union_graph

    if index is None:
        index = build_index(graph if graph is not None else union_graph(ds, inferred=False))
    found: dict[tuple[str, str], DuplicateWarning] = {}
    for type_ in CHECKED_TYPES:
        ents = [e for e in index.entities if e.type == type_]
        names = [(i, text, tokens) for i, e in enumerate(ents) for text, tokens in e.names]
        for a, b in _candidate_pairs(names):
            (ea, text_a, tokens_a), (eb, text_b, tokens_b) = names[a], names[b]
            if ea == eb:
                continue
            if ea > eb:
                ea, eb, text_a, text_b, tokens_a, tokens_b = eb, ea, text_b, text_a, tokens_b, tokens_a
            score, complete = name_score(tokens_a, tokens_b)
            if not (tokens_a == tokens_b or is_same(score, complete)):
                continue
            first, second = ents[ea], ents[eb]
            pair = (first.iri, second.iri)
            if pair in found and (found[pair].score, found[pair].first_name) >= (score, text_a):
                continue
            found[pair] = DuplicateWarning(type_, first.iri, second.iri, text_a, text_b, score, (), ())
    if not found:
        return []
    where = (sources or dataset_sources(ds))({iri for pair in found for iri in pair})
    return sorted((replace(w, first_sources=tuple(sorted(where.get(w.first, ()))),
                           second_sources=tuple(sorted(where.get(w.second, ())))) for w in found.values()),
                  key=lambda w: (w.type, w.first, w.second))
