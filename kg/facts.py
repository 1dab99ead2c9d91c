"""Assemble one article's named graph: quotations, sourced facts, post holdings and status assertions.

The evidence model (``docs/evidence-model.md`` says why this one):

* The article's asserted triples stay as they are, in the article's named graph.
* Each quotation (the exact words of the article) becomes one ``kg:Quotation``, a Web Annotation
  ``oa:SpecificResource`` with an ``oa:TextQuoteSelector`` and an ``oa:TextPositionSelector``.
* Each asserted triple becomes one ``kg:Fact``: an RDF reification (``rdf:Statement`` with ``rdf:subject``,
  ``rdf:predicate``, ``rdf:object``) that names its source (``prov:wasDerivedFrom``) and the quotations that
  support it (``kg:evidence``). A ``kg:status`` fact is also a ``kg:StatusAssertion`` with the date it holds
  as of (``kg:asOf``). Fact IRIs are minted under the article, so two articles stating one triple give two
  facts, each in its own graph: one node can carry facts from many sources without mixing them.
* Each report that a person holds a post (``kg:heldBy`` / ``kg:holds``) without an explicit
  ``kg:PostHolding`` in the article becomes a holding "held as reported on" the article's publication date.

The authoring forms this module expands (written in ``article.ttl``)::

    <node> kg:quote "exact words" .                  # the words support every fact of <node>

    [] kg:quote "exact words" ;                      # a quotation block: the words support the facts
       kg:forSubject <node> ;                        #   of these nodes,
       kg:forProperty kg:heldBy ;                    #   only with these properties (optional),
       kg:forValue <person> ;                        #   only with these values (optional),
       kg:asOf "2024-05-01"^^xsd:date ;              #   holding as of this date (optional)
       kg:datePrecision "month" .                    #   to this precision (optional)

Authoring errors are refused with the file and line: a data file that declares or describes ``kg:`` /
``kgc:`` terms (only ``ontology/`` may), an asserted fact no quotation supports, a block that selects no fact,
and a quotation that does not name the entity its fact points at, in the obvious cases (a post's
organisation or its country, a person holding a post or speaking, an operator, a provider, a place).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV
from rdflib.term import Node

from kg import evidence
from kg.dataset import TermCache
from kg.errors import DataError, Location, QuoteError
from kg.namespaces import ID, KG, KGC, OA, PREFIXES, SCHEMA

OWN_NAMESPACES = (str(KG._NS), str(KGC._NS))
"""Only ``ontology/`` may declare or describe terms in these namespaces."""

DECLARING_TYPES = frozenset({
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Ontology, RDF.Property,
    RDFS.Class, RDFS.Datatype, SKOS.Concept, SKOS.ConceptScheme, OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty, OWL.TransitiveProperty, OWL.SymmetricProperty,
})
DECLARING_PREDICATES = frozenset({
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass, OWL.equivalentProperty,
    OWL.inverseOf, OWL.disjointWith, SKOS.inScheme, SKOS.broader, SKOS.narrower, SKOS.topConceptOf,
})

NOT_FACTS = frozenset({RDFS.label, RDFS.comment, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.definition,
                       SKOS.note, SKOS.scopeNote, KG.denotedBy})
"""Predicates that name or annotate a node rather than state a fact about the world: no quotation needed."""
DESCRIPTION_TYPES = frozenset({KG.Mention, KG.Quotation, OA.TextQuoteSelector, OA.TextPositionSelector,
                               KG.NewsArticle, KG.SourceDocument})
"""Nodes that describe sources (the article itself, mentions and their selectors): their triples are not facts."""
AUTHORING = frozenset({KG.quote, KG.forSubject, KG.forProperty, KG.forValue})

_NAMED_OBJECT = "object"
_NAMED_SUBJECT = "subject"
CHECKED: dict[URIRef, str] = {
    KG.postIn: _NAMED_OBJECT, KG.heldBy: _NAMED_OBJECT, KG.holder: _NAMED_OBJECT, KG.holds: _NAMED_SUBJECT,
    KG.speaker: _NAMED_OBJECT, KG.participant: _NAMED_OBJECT, KG.visitor: _NAMED_OBJECT, KG.host: _NAMED_OBJECT,
    KG.operator: _NAMED_OBJECT, KG.provider: _NAMED_OBJECT, KG.ledBy: _NAMED_OBJECT,
    KG.location: _NAMED_OBJECT, KG.destination: _NAMED_OBJECT, KG.locatedIn: _NAMED_OBJECT,
    KG.market: _NAMED_OBJECT,
}
"""The obvious cases of "the quotation names what the fact points at", and which end must be named.

``kg:postIn`` also accepts the organisation's country; a person is also named by the last word of a label
(its family name: «وأوضح طلعت»)."""
NAME_PREDICATES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)


@dataclass
class _Quote:
    text: str
    node: Node
    """The subject the quote is on: a fact node (node form) or a quotation block."""
    span: evidence.Span | None = None


@dataclass
class _Block:
    node: Node
    subjects: set[Node]
    properties: set[Node]
    values: set[Node]
    as_of: Literal | None
    precision: Literal | None
    quotes: list[_Quote] = field(default_factory=list)


def _line_of(data: bytes, *needles: str) -> int | None:
    for needle in needles:
        if not needle:
            continue
        at = data.find(needle.encode("utf-8"))
        if at != -1:
            return data.count(b"\n", 0, at) + 1
    return None


_PREFIX_LINE = re.compile(rb"@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


def _prefixes(sources: dict[str, bytes]) -> dict[str, str]:
    """The prefixes the project binds, and those the source files declare (``@prefix p: <…>``)."""
    found = dict(PREFIXES)
    for data in sources.values():
        for match in _PREFIX_LINE.finditer(data):
            found[(match.group(1) or b"").decode()] = match.group(2).decode("utf-8", "replace")
    return found


def _spellings(prefixes: dict[str, str], term: Node) -> list[str]:
    """How a term may be written in a Turtle file: the full IRI, and ``prefix:local``."""
    if not isinstance(term, URIRef):
        return []
    spellings = [f"<{term}>"]
    for prefix, ns in prefixes.items():
        if ns and str(term).startswith(ns) and len(str(term)) > len(ns):
            spellings.append(f"{prefix}:{str(term)[len(ns):]}")
    return sorted(spellings, key=len)


def locate_term(sources: dict[str, bytes], term: Node, *context: str) -> Location:
    """The file and line where ``term`` is written: first where it starts a line (as the subject of a statement),
    else anywhere; else the first file."""
    spellings = _spellings(_prefixes(sources), term)
    for label, data in sources.items():
        for spelling in spellings:
            match = re.search(rb"^[ \t]*" + re.escape(spelling.encode("utf-8")) + rb"(?![\w:-])", data, re.MULTILINE)
            if match:
                return Location(label, data.count(b"\n", 0, match.start()) + 1)
    for label, data in sources.items():
        line = _line_of(data, *spellings, *context)
        if line is not None:
            return Location(label, line)
    return Location(next(iter(sources)))


def refuse_declarations(graph: Graph, sources: dict[str, bytes]) -> None:
    """Refuse a data file that declares a class, property or concept, or says anything about a ``kg:`` /
    ``kgc:`` term: only ``ontology/`` does that. Raises :class:`DataError` naming the file and line."""
    def refused(triple: tuple[Node, Node, Node]) -> bool:
        s, p, o = triple
        return (isinstance(s, URIRef) and str(s).startswith(OWN_NAMESPACES)) or p in DECLARING_PREDICATES or (
            p == _TYPE and o in DECLARING_TYPES)

    # the first refused triple in sorted order is the one named, whatever order the graph gives; only the
    # refused ones are sorted (sorting every triple of every article cost about a millisecond an article)
    found = sorted(filter(refused, graph), key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    if not found:
        return
    s, p, o = found[0]
    own = isinstance(s, URIRef) and str(s).startswith(OWN_NAMESPACES)
    what = "describes the ontology term" if own else "declares"
    raise DataError(
        f"{locate_term(sources, s)}: a data file {what} {_short(s, sources)} ({_short(p, sources)} "
        f"{_short(o, sources)}); only the files in ontology/ declare classes, properties and concepts: use the "
        "ontology's terms, or propose the new term as a change to ontology/ictkg.ttl")


def _short(term: Node, sources: dict[str, bytes] | None = None) -> str:
    """A term as a reader writes it (``kg:postIn``, ``post:eg-mcit-minister``)."""
    if isinstance(term, URIRef):
        named = [x for x in _spellings(_prefixes(sources or {}), term) if not x.startswith("<")]
        return min(named, key=len) if named else f"<{term}>"
    return term.n3() if not isinstance(term, Literal) else repr(str(term))


def _local(term: Node) -> str:
    text = str(term).rstrip("/")
    return re.split(r"[/#]", text)[-1] if isinstance(term, URIRef) else hashlib.sha1(text.encode()).hexdigest()[:12]


def fact_iri(article: URIRef, triple: tuple[Node, Node, Node]) -> URIRef:
    """The deterministic IRI of one article's fact: a digest of the triple, under the article."""
    return URIRef(_fact_iri_text(article, triple))


def _fact_iri_text(article: URIRef, triple: tuple[Node, Node, Node]) -> str:
    digest = hashlib.sha1(" ".join(t.n3() for t in triple).encode("utf-8")).hexdigest()[:16]
    return f"{article}/fact/{digest}"


def quotation_iri(article: URIRef, span: evidence.Span) -> URIRef:
    """The IRI of the quotation at ``span`` of an article (one per distinct passage)."""
    return URIRef(_quotation_iri_text(article, span))


def _quotation_iri_text(article: URIRef, span: evidence.Span) -> str:
    return f"{article}/quotation/{span.start}-{span.end}"


def holding_iri(post: Node, person: Node, article_id: str) -> URIRef:
    """The IRI of a holding that only one article reports (post, person and the article's id)."""
    return ID[f"holding/{_local(post)}--{_local(person)}--{article_id}"]


def _names(known: Graph, term: Node, *, family: bool) -> set[str]:
    names: set[str] = set()
    for predicate in NAME_PREDICATES:
        for label in known.objects(term, predicate):
            key = evidence.match_key(str(label))
            if key:
                names.add(key)
                if key.startswith("\u0627\u0644") and len(key) > 4:
                    names.add(key[1:])  # ل + الأردن is written للأردن: the alef of ال drops
                words = key.split()
                if family and len(words) > 1 and len(words[-1]) >= 3:
                    names.add(words[-1])
    return names


def _accepted_names(known: Graph, predicate: Node, named: Node) -> set[str]:
    person = (named, _TYPE, _PERSON) in known
    names = _names(known, named, family=person)
    if predicate == _POST_IN:
        for country in known.objects(named, KG.homeCountry):
            names |= _names(known, country, family=False)
    return names


def _article_date(authored: Graph, article: URIRef) -> Literal | None:
    value = authored.value(article, SCHEMA.datePublished)
    return value if isinstance(value, Literal) else None


class ArticleFacts:
    """The expansion of one article's authored triples into its named graph (see the module docstring)."""

    def __init__(self, authored: Graph, *, article: URIRef, article_id: str, text: str, text_file: str,
                 sources: dict[str, bytes], known: Graph, terms: TermCache | None = None) -> None:
        self.authored = authored
        self.article = article
        self.article_id = article_id
        self.text = text
        self.text_file = text_file
        self.sources = sources
        self.known = known
        """Labels and types the support check reads: the reference data and this article."""
        self.terms = terms if terms is not None else TermCache()
        """Converts the authored terms the graph repeats to pyoxigraph terms (each IRI once; one per process)."""

    # -- reading the authored form ------------------------------------------------------------

    def _blocks(self) -> dict[Node, _Block]:
        g = self.authored
        blocks = {}
        for node in set(g.subjects(KG.forSubject, None)):
            blocks[node] = _Block(
                node=node, subjects=set(g.objects(node, KG.forSubject)), properties=set(g.objects(node, KG.forProperty)),
                values=set(g.objects(node, KG.forValue)), as_of=g.value(node, KG.asOf),  # type: ignore[arg-type]
                precision=g.value(node, KG.datePrecision))  # type: ignore[arg-type]
        for node in set(g.subjects(KG.forProperty, None)) | set(g.subjects(KG.forValue, None)):
            if node not in blocks:
                raise DataError(f"{locate_term(self.sources, KG.forProperty)}: a quotation block needs "
                                "kg:forSubject (the node whose facts the quote supports)")
        return blocks

    def _locate(self, quotes: list[_Quote]) -> None:
        problems: list[QuoteError] = []
        for q in quotes:
            try:
                q.span = evidence.locate(self.text, q.text)
            except evidence.QuoteNotFound:
                problems.append(QuoteError(f"quote not found in {self.text_file}: {q.text!r}",
                                           self._quote_location(q.text), q.text))
            except evidence.QuoteAmbiguous as exc:
                problems.append(QuoteError(
                    f"quote occurs {len(exc.starts)} times in {self.text_file} (at code points "
                    f"{', '.join(map(str, exc.starts))}); quote more words so it is unique: {q.text!r}",
                    self._quote_location(q.text), q.text))
        if problems:
            if len(problems) == 1:
                raise problems[0]
            first = problems[0]
            raise QuoteError(first.detail + "\n" + "\n".join(str(p) for p in problems[1:]), first.location,
                             first.quote)

    def _quote_location(self, quote: str) -> Location:
        needle = quote.encode("utf-8")
        for label, data in self.sources.items():
            at = data.find(needle)
            if at != -1:
                line = data.count(b"\n", 0, at) + 1
                column = len(data[data.rfind(b"\n", 0, at) + 1:at].decode("utf-8", "replace")) + 1
                return Location(label, line, column)
        return Location(next(iter(self.sources)))

    def _facts(self, blocks: dict[Node, _Block]) -> list[tuple[Node, Node, Node]]:
        g = self.authored
        described = {s for t in DESCRIPTION_TYPES for s in g.subjects(RDF.type, t)} | {self.article} | set(blocks)
        return sorted(((s, p, o) for s, p, o in g
                       if s not in described and p not in NOT_FACTS and p not in AUTHORING),
                      key=lambda t: (str(t[0]), str(t[1]), str(t[2])))

    # -- the expansion ----------------------------------------------------------------------------

    def build(self) -> set[Any]:
        """The triples of the article's named graph (``pyoxigraph.Triple``): its asserted triples, quotations,
        facts, holdings. Raises :class:`DataError` / :class:`QuoteError` for the authoring errors in the module
        docstring."""
        g = self.authored
        blocks = self._blocks()
        node_quotes: dict[Node, list[_Quote]] = defaultdict(list)
        all_quotes: list[_Quote] = []
        for node, text in sorted(g.subject_objects(KG.quote), key=lambda t: (str(t[0]), str(t[1]))):
            q = _Quote(str(text), node)
            all_quotes.append(q)
            (blocks[node].quotes if node in blocks else node_quotes[node]).append(q)
        for block in blocks.values():
            if not block.quotes:
                raise DataError(f"{locate_term(self.sources, KG.forSubject)}: a quotation block has no kg:quote")
        self._locate(all_quotes)

        facts = self._facts(blocks)
        support: dict[tuple[Node, Node, Node], list[_Quote]] = {}
        dated: dict[tuple[Node, Node, Node], _Block] = {}
        by_subject: dict[Node, list[tuple[Node, Node, Node]]] = defaultdict(list)
        for triple in facts:
            by_subject[triple[0]].append(triple)
            support[triple] = list(node_quotes.get(triple[0], []))
        for block in sorted(blocks.values(), key=lambda b: str(b.node)):
            selected = [t for s in block.subjects for t in by_subject.get(s, [])
                        if (not block.properties or t[1] in block.properties)
                        and (not block.values or t[2] in block.values)]
            if not selected:
                raise DataError(f"{self._quote_location(block.quotes[0].text)}: this quotation block selects no "
                                "fact of the article (check kg:forSubject / kg:forProperty / kg:forValue)")
            for t in selected:
                support[t].extend(block.quotes)
                if block.as_of is not None or block.precision is not None:
                    dated[t] = block
        unsupported = [t for t in facts if not support[t]]
        if unsupported:
            first = unsupported[0]
            listed = "\n".join(f"  {_short(s, self.sources)} {_short(p, self.sources)} {_short(o, self.sources)}" for s, p, o in unsupported[:10])
            more = f"\n  … and {len(unsupported) - 10} more" if len(unsupported) > 10 else ""
            raise DataError(f"{locate_term(self.sources, first[0])}: {len(unsupported)} fact(s) of the article "
                            f"rest on no quotation (add kg:quote on the node, or a quotation block):\n{listed}{more}")
        self._check_support(support)
        return self._emit(facts, support, dated)

    def _check_support(self, support: dict[tuple[Node, Node, Node], list[_Quote]]) -> None:
        problems = []
        for (s, p, o), quotes in support.items():
            end = CHECKED.get(p)  # type: ignore[arg-type]
            if end is None:
                continue
            named = o if end == _NAMED_OBJECT else s
            names = _accepted_names(self.known, p, named)
            if not names:
                continue  # nothing to compare with: the entity has no label
            keys = [evidence.match_key(q.span.exact if q.span else q.text) for q in quotes]
            if not any(name in key for name in names for key in keys):
                arabic = any("\u0600" <= ch <= "\u06ff" for ch in quotes[0].text)
                labels = sorted(self.known.objects(named, RDFS.label),
                                key=lambda lbl: getattr(lbl, "language", None) != ("ar" if arabic else "en"))
                label = str(labels[0]) if labels else str(named)
                extra = " or its country" if p == KG.postIn else ""
                problems.append(f"{self._quote_location(quotes[0].text)}: the quotation(s) for "
                                f"{_short(s, self.sources)} {_short(p, self.sources)} {_short(o, self.sources)} "
                                f"do not name {label!r}{extra}; quote the words that say it")
        if problems:
            raise DataError("\n".join(problems))

    def _emit(self, facts: list[tuple[Node, Node, Node]], support: dict[tuple[Node, Node, Node], list[_Quote]],
              dated: dict[tuple[Node, Node, Node], _Block]) -> set[Any]:
        # the graph is made of pyoxigraph terms (what a build holds, kg.dataset): the nodes minted here (facts,
        # quotations, selectors, their literals) are made as such, never as rdflib terms converted afterwards,
        # which cost about a third of an article's assembly
        import pyoxigraph as ox

        v = _ox_vocabulary()
        g = self.authored
        to_ox = self.terms.to_ox
        triple_of = ox.Triple
        named = ox.NamedNode
        out: set[Any] = set()  # a set, not a Graph: an rdflib add costs ~15 µs
        add = out.add
        blocks = set(g.subjects(_FOR_SUBJECT, None))
        for s, p, o in g:
            if s not in blocks and p not in AUTHORING:
                add(triple_of(to_ox(s), to_ox(p), to_ox(o)))
        published = _article_date(g, self.article)
        published_ox = to_ox(published) if published is not None else None
        article = self.article
        article_ox = to_ox(article)
        quotations: dict[tuple[int, int], Any] = {}
        for quotes in support.values():
            for q in quotes:
                assert q.span is not None
                key = (q.span.start, q.span.end)
                if key not in quotations:
                    quotations[key] = self._add_quotation(out, q.span, article_ox, v)

        def add_fact(triple: tuple[Node, Node, Node], quotes: Iterable[_Quote], block: _Block | None) -> None:
            fact = named(_fact_iri_text(article, triple))
            add(triple_of(fact, v.type, v.statement))
            add(triple_of(fact, v.type, v.fact))
            add(triple_of(fact, v.subject, to_ox(triple[0])))
            add(triple_of(fact, v.predicate, to_ox(triple[1])))
            add(triple_of(fact, v.object, to_ox(triple[2])))
            add(triple_of(fact, v.derived_from, article_ox))
            for q in quotes:
                assert q.span is not None
                add(triple_of(fact, v.evidence, quotations[(q.span.start, q.span.end)]))
            as_of = to_ox(block.as_of) if block is not None and block.as_of is not None else None
            if triple[1] == _STATUS:
                add(triple_of(fact, v.type, v.status_assertion))
                as_of = as_of if as_of is not None else published_ox
            if as_of is not None:
                add(triple_of(fact, v.as_of, as_of))
            if block is not None and block.precision is not None:
                add(triple_of(fact, v.date_precision, to_ox(block.precision)))

        for triple in facts:
            add_fact(triple, support[triple], dated.get(triple))

        # reports that a person holds a post, without an explicit holding: "held as reported on" the article's date
        explicit = {(g.value(h, KG.heldPost), g.value(h, KG.holder)) for h in g.subjects(RDF.type, KG.PostHolding)}
        reports: dict[tuple[Node, Node], list[_Quote]] = defaultdict(list)
        for s, p, o in facts:
            if p == _HELD_BY:
                reports[(s, o)].extend(support[(s, p, o)])
            elif p == _HOLDS:
                reports[(o, s)].extend(support[(s, p, o)])
        for (post, person), quotes in sorted(reports.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
            if (post, person) in explicit:
                continue
            holding = holding_iri(post, person, self.article_id)
            derived = [(holding, RDF.type, KG.PostHolding), (holding, KG.holder, person), (holding, KG.heldPost, post)]
            if published is not None:
                derived.append((holding, KG.reportedOn, published))
            unique = list({(q.span.start, q.span.end): q for q in quotes if q.span}.values())
            holding_ox = named(holding)
            for triple in derived:
                add(triple_of(holding_ox, to_ox(triple[1]), to_ox(triple[2])))
                add_fact(triple, unique, None)
        return out

    def _add_quotation(self, out: set[Any], span: evidence.Span, article_ox: Any, v: _OxVocabulary) -> Any:
        import pyoxigraph as ox

        text = _quotation_iri_text(self.article, span)
        node = ox.NamedNode(text)
        quote_sel, position_sel = ox.NamedNode(f"{text}/quote"), ox.NamedNode(f"{text}/position")
        triple_of, literal = ox.Triple, ox.Literal
        out.update((
            triple_of(node, v.type, v.quotation),
            triple_of(node, v.has_source, article_ox),
            triple_of(node, v.has_selector, quote_sel),
            triple_of(node, v.has_selector, position_sel),
            triple_of(quote_sel, v.type, v.quote_selector),
            triple_of(quote_sel, v.exact, literal(span.exact)),
            triple_of(quote_sel, v.prefix, literal(span.prefix)),
            triple_of(quote_sel, v.suffix, literal(span.suffix)),
            triple_of(position_sel, v.type, v.position_selector),
            triple_of(position_sel, v.start, literal(str(span.start), datatype=v.non_negative_integer)),
            triple_of(position_sel, v.end, literal(str(span.end), datatype=v.non_negative_integer)),
        ))
        return node


@dataclass(frozen=True)
class _OxVocabulary:
    """The terms the expansion writes for every fact and quotation, as pyoxigraph terms (made once)."""

    type: Any
    statement: Any
    fact: Any
    subject: Any
    predicate: Any
    object: Any
    derived_from: Any
    evidence: Any
    status_assertion: Any
    as_of: Any
    date_precision: Any
    quotation: Any
    has_source: Any
    has_selector: Any
    quote_selector: Any
    exact: Any
    prefix: Any
    suffix: Any
    position_selector: Any
    start: Any
    end: Any
    non_negative_integer: Any


@functools.cache
def _ox_vocabulary() -> _OxVocabulary:
    import pyoxigraph as ox

    return _OxVocabulary(*(ox.NamedNode(term) for term in (
        RDF.type, RDF.Statement, KG.Fact, RDF.subject, RDF.predicate, RDF.object, PROV.wasDerivedFrom, KG.evidence,
        KG.StatusAssertion, KG.asOf, KG.datePrecision, KG.Quotation, OA.hasSource, OA.hasSelector,
        OA.TextQuoteSelector, OA.exact, OA.prefix, OA.suffix, OA.TextPositionSelector, OA.start, OA.end,
        XSD.nonNegativeInteger)))


# rdflib terms the expansion compares with for every fact, looked up once (a DefinedNamespace lookup costs µs)
_TYPE, _STATUS, _FOR_SUBJECT, _PERSON = RDF.type, KG.status, KG.forSubject, KG.Person
_POST_IN, _HELD_BY, _HOLDS = KG.postIn, KG.heldBy, KG.holds


__all__ = ["ArticleFacts", "fact_iri", "holding_iri", "locate_term", "quotation_iri", "refuse_declarations"]
