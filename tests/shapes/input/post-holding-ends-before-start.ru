PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX kgc: <https://w3id.org/ict-coop-kg/concept/>
PREFIX id: <https://w3id.org/ict-coop-kg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
# PostHoldingShape (SHACL-SPARQL): a tenure that ends before it starts (inserted without a source, so
# SourcedNodeShape reports it too).
INSERT DATA { <https://w3id.org/ict-coop-kg/id/holding/x> a kg:PostHolding ; kg:holder <https://w3id.org/ict-coop-kg/id/person/amr-talaat> ; kg:heldPost <https://w3id.org/ict-coop-kg/id/post/eg-mcit-minister> ;
  kg:startDate "2024-07-03"^^xsd:date ; kg:endDate "2019-01-01"^^xsd:date }
