"""Seeing the graph: the read-only web app (``kg web``) and the ontology documentation (``kg docs``).

* :mod:`kg.web.data` — everything the pages show, read from a build (the one module that knows the evidence model).
* :mod:`kg.web.app` — the Starlette application: routes, content negotiation, templates.
* :mod:`kg.web.docs` — the documentation page of the ontology, shapes, concept schemes and queries.
* ``templates/``, ``queries/`` (the app's own SPARQL), ``static/`` (CSS, JS, and the vendored map library and
  country borders, see ``static/vendor/README.md``) — found through :mod:`importlib.resources`.

Starlette, Jinja2 and uvicorn are imported only when these modules are, so ``kg --help`` stays instant.
"""
