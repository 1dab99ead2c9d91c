"""What ICT-cooperation news reports (issue 8): instruments, joint committees, cable systems, data centres, places
and identifiers.

The data is tests/fixtures/domain/data: the packaged reference data (copied, and kept identical), a few entities of
its own, and four short articles written for these tests - an MoU signed at a numbered joint-committee session
(Arabic), a Taba-Aqaba submarine cable (English), a data centre with its capacity and area (English), and
three-country talks hosted in Cairo (Arabic). Expected rows come from reading those texts.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from kg import KnowledgeGraph, resources
from kg.namespaces import GEO, ID, KG, KGC, SCHEMA

DOMAIN = Path(__file__).parent / "fixtures" / "domain" / "data"
MOU = "Memorandum of understanding on cooperation in digital transformation"
SESSION = "32nd session of the Egyptian-Jordanian Joint Higher Committee"
CABLE = "Taba-Aqaba submarine cable"
CORRIDOR = "Egypt-Iraq fibre corridor through Jordan"
NEW_QUERIES = ("infrastructure-between", "agreements-signed", "committee-sessions", "capacity-by-country")


def rows(result, *columns: str) -> Counter:
    return Counter(tuple(None if r.get(c) is None else str(r[c]) for c in columns) for r in result.rows)


@pytest.fixture(scope="module")
def domain() -> KnowledgeGraph:
    kg = KnowledgeGraph.build(DOMAIN)
    report = kg.validate()
    assert report.conforms, report.to_text()
    return kg


@pytest.fixture(scope="module")
def domain_oxigraph() -> KnowledgeGraph:
    pytest.importorskip("oxrdflib")
    return KnowledgeGraph.build(DOMAIN, store="Oxigraph")


def test_the_fixture_reference_data_is_the_packaged_one():
    for name in ("entities.ttl", "places.ttl"):
        assert (DOMAIN / "reference" / name).read_bytes() == (resources.data_dir() / "reference" / name).read_bytes()


# --- the queries, from reading the four texts -------------------------------------------------------------------

def test_infrastructure_between_countries(domain: KnowledgeGraph):
    # the cable lands at Telecom Egypt's station in Taba and the Aqaba Digital Hub station in Aqaba, operated by
    # Telecom Egypt and in service; the corridor links Egypt, Jordan and Iraq, under study, no operator named
    got = rows(domain.query("infrastructure-between", country_a="EG", country_b="JO"),
               "infra_en", "kind_en", "end_en", "endCity_en", "endCountry_en", "operator_en", "status_en")
    assert got == Counter({
        (CABLE, "Submarine cable system", "Telecom Egypt landing station in Taba", "Taba", "Egypt", "Telecom Egypt",
         "existing"): 1,
        (CABLE, "Submarine cable system", "Aqaba Digital Hub landing station", "Aqaba", "Jordan", "Telecom Egypt",
         "existing"): 1,
        (CORRIDOR, "Interconnection link", "Egypt", None, None, None, "under study"): 1,
        (CORRIDOR, "Interconnection link", "Jordan", None, None, None, "under study"): 1,
        (CORRIDOR, "Interconnection link", "Iraq", None, None, None, "under study"): 1,
    })
    # the evidence is the words that name the landing
    landing = {str(r["evidence"]) for r in domain.query("infrastructure-between", city="city/taba").rows}
    assert landing == {("The cable lands at Telecom Egypt's landing station in Taba and at the Aqaba Digital Hub "
                        "landing station in Aqaba")}
    assert {str(r["infra_en"]) for r in domain.query("infrastructure-between", country_a="IQ")} == {CORRIDOR}
    assert len(domain.query("infrastructure-between", country_a="IQ", country_b="SA")) == 0


def test_agreements_signed(domain: KnowledgeGraph):
    # Talaat signed for the Egyptian government, Al-Hanandeh for the Jordanian one, on the margins of the 32nd
    # session, held in Cairo; the text gives no date
    got = rows(domain.query("agreements-signed", country_a="JO", country_b="EG"),
               "instrument_en", "kind_en", "date", "place_en", "occasion_en", "signatory_en", "onBehalfOf_en")
    assert got == Counter({
        (MOU, "memorandum of understanding", None, "Cairo", SESSION, "Amr Talaat", "Egypt"): 1,
        (MOU, "memorandum of understanding", None, "Cairo", SESSION, "Ahmed Al-Hanandeh", "Jordan"): 1,
    })
    assert len(domain.query("agreements-signed", country_a="EG", country_b="IQ")) == 0
    # an undated signing never matches a period
    assert len(domain.query("agreements-signed", **{"from": "2000-01-01", "until": "2100-01-01"})) == 0


def test_committee_sessions(domain: KnowledgeGraph):
    got = rows(domain.query("committee-sessions", committee="organization/eg-jo-joint-higher-committee"),
               "session_en", "number", "place_en", "participant_en", "role_en", "onBehalfOf_en")
    assert got == Counter({
        (SESSION, "32", "Cairo", "Mostafa Madbouly", "co-chair", "Egypt"): 1,
        (SESSION, "32", "Cairo", "Bisher Al-Khasawneh", "co-chair", "Jordan"): 1,
    })
    assert len(domain.query("committee-sessions", country="JO")) == 2
    assert len(domain.query("committee-sessions", country="IQ")) == 0


def test_capacity_by_country(domain: KnowledgeGraph):
    # a data centre of 12 MW on some 17,000 m², in the hub (in Aqaba); the text names no operator of its own
    (row,) = domain.query("capacity-by-country", country="JO").rows
    assert (str(row["facility_en"]), str(row["kind_en"]), row["operator_en"], str(row["status_en"])) == \
        ("Aqaba Digital Hub data centre", "Data centre", None, "existing")
    assert (row["mw"].toPython(), row["m2"].toPython()) == (12, 17000)
    assert len(domain.query("capacity-by-country", country="EG")) == 0


@pytest.mark.parametrize(("name", "params"), [
    ("infrastructure-between", {}), ("infrastructure-between", {"country_a": "EG", "country_b": "JO"}),
    ("infrastructure-between", {"city": "city/aqaba"}), ("agreements-signed", {}),
    ("agreements-signed", {"country_a": "EG"}), ("committee-sessions", {}), ("capacity-by-country", {}),
])
def test_same_rows_on_oxigraph(domain: KnowledgeGraph, domain_oxigraph: KnowledgeGraph, name: str, params):
    expected = domain.query(name, **params)
    assert len(expected) > 0
    got = domain_oxigraph.query(name, **params)
    assert got.variables == expected.variables
    assert got.rows == expected.rows


def test_every_new_query_is_in_arabic_too():
    from rdflib.plugins.sparql import prepareQuery

    from kg.i18n import column
    from kg.query import get_query

    for name in NEW_QUERIES:
        q = get_query(name)
        assert q.title_ar and q.description
        for var in prepareQuery(q.text).algebra["PV"]:
            base = str(var).removesuffix("_en").removesuffix("_ar")
            assert column(base, "ar") != base, (name, base)


# --- what the articles say, as data -----------------------------------------------------------------------------

def test_the_instrument_has_kind_parts_duration_and_areas(domain: KnowledgeGraph):
    g = domain.union
    mou = ID["outcome/eg-jo-dt-mou"]
    assert (mou, KG.instrumentKind, KGC.memorandumOfUnderstanding) in g
    duration = g.value(mou, KG.duration)
    assert (g.value(duration, SCHEMA.value).toPython(), str(g.value(duration, SCHEMA.unitText))) == (3, "year")
    assert set(g.objects(mou, KG.hasPart)) == {ID["outcome/jordanian-cadre-training"],
                                               ID["outcome/cloud-expertise-exchange"]}
    assert {KGC.cloudComputing, KGC.capacityBuilding, KGC.digitalTransformation} <= set(g.objects(mou, KG.about))
    # each part has its own status, as a sourced status assertion
    for part in g.objects(mou, KG.hasPart):
        assert (part, KG.status, KGC.signed) in g
    # the committee belongs to both countries
    assert set(g.objects(ID["organization/eg-jo-joint-higher-committee"], KG.homeCountry)) == {
        ID["country/EG"], ID["country/JO"]}


def test_counts_of_unnamed_assets_and_open_access(domain: KnowledgeGraph):
    g = domain.union
    station = ID["infrastructure/aqaba-digital-hub-landing-station"]
    counts = {(int(g.value(c, SCHEMA.value)), g.value(c, KG.status)) for c in g.objects(station, KG.hasAssetCount)}
    assert counts == {(3, KGC.existing), (2, KGC.underConstruction)}
    assert (station, KG.openAccess, Literal(True)) in g


def test_talks_roles_without_inventing_people(domain: KnowledgeGraph):
    # the ambassador and the deputy chairman are named by their posts only: no person is minted for them
    g = domain.union
    talks = ID["event/eg-jo-iq-digital-talks"]
    roles = {(g.value(p, KG.actor), g.value(p, KG.participantRole)) for p in g.objects(talks, KG.hasParticipation)}
    assert roles == {(ID["country/EG"], KGC.host), (ID["person/amr-talaat"], KGC.chair),
                     (ID["organization/iq-embassy-egypt"], KGC.attendee), (ID["organization/jo-trc"], KGC.attendee)}
    assert (ID["infrastructure/eg-jo-iq-fibre-corridor"], KG.routeTo, ID["region/gulf"]) in g
    from kg.namespaces import article_graph

    talks_graph = domain.dataset.graph(article_graph("dom-ar-talks"))
    assert not list(talks_graph.subjects(RDF.type, KG.Person))
    assert (ID["post/iq-ambassador-egypt"], KG.heldBy, None) not in g


# --- reference data: places and identifiers -----------------------------------------------------------------------

def test_arab_league_countries_come_from_iso_3166(built: KnowledgeGraph):
    import pycountry

    g = built.union
    codes = {str(c) for c in g.objects(None, KG.iso3166Alpha2)}
    assert len(codes) == 22 and {"EG", "JO", "SA", "PS", "KM"} <= codes
    for code in codes:
        country = ID[f"country/{code}"]
        assert (country, RDF.type, KG.Country) in g
        assert pycountry.countries.get(alpha_2=code) is not None
        assert (country, KG.inRegion, ID["region/arab-region"]) in g


def test_external_identifiers_only_where_verified_and_never_owl_same_as(built: KnowledgeGraph):
    g = built.union
    same = {(s, o) for s, o in g.subject_objects(SCHEMA.sameAs)}
    assert same == {(ID["country/EG"], URIRef("http://www.wikidata.org/entity/Q79")),
                    (ID["country/JO"], URIRef("http://www.wikidata.org/entity/Q810"))}
    assert not list(g.triples((None, OWL.sameAs, None)))
    text = (resources.data_dir() / "reference" / "places.ttl").read_text(encoding="utf-8")
    assert "verified: issue 8 states Q79" in text and "verified: issue 8 states Q810" in text


def test_cities_have_a_country_and_sourced_coordinates(built: KnowledgeGraph):
    g = built.union
    text = (resources.data_dir() / "reference" / "places.ttl").read_text(encoding="utf-8")
    names = {str(c).rsplit("/", 1)[-1] for c in g.subjects(RDF.type, KG.City)}
    # the first five, the other 19 capitals and six port cities (Jeddah, Alexandria, Port Said, Suez, Dubai, Salalah)
    assert len(names) == 30 and {"aqaba", "taba", "cairo", "amman", "riyadh", "jeddah", "port-said", "salalah"} <= names
    for name in sorted(names):
        city = ID[f"city/{name}"]
        lat, long = g.value(city, GEO.lat), g.value(city, GEO.long)
        assert lat is not None and long is not None and lat.datatype == XSD.decimal
        assert g.value(city, KG.inCountry) is not None
        # the comment above each city names the source of its coordinates
        block = text.split(f"city:{name} a kg:City")[0].rsplit("\n\n", 1)[-1]
        assert block.startswith("# ") and "°" in block, name
    assert 29 < float(g.value(ID["city/aqaba"], GEO.lat)) < 30 and 34.5 < float(g.value(ID["city/taba"], GEO.long)) < 35


def test_every_country_has_one_capital_in_it_with_coordinates_in_the_arab_region(built: KnowledgeGraph):
    g = built.union
    countries = set(g.subjects(RDF.type, KG.Country))
    assert len(countries) == 22
    for country in countries:
        capitals = list(g.objects(country, KG.capital))
        assert len(capitals) == 1, country
        (capital,) = capitals
        assert (capital, RDF.type, KG.City) in g and g.value(capital, KG.inCountry) == country, capital
        lat, long = float(g.value(capital, GEO.lat)), float(g.value(capital, GEO.long))
        # a box around the League's members: Nouakchott (-16 E) to Muscat (59 E); south to Moroni in the
        # Comoros (11.75 S), the one member south of the equator, so the box starts at -15 rather than 0
        assert -15 <= lat <= 40 and -20 <= long <= 62, (capital, lat, long)
    capital_of = {str(c).rsplit("/", 1)[-1]: str(g.value(c, KG.capital)).rsplit("/", 1)[-1] for c in countries}
    assert (capital_of["EG"], capital_of["JO"], capital_of["SA"], capital_of["KM"]) == ("cairo", "amman", "riyadh",
                                                                                         "moroni")
    assert float(g.value(ID["city/moroni"], GEO.lat)) < 0  # south of the equator, as its source says


def test_ict_ministries_and_regulators_of_more_member_states(built: KnowledgeGraph):
    g = built.union
    # the GCC states, Morocco, Tunisia, Algeria, Lebanon and Iraq (data/reference/entities.ttl); the UAE has
    # only its regulator, as no federal ICT ministry was found
    for country in ("BH", "KW", "OM", "QA", "MA", "TN", "DZ", "LB", "IQ", "AE", "SA", "EG", "JO"):
        kinds = {k for org in g.subjects(KG.homeCountry, ID[f"country/{country}"]) for k in g.objects(org, RDF.type)}
        assert KG.Regulator in kinds, country
        assert (KG.Ministry in kinds) == (country != "AE"), country
    for org in set(g.subjects(RDF.type, KG.Regulator)) | set(g.subjects(RDF.type, KG.Ministry)):
        langs = {lbl.language for lbl in g.objects(org, SKOS.prefLabel)}
        assert {"ar", "en"} <= langs, org


def test_ict_ministries_and_regulators_of_egypt_and_jordan(built: KnowledgeGraph):
    g = built.union
    for country in ("EG", "JO"):
        kinds = {k for org in g.subjects(KG.homeCountry, ID[f"country/{country}"]) for k in g.objects(org, RDF.type)}
        assert {KG.Ministry, KG.Regulator} <= kinds, country
    labels = {str(lbl) for lbl in g.objects(ID["organization/eg-ntra"], SKOS.altLabel)}
    assert "NTRA" in labels
