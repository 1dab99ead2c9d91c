"""Bad input of every kind ends in a clear message naming file / line / value and a documented exit code.

Each case runs the ``kg`` command line in-process (:func:`tests.conftest.invoke`: the same parsing and error
handling as the console script, whose end-to-end runs are in test_cli.py and test_hardening.py) and checks: the
exit code, the message, and that no Python traceback reaches the user (an uncaught exception fails the test).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from rdflib import Graph

from .conftest import ARTICLE_ID, invoke, tree_snapshot


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, build_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    shutil.copytree(build_dir, folder / "build")
    return folder


@pytest.fixture(scope="module")
def asserted(work: Path) -> str:
    return (work / "build" / "asserted.ttl").read_text(encoding="utf-8")


def no_traceback(result) -> str:
    err = result.stderr.decode("utf-8")
    assert "Traceback" not in err and "Traceback" not in result.stdout.decode("utf-8", "replace"), err
    return err


# --- RDF files -------------------------------------------------------------------------

RDF_CASES = {
    "empty.ttl": (b"", r"empty.ttl: the file is empty"),
    "garbage.ttl": (os.urandom(64) + b"\xff\xfe", r"garbage.ttl:\d+:\d+: not UTF-8"),
    "syntax.ttl": (b"@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b ex:c ex:d .\n", r"syntax.ttl:3:\d+: turtle syntax error"),
    "prefix.ttl": (b"@prefix ex: <http://e/> .\nex:a foo:b ex:c .\n", r'prefix.ttl:2:6: .*Prefix "foo:" not bound'),
    "jsonld-as.ttl": (b'[{"@id": "http://e/a", "http://e/b": [{"@value": "x"}]}]', r"jsonld-as.ttl:1:\d+: turtle syntax error"),
    "turtle-as.jsonld": (b"@prefix ex: <http://e/> .\nex:a ex:b ex:c .\n", r"turtle-as.jsonld:1:1: JSON-LD error"),
    "baddate.ttl": (b'@prefix ex: <http://e/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\nex:a ex:d "abc"^^xsd:date .\n',
                    r"baddate.ttl:4: the literal 'abc' is not a valid xsd:date value"),
    "space-iri.ttl": (b"@prefix ex: <http://e/> .\nex:a ex:b <http://e/a b> .\n", r"space-iri.ttl:2: the IRI <http://e/a b>"),
    "cp1256.ttl": ('@prefix ex: <http://e/> .\nex:a ex:b "مصر" .\n'.encode("cp1256"), r"cp1256.ttl:2:\d+: not UTF-8"),
    "broken.rdf": (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description>", r"broken.rdf:1:\d+: RDF/XML error"),
}


@pytest.mark.parametrize("name", sorted(RDF_CASES))
def test_unusable_rdf_file(tmp_path: Path, name: str):
    content, pattern = RDF_CASES[name]
    (tmp_path / name).write_bytes(content)
    result = invoke("validate", name, cwd=tmp_path)
    err = no_traceback(result)
    assert result.returncode == 2, err
    assert re.search(pattern, err), err


def test_truncated_turtle_names_the_line(asserted: str, tmp_path: Path):
    cut = asserted[: len(asserted) // 2]
    cut = cut[: cut.rfind(" ;") + 1] + " kg:about"  # stop in the middle of a statement
    (tmp_path / "cut.ttl").write_text(cut, encoding="utf-8")
    result = invoke("validate", "cut.ttl", cwd=tmp_path)
    err = no_traceback(result)
    assert result.returncode == 2 and re.search(r"cut\.ttl:\d+:\d+: turtle syntax error", err), err


def test_a_100_mb_file_is_refused_at_once_with_its_size(tmp_path: Path):
    big = tmp_path / "big.nt"
    with open(big, "wb") as fh:  # sparse: takes no disk space
        fh.truncate(100 * 2**20)
    result = invoke("validate", "big.nt", cwd=tmp_path)
    err = no_traceback(result)
    assert result.returncode == 2 and "100 MiB is larger than the 50 MiB" in err and "KG_MAX_INPUT_MB" in err


def test_a_file_over_a_lowered_limit_is_refused(asserted: str, tmp_path: Path):
    (tmp_path / "a.ttl").write_text(asserted, encoding="utf-8")
    result = invoke("validate", "a.ttl", cwd=tmp_path, env={"KG_MAX_INPUT_MB": "0.01"})
    assert result.returncode == 2 and "larger than" in no_traceback(result)


def test_a_literal_over_the_term_limit_is_refused_with_its_line(tmp_path: Path):
    from kg.terms import TERM_MAX_BYTES

    # Arabic letters take two bytes each: half the limit in characters, with its quotes 2 bytes over it; the same
    # first 300 letters on line 2 must not be taken for it
    (tmp_path / "long.ttl").write_text('@prefix ex: <http://e/> .\nex:a ex:b "' + "ب" * 300 + '" .\nex:a ex:c "'
                                       + "ب" * (TERM_MAX_BYTES // 2) + '" .\n', encoding="utf-8")
    result = invoke("validate", "long.ttl", cwd=tmp_path)
    err = no_traceback(result)
    assert result.returncode == 2, err
    written = TERM_MAX_BYTES // 2 * 2 + 2  # two bytes a letter, and the quotes
    assert (f"long.ttl:3: the literal {'ب' * 40!r}… takes {written / 2**20:.1f} MiB ({written:,} bytes) as written; a "
            f"literal or IRI may take at most {TERM_MAX_BYTES // 2**20} MiB as written") in err, err


def test_control_characters_count_as_they_are_written(tmp_path: Path):
    from kg.terms import TERM_MAX_BYTES

    # written \u0001, six bytes each: a sixth of the limit in characters is over it (a build holding it could not
    # be read back); in the file they are escapes too
    count = TERM_MAX_BYTES // 6 + 1
    (tmp_path / "ctl.ttl").write_text('@prefix ex: <http://e/> .\nex:a ex:c "' + "\\u0001" * count + '" .\n',
                                      encoding="utf-8")
    result = invoke("validate", "ctl.ttl", cwd=tmp_path)
    err = no_traceback(result)
    assert result.returncode == 2, err
    written = count * 6 + 2
    assert f"ctl.ttl: the literal {chr(1) * 40!r}… takes {written / 2**20:.1f} MiB ({written:,} bytes) as written" in err
    (tmp_path / "ctl.ttl").write_text('@prefix ex: <http://e/> .\nex:a ex:c "' + "\\u0001" * (count - 1) + '" .\n',
                                      encoding="utf-8")
    assert invoke("validate", "ctl.ttl", cwd=tmp_path).returncode == 0  # at the limit


def test_a_piece_over_the_parsers_own_limit_is_refused_not_read_by_rdflib(tmp_path: Path):
    from kg.terms import TERM_MAX_BYTES

    # pyoxigraph refuses a piece of 16 MiB (MemoryError); rdflib would read it, and the build could not be read back
    (tmp_path / "huge.nt").write_bytes(b'<http://e/a> <http://e/b> "' + b"a" * (17 * 2**20) + b'" .\n')
    result = invoke("validate", "huge.nt", cwd=tmp_path)
    err = no_traceback(result)
    assert result.returncode == 2, err
    assert "huge.nt: holds a piece (a term, a comment or a line) of more than 16 MiB" in err, err
    assert f"at most {TERM_MAX_BYTES // 2**20} MiB as written" in err, err


# --- Articles ---------------------------------------------------------------------------


def _copy_data(tmp_path: Path) -> Path:
    from kg import resources

    data = tmp_path / "data"
    shutil.copytree(str(resources.data_dir()), data, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return data


def _selectors_reextract(out: Path) -> int:
    g = Graph().parse(out / "asserted.ttl")
    rows = list(g.query("""
        PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX schema: <https://schema.org/>
        SELECT ?text ?exact ?start ?end WHERE {
            ?ev oa:hasSource ?doc ; oa:hasSelector ?q , ?p . ?doc schema:text ?text .
            ?q oa:exact ?exact . ?p oa:start ?start ; oa:end ?end }"""))
    for row in rows:
        assert str(row.text)[int(row.start):int(row.end)] == str(row.exact)
    return len(rows)


@pytest.mark.parametrize("variant", ["bom-crlf", "nfd", "tatweel-diacritics"])
def test_article_encodings_and_spellings_build_with_exact_selectors(tmp_path: Path, variant: str):
    data = _copy_data(tmp_path)
    article = data / "articles" / ARTICLE_ID / "article.txt"
    text = article.read_text(encoding="utf-8")
    if variant == "bom-crlf":
        article.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    elif variant == "nfd":
        article.write_bytes(unicodedata.normalize("NFD", text).encode("utf-8"))
    else:  # the article gains a tatweel and a shadda inside quoted words; the quotes do not have them
        text = text.replace("نقطة تواجد", "نقطـة تواجّد", 1)
        article.write_text(text, encoding="utf-8")
    result = invoke("build", "--data", data, "--out", tmp_path / "out", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, no_traceback(result)
    assert _selectors_reextract(tmp_path / "out") >= 38
    (canonical,) = Graph().parse(tmp_path / "out" / "asserted.ttl").objects(
        None, __import__("rdflib").URIRef("https://schema.org/text"))
    assert "\r" not in canonical and not canonical.startswith("\ufeff")
    assert unicodedata.is_normalized("NFC", str(canonical))
    if variant == "tatweel-diacritics":
        assert "نقطـة تواجّد الشركة المصرية للاتصالات" in (tmp_path / "out" / "asserted.ttl").read_text(encoding="utf-8")


def test_article_that_is_not_utf8(tmp_path: Path):
    data = _copy_data(tmp_path)
    article = data / "articles" / ARTICLE_ID / "article.txt"
    article.write_bytes(article.read_text(encoding="utf-8").encode("cp1256"))
    result = invoke("build", "--data", data, "--out", tmp_path / "out", cwd=tmp_path)
    err = no_traceback(result)
    assert result.returncode == 2 and "article.txt: not UTF-8" in err


def test_an_article_text_over_the_term_limit_is_refused_and_the_build_kept(tmp_path: Path):
    from kg.terms import TERM_MAX_BYTES, written_size

    data = _copy_data(tmp_path)
    article = data / "articles" / ARTICLE_ID / "article.txt"
    text = article.read_text(encoding="utf-8")
    over = text + "\n" + "x" * (TERM_MAX_BYTES + 1 - written_size(text + "\n"))  # each x one byte: 1 byte over
    out = tmp_path / "out"
    assert invoke("build", "--data", data, "--out", out, "--quiet", cwd=tmp_path).returncode == 0
    before = tree_snapshot(out)
    article.write_text(over, encoding="utf-8")
    result = invoke("build", "--data", data, "--out", out, cwd=tmp_path)
    err = no_traceback(result)
    assert result.returncode == 2, err
    assert (f"{ARTICLE_ID}/article.txt: the text takes {(TERM_MAX_BYTES + 1) / 2**20:.1f} MiB "
            f"({TERM_MAX_BYTES + 1:,} bytes) as written, more than the {TERM_MAX_BYTES // 2**20} MiB an article's text "
            "may take") in err, err
    assert tree_snapshot(out) == before
    article.write_text(over[:-1], encoding="utf-8")
    assert invoke("build", "--data", data, "--out", out, "--quiet", cwd=tmp_path).returncode == 0  # at the limit


def test_an_article_of_control_characters_is_measured_as_written(tmp_path: Path):
    # 3 MiB of \x01, well under the limit in bytes, is 18 MiB written: such a build could not be read back
    data = _copy_data(tmp_path)
    article = data / "articles" / ARTICLE_ID / "article.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\n" + "\x01" * (3 * 2**20), encoding="utf-8")
    result = invoke("build", "--data", data, "--out", tmp_path / "out", cwd=tmp_path)
    err = no_traceback(result)
    assert result.returncode == 2 and "article.txt: the text takes 18.0 MiB" in err, err


def test_a_build_holding_a_term_too_long_to_read_back_is_refused_clearly(work: Path, tmp_path: Path):
    # what an older kg wrote for an article of 20 MiB: a literal pyoxigraph's parser cannot read in one piece
    build = tmp_path / "build"
    shutil.copytree(work / "build", build)
    trig = (build / "dataset.trig").read_bytes()
    (build / "dataset.trig").write_bytes(
        trig + b'<https://e/g> {\n\t<https://e/a> <https://e/b> "' + b"a" * (17 * 2**20) + b'" .\n}\n')
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    manifest["sizes"]["dataset.trig"] = (build / "dataset.trig").stat().st_size  # as that build recorded it
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for mode in ("memory", "disk"):
        # --live: the query runs (on disk, the answer the build kept would be read, and nothing else)
        result = invoke("query", "who-met-whom", "--live", "--build", build, "--query-store", mode, cwd=tmp_path)
        err = no_traceback(result)
        assert result.returncode == 2, err
        assert "dataset.trig: could not be read: it holds a piece (a term, a comment or a line) of more than 16 MiB" \
            in err, err


def test_article_folder_name_must_be_iri_safe(tmp_path: Path):
    data = _copy_data(tmp_path)
    (data / "articles" / ARTICLE_ID).rename(data / "articles" / "my article")
    result = invoke("build", "--data", data, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 2 and "folder name becomes part of IRIs" in no_traceback(result)


# --- Facts that contradict the ontology or the shapes ------------------------------------

TALKS = "<https://w3id.org/ict-coop-kg/id/event/talaat-hanandeh-talks>"
TALAAT = "<https://w3id.org/ict-coop-kg/id/person/amr-talaat>"
CONTRADICTIONS = {
    "typo-property": (f"\n{TALKS} kg:attendde {TALAAT} .\n", "Talks between Amr Talaat and Ahmed Al-Hanandeh",
                      "Unknown property", "عقد الدكتور عمرو طلعت"),
    "person-as-country": (f"\n{TALAAT} a kg:Country .\n", "Amr Talaat", "A person cannot also be a place", None),
    "status-not-allowed": (f"\n{TALKS} kg:status kgc:agreed .\n", "Talks between Amr Talaat and Ahmed Al-Hanandeh",
                           "exactly one status", "عقد الدكتور عمرو طلعت"),
    "duplicate-entity": ('\n<https://w3id.org/ict-coop-kg/id/country/jordan> a kg:Country ; rdfs:label "الأردن"@ar , "Jordan"@en .\n',
                         "Jordan", "same label", None),
}


@pytest.mark.parametrize("case", sorted(CONTRADICTIONS))
def test_contradicting_facts_are_reported_with_label_and_sentence(asserted: str, tmp_path: Path, case: str):
    extra, label, message, sentence = CONTRADICTIONS[case]
    (tmp_path / "facts.ttl").write_text(asserted + extra, encoding="utf-8")
    result = invoke("validate", "facts.ttl", cwd=tmp_path)
    out = result.stdout.decode("utf-8")
    no_traceback(result)
    assert result.returncode == 1, out
    assert f"● {label}" in out and message in out
    if sentence:
        assert f"source: «{sentence}" in out


def test_post_without_organisation_is_reported(asserted: str, tmp_path: Path):
    from rdflib import Graph, URIRef

    from kg.namespaces import KG

    graph = Graph().parse(data=asserted, format="turtle")
    post = URIRef("https://w3id.org/ict-coop-kg/id/post/jo-modee-minister")
    organisation = URIRef("https://w3id.org/ict-coop-kg/id/organization/jo-modee")
    assert (post, KG.postIn, organisation) in graph
    graph.remove((post, KG.postIn, organisation))
    graph.serialize(tmp_path / "facts.ttl", format="turtle", encoding="utf-8")
    result = invoke("validate", "facts.ttl", "--format", "json", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert result.returncode == 1
    constraints = {v["constraint"] for v in report["violations"]}
    assert {"sh:MinCountConstraintComponent", "query:post-without-organisation-violation"} <= constraints
    assert all(v["labels"]["en"] == "Minister of Digital Economy and Entrepreneurship" for v in report["violations"])


# --- Query parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(("args", "code", "message"), [
    (["who-met-whim"], 2, "did you mean who-met-whom"),
    (["who-met-whom", "-p", "colour=red"], 2, "unknown parameter(s) colour"),
    (["who-met-whom", "-p", "country"], 2, "write it as NAME=VALUE"),
    (["describe-entity"], 2, "missing required parameter(s) entity"),
    (["who-holds-which-post", "-p", "as_of=31/12/2023"], 2, "is not a date"),
    (["who-holds-which-post", "-p", "as_of=20231231"], 2, "is not a date (YYYY-MM-DD)"),  # Python reads both
    (["who-holds-which-post", "-p", "as_of=2023-W01-1"], 2, "is not a date (YYYY-MM-DD)"),
    (["stale-commitments", "-p", "months=1_0"], 2, "is not an integer (digits 0-9)"),  # int() reads both
    (["stale-commitments", "-p", "months=١٢"], 2, "is not an integer (digits 0-9)"),
    (["person-statements", "-p", "person=" + "ب" * 5000], 2, "the limit is 4096"),
    (["who-met-whom", "-p", 'country=x" } ; DROP ALL ; #'], 2, "is not an ISO 3166-1 alpha-2 country code"),
    (["who-met-whom", "-p", "country=مصر\nالأردن"], 2, "is not an ISO 3166-1 alpha-2 country code"),
    (["who-met-whom", "-p", "country=Jordan"], 2, "'Jordan' is not an ISO 3166-1 alpha-2 country code (two "
     "letters, e.g. JO, EG) or an absolute IRI; did you mean JO?"),
    (["who-met-whom", "-p", "country=<http://evil> } INSERT { <a> <b> <c> } WHERE {"], 2,
     "parameter country: '<http://evil> } INSERT { <a> <b> <c> } WHERE {' is not a valid absolute IRI"),
])
def test_query_parameters(work: Path, args: list[str], code: int, message: str):
    result = invoke("query", *args, cwd=work)
    text = no_traceback(result) + result.stdout.decode("utf-8")
    assert result.returncode == code, text
    assert message in text


def test_update_through_kg_query_is_refused(work: Path, tmp_path: Path):
    (tmp_path / "drop.rq").write_text("DELETE WHERE { ?s ?p ?o }", encoding="utf-8")
    result = invoke("query", "--file", tmp_path / "drop.rq", "--build", work / "build", cwd=tmp_path)
    assert result.returncode == 2 and "read-only" in no_traceback(result)


# --- The command line -----------------------------------------------------------------------


@pytest.mark.parametrize(("args", "code", "message"), [
    (["build", "--colour"], 2, "No such option"),
    (["query", "who-met-whom", "--file", "x.rq"], 2, "not both"),
    (["query", "--list", "who-met-whom"], 2, "--list takes no query name"),
    (["export", "-o", "missing/dir/out.ttl"], 2, "does not exist"),
    (["export", "-o", "build/dataset.trig"], 2, "inside the input folder"),
    (["export", "-o", "build"], 2, "is a folder"),
    (["export", "--format", "yaml"], 2, "yaml"),
    (["stats", "--format", "xml"], 2, "use table or json"),
])
def test_command_line_mistakes(work: Path, args: list[str], code: int, message: str):
    before = tree_snapshot(work / "build")
    result = invoke(*args, cwd=work)
    err = no_traceback(result)
    assert result.returncode == code, err
    assert message in err
    assert tree_snapshot(work / "build") == before


def test_output_under_a_file_is_refused(work: Path, tmp_path: Path):
    (tmp_path / "afile").write_text("x")
    result = invoke("export", "-o", tmp_path / "afile" / "out.ttl", "--build", work / "build", cwd=work)
    assert result.returncode == 2 and "is not a folder" in no_traceback(result)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("remote.jsonld", '{"@context": "http://127.0.0.1:9/c.jsonld", "@id": "http://x/a", "http://x/p": "x"}',
     "remote.jsonld:1: JSON-LD error: @context names a document ('http://127.0.0.1:9/c.jsonld'); kg fetches no "
     "context"),
    ("imports.jsonld", '{"@context": {"@import": "file:///etc/passwd"}, "@id": "http://x/a"}',
     "@import names a document ('file:///etc/passwd')"),
    ("listed.jsonld", '{"@context": [{"ex": "http://x/"}, "https://schema.org/"], "@id": "http://x/a"}',
     "@context names a document ('https://schema.org/')"),
    ("deep.jsonld", "[" * 100_000 + "]" * 100_000, "json-ld could not be read: nested too deeply"),
    ("lol.rdf", '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY a "lol">\n <!ENTITY b "&a;&a;&a;">\n]>\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
     "lol.rdf:4: RDF/XML error: the DTD declares 'b', an entity made of other entities"),
    ("xxe.rdf", '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
     "the DTD declares 'secret', an external entity"),
    ("lol-accents.rdf", '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY é0 "lol">\n <!ENTITY é1 "&é0;&é0;">\n]>\n'
                        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
     "the DTD declares 'é1', an entity made of other entities"),  # names of ASCII letters only were looked at
])
def test_files_that_would_fetch_or_expand_are_refused_before_parsing(tmp_path: Path, name: str, content: str,
                                                                      message: str):
    """kg validate fetched a JSON-LD file's remote @context (a server that never answered hung it; a refused
    connection was a URLError traceback), a 1.3 KB RDF/XML "billion laughs" kept a core busy for minutes, and
    JSON-LD nested 600 deep was a RecursionError traceback."""
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = invoke("validate", name, cwd=tmp_path)
    text = no_traceback(result)
    assert result.returncode == 2 and message in text, text


@pytest.mark.parametrize(("entity", "label"), [
    ('<!ENTITY ex "http://example.org/">', "a"),  # what OWL tools write: an entity per namespace
    ('<!ENTITY nbsp "&#160;">', "a&nbsp;b"),  # a character reference is no other entity
])
def test_rdf_xml_entities_that_stand_for_a_text_are_still_read(tmp_path: Path, entity: str, label: str):
    (tmp_path / "ns.rdf").write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n {entity}\n]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs='
        '"http://www.w3.org/2000/01/rdf-schema#">\n  <rdf:Description rdf:about="http://example.org/a">'
        f'<rdfs:label>{label}</rdfs:label></rdf:Description>\n</rdf:RDF>\n', encoding="utf-8")
    result = invoke("validate", "ns.rdf", cwd=tmp_path)
    assert result.returncode == 0, no_traceback(result)


def test_a_turtle_file_with_a_byte_order_mark_is_read(tmp_path: Path):
    """Windows Notepad saves UTF-8 with a byte-order mark: it was ':1:1: turtle syntax error: expected directive
    or statement'."""
    (tmp_path / "bom.ttl").write_bytes(b'\xef\xbb\xbf@prefix ex: <http://example.org/> .\nex:a ex:p "v" .\n')
    result = invoke("validate", "bom.ttl", cwd=tmp_path)
    assert result.returncode == 0, no_traceback(result)


@pytest.mark.parametrize("command", [["build", "--quiet"], ["docs"]])
def test_an_output_folder_given_as_a_symbolic_link_is_refused(tmp_path: Path, command: list[str]):
    """The swap replaced the link by a folder, left the folder it named as it was, and left a dangling link
    beside it for good."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    result = invoke(*command, "--out", "link", cwd=tmp_path)
    assert result.returncode == 2 and "--out link: is a symbolic link; give the folder itself" in no_traceback(result)
    assert (tmp_path / "link").is_symlink() and list((tmp_path / "real").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_standard_output_that_cannot_hold_arabic_is_named(work: Path):
    """kg stats' table of domains holds Arabic labels: a UnicodeEncodeError traceback, exit 1."""
    import subprocess

    from .conftest import KG_EXE

    result = subprocess.run([str(KG_EXE), "stats"], cwd=work, env={**os.environ, "PYTHONIOENCODING": "ascii"},
                            capture_output=True, timeout=300, check=False)
    assert result.returncode == 4, result.stderr.decode()
    assert b"standard output cannot hold these characters (its encoding is ascii)" in result.stderr
    assert b"Traceback" not in result.stderr


def test_outputs_never_land_in_the_installed_package_or_over_a_build(work: Path, tmp_path: Path):
    """kg export -o wrote into the installed package's folders, kg docs --out into kg/web/static, and kg docs
    replaced a whole build with documentation."""
    from kg import resources

    installed = Path(str(resources.package_dir()))
    cases = [
        (["export", "-f", "nt", "--build", work / "build", "-o", installed / "web" / "static" / "x.nt"],
         "which kg is installed as"),
        (["export", "-f", "nt", "--build", work / "build", "-o", Path(str(resources.data_dir())) / "x.ttl"],
         "which kg is installed as"),
        (["docs", "--out", installed / "web" / "static" / "docs"], "which kg reads"),
        (["docs", "--out", work / "build"], "holds a build (dataset.trig)"),
    ]
    before = tree_snapshot(work / "build")
    strays = [installed / "web" / "static" / "x.nt", installed / "web" / "static" / "docs",
              Path(str(resources.data_dir())) / "x.ttl"]
    try:
        for args, message in cases:
            result = invoke(*args, cwd=tmp_path)
            assert result.returncode == 2 and message in no_traceback(result), (args, result.stderr)
        assert not any(stray.exists() for stray in strays)
        assert tree_snapshot(work / "build") == before
    finally:  # should the refusal break, the package is left as it was for the next tests
        for stray in strays:
            shutil.rmtree(stray, ignore_errors=True) if stray.is_dir() else stray.unlink(missing_ok=True)


@pytest.mark.parametrize("args", [["x.ttl", "--data", "nowhere"], ["--data", "nowhere", "--build", "build"],
                                  ["x.ttl", "--build", "build"]])
def test_validate_takes_one_source(work: Path, args: list[str]):
    """With FILE, --data was ignored (exit 0, "Conforms"); --data silently won over --build."""
    result = invoke("validate", *args, cwd=work)
    assert result.returncode == 2 and "give one of FILE, --build and --data to validate" in no_traceback(result)


def test_a_query_file_with_a_byte_order_mark_is_read(work: Path, tmp_path: Path):
    """As a Turtle file with one: it was 'SPARQL syntax error at line 1, column 1'."""
    (tmp_path / "bom.rq").write_bytes(b"\xef\xbb\xbfSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n")
    result = invoke("query", "--file", tmp_path / "bom.rq", "-f", "csv", "--build", work / "build", cwd=tmp_path)
    assert result.returncode == 0, no_traceback(result)
    assert result.stdout.decode("utf-8").splitlines()[0] == "n"
