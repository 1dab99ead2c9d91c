PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX kgc: <https://w3id.org/ict-coop-kg/concept/>
PREFIX id: <https://w3id.org/ict-coop-kg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX schema: <https://schema.org/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
# ParticipationShape: a participation with no role, that no source states (SourcedNodeShape).
INSERT DATA { <https://w3id.org/ict-coop-kg/id/event/talaat-hanandeh-talks> kg:hasParticipation <https://w3id.org/ict-coop-kg/id/participation/test> . <https://w3id.org/ict-coop-kg/id/participation/test> a kg:Participation ; kg:actor <https://w3id.org/ict-coop-kg/id/person/amr-talaat> }
