"""A reconciliation service (W3C Entity Reconciliation CG, Reconciliation Service API v0.2) over the lookup index.

OpenRefine and other clients match a column of Arabic or English names against the graph:

* ``GET /`` without parameters: the service manifest (``versions``, ``name``, ``identifierSpace``,
  ``schemaSpace``, ``defaultTypes``, ``view``, ``preview``, ``batchSize``);
* ``POST /`` (form-encoded) or ``GET /?queries=…``: a batch ``{"q0": {"query": "…", "type": …, "limit": n}}``
  answered ``{"q0": {"result": [candidate, …]}}``; a single ``query=`` (a string or a query object, as in
  v0.1) is answered ``{"result": […]}``;
* ``GET /preview?id=IRI``: a small HTML page (``lang`` and ``dir`` set for Arabic) for the preview iframe.

Candidates carry ``id`` (the entity IRI), ``name`` (its label in the query's script), ``description`` (the
other label), ``score`` (0–100, the lookup score × 100), ``match`` (the lookup's "same" decision, see
:mod:`kg.ingest.index`), ``type`` (``[{"id": class IRI, "name": …}]``) and ``features`` (``name_score``).
Every response allows CORS; ``callback=`` wraps JSON as JSONP. Served on 127.0.0.1 by ``kg reconcile``.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from kg.ingest.index import TYPES, LookupIndex

ONTOLOGY_NS = "https://w3id.org/ict-coop-kg/ontology#"
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
TYPE_IRIS = {"person": ONTOLOGY_NS + "Person", "organization": ONTOLOGY_NS + "Organization",
             "country": ONTOLOGY_NS + "Country", "city": ONTOLOGY_NS + "City", "post": ONTOLOGY_NS + "Post",
             "infrastructure": ONTOLOGY_NS + "Infrastructure", "concept": SKOS_CONCEPT}
TYPE_NAMES = {"person": "Person", "organization": "Organisation", "country": "Country", "city": "City",
              "post": "Post", "infrastructure": "Infrastructure", "concept": "Concept"}
BATCH_SIZE = 100
QUERY_MAX = 1000
"""The longest ``query`` text: names are short, and a long text costs lookups of every word (100 queries of
1,150 words each took 39 s)."""
DEFAULT_LIMIT = 10
_CALLBACK = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$.]*$")


class BadRequest(ValueError):
    """A malformed reconciliation request (HTTP 400)."""


def manifest(base_url: str) -> dict[str, Any]:
    """The service manifest; ``base_url`` is the service's own URL, ending in ``/``."""
    return {
        "versions": ["0.2"],
        "name": "ICT cooperation knowledge graph",
        "identifierSpace": "https://w3id.org/ict-coop-kg/id/",
        "schemaSpace": ONTOLOGY_NS,
        "defaultTypes": [{"id": TYPE_IRIS[t], "name": TYPE_NAMES[t]} for t in ("person", "organization", "country")],
        "view": {"url": base_url + "preview?id={{id}}"},  # the IRIs are not all dereferenceable yet
        "preview": {"url": base_url + "preview?id={{id}}", "width": 400, "height": 120},
        "batchSize": BATCH_SIZE,
    }


def _type_of(value: Any) -> str | None:
    """A lookup type from a query's ``type``: a class IRI, a type name, or a list of those (first known)."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            item = item.get("id")
        if not isinstance(item, str):
            raise BadRequest(f"type {item!r}: give a type id (string)")
        for name, iri in TYPE_IRIS.items():
            if item in (iri, name, TYPE_NAMES[name]):
                return name
    raise BadRequest(f"type {value!r}: unknown; use one of {', '.join(TYPE_IRIS.values())}")


def _candidate(c: Any, arabic: bool) -> dict[str, Any]:
    first, second = ("ar", "en") if arabic else ("en", "ar")
    name = c.labels.get(first) or c.labels.get(second) or c.matched
    out = {"id": c.iri, "name": name, "score": round(c.score * 100, 2), "match": c.same,
           "type": [{"id": TYPE_IRIS[c.type], "name": TYPE_NAMES[c.type]}],
           "features": [{"id": "name_score", "value": c.score}]}
    other = c.labels.get(second)
    if other and other != name:
        out["description"] = other
    return out


def reconcile_one(index: LookupIndex, query: Any) -> dict[str, Any]:
    """Answer one reconciliation query (a dict with ``query``, optional ``type`` and ``limit``)."""
    from kg.errors import InputError
    from kg.ingest.normalise import is_arabic

    if isinstance(query, str):
        query = {"query": query}
    if not isinstance(query, dict):
        raise BadRequest("a reconciliation query is a JSON object with a 'query' string")
    text = query.get("query")
    if not isinstance(text, str) or not text.strip():
        if query.get("properties"):
            raise BadRequest("queries by properties alone are not supported; give a 'query' string")
        raise BadRequest("'query' must be a non-empty string")
    if len(text) > QUERY_MAX:
        raise BadRequest(f"'query' is {len(text)} characters; a name to reconcile may have at most {QUERY_MAX}")
    limit = query.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise BadRequest(f"'limit' must be a positive integer, not {limit!r}")
    try:
        found = index.lookup(text, type=_type_of(query.get("type")), limit=limit)
    except InputError as exc:
        raise BadRequest(str(exc)) from None
    arabic = is_arabic(text)
    return {"result": [_candidate(c, arabic) for c in found]}


def reconcile_batch(index: LookupIndex, batch: Any) -> dict[str, Any]:
    """Answer a query batch ``{"q0": {...}, …}`` with ``{"q0": {"result": [...]}, …}``."""
    if not isinstance(batch, dict) or not batch:
        raise BadRequest("'queries' must be a non-empty JSON object of queries keyed by id")
    if len(batch) > BATCH_SIZE:
        raise BadRequest(f"at most {BATCH_SIZE} queries per batch")
    return {key: reconcile_one(index, q) for key, q in batch.items()}


def preview_html(index: LookupIndex, iri: str) -> str | None:
    """The preview page of an entity, or None when it is not in the index."""
    entity = index.get(iri)
    if entity is None:
        return None
    ar, en = entity.labels.get("ar", ""), entity.labels.get("en", "")
    others = sorted({name for name, _tokens in entity.names} - {ar, en})
    alt = "".join(f"<li dir=\"auto\">{html.escape(n)}</li>" for n in others)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(en or ar)}</title></head><body style=\"font-family:sans-serif;margin:4px\">"
            f"<p><strong>{html.escape(en)}</strong> — <span lang=\"ar\" dir=\"rtl\">{html.escape(ar)}</span></p>"
            f"<p>{html.escape(TYPE_NAMES[entity.type])} · <a href=\"{html.escape(entity.iri)}\" target=\"_blank\">"
            f"{html.escape(entity.iri)}</a></p>" + (f"<ul>{alt}</ul>" if alt else "") + "</body></html>")


def _json(raw: str, name: str) -> Any:
    """The JSON value of the request parameter ``name``, or :class:`BadRequest`: not JSON, nested too deeply
    for Python's parser, or holding a lone surrogate (``\\ud800``: JSON may escape one, but it is not text, and
    the answer, which repeats the batch's keys, could not be written)."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"'{name}' is not JSON: {exc}") from None
    except RecursionError:
        raise BadRequest(f"'{name}' is nested too deeply") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest(f"'{name}' holds a lone surrogate (U+{ord(exc.object[exc.start]):04X}), which is not "
                         "text") from None
    except RecursionError:
        raise BadRequest(f"'{name}' is nested too deeply") from None
    return value


def _text(raw: str, name: str) -> str:
    """A plain-text parameter, or :class:`BadRequest` when it holds a lone surrogate."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest(f"'{name}' holds a lone surrogate (U+{ord(raw[exc.start]):04X}), which is not text") \
            from None
    return raw


def create_app(index: LookupIndex) -> Any:
    """The Starlette application of the service."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    def reply(request: Request, payload: Any, status: int = 200) -> Response:
        callback = request.query_params.get("callback")
        if callback:
            if not _CALLBACK.match(callback):
                return JSONResponse({"error": "callback must be a JavaScript identifier"}, status_code=400)
            body = f"{callback}({json.dumps(payload, ensure_ascii=False)})"
            return Response(body, status_code=status, media_type="application/javascript")
        return JSONResponse(payload, status_code=status)

    async def service(request: Request) -> Response:
        params: dict[str, str] = dict(request.query_params)
        body = b""
        if request.method == "POST":
            body = await request.body()  # read first: the form is then parsed from it
            form = await request.form()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        try:
            if "queries" in params:
                batch = _json(params["queries"], "queries")
                return reply(request, await run_in_threadpool(reconcile_batch, index, batch))
            if "query" in params:
                raw = params["query"]
                single = _json(raw, "query") if raw.lstrip().startswith("{") else _text(raw, "query")
                return reply(request, await run_in_threadpool(reconcile_one, index, single))
        except BadRequest as exc:
            return reply(request, {"error": str(exc)}, 400)
        if body:  # a POST whose body held no queries the service could read
            return reply(request, {"error": "send 'queries' (or 'query') as form fields (application/"
                                            "x-www-form-urlencoded or multipart/form-data)"}, 400)
        return reply(request, manifest(str(request.base_url)))

    async def preview(request: Request) -> Response:
        iri = request.query_params.get("id", "")
        page = preview_html(index, iri)
        if page is None:
            return HTMLResponse("<!DOCTYPE html><p>Unknown entity.</p>", status_code=404)
        return HTMLResponse(page)

    return Starlette(routes=[Route("/", service, methods=["GET", "POST"]), Route("/preview", preview)],
                     middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                                            allow_headers=["*"])])


def serve(index: LookupIndex, sock: Any) -> None:
    """Serve the application on an already bound socket until SIGINT / SIGTERM."""
    import uvicorn

    config = uvicorn.Config(create_app(index), log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


__all__ = ["TYPES", "BadRequest", "create_app", "manifest", "preview_html", "reconcile_batch",
           "reconcile_one", "serve"]
