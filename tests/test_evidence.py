"""Evidence: the offset rule, quote matching, and every selector re-extracting exactly its quote."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pytest
from rdflib import Graph

from kg import evidence
from kg.api import KnowledgeGraph
from kg.errors import QuoteError

from .conftest import ARTICLE_ID, SEED_SHA256

SELECTORS = """
PREFIX kg: <https://w3id.org/ict-coop-kg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
SELECT ?quotation ?exact ?start ?end ?prefix ?suffix ?text WHERE {
    ?quotation a kg:Quotation ; oa:hasSource ?doc ; oa:hasSelector ?q , ?p .
    ?q a oa:TextQuoteSelector ; oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix .
    ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    ?doc schema:text ?text .
}"""


def test_stored_article_is_byte_identical_to_the_seed(article_text: str):
    from kg import resources

    stored = (resources.data_dir() / "articles" / ARTICLE_ID / "article.txt").read_bytes()
    assert hashlib.sha256(stored).hexdigest() == SEED_SHA256
    assert len(article_text) == 2117  # code points, as the seed README says


def test_every_selector_reextracts_its_quote(built: KnowledgeGraph, article_text: str):
    rows = list(built.union.query(SELECTORS))
    assert len(rows) >= 38
    for row in rows:
        start, end = int(row.start), int(row.end)
        assert str(row.text) == article_text
        assert article_text[start:end] == str(row.exact)
        assert article_text[:start].endswith(str(row.prefix))
        assert article_text[end:].startswith(str(row.suffix))


def test_every_quote_in_the_data_is_verbatim_in_the_article(article_text: str):
    from kg import resources
    from kg.namespaces import KG

    facts = Graph().parse(data=(resources.data_dir() / "articles" / ARTICLE_ID / "article.ttl").read_bytes(),
                          format="turtle")
    quotes = [str(q) for q in facts.objects(None, KG.quote)]
    assert len(quotes) >= 38
    for q in quotes:
        assert article_text.count(q) == 1, q


def test_canonical_text_drops_bom_and_normalises_line_endings_and_nfc():
    nfd = unicodedata.normalize("NFD", "آخر\r\nسطر\ré")
    raw = b"\xef\xbb\xbf" + nfd.encode("utf-8")
    assert evidence.canonical_text(raw) == "آخر\nسطر\né"
    assert unicodedata.is_normalized("NFC", evidence.canonical_text(raw))


def test_decomposed_quote_matches_composed_text():
    text = "البنية التحتية الرقمية آخر التطورات"
    span = evidence.locate(text, unicodedata.normalize("NFD", "آخر التطورات"))
    assert text[span.start:span.end] == span.exact == "آخر التطورات"
    assert span.verbatim


def test_tatweel_and_diacritics_are_ignored_but_exact_is_the_articles_spelling():
    text = "تم الاتفاق على أن يقوم الخبراء"
    span = evidence.locate(text, "الاتّفاق عـلى")  # shadda and tatweel in the quote only
    assert span.exact == "الاتفاق على" and not span.verbatim
    text2 = "تم الاتّفـاق على"  # and in the article only
    span2 = evidence.locate(text2, "الاتفاق على")
    assert span2.exact == "الاتّفـاق على" and text2[span2.start:span2.end] == span2.exact


def test_arabic_indic_and_latin_digits_match():
    text = "زيارة في ٢٠٢٣ و 2024"
    assert evidence.locate(text, "2023").exact == "٢٠٢٣"
    assert evidence.locate(text, "٢٠٢٤").exact == "2024"


def test_missing_and_ambiguous_quotes_are_refused():
    with pytest.raises(evidence.QuoteNotFound):
        evidence.locate("مصر والأردن", "تونس")
    text = "مصر والأردن ومصر"
    with pytest.raises(evidence.QuoteAmbiguous) as info:
        evidence.locate(text, "مصر")
    assert info.value.starts == [0, text.rindex("مصر")]
    with pytest.raises(evidence.QuoteNotFound):
        evidence.locate("مصر", "   ")


def test_build_names_file_line_and_quote_of_a_quote_not_in_the_article(data_copy: Path):
    facts = data_copy / "articles" / ARTICLE_ID / "article.ttl"
    text = facts.read_text(encoding="utf-8").replace('"وتوطين صناعة مراكز البيانات"@ar', '"وتوطين صناعة مراكز البيانات في تونس"@ar')
    facts.write_text(text, encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "مراكز البيانات في تونس" in ln)
    with pytest.raises(QuoteError) as info:
        KnowledgeGraph.build(data_copy, reason=False)
    assert info.value.location.line == line
    assert str(info.value.location.file).endswith(f"articles/{ARTICLE_ID}/article.ttl")
    assert "مراكز البيانات في تونس" in str(info.value) and "not found" in str(info.value)


def test_build_refuses_an_ambiguous_quote(data_copy: Path, article_text: str):
    facts = data_copy / "articles" / ARTICLE_ID / "article.ttl"
    facts.write_text(facts.read_text(encoding="utf-8").replace('"وتوطين صناعة مراكز البيانات"@ar', '"طلعت"@ar'), encoding="utf-8")
    with pytest.raises(QuoteError, match=f"occurs {article_text.count('طلعت')} times"):
        KnowledgeGraph.build(data_copy, reason=False)


def test_article_checksum_is_recorded(built: KnowledgeGraph):
    from kg.namespaces import KG, article_iri

    digest = built.union.value(article_iri(ARTICLE_ID), KG.sha256)
    assert str(digest) == SEED_SHA256
