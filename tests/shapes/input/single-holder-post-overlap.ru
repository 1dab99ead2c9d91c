PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX kgc: <https://w3id.org/ict-coop-kg/concept/>
PREFIX id: <https://w3id.org/ict-coop-kg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
# SingleHolderPostShape (SHACL-SPARQL): two ministers in one ministerial post at the same time. The two
# holdings are inserted without sources, so SourcedNodeShape reports them as well.
INSERT DATA {
  <https://w3id.org/ict-coop-kg/id/holding/t> a kg:PostHolding ; kg:holder <https://w3id.org/ict-coop-kg/id/person/amr-talaat> ;
     kg:heldPost <https://w3id.org/ict-coop-kg/id/post/eg-mcit-minister> ; kg:startDate "2019-12-22"^^xsd:date .
  <https://w3id.org/ict-coop-kg/id/holding/h> a kg:PostHolding ; kg:holder <https://w3id.org/ict-coop-kg/id/person/ahmed-al-hanandeh> ;
     kg:heldPost <https://w3id.org/ict-coop-kg/id/post/eg-mcit-minister> ; kg:reportedOn "2023-05-01"^^xsd:date }
