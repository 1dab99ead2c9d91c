PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX kgc: <https://w3id.org/ict-coop-kg/concept/>
PREFIX id: <https://w3id.org/ict-coop-kg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
# PointOfPresenceShape: a point of presence nobody operates.
DELETE WHERE { <https://w3id.org/ict-coop-kg/id/infrastructure/telecom-egypt-pop-aqaba> kg:operator ?o }
