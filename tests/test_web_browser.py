"""The web app in a real browser: Playwright driving Debian's Chromium (never a downloaded browser build).

Clicks from a search result to an entity, from a fact to its highlighted quote in the article, checks that the
highlighted text is the quote, that the map puts the PoP at Aqaba's coordinates, and that no request leaves the
local server. Screenshots of every page, in English and Arabic, go to a temporary folder (printed with -s).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph

from .conftest import WEB_FIXTURE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
POP_EN = "Telecom Egypt point of presence in Aqaba"
POP_AR = "نقطة تواجد الشركة المصرية للاتصالات في العقبة"
POP_QUOTE = "وتشغل الشركة المصرية للاتصالات نقطة تواجد في مدينة العقبة"  # kg:quote of the PoP in the fixture
AQABA = (29.532, 35.006)  # geo:lat / geo:long of city:aqaba in tests/fixtures/web/reference/entities.ttl

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian's chromium is not installed (apt-get install "
                                                             "chromium; .ci/run does it)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")


@pytest.fixture(scope="module")
def server(web_build: Path) -> Iterator[str]:
    """The web app on a free loopback port (uvicorn in a thread), stopped after the module."""
    import uvicorn

    from kg.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(KnowledgeGraph.load(web_build)), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots in {folder}")
    return folder


@pytest.fixture()
def page(browser, server: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    pg = context.new_page()
    outside: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith(server) or r.url.startswith("data:") else outside.append(r.url))
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not outside, f"requests left the local server: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


def test_search_result_to_entity_to_highlighted_quote(page, server: str, shots: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/")
    page.fill("input[name=q]", "point of presence")
    page.click("form.search button")
    page.wait_for_selector("li.hit")
    page.screenshot(path=str(shots / "search-en.png"), full_page=True)
    page.click(f"li.hit a:has-text('{POP_EN}')")
    page.wait_for_url("**/id/infrastructure/te-pop-aqaba**")
    assert page.inner_text("h1") == POP_EN
    page.screenshot(path=str(shots / "entity-en.png"), full_page=True)
    # the fact "located in Aqaba" and the quote it rests on, inside its sentence
    group = page.locator("section.fact-group[data-property$='#locatedIn']")
    assert group.locator(".value a").inner_text() == "Aqaba"
    quote = group.locator("blockquote.evidence").first
    assert quote.get_attribute("lang") == "ar" and quote.get_attribute("dir") == "rtl"
    assert quote.locator("mark").inner_text() == POP_QUOTE
    assert quote.evaluate("e => getComputedStyle(e).direction") == "rtl"
    quote.locator("a").click()
    page.wait_for_url("**/id/article/web-ar-aqaba**#q-*")
    page.wait_for_selector("mark.current")
    current = page.locator("mark.current")
    assert "".join(current.all_inner_texts()) == POP_QUOTE
    source = page.locator("article.source")
    assert source.get_attribute("lang") == "ar"
    assert source.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert current.first.is_visible()
    page.screenshot(path=str(shots / "article-en.png"), full_page=True)
    # from a mention back to its entity
    page.locator("mark.mention a", has_text="العقبة").first.click()
    page.wait_for_url("**/id/city/aqaba**")
    assert page.inner_text("h1") == "Aqaba"


def test_arabic_interface_and_language_switch(page, server: str, shots: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/id/infrastructure/te-pop-aqaba")
    page.click("a.switch")
    page.wait_for_url("**lang=ar**")
    assert page.get_attribute("html", "lang") == "ar" and page.get_attribute("html", "dir") == "rtl"
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    assert page.inner_text("h1") == POP_AR
    page.screenshot(path=str(shots / "entity-ar.png"), full_page=True)
    page.goto(f"{server}/?lang=ar")
    page.fill("input[name=q]", "العقبه")  # ة typed as ه
    page.click("form.search button")
    page.wait_for_selector("li.hit")
    assert page.locator("li.hit a").first.inner_text() == "العقبة"
    page.screenshot(path=str(shots / "search-ar.png"), full_page=True)
    page.goto(f"{server}/id/article/web-ar-aqaba?lang=ar")
    page.screenshot(path=str(shots / "article-ar.png"), full_page=True)


def test_timeline_filter(page, server: str, shots: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/timeline")
    rows = page.locator("tr[data-item]")
    assert rows.count() == 3  # the meeting, the agenda, the agenda's dated status
    page.select_option("select[name=country]", "TN")
    page.click("form.filter button")
    page.wait_for_url("**country=TN**")
    assert page.locator("tr[data-item]").count() == 1
    assert page.locator("tr[data-item] time").first.get_attribute("datetime") == "2005-11-16"
    page.screenshot(path=str(shots / "timeline-en.png"), full_page=True)
    page.goto(f"{server}/timeline?lang=ar")
    page.screenshot(path=str(shots / "timeline-ar.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_map_shows_the_pop_in_aqaba_offline(page, server: str, shots: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/map?lang={lang}")
    page.wait_for_selector("#map[data-ready=true]", timeout=20000)
    label = POP_EN if lang == "en" else POP_AR
    tooltip = page.locator(".leaflet-tooltip", has_text=label)
    assert tooltip.is_visible()
    found = page.evaluate("""iri => {
        const m = window.kgMarkers.find(l => l.feature.properties.iri === iri);
        const ll = m.getLatLng();
        const p = window.kgMap.latLngToContainerPoint(ll);
        const size = window.kgMap.getSize();
        return {lat: ll.lat, lng: ll.lng, x: p.x, y: p.y, w: size.x, h: size.y,
                inView: window.kgMap.getBounds().contains(ll)};
    }""", "https://w3id.org/ict-coop-kg/id/infrastructure/te-pop-aqaba")
    assert (found["lat"], found["lng"]) == AQABA
    assert found["inView"] and 0 <= found["x"] <= found["w"] and 0 <= found["y"] <= found["h"]
    # the label sits just above the marker (not shifted away, as Leaflet does on a right-to-left page)
    box, map_box = tooltip.bounding_box(), page.locator("#map").bounding_box()
    assert abs(box["x"] + box["width"] / 2 - (map_box["x"] + found["x"])) < 20
    assert 0 < (map_box["y"] + found["y"]) - (box["y"] + box["height"]) < 40
    marker = page.locator("#map path.kg-infrastructure").bounding_box()
    assert abs(marker["x"] + marker["width"] / 2 - (map_box["x"] + found["x"])) < 3
    # the country borders layer is drawn (Natural Earth polygons as SVG paths) besides the markers
    assert page.locator("#map path.leaflet-interactive.kg-infrastructure").count() == 1
    assert page.locator("#map svg path").count() > 100
    page.screenshot(path=str(shots / f"map-{lang}.png"), full_page=True)
    tooltip.locator("a").click()
    page.wait_for_url("**/id/infrastructure/te-pop-aqaba**")


def test_entity_iri_in_a_browser_is_html(page, server: str) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(f"{server}/id/event/wsis-tunis-2005")
    assert response.status == 200 and response.headers["content-type"].startswith("text/html")
    assert page.inner_text("h1") == "Second phase of the World Summit on the Information Society"


def test_fixture_data_is_the_one_described(web_build: Path) -> None:
    # the expectations above read the fixture files; make sure the ones they name are there
    assert POP_QUOTE in (WEB_FIXTURE / "articles" / "web-ar-aqaba" / "article.ttl").read_text(encoding="utf-8")
    assert 'geo:lat "29.532"' in (WEB_FIXTURE / "reference" / "entities.ttl").read_text(encoding="utf-8")
