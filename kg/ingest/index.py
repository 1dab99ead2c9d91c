"""The lookup index: every labelled person, organisation, place, post, infrastructure and concept, with name keys.

A build writes it to ``lookup-index.json`` in the build folder (:meth:`kg.api.KnowledgeGraph.write`, from
:attr:`kg.api.KnowledgeGraph.lookup_index`); ``kg lookup`` and ``kg reconcile`` load it (:func:`load_index`) instead
of the whole dataset. Every ``rdfs:label``, ``skos:prefLabel`` and ``skos:altLabel`` (Arabic and English) of an
entity is a *name* of it, kept as key tokens (:mod:`kg.ingest.normalise`); the file also holds the map from
each key token to the names holding it. :meth:`LookupIndex.lookup` finds the indexed tokens like each query
token (same skeleton, clitic variant, or rapidfuzz edit ratio ≥ 0.75), shortlists the names sharing the most
of them, scores those with :func:`kg.ingest.normalise.name_score` and keeps each entity's best name.

Scores (0–1) mean:

* ``same`` — score ≥ :data:`~kg.ingest.normalise.SAME_THRESHOLD` (0.90) and every name token matched: the
  same name after normalisation and transliteration folding;
* ``maybe`` — score ≥ :data:`~kg.ingest.normalise.MAYBE_THRESHOLD` (0.60): close, a curator decides;
* ``weak`` — anything lower (shares a word, e.g. only the family name).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.ingest.normalise import (
    MAYBE_THRESHOLD,
    SAME_THRESHOLD,
    clitic_variants,
    is_same,
    key_tokens,
    name_score,
    skeleton,
    token_similarity,
)

INDEX_FILE = "lookup-index.json"
INDEX_VERSION = 2
TYPES = ("person", "organization", "country", "city", "post", "infrastructure", "concept")
"""The entity types of ``kg lookup --type``, in the order a type is decided when an entity has several."""
ID_BASE = "https://w3id.org/ict-coop-kg/id/"
SHORTLIST = 200
"""How many names (those sharing the most similar tokens with the query) are scored exactly per lookup."""


def type_classes() -> dict[str, Any]:
    """The ontology class of each lookup type."""
    from rdflib.namespace import SKOS

    from kg.namespaces import KG

    return {"person": KG.Person, "organization": KG.Organization, "country": KG.Country, "city": KG.City,
            "post": KG.Post, "infrastructure": KG.Infrastructure, "concept": SKOS.Concept}


@dataclass(frozen=True)
class Candidate:
    """One ranked answer of a lookup."""

    iri: str
    score: float
    type: str
    labels: dict[str, str]
    """The entity's ``rdfs:label`` (or ``skos:prefLabel``) by language: ``{"ar": …, "en": …}``."""
    matched: str
    """The name (label) of the entity that matched best."""
    match: str
    """``same``, ``maybe`` or ``weak`` (see the module doc)."""

    @property
    def same(self) -> bool:
        """True when the lookup considers this the same entity."""
        return self.match == "same"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``iri``, ``score``, ``type``, ``labels``, ``matched``, ``match``)."""
        return asdict(self)


@dataclass
class Entity:
    """An indexed entity: its IRI, lookup type, display labels and names (text, key tokens)."""

    iri: str
    type: str
    labels: dict[str, str]
    names: list[tuple[str, tuple[str, ...]]]


def _decision(score: float, complete: bool) -> str:
    if is_same(score, complete):
        return "same"
    return "maybe" if score >= MAYBE_THRESHOLD else "weak"


@dataclass
class LookupIndex:
    """Entities and their name keys, with exact and fuzzy lookup."""

    entities: list[Entity]
    _by_key: dict[str, list[int]] = field(default_factory=dict, repr=False)
    """Each name key → the entities with a name of that key."""
    _by_token: dict[str, list[int]] = field(default_factory=dict, repr=False)
    """Each key token → the names that hold it, as a flat list ``[entity, name, entity, name, …]``."""
    _by_iri: dict[str, int] = field(default_factory=dict, repr=False)
    _by_skeleton: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _vocabulary: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self._by_key:  # a new index; one read from JSON comes with both maps
            for i, ent in enumerate(self.entities):
                for n, (_text, tokens) in enumerate(ent.names):
                    bucket = self._by_key.setdefault(" ".join(tokens), [])
                    if not bucket or bucket[-1] != i:
                        bucket.append(i)
                    for token in dict.fromkeys(tokens):
                        self._by_token.setdefault(token, []).extend((i, n))
        self._by_iri = {ent.iri: i for i, ent in enumerate(self.entities)}
        self._vocabulary = list(self._by_token)
        for token in self._vocabulary:
            self._by_skeleton.setdefault(skeleton(token), []).append(token)

    # -- serialisation -----------------------------------------------------
    def to_json(self) -> str:
        """The index as JSON (what the build writes)."""
        return json.dumps({
            "version": INDEX_VERSION,
            "thresholds": {"same": SAME_THRESHOLD, "maybe": MAYBE_THRESHOLD},
            "entities": [{"iri": e.iri, "type": e.type, "labels": e.labels,
                          "names": [[text, " ".join(tokens)] for text, tokens in e.names]}
                         for e in self.entities],
            "keys": self._by_key,
            "tokens": self._by_token,
        }, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str = INDEX_FILE) -> LookupIndex:
        """Read an index written by :meth:`to_json`; :class:`InputError` when it is not one."""
        import gc

        enabled = gc.isenabled()
        gc.disable()  # tens of thousands of small containers: the collector would rescan them again and again
        try:
            return cls._from_json(text, source)
        finally:
            if enabled:
                gc.enable()

    @classmethod
    def _from_json(cls, text: str, source: str) -> LookupIndex:
        try:
            data = json.loads(text)
            if data.get("version") != INDEX_VERSION:
                raise ValueError(f"index version {data.get('version')!r}, expected {INDEX_VERSION}")
            entities = [Entity(e["iri"], e["type"], e["labels"],
                               [(name, tuple(k.split(" ")) if k else ()) for name, k in e["names"]])
                        for e in data["entities"]]
            keys, tokens = data["keys"], data["tokens"]
            if not isinstance(keys, dict) or not isinstance(tokens, dict) or (entities and not keys):
                raise ValueError("no key maps")
            _check_index(entities, keys, tokens)
            return cls(entities, keys, tokens)
        except RecursionError:
            raise InputError(f"{source}: not a lookup index (nested too deeply); run 'kg build' again") from None
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            raise InputError(f"{source}: not a lookup index ({exc}); run 'kg build' again") from None

    # -- queries -----------------------------------------------------------
    def get(self, iri: str) -> Entity | None:
        """The entity with this IRI (or id such as ``person/amr-talaat``), if indexed."""
        i = self._by_iri.get(iri if "://" in iri else ID_BASE + iri.strip("/"))
        return None if i is None else self.entities[i]

    def exact(self, tokens: tuple[str, ...]) -> list[Entity]:
        """Entities with a name whose key tokens are exactly ``tokens``."""
        return [self.entities[i] for i in self._by_key.get(" ".join(tokens), [])]

    def _similar_tokens(self, token: str) -> list[tuple[str, float]]:
        """Indexed key tokens like ``token`` (same skeleton, a clitic variant, or edit ratio ≥ 0.75)."""
        from rapidfuzz import fuzz, process

        found = {t: token_similarity(token, t) for t in self._by_skeleton.get(skeleton(token), [])}
        for variant in clitic_variants(token):
            if variant in self._by_token:
                found[variant] = max(found.get(variant, 0.0), token_similarity(token, variant))
        for t, _score, _at in process.extract(token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=75,
                                              limit=20):
            found.setdefault(t, token_similarity(token, t))
        return list(found.items())

    def score_entity(self, entity: Entity, tokens: tuple[str, ...]) -> tuple[float, bool, str]:
        """The best ``(score, complete, name)`` of ``tokens`` against the entity's names."""
        best = (0.0, False, "")
        for text, name_tokens in entity.names:
            score, complete = name_score(tokens, name_tokens)
            if (score, complete) > best[:2]:
                best = (score, complete, text)
        return best

    def lookup(self, text: str, *, type: str | None = None, limit: int = 10,
               min_score: float = 0.3) -> list[Candidate]:
        """Ranked candidates for ``text``, best first: at most ``limit``, each scoring at least ``min_score``.

        An IRI or an id such as ``person/amr-talaat`` returns that entity with score 1.
        """
        if type is not None and type not in TYPES:
            raise InputError(f"--type {type!r}: use one of {', '.join(TYPES)}")
        if limit < 1:
            raise InputError(f"--limit {limit}: give a positive number")
        direct = self.get(text.strip()) if text.strip() and " " not in text.strip() else None
        if direct is not None and (type is None or direct.type == type):
            return [Candidate(direct.iri, 1.0, direct.type, direct.labels, direct.iri, "same")]
        tokens = key_tokens(text)
        if not tokens:
            return []
        # candidates: names sharing a similar token with the query, best-covered first; then scored exactly
        cover: dict[tuple[int, int], float] = {}
        for token in tokens:
            best_here: dict[tuple[int, int], float] = {}
            for similar, sim in self._similar_tokens(token):
                postings = iter(self._by_token[similar])
                for pair in zip(postings, postings):
                    if sim > best_here.get(pair, 0.0):
                        best_here[pair] = sim
            for pair, sim in best_here.items():
                cover[pair] = cover.get(pair, 0.0) + sim
        if type is not None:
            cover = {pair: v for pair, v in cover.items() if self.entities[pair[0]].type == type}
        shortlist = sorted(cover, key=lambda pair: -cover[pair] / max(len(tokens), len(self.entities[pair[0]]
                                                                                         .names[pair[1]][1])))
        best: dict[int, tuple[float, bool, str]] = {}
        for i, n in shortlist[:SHORTLIST]:
            text_, name_tokens = self.entities[i].names[n]
            score, complete = name_score(tokens, name_tokens)
            if (score, complete) > best.get(i, (-1.0, False, ""))[:2]:
                best[i] = (score, complete, text_)
        out = []
        for i, (score, complete, name) in best.items():
            ent = self.entities[i]
            if score >= min_score:
                out.append(Candidate(ent.iri, score, ent.type, ent.labels, name, _decision(score, complete)))
        out.sort(key=lambda c: (-c.score, c.iri))
        return out[:limit]


_NAME_PROPERTIES = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
                    "http://www.w3.org/2004/02/skos/core#altLabel")
"""The properties whose values are an entity's names, in the order they are read (the first label in each of
Arabic and English is the entity's label)."""
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def index_store(asserted: Any) -> LookupIndex:
    """:func:`build_index` over ``asserted``, a :class:`kg.engine.store.AssertedStore` (the build's store of
    asserted triples), asked by SPARQL: the ``rdfs:subClassOf`` axioms, the ``rdf:type`` triples of lookup
    types, and the names of the subjects so typed — without making an rdflib graph of them."""
    import pyoxigraph as ox

    from kg.engine.store import from_ox

    store = asserted.store
    subclass = [(_key(r["s"]), _key(r["o"]))
                for r in store.query(f"SELECT ?s ?o WHERE {{ ?s <{_SUBCLASS_OF}> ?o }}")]
    classes = sorted({c for found in _closures(subclass).values() for c in found if not c.startswith("_:")})
    instances = f"SELECT ?s ?c WHERE {{ ?s <{_RDF_TYPE}> ?c }}"  # each class bound as an RDF term, never pasted
    typed = [(r["s"].value, c) for c in classes
             for r in store.query(instances, substitutions={ox.Variable("c"): ox.NamedNode(c)})
             if isinstance(r["s"], ox.NamedNode)]
    subjects = {s for s, _c in typed}
    names: dict[str, dict[str, list[Any]]] = {}
    properties = " ".join(f"<{p}>" for p in _NAME_PROPERTIES)
    for r in store.query(f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {properties} }} ?s ?p ?o }}"):
        subject = r["s"]
        if isinstance(subject, ox.NamedNode) and subject.value in subjects:
            names.setdefault(subject.value, {}).setdefault(r["p"].value, []).append(from_ox(r["o"]))
    return _index(subclass, typed, names)


def build_index(graph: Any) -> LookupIndex:
    """Index every labelled entity of a lookup type in ``graph`` (an rdflib Graph or Dataset union).

    Types are decided through ``rdfs:subClassOf*`` in the same graph, so reasoning is not needed.
    """
    from rdflib import RDF, RDFS, URIRef

    subclass = [(_key(s), _key(o)) for s, o in graph.subject_objects(RDFS.subClassOf)]
    typed = [(str(s), _key(c)) for s, c in graph.subject_objects(RDF.type) if isinstance(s, URIRef)]
    names: dict[str, dict[str, list[Any]]] = {}
    for prop in _NAME_PROPERTIES:
        for s, o in graph.subject_objects(URIRef(prop)):
            if isinstance(s, URIRef):
                names.setdefault(str(s), {}).setdefault(prop, []).append(o)
    return _index(subclass, typed, names)


def _key(term: Any) -> str:
    """A term as a string that tells IRIs from blank nodes (``_:`` and the label), rdflib or pyoxigraph."""
    from rdflib import BNode
    import pyoxigraph as ox

    if isinstance(term, (BNode, ox.BlankNode)):
        return "_:" + (term.value if isinstance(term, ox.BlankNode) else str(term))
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else str(term)


def _closures(subclass: list[tuple[str, str]]) -> dict[str, set[str]]:
    """For each lookup type, its class and every class below it through ``rdfs:subClassOf*``."""
    below: dict[str, set[str]] = {}
    for sub, sup in subclass:
        below.setdefault(sup, set()).add(sub)
    closure: dict[str, set[str]] = {}
    for name, cls in type_classes().items():
        found, todo = {str(cls)}, [str(cls)]
        while todo:
            for sub in below.get(todo.pop(), ()):
                if sub not in found:
                    found.add(sub)
                    todo.append(sub)
        closure[name] = found
    return closure


def _index(subclass: list[tuple[str, str]], typed: list[tuple[str, str]],
           names: dict[str, dict[str, list[Any]]]) -> LookupIndex:
    """The index of the subjects of ``typed`` (subject IRI, class) whose class is a lookup type's through
    ``subclass`` (sub, super) pairs, named by ``names`` (subject IRI → property IRI → rdflib literals)."""
    closure = _closures(subclass)
    by_class: dict[str, str] = {}
    for name in reversed(TYPES):  # the first type in TYPES wins
        for cls in closure[name]:
            by_class[cls] = name
    chosen: dict[str, str] = {}
    for subject, cls in typed:
        name = by_class.get(cls)
        if name is None:
            continue
        current = chosen.get(subject)
        if current is None or TYPES.index(name) < TYPES.index(current):
            chosen[subject] = name
    entities: list[Entity] = []
    for subject in sorted(chosen):
        labels: dict[str, str] = {}
        found: list[tuple[str, tuple[str, ...]]] = []
        values = names.get(subject, {})
        for prop in _NAME_PROPERTIES:
            for literal in sorted(set(values.get(prop, ()))):  # rdflib's order of terms
                lang = getattr(literal, "language", None) or ""
                if prop != _NAME_PROPERTIES[2] and lang in ("ar", "en") and lang not in labels:
                    labels[lang] = str(literal)
                tokens = key_tokens(str(literal))
                if tokens and (str(literal), tokens) not in found:
                    found.append((str(literal), tokens))
        if found:
            entities.append(Entity(subject, chosen[subject], labels, found))
    return LookupIndex(entities)


def _check_index(entities: list[Entity], keys: dict, tokens: dict) -> None:
    """Raise ``ValueError`` where an index read from JSON is not what :meth:`LookupIndex.to_json` writes: each
    entity of a known type with text labels and names, each key's entities and each token's (entity, name) pairs
    among them (a damaged file otherwise failed later, in a lookup, with an ``IndexError`` or a ``KeyError``)."""
    for e in entities:
        if not isinstance(e.iri, str) or e.type not in TYPES:
            raise ValueError(f"an entity of type {e.type!r}")
        if not isinstance(e.labels, dict) or not all(isinstance(v, str) for v in e.labels.values()):
            raise ValueError(f"the labels of {e.iri}")
        if not all(isinstance(name, str) and all(isinstance(t, str) for t in toks) for name, toks in e.names):
            raise ValueError(f"the names of {e.iri}")
    count = len(entities)
    for key, found in keys.items():
        if not isinstance(found, list) or not all(type(i) is int and 0 <= i < count for i in found):
            raise ValueError(f"the entities of the key {key!r}")
    for token, pairs in tokens.items():
        if not isinstance(pairs, list) or len(pairs) % 2 or not all(type(i) is int for i in pairs) or not all(
                0 <= e < count and 0 <= n < len(entities[e].names) for e, n in zip(pairs[::2], pairs[1::2])):
            raise ValueError(f"the names of the token {token!r}")


def load_index(build_dir: Path | str) -> LookupIndex:
    """Load ``lookup-index.json`` from a build folder; :class:`InputError` when there is none."""
    path = Path(build_dir) / INDEX_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{build_dir}: no {INDEX_FILE} there; run 'kg build' (it writes the index)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the lookup index: {exc}") from None
    return LookupIndex.from_json(text, source=str(path))
