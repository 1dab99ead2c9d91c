"""The project's namespaces.

:class:`KG` (the ontology) and :class:`KGC` (the SKOS concepts) are closed
:class:`rdflib.namespace.DefinedNamespace` classes: a misspelt term such as
``KG.attendde`` raises ``AttributeError`` instead of minting a new IRI. A test
keeps both in step with ``ontology/ictkg.ttl`` and ``ontology/ictkg.schemes.ttl``.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/ict-coop-kg/"
ONTOLOGY_IRI = URIRef(BASE + "ontology")


class KG(DefinedNamespace):
    """Classes and properties of the ICT cooperation ontology."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Side: URIRef
    Agent: URIRef
    Person: URIRef
    Organization: URIRef
    GovernmentBody: URIRef
    Ministry: URIRef
    TelecomOperator: URIRef
    PostalOperator: URIRef
    Place: URIRef
    Country: URIRef
    City: URIRef
    Post: URIRef
    SingleHolderPost: URIRef
    PostHolding: URIRef
    Activity: URIRef
    Engagement: URIRef
    Visit: URIRef
    Meeting: URIRef
    DiscussionPoint: URIRef
    Outcome: URIRef
    Agreement: URIRef
    Commitment: URIRef
    FollowUpMechanism: URIRef
    Initiative: URIRef
    CooperationTrack: URIRef
    Statement: URIRef
    Infrastructure: URIRef
    Network: URIRef
    CableNetwork: URIRef
    FibreOpticNetwork: URIRef
    Facility: URIRef
    PointOfPresence: URIRef
    DataCentre: URIRef
    InterconnectionLink: URIRef
    Service: URIRef
    SourceDocument: URIRef
    NewsArticle: URIRef
    Fact: URIRef
    StatusAssertion: URIRef
    Quotation: URIRef
    Mention: URIRef
    Regulator: URIRef
    Embassy: URIRef
    Company: URIRef
    JointCommittee: URIRef
    Delegation: URIRef
    Region: URIRef
    CommitteeSession: URIRef
    Signing: URIRef
    Inauguration: URIRef
    Participation: URIRef
    Instrument: URIRef
    CableSystem: URIRef
    SubmarineCable: URIRef
    TerrestrialCable: URIRef
    LandingStation: URIRef
    DigitalPark: URIRef
    Quantity: URIRef
    AssetCount: URIRef
    # object properties
    homeCountry: URIRef
    basedIn: URIRef
    inCountry: URIRef
    holds: URIRef
    heldBy: URIRef
    postIn: URIRef
    holder: URIRef
    heldPost: URIRef
    replaces: URIRef
    replacedBy: URIRef
    location: URIRef
    destination: URIRef
    host: URIRef
    visitor: URIRef
    participant: URIRef
    partOfEvent: URIRef
    hasSubEvent: URIRef
    continues: URIRef
    involvesCountry: URIRef
    about: URIRef
    concerns: URIRef
    discussedAt: URIRef
    addressed: URIRef
    outcomeOf: URIRef
    party: URIRef
    welcomedBy: URIRef
    followedUpBy: URIRef
    status: URIRef
    level: URIRef
    speaker: URIRef
    madeAt: URIRef
    statedIn: URIRef
    ledBy: URIRef
    operator: URIRef
    locatedIn: URIRef
    associatedCountry: URIRef
    connects: URIRef
    provider: URIRef
    market: URIRef
    deliveredThrough: URIRef
    supportsService: URIRef
    includesService: URIRef
    evidence: URIRef
    denotedBy: URIRef
    accreditedTo: URIRef
    eponymousSite: URIRef
    delegationOf: URIRef
    delegationMember: URIRef
    capital: URIRef
    inRegion: URIRef
    postType: URIRef
    sessionOf: URIRef
    hasParticipation: URIRef
    actor: URIRef
    participantRole: URIRef
    onBehalfOf: URIRef
    inCapacityOf: URIRef
    instrumentKind: URIRef
    signedAt: URIRef
    hasPart: URIRef
    partOf: URIRef
    inaugurates: URIRef
    landsAt: URIRef
    hasSegment: URIRef
    owner: URIRef
    consortiumMember: URIRef
    investor: URIRef
    length: URIRef
    capacity: URIRef
    powerCapacity: URIRef
    floorArea: URIRef
    hasAssetCount: URIRef
    countedKind: URIRef
    servesLink: URIRef
    routeTo: URIRef
    # datatype properties
    purpose: URIRef
    startDate: URIRef
    endDate: URIRef
    datePrecision: URIRef
    reportedOn: URIRef
    acting: URIRef
    asOf: URIRef
    sha256: URIRef
    sourceFile: URIRef
    publisherName: URIRef
    retrievedOn: URIRef
    iso3166Alpha2: URIRef
    title: URIRef
    sessionNumber: URIRef
    duration: URIRef
    readyForService: URIRef
    openAccess: URIRef
    tier: URIRef
    # annotation properties
    notStated: URIRef
    quote: URIRef
    forSubject: URIRef
    forProperty: URIRef
    forValue: URIRef


class KGC(DefinedNamespace):
    """SKOS concepts (``ontology/ictkg.schemes.ttl``): cooperation domains and sectors, status values, engagement
    levels, instrument kinds, participant roles, post types and asset kinds."""

    _NS = Namespace(BASE + "concept/")
    _fail = True

    CooperationDomains: URIRef
    ict: URIRef
    telecommunications: URIRef
    dataCentres: URIRef
    digitalTransformation: URIRef
    interconnection: URIRef
    internationalInterconnection: URIRef
    digitalInfrastructure: URIRef
    postalServices: URIRef
    eCommerce: URIRef
    investment: URIRef
    health: URIRef
    education: URIRef
    cloudComputing: URIRef
    artificialIntelligence: URIRef
    cybersecurity: URIRef
    ePayment: URIRef
    spectrum: URIRef
    submarineCables: URIRef
    capacityBuilding: URIRef
    entrepreneurship: URIRef
    Sectors: URIRef
    underStudy: URIRef
    EventStatus: URIRef
    CommitmentStatus: URIRef
    InfrastructureStatus: URIRef
    ServiceStatus: URIRef
    held: URIRef
    planned: URIRef
    discussed: URIRef
    proposed: URIRef
    agreed: URIRef
    signed: URIRef
    inForce: URIRef
    underWay: URIRef
    completed: URIRef
    stalled: URIRef
    cancelled: URIRef
    existing: URIRef
    underConstruction: URIRef
    offered: URIRef
    EngagementLevel: URIRef
    ministerialLevel: URIRef
    expertLevel: URIRef
    InstrumentKinds: URIRef
    memorandumOfUnderstanding: URIRef
    cooperationAgreement: URIRef
    protocol: URIRef
    executiveProgramme: URIRef
    ParticipantRoles: URIRef
    host: URIRef
    chair: URIRef
    coChair: URIRef
    signatory: URIRef
    attendee: URIRef
    observer: URIRef
    PostTypes: URIRef
    minister: URIRef
    primeMinister: URIRef
    ambassador: URIRef
    chiefExecutive: URIRef
    founder: URIRef
    chairperson: URIRef
    deputyChairperson: URIRef
    crownPrince: URIRef
    AssetKinds: URIRef


ID = Namespace(BASE + "id/")
"""Instances: ``ID["person/amr-talaat"]``, ``ID["country/EG"]``…"""

GRAPH = Namespace(BASE + "graph/")
"""Named graphs of the dataset."""

ONTOLOGY_GRAPH = GRAPH["ontology"]
REFERENCE_GRAPH = GRAPH["reference"]
INFERRED_GRAPH = GRAPH["inferred"]

SERVED_UNION_MARK = URIRef(BASE + "served/default-graph-is-union")
"""The named graph ``kg serve`` puts beside a build's graphs (:func:`kg.api.serve_build`) to say that the
server's default graph holds the union of those graphs, each triple once: a client that finds it queries the
default graph instead of naming every graph (:func:`kg.remote.client.remote_query`). Not under :data:`GRAPH`:
it is not one of the build's graphs."""
QUERY = Namespace(BASE + "query/")
"""The packaged queries by name (``queries/NAME.rq``): the ``sh:sourceShape`` of a ``*-violation`` query's results
in the SHACL report (:func:`kg.validate.query_violations`)."""

SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
VANN = Namespace("http://purl.org/vocab/vann/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")


def article_iri(article_id: str) -> URIRef:
    """The IRI of the source article stored in ``articles/<article_id>/``."""
    return ID[f"article/{article_id}"]


def article_graph(article_id: str) -> URIRef:
    """The named graph that holds one article's facts and evidence."""
    return GRAPH[f"article/{article_id}"]


PREFIXES: dict[str, str] = {
    "kg": str(KG._NS),
    "kgc": str(KGC._NS),
    "id": str(ID),
    "schema": str(SCHEMA),
    "oa": str(OA),
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "vann": str(VANN),
    "geo": str(GEO),
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}
"""Prefixes bound in every graph the project writes, so exports read alike."""


def bind_prefixes(graph) -> None:  # type: ignore[no-untyped-def]
    """Bind :data:`PREFIXES` on an rdflib graph or dataset (replacing rdflib's defaults)."""
    for prefix, uri in PREFIXES.items():
        graph.bind(prefix, uri, override=True, replace=True)
