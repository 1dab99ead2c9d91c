"""What the web pages show, read from a build through :class:`kg.api.KnowledgeGraph` and the small packaged
queries in ``kg/web/queries/``. This is the ONE module that knows how evidence and mentions are modelled.

Both evidence models are read, so the pages work across the change of issue 7:

* per fact (issue 7): a ``kg:Fact`` reifies one triple and names the quotations that support it::

      ?fact rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:evidence ?q .
      ?q oa:hasSource ?article ; oa:hasSelector ?qs , ?ps .
      ?qs oa:exact ?exact .  ?ps oa:start ?start ; oa:end ?end .

* per node (before it): ``?s kg:evidence ?q`` (same selectors) supports every fact of ``?s``.

Mentions (GAF instance → mention) are ``?entity kg:denotedBy ?m`` with the same selectors on ``?m``.
Evidence is read once, at start-up, by :meth:`SiteData._index_evidence` (``queries/evidence.rq`` and
``queries/article-spans.rq``) and looked up by :meth:`SiteData.evidence_of`; the timeline reads status assertions
(``kg:StatusAssertion`` with ``kg:asOf``) in ``queries/timeline.rq``. A further change of the evidence model
changes those three queries and :meth:`SiteData._index_evidence` / :meth:`SiteData.evidence_of`, nothing else.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import files
from typing import Any

from rdflib import RDF, Literal, URIRef
from rdflib.namespace import PROV, RDFS, SKOS
from rdflib.term import Node

from kg.api import KnowledgeGraph
from kg.engine.store import from_ox, serialize_sorted
from kg.evidence import sentence_at
from kg.namespaces import ID, KG
from kg.query import (
    PackagedQuery,
    bind,
    parse_header,
    run_local,
    run_oxigraph,
)

HIDDEN_PROPERTIES = frozenset({KG.evidence, PROV.wasDerivedFrom, RDFS.label, SKOS.prefLabel, SKOS.altLabel,
                               KG.denotedBy, KG.sha256, URIRef("https://schema.org/text")})
"""Bookkeeping properties the entity page does not list as facts (labels are shown in the header, evidence
under each fact, mentions in their own section)."""

RDF_REIFICATION = frozenset({RDF.subject, RDF.predicate, RDF.object})
DESCRIPTION_TYPES = frozenset(URIRef(str(KG._NS) + name) for name in
                              ("Fact", "StatusAssertion", "Quotation", "Evidence", "Mention")) | {RDF.Statement}
"""Nodes that describe sources (reified facts, quotations, mentions), not things in the world: the entity page
lists no fact they point from."""

LANGS = ("en", "ar")

_NOT_LISTED = frozenset(str(p) for p in HIDDEN_PROPERTIES | RDF_REIFICATION)
_RDF_TYPE = str(RDF.type)


def _local_name(iri: str) -> str:
    """What a page calls a node without a label: its path under ``…/id/``, else the IRI's last segment."""
    return iri[len(str(ID)):] if iri.startswith(str(ID)) else re.split(r"[#/]", iri)[-1]


@cache
def web_query(name: str) -> PackagedQuery:
    """A packaged query of the web app (``kg/web/queries/NAME.rq``)."""
    text = (files("kg.web") / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    return parse_header(name, text)


def _term_key(term: Node | None) -> tuple[str, str, str]:
    """A sort key of an RDF term (or of none): its text, language and datatype."""
    if term is None:
        return ("", "", "")
    if isinstance(term, Literal):
        return (str(term), term.language or "", str(term.datatype or ""))
    return (str(term), "", "")


def text_dir(lang: str | None) -> str:
    """The writing direction of a language tag."""
    return "rtl" if (lang or "").split("-")[0] in ("ar", "fa", "he", "ur") else "ltr"


def fold(text: str) -> str:
    """A search key: NFKC, case-folded, Arabic diacritics and tatweel dropped, alef/ta marbuta/ya forms unified."""
    from pyarabic import araby

    text = unicodedata.normalize("NFKC", text).casefold()
    text = araby.strip_tatweel(araby.strip_tashkeel(text))
    text = re.sub("[أإآٱ]", "ا", text).replace("ة", "ه").replace("ى", "ي")
    return re.sub(r"[\W_]+", " ", text).strip()


@dataclass(frozen=True)
class Text:
    """A piece of text in one language."""

    value: str
    lang: str | None

    @property
    def dir(self) -> str:
        return text_dir(self.lang)


@dataclass
class Labels:
    """The labels of one IRI, per language."""

    label: dict[str, str] = field(default_factory=dict)
    alt: list[Text] = field(default_factory=list)

    def get(self, lang: str) -> Text | None:
        """The label in ``lang``, else in the other language, else None."""
        for code in (lang, *(c for c in LANGS if c != lang)):
            if code in self.label:
                return Text(self.label[code], code)
        if self.label:
            code, value = next(iter(sorted(self.label.items())))
            return Text(value, code or None)
        return None


@dataclass(frozen=True)
class Evidence:
    """Exact words of a source, where they are, and the paragraph that holds them."""

    source: URIRef
    exact: str
    start: int
    end: int
    lang: str | None
    before: str
    after: str

    @property
    def dir(self) -> str:
        return text_dir(self.lang)


FACTS_SHOWN = 25
"""Facts of one property an entity page shows at first (the page says how many there are and links to all)."""
EVIDENCE_SHOWN = 3
"""Quotations shown under one fact at first (the page says how many more there are)."""
MENTIONS_SHOWN = 10
"""Mentions of the entity shown at first."""


@dataclass
class Fact:
    """One statement: the entity's ``property`` has ``value`` (out) or ``value`` has the entity (in), with the
    quotations shown for it and how many support it in all."""

    property: URIRef
    direction: str
    value: Node
    evidence: list[Evidence]
    evidence_total: int = 0

    @property
    def evidence_hidden(self) -> int:
        """Quotations that support the fact but are not in :attr:`evidence`."""
        return self.evidence_total - len(self.evidence)


@dataclass
class FactGroup:
    """The facts of one property and direction: those shown (first by the value's label) and their number."""

    property: URIRef
    direction: str
    facts: list[Fact]
    total: int = 0

    @property
    def hidden(self) -> int:
        """Facts of the group not in :attr:`facts`."""
        return self.total - len(self.facts)


@dataclass
class EntityView:
    """What an entity page shows; ``complete`` when nothing was left out (see :meth:`SiteData.entity`)."""

    iri: URIRef
    types: list[URIRef]
    groups: list[FactGroup]
    mentions: list[Evidence]
    mentions_total: int = 0

    @property
    def mentions_hidden(self) -> int:
        return self.mentions_total - len(self.mentions)

    @property
    def complete(self) -> bool:
        return not self.mentions_hidden and all(
            not g.hidden and all(not f.evidence_hidden for f in g.facts) for g in self.groups)


@dataclass(frozen=True)
class Span:
    """A highlighted stretch of an article: a quote (evidence) or a mention, and the entity it is about."""

    kind: str
    entity: URIRef
    start: int
    end: int
    exact: str


@dataclass
class Segment:
    """A piece of article text; ``spans`` are the highlights covering it (empty: plain text)."""

    text: str
    start: int
    spans: list[Span]

    @property
    def tokens(self) -> list[str]:
        """``START-END`` of every passage covering this segment, once each."""
        return list(dict.fromkeys(f"{s.start}-{s.end}" for s in self.spans))

    @property
    def anchors(self) -> list[str]:
        """``START-END`` of the passages that begin here (each gets an anchor ``#q-START-END``)."""
        return list(dict.fromkeys(f"{s.start}-{s.end}" for s in self.spans if s.start == self.start))

    @property
    def kinds(self) -> list[str]:
        return sorted({s.kind for s in self.spans})

    @property
    def entities(self) -> list[URIRef]:
        return list(dict.fromkeys(s.entity for s in self.spans))

    @property
    def inner(self) -> Span:
        """The innermost passage (the shortest), whose entity the segment links to."""
        return min(self.spans, key=lambda s: (s.end - s.start, s.kind != "mention", str(s.entity)))


@dataclass
class ArticleView:
    iri: URIRef
    text: str
    lang: str | None
    titles: list[Text]
    paragraphs: list[list[Segment]]
    spans: list[Span]

    @property
    def dir(self) -> str:
        return text_dir(self.lang)


@dataclass
class TimelineItem:
    item: URIRef
    kind: str
    start: str | None
    end: str | None
    status: URIRef | None
    engagement: URIRef | None
    countries: list[URIRef]
    source: URIRef | None = None


@dataclass
class SearchHit:
    iri: URIRef
    score: float
    matched: Text


class SiteData:
    """A loaded build and the indexes the pages need (labels, types, article texts), built once."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        # both in Oxigraph's engine: rdflib's would take minutes on a build of a thousand articles
        self.asserted, self.union = kg.asserted_and_query_graphs()
        # the same two, as the pyoxigraph stores under them, where the web queries run straight (None on the rdflib
        # Oxigraph store plugin): through oxrdflib, making rdflib terms of the 204,000 quotation rows and 316,000
        # types of 1,000 articles took 45 s of a 60 s start-up; each distinct term is now made once
        self._stores = {"asserted": kg.asserted_store.store, "union": kg.query_store} if kg.store == "default" \
            else {}
        self.labels: dict[URIRef, Labels] = defaultdict(Labels)
        self._search: list[tuple[str, URIRef, Text, int]] = []
        for row in self._run("labels", "union", ordered=True):
            s = row["s"]
            if not isinstance(s, URIRef):
                continue
            for var, rank in (("label", 0), ("pref", 1), ("alt", 2)):
                lit = row.get(var)
                if not isinstance(lit, Literal):
                    continue
                text = Text(str(lit), lit.language)
                if var == "label":
                    self.labels[s].label.setdefault(lit.language or "", str(lit))
                elif var == "alt":
                    self.labels[s].alt.append(text)
                self._search.append((fold(str(lit)), s, text, rank))
        self.types: dict[URIRef, set[URIRef]] = defaultdict(set)
        for row in self._run("types", "union"):
            if isinstance(row["s"], URIRef):
                self.types[row["s"]].add(row["type"])  # type: ignore[arg-type]
        # the same, keyed by IRI string, for the entity pages' sorting and filtering of pyoxigraph terms
        self._labels_by_iri = {str(iri): labels for iri, labels in self.labels.items()}
        self._descriptions = frozenset(str(iri) for iri, types in self.types.items() if types & DESCRIPTION_TYPES)
        self.articles = sorted(iri for iri, types in self.types.items() if KG.NewsArticle in types)
        """The articles, in IRI order (the home page lists them; found once, not per request)."""
        self._texts: dict[URIRef, tuple[str, str | None, tuple[Text, ...]] | None] = {}
        self._index_evidence()
        self._lookup = self._lookup_index()
        # whole-graph queries whose answer no request changes: run once (the build is read-only)
        self._timeline_rows = self._run("timeline", "union", ordered=True)
        self._timelines: dict[URIRef | None, list[TimelineItem]] = {}
        self._place_rows = self._run("places", "union", ordered=True)
        self._link_rows = self._run("links", "union")

    def _lookup_index(self) -> Any:
        """``kg lookup``'s index of the build (:mod:`kg.ingest.index`), or None where that module is absent."""
        try:
            return self.kg.lookup_index
        except ImportError:
            return None

    def _index_evidence(self) -> None:
        """Read every quotation and mention once (two queries), indexed by the node and value they are about and
        by article, so that a page only looks them up. This and the two queries it runs are what change with
        the evidence model."""
        by_subject: dict[Node, list[tuple[Node, Node | None, Node | None, Evidence]]] = defaultdict(list)
        for row in self._run("evidence", "asserted"):
            ev = self._evidence(row["source"], str(row["exact"]), int(row["start"]), int(row["end"]))  # type: ignore[arg-type]
            entry = (row["node"], row.get("property"), row.get("value"), ev)
            by_subject[row["node"]].append(entry)  # type: ignore[index]
        self._by_subject = by_subject
        spans: dict[Node, set[Span]] = defaultdict(set)
        mentions: dict[Node, list[Evidence]] = defaultdict(list)
        for row in self._run("article-spans", "asserted"):
            if not isinstance(row.get("entity"), URIRef):
                continue
            span = Span(str(row["kind"]), row["entity"], int(row["start"]), int(row["end"]), str(row["exact"]))  # type: ignore[arg-type]
            spans[row["article"]].add(span)  # type: ignore[index]
            if span.kind == "mention":
                mentions[span.entity].append(self._evidence(row["article"], span.exact, span.start, span.end))  # type: ignore[arg-type]
        self._spans = {a: sorted(v, key=lambda s: (s.start, -s.end, s.kind, str(s.entity))) for a, v in spans.items()}
        self._mentions = {e: sorted(set(v), key=lambda x: (str(x.source), x.start)) for e, v in mentions.items()}

    # -- helpers ------------------------------------------------------------
    def _run(self, name: str, graph: str, *, ordered: bool = False, **params: Any) -> list[dict[str, Node | None]]:
        """Run the web query ``name`` on ``graph`` (``"asserted"``: :attr:`asserted`, ``"union"``:
        :attr:`union`) with its parameters bound as RDF terms, in Oxigraph's engine: on the pyoxigraph store
        itself (:func:`kg.query.run_oxigraph`), or through oxrdflib on the rdflib Oxigraph store plugin
        (:func:`kg.query.run_local`). ``ordered``: the rows sorted by their terms, for a caller that keeps the
        first of several (a label per language, a point per place): the order an engine gives them in depends on
        how its store was made."""
        packaged = web_query(name)
        bindings = bind(packaged, params)
        label = f"web/{name}"
        store = self._stores.get(graph)
        if store is not None:
            result = run_oxigraph(store, packaged.text, bindings, label=label)
        else:
            chosen = self.asserted if graph == "asserted" else self.union
            result = run_local(chosen, packaged.text, bindings, label=label, inline_values=True)
        if not ordered:
            return result.rows
        names = result.variables
        return sorted(result.rows, key=lambda row: tuple(_term_key(row.get(name)) for name in names))

    def label(self, iri: Node, lang: str) -> Text:
        """The label of ``iri`` in ``lang`` (falling back to the other language, then to the IRI's local name)."""
        if isinstance(iri, URIRef) and iri in self.labels:
            found = self.labels[iri].get(lang)
            if found:
                return found
        return Text(_local_name(str(iri)), None)

    def is_article(self, iri: URIRef) -> bool:
        return KG.SourceDocument in self.types.get(iri, ()) or KG.NewsArticle in self.types.get(iri, ())

    def exists(self, iri: URIRef) -> bool:
        """True when the build says anything about ``iri``."""
        return (iri, None, None) in self.union

    def kind_of(self, iri: URIRef) -> list[URIRef]:
        """The most specific project classes of ``iri`` (no class that is a superclass of another listed)."""
        types = self.types.get(iri, set())
        supers = {sup for t in types for sup in self.union.transitive_objects(t, RDFS.subClassOf) if sup != t}
        return sorted(t for t in types if t not in supers)

    def article_text(self, article: URIRef) -> tuple[str, str | None, tuple[Text, ...]] | None:
        """The canonical text, language and titles of an article, or None when it has no text (cached)."""
        if article not in self._texts:
            rows = self._run("article", "asserted", article=article)
            if not rows or rows[0].get("text") is None:
                self._texts[article] = None
            else:
                lang = rows[0].get("language")
                titles = tuple(sorted({Text(str(r["title"]), r["title"].language)  # type: ignore[union-attr]
                                       for r in rows if isinstance(r.get("title"), Literal)},
                                      key=lambda t: t.lang or ""))
                self._texts[article] = (str(rows[0]["text"]), None if lang is None else str(lang), titles)
        return self._texts[article]

    def _evidence(self, source: URIRef, exact: str, start: int, end: int) -> Evidence:
        found = self.article_text(source)
        if found is None:
            return Evidence(source, exact, start, end, None, "", "")
        text, lang, _ = found
        sentence = sentence_at(text, start, end)
        line_start = text.rfind("\n", 0, start) + 1
        head = text[line_start:start]
        at = len(head.lstrip())  # the quote's offset inside the (stripped) sentence
        return Evidence(source, exact, start, end, lang, sentence[:at], sentence[at + end - start:])

    # -- pages ---------------------------------------------------------------
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Entities whose names match ``query`` (Arabic or English), best first.

        People, organisations, places, posts, infrastructure and concepts are matched as ``kg lookup`` matches
        them (its index and scores, :mod:`kg.ingest.index`) where that module exists. Every labelled entity is
        also matched by label on folded keys (:func:`fold`): an exact label scores 1, a label that holds the query
        as whole words 0.7, one that starts with it 0.6, one that holds it anywhere 0.4; an entity found both
        ways keeps the better score. Ties: people, organisations, places… (``kg lookup``'s types) first, then
        the shorter name.
        """
        key = fold(query)
        if not key:
            return []
        best: dict[URIRef, SearchHit] = {}
        if self._lookup is not None:
            for c in self._lookup.lookup(query, limit=limit, min_score=0.5):
                lang = "ar" if re.search("[\u0600-\u06FF]", c.matched) else "en"
                best[URIRef(c.iri)] = SearchHit(URIRef(c.iri), round(c.score, 2), Text(c.matched, lang))
        for label_key, iri, text, rank in self._search:
            if key not in label_key:
                continue
            if label_key == key:
                score = 1.0
            elif re.search(rf"(^| ){re.escape(key)}( |$)", label_key):
                score = 0.7
            elif label_key.startswith(key):
                score = 0.6
            else:
                score = 0.4
            score -= rank * 0.01
            if not str(iri).startswith(str(ID)) or self.types.get(iri, set()) & DESCRIPTION_TYPES:
                continue
            if iri not in best or best[iri].score < score:
                best[iri] = SearchHit(iri, round(score, 2), text)
        typed = {URIRef(e.iri) for e in self._lookup.entities} if self._lookup is not None else set()
        return sorted(best.values(), key=lambda h: (-h.score, h.iri not in typed, len(h.matched.value),
                                                    str(h.iri)))[:limit]

    def evidence_of(self, subject: Node, prop: Node, value: Node) -> list[Evidence]:
        """The quotations supporting the fact ``(subject, prop, value)``: its own (a ``kg:Fact`` reifying it),
        else, in the model before issue 7, the evidence of its subject node."""
        entries = self._by_subject.get(subject, [])
        own = [ev for _n, p, v, ev in entries if p == prop and v == value]
        chosen = own or [ev for _n, p, _v, ev in entries if p is None]
        return sorted(set(chosen), key=lambda e: (str(e.source), e.start, e.end))

    def mentions(self, entity: URIRef) -> list[Evidence]:
        """Where sources name ``entity`` (its ``kg:denotedBy`` mentions)."""
        return self._mentions.get(entity, [])

    def _statements(self, iri: URIRef) -> Iterator[tuple[str, str, Any]]:
        """The asserted triples with ``iri`` as subject (``"out"``) or object (``"in"``), as (direction, the
        property's IRI, the other end as a pyoxigraph term): matched by pattern in the build's store of asserted
        triples, each triple once. (A SPARQL query costs ten times as much here, turning every row into rdflib
        terms, on an entity that a thousand articles name.)"""
        import pyoxigraph as ox

        store, node = self.kg.asserted_store.store, ox.NamedNode(str(iri))
        for quad in store.quads_for_pattern(node, None, None, ox.DefaultGraph()):
            yield "out", quad.predicate.value, quad.object
        for quad in store.quads_for_pattern(None, None, node, ox.DefaultGraph()):
            yield "in", quad.predicate.value, quad.subject

    def _sort_key(self, value: Any, lang: str) -> tuple[str, str]:
        """How a fact's value (a pyoxigraph term) sorts: by :meth:`label` in ``lang``, then by the term."""
        import pyoxigraph as ox

        if isinstance(value, ox.NamedNode):  # the common case, without making an rdflib term
            labels = self._labels_by_iri.get(value.value)
            found = labels.get(lang) if labels is not None else None
            return (found.value if found else _local_name(value.value)), value.value
        term = from_ox(value)
        return self.label(term, lang).value, str(term)

    def entity(self, iri: URIRef, lang: str = "en", *, complete: bool = False) -> EntityView:
        """Types and the asserted facts of ``iri``, grouped by property and direction, each with its evidence.

        A page must stay quick for an entity that a thousand articles name, so by default each group holds its
        first :data:`FACTS_SHOWN` facts (by the value's label in ``lang``), each fact its first
        :data:`EVIDENCE_SHOWN` quotations (by source and offset) and the view the first :data:`MENTIONS_SHOWN`
        mentions; the totals say what was left out. ``complete`` gives everything."""
        import pyoxigraph as ox

        grouped: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for direction, prop, value in self._statements(iri):
            if prop in _NOT_LISTED or (direction == "out" and prop == _RDF_TYPE):
                continue
            if direction == "in" and (not isinstance(value, ox.NamedNode) or value.value in self._descriptions
                                      or "/evidence/" in value.value):
                continue
            grouped[(prop, direction)].append(value)
        facts_shown = None if complete else FACTS_SHOWN
        evidence_shown = None if complete else EVIDENCE_SHOWN
        groups = []
        for (prop_iri, direction), values in sorted(grouped.items(),
                                                    key=lambda kv: (kv[0][1] != "out",
                                                                    self.label(URIRef(kv[0][0]), lang).value)):
            prop = URIRef(prop_iri)
            facts = []
            for value in sorted(values, key=lambda v: self._sort_key(v, lang))[:facts_shown]:
                term = from_ox(value)
                evidence = self.evidence_of(*((iri, prop, term) if direction == "out" else (term, prop, iri)))
                facts.append(Fact(prop, direction, term, evidence[:evidence_shown], len(evidence)))  # type: ignore[arg-type]
            groups.append(FactGroup(prop, direction, facts, len(values)))
        mentions = self.mentions(iri)
        return EntityView(iri=iri, types=self.kind_of(iri), groups=groups,
                          mentions=mentions[:None if complete else MENTIONS_SHOWN], mentions_total=len(mentions))

    def article_spans(self, article: URIRef) -> list[Span]:
        """Every quotation and mention in ``article`` with the entity it is about."""
        return self._spans.get(article, [])

    def article(self, iri: URIRef) -> ArticleView | None:
        """The article's text cut into paragraphs and segments, each segment with the highlights covering it."""
        found = self.article_text(iri)
        if found is None:
            return None
        text, lang, titles = found
        spans = self.article_spans(iri)
        cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans),
                       *(i for i, ch in enumerate(text) if ch == "\n"), *(i + 1 for i, ch in enumerate(text) if ch == "\n")})
        paragraphs: list[list[Segment]] = [[]]
        for a, b in itertools.pairwise(cuts):
            piece = text[a:b]
            if piece == "\n":
                paragraphs.append([])
                continue
            covering = [s for s in spans if s.start <= a and b <= s.end]
            paragraphs[-1].append(Segment(piece, a, covering))
        return ArticleView(iri, text, lang, list(titles), [p for p in paragraphs if p], spans)

    def timeline(self, country: URIRef | None = None) -> list[TimelineItem]:
        """Engagements, outcomes and dated status assertions, dated first in date order; only those that involve
        ``country`` when given (worked out once per country: the build is read-only)."""
        if country not in self._timelines:
            self._timelines[country] = self._timeline(country)
        return list(self._timelines[country])

    def _timeline(self, country: URIRef | None) -> list[TimelineItem]:
        items: dict[tuple[Any, ...], TimelineItem] = {}
        for row in self._timeline_rows:
            item = row["item"]
            if not isinstance(item, URIRef):
                continue
            kind = str(row["kind"])
            start = None if row.get("start") is None else str(row["start"])
            key = (item, kind) if kind != "status" else (item, kind, start, row.get("status"), row.get("source"))
            entry = items.setdefault(key, TimelineItem(
                item, kind, start, None if row.get("end") is None else str(row["end"]), row.get("status"),  # type: ignore[arg-type]
                row.get("engagement"), [], row.get("source")))  # type: ignore[arg-type]
            c = row.get("country")
            if isinstance(c, URIRef) and c not in entry.countries:
                entry.countries.append(c)
        out = [i for i in items.values() if country is None or country in i.countries]
        order = {"engagement": 0, "outcome": 1, "status": 2}
        return sorted(out, key=lambda i: (i.start is None, i.start or "", order.get(i.kind, 3), str(i.item)))

    @cached_property
    def _countries(self) -> list[URIRef]:
        return sorted(iri for iri, types in self.types.items() if KG.Country in types)

    def countries(self) -> list[URIRef]:
        """Every country of the build (found once: the build is read-only)."""
        return list(self._countries)

    def map_features(self, lang: str = "en") -> dict[str, Any]:
        """A GeoJSON FeatureCollection: a point per located place or infrastructure, a line per link whose two
        ends are located."""
        points: dict[URIRef, tuple[float, float]] = {}
        features: list[dict[str, Any]] = []
        for row in self._place_rows:
            item = row["item"]
            if not isinstance(item, URIRef) or item in points:
                continue
            try:
                lat, lon = float(row["lat"]), float(row["long"])  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue
            points[item] = (lat, lon)
            features.append(self._feature(item, {"type": "Point", "coordinates": [lon, lat]}, lang,
                                          place=row.get("place")))
        ends: dict[URIRef, list[URIRef]] = defaultdict(list)
        for row in self._link_rows:
            ends[row["link"]].append(row["end"])  # type: ignore[index, arg-type]
        for link, members in sorted(ends.items()):
            located = [points[m] for m in members if m in points]
            if len(located) >= 2:
                features.append(self._feature(link, {"type": "LineString",
                                                     "coordinates": [[lon, lat] for lat, lon in located]}, lang))
        return {"type": "FeatureCollection", "features": features}

    def _feature(self, iri: URIRef, geometry: dict[str, Any], lang: str, place: Node | None = None) -> dict[str, Any]:
        label = self.label(iri, lang)
        kinds = self.kind_of(iri)
        props: dict[str, Any] = {
            "iri": str(iri), "path": local_path(iri), "label": label.value, "lang": label.lang or "",
            "dir": label.dir, "kind": self.label(kinds[0], lang).value if kinds else "",
            "infrastructure": KG.Infrastructure in self.types.get(iri, ()),
        }
        if isinstance(place, URIRef):
            props["place"] = self.label(place, lang).value
        return {"type": "Feature", "geometry": geometry, "properties": props}

    def describe(self, iri: URIRef, fmt: str) -> bytes:
        """The description of ``iri`` (every triple with it as subject, inferences included) as Turtle or JSON-LD."""
        from rdflib import Graph

        from kg.namespaces import bind_prefixes

        triples = list(self.union.triples((iri, None, None)))
        if fmt == "json-ld":
            g = Graph()
            bind_prefixes(g)
            for triple in triples:
                g.add(triple)
            return g.serialize(format="json-ld", encoding="utf-8", auto_compact=True)
        # the project's Turtle writer (Oxigraph's, triples in order; rdflib's took half a second on an entity a
        # thousand articles describe)
        return serialize_sorted([(None, triples)], "turtle")


def local_path(iri: Node) -> str | None:
    """The path of ``iri`` on the local web server (``…/id/person/x`` → ``/id/person/x``), or None."""
    text = str(iri)
    if isinstance(iri, URIRef) and text.startswith(str(ID)):
        return "/id/" + text[len(str(ID)):]
    return None
