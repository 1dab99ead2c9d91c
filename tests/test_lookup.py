"""``kg lookup``: name keys across spellings, scores that mean something, the index a build writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.ingest.index import INDEX_FILE, LookupIndex, load_index
from kg.ingest.normalise import SAME_THRESHOLD, fold_arabic, key, key_tokens, name_score

from .conftest import run_kg

ID = "https://w3id.org/ict-coop-kg/id/"
HANANDEH = ID + "person/ahmed-al-hanandeh"
TALAAT = ID + "person/amr-talaat"


@pytest.fixture(scope="module")
def index(built: KnowledgeGraph) -> LookupIndex:
    return built.lookup_index


def test_the_index_asked_of_the_store_is_the_index_read_from_rdflib(built: KnowledgeGraph, index: LookupIndex):
    """A build indexes its store of asserted triples by SPARQL (index_store); the rdflib path reads a graph: the
    same entities, types, labels and names in the same order."""
    from kg.ingest.index import build_index

    assert index.to_json() == build_index(built.asserted).to_json()
    people = {e.iri: e for e in index.entities if e.type == "person"}
    assert people[TALAAT].labels == {"ar": "عمرو طلعت", "en": "Amr Talaat"}


# --- normalisation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("variant", "label"), [
    ("احمد الهناندة", "أحمد الهنانده"),          # no hamza, ta marbuta for ha
    ("إحمد الهنانده", "أحمد الهنانده"),          # hamza below
    ("أَحْمَد الهَنانده", "أحمد الهنانده"),        # diacritics
    ("أحمـــد الهنانده", "أحمد الهنانده"),         # tatweel
    ("الدكتور عمرو طلعت", "عمرو طلعت"),           # honorific
    ("د. عمرو طلعت", "عمرو طلعت"),
    ("المهندس عمرو طلعت", "عمرو طلعت"),
    ("م. عمرو طلعت", "عمرو طلعت"),
    ("والأردن", "الأردن"),                         # clitic و + article
    ("بالأردن", "الأردن"),
    ("للاتصالات", "الاتصالات"),                    # ل + article with its alef elided
    ("وزارة الاقتصاد الرقمي", "وزارة الاقتصاد الرقمى"),  # alef maqsura / ya
    ("٢٠٢٤ ۲۰۲۴", "2024 2024"),                    # Arabic-Indic and Persian digits
    ("Dr. Amr Tal'at", "Amr Talaat"),              # title, apostrophe, doubled vowel
    ("AHMED AL-HANANDEH", "Ahmed Al-Hanandeh"),    # case, article
    ("Ahmed El Hanandeh", "Ahmed Al-Hanandeh"),
    ("Ahmed Hanandah", "Ahmed Al-Hanandeh"),       # final -ah / -eh
])
def test_spelling_variants_have_the_same_key(variant: str, label: str):
    assert key(variant) == key(label)


def test_alef_maqsura_is_not_folded_into_alef():
    # pyarabic's normalize_alef would turn ى into ا; موسى must stay apart from موسا
    assert fold_arabic("موسى") == "موسي"
    assert key("عمرو موسى") != key("عمرو موسا")


def test_a_plain_word_starting_with_a_clitic_letter_is_kept():
    # وزير is not و + زير, بريد is not ب + ريد
    assert key_tokens("وزير البريد") == ("وزير", "بريد")


@pytest.mark.parametrize(("a", "b"), [
    ("Ahmad Hanandeh", "Ahmed Al-Hanandeh"),
    ("Mohammed", "Muhammad"),
    ("احمد الهناندة", "أحمد الهنانده"),
    ("Khaled Ali", "Khalid Ali"),
    ("Samy Haddad", "Sami Haddad"),
])
def test_transliteration_variants_score_as_same(a: str, b: str):
    score, complete = name_score(key_tokens(a), key_tokens(b))
    assert complete and score >= SAME_THRESHOLD


@pytest.mark.parametrize(("new", "known"), [
    ("أحمد أبو الغيط", "أحمد الهنانده"),          # shares the first name
    ("Ahmed Aboul Gheit", "Ahmed Al-Hanandeh"),
    ("Bisher Al-Khasawneh", "Ahmed Al-Hanandeh"),  # shares the family prefix and the ending
    ("بشر الخصاونة", "أحمد الهناندة"),
    ("عمرو موسى", "عمرو طلعت"),
    ("Ahmed Hanandeh Khalil", "Ahmed Al-Hanandeh"),  # one token more
    ("Hanandeh", "Ahmed Al-Hanandeh"),             # the family name alone
    ("عمر الخطيب", "عمرو الخطيب"),                 # Omar is not Amr: short names differ by one letter
    ("Amir Talaat", "Amr Talaat"),
    ("Sama Khalil", "Sami Khalil"),
    ("Cairo Telecom 22", "Cairo Telecom 2"),          # numbers are not transliterated
])
def test_a_different_person_never_scores_as_same(new: str, known: str):
    score, complete = name_score(key_tokens(new), key_tokens(known))
    assert not (complete and score >= SAME_THRESHOLD)
    assert score < SAME_THRESHOLD


# --- lookups on the packaged graph ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "iri"), [
    ("احمد الهناندة", HANANDEH),
    ("Ahmad Hanandeh", HANANDEH),
    ("أحمد الهنانده", HANANDEH),
    ("الدكتور عمرو طلعت", TALAAT),
    ("amr talaat", TALAAT),
    ("المملكة الاردنية الهاشمية", ID + "country/JO"),
    ("Telecom Egypt", ID + "organization/telecom-egypt"),
    ("وزارة الاقتصاد الرقمي والريادة", ID + "organization/jo-modee"),
    ("person/amr-talaat", TALAAT),
])
def test_known_entities_come_first_as_same(index: LookupIndex, text: str, iri: str):
    found = index.lookup(text)
    assert found[0].iri == iri
    assert found[0].match == "same" and found[0].score >= SAME_THRESHOLD
    assert [c for c in found if c.same] == found[:1]


def test_a_surname_alone_is_found_but_not_as_same(index: LookupIndex):
    found = index.lookup("Hanandeh", type="person")
    assert [c.iri for c in found] == [HANANDEH]
    assert found[0].match != "same"


@pytest.mark.parametrize("text", ["سامي سميرات", "Sami Smeirat", "Bisher Al-Khasawneh", "أحمد أبو الغيط",
                                  "Ahmed Aboul Gheit", "عمرو موسى"])
def test_new_people_are_not_known_ones(index: LookupIndex, text: str):
    assert not [c for c in index.lookup(text) if c.same]


@pytest.mark.parametrize(("text", "iri"), [
    ("ﺃﺣﻤﺪ ﺍﻟﻬﻨﺎﻧﺪﺓ", HANANDEH),  # presentation forms, as text copied out of a PDF
    ("ﻋﻤﺮﻭ ﻃﻠﻌﺖ", ID + "person/amr-talaat"),
    ("Ａｈｍｅｄ Ａｌ-Ｈａｎａｎｄｅｈ", HANANDEH),  # full-width Latin
])
def test_compatibility_forms_are_the_letters_they_stand_for(index: LookupIndex, text: str, iri: str):
    found = index.lookup(text)
    assert found and found[0].iri == iri and found[0].same


@pytest.mark.parametrize("mark", ["™", "℠", "®"])
def test_trade_marks_are_not_letters(index: LookupIndex, mark: str):
    """NFKC makes ™ the letters TM: "Jordan Post™" scored 0.875 ("maybe") against Jordan Post."""
    plain = index.lookup("Jordan Post", type="organization")
    marked = index.lookup(f"Jordan Post{mark}", type="organization")
    assert plain and marked[0].iri == plain[0].iri and marked[0].score == plain[0].score and marked[0].same


def test_type_and_limit(index: LookupIndex):
    assert {c.type for c in index.lookup("الأردن", type="organization")} == {"organization"}
    assert index.lookup("الأردن", type="organization")[0].iri == ID + "organization/jordan-post"
    assert len(index.lookup("Egypt", limit=2)) == 2
    ranked = index.lookup("Egypt")
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_index_round_trips_through_json(index: LookupIndex):
    again = LookupIndex.from_json(index.to_json())
    for text in ("Ahmad Hanandeh", "مصر", "وزير الاتصالات"):
        assert again.lookup(text) == index.lookup(text)


# --- the build writes the index; the command reads it ------------------------------------------------------------

@pytest.fixture(scope="module")
def build_dir(built: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lookup") / "build"
    built.write(out)
    return out


def test_build_writes_the_index(build_dir: Path):
    assert (build_dir / INDEX_FILE).is_file()
    assert INDEX_FILE in json.loads((build_dir / "manifest.json").read_text("utf-8"))["files"]
    assert load_index(build_dir).lookup("احمد الهناندة")[0].iri == HANANDEH


def test_cli_lookup_json(build_dir: Path, tmp_path: Path):
    done = run_kg("lookup", "احمد الهناندة", "--format", "json", "--build", build_dir, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    rows = json.loads(done.stdout)
    assert isinstance(rows, list) and rows[0]["iri"] == HANANDEH
    assert rows[0]["type"] == "person" and rows[0]["labels"] == {"ar": "أحمد الهنانده", "en": "Ahmed Al-Hanandeh"}
    assert 0 <= rows[-1]["score"] <= rows[0]["score"] <= 1


def test_cli_lookup_table_and_type(build_dir: Path, tmp_path: Path):
    done = run_kg("lookup", "Ahmad Hanandeh", "--type", "person", "--build", build_dir, cwd=tmp_path,
                  env={"COLUMNS": "250"})
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "person/ahmed-al-hanandeh" in out and "same" in out and "amr-talaat" not in out


@pytest.mark.parametrize("text", ["[/]", "[/bold]", "[link=http://example.org/evil]Amr[/link]", "MCIT [mcit]"])
def test_cli_tables_show_brackets_as_they_are(build_dir: Path, tmp_path: Path, text: str):
    """Rich read "[…]" in a query or a label as markup: "[/]" raised MarkupError (a traceback, exit 1), "[mcit]"
    vanished and "[link=…]" made a link. The same tables show query answers and labels from the data."""
    done = run_kg("lookup", text, "--build", build_dir, cwd=tmp_path, env={"COLUMNS": "250"})
    assert done.returncode == 0, done.stderr.decode()
    assert f"Lookup: {text}" in done.stdout.decode()
    (tmp_path / "q.rq").write_text(f"SELECT ?label WHERE {{ BIND({json.dumps(text)} AS ?label) }}", encoding="utf-8")
    answered = run_kg("query", "--file", tmp_path / "q.rq", "--build", build_dir, cwd=tmp_path,
                      env={"COLUMNS": "250"})
    assert answered.returncode == 0, answered.stderr.decode()
    assert text in answered.stdout.decode()


@pytest.mark.parametrize(("args", "message"), [
    (["x", "--type", "planet"], "planet"),
    (["x", "--limit", "0"], "--limit"),
    (["x", "--format", "xml"], "--format"),
    ([""], "TEXT is empty"),
    (["   "], "TEXT is empty"),
])
def test_cli_lookup_bad_options(build_dir: Path, tmp_path: Path, args: list[str], message: str):
    done = run_kg("lookup", *args, "--build", build_dir, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr.decode() and "Traceback" not in done.stderr.decode()


def test_cli_lookup_without_a_build(tmp_path: Path):
    done = run_kg("lookup", "x", "--build", tmp_path / "nothing", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr.decode()


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: "[" * 100_000, "nested too deeply"),
    (lambda d: {**d, "tokens": {**d["tokens"], "amr": [5000, 5]}}, "the names of the token 'amr'"),
    (lambda d: {**d, "tokens": {**d["tokens"], "amr": "zz"}}, "the names of the token 'amr'"),
    (lambda d: {**d, "keys": {**d["keys"], "amr": [-1]}}, "the entities of the key 'amr'"),
    (lambda d: {**d, "entities": [{**d["entities"][0], "type": "planet"}, *d["entities"][1:]]}, "type 'planet'"),
    (lambda d: {**d, "entities": [{**d["entities"][0], "labels": ["x"]}, *d["entities"][1:]]}, "the labels of"),
])
def test_a_damaged_index_is_refused_when_read(build_dir: Path, tmp_path: Path, change, message: str):
    """Each of these was read as an index and failed later: a RecursionError, an IndexError or TypeError in a
    lookup, a KeyError (a 500) in the reconciliation service's preview."""
    from kg.errors import InputError

    data = json.loads((build_dir / INDEX_FILE).read_text("utf-8"))
    changed = change(data)
    (tmp_path / INDEX_FILE).write_text(changed if isinstance(changed, str) else json.dumps(changed),
                                       encoding="utf-8")
    with pytest.raises(InputError, match="not a lookup index") as info:
        load_index(tmp_path)
    assert message in str(info.value)


def test_corrupt_index_is_a_clear_error(tmp_path: Path):
    from kg.errors import InputError

    (tmp_path / INDEX_FILE).write_text("{\"version\": 99}", encoding="utf-8")
    with pytest.raises(InputError, match="not a lookup index"):
        load_index(tmp_path)
