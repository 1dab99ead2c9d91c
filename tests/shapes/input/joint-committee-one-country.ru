PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX kgc: <https://w3id.org/ict-coop-kg/concept/>
PREFIX id: <https://w3id.org/ict-coop-kg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX schema: <https://schema.org/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
# JointCommitteeShape: a joint committee of one country.
INSERT DATA { <https://w3id.org/ict-coop-kg/id/organization/test-committee> a kg:JointCommittee ; rdfs:label "لجنة"@ar , "Committee"@en ; kg:homeCountry <https://w3id.org/ict-coop-kg/id/country/EG> }
