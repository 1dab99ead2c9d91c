"""The read-only web application: search, entity and article pages, timeline, map, Linked Data IRIs.

Built on Starlette + Jinja2, served by uvicorn on loopback (``kg web``). Every route answers GET and HEAD only,
so any write method gets ``405 Method Not Allowed``. Entity IRIs resolve at their own path
(``https://w3id.org/ict-coop-kg/id/person/amr-talaat`` → ``/id/person/amr-talaat``): ``Accept: text/turtle`` or
``application/ld+json`` gets the description as RDF, a browser gets the HTML page.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import URIRef
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg import resources
from kg.api import KnowledgeGraph
from kg.errors import QueryError
from kg.namespaces import ID, KG, KGC
from kg.query import Parameter, to_term
from kg.web.data import SiteData, Text, local_path, text_dir
from kg.web.i18n import t

DEFAULT_SPARQL_UI = "http://127.0.0.1:7878/"
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld"}
HTML_TYPES = ("text/html", "application/xhtml+xml")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
"""Everything comes from this server: no CDN, no tile server (and the browser would refuse them)."""


def negotiate(accept: str | None) -> str | None:
    """The RDF format the ``Accept`` header prefers (``turtle`` / ``json-ld``), or None for HTML.

    Media ranges are weighed by their ``q``; on a tie HTML wins, and so does a missing or ``*/*`` header.
    """
    best: tuple[float, int, str | None] = (0.0, 0, None)
    for order, part in enumerate((accept or "").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        if media in RDF_TYPES:
            candidate = (q, 1, RDF_TYPES[media])
        elif media in HTML_TYPES:
            candidate = (q, 2, None)
        else:
            continue
        if q > 0 and (candidate[0], candidate[1]) > (best[0], best[1]):
            best = candidate
    return best[2]


class ServerTiming:
    """ASGI middleware adding ``Server-Timing: app;dur=MS`` (the time the app took) to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={ms:.1f}".encode()))
                headers.append((b"content-security-policy", CSP.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("kg.web", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["t"] = t
    env.globals["text_dir"] = text_dir
    env.globals["local_path"] = local_path
    return env


SEARCH_MAX = 200
"""The longest search the home page runs (characters): names are short, and a 100 KB one took 4 s."""
TIMELINE_PAGE = 100
"""Rows of the timeline on one page (``?page=N``)."""


def create_app(kg: KnowledgeGraph, *, sparql_url: str = DEFAULT_SPARQL_UI, freeze_heap: bool = False) -> Starlette:
    """The web application over one loaded build. ``sparql_url`` is where the SPARQL query UI is linked (an
    http(s) URL without credentials, which every page would show; :class:`~kg.errors.InputError` otherwise).

    ``freeze_heap`` (for a server process, as ``kg web`` runs it): once the build is loaded and indexed, every
    object made so far is moved out of the garbage collector's sight (:func:`gc.freeze`). They live as long as
    the server, and on a large build a full collection over their tens of millions would stall a request for
    seconds."""
    from kg.remote.client import check_url

    check_url(sparql_url, "--sparql-url")
    site = SiteData(kg)
    env = _environment()
    if freeze_heap:
        import gc

        gc.collect()
        gc.freeze()

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang", "")
        return lang if lang in ("en", "ar") else "en"

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = lang_of(request)
        other = "ar" if lang == "en" else "en"
        params = dict(request.query_params)
        params["lang"] = other
        switch = request.url.path + "?" + urlencode(params)

        def link(path: str | None, **extra: str) -> str:
            if path is None:
                return ""
            query = urlencode({**extra, "lang": lang})
            fragment = ""
            if "#" in path:
                path, fragment = path.split("#", 1)
                fragment = "#" + fragment
            return f"{path}?{query}{fragment}"

        def label(iri: Any) -> Text:
            return site.label(iri, lang)

        html = env.get_template(template).render(
            lang=lang, dir=text_dir(lang), switch=switch, other=other, link=link, label=label,
            sparql_url=sparql_url, KG=KG, **context)
        return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})

    def home(request: Request) -> Response:  # a plain function: Starlette runs it in a worker thread, so a long
        # search does not hold up every other request (a 100 KB one kept a page waiting 4.3 s)
        query = request.query_params.get("q", "").strip()
        if len(query) > SEARCH_MAX:
            query = query[:SEARCH_MAX]  # names are short; the rest of a pasted paragraph is not searched
        hits = site.search(query) if query else []
        return render(request, "home.html", query=query, hits=hits, articles=site.articles, site=site)

    async def resource(request: Request) -> Response:
        path = request.path_params["path"]
        iri = URIRef(str(ID) + path)
        fmt = request.query_params.get("format") or negotiate(request.headers.get("accept"))
        fmt = {"ttl": "turtle", "jsonld": "json-ld"}.get(fmt or "", fmt)
        if not site.exists(iri):
            if fmt in ("turtle", "json-ld"):
                return Response("not found\n", status_code=404, media_type="text/plain",
                                headers={"Vary": "Accept"})
            return render(request, "not_found.html", status=404, iri=iri)
        if fmt in ("turtle", "json-ld"):
            media = "text/turtle" if fmt == "turtle" else "application/ld+json"
            return Response(site.describe(iri, fmt), media_type=media, headers={"Vary": "Accept"})
        lang = lang_of(request)
        if site.is_article(iri):
            view = site.article(iri)
            if view is not None:
                return render(request, "article.html", iri=iri, view=view, site=site)
        complete = request.query_params.get("all") == "1"
        return render(request, "entity.html", iri=iri, view=site.entity(iri, lang, complete=complete),
                      labels=site.labels.get(iri), site=site)

    async def timeline(request: Request) -> Response:
        value = request.query_params.get("country", "").strip()
        country = None
        error = None
        if value:
            try:
                country = to_term(Parameter("country", "country", False), value)
            except QueryError as exc:
                error = str(exc)
        items = site.timeline(country)  # type: ignore[arg-type]
        raw_page = request.query_params.get("page", "1").strip()
        # ASCII digits, and few of them: int() refuses over 4,300 digits (a 500), and accepts "١٢" and "1_0"
        page = int(raw_page) if re.fullmatch(r"[0-9]{1,9}", raw_page) and int(raw_page) >= 1 else 0
        if not page:
            error, page = f"page {raw_page!r}: give a page number (1, 2, …)", 1
        pages = max(1, -(-len(items) // TIMELINE_PAGE))
        page = min(page, pages)
        first = (page - 1) * TIMELINE_PAGE
        shown = items[first:first + TIMELINE_PAGE]

        def page_link(number: int) -> str:
            params = {"country": country.split("/")[-1]} if country else {}
            return "/timeline?" + urlencode({**params, "page": str(number), "lang": lang_of(request)})

        return render(request, "timeline.html", items=shown, total=len(items), page=page, pages=pages,
                      first=first + 1, last=first + len(shown), page_link=page_link, countries=site.countries(),
                      country=country, error=error, site=site, status=400 if error else 200)

    async def map_page(request: Request) -> Response:
        features = site.map_features(lang_of(request))
        return render(request, "map.html", features=features["features"], site=site)

    async def map_data(request: Request) -> Response:
        return JSONResponse(site.map_features(lang_of(request)))

    docs_page: list[str] = []

    async def ontology(request: Request) -> Response:
        """The ontology IRI (``https://w3id.org/ict-coop-kg/ontology``, its terms are ``…/ontology#Term``): Turtle
        for RDF clients, the documentation page (``kg docs``) for a browser."""
        fmt = request.query_params.get("format") or negotiate(request.headers.get("accept"))
        if fmt in ("turtle", "ttl", "json-ld", "jsonld"):
            return Response(resources.ontology_file().read_bytes(), media_type="text/turtle",
                            headers={"Vary": "Accept"})
        if not docs_page:
            from kg.web.docs import render_docs

            docs_page.append(render_docs(stylesheet="/static/app.css", files_base="/ontology/"))
        return HTMLResponse(docs_page[0], headers={"Vary": "Accept"})

    async def ontology_file(request: Request) -> Response:
        files = {f.name: f for f in [*resources.ontology_files(), *resources.shapes_files()]}
        found = files.get(request.path_params["name"])
        if found is None:
            return Response("not found\n", status_code=404, media_type="text/plain")
        return Response(found.read_bytes(), media_type="text/turtle")

    async def concept(request: Request) -> Response:
        """A concept IRI (``https://w3id.org/ict-coop-kg/concept/agreed``): its description as RDF, or a redirect
        to its entry in the documentation page."""
        iri = URIRef(str(KGC._NS) + request.path_params["name"])
        if not site.exists(iri):
            return render(request, "not_found.html", status=404, iri=iri)
        fmt = request.query_params.get("format") or negotiate(request.headers.get("accept"))
        fmt = {"ttl": "turtle", "jsonld": "json-ld"}.get(fmt or "", fmt)
        if fmt in ("turtle", "json-ld"):
            return Response(site.describe(iri, fmt), media_type="text/turtle" if fmt == "turtle"
                            else "application/ld+json", headers={"Vary": "Accept"})
        return RedirectResponse(f"/ontology#kgc-{request.path_params['name']}", status_code=303)

    routes = [
        Route("/", home, methods=["GET", "HEAD"]),
        Route("/search", home, methods=["GET", "HEAD"]),
        Route("/id/{path:path}", resource, methods=["GET", "HEAD"]),
        Route("/timeline", timeline, methods=["GET", "HEAD"]),
        Route("/map", map_page, methods=["GET", "HEAD"]),
        Route("/map.geojson", map_data, methods=["GET", "HEAD"]),
        Route("/ontology", ontology, methods=["GET", "HEAD"]),
        Route("/ontology/{name}", ontology_file, methods=["GET", "HEAD"]),
        Route("/concept/{name}", concept, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(packages=[("kg.web", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(ServerTiming)])
    app.state.site = site
    return app
