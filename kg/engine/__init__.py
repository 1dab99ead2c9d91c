"""The fast engine (issue 10): the build's stages in pyoxigraph, one module per stage.

- :mod:`kg.engine.store` — the choice of engine (made once per build), the asserted data in one pyoxigraph
  ``Store``, term conversions, and fast deterministic writing of Turtle / TriG / N-Triples / N-Quads.
- :mod:`kg.engine.rules` — OWL-RL as SPARQL rules generated from the ontology.
- :mod:`kg.engine.shacl` — the SHACL shapes compiled to SPARQL.
- :mod:`kg.engine.reach` — which focus nodes added triples can change the results of (a build's revalidation).
- :mod:`kg.engine.splice` — a build's large files made from the previous build's, where only articles were added.

owlrl and pySHACL stay as the *reference* engine (``kg build --engine reference``).
"""
