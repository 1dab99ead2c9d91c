PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX kgc: <https://w3id.org/ict-coop-kg/concept/>
PREFIX id: <https://w3id.org/ict-coop-kg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
# status-same-source-violation: the article gives the talks two statuses, neither dated.
INSERT DATA { <https://w3id.org/ict-coop-kg/id/event/talaat-hanandeh-talks> kg:status kgc:planned .
  <https://w3id.org/ict-coop-kg/id/article/000_c98f5de2b5b9bb51/fact/test-planned> a rdf:Statement , kg:Fact , kg:StatusAssertion ;
     rdf:subject <https://w3id.org/ict-coop-kg/id/event/talaat-hanandeh-talks> ; rdf:predicate kg:status ; rdf:object kgc:planned ;
     prov:wasDerivedFrom <https://w3id.org/ict-coop-kg/id/article/000_c98f5de2b5b9bb51> ; kg:evidence <https://w3id.org/ict-coop-kg/id/article/000_c98f5de2b5b9bb51/quotation/745-805> }
