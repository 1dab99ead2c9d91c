"""OWL 2 RL as SPARQL rules generated from the ontology, run to a fixpoint in Oxigraph.

Two steps, the way issue 10's prototype did it:

1. **The T-box.** owlrl computes the OWL-RL closure of the *ontology graph alone*, less its individuals (the
   SKOS concepts, which are data the rules reach): a few seconds, so the generated rules are cached per process
   and on disk by the graph's canonical digest (see :meth:`RuleSet.from_ontology` and :func:`cache_dir`). The closed ontology has
   every ``rdfs:subClassOf`` / ``rdfs:subPropertyOf`` chain, every domain and range already propagated
   (``scm-*`` rules), so one pass of each instance rule suffices for what the schema alone implies.
2. **The A-box.** From the closed ontology, :class:`RuleSet` *generates* one SPARQL ``INSERT … WHERE`` per rule
   pattern, parameterised by a ``VALUES`` table of the schema's terms (never one hand-written rule per term):

   ============  ============================================================================================
   rule          table (from the closed ontology)
   ============  ============================================================================================
   cax-sco       (c1, c2) for ``c1 rdfs:subClassOf c2`` and both directions of ``owl:equivalentClass`` (cax-eqc)
   prp-spo1      (p1, p2) for ``rdfs:subPropertyOf`` and both directions of ``owl:equivalentProperty`` (prp-eqp)
   prp-dom/rng   (p, c) for ``rdfs:domain`` / ``rdfs:range``
   prp-inv1/2    (p1, p2) for both directions of ``owl:inverseOf``
   prp-symp      p typed ``owl:SymmetricProperty``
   prp-trp       p typed ``owl:TransitiveProperty``
   prp-spo2      (p, p1 … pn) for ``owl:propertyChainAxiom``, one query per chain length
   prp-fp/ifp    p typed ``owl:FunctionalProperty`` / ``owl:InverseFunctionalProperty`` (give ``owl:sameAs``)
   eq-sym/trans  ``owl:sameAs`` is symmetric and transitive
   eq-rep-s/p/o  a triple holds for every ``owl:sameAs`` of its subject / predicate / object
   ============  ============================================================================================

   Terms enter the SPARQL text only as IRIs of the parsed ontology, written in N-Triples form by pyoxigraph
   (which validates them); rows holding a blank node are left out of ``cax-sco``/``prp-dom``/``prp-rng`` —
   the closed ontology already links every named class past an anonymous one — and, for properties, make the
   rule set *uncovered* (below).

   ``prp-dom`` / ``prp-rng`` keep only the most specific classes of each property: ``cax-sco`` adds the
   superclasses once per typed node rather than once per triple. Rows typing a node ``owl:Thing`` /
   ``rdfs:Resource`` / ``owl:NamedIndividual`` are left out when no rule reads such a typing (``_keep`` drops
   them; see :meth:`RuleSet._drop_trivial_types`).

   **Running** (:func:`infer_store`): the rules work *inside the data graph* — so that every rule reads one
   graph, where each triple is once — and record what they add in scratch named graphs, one per round. Round 0
   adds the new triples of the ontology's closure, then applies every rule to the whole data graph; each later
   round applies every rule with one body triple taken from the previous round's graph only (semi-naive); an
   update adds a head triple only if the data graph lacks it, so each round graph holds exactly that round's
   new triples, and the fixpoint is reached when a round adds nothing. The equality rules run only while some
   non-reflexive ``owl:sameAs`` exists. Then the round graphs are read (the inferences), their triples are
   deleted from the data graph and the round graphs dropped — also when something raised — so the store ends as
   it began. From an earlier run's inferences and added triples (:func:`infer_added`) the rounds run instead in
   a small store of their own, and the data's store is only read: Oxigraph's in-memory store keeps an entry for
   every triple once put in, and a store that validation and later additions read should not collect them.

**What owlrl derives that is not generated.** Disjointness (``owl:disjointWith``, ``owl:AllDisjointClasses``,
``owl:propertyDisjointWith``, ``owl:complementOf``, ``owl:AsymmetricProperty``, ``owl:IrreflexiveProperty``,
``owl:differentFrom``, ``owl:AllDifferent``, negative property assertions) only makes owlrl record inconsistency
messages, as triples on blank nodes that :func:`kg.reason._keep` drops — so those constructs need no rule and
count as covered. ``eq-ref`` (``x owl:sameAs x``), ``rdf:type owl:Thing`` and datatype typings of literals
(``dt-type*``) are reasoning noise ``_keep`` drops as well. Every other OWL construct of the closed ontology —
restrictions (``owl:hasValue``, ``owl:someValuesFrom``, ``owl:allValuesFrom``, cardinalities), ``owl:oneOf``,
``owl:intersectionOf``, ``owl:unionOf``, ``owl:hasKey``, anonymous property expressions, ``owl:sameAs`` between
schema terms — is listed in :attr:`RuleSet.uncovered`, and then the whole inference falls back to owlrl.
The run also falls back when the *data* holds schema axioms the ontology does not (the rules come from the
ontology alone), when ``owl:sameAs`` reaches a term the ontology uses, and when a functional property has a
literal among two values (owlrl then equates literals, which an RDF store cannot hold as subjects). Each
fallback is said in a message handed to the ``report`` callback (the library never prints).

**Results and their terms.** :func:`infer_store` returns the new triples as *rdflib* terms, filtered exactly
like the reference engine (``kg.reason.keep_ox``, the same test as ``kg.reason._keep`` on pyoxigraph terms).
Where the engines legitimately differ: an Oxigraph store canonicalises typed literals when it stores them
(``"01"^^xsd:integer`` → ``"1"``, ``xsd:nonNegativeInteger`` → ``xsd:integer``, ``"1.0"^^xsd:decimal`` →
``"1"``), and RDF 1.1 makes ``"a"`` and ``"a"^^xsd:string`` one term where rdflib (and owlrl) keep two, so an
inference carrying such a literal from a store holds the store's form (pinned in
``tests/test_engine_rules.py``). The build avoids that two ways (:func:`infer_triples`). It runs the rules in
the store its shapes use and puts each literal of their answers back in the form it was loaded in: which forms
the store rewrites is asked of Oxigraph (:func:`_literal_forms`), and where two literals of the data would be
one term in the store, the rules run instead in a store of their own whose typed literals are wrapped in a
private datatype that Oxigraph keeps verbatim (the rules never look inside literals), unwrapped in the results.
:func:`infer_dataset` wraps the same way. Either way the triples equal owlrl's term for term.
"""

from __future__ import annotations

import hashlib
import pickle
import uuid
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.cache import cache_dir, read_trusted, write_atomic
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, bind_prefixes

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

Report = Callable[[str], None]

_OWL_NS = str(OWL)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_WRAP_DATATYPE = "urn:x-kg:rules:datatype:"
_WRAP_LANGUAGE = "urn:x-kg:rules:language:"
_SCRATCH = "urn:x-kg:rules:"

# -- the OWL vocabulary, sorted by what the rules do with it ---------------------------------------------------

_GENERATED = {OWL.equivalentClass, OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom,
              OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.SymmetricProperty,
              OWL.TransitiveProperty, OWL.sameAs}
"""OWL terms that the generated rules implement (``owl:sameAs`` in the closed ontology is owlrl's reflexive
``eq-ref``; a non-reflexive one between schema terms is uncovered, see :meth:`RuleSet._make_rules`)."""
_ERRORS_ONLY = {OWL.disjointWith, OWL.AllDisjointClasses, OWL.members, OWL.AllDisjointProperties,
                OWL.propertyDisjointWith, OWL.complementOf, OWL.AsymmetricProperty, OWL.IrreflexiveProperty,
                OWL.differentFrom, OWL.AllDifferent, OWL.distinctMembers, OWL.NegativePropertyAssertion,
                OWL.sourceIndividual, OWL.assertionProperty, OWL.targetIndividual, OWL.targetValue,
                OWL.Nothing}
"""OWL terms whose rules only report inconsistencies (owlrl's messages are blank-node triples ``_keep`` drops)."""
_DECLARATIONS = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Ontology,
                 OWL.OntologyProperty, OWL.NamedIndividual, OWL.Thing, OWL.DeprecatedClass, OWL.DeprecatedProperty,
                 OWL.deprecated, OWL.versionInfo, OWL.versionIRI, OWL.priorVersion, OWL.backwardCompatibleWith,
                 OWL.incompatibleWith, OWL.imports, OWL.Annotation, OWL.Axiom, OWL.annotatedSource,
                 OWL.annotatedProperty, OWL.annotatedTarget, OWL.Restriction}
"""OWL terms that derive nothing by themselves (``owl:Restriction`` is judged by its other predicates)."""
_COVERED = _GENERATED | _ERRORS_ONLY | _DECLARATIONS

_OWL_TERMS = frozenset(URIRef(_OWL_NS + name) for name in OWL.__annotations__)
_SCHEMA_PREDICATES = frozenset({RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range}
                               | {t for t in _OWL_TERMS if t[len(_OWL_NS)].islower()}) - {
    OWL.sameAs, OWL.differentFrom, OWL.versionInfo, OWL.versionIRI, OWL.priorVersion, OWL.deprecated,
    OWL.backwardCompatibleWith, OWL.incompatibleWith, OWL.imports}
"""Predicates that state schema axioms: the rules come from the ontology, so these must not come from data."""
_SCHEMA_CLASSES = frozenset({RDFS.Class, RDF.Property, RDFS.Datatype}
                            | {t for t in _OWL_TERMS if t[len(_OWL_NS)].isupper()}) - {
    OWL.Thing, OWL.NamedIndividual, OWL.Ontology}
"""Types that declare schema terms."""


def _owl_terms_of(tbox: Graph) -> set[URIRef]:
    """The OWL-namespace predicates and types used in ``tbox``."""
    used = {p for p in tbox.predicates(unique=True) if isinstance(p, URIRef) and str(p).startswith(_OWL_NS)}
    used |= {o for o in tbox.objects(None, RDF.type, unique=True) if isinstance(o, URIRef) and str(o).startswith(_OWL_NS)}
    return used


# -- rules ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One generated rule: ``head`` holds whenever every ``body`` triple pattern does, for a row of ``table``.

    Patterns are SPARQL triple patterns over variables (``?x``) and the table's columns; ``table`` rows hold
    pyoxigraph terms of the ontology. ``filters`` are SPARQL filter expressions over the same variables.
    """

    name: str
    head: str
    body: tuple[str, ...]
    columns: tuple[str, ...] = ()
    table: tuple[tuple[Any, ...], ...] = ()
    filters: tuple[str, ...] = ()

    def updates(self, data: Any | None, delta: Any | None, target: Any) -> Iterator[str]:
        """The SPARQL updates of this rule: one naive update (``delta`` None) or, semi-naively, one per body
        pattern with that pattern matched in the ``delta`` graph only. Each adds the head triples that are not
        yet in the working graph (``data``: a ``NamedNode``, or None for the default graph) both to it and to
        the ``target`` graph (pyoxigraph ``NamedNode`` s)."""
        values = ""
        if self.columns:
            rows = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in self.table)
            values = f"VALUES ({' '.join(self.columns)}) {{ {rows} }}\n"
        filters = "".join(f"FILTER({f})\n" for f in self.filters)
        def in_data(pattern: str) -> str:
            return f"{pattern} ." if data is None else f"GRAPH {data} {{ {pattern} }}"

        variants = [None] if delta is None else range(len(self.body))
        for chosen in variants:
            patterns = [in_data(pattern) for i, pattern in enumerate(self.body) if i != chosen]
            if chosen is not None:  # the delta pattern first: it is the smallest
                patterns.insert(0, f"GRAPH {delta} {{ {self.body[chosen]} }}")
            where = "\n".join(patterns)
            yield (f"INSERT {{ {in_data(self.head)} GRAPH {target} {{ {self.head} }} }} WHERE {{\n{where}\n"
                   f"{values}{filters}FILTER NOT EXISTS {{ {in_data(self.head)} }}\n}}")


_META = (str(OWL), str(RDFS), str(RDF))


def _individuals(ontology: Graph) -> set[Node]:
    """The individuals the ontology graph describes (SKOS concepts and schemes, say): subjects typed with a class
    outside the OWL / RDFS / RDF vocabularies. Their triples are A-box data for the rules, not schema, so the
    T-box closure leaves them out (owlrl's closure of the schemes alone costs seconds and adds nothing the
    rules do not derive from the data graph, which holds the same triples)."""
    found = set()
    for s, o in ontology.subject_objects(RDF.type):
        if isinstance(s, URIRef) and isinstance(o, URIRef) and not str(o).startswith(_META):
            found.add(s)
    return found


def _iri(term: Node) -> Any | None:
    """``term`` as a pyoxigraph IRI, or None for anything else (blank nodes, literals, invalid IRIs)."""
    import pyoxigraph as ox

    if not isinstance(term, URIRef):
        return None
    try:
        return ox.NamedNode(str(term))
    except ValueError:
        return None


@dataclass
class RuleSet:
    """The instance-level OWL 2 RL rules generated from one ontology.

    ``closure`` is owlrl's OWL-RL closure of the ontology alone; ``new`` its triples the ontology does not
    assert; ``rules`` the generated rules; ``uncovered`` a sorted list of what the rules do not implement (empty
    when they cover the whole ontology; otherwise :func:`infer_store` falls back to owlrl).
    """

    ontology: Graph
    closure: Graph
    new: set[tuple[Node, Node, Node]]
    rules: list[Rule] = field(default_factory=list)
    equality: list[Rule] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    functional: list[Any] = field(default_factory=list)
    schema_terms: frozenset[Node] = frozenset()

    @classmethod
    def from_ontology(cls, ontology: Graph) -> RuleSet:
        """Close ``ontology`` with owlrl and generate its rules, cached per process and on disk (:func:`cache_dir`)
        by the graph's digest."""
        from rdflib.compare import to_isomorphic

        if any(isinstance(t, URIRef) and _iri(t) is None for triple in ontology for t in triple):
            return cls._generate(ontology)  # an invalid IRI, which rdflib cannot write to digest it: no cache
        # the same triples, blank nodes and all (one parse of the ontology, asked again: a knowledge graph that
        # adds articles), have the same digest, which takes 0.3 s to make
        triples = frozenset(ontology)
        key = _DIGESTS.get(triples)
        if key is None:
            key = to_isomorphic(ontology).graph_digest()
            while len(_DIGESTS) >= _CACHE_SIZE:
                del _DIGESTS[next(iter(_DIGESTS))]  # the oldest
            _DIGESTS[triples] = key
        found = _CACHE.get(key)
        if found is None:
            found = _read_cached(key, ontology)
        if found is None:
            found = cls._generate(ontology)
            _write_cached(key, found)
            while len(_CACHE) >= _CACHE_SIZE:
                del _CACHE[next(iter(_CACHE))]  # the oldest
            _CACHE[key] = found
        return found

    @classmethod
    def _generate(cls, ontology: Graph) -> RuleSet:
        import owlrl

        closure = Graph()
        individuals = _individuals(ontology)
        for triple in ontology:
            if triple[0] not in individuals:  # the ontology's A-box (concepts) is data: the rules reach it
                closure.add(triple)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
        # blank nodes of the closure are this parse's own (a later parse names them anew): the rules never read
        # them, _keep drops them, so the T-box triples carried into the data leave them out
        new = {t for t in set(closure) - set(ontology) if not any(isinstance(x, BNode) for x in t)}
        rules = cls(ontology, closure, new)
        rules._make_rules()
        return rules

    # -- generation ----------------------------------------------------------------------------------------
    def _pairs(self, predicate: URIRef, *, both_ways: bool = False, properties: bool = False,
               name: str = "") -> list[tuple[Any, Any]]:
        """The (subject, object) IRI pairs of ``predicate`` in the closure, without reflexive ones."""
        rows = set()
        for s, o in self.closure.subject_objects(predicate):
            if s == o:
                continue
            a, b = _iri(s), _iri(o)
            if a is None or b is None:
                if properties or not (isinstance(s, BNode) or isinstance(o, BNode)):
                    self.uncovered.append(f"{name}: {_show(s)} {_show(predicate)} {_show(o)} (not a pair of IRIs)")
                continue
            rows.add((a, b))
            if both_ways:
                rows.add((b, a))
        return sorted(rows, key=lambda row: tuple(map(str, row)))

    def _typed(self, owl_type: URIRef, name: str) -> list[Any]:
        terms = []
        for s in sorted(self.closure.subjects(RDF.type, owl_type), key=str):
            term = _iri(s)
            if term is None:
                self.uncovered.append(f"{name}: {_show(s)} a {_show(owl_type)} (not an IRI)")
            else:
                terms.append(term)
        return terms

    def _make_rules(self) -> None:
        used = _owl_terms_of(self.closure)
        for term in sorted(used - _COVERED):
            self.uncovered.append(f"{_show(term)}: no generated rule implements it")
        for s, o in self.closure.subject_objects(OWL.sameAs):
            if s != o:
                self.uncovered.append(f"owl:sameAs between schema terms: {_show(s)} {_show(o)}")

        rules = self.rules
        sco = (self._pairs(RDFS.subClassOf, name="cax-sco")
               + self._pairs(OWL.equivalentClass, both_ways=True, name="cax-eqc"))
        if sco:
            rules.append(Rule("cax-sco", "?x a ?c2", ("?x a ?c1",), ("?c1", "?c2"), tuple(sorted(set(sco), key=str))))
        spo = (self._pairs(RDFS.subPropertyOf, properties=True, name="prp-spo1")
               + self._pairs(OWL.equivalentProperty, both_ways=True, properties=True, name="prp-eqp"))
        if spo:
            rules.append(Rule("prp-spo1", "?x ?p2 ?y", ("?x ?p1 ?y",), ("?p1", "?p2"), tuple(sorted(set(spo), key=str))))
        below = set(sco)
        dom = _most_specific(self._pairs(RDFS.domain, name="prp-dom"), below)
        if dom:
            rules.append(Rule("prp-dom", "?x a ?c", ("?x ?p ?y",), ("?p", "?c"), tuple(dom)))
        rng = _most_specific(self._pairs(RDFS.range, name="prp-rng"), below)
        if rng:
            rules.append(Rule("prp-rng", "?y a ?c", ("?x ?p ?y",), ("?p", "?c"), tuple(rng), ("!isLiteral(?y)",)))
        inv = self._pairs(OWL.inverseOf, both_ways=True, properties=True, name="prp-inv")
        if inv:
            rules.append(Rule("prp-inv", "?y ?p2 ?x", ("?x ?p1 ?y",), ("?p1", "?p2"), tuple(inv),
                              ("!isLiteral(?y)",)))
        symmetric = self._typed(OWL.SymmetricProperty, "prp-symp")
        if symmetric:
            rules.append(Rule("prp-symp", "?y ?p ?x", ("?x ?p ?y",), ("?p",), tuple((p,) for p in symmetric),
                              ("!isLiteral(?y)",)))
        transitive = self._typed(OWL.TransitiveProperty, "prp-trp")
        if transitive:
            rules.append(Rule("prp-trp", "?x ?p ?z", ("?x ?p ?y", "?y ?p ?z"), ("?p",),
                              tuple((p,) for p in transitive)))
        self._chains()
        self.functional = self._typed(OWL.FunctionalProperty, "prp-fp")
        if self.functional:
            rules.append(Rule("prp-fp", "?y1 owl:sameAs ?y2".replace("owl:sameAs", _n(OWL.sameAs)),
                              ("?x ?p ?y1", "?x ?p ?y2"), ("?p",), tuple((p,) for p in self.functional),
                              ("!sameTerm(?y1, ?y2)",)))
        inverse_functional = self._typed(OWL.InverseFunctionalProperty, "prp-ifp")
        if inverse_functional:
            rules.append(Rule("prp-ifp", f"?x1 {_n(OWL.sameAs)} ?x2", ("?x1 ?p ?y", "?x2 ?p ?y"), ("?p",),
                              tuple((p,) for p in inverse_functional), ("!sameTerm(?x1, ?x2)",)))
        same = _n(OWL.sameAs)
        self.equality = [
            Rule("eq-sym", f"?y {same} ?x", (f"?x {same} ?y",)),
            Rule("eq-trans", f"?x {same} ?z", (f"?x {same} ?y", f"?y {same} ?z")),
            Rule("eq-rep-s", "?s2 ?p ?o", (f"?s {same} ?s2", "?s ?p ?o")),
            Rule("eq-rep-p", "?s ?p2 ?o", (f"?p {same} ?p2", "?s ?p ?o")),
            Rule("eq-rep-o", "?s ?p ?o2", (f"?o {same} ?o2", "?s ?p ?o")),
        ]
        self.schema_terms = frozenset(t for triple in self.closure for t in triple if isinstance(t, URIRef))
        self.uncovered = sorted(set(self.uncovered))
        self._drop_trivial_types()

    def _drop_trivial_types(self) -> None:
        """Leave out the ``cax-sco`` / ``prp-dom`` / ``prp-rng`` rows that type a node ``owl:Thing`` (or
        ``rdfs:Resource``, ``owl:NamedIndividual``) when no rule reads such a typing: ``_keep`` drops those
        triples, and they are half of what the type rules would otherwise derive."""
        import pyoxigraph as ox

        trivial = {ox.NamedNode(str(t)) for t in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual)}
        rdf_type = ox.NamedNode(str(RDF.type))
        type_rules = {"cax-sco", "prp-dom", "prp-rng"}
        for rule in self.rules:
            if rule.name == "cax-sco" and any(a in trivial and b not in trivial for a, b in rule.table):
                return  # something is a subclass of owl:Thing: its typings matter
            if rule.name not in type_rules and any(rdf_type in row for row in rule.table):
                return  # rdf:type in a property axiom: its triples matter
        self.rules = [rule if rule.name not in type_rules else
                      replace(rule, table=tuple(row for row in rule.table if row[-1] not in trivial))
                      for rule in self.rules]
        self.rules = [rule for rule in self.rules if rule.table or not rule.columns]

    def _chains(self) -> None:
        by_length: dict[int, set[tuple[Any, ...]]] = {}
        for p, head in self.closure.subject_objects(OWL.propertyChainAxiom):
            members = list(self.closure.items(head))
            row = [_iri(p), *(_iri(m) for m in members)]
            if len(members) < 1 or any(term is None for term in row):
                self.uncovered.append(f"prp-spo2: the chain of {_show(p)} has a property expression or is empty")
                continue
            by_length.setdefault(len(members), set()).add(tuple(row))
        for length, rows in sorted(by_length.items()):
            body = tuple(f"?u{i} ?p{i + 1} ?u{i + 1}" for i in range(length))
            columns = ("?p", *(f"?p{i + 1}" for i in range(length)))
            self.rules.append(Rule(f"prp-spo2/{length}", f"?u0 ?p ?u{length}", body, columns,
                                   tuple(sorted(rows, key=lambda row: tuple(map(str, row))))))


def _most_specific(pairs: list[tuple[Any, Any]], below: set[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The (property, class) pairs without those whose class is a strict superclass of another class of the
    same property: ``cax-sco`` (whose table is closed) derives those from the kept ones, once per typed node
    instead of once per triple."""
    by_property: dict[Any, set[Any]] = {}
    for p, c in pairs:
        by_property.setdefault(p, set()).add(c)
    return [(p, c) for p, c in pairs
            if not any((d, c) in below and (c, d) not in below for d in by_property[p] if d != c)]


def _n(term: URIRef) -> str:
    """One of rdflib's OWL / RDF / RDFS constants in SPARQL (fixed vocabulary, not data)."""
    return f"<{term}>"


def _show(term: Node) -> str:
    """A term for a message (never for SPARQL: an invalid IRI is shown as it is)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return repr(str(term))


_CACHE: dict[int, RuleSet] = {}
_CACHE_SIZE = 8
_DIGESTS: dict[frozenset[Any], int] = {}
"""The digest of each ontology graph generated rules were looked up for, by its triples as parsed."""


def _cache_file(key: int) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    from importlib.metadata import version

    generator = hashlib.sha256(Path(__file__).read_bytes())
    for package in ("owlrl", "rdflib", "pyoxigraph"):  # what made the closure and the pickled terms
        generator.update(f"{package} {version(package)}\n".encode())
    return folder / f"owlrl-rules-{key:x}-{generator.hexdigest()[:16]}.pickle"


_CACHE_FILES_KEPT = 8


def _prune(folder: Path) -> None:
    """Keep the newest :data:`_CACHE_FILES_KEPT` rule files (older ontologies and kg versions pile up)."""
    files = sorted(folder.glob("owlrl-rules-*.pickle"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in files[_CACHE_FILES_KEPT:]:
        old.unlink(missing_ok=True)


def _read_cached(key: int, ontology: Graph) -> RuleSet | None:
    """The rule set a previous process generated for this ontology, or None. Only a trusted file is read (it is
    a pickle; see :func:`kg.cache.read_trusted`); anything unreadable counts as no cache."""
    path = _cache_file(key)
    if path is None:
        return None
    data = read_trusted(path)
    if data is None:
        return None
    try:
        found = pickle.loads(data)
    except Exception:  # a broken file: generate anew
        return None
    if not isinstance(found, RuleSet):
        return None
    return replace(found, ontology=ontology)


def _write_cached(key: int, rules: RuleSet) -> None:
    """Keep ``rules`` for later processes (atomically; a cache that cannot be written is skipped)."""
    path = _cache_file(key)
    if path is None:
        return
    if write_atomic(path, pickle.dumps(replace(rules, ontology=Graph(), closure=Graph()))):
        try:
            _prune(path.parent)
        except OSError:
            pass


# -- running -------------------------------------------------------------------------------------------------

class _Codec:
    """rdflib ↔ pyoxigraph terms; with ``wrap``, non-string literals travel in a private datatype so that the
    store keeps their exact lexical form, datatype and language tag."""

    def __init__(self, wrap: bool, *, strings: bool = True) -> None:
        self.wrap = wrap
        self.strings = strings
        """With ``wrap``: whether ``"a"^^xsd:string`` is wrapped too (rdflib tells it from ``"a"``; data that
        comes as pyoxigraph terms does not, see :func:`_wrapper`)."""
        self.terms: dict[Node, Any] = {}
        self.back: dict[Any, Node] = {}

    def to_ox(self, term: Node) -> Any:
        found = self.terms.get(term)
        if found is None:
            found = self.terms[term] = self._convert(term)
            self.back[found] = term
        return found

    def _convert(self, term: Node) -> Any:
        import pyoxigraph as ox

        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode()
        if isinstance(term, Literal):
            if term.language:
                if self.wrap:
                    return ox.Literal(str(term), datatype=ox.NamedNode(_WRAP_LANGUAGE + term.language))
                return ox.Literal(str(term), language=term.language)
            if self.wrap and term.datatype is not None and (self.strings or str(term.datatype) != _XSD_STRING):
                # xsd:string too (unless not ``strings``): rdflib tells "a" from "a"^^xsd:string
                return ox.Literal(str(term), datatype=ox.NamedNode(_WRAP_DATATYPE + str(term.datatype)))
            if term.datatype is not None and str(term.datatype) != _XSD_STRING:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
        raise TypeError(f"not an RDF term: {term!r}")

    def from_ox(self, term: Any) -> Node:
        found = self.back.get(term)  # a term that came from rdflib: that very term
        if found is not None:
            return found
        import pyoxigraph as ox

        if isinstance(term, ox.NamedNode):
            found = self.back[term] = URIRef(term.value)
            return found
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            if datatype == _XSD_STRING:
                return Literal(term.value)
            if self.wrap and datatype.startswith(_WRAP_LANGUAGE):
                return Literal(term.value, lang=datatype[len(_WRAP_LANGUAGE):])
            if self.wrap and datatype.startswith(_WRAP_DATATYPE):
                datatype = datatype[len(_WRAP_DATATYPE):]
            return Literal(term.value, datatype=URIRef(datatype))
        raise TypeError(f"not an RDF term: {term!r}")


def _note(report: Report | None, message: str) -> None:
    if report is not None:
        report(message)


def infer_store(store: pyoxigraph.Store, data: pyoxigraph.NamedNode | None = None, *, ontology: Graph,
                report: Report | None = None, rules: RuleSet | None = None,
                _codec: _Codec | None = None) -> set[tuple[Node, Node, Node]]:
    """The OWL 2 RL inferences over the asserted data in one graph of ``store``, as rdflib triples.

    ``data`` names the graph that holds the asserted data (ontology + reference + articles, each triple once);
    None means the store's default graph. ``ontology`` is the ontology graph the rules are generated from (the
    same triples as the data's ontology part). Returns the triples of the OWL-RL closure that are not in the
    data, filtered exactly like the reference engine (``kg.reason._keep``). While it runs, the data graph
    also holds the inferences (do not share the store with another thread meanwhile); when it returns or
    raises, the store holds exactly what it held before. ``rules`` saves regenerating the rules of
    ``ontology``. When the rules do not cover the ontology or the data (see the module docstring), the result
    is computed by owlrl instead (from the data graph, converted to rdflib) and ``report`` is called with the
    reason.
    """
    import pyoxigraph as ox

    ruleset = rules if rules is not None else RuleSet.from_ontology(ontology)
    codec = _codec if _codec is not None else _Codec(wrap=False)
    source = data if data is not None else ox.DefaultGraph()
    if ruleset.uncovered:
        _note(report, _uncovered_message(ruleset))
        return _owlrl_fallback(store, source, codec)
    kept, problem = _rules_or_problem(store, data, ruleset, codec)
    if kept is None:
        _note(report, problem + " — reasoning with owlrl instead")
        return _owlrl_fallback(store, source, codec)
    convert = codec.from_ox
    return {(convert(t.subject), convert(t.predicate), convert(t.object)) for t in kept}


def _rules_or_problem(store: Any, data: Any | None, ruleset: RuleSet, codec: _Codec,
                      meanwhile: Callable[[], None] | None = None) -> tuple[list[Any] | None, str]:
    """The kept new triples of the rules' fixpoint over the data graph (``pyoxigraph.Triple``, in the store's
    terms), or None and what in the data the rules do not cover (the caller then reasons with owlrl).
    ``meanwhile``: see :func:`_run`."""
    import pyoxigraph as ox

    extra = _schema_in_data(store, data if data is not None else ox.DefaultGraph(), ruleset, codec)
    if extra:
        return None, f"the data states schema axioms the ontology does not ({extra})"
    kept, problem = _run(store, data, ruleset, codec, meanwhile)
    if problem:
        return None, problem
    return kept, ""


def _uncovered_message(ruleset: RuleSet) -> str:
    return "OWL-RL rules do not cover " + "; ".join(ruleset.uncovered) + " — reasoning with owlrl instead"


def _run(store: Any, data: Any | None, ruleset: RuleSet, codec: _Codec,
         meanwhile: Callable[[], None] | None = None) -> tuple[list[Any], str]:
    """Run the rules to their fixpoint inside the data graph, collect the new triples, and take them out again.
    ``meanwhile`` is called as the rounds start: they run in Oxigraph, without Python's interpreter lock.

    Returns the new triples that :func:`kg.reason.keep_ox` keeps (``pyoxigraph.Triple``, in the store's terms)
    and a description of what the data made reachable that the rules do not cover (``""`` when nothing). The data
    graph holds exactly its own triples again when this returns or raises.
    """
    import pyoxigraph as ox

    from kg.reason import keep_ox

    source = data if data is not None else ox.DefaultGraph()
    run = uuid.uuid4().hex
    rounds: list[Any] = []
    try:
        first = ox.NamedNode(f"{_SCRATCH}{run}/round/0")
        rounds.append(first)
        same_as = ox.NamedNode(str(OWL.sameAs))
        tbox = [codec.to_ox(t) for triple in ruleset.new for t in triple]
        quads = []
        for i in range(0, len(tbox), 3):
            s, p, o = tbox[i:i + 3]
            if isinstance(s, ox.Literal) or isinstance(p, ox.Literal):
                continue  # owlrl's literal typings (dt-type*): dropped by _keep, and no rule reads them
            if s == o and p == same_as:
                continue  # eq-ref: dropped by _keep, and replaces nothing by itself
            if next(store.quads_for_pattern(s, p, o, source), None) is None:
                quads += [ox.Quad(s, p, o, first), ox.Quad(s, p, o, source)]
        store.extend(quads)
        delta: Any | None = None  # round 0 is naive
        same = f"ASK {{ GRAPH {source} {{ ?a {_n(OWL.sameAs)} ?b FILTER(!sameTerm(?a, ?b)) }} }}" if data else \
            f"ASK {{ ?a {_n(OWL.sameAs)} ?b FILTER(!sameTerm(?a, ?b)) }}"
        if meanwhile is not None:
            meanwhile()
        while True:
            active = list(ruleset.rules)
            if bool(store.query(same)):
                active += ruleset.equality
            target = ox.NamedNode(f"{_SCRATCH}{run}/round/{len(rounds)}")
            rounds.append(target)
            store.update(" ;\n".join(u for rule in active for u in rule.updates(data, delta, target)))
            if next(store.quads_for_pattern(None, None, None, target), None) is None:
                break
            delta = target
        problem = _dynamic_problem(store, source, ruleset)
        result: list[Any] = []
        if not problem:
            for name in rounds:  # each round holds only the triples it added: no triple is read twice
                result.extend(quad.triple for quad in store.quads_for_pattern(None, None, None, name)
                              if keep_ox(quad))
        return result, problem
    finally:
        _take_out(store, data, rounds)


def _take_out(store: Any, data: Any | None, rounds: list[Any]) -> None:
    """Remove the triples of the ``rounds`` graphs from the data graph (``data``, None: the default graph),
    then the ``rounds`` graphs themselves."""
    for name in rounds:
        head = "?s ?p ?o" if data is None else f"GRAPH {data} {{ ?s ?p ?o }}"
        store.update(f"DELETE {{ {head} }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }}")
        store.remove_graph(name)


def _schema_in_data(store: Any, source: Any, ruleset: RuleSet, codec: _Codec) -> str:
    """A description of the schema triples in the data that the ontology lacks, or ``""``."""
    import pyoxigraph as ox

    predicates = " ".join(_n(p) for p in sorted(_SCHEMA_PREDICATES))
    classes = " ".join(_n(c) for c in sorted(_SCHEMA_CLASSES))
    query = (f"SELECT ?s ?p ?o WHERE {{ {{ VALUES ?p {{ {predicates} }} ?s ?p ?o }} UNION "
             f"{{ VALUES ?o {{ {classes} }} ?s a ?o BIND({_n(RDF.type)} AS ?p) }} }}")
    found = [(codec.from_ox(r["s"]), codec.from_ox(r["p"]), codec.from_ox(r["o"]))
             for r in store.query(query, default_graph=[source])]
    ontology = ruleset.ontology
    with_bnodes = [t for t in found if any(isinstance(x, BNode) for x in t)]
    onto_bnodes = sum(1 for t in ontology if any(isinstance(x, BNode) for x in t)
                      and (t[1] in _SCHEMA_PREDICATES or (t[1] == RDF.type and t[2] in _SCHEMA_CLASSES)))
    missing = sorted(t for t in found if not any(isinstance(x, BNode) for x in t) and t not in ontology)
    if missing:
        s, p, o = missing[0]
        return f"{len(missing)} such as {_show(s)} {_show(p)} {_show(o)}"
    if len(with_bnodes) > onto_bnodes:
        return f"{len(with_bnodes) - onto_bnodes} axioms on blank nodes"
    del ox
    return ""


def _dynamic_problem(store: Any, source: Any, ruleset: RuleSet) -> str:
    """What the data made reachable that the rules do not cover, or ``""``."""
    for row in store.query(f"SELECT DISTINCT ?a ?b WHERE {{ ?a {_n(OWL.sameAs)} ?b FILTER(!sameTerm(?a, ?b)) }}",
                           default_graph=source):
        for term in (row["a"], row["b"]):
            if hasattr(term, "value") and URIRef(term.value) in ruleset.schema_terms:
                return f"owl:sameAs reaches the schema term <{term.value}>"
    if ruleset.functional:
        values = " ".join(str(p) for p in ruleset.functional)
        ask = (f"ASK {{ VALUES ?p {{ {values} }} ?x ?p ?v FILTER(isLiteral(?v)) ?x ?p ?w "
               "FILTER(!sameTerm(?v, ?w)) }")
        if bool(store.query(ask, default_graph=source)):
            return "a functional property has a literal among several values (owlrl would equate literals)"
    return ""


def _owlrl_fallback(store: Any, source: Any, codec: _Codec) -> set[tuple[Node, Node, Node]]:
    """The reference engine's inferences over the data graph of ``store`` (owlrl, filtered by ``_keep``)."""
    import owlrl

    from kg.reason import _keep

    closure = Graph()
    for quad in store.quads_for_pattern(None, None, None, source):
        closure.add((codec.from_ox(quad.subject), codec.from_ox(quad.predicate), codec.from_ox(quad.object)))
    asserted = set(closure)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    return {t for t in closure if t not in asserted and _keep(*t)}


def packaged_ontology() -> Graph:
    """The packaged ontology graph as the build loads it (every file of :func:`kg.resources.ontology_files`),
    for callers of :func:`infer_store` that hold the data in a store only."""
    from kg import resources

    graph = Graph()
    for f in resources.ontology_files():
        graph.parse(data=f.read_bytes(), format="turtle")
    return graph


def prepare_rules(ontology: Graph) -> None:
    """Make the rules of ``ontology`` ahead of reasoning: :meth:`RuleSet.from_ontology` keeps them in this process
    and on disk, where reasoning on the same graph finds them. A build runs it while worker processes assemble
    its articles (see :meth:`kg.engine.store.FastEngine.prepare`). An error is not raised here: reasoning then
    makes the rules itself and meets it where it is reported."""
    try:
        RuleSet.from_ontology(ontology)
    except Exception:  # noqa: BLE001, S110  reasoning makes them again and reports what fails
        return


def load_store(graphs: Iterable[Graph], *, wrap: bool = True) -> tuple[Any, _Codec]:
    """A new in-memory pyoxigraph store holding the union of ``graphs`` in its default graph, and the codec
    that converted the terms (``wrap``: literals kept verbatim, see the module docstring)."""
    import pyoxigraph as ox

    store = ox.Store()
    codec = _Codec(wrap)
    term = codec.to_ox
    for graph in graphs:
        store.extend(ox.Quad(term(s), term(p), term(o)) for s, p, o in graph)
    return store, codec


def _wrapper() -> Callable[[Any], Any]:
    """A function that wraps a pyoxigraph literal the way :class:`_Codec` does (typed and tagged literals in a
    private datatype the store keeps verbatim); other terms pass unchanged."""
    import pyoxigraph as ox

    datatypes: dict[str, Any] = {}

    def wrap(term: Any) -> Any:
        if type(term) is not ox.Literal:
            return term
        language = term.language
        if language:
            key = _WRAP_LANGUAGE + language
        else:
            datatype = term.datatype.value
            if datatype == _XSD_STRING:
                return term
            key = _WRAP_DATATYPE + datatype
        found = datatypes.get(key)
        if found is None:
            found = datatypes[key] = ox.NamedNode(key)
        return ox.Literal(term.value, datatype=found)

    return wrap


def _unwrapper() -> Callable[[Any], Any]:
    """The inverse of :func:`_wrapper`: a wrapped literal back as it was loaded; other terms pass unchanged."""
    import pyoxigraph as ox

    datatypes: dict[str, Any] = {}

    def unwrap(term: Any) -> Any:
        if type(term) is not ox.Literal:
            return term
        key = term.datatype.value
        if key.startswith(_WRAP_LANGUAGE):
            return ox.Literal(term.value, language=key[len(_WRAP_LANGUAGE):])
        if key.startswith(_WRAP_DATATYPE):
            found = datatypes.get(key)
            if found is None:
                found = datatypes[key] = ox.NamedNode(key[len(_WRAP_DATATYPE):])
            return ox.Literal(term.value, datatype=found)
        return term

    return unwrap


def infer_triples(graphs: Sequence[Iterable[Any]], ontology: Graph, *, report: Report | None = None,
                  store: pyoxigraph.Store | None = None, meanwhile: Callable[[], None] | None = None,
                  literals: Iterable[Iterable[Any]] | None = None) -> set[Any] | None:
    """The OWL-RL inferences over the union of ``graphs`` (sets of ``pyoxigraph.Triple``, terms as loaded), as
    ``pyoxigraph.Triple`` with the terms as loaded, filtered like the reference engine's; the rules come from
    ``ontology``.

    ``store``, when given, holds that union in its default graph (:class:`kg.engine.store.AssertedStore`): the
    rules then run there, and their literals are put back in the form they were loaded in
    (:func:`_literal_forms`) — unless two literals of the data share one form in the store, or the data needs
    owlrl, and then the rules run in a store of their own with its typed and tagged literals wrapped so that
    they are kept verbatim (see the module docstring). Either way ``store`` ends as it began; do not share it
    with another thread meanwhile.

    Returns None when the rules do not cover the ontology (``report`` is told): the caller then reasons with
    owlrl. ``meanwhile`` is called at most once, as the rules start their rounds (Oxigraph's work, outside
    Python's interpreter lock): work of the caller's for another thread. ``literals``, when given, holds every
    triple of ``graphs`` whose object is a typed literal (and maybe others): what is read of the graphs before the
    rules run (:func:`_literal_forms`), so that ``graphs`` need only be read where the rules do not run in
    ``store``.
    """
    import pyoxigraph as ox

    meanwhile = _once(meanwhile)
    ruleset = RuleSet.from_ontology(ontology)
    if ruleset.uncovered:
        _note(report, _uncovered_message(ruleset))
        return None
    if store is not None:
        forms = _literal_forms(graphs if literals is None else literals)
        if forms is not None:
            kept, _problem = _rules_or_problem(store, None, ruleset, _Codec(wrap=False), meanwhile)
            if kept is not None:  # else the store of its own below says what the rules do not cover
                return {_restore_literal(t, forms) for t in kept}
    own = ox.Store()
    wrap = _wrapper()
    for triples in graphs:
        own.bulk_extend(ox.Quad(t.subject, t.predicate, wrap(t.object)) for t in triples)
    codec = _Codec(wrap=True, strings=False)
    kept, problem = _rules_or_problem(own, None, ruleset, codec, meanwhile)
    if kept is None:
        _note(report, problem + " — reasoning with owlrl instead")
        from kg.dataset import TermCache

        convert = TermCache().triple_to_ox
        return {convert(t) for t in _owlrl_fallback(own, ox.DefaultGraph(), codec)}
    unwrap = _unwrapper()
    return {ox.Triple(t.subject, t.predicate, unwrap(t.object)) for t in kept}


def infer_added(store: pyoxigraph.Store, previous: set[Any], added: Iterable[Any], graphs: Sequence[Iterable[Any]],
                ontology: Graph) -> tuple[set[Any], list[Any]] | None:
    """The inferences of the data in ``store``'s default graph, as :func:`infer_triples` gives them, knowing
    ``previous``: the inferences (``pyoxigraph.Triple``, terms as written) of that data without the triples
    ``added`` — an earlier build's ``inferred.ttl``, the articles added since. ``graphs`` are the asserted graphs
    (for the literal forms, as :func:`infer_triples` reads them).

    OWL-RL only adds, and a new inference has a derivation that uses an added triple. So the rules run semi-naively
    from the added triples alone (and from the schema's closure, as a whole run's first round does). The only
    triples a rule reads beside those are the partners of the rules that join two triples (property chains,
    functional properties): the data's triples and the earlier inferences with their predicates. The rounds run in a
    store of their own that holds those, the schema's closure and the added triples; ``store`` is only read. A rule
    may derive again a triple the data holds or an earlier inference; it is not new, and what follows from it was
    inferred before or follows from the added triples too (a head with a literal is compared with the data as
    written, not in the store's form of the literal: :func:`asserted_as_written`). The result is ``previous``
    less what the added triples assert, and the new triples; with the new triples alone (those not in
    ``previous``, what an earlier build's kept query store lacks: :func:`kg.querystore.carry`).

    Returns None where that would not give what a whole run gives, and the caller runs the whole inference: the
    rules do not cover the ontology, the data states schema axioms, ``owl:sameAs`` between two terms is or becomes
    part of the data or of ``previous`` (its rules rewrite any triple), two literals share one form in the store, or
    a join could read a triple the build filters out of its inferences (:func:`_joins_read_kept_triples`).
    ``previous`` is what the build kept (:func:`kg.reason.keep_ox`): it holds no blank node.
    """
    import pyoxigraph as ox

    from kg.reason import keep_ox

    ruleset = RuleSet.from_ontology(ontology)
    if ruleset.uncovered:
        return None
    added = set(added)
    partners = {ox.NamedNode(str(RDF.type) if p == "a" else p.strip("<>")) for p in _joined_predicates(ruleset)}
    same_as = ox.NamedNode(str(OWL.sameAs))
    # one pass over the earlier inferences (380,000 on 1,000 articles), comparing predicates as terms
    read = [t for t in previous if t.predicate in partners or t.predicate == same_as]
    if any(t.predicate == same_as and t.subject != t.object for t in read):
        return None  # two nodes made one before (a functional property's two values): the equality rules rewrite
    joining = [t for t in read if t.predicate in partners and t not in added]
    # the literals a new inference can carry are those of the added triples, and of the joins' partners (a
    # property chain's head takes its object from one): their forms are put back (the cold run takes every
    # literal of the data, 0.9 s on 1,000 articles: where a partner in the data holds a literal, this does too)
    values = " ".join(sorted(str(p) for p in partners))  # each as <iri>
    literal_partner = bool(values) and bool(store.query(f"ASK {{ VALUES ?p {{ {values} }} ?s ?p ?o FILTER(isLiteral(?o)) }}"))
    forms = _literal_forms(graphs if literal_partner else [added, joining])
    codec = _Codec(wrap=False)
    source = ox.DefaultGraph()
    same = f"ASK {{ ?a {_n(OWL.sameAs)} ?b FILTER(!sameTerm(?a, ?b)) }}"
    if (forms is None or not _joins_read_kept_triples(store, ruleset) or bool(store.query(same))
            or _schema_in_data(store, source, ruleset, codec)):
        return None
    # the rounds run in a store of their own, never in ``store``: Oxigraph's in-memory store keeps an entry for
    # every triple ever put in, taken out or not, and the queries that later read ``store`` (validation, the
    # next addition's) walked those entries (a restricted violation query took 0.03 s on a fresh store, 0.25 s
    # after the rules had run in it, 1.6 s after four additions: bench/README.md). The rounds read from the data
    # only the joins' partners, copied in with the earlier inferences of their predicates; a head the data
    # already holds may then be derived again, which is taken out below (what follows from it was inferred before
    # or follows from the added triples too).
    work = ox.Store()
    first = ox.NamedNode(f"{_SCRATCH}round/0")
    rounds: list[Any] = [first]
    tbox: list[Any] = []
    work.bulk_extend(quad for p in sorted(partners, key=str)
                     for quad in store.quads_for_pattern(None, p, None, source))
    work.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in joining)
    terms = [codec.to_ox(t) for triple in ruleset.new for t in triple]
    for i in range(0, len(terms), 3):
        s_, p_, o_ = terms[i:i + 3]
        if isinstance(s_, ox.Literal) or isinstance(p_, ox.Literal):
            continue  # as _run: owlrl's literal typings
        if next(store.quads_for_pattern(s_, p_, o_, source), None) is None:
            tbox.append(ox.Quad(s_, p_, o_))  # what a whole run's round 0 adds too
    work.extend(tbox)
    work.extend(ox.Quad(q.subject, q.predicate, q.object, first) for q in tbox)
    work.extend(ox.Quad(t.subject, t.predicate, t.object) for t in added)
    work.extend(ox.Quad(t.subject, t.predicate, t.object, first) for t in added)
    delta = first
    while True:
        target = ox.NamedNode(f"{_SCRATCH}round/{len(rounds)}")
        rounds.append(target)
        work.update(" ;\n".join(u for rule in ruleset.rules for u in rule.updates(None, delta, target)))
        if next(work.quads_for_pattern(None, None, None, target), None) is None:
            break
        delta = target
    if bool(work.query(same)):
        return None  # a functional property made two nodes one: the equality rules would rewrite everything
    new = [q.triple for q in tbox if keep_ox(q)]
    heads = list(dict.fromkeys(_restore_literal(quad.triple, forms) for name in rounds[1:]
                               for quad in work.quads_for_pattern(None, None, None, name) if keep_ox(quad)))
    del work
    asserted = asserted_as_written(store, heads, graphs)
    new.extend(t for t in heads if t not in asserted)
    fresh = [t for t in dict.fromkeys(_restore_literal(t, forms) for t in new) if t not in previous]
    kept = previous - added
    kept.update(fresh)
    return kept, fresh


def rewritable_literal(term: Any) -> bool:
    """Whether ``term`` is a literal an Oxigraph store may hold in another lexical form than written: a typed
    literal other than an ``xsd:string`` (``"1.50"^^xsd:decimal`` is ``"1.5"`` there). A plain or language-tagged
    string is held as written (pyoxigraph lower-cases a language tag as it makes the term)."""
    datatype = getattr(term, "datatype", None)
    return datatype is not None and not term.language and datatype.value != _XSD_STRING


def asserted_as_written(store: Any, triples: list[Any], graphs: Iterable[Iterable[Any]]) -> set[Any]:
    """Those of ``triples`` (``pyoxigraph.Triple`` s, as written) that the data asserts: ``store`` (an Oxigraph store
    of the data, in its default graph) holds them, and, for one with a :func:`rewritable_literal`, a graph of
    ``graphs`` holds it as written (each graph's triples, or at least those with a typed literal object:
    :meth:`kg.dataset.GraphSet.literal_triples`). The store holds a literal in its own form: ``"1.50"`` and
    ``"1.5"`` (``xsd:decimal``) are one term there and two in the data, where a whole run (which then reasons with
    owlrl: :func:`_literal_forms`) tells them apart. The graphs are read only when such a triple is held, and only
    the triples of its subject are compared."""
    import pyoxigraph as ox

    held = {t for t in triples if ox.Quad(t.subject, t.predicate, t.object) in store}
    unsure = {t for t in held if rewritable_literal(t.object)}
    if unsure:
        subjects = {t.subject for t in unsure}
        written = {(t.subject, t.predicate, t.object) for graph in graphs for t in graph if t.subject in subjects}
        held -= {t for t in unsure if (t.subject, t.predicate, t.object) not in written}
    return held


def _joined_predicates(ruleset: RuleSet) -> set[str]:
    """The predicates (N-Triples, or ``a``) of the body triples of the rules that join two triples."""
    return {p for rule in ruleset.rules if len(rule.body) > 1 for row in (rule.table or ((),))
            for p in _rule_predicates(rule, row)[1]}


def _rule_predicates(rule: Rule, row: tuple[Any, ...]) -> tuple[str, list[str]]:
    """The predicates of ``rule``'s head and body for one row of its table (N-Triples, or ``a``)."""
    named = dict(zip(rule.columns, (str(term) for term in row), strict=True))
    head = rule.head.split()[1]
    return named.get(head, head), [named.get(p, p) for p in (pattern.split()[1] for pattern in rule.body)]


def _joins_read_kept_triples(store: Any, ruleset: RuleSet) -> bool:
    """Whether every triple the rules that join two triples (property chains, functional properties) can read is
    a data triple or a *kept* inference (:func:`kg.reason.keep_ox`): the build keeps no other, so a run from an
    earlier build's inferences would miss a join with one. True when no triple of the data whose predicate leads
    to theirs (through the one-triple rules: sub-properties, inverses, chains) has a subject or object other than
    an IRI of this project (or a literal object): the triples those rules derive then keep such terms, and
    keep_ox keeps them."""
    from kg.namespaces import BASE
    from kg.reason import _REFLEXIVE_NOISE_IRIS, _RDF_TYPE_IRI, _SCHEMA_NOISE_IRIS

    feeding = _joined_predicates(ruleset)
    grew = True
    while grew:  # the predicates whose triples the one-triple rules (and the chains) turn into those
        grew = False
        for rule in ruleset.rules:
            for row in rule.table or ((),):
                head, body = _rule_predicates(rule, row)
                if head in feeding and not feeding.issuperset(body):
                    feeding.update(body)
                    grew = True
    if any(p.strip("<>") in (_RDF_TYPE_IRI, str(OWL.sameAs)) or p.strip("<>") in _SCHEMA_NOISE_IRIS
           or p.strip("<>") in _REFLEXIVE_NOISE_IRIS or not p.startswith("<") for p in feeding):
        return False
    base = _n(URIRef(BASE)).strip("<>")
    ask = (f"ASK {{ VALUES ?p {{ {' '.join(sorted(feeding))} }} ?s ?p ?o "
           f"FILTER(!isIRI(?s) || !STRSTARTS(STR(?s), \"{base}\") || isBlank(?o) "
           f"|| (isIRI(?o) && !STRSTARTS(STR(?o), \"{base}\"))) }}")
    return not bool(store.query(ask))


def _once(function: Callable[[], None] | None) -> Callable[[], None] | None:
    """``function``, called the first time only (None stays None)."""
    if function is None:
        return None
    called: list[bool] = []

    def once() -> None:
        if not called:
            called.append(True)
            function()

    return once


def _literal_forms(graphs: Iterable[Iterable[Any]]) -> dict[Any, Any] | None:
    """For each typed literal of ``graphs`` that an Oxigraph store rewrites (``"07"^^xsd:integer`` → ``"7"``,
    ``xsd:nonNegativeInteger`` → ``xsd:integer``…): the store's form → the form as loaded. None when that is not
    one to one — two literals of the data would be one term in the store — so the store's answers could not be
    put back.

    Which forms a store rewrites is asked of Oxigraph itself: every distinct typed literal goes once through a
    scratch store."""
    import pyoxigraph as ox

    literal = ox.Literal
    # literals only go into the set: hashing every object of the graphs took a quarter longer
    literals = {o for triples in graphs for t in triples if type(o := t.object) is literal}
    typed = [o for o in literals if rewritable_literal(o)]  # the literals a store may hold in another form
    if not typed:
        return {}
    scratch = ox.Store()
    link = ox.NamedNode(f"{_SCRATCH}literal")
    scratch.extend(ox.Quad(ox.NamedNode(f"{_SCRATCH}literal/{i}"), link, o) for i, o in enumerate(typed))
    loaded = set(typed)
    forms: dict[Any, Any] = {}
    for quad in scratch:
        original = typed[int(quad.subject.value.rsplit("/", 1)[1])]
        stored = quad.object
        if stored != original:
            if stored in forms or stored in loaded:
                return None
            forms[stored] = original
    return forms


def _restore_literal(triple: Any, forms: dict[Any, Any]) -> Any:
    """``triple`` with its object literal in the form it was loaded in (see :func:`_literal_forms`)."""
    original = forms.get(triple.object) if forms else None
    if original is None:
        return triple
    import pyoxigraph as ox

    return ox.Triple(triple.subject, triple.predicate, original)


def infer_dataset(ds: Dataset, *, report: Report | None = None) -> Graph:
    """What :func:`kg.reason.infer` does, with the generated rules: fill the ``graph/inferred`` named graph of
    ``ds`` with the new OWL-RL triples of its asserted graphs (replacing what was there) and return it.

    The rules come from the ``graph/ontology`` graph of ``ds``; ``report`` is called with a message when the
    inference fell back to owlrl (see the module docstring).
    """
    from kg.reason import asserted_graphs, infer

    ontology = ds.graph(ONTOLOGY_GRAPH)
    ruleset = RuleSet.from_ontology(ontology)
    if ruleset.uncovered:
        _note(report, _uncovered_message(ruleset))
        return infer(ds)
    try:
        store, codec = load_store(ds.graph(name) for name in asserted_graphs(ds))
    except ValueError as error:  # a term an RDF store refuses (an IRI with a space, ">"…); rdflib keeps it
        _note(report, f"the data holds a term Oxigraph refuses ({error}) — reasoning with owlrl instead")
        return infer(ds)
    triples = infer_store(store, ontology=ontology, report=report, rules=ruleset, _codec=codec)
    ds.remove_graph(ds.graph(INFERRED_GRAPH))
    inferred = ds.graph(INFERRED_GRAPH)
    for triple in triples:
        inferred.add(triple)
    bind_prefixes(inferred)
    return inferred


__all__ = ["Rule", "RuleSet", "infer_dataset", "infer_store", "infer_triples", "load_store", "packaged_ontology",
           "prepare_rules"]
