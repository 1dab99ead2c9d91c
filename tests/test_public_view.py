"""The public view: after ``kg export --inferred``, the graph speaks schema.org, FOAF, ORG, PROV and Web Annotation.

Each test is a question a reader of the article would ask, written as SPARQL
over public vocabularies only. Expected answers come from reading the article
(sentence numbers follow the translation in shared/seed/README.md).
"""

from __future__ import annotations

from rdflib import Graph

PREFIXES = """
PREFIX schema: <https://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""


def rows(g: Graph, query: str) -> set[tuple[str, ...]]:
    return {tuple(str(v) for v in row) for row in g.query(PREFIXES + query)}


def test_people_are_schema_and_foaf_persons_with_article_spelling(public_view: Graph):
    got = rows(public_view, """
        SELECT ?ar ?en WHERE {
            ?p a schema:Person , foaf:Person ;
               rdfs:label ?ar , ?en ; skos:prefLabel ?ar , ?en .
            FILTER (LANG(?ar) = "ar" && LANG(?en) = "en")
        }""")
    assert got == {("عمرو طلعت", "Amr Talaat"), ("أحمد الهنانده", "Ahmed Al-Hanandeh")}
    alt = rows(public_view, 'SELECT ?alt WHERE { ?p a schema:Person ; skos:altLabel ?alt }')
    assert ("أحمد الهناندة",) in alt  # the standard spelling, as an alternative label


def test_organisations_and_government_bodies(public_view: Graph):
    orgs = rows(public_view, """
        SELECT ?en WHERE { ?o a schema:Organization , org:Organization ; rdfs:label ?en . FILTER (LANG(?en) = "en") }""")
    # the reference data's ministries and regulators (data/reference/entities.ttl, issue 8) and the seed's operators
    ministries_and_regulators = {("Ministry of Communications and Information Technology",),
                                 ("Ministry of Digital Economy and Entrepreneurship",),
                                 ("National Telecom Regulatory Authority",), ("Telecommunications Regulatory Commission",),
                                 ("Ministry of Communications and Information Technology of Saudi Arabia",),
                                 ("Communications, Space and Technology Commission",),
                                 # the other member states' ministries and regulators the reference data adds
                                 ("Telecommunications and Digital Government Regulatory Authority",),
                                 ("Ministry of Transportation and Telecommunications",),
                                 ("Telecommunications Regulatory Authority of Bahrain",),
                                 ("Ministry of Communications of Kuwait",),
                                 ("Communication and Information Technology Regulatory Authority",),
                                 ("Ministry of Transport, Communications and Information Technology",),
                                 ("Telecommunications Regulatory Authority of Oman",),
                                 ("Ministry of Communications and Information Technology of Qatar",),
                                 ("Communications Regulatory Authority",),
                                 ("Ministry of Digital Transition and Administrative Reform",),
                                 ("National Telecommunications Regulatory Agency",),
                                 ("Ministry of Communication Technologies",), ("National Telecommunications Authority",),
                                 ("Ministry of Post and Telecommunications",),
                                 ("Regulatory Authority of Post and Electronic Communications",),
                                 ("Ministry of Telecommunications",), ("Telecommunications Regulatory Authority of Lebanon",),
                                 ("Ministry of Communications of Iraq",), ("Communications and Media Commission",)}
    assert orgs == ministries_and_regulators | {("Telecom Egypt",), ("Egypt Post",), ("Jordan Post",)}
    gov = rows(public_view, """
        SELECT ?en WHERE { ?o a schema:GovernmentOrganization ; rdfs:label ?en . FILTER (LANG(?en) = "en") }""")
    assert gov == ministries_and_regulators


def test_countries_and_the_city_of_aqaba_in_jordan(public_view: Graph):
    # the 22 members of the League of Arab States (data/reference/places.ttl, issue 8)
    countries = rows(public_view, 'SELECT ?ar WHERE { ?c a schema:Country ; rdfs:label ?ar . FILTER (LANG(?ar) = "ar") }')
    assert len(countries) == 22 and {("مصر",), ("الأردن",), ("السعودية",)} <= countries
    cities = rows(public_view, """
        SELECT ?city ?country WHERE {
            ?c a schema:City ; rdfs:label ?city ; schema:containedInPlace ?k .
            ?k a schema:Country ; rdfs:label ?country .
            FILTER (LANG(?city) = "ar" && LANG(?country) = "ar")
        }""")
    # the first five cities, the 19 other capitals and six port cities
    assert len(cities) == 30
    assert {("العقبة", "الأردن"), ("عمّان", "الأردن"), ("القاهرة", "مصر"), ("طابا", "مصر"),
            ("الرياض", "السعودية")} <= cities
    assert {("موروني", "جزر القمر"), ("الجزائر العاصمة", "الجزائر"), ("جدة", "السعودية"), ("السويس", "مصر"),
            ("صلالة", "عمان")} <= cities


def test_posts_held_in_organisations(public_view: Graph):
    got = rows(public_view, """
        SELECT ?person ?post ?org WHERE {
            ?x a org:Post ; org:heldBy ?p ; org:postIn ?o ; rdfs:label ?post .
            ?p org:holds ?x ; rdfs:label ?person .
            ?o rdfs:label ?org .
            FILTER (LANG(?person) = "en" && LANG(?post) = "en" && LANG(?org) = "en")
        }""")
    assert got == {
        ("Amr Talaat", "Minister of Communications and Information Technology",
         "Ministry of Communications and Information Technology"),
        ("Ahmed Al-Hanandeh", "Minister of Digital Economy and Entrepreneurship",
         "Ministry of Digital Economy and Entrepreneurship"),
    }
    ar_titles = rows(public_view, 'SELECT ?t WHERE { ?x a org:Post ; rdfs:label ?t . FILTER (LANG(?t) = "ar") }')
    assert ar_titles == {("وزير الاتصالات وتكنولوجيا المعلومات",), ("وزير الاقتصاد الرقمى والريادة",)}


def test_who_met_whom_where_within_which_visit(public_view: Graph):
    # S1: during his visit to Jordan, Talaat held talks with Al-Hanandeh.
    got = rows(public_view, """
        SELECT ?a ?b ?place ?visit WHERE {
            ?m a schema:Event ; schema:attendee ?x , ?y ; schema:location ?l ; schema:superEvent ?v .
            ?v schema:subEvent ?m ; rdfs:label ?visit .
            ?x rdfs:label ?a . ?y rdfs:label ?b . ?l rdfs:label ?place .
            FILTER (STR(?a) < STR(?b))
            FILTER (LANG(?a) = "en" && LANG(?b) = "en" && LANG(?place) = "en" && LANG(?visit) = "en")
        }""")
    assert got == {("Ahmed Al-Hanandeh", "Amr Talaat", "Jordan", "Amr Talaat's visit to Jordan")}


def test_what_the_talks_were_about(public_view: Graph):
    # S1: data centres, digital transformation, interconnection, post, within ICT; S3: digital infrastructure.
    got = rows(public_view, """
        SELECT ?domain WHERE {
            ?m a schema:Event ; schema:superEvent ?v ; schema:about ?d .
            ?d a skos:Concept ; rdfs:label ?domain . FILTER (LANG(?domain) = "en")
        }""")
    assert got == {("Communications and information technology",), ("Data centres",), ("Digital transformation",),
                   ("Interconnection",), ("Postal services",), ("Digital infrastructure",)}


def test_point_of_presence_operator_and_place(public_view: Graph):
    # S4: Telecom Egypt's point of presence in the Jordanian city of Aqaba.
    got = rows(public_view, """
        SELECT ?operator ?city ?country WHERE {
            ?pop a kg:PointOfPresence ; kg:operator ?o ; schema:containedInPlace ?c .
            ?c a schema:City ; schema:containedInPlace ?k .
            ?o rdfs:label ?operator . ?c rdfs:label ?city . ?k rdfs:label ?country .
            FILTER (LANG(?operator) = "en" && LANG(?city) = "en" && LANG(?country) = "en")
        }""")
    assert got == {("Telecom Egypt", "Aqaba", "Jordan")}
    served = rows(public_view, """
        SELECT ?service WHERE { ?pop a kg:PointOfPresence ; kg:supportsService ?s . ?s rdfs:label ?service .
                                FILTER (LANG(?service) = "en") }""")
    assert served == {("International traffic transport services for the Jordanian market",),
                      ("Transit traffic transport services",)}


def test_what_was_agreed(public_view: Graph):
    # S12: experts from both sides will follow up the progress of work in the agreed areas - one commitment, agreed.
    got = rows(public_view, """
        SELECT ?what ?status ?kind WHERE {
            ?a a kg:Outcome , ?k ; rdfs:label ?what ; kg:status/rdfs:label ?status ; kg:party ?eg , ?jo .
            ?k rdfs:subClassOf kg:Outcome ; rdfs:label ?kind .
            ?eg rdfs:label "Egypt"@en . ?jo rdfs:label "Jordan"@en .
            FILTER (?k != kg:Outcome)
            FILTER (LANG(?what) = "en" && LANG(?status) = "en" && LANG(?kind) = "en")
        }""")
    assert got == {("Experts from both sides follow up the progress of work in the agreed areas", "agreed",
                    "Follow-up mechanism")}


def test_who_said_what(public_view: Graph):
    # S8, S9, S10 are Talaat's; S11 is Al-Hanandeh's.
    got = rows(public_view, """
        SELECT ?who (COUNT(?s) AS ?n) WHERE {
            ?s a kg:Statement ; prov:wasAttributedTo ?p . ?p rdfs:label ?who . FILTER (LANG(?who) = "en")
        } GROUP BY ?who""")
    assert got == {("Amr Talaat", "3"), ("Ahmed Al-Hanandeh", "1")}
    quotes = rows(public_view, """
        SELECT ?exact WHERE {
            ?s a kg:Statement ; prov:wasAttributedTo/rdfs:label "Ahmed Al-Hanandeh"@en .
            ?fact rdf:subject ?s ; rdf:predicate kg:speaker ; kg:evidence/oa:hasSelector ?q .
            ?q a oa:TextQuoteSelector ; oa:exact ?exact }""")
    (exact,) = quotes
    assert "قاطرة للتعاون المشترك" in exact[0]


def test_article_is_a_news_article_in_arabic(public_view: Graph):
    assert rows(public_view, 'SELECT ?lang WHERE { ?a a schema:NewsArticle ; schema:inLanguage ?lang }') == {("ar",)}
    # nothing the project does not know: no date, publisher or URL
    assert not rows(public_view, """
        SELECT ?p WHERE { ?a a schema:NewsArticle ; ?p ?o .
        FILTER (?p IN (schema:datePublished, schema:publisher, schema:url, schema:dateCreated)) }""")


def test_every_asserted_fact_is_a_sourced_statement_with_selectors(public_view: Graph):
    """Each triple of the article is an rdf:Statement (a prov:Entity) derived from the article, whose evidence is a
    Web Annotation specific resource with a quote and a position selector; the things themselves are not
    derived from the article."""
    things = rows(public_view, """
        SELECT ?thing WHERE {
            { ?thing a schema:Event } UNION { ?thing a kg:Outcome } UNION { ?thing a kg:Statement }
            UNION { ?thing a org:Post } UNION { ?thing a kg:Infrastructure } UNION { ?thing a schema:Service }
            UNION { ?thing a kg:DiscussionPoint } UNION { ?thing a kg:Initiative }
        }""")
    # two queries joined here: rdflib orders one big basic graph pattern badly (minutes instead of milliseconds)
    facts = rows(public_view, """
        SELECT ?thing ?ev ?article WHERE {
            ?fact rdf:predicate rdf:type ; rdf:subject ?thing ; a rdf:Statement , prov:Entity ;
                  prov:wasDerivedFrom ?article ; kg:evidence ?ev .
            ?article a schema:NewsArticle .
        }""")
    quotations = rows(public_view, """
        SELECT ?ev ?article WHERE {
            ?ev a oa:SpecificResource ; oa:hasSource ?article ; oa:hasSelector ?q , ?p .
            ?q a oa:TextQuoteSelector ; oa:exact ?exact .
            ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
        }""")
    sourced = {(thing,) for thing, ev, article in facts if (ev, article) in quotations}
    assert len(things) >= 30
    assert things <= sourced, things - sourced
    assert len(rows(public_view, "SELECT ?f WHERE { ?f a rdf:Statement ; prov:wasDerivedFrom ?a }")) >= 150
    # the world is not its description: no meeting, post or cable is a prov:Entity or derived from the article
    entities = rows(public_view, "SELECT ?x WHERE { ?x a prov:Entity }")
    derived = rows(public_view, "SELECT ?x WHERE { ?x prov:wasDerivedFrom ?any }")
    assert not things & (entities | derived)


def test_no_reasoning_noise_in_the_export(public_view: Graph):
    assert not rows(public_view, "SELECT ?s WHERE { ?s <http://www.w3.org/2002/07/owl#sameAs> ?s }")
    assert not any(s.__class__.__name__ == "Literal" for s in public_view.subjects())
    assert not rows(public_view, "SELECT ?s WHERE { ?s a <http://www.w3.org/2000/01/rdf-schema#Resource> }")
