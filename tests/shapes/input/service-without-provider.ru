PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX kgc: <https://w3id.org/ict-coop-kg/concept/>
PREFIX id: <https://w3id.org/ict-coop-kg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
# ServiceShape: a service nobody provides.
DELETE WHERE { <https://w3id.org/ict-coop-kg/id/service/egypt-post-e-commerce> kg:provider ?p }
;
# drop the sourced facts of the triples deleted above: their reifications would describe statements no longer made
DELETE { ?fact ?p ?o } WHERE { ?fact a kg:Fact ; rdf:subject ?s ; rdf:predicate ?pr ; rdf:object ?ob ; ?p ?o . FILTER NOT EXISTS { ?s ?pr ?ob } }
