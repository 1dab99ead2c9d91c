"""Revalidation after triples are added (kg.engine.reach, kg.engine.shacl.validate_store with ``added``).

The claim the build relies on: a result that the restricted run does not recompute was already a result before the
triples were added. The data here breaks every SHACL Core construct (tests/test_engine_shacl.py), so the check is
run on many random ways of adding a part of it to the rest, with paths of every kind.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from rdflib import Graph

from kg.engine import reach
from kg.engine.shacl import compile_shapes, store_from_graph, validate_store

from .shacl_reports import normalise
from .test_engine_shacl import DATA, EX, PREFIXES, SHAPES

PATHS = PREFIXES + """
ex: a owl:Ontology .
ex:TeamShape a sh:NodeShape ;
    sh:targetClass ex:Team ;
    sh:property [ sh:path ( ex:lead ex:office ) ; sh:class ex:Room ] ,
                [ sh:path [ sh:inversePath ex:memberOf ] ; sh:minCount 2 ; sh:node ex:NamedShape ] ,
                [ sh:path [ sh:alternativePath ( ex:site ex:annex ) ] ; sh:maxCount 1 ] ,
                [ sh:path [ sh:zeroOrMorePath ex:parent ] ; sh:class ex:Unit ] .
ex:NamedShape a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
"""

PATHS_DATA = PREFIXES + """
ex:t1 a ex:Team ; ex:lead ex:p1 ; ex:site ex:s1 ; ex:parent ex:u1 .
ex:t2 a ex:Team ; ex:lead ex:p2 ; ex:site ex:s1 ; ex:annex ex:s2 ; ex:parent ex:t1 .
ex:p1 ex:office ex:r1 ; ex:memberOf ex:t1 ; ex:name "p1" .
ex:p2 ex:office ex:r2 ; ex:memberOf ex:t1 , ex:t2 .
ex:p3 ex:memberOf ex:t2 ; ex:name "p3" .
ex:r1 a ex:Room .
ex:r2 a ex:Room .
ex:u1 a ex:Unit ; ex:parent ex:u2 .
ex:u2 a ex:Unit .
ex:t1 a ex:Unit .
ex:t2 a ex:Unit .
"""


def results(data: Graph, shapes: Graph, added: list | None = None) -> Counter:
    store = store_from_graph(data)
    if added is not None:
        from kg.engine.store import to_ox
        import pyoxigraph as ox

        added = [ox.Triple(*(to_ox(term) for term in t)) for t in added]
    return normalise(validate_store(store, shapes, added=added), shapes)


@pytest.mark.parametrize("shapes_text, data_text", [(SHAPES, DATA), (PATHS, PATHS_DATA)], ids=["core", "paths"])
def test_what_a_restricted_run_leaves_out_was_a_result_before(shapes_text: str, data_text: str):
    shapes = Graph().parse(data=shapes_text, format="turtle")
    data = Graph().parse(data=data_text, format="turtle")
    triples = sorted(data, key=lambda t: tuple(x.n3() for x in t))
    rng = random.Random(10)
    recomputed_fewer = 0
    for _ in range(40):
        added = rng.sample(triples, rng.randint(1, 4))
        before = Graph()
        for t in triples:
            if t not in added:
                before.add(t)
        whole_before = results(before, shapes)
        whole_after = results(data, shapes)
        restricted = results(data, shapes, added)
        assert not restricted - whole_after, (added, restricted - whole_after)
        left_out = whole_after - restricted
        assert not left_out - whole_before, (added, left_out - whole_before)
        recomputed_fewer += bool(left_out)
    assert recomputed_fewer > 10  # the runs were restricted: most left results out


def test_the_sites_of_every_kind_of_path():
    shapes = Graph().parse(data=PATHS, format="turtle")
    compiled = compile_shapes(shapes)
    (team,) = [s for s in compiled.targeted if str(s.node).endswith("TeamShape")]
    sites = {(s.prefix, s.position, tuple(sorted(s.predicates or ()))) for s in reach.shape_sites(compiled, team)}
    ex = "http://example.org/ns#"
    lead, office, member, parent = (f"<{ex}{n}>" for n in ("lead", "office", "memberOf", "parent"))
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert (None, reach.SUBJECT, (rdf_type,)) in sites  # the target
    assert (lead, reach.SUBJECT, (f"{ex}office",)) in sites  # the second step of the sequence
    assert (f"{lead}/{office}", reach.SUBJECT, (rdf_type,)) in sites  # sh:class on the sequence's values
    assert (None, reach.OBJECT, (f"{ex}memberOf",)) in sites  # the inverse path
    assert (f"^({member})", reach.SUBJECT, (f"{ex}name",)) in sites  # the nested shape on its values
    assert (f"({parent})*", reach.SUBJECT, (f"{ex}parent",)) in sites  # each step of the repetition
    assert (f"({parent})*", reach.SUBJECT, (rdf_type,)) in sites
    assert {(None, reach.SUBJECT, (f"{ex}site",)), (None, reach.SUBJECT, (f"{ex}annex",))} <= sites


def test_a_sparql_constraint_is_not_bounded():
    compiled = compile_shapes(Graph().parse(data=SHAPES, format="turtle"))
    unbounded = []
    for shape in compiled.targeted:
        try:
            reach.shape_sites(compiled, shape)
        except reach.Unbounded as e:
            unbounded.append(str(e))
    assert unbounded and all("SPARQL" in why for why in unbounded)


def test_listed_focus_nodes_have_their_values_looked_up_one_by_one(caplog: pytest.LogCaptureFixture):
    """A restricted run's counts and value checks look each listed node's values up in turn (``LATERAL``: joined
    with an ``OPTIONAL`` that binds, Oxigraph read every target's values); a listed node with no value still
    counts zero, and a wrong value is still found."""
    shapes = Graph().parse(data=PREFIXES + """
        ex:TeamShape a sh:NodeShape ; sh:targetClass ex:Team ;
            sh:property [ sh:path ex:lead ; sh:minCount 1 ; sh:class ex:Person ] .""", format="turtle")
    data = Graph().parse(data=PREFIXES + """
        ex:t1 a ex:Team ; ex:lead ex:p1 .  ex:p1 a ex:Person .
        ex:t2 a ex:Team .
        ex:t3 a ex:Team ; ex:lead ex:r1 .  ex:r1 a ex:Room .""", format="turtle")
    added = [t for t in data if t[0] in (EX.t2, EX.t3)]
    with caplog.at_level("DEBUG", logger="kg.engine.shacl"):
        restricted = results(data, shapes, added)
    counted = [r.getMessage() for r in caplog.records if "COUNT(DISTINCT ?v)" in r.getMessage()]
    assert counted and all("LATERAL" in text for text in counted)
    assert restricted == results(data, shapes)
    components = sorted((str(key[0]).rsplit("#")[-1], str(key[2]).rsplit("#")[-1]) for key in restricted)
    assert components == [("t2", "MinCountConstraintComponent"), ("t3", "ClassConstraintComponent")]
