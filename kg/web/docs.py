"""``kg docs``: HTML documentation of the ontology, its SHACL shapes and its SKOS concept schemes.

Rendered with Jinja2 templates rather than a documentation generator: pyLODE (3.x) takes the concept schemes for
the ontology (wrong IRI and title in the header), runs the Arabic and English labels together without
``lang``/``dir``, and knows nothing of the shapes and the packaged queries that use each term — all of which
this page shows. The page is built from the packaged ontology, shapes and queries (no build needed).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SH, SKOS
from rdflib.term import Node

from kg import fsutil, resources
from kg.errors import InputError
from kg.load import parse_into
from kg.namespaces import KG, KGC, ONTOLOGY_IRI, VANN, bind_prefixes
from kg.query import PackagedQuery, list_queries
from kg.web.data import Text

DOCS_INDEX = "index.html"
KINDS = (
    ("classes", OWL.Class),
    ("object-properties", OWL.ObjectProperty),
    ("datatype-properties", OWL.DatatypeProperty),
    ("annotation-properties", OWL.AnnotationProperty),
)
TITLES = {
    "classes": {"en": "Classes", "ar": "الأصناف"},
    "object-properties": {"en": "Object properties", "ar": "خصائص الكائنات"},
    "datatype-properties": {"en": "Datatype properties", "ar": "خصائص البيانات"},
    "annotation-properties": {"en": "Annotation properties", "ar": "خصائص التوصيف"},
}


@dataclass
class Ref:
    """A link to a term: its IRI, a short name, its page anchor when documented here, and labels."""

    iri: str
    short: str
    anchor: str | None
    labels: list[Text] = field(default_factory=list)


@dataclass
class ShapeUse:
    shape: str
    how: str
    messages: list[Text]


@dataclass
class Term:
    iri: URIRef
    short: str
    anchor: str
    kind: str
    labels: list[Text]
    definitions: list[Text]
    characteristics: list[str] = field(default_factory=list)
    facts: list[tuple[str, list[Ref | str]]] = field(default_factory=list)
    shapes: list[ShapeUse] = field(default_factory=list)
    queries: list[PackagedQuery] = field(default_factory=list)


@dataclass
class Scheme:
    iri: URIRef
    anchor: str
    labels: list[Text]
    definitions: list[Text]
    concepts: list[Term]
    also: list[Ref] = field(default_factory=list)


@dataclass
class Header:
    iri: str
    version_iri: str | None
    version: str | None
    titles: list[Text]
    descriptions: list[Text]
    fields: list[tuple[str, str]]


def _texts(g: Graph, s: Node, *props: URIRef) -> list[Text]:
    found: dict[str, Text] = {}
    for p in props:
        for o in g.objects(s, p):
            if isinstance(o, Literal):
                found.setdefault(o.language or "", Text(str(o), o.language))
    return sorted(found.values(), key=lambda x: ({"en": 0, "ar": 1}.get(x.lang or "", 2), x.lang or ""))


def _anchor(iri: URIRef) -> str:
    text = str(iri)
    if text.startswith(str(KG._NS)):
        return "kg-" + text[len(str(KG._NS)):]
    if text.startswith(str(KGC._NS)):
        return "kgc-" + text[len(str(KGC._NS)):]
    return "x-" + re.sub(r"[^A-Za-z0-9_-]", "-", text)


class _Docs:
    def __init__(self) -> None:
        self.onto = Graph()
        bind_prefixes(self.onto)
        for f in resources.ontology_files():  # the ontology (whose header the page shows) and its concept schemes
            parse_into(self.onto, f, label="ontology/" + f.name)
        self.shapes = Graph()
        bind_prefixes(self.shapes)
        for f in resources.shapes_files():
            parse_into(self.shapes, f, label="ontology/" + f.name)
        self.queries = [q for q in list_queries()]
        self.documented: set[URIRef] = set()

    def short(self, iri: Node) -> str:
        try:
            return self.onto.namespace_manager.normalizeUri(iri)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - rdflib raises various errors for IRIs it cannot shorten
            return str(iri)

    def ref(self, node: Node) -> Ref | str:
        if isinstance(node, BNode):
            return self.describe_bnode(node)
        if isinstance(node, Literal):
            return str(node)
        anchor = _anchor(node) if node in self.documented else None  # type: ignore[arg-type]
        return Ref(str(node), self.short(node), anchor, _texts(self.onto, node, RDFS.label, SKOS.prefLabel))

    def describe_bnode(self, node: BNode) -> str:
        """A class expression in words (unions, intersections, restrictions)."""
        g = self.onto
        for op, word in ((OWL.unionOf, " or "), (OWL.intersectionOf, " and ")):
            head = g.value(node, op)
            if head is not None:
                return "(" + word.join(self.short(m) if not isinstance(m, BNode) else self.describe_bnode(m)
                                       for m in Collection(g, head)) + ")"
        one_of = g.value(node, OWL.oneOf)
        if one_of is not None:
            return "{" + ", ".join(self.short(m) for m in Collection(g, one_of)) + "}"
        prop = g.value(node, OWL.onProperty)
        if prop is not None:
            for key in (OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue, OWL.cardinality,
                        OWL.maxCardinality, OWL.minCardinality, OWL.qualifiedCardinality):
                value = g.value(node, key)
                if value is not None:
                    shown = self.describe_bnode(value) if isinstance(value, BNode) else self.short(value)
                    return f"{self.short(prop)} {self.short(key).split(':')[-1]} {shown}"
        return "(anonymous)"

    def header(self) -> Header:
        g = self.onto
        candidates = sorted(g.subjects(RDF.type, OWL.Ontology), key=lambda s: (s != ONTOLOGY_IRI, str(s)))
        iri = candidates[0] if candidates else ONTOLOGY_IRI
        fields: list[tuple[str, str]] = []
        for label, prop in (("Namespace", VANN.preferredNamespaceUri), ("Prefix", VANN.preferredNamespacePrefix),
                            ("Licence", DCTERMS.license), ("Creator", DCTERMS.creator),
                            ("Created", DCTERMS.created), ("Modified", DCTERMS.modified)):
            for value in g.objects(iri, prop):
                fields.append((label, str(value)))
        version_iri = g.value(iri, OWL.versionIRI)
        version = g.value(iri, OWL.versionInfo)
        return Header(str(iri), None if version_iri is None else str(version_iri),
                      None if version is None else str(version), _texts(g, iri, DCTERMS.title, RDFS.label),
                      _texts(g, iri, DCTERMS.description, RDFS.comment), fields)

    def _uses_in_shapes(self) -> dict[URIRef, list[ShapeUse]]:
        sg = self.shapes
        uses: dict[URIRef, list[ShapeUse]] = defaultdict(list)
        node_shapes = set(sg.subjects(RDF.type, SH.NodeShape)) | set(sg.subjects(SH.targetClass, None))
        for shape in sorted(node_shapes, key=str):
            name = re.split(r"[#/]", str(shape))[-1] if isinstance(shape, URIRef) else "(anonymous shape)"
            messages = _texts(sg, shape, SH.message)
            for cls in sg.objects(shape, SH.targetClass):
                uses[cls].append(ShapeUse(name, "target class", messages))  # type: ignore[index]
            for prop_shape in sg.objects(shape, SH.property):
                path = sg.value(prop_shape, SH.path)
                pmsgs = _texts(sg, prop_shape, SH.message) or messages
                for p in self._path_terms(path):
                    uses[p].append(ShapeUse(name, "property path", pmsgs))
                for key in (SH["class"], SH.node, SH.datatype):
                    for value in sg.objects(prop_shape, key):
                        if isinstance(value, URIRef):
                            uses[value].append(ShapeUse(name, f"{self.short(key)} of {self.short(path)}"
                                                        if isinstance(path, URIRef) else self.short(key), pmsgs))
            for sparql in sg.objects(shape, SH.sparql):
                select = sg.value(sparql, SH.select)
                if select is not None:
                    for term in self._terms_in_text(str(select)):
                        uses[term].append(ShapeUse(name, "SPARQL constraint", _texts(sg, sparql, SH.message)
                                                   or messages))
        return uses

    def _path_terms(self, path: Node | None) -> Iterable[URIRef]:
        if isinstance(path, URIRef):
            yield path
        elif isinstance(path, BNode):
            inverse = self.shapes.value(path, SH.inversePath)
            if inverse is not None:
                yield from self._path_terms(inverse)
            elif (path, RDF.first, None) in self.shapes:
                for member in Collection(self.shapes, path):
                    yield from self._path_terms(member)
            else:
                for key in (SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
                    value = self.shapes.value(path, key)
                    if value is not None:
                        yield from self._path_terms(value)

    @staticmethod
    def _terms_in_text(text: str) -> set[URIRef]:
        terms = {KG._NS[m] for m in re.findall(r"\bkg:([A-Za-z][A-Za-z0-9_]*)", text)}
        terms |= {KGC._NS[m] for m in re.findall(r"\bkgc:([A-Za-z][A-Za-z0-9_-]*)", text)}
        terms |= {URIRef(m) for m in re.findall(r"<(https://w3id\.org/ict-coop-kg/(?:ontology#|concept/)[^>\s]+)>",
                                                 text)}
        return terms

    def _uses_in_queries(self) -> dict[URIRef, list[PackagedQuery]]:
        uses: dict[URIRef, list[PackagedQuery]] = defaultdict(list)
        for q in self.queries:
            body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("#"))
            for term in self._terms_in_text(body):
                uses[term].append(q)
        return uses

    def build(self) -> dict[str, object]:
        g = self.onto
        by_kind: dict[str, list[URIRef]] = {}
        for name, cls in KINDS:
            by_kind[name] = sorted(s for s in g.subjects(RDF.type, cls)
                                   if isinstance(s, URIRef) and str(s).startswith(str(KG._NS)))
            self.documented.update(by_kind[name])
        schemes = sorted(s for s in g.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef))
        concepts = sorted({c for c in g.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef)})
        self.documented.update(schemes)
        self.documented.update(concepts)
        shape_uses = self._uses_in_shapes()
        query_uses = self._uses_in_queries()

        def term(iri: URIRef, kind: str) -> Term:
            t = Term(iri, self.short(iri), _anchor(iri), kind, _texts(g, iri, RDFS.label, SKOS.prefLabel),
                     _texts(g, iri, SKOS.definition, RDFS.comment))
            t.characteristics = sorted(self.short(ty) for ty in g.objects(iri, RDF.type)
                                       if ty not in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                                                     OWL.AnnotationProperty, SKOS.Concept))
            rows: list[tuple[str, list[Ref | str]]] = []
            if kind == "classes":
                rows += [("Subclass of", [self.ref(o) for o in sorted(g.objects(iri, RDFS.subClassOf), key=str)]),
                         ("Superclass of", [self.ref(s) for s in sorted(g.subjects(RDFS.subClassOf, iri), key=str)]),
                         ("Equivalent to", [self.ref(o) for o in g.objects(iri, OWL.equivalentClass)]),
                         ("Disjoint with", [self.ref(o) for o in sorted(set(g.objects(iri, OWL.disjointWith))
                                                                        | set(g.subjects(OWL.disjointWith, iri)),
                                                                        key=str)]),
                         ("In the domain of", [self.ref(s) for s in sorted(g.subjects(RDFS.domain, iri), key=str)]),
                         ("In the range of", [self.ref(s) for s in sorted(g.subjects(RDFS.range, iri), key=str)])]
            elif kind == "concepts":
                rows += [("In scheme", [self.ref(o) for o in g.objects(iri, SKOS.inScheme)]),
                         ("Broader", [self.ref(o) for o in g.objects(iri, SKOS.broader)]),
                         ("Narrower", [self.ref(s) for s in sorted(g.subjects(SKOS.broader, iri), key=str)]),
                         ("Alternative labels", [x.value for x in _texts(g, iri, SKOS.altLabel)])]
            else:
                rows += [("Domain", [self.ref(o) for o in g.objects(iri, RDFS.domain)]),
                         ("Range", [self.ref(o) for o in g.objects(iri, RDFS.range)]),
                         ("Subproperty of", [self.ref(o) for o in sorted(g.objects(iri, RDFS.subPropertyOf), key=str)]),
                         ("Superproperty of", [self.ref(s) for s in sorted(g.subjects(RDFS.subPropertyOf, iri),
                                                                             key=str)]),
                         ("Inverse of", [self.ref(o) for o in set(g.objects(iri, OWL.inverseOf))
                                         | set(g.subjects(OWL.inverseOf, iri))])]
            t.facts = [(label, values) for label, values in rows if values]
            seen: set[tuple[str, str]] = set()
            for use in shape_uses.get(iri, []):
                if (use.shape, use.how) not in seen:
                    seen.add((use.shape, use.how))
                    t.shapes.append(use)
            t.queries = sorted({q.name: q for q in query_uses.get(iri, [])}.values(), key=lambda q: q.name)
            return t

        sections = [(name, TITLES[name], [term(i, name) for i in by_kind[name]]) for name, _ in KINDS]
        scheme_views = []
        shown: set[URIRef] = set()
        for s in schemes:
            members = sorted(c for c in concepts if (c, SKOS.inScheme, s) in g or (c, SKOS.topConceptOf, s) in g)
            view = Scheme(s, _anchor(s), _texts(g, s, RDFS.label, SKOS.prefLabel),
                          _texts(g, s, SKOS.definition, RDFS.comment),
                          [term(c, "concepts") for c in members if c not in shown])
            # a concept in several schemes is documented once, and listed by the later schemes
            view.also = [r for r in (self.ref(c) for c in members if c in shown) if isinstance(r, Ref)]
            shown.update(members)
            scheme_views.append(view)
        return {"header": self.header(), "sections": sections, "schemes": scheme_views,
                "queries": [q for q in self.queries]}


def render_docs(*, stylesheet: str = "docs.css", files_base: str = "") -> str:
    """The documentation page as HTML: one page, linking ``stylesheet`` and the Turtle files at ``files_base``
    (``kg docs`` writes them beside it; ``kg web`` serves the page at ``/ontology``)."""
    from kg.web.app import _environment

    context = _Docs().build()
    return _environment().get_template("docs.html").render(stylesheet=stylesheet, files_base=files_base,
                                                            **context)


def write_docs(out_dir: Path | str) -> list[str]:
    """Write ``index.html``, ``docs.css`` and the ontology and shapes Turtle files to ``out_dir``, atomically
    (the folder is replaced whole, or left as it was). Returns the file names written."""
    from importlib.resources import files

    fsutil.check_replaceable(Path(out_dir))  # never replace the package, nor a folder kg did not write
    if (Path(out_dir) / "dataset.trig").is_file():  # kg wrote it, but as a build: the documentation would replace it
        raise InputError(f"--out {out_dir}: holds a build (dataset.trig); kg docs replaces its folder whole, so "
                         "choose another folder")
    outputs: dict[str, bytes] = {
        DOCS_INDEX: render_docs().encode("utf-8"),
        "docs.css": (files("kg.web") / "static" / "app.css").read_bytes(),
    }
    for f in resources.ontology_files():
        outputs[f.name] = f.read_bytes()
    for f in resources.shapes_files():
        outputs[f.name] = f.read_bytes()
    with fsutil.staged_dir(Path(out_dir)) as staging:
        for name, data in outputs.items():
            (staging / name).write_bytes(data)
    return sorted(outputs)
