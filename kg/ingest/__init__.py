"""Adding articles: name normalisation, the lookup index, ``kg ingest`` drafts and the reconciliation service.

* :mod:`kg.ingest.normalise` — Arabic and English name keys (hamza, ta marbuta, clitics, honorifics,
  transliteration variants).
* :mod:`kg.ingest.index` — the lookup index a build writes (``lookup-index.json``) and scored lookups.
* :mod:`kg.ingest.dates` — dates in Arabic and English text as ``xsd:date`` candidates.
* :mod:`kg.ingest.ingest` — a new article folder with a draft ``article.ttl`` that builds as it is.
* :mod:`kg.ingest.duplicates` — near-duplicate people and organisations, reported by the build.
* :mod:`kg.ingest.reconcile` — a W3C Reconciliation Service API (v0.2) over the index.

Heavy libraries (rdflib, rapidfuzz, starlette) are imported where they are used.
"""
