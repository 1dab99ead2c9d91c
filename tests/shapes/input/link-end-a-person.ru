PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX kgc: <https://w3id.org/ict-coop-kg/concept/>
PREFIX id: <https://w3id.org/ict-coop-kg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX schema: <https://schema.org/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
# InterconnectionLinkShape: a link whose end is a person, neither infrastructure nor a place.
INSERT DATA { <https://w3id.org/ict-coop-kg/id/infrastructure/eg-cable-jo-fibre-link> kg:connects <https://w3id.org/ict-coop-kg/id/person/amr-talaat> }
