"""``kg ingest``: drafts that build as they are, mentions linked across spellings, never a false merge.

The fixtures in tests/fixtures/ingest/ are the project's own short texts written from public facts; the expected
links below come from reading them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from itertools import pairwise
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kg import resources
from kg.api import KnowledgeGraph
from kg.evidence import canonical_text
from kg.ingest.dates import find_dates
from kg.ingest.ingest import analyse, data_index

from .conftest import invoke, run_kg

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
ID = "https://w3id.org/ict-coop-kg/id/"
KGNS = Namespace("https://w3id.org/ict-coop-kg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
HANANDEH = ID + "person/ahmed-al-hanandeh"
TALAAT = ID + "person/amr-talaat"
JO, EG = ID + "country/JO", ID + "country/EG"

EXPECTED_MENTIONS = {
    "variants-ar": {
        ("احمد الهناندة", HANANDEH), ("وزير الاقتصاد الرقمي والريادة", ID + "post/jo-modee-minister"),
        ("المملكة الاردنية الهاشمية", JO), ("عمرو طلعت", TALAAT),
        ("وزير الاتصالات وتكنولوجيا المعلومات", ID + "post/eg-mcit-minister"), ("مصر", EG), ("الأردن", JO),
        ("الشركة المصرية للاتصالات", ID + "organization/telecom-egypt"),
    },
    "new-minister-ar": {
        ("وزير الاقتصاد الرقمي والريادة", ID + "post/jo-modee-minister"), ("أحمد الهنانده", HANANDEH),
        ("الأردن", JO),
    },
    "new-country-ar": {("مصر", EG)},
    "english": {
        ("Jordan", JO), ("Minister of Digital Economy and Entrepreneurship", ID + "post/jo-modee-minister"),
        ("Ahmad Hanandeh", HANANDEH), ("Egypt", EG),
        ("Minister of Communications and Information Technology", ID + "post/eg-mcit-minister"),
        ("Amr Talaat", TALAAT), ("Telecom Egypt", ID + "organization/telecom-egypt"), ("Aqaba", ID + "city/aqaba"),
    },
}
NEW_PEOPLE = ("سميرات", "جعفر", "الخصاونة", "أبو الغيط", "Smeirat", "Khasawneh", "Gheit")


def _accept_draft(ttl: str, number: int) -> str:
    """What a curator does to accept draft ``number``: remove the '# ' before each of its lines."""
    out, inside = [], False
    for line in ttl.splitlines():
        if line.startswith(f"# DRAFT {number}:"):
            inside = True
            out.append(line)
            continue
        if inside and not line.startswith("# "):
            inside = False
        out.append(line[2:] if inside else line)
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The packaged data plus every fixture ingested as is, one accepted draft and a duplicate; built once (the
    commands run in this process, :func:`invoke`: same parsing, messages and exit codes as the console script)."""
    root = tmp_path_factory.mktemp("ingest")
    data = root / "data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    runs = {}
    for name in EXPECTED_MENTIONS:
        runs[name] = invoke("ingest", FIXTURES / f"{name}.txt", "--data", data, "--id", f"t-{name}", cwd=root)
    runs["accepted"] = invoke("ingest", FIXTURES / "variants-ar.txt", "--data", data, "--id", "t-accepted",
                             "--published", "2024-05-01", "--publisher", "Test desk", "--url",
                             "https://example.org/a?id=1", cwd=root)
    accepted = data / "articles" / "t-accepted" / "article.ttl"
    accepted.write_text(_accept_draft(accepted.read_text("utf-8"), 1), encoding="utf-8")
    (data / "reference" / "duplicate.ttl").write_text(
        "@prefix kg: <https://w3id.org/ict-coop-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/ict-coop-kg/id/person/ahmad-hanandeh> a kg:Person ;\n"
        "    rdfs:label \"احمد الهناندة\"@ar , \"Ahmad Hanandeh\"@en .\n", encoding="utf-8")
    build = invoke("build", "--data", data, "--out", root / "build", cwd=root)
    return {"root": root, "data": data, "runs": runs, "build": build, "out": root / "build"}


def _mentions(ttl_file: Path) -> set[tuple[str, str]]:
    g = Graph().parse(ttl_file, format="turtle")
    out = set()
    for entity, mention in g.subject_objects(KGNS.denotedBy):
        exact = {str(e) for sel in g.objects(mention, OA.hasSelector) for e in g.objects(sel, OA.exact)}
        out |= {(e, str(entity)) for e in exact}
    return out


def test_every_ingest_succeeds(ingested: dict):
    for name, done in ingested["runs"].items():
        assert done.returncode == 0, (name, done.stderr.decode())


def test_the_drafts_build_and_conform(ingested: dict):
    build = ingested["build"]
    assert build.returncode == 0, build.stderr.decode()
    manifest = json.loads((ingested["out"] / "manifest.json").read_text("utf-8"))
    assert manifest["conforms"] is True
    assert {f"t-{n}" for n in EXPECTED_MENTIONS} | {"t-accepted"} <= set(manifest["articles"])


@pytest.mark.parametrize("name", list(EXPECTED_MENTIONS))
def test_mentions_link_known_entities_across_spellings(ingested: dict, name: str):
    assert _mentions(ingested["data"] / "articles" / f"t-{name}" / "article.ttl") == EXPECTED_MENTIONS[name]


@pytest.mark.parametrize("name", ["new-minister-ar", "english"])
def test_no_new_person_is_merged_with_a_known_one(ingested: dict, name: str):
    for text, _entity in _mentions(ingested["data"] / "articles" / f"t-{name}" / "article.ttl"):
        assert not any(n in text for n in NEW_PEOPLE), text


def test_article_text_is_nfc_and_lf(tmp_path: Path, ingested: dict):
    source = tmp_path / "crlf.txt"
    source.write_bytes(unicodedata.normalize("NFD", "Amr Talaat visited Jordan.\r\nSecond line é.\r").encode())
    done = run_kg("ingest", source, "--data", ingested["data"], "--id", "t-crlf", cwd=tmp_path)
    try:
        assert done.returncode == 0, done.stderr.decode()
        text = (ingested["data"] / "articles" / "t-crlf" / "article.txt").read_text("utf-8")
        assert text == unicodedata.normalize("NFC", "Amr Talaat visited Jordan.\nSecond line é.\n")
    finally:
        shutil.rmtree(ingested["data"] / "articles" / "t-crlf", ignore_errors=True)


def test_selectors_re_extract_their_words(ingested: dict):
    folder = ingested["data"] / "articles" / "t-english"
    text = canonical_text((folder / "article.txt").read_bytes())
    g = Graph().parse(folder / "article.ttl", format="turtle")
    mentions = list(g.subjects(RDF.type, KGNS.Mention))
    assert len(mentions) == 10
    for m in mentions:
        sels = list(g.objects(m, OA.hasSelector))
        exact = next(str(o) for s in sels for o in g.objects(s, OA.exact))
        start = next(int(o) for s in sels for o in g.objects(s, OA.start))
        end = next(int(o) for s in sels for o in g.objects(s, OA.end))
        assert text[start:end] == exact
        assert str(m).endswith(f"/mention/{start}-{end}")


def test_metadata_given_and_not_stated(ingested: dict):
    schema = Namespace("https://schema.org/")
    art = URIRef(ID + "article/t-accepted")
    g = Graph().parse(ingested["data"] / "articles" / "t-accepted" / "article.ttl", format="turtle")
    assert g.value(art, schema.datePublished).toPython().isoformat() == "2024-05-01"
    assert str(g.value(art, KGNS.publisherName)) == "Test desk"
    assert str(g.value(art, schema.url)) == "https://example.org/a?id=1"
    assert g.value(art, schema.inLanguage) == Literal("ar")
    bare = Graph().parse(ingested["data"] / "articles" / "t-english" / "article.ttl", format="turtle")
    bare_art = URIRef(ID + "article/t-english")
    assert set(bare.objects(bare_art, KGNS.notStated)) == {schema.datePublished, schema.url, KGNS.publisherName}
    assert bare.value(bare_art, schema.inLanguage) == Literal("en")


# --- candidates, dates, draft events --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def index():
    return data_index(Path(str(resources.data_dir())))


def _analyse(name: str, index):
    return analyse(canonical_text((FIXTURES / f"{name}.txt").read_bytes()), index)


def _presentation_forms(text: str) -> str:
    """``text`` with every Arabic letter in its isolated presentation form (U+FE70–U+FEFF), as text copied out
    of a PDF often is: the forms are found from Unicode's own decompositions."""
    import unicodedata

    forms: dict[str, str] = {}
    for cp in range(0xFE70, 0xFEFF):
        name = unicodedata.name(chr(cp), "")
        base = unicodedata.normalize("NFKC", chr(cp))
        if "ISOLATED FORM" in name and len(base) == 1:
            forms.setdefault(base, chr(cp))
    return "".join(forms.get(ch, ch) for ch in text)


def test_text_in_presentation_forms_links_the_same_entities(index):
    """Presentation forms are compatibility characters: the keys fold them (NFKC) as the letters they stand for
    (0 of the 6 mentions were linked), while the text and its offsets stay as written."""
    text = canonical_text((FIXTURES / "variants-ar.txt").read_bytes())
    shaped = _presentation_forms(text)
    assert shaped != text and len(shaped) == len(text)
    plain = analyse(text, index)[0]
    mentions = analyse(shaped, index)[0]
    assert plain and [(m.start, m.end, m.iri) for m in mentions] == [(m.start, m.end, m.iri) for m in plain]
    assert all(m.text == shaped[m.start:m.end] for m in mentions)


def test_new_minister_in_a_known_post_is_a_candidate(index):
    _mentions, candidates, _dates, _drafts = _analyse("new-minister-ar", index)
    people = [c for c in candidates if c.kind == "person"]
    assert {c.text for c in people} == {"سامي سميرات", "جعفر حسان"}
    for c in people:
        assert not any(s.same for s in c.suggestions)
    assert {c.text for c in candidates if c.kind == "organization"} == {"جامعة الدول العربية"}


def test_new_country_is_a_place_candidate(index):
    _m, candidates, _d, _e = _analyse("new-country-ar", index)
    # Brunei: the packaged reference data knows the Arab League's countries (issue 8), not this one
    brunei = [c for c in candidates if c.text == "سلطنة بروناي"]
    assert len(brunei) == 2 and {c.kind for c in brunei} == {"place"}
    assert {(c.start, c.end) for c in brunei} == {(0, 12), (89, 101)}  # the clitic of «وسلطنة» is not in the span


def test_english_unknown_names_are_candidates(index):
    _m, candidates, dates, _e = _analyse("english", index)
    assert {"Bisher Al-Khasawneh", "Ahmed Aboul Gheit", "Arab League"} <= {c.text for c in candidates}
    assert [(d.text, d.value, d.precision) for d in dates] == [
        ("October 2020", "2020-10", "month"), ("September 2024", "2024-09", "month")]


def test_ambiguous_and_unknown_are_listed_in_the_draft(ingested: dict):
    ttl = (ingested["data"] / "articles" / "t-new-minister-ar" / "article.ttl").read_text("utf-8")
    assert "# CANDIDATE person «سامي سميرات» at 12-23" in ttl
    assert "# DATE «أيلول 2024» at" in ttl and '"2024-09"^^xsd:gYearMonth' in ttl


@pytest.mark.parametrize(("text", "value"), [
    ("في ١٥ يناير ٢٠٢٤", "2024-01-15"),
    ("يوم 3 تشرين الأول 2023م", "2023-10-03"),
    ("الخميس ٧ كانون الثاني ۲۰۲۱", "2021-01-07"),
    ("في 30 يونية 2019", "2019-06-30"),
    ("8 آذار من عام 2022", "2022-03-08"),
    ("on 15 January 2024", "2024-01-15"),
    ("on March 3, 2023", "2023-03-03"),
    ("on Sept. 9th, 2020", "2020-09-09"),
    ("2023-12-01", "2023-12-01"),
])
def test_dates(text: str, value: str):
    assert [d.value for d in find_dates(text)] == [value]
    assert find_dates(text)[0].datatype == "xsd:date"


def test_impossible_dates_are_not_candidates():
    assert find_dates("31 فبراير 2024 and 2024-02-30") == []


def test_a_name_two_entities_share_is_a_candidate_not_a_link():
    from rdflib import RDFS

    from kg.ingest.index import build_index

    g = Graph()
    g.parse(data=str(resources.ontology_file().read_text(encoding="utf-8")), format="turtle")
    for local in ("sami-1", "sami-2"):
        person = URIRef(ID + "person/" + local)
        g.add((person, RDF.type, KGNS.Person))
        g.add((person, RDFS.label, Literal("سامي سميرات", lang="ar")))
    mentions, candidates, _d, _e = analyse("التقى المهندس سامي سميرات بوفد من مصر.", build_index(g))
    assert [m.text for m in mentions] == []
    assert [(c.kind, c.text) for c in candidates] == [("ambiguous", "سامي سميرات")]
    assert {s.iri for s in candidates[0].suggestions} == {ID + "person/sami-1", ID + "person/sami-2"}


def test_draft_events_need_two_linked_actors_and_a_trigger(index):
    _m, _c, _d, drafts = _analyse("variants-ar", index)
    first = drafts[0]
    assert (first.kind.name, first.kind.cameo, first.trigger) == ("meet", "040", "التقى")
    assert {m.iri for m in first.actors} == {HANANDEH, TALAAT, JO}
    _m, _c, _d, none = _analyse("new-country-ar", index)  # one linked actor only
    assert none == []


def test_drafts_are_not_facts_until_accepted(loaded: KnowledgeGraph):
    kg = loaded
    events = {str(r["engagement"]) for r in kg.query("who-met-whom").rows}
    assert ID + "event/draft-t-accepted-1" in events
    assert not [e for e in events if "draft-t-variants-ar" in e or "draft-t-english" in e]
    attendees = {str(r["attendee"]) for r in kg.query("who-met-whom").rows
                 if str(r["engagement"]) == ID + "event/draft-t-accepted-1"}
    assert attendees == {HANANDEH, TALAAT}


# --- the mentions query, in memory and on Oxigraph --------------------------------------------------------------

@pytest.fixture(scope="module")
def loaded(ingested: dict) -> KnowledgeGraph:
    return KnowledgeGraph.load(ingested["out"])


def test_mentions_query(loaded: KnowledgeGraph):
    kg = loaded
    rows = kg.query("mentions", article="t-english").rows
    assert [(str(r["text"]), str(r["entity"]), int(r["start"]), int(r["end"])) for r in rows][:3] == [
        ("Jordan", JO, 0, 6), ("Minister of Digital Economy and Entrepreneurship", ID + "post/jo-modee-minister", 9, 57),
        ("Ahmad Hanandeh", HANANDEH, 58, 72)]
    assert {(str(r["text"]), str(r["entity"])) for r in rows} == EXPECTED_MENTIONS["english"]
    assert str(rows[2]["entity_en"]) == "Ahmed Al-Hanandeh" and str(rows[2]["entity_ar"]) == "أحمد الهنانده"
    assert kg.query("mentions", article="no-such-article").rows == []


def test_mentions_query_identical_on_oxigraph(ingested: dict, loaded: KnowledgeGraph):
    oxrdflib = pytest.importorskip("oxrdflib")
    pyoxigraph = pytest.importorskip("pyoxigraph")
    from rdflib import Dataset

    store = pyoxigraph.Store()  # the build's dataset.trig, loaded by Oxigraph itself; queries run in its engine
    store.bulk_load(path=str(ingested["out"] / "dataset.trig"), format=pyoxigraph.RdfFormat.TRIG)
    oxigraph = KnowledgeGraph(Dataset(store=oxrdflib.OxigraphStore(store=store)), store="Oxigraph")
    for article in ("t-english", "t-variants-ar"):
        rows = oxigraph.query("mentions", article=article).rows
        assert rows and rows == loaded.query("mentions", article=article).rows


# --- near-duplicates --------------------------------------------------------------------------------------------

def test_build_warns_about_near_duplicate_people(ingested: dict):
    err = ingested["build"].stderr.decode()
    assert "kg: warning: possible duplicate persons" in err
    assert "person/ahmad-hanandeh" in err and "person/ahmed-al-hanandeh" in err
    warnings = json.loads((ingested["out"] / "manifest.json").read_text("utf-8"))["warnings"]
    pair = [w for w in warnings if {w["first"], w["second"]} == {HANANDEH, ID + "person/ahmad-hanandeh"}]
    assert len(pair) == 1 and pair[0]["first_sources"] == ["reference"] == pair[0]["second_sources"]
    assert not [w for w in warnings if TALAAT in (w["first"], w["second"])]


def test_packaged_data_has_no_duplicate_warnings(built: KnowledgeGraph):
    assert built.duplicates == []


# --- refusals ---------------------------------------------------------------------------------------------------

def test_existing_article_is_never_overwritten(ingested: dict, tmp_path: Path):
    folder = ingested["data"] / "articles" / "t-english"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    done = run_kg("ingest", FIXTURES / "variants-ar.txt", "--data", ingested["data"], "--id", "t-english",
                  cwd=tmp_path)
    assert done.returncode == 2
    assert "already exists" in done.stderr.decode()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_an_ingest_removes_what_killed_ingests_left(ingested: dict, tmp_path: Path):
    """``kill -9`` during an ingest leaves its hidden staging folder; the next ingest, of any id, removes it
    (only that id's next ingest did); a live process's is left alone."""
    import subprocess
    import sys

    data = tmp_path / "data"
    shutil.copytree(ingested["data"], data)
    articles = data / "articles"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = articles / f".t-killed.{dead.pid}.x1y2z3.tmp"
    killed.mkdir()
    (killed / "article.txt").write_bytes(b"half an article")
    live = articles / f".t-live.{os.getpid()}.x1y2z3.tmp"
    live.mkdir()
    done = run_kg("ingest", FIXTURES / "english.txt", "--data", data, "--id", "t-other", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert not killed.exists() and live.is_dir()
    assert (articles / "t-other" / "article.ttl").is_file()


def test_an_article_folder_made_while_an_ingest_writes_is_not_replaced(ingested: dict, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch):
    """Two ingests of one id at once: the second to finish must not swap its folder for the first's (the swap
    exchanged the folders when the target had appeared after the check)."""
    from kg.errors import InputError
    from kg.ingest.ingest import ingest

    data = tmp_path / "data"
    shutil.copytree(ingested["data"], data)
    target = data / "articles" / "t-race"
    real = Path.write_bytes

    def the_other_ingest_finishes_first(self: Path, content: bytes) -> int:
        if self.name == "article.ttl" and not target.exists():
            target.mkdir()
            real(target / "article.txt", b"the other ingest's article")
        return real(self, content)

    monkeypatch.setattr(Path, "write_bytes", the_other_ingest_finishes_first)
    with pytest.raises(InputError, match="already exists"):
        ingest(FIXTURES / "english.txt", data, "t-race")
    assert [p.name for p in target.iterdir()] == ["article.txt"]
    assert (target / "article.txt").read_bytes() == b"the other ingest's article"
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no staging folder left


@pytest.mark.parametrize(("args", "message"), [
    (["--id", "bad id"], "--id"),
    (["--id", "ok", "--published", "15/01/2024"], "--published"),
    (["--id", "ok", "--url", "not a url"], "--url"),
    (["--id", "ok", "--lang", "fr"], "fr"),
    (["--id", "ok", "--publisher", os.fsdecode(b"Al-Ahram \xe3\xf5")], "--publisher: not UTF-8 text (the byte 0xE3"),
    (["--id", "ok", "--url", os.fsdecode(b"http://x.example/\xe3")], "--url: not UTF-8 text (the byte 0xE3"),
    (["--id", "o" * 300], "--id: 300 characters; an article id may have at most 120"),
])
def test_bad_options(ingested: dict, tmp_path: Path, args: list[str], message: str):
    done = run_kg("ingest", FIXTURES / "english.txt", "--data", ingested["data"], *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr.decode() and "Traceback" not in done.stderr.decode()
    assert not (ingested["data"] / "articles" / "ok").exists()


def test_bad_files(tmp_path: Path, ingested: dict):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9".encode("latin-1"))
    for source, message in ((tmp_path / "missing.txt", "no such file"), (latin1, "not UTF-8")):
        done = run_kg("ingest", source, "--data", ingested["data"], "--id", "t-bad", cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr.decode()
    done = run_kg("ingest", FIXTURES / "english.txt", "--data", tmp_path / "nowhere", "--id", "x", cwd=tmp_path)
    assert done.returncode == 2 and "no such folder" in done.stderr.decode()
    assert not (ingested["data"] / "articles" / "t-bad").exists()


def test_paths_that_cannot_be_used_are_named_not_a_traceback(tmp_path: Path, ingested: dict):
    (tmp_path / "loop").symlink_to("loop")
    for source, message in ((FIXTURES / "english.txt" / "x", "cannot be read: not a directory"),
                            (tmp_path / "loop", "cannot be read: too many levels of symbolic links"),
                            (tmp_path / ("n" * 300), "cannot be read: file name too long")):
        done = run_kg("ingest", source, "--data", ingested["data"], "--id", "t-path", cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr.decode(), done.stderr.decode()
        assert "Traceback" not in done.stderr.decode()
    done = run_kg("ingest", FIXTURES / "english.txt", "--data", tmp_path / ("d" * 300), "--id", "t-path",
                  cwd=tmp_path)
    assert done.returncode == 2 and "file name too long" in done.stderr.decode(), done.stderr.decode()
    looked = run_kg("lookup", "Amr", "--build", tmp_path / ("b" * 300), cwd=tmp_path)
    assert looked.returncode == 2 and "file name too long" in looked.stderr.decode(), looked.stderr.decode()
    assert not (ingested["data"] / "articles" / "t-path").exists()


def test_a_file_name_that_is_not_utf8_is_recorded_with_replacement_characters(tmp_path: Path, ingested: dict):
    data = tmp_path / "data"
    shutil.copytree(ingested["data"], data)
    source = tmp_path / os.fsdecode(b"bad\xffname.txt")  # a name from a zip made on Windows
    shutil.copyfile(FIXTURES / "english.txt", source)
    done = run_kg("ingest", source, "--data", data, "--id", "t-badname", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    turtle = (data / "articles" / "t-badname" / "article.ttl").read_text("utf-8")
    assert 'kg:sourceFile "bad\ufffdname.txt"' in turtle


def test_articles_whose_ids_hold_dots_draft_events_of_their_own(tmp_path: Path, ingested: dict):
    """An id with a dot cannot be a prefixed name's part here, so drafts get a full IRI: it held only the draft's
    number, and two articles' drafts were then one node (a build of both failed)."""
    data = tmp_path / "data"
    shutil.copytree(ingested["data"], data)
    nodes = []
    for article in ("2024.01.a", "2024.02.b"):
        assert run_kg("ingest", FIXTURES / "english.txt", "--data", data, "--id", article, cwd=tmp_path).returncode == 0
        turtle = (data / "articles" / article / "article.ttl").read_text("utf-8")
        nodes.append(set(re.findall(r"<https://w3id.org/ict-coop-kg/id/(?:event|outcome)/draft-[^>]+>", turtle)))
    assert nodes[0] and nodes[1] and not nodes[0] & nodes[1]
    assert all("2024.01.a" in node for node in nodes[0])


def test_a_text_too_long_to_build_is_refused_before_any_draft(tmp_path: Path, ingested: dict):
    from kg.terms import TERM_MAX_BYTES

    long = tmp_path / "long.txt"
    long.write_bytes((FIXTURES / "english.txt").read_bytes() + b"\n" + b"x" * TERM_MAX_BYTES)
    done = run_kg("ingest", long, "--data", ingested["data"], "--id", "t-long", cwd=tmp_path)
    err = done.stderr.decode()
    # the limit and a fixture of a few KiB, which do not change the size's first decimal
    assert done.returncode == 2 and f"long.txt: the text takes {TERM_MAX_BYTES / 2**20:.1f} MiB" in err, err
    assert f"more than the {TERM_MAX_BYTES // 2**20} MiB an article's text may take" in err, err
    assert "Traceback" not in err
    assert not (ingested["data"] / "articles" / "t-long").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_unwritable_data_folder_leaves_nothing(tmp_path: Path):
    data = tmp_path / "data"
    (data / "articles").mkdir(parents=True)
    (data / "articles").chmod(0o555)
    try:
        done = run_kg("ingest", FIXTURES / "english.txt", "--data", data, "--id", "x", cwd=tmp_path)
        assert done.returncode == 4
        assert list((data / "articles").iterdir()) == []
    finally:
        (data / "articles").chmod(0o755)


# --- properties ----------------------------------------------------------------------------------------------

FRAGMENTS = ["أحمد الهنانده", "احمد الهناندة", "وأحمد الهنانده", "الدكتور عمرو طلعت", "د. عمرو طلعت", "مصر", "والأردن",
             "بالأردن", "الشركة المصرية للاتصالات", "وزير الاتصالات وتكنولوجيا المعلومات", "سامي سميرات",
             "المهندس سامي سميرات", "التقى", "مع", "في", "،", ".", "\n", "Ahmad Hanandeh", "Dr. Amr Talaat", "Jordan's",
             "met", "Telecom Egypt", "Bisher Al-Khasawneh", "في ١٥ يناير ٢٠٢٤", "on 3 March 2023", "أَحْمَد"]


def test_spans_are_exact_and_disjoint_for_any_text(index):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12))
    def check(parts: list[str]) -> None:
        text = " ".join(parts)
        mentions, candidates, dates, _drafts = analyse(text, index)
        spans = sorted([(m.start, m.end) for m in mentions] + [(c.start, c.end) for c in candidates])
        for a, b in pairwise(spans):
            assert a[1] <= b[0], (text, spans)
        for item in [*mentions, *candidates, *dates]:
            assert text[item.start:item.end] == item.text
        for m in mentions:
            assert "سميرات" not in m.text and "Khasawneh" not in m.text

    check()
