"""``kg ingest``: a new article folder with the text and a draft ``article.ttl`` that builds as it is.

What the draft holds, and why:

* **Metadata as data**: ``kg:NewsArticle``, ``schema:inLanguage``, ``dcterms:identifier``, Arabic and English
  labels, and ``schema:datePublished`` / ``kg:publisherName`` / ``schema:url`` when given — each one not given
  is recorded as ``kg:notStated`` (unknown is data, not prose).
* **Mentions as data** (``kg:Mention`` with a quote and a position selector; ``<entity> kg:denotedBy
  <mention>``), only for spans that denote one known entity unambiguously: every key token equal after
  normalisation (:mod:`kg.ingest.normalise`), or, for a name after a title or a post, a lookup score that says
  "same" (≥ 0.90 with every token matched) for exactly one person.
* **Everything a curator must decide as Turtle comments**: candidates (unknown or ambiguous people,
  organisations, places, with their spans and the closest known entities and scores), date candidates
  (``xsd:date`` values, or ``xsd:gYearMonth`` when the text gives only a month), and draft events (trigger word, CAMEO-style code, the actors linked in the sentence)
  written as commented-out Turtle. Comments, not data marked "draft", because the ontology has no draft
  status and a draft must not reach a query, a count or the public view before someone reads it: a comment
  cannot be counted as a reviewed fact by accident. Accepting a draft is removing its ``# `` prefixes.

The folder is written atomically (:func:`kg.fsutil.staged_dir`), and an existing article folder is never
overwritten.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg import evidence
from kg.errors import InputError
from kg.ingest.dates import DateMention, find_dates
from kg.ingest.index import Candidate, LookupIndex, build_index
from kg.ingest.normalise import CLITICS, fold_arabic, is_arabic, key_tokens
from kg.load import check_article_text, read_input

ARTICLE_BASE = "https://w3id.org/ict-coop-kg/id/article/"
LINKABLE = ("person", "organization", "country", "city", "post", "infrastructure")
"""Entity types a span is linked to; concepts (domains, statuses) are the curator's to assign."""
MAX_NGRAM = 10
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_BREAK = re.compile(r"[\n.،,؛;:!?؟()\[\]«»\"“”]")

TITLES = {fold_arabic(t) for t in ("الدكتور", "دكتور", "د", "المهندس", "مهندس", "م", "السيد", "السيدة",
                                    "الأستاذ", "معالي", "الوزير", "الوزيرة", "الرئيس", "السفير", "الشيخ")} | {
    "dr", "eng", "mr", "mrs", "ms", "prof", "minister", "president", "ambassador", "sheikh", "he"}
NAME_STOP = {fold_arabic(t) for t in (
    "وزير", "وزيرة", "رئيس", "سفير", "مدير", "في", "فى", "مع", "على", "حول", "من", "عن", "إلى", "الى", "خلال",
    "و", "أن", "ان", "التي", "الذي", "بين", "لدى", "عقب", "أمس", "اليوم", "وذلك", "كما", "حيث", "بحضور")} | {
    "the", "of", "in", "on", "with", "and", "at", "to", "for", "from", "said", "met", "has", "have", "was", "is"}
ORG_TRIGGERS = {fold_arabic(t) for t in ("وزارة", "شركة", "هيئة", "جهاز", "مؤسسة", "البنك", "الاتحاد", "منظمة",
                                         "جامعة", "مركز", "الجهاز", "الهيئة", "المؤسسة", "الشركة", "المركز")} | {
    "ministry", "company", "authority", "agency", "corporation", "bank", "union", "organization", "organisation",
    "university", "centre", "center", "commission", "council"}
PLACE_TRIGGERS = {fold_arabic(t) for t in ("مدينة", "محافظة", "دولة", "سلطنة", "جمهورية", "المملكة", "إمارة",
                                           "إمارات", "العاصمة")} | {"sultanate", "kingdom", "republic", "city",
                                                                      "state", "emirate"}
EN_CONNECTORS = {"of", "and", "for", "the", "al", "el", "bin", "bint", "abu", "de"}


@dataclass(frozen=True)
class EventKind:
    """A kind of draft event: trigger words, a CAMEO-style code and the class and role it is drafted with."""

    name: str
    cameo: str
    cameo_label: str
    cls: str
    pattern: re.Pattern[str]


EVENT_KINDS: tuple[EventKind, ...] = (
    EventKind("sign", "057", "Sign formal agreement", "kg:Agreement", re.compile(
        r"\b(?:sign(?:s|ed|ing)?)\b|(?:^|\s)[وف]?(?:وقع|وقعا|وقعت|يوقع|توقيع|بتوقيع)(?=\s|$)", re.IGNORECASE)),
    EventKind("agree", "030", "Express intent to cooperate", "kg:Agreement", re.compile(
        r"\b(?:agree(?:s|d|ment)?)\b|(?:^|\s)[وف]?(?:اتفق|اتفقا|اتفقت|يتفق|الاتفاق|اتفاق)(?=\s|$)", re.IGNORECASE)),
    EventKind("visit", "042", "Make a visit", "kg:Visit", re.compile(
        r"\b(?:visit(?:s|ed|ing)?)\b|(?:^|\s)[وفب]?(?:زار|يزور|زيارة|زيارته|زيارتها|الزيارة)(?=\s|$)",
        re.IGNORECASE)),
    EventKind("meet", "040", "Consult", "kg:Meeting", re.compile(
        r"\b(?:met|meet(?:s|ing)?|talks|held talks)\b|(?:^|\s)[وف]?(?:التقى|التقت|يلتقي|لقاء|اللقاء|اجتمع|اجتماع|"
        r"مباحثات|محادثات|المباحثات)(?=\s|$)", re.IGNORECASE)),
    EventKind("discuss", "040", "Consult", "kg:Meeting", re.compile(
        r"\b(?:discuss(?:es|ed|ing)?)\b|(?:^|\s)[وف]?(?:بحث|يبحث|بحثا|ناقش|يناقش|ناقشا|تناول|يتناول|تناولا)(?=\s|$)",
        re.IGNORECASE)),
    EventKind("inaugurate", "060", "Engage in material cooperation", "kg:Meeting", re.compile(
        r"\b(?:inaugurat\w*|launch(?:es|ed|ing)?|opened)\b|(?:^|\s)[وف]?(?:افتتح|افتتاح|دشن|تدشين|أطلق|إطلاق)(?=\s|$)",
        re.IGNORECASE)),
)


@dataclass(frozen=True)
class Mention:
    """A span of the text linked to a known entity."""

    start: int
    end: int
    text: str
    iri: str
    type: str
    how: str
    """``exact`` (equal key tokens) or ``score 0.97`` (a "same" lookup of a name after a title or post)."""


@dataclass(frozen=True)
class NameCandidate:
    """A span the curator must decide on: an unknown or ambiguous name, with the closest known entities."""

    start: int
    end: int
    text: str
    kind: str
    """``person``, ``organization``, ``place``, ``name`` (a run of capitalised words) or ``ambiguous``."""
    suggestions: tuple[Candidate, ...] = ()


@dataclass(frozen=True)
class DraftEvent:
    """An event proposed from a trigger word in a sentence with two or more linked actors."""

    number: int
    kind: EventKind
    trigger: str
    sentence: str
    sentence_start: int
    actors: tuple[Mention, ...]


@dataclass
class IngestResult:
    """What :func:`ingest` wrote and found."""

    folder: Path
    article_id: str
    article_iri: str
    lang: str
    text: str
    mentions: list[Mention] = field(default_factory=list)
    candidates: list[NameCandidate] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    drafts: list[DraftEvent] = field(default_factory=list)
    turtle: str = ""


# --- scanning -------------------------------------------------------------------------------------------

def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


def _plain(word: str) -> str:
    return fold_arabic(word).lower()


def _link_exact(text: str, words: list[tuple[int, int, str]], index: LookupIndex,
                taken: list[bool]) -> tuple[list[Mention], list[NameCandidate]]:
    """Greedy longest spans whose key tokens equal a known name's; ambiguous keys become candidates."""
    mentions: list[Mention] = []
    ambiguous: list[NameCandidate] = []
    longest = min(MAX_NGRAM, max((len(t) for e in index.entities for _n, t in e.names), default=1) + 3)
    has_key = [bool(key_tokens(w)) for _s, _e, w in words]  # titles, "of", "Al" neither start nor end a span
    i = 0
    while i < len(words):
        if taken[i] or not has_key[i]:
            i += 1
            continue
        found = None
        for n in range(min(longest, len(words) - i), 0, -1):
            j = i + n - 1
            if any(taken[i:j + 1]) or not has_key[j]:
                continue
            start, end = words[i][0], words[j][1]
            if _BREAK.search(text, start, end):
                continue
            for span_start in _starts(start, words[i][2]):
                entities = [e for e in index.exact(key_tokens(text[span_start:end])) if e.type in LINKABLE]
                if entities:
                    found = (i, j, span_start, end, entities)
                    break
            if found:
                break
        if not found:
            i += 1
            continue
        i0, j, start, end, entities = found
        if len({e.iri for e in entities}) == 1:
            e = entities[0]
            mentions.append(Mention(start, end, text[start:end], e.iri, e.type, "exact"))
        else:
            sugg = tuple(Candidate(e.iri, 1.0, e.type, e.labels, text[start:end], "maybe") for e in entities)
            ambiguous.append(NameCandidate(start, end, text[start:end], "ambiguous", sugg))
        for k in range(i0, j + 1):
            taken[k] = True
        i = j + 1
    return mentions, ambiguous


def _starts(start: int, word: str) -> list[int]:
    """Where a span may start in its first word: at the word, or after a clitic (و ف ب ك ل) when one is there.

    The clitic-free start comes first for a word in [وفبك] + ال ("بالأردن" → "الأردن"), second otherwise.
    """
    word = _base_letters(word)
    out = [start]
    if len(word) >= 4 and word[0] in CLITICS:
        out.append(start + 1)
        if word[0] in "وفبك" and word[1:3] == "ال":
            out.reverse()
    return out


def _base_letters(word: str) -> str:
    """``word`` with each presentation form (one character standing for one letter) as that letter, so that
    positions in it are still positions in the text; a ligature of two letters (ﻻ) is kept as it is."""
    if word.isascii():
        return word
    import unicodedata

    letters = (unicodedata.normalize("NFKC", ch) for ch in word)
    return "".join(folded if len(folded) == 1 else ch for ch, folded in zip(word, letters))


AR_NAME_LINKS = {fold_arabic(t) for t in ("عبد", "أبو", "ابو", "بن", "ابن", "بنت", "آل", "أبي")}


def _name_after(text: str, words: list[tuple[int, int, str]], k: int, taken: list[bool]) -> tuple[int, int]:
    """Word indexes [k, end) of a personal name starting at word k.

    Arabic: two words, one more for each link word (عبد، أبو، بن…) among them. English: capitalised words
    (with al / bin / abu between), at most four. Stops at a stop word, a title, a linked span or punctuation.
    """
    if k >= len(words):
        return k, k
    latin = words[k][2].isascii()
    want = 4 if latin else 2
    end = k
    while end < len(words) and end - k < want:
        w = _plain(words[end][2])
        if taken[end] or w in NAME_STOP or w in TITLES or (end > k and not _gap_ok(text, words[end - 1][1],
                                                                                    words[end][0])):
            break
        if latin and not words[end][2][:1].isupper() and w not in EN_CONNECTORS:
            break
        if not latin and w in AR_NAME_LINKS:
            want += 1
        end += 1
    while end > k and _plain(words[end - 1][2]) in EN_CONNECTORS | AR_NAME_LINKS:
        end -= 1
    return k, end


def _trigger(word: str, triggers: set[str]) -> int | None:
    """0 when ``word`` is a trigger, 1 when it is one after a clitic letter (وسلطنة), else None."""
    p = _plain(word).rstrip(".")
    if p in triggers:
        return 0
    if len(p) > 3 and p[0] in CLITICS and p[1:] in triggers:
        return 1
    return None


def _extends_ar(word: str, kind: str) -> bool:
    p = _plain(word)
    if kind == "place":
        return p.startswith(("ال", "وال")) and p.endswith(("يه", "ي"))
    return p.startswith(("ال", "وال", "لل", "بال")) or (p.startswith("و") and len(p) > 3)


def _gap_ok(text: str, a: int, b: int) -> bool:
    return not _BREAK.search(text, a, b)


SUGGEST_TYPES = {"person": ("person",), "organization": ("organization",), "place": ("country", "city"),
                 "name": ("person", "organization", "country", "city")}


def _suggest(index: LookupIndex, phrase: str, kind: str) -> tuple[Candidate, ...]:
    """The three closest known entities of the types a candidate of ``kind`` can be."""
    if not key_tokens(phrase):
        return ()
    found = [c for t in SUGGEST_TYPES[kind] for c in index.lookup(phrase, type=t, limit=3, min_score=0.4)]
    return tuple(sorted(found, key=lambda c: (-c.score, c.iri))[:3])


def _candidates(text: str, words: list[tuple[int, int, str]], index: LookupIndex, taken: list[bool],
                mentions: list[Mention]) -> tuple[list[Mention], list[NameCandidate]]:
    """Names after titles and posts, organisations and places after trigger words, capitalised runs."""
    spans: list[tuple[int, int, str, int]] = []  # (first word, end word, kind, clitic letters to skip)
    post_ends = {m.end for m in mentions if m.type == "post"}
    for k, (s, e, w) in enumerate(words):
        p = _plain(w).rstrip(".")
        if p in TITLES and k + 1 < len(words) and _gap_ok(text, e, words[k + 1][0]) and not taken[k + 1]:
            a, b = _name_after(text, words, k + 1, taken)
            if b - a >= 2 or (b - a == 1 and words[a][2].isascii()):
                spans.append((a, b, "person", 0))
        if e in post_ends and k + 1 < len(words) and not taken[k + 1] and _gap_ok(text, e, words[k + 1][0]):
            nxt = _plain(words[k + 1][2])
            a = k + 2 if nxt in TITLES and k + 2 < len(words) else k + 1
            a, b = _name_after(text, words, a, taken)
            if b - a >= 2:
                spans.append((a, b, "person", 0))
        org, place = _trigger(w, ORG_TRIGGERS), _trigger(w, PLACE_TRIGGERS)
        if not taken[k] and (org is not None or place is not None) and not (w.isascii() and not w[:1].isupper()):
            kind = "organization" if org is not None else "place"
            b = k + 1
            while b < len(words) and b - k < 7 and not taken[b] and _gap_ok(text, words[b - 1][1], words[b][0]):
                nw = _plain(words[b][2])
                if w.isascii():
                    if not words[b][2][:1].isupper() and nw not in EN_CONNECTORS:
                        break
                elif nw in NAME_STOP or (b > k + 1 and not _extends_ar(words[b][2], kind)):
                    break
                b += 1
            while b > k + 1 and _plain(words[b - 1][2]) in EN_CONNECTORS:
                b -= 1
            if b > k + 1:
                spans.append((k, b, kind, org if org is not None else place))
    # English: runs of two or more capitalised words (with of/and/al between) that nothing else claimed
    k = 0
    while k < len(words):
        w = words[k][2]
        if w.isascii() and w[:1].isupper() and not taken[k]:
            b = k + 1
            while b < len(words) and not taken[b] and _gap_ok(text, words[b - 1][1], words[b][0]) and (
                    words[b][2][:1].isupper() or (_plain(words[b][2]) in EN_CONNECTORS and b + 1 < len(words)
                                                   and words[b + 1][2][:1].isupper())):
                b += 1
            while b > k + 1 and _plain(words[b - 1][2]) in EN_CONNECTORS:
                b -= 1
            if b - k >= 2 and _plain(w) not in TITLES:
                spans.append((k, b, "name", 0))
            k = b
        else:
            k += 1
    linked: list[Mention] = []
    out: list[NameCandidate] = []
    claimed: set[int] = set()
    order = {"person": 0, "organization": 1, "place": 2, "name": 3}
    for a, b, kind, skip in sorted(spans, key=lambda x: (order[x[2]], x[0])):
        if any(taken[a:b]) or claimed.intersection(range(a, b)):
            continue
        start, end = words[a][0] + skip, words[b - 1][1]
        phrase = text[start:end]
        suggestions = _suggest(index, phrase, kind)
        same = [c for c in suggestions if c.same]
        if kind == "person" and len(same) == 1 and (len(suggestions) < 2 or not suggestions[1].same):
            c = same[0]
            linked.append(Mention(start, end, phrase, c.iri, c.type, f"score {c.score:.2f}"))
        else:
            out.append(NameCandidate(start, end, phrase, kind, suggestions))
        claimed.update(range(a, b))
    return linked, out


ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "eng", "prof", "st", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
                 "sep", "sept", "oct", "nov", "dec", "e", "h", "د", "م", "inc", "co", "ltd"}
_END = re.compile(r"[.!?؟]+(?=\s|$)|\n")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: ends at . ! ? ؟ before a space or the end, or at a new line; not after Dr. / د. etc."""
    out, start = [], 0
    for m in _END.finditer(text):
        if m.group(0) == ".":
            before = re.search(r"([^\W\d_]+)$", text[start:m.start()])
            if before and before.group(1).lower() in ABBREVIATIONS:
                continue
        out.append((start, m.end()))
        start = m.end()
    out.append((start, len(text)))
    spans = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


ACTOR_TYPES = ("person", "organization", "country")


def _drafts(text: str, mentions: list[Mention]) -> list[DraftEvent]:
    drafts: list[DraftEvent] = []
    for s, e in _sentences(text):
        inside = [m for m in mentions if s <= m.start and m.end <= e and m.type in ACTOR_TYPES]
        actors: dict[str, Mention] = {}
        for m in inside:
            actors.setdefault(m.iri, m)
        if len(actors) < 2:
            continue
        sentence = text[s:e]
        hits = [(m.start(), i, kind, m) for i, kind in enumerate(EVENT_KINDS) if (m := kind.pattern.search(sentence))]
        if hits:
            _at, _i, kind, hit = min(hits, key=lambda h: (h[0], h[1]))
            drafts.append(DraftEvent(len(drafts) + 1, kind, hit.group(0).strip(), sentence, s,
                                     tuple(actors.values())))
    return drafts


def analyse(text: str, index: LookupIndex) -> tuple[list[Mention], list[NameCandidate], list[DateMention],
                                                    list[DraftEvent]]:
    """Mentions, candidates, dates and draft events of a canonical text, against ``index``."""
    words = _words(text)
    taken = [False] * len(words)
    dates = find_dates(text)
    for d in dates:  # a date is not a name
        for k, (s, e, _w) in enumerate(words):
            if s >= d.start and e <= d.end:
                taken[k] = True
    mentions, ambiguous = _link_exact(text, words, index, taken)
    linked, candidates = _candidates(text, words, index, taken, mentions)
    mentions = sorted(mentions + linked, key=lambda m: (m.start, m.end))
    candidates = sorted(ambiguous + candidates, key=lambda c: (c.start, c.end))
    return mentions, candidates, dates, _drafts(text, mentions)


# --- writing ----------------------------------------------------------------------------------------------

PREFIXES = """@prefix kg:      <https://w3id.org/ict-coop-kg/ontology#> .
@prefix kgc:     <https://w3id.org/ict-coop-kg/concept/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema:  <https://schema.org/> .
@prefix oa:      <http://www.w3.org/ns/oa#> .
@prefix country: <https://w3id.org/ict-coop-kg/id/country/> .
@prefix city:    <https://w3id.org/ict-coop-kg/id/city/> .
@prefix org:     <https://w3id.org/ict-coop-kg/id/organization/> .
@prefix person:  <https://w3id.org/ict-coop-kg/id/person/> .
@prefix post:    <https://w3id.org/ict-coop-kg/id/post/> .
@prefix infra:   <https://w3id.org/ict-coop-kg/id/infrastructure/> .
@prefix event:   <https://w3id.org/ict-coop-kg/id/event/> .
@prefix outcome: <https://w3id.org/ict-coop-kg/id/outcome/> .
"""
_PREFIX_OF = {"https://w3id.org/ict-coop-kg/id/country/": "country:", "https://w3id.org/ict-coop-kg/id/city/": "city:",
              "https://w3id.org/ict-coop-kg/id/organization/": "org:",
              "https://w3id.org/ict-coop-kg/id/person/": "person:", "https://w3id.org/ict-coop-kg/id/post/": "post:",
              "https://w3id.org/ict-coop-kg/id/infrastructure/": "infra:"}


def _iri(iri: str) -> str:
    for ns, prefix in _PREFIX_OF.items():
        local = iri[len(ns):]
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", local):
            return prefix + local
    from rdflib import URIRef

    return URIRef(iri).n3()


def _lit(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A Turtle literal; ``datatype`` is a prefixed name (``xsd:date``) for values checked beforehand."""
    from rdflib import Literal

    text = Literal(value, lang=lang).n3()
    return f"{text}^^{datatype}" if datatype else text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _describe(c: Candidate) -> str:
    label = c.labels.get("en") or c.labels.get("ar") or c.matched
    return f"{_iri(c.iri)} «{label}» {c.match} {c.score:.2f}"


def render(result: IngestResult, *, source_name: str, published: str | None, publisher: str | None,
           url: str | None) -> str:
    """The draft ``article.ttl`` of an analysed article."""
    art = f"<{result.article_iri}>"
    lines = [PREFIXES]
    lines += [
        f"# Draft written by 'kg ingest' from {_one_line(source_name)}. It builds as it is; review it line by line.",
        "# - Mentions (data): spans linked to entities already in the graph, only when the span's name equals a",
        "#   known name after normalisation (or a name after a title scores 'same' for exactly one person).",
        "#   Delete a wrong one; mentions are not facts.",
        "# - Candidates, dates and draft events are COMMENTS: nothing in them is data until you write it.",
        "#   Facts are added with kg:quote \"exact words\" (see README, 'Adding an article').",
        "",
        f"{art} a kg:NewsArticle ;",
        f"    schema:inLanguage {_lit(result.lang)} ;",
        f"    dcterms:identifier {_lit(result.article_id)} ;",
        f"    kg:sourceFile {_lit(source_name)} ;",
        f"    rdfs:label {_lit('مقال: ' + result.article_id, 'ar')} , {_lit('Article: ' + result.article_id, 'en')} ;",
    ]
    not_stated = []
    if published:
        lines.append(f"    schema:datePublished {_lit(published, datatype='xsd:date')} ;")
    else:
        not_stated.append("schema:datePublished")
    if publisher:
        lines.append(f"    kg:publisherName {_lit(publisher)} ;")
    else:
        not_stated.append("kg:publisherName")
    if url:
        lines.append(f"    schema:url {_lit(url, datatype='xsd:anyURI')} ;")
    else:
        not_stated.append("schema:url")
    if not_stated:
        lines.append(f"    kg:notStated {' , '.join(not_stated)} ;")
    lines[-1] = lines[-1][:-2] + " ."
    lines.append("")

    lines.append(f"# --- Mentions of known entities ({len(result.mentions)}) " + "-" * 40)
    text = result.text
    for m in result.mentions:
        mention = f"{result.article_iri}/mention/{m.start}-{m.end}"
        prefix = text[max(0, m.start - evidence.CONTEXT_CHARS):m.start]
        suffix = text[m.end:m.end + evidence.CONTEXT_CHARS]
        lines += [
            f"# «{_one_line(m.text)}» → {_iri(m.iri)} ({m.type}, {m.how})",
            f"<{mention}> a kg:Mention ;",
            f"    oa:hasSource {art} ;",
            f"    oa:hasSelector <{mention}/quote> , <{mention}/position> .",
            f"<{mention}/quote> a oa:TextQuoteSelector ;",
            f"    oa:exact {_lit(m.text)} ; oa:prefix {_lit(prefix)} ; oa:suffix {_lit(suffix)} .",
            f"<{mention}/position> a oa:TextPositionSelector ;",
            (f"    oa:start {_lit(str(m.start), datatype='xsd:nonNegativeInteger')} ;"
             f" oa:end {_lit(str(m.end), datatype='xsd:nonNegativeInteger')} ."),
            f"{_iri(m.iri)} kg:denotedBy <{mention}> .",
            "",
        ]

    lines.append(f"# --- Candidates for the curator ({len(result.candidates)}): not linked, never merged " + "-" * 10)
    lines.append("# Mint a new entity (in reference/) or, if it is a known one, write the mention yourself.")
    for c in result.candidates:
        closest = "; ".join(_describe(s) for s in c.suggestions) or "no known entity is close"
        lines.append(f"# CANDIDATE {c.kind} «{_one_line(c.text)}» at {c.start}-{c.end}: closest: {closest}")
    lines.append("")

    lines.append(f"# --- Dates in the text ({len(result.dates)}) " + "-" * 40)
    for d in result.dates:
        lines.append(f"# DATE «{_one_line(d.text)}» at {d.start}-{d.end} → \"{d.value}\"^^{d.datatype}"
                     f" (precision {d.precision})")
    lines.append("")

    lines.append(f"# --- Draft events ({len(result.drafts)}): to accept one, remove the leading '# ' of its"
                 " lines and complete the '## TODO' ones; else delete it. Drafts are not facts." )
    for dr in result.drafts:
        lines += _draft_lines(dr, result)
    return "\n".join(lines).rstrip() + "\n"


def _draft_lines(dr: DraftEvent, result: IngestResult) -> list[str]:
    kind = dr.kind
    # the article id in the IRI, so that two articles' drafts are two nodes (an id with a dot gave draft-N alone)
    node = f"event:draft-{result.article_id}-{dr.number}" if re.fullmatch(r"[A-Za-z0-9_-]+", result.article_id) \
        else f"<https://w3id.org/ict-coop-kg/id/event/draft-{result.article_id}-{dr.number}>"
    if kind.cls == "kg:Agreement":
        node = node.replace("event:", "outcome:").replace("/event/", "/outcome/")
    agents = [m for m in dr.actors if m.type in ("person", "organization")]
    countries = [m for m in dr.actors if m.type == "country"]
    names_en = {"meet": "meeting", "discuss": "talks", "visit": "visit", "sign": "signed agreement",
                "agree": "agreement", "inaugurate": "inauguration"}
    names_ar = {"meet": "لقاء", "discuss": "مباحثات", "visit": "زيارة", "sign": "اتفاق موقع", "agree": "اتفاق",
                "inaugurate": "افتتاح"}
    tag = f" — {result.article_id} {dr.number}"
    body = [f"{node} a {kind.cls} ;",
            (f"    rdfs:label {_lit('مسودة: ' + names_ar[kind.name] + tag, 'ar')} ,"
             f" {_lit('Draft: ' + names_en[kind.name] + tag, 'en')} ;")]
    if kind.cls == "kg:Agreement":
        parties = " , ".join(_iri(m.iri) for m in dr.actors)
        body += [f"    kg:party {parties} ;", "    kg:status kgc:agreed ;",
                 "    ## TODO kg:outcomeOf <the engagement it was reached at> ;"]
    elif kind.cls == "kg:Visit":
        visitors = [m for m in dr.actors if m.type == "person"]
        if visitors:
            body.append(f"    kg:visitor {_iri(visitors[0].iri)} ;")
        body += ["    ## TODO kg:destination <the place visited> ;", "    kg:status kgc:held ;"]
    else:
        if agents:
            body.append(f"    kg:participant {' , '.join(_iri(m.iri) for m in agents)} ;")
        if countries:
            body.append(f"    kg:involvesCountry {' , '.join(_iri(m.iri) for m in countries)} ;")
        body.append("    kg:status kgc:held ;")
    try:
        evidence.locate(result.text, dr.sentence)
        body.append(f"    kg:quote {_lit(dr.sentence, result.lang)} .")
    except LookupError:
        body.append("    ## TODO kg:quote \"the exact words\" (the sentence occurs more than once) ;")
        body.append("    .")
    head = (f"# DRAFT {dr.number}: {kind.name} — CAMEO {kind.cameo} ({kind.cameo_label}); trigger «{dr.trigger}»;"
            f" actors: {', '.join(_iri(m.iri) for m in dr.actors)}")
    return [head] + ["# " + line for line in body] + [""]


# --- the command ---------------------------------------------------------------------------------------------

def _check_url(url: str) -> str:
    from kg.remote.client import check_url
    from kg.terms import IRI_UNSAFE

    check_url(url, "--url")  # an http(s) URL, and no credentials: they would end up in every export
    if not re.match(r"^https?://[^/\s]+", url) or IRI_UNSAFE.search(url):
        raise InputError(f"--url {url!r}: give an http(s) URL without spaces or <>\"{{}}|^`\\")
    return url


def _check_date(value: str) -> str:
    try:
        return _dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(f"--published {value!r}: give the date as YYYY-MM-DD") from None


def data_index(data: Path) -> LookupIndex:
    """The lookup index of a data folder: its ontology, ``reference/*.ttl`` and ``articles/*/*.ttl``.

    The files are only parsed (named with line and column when they are not RDF); quotes are not resolved and
    nothing is reasoned, which is all a lookup needs and keeps ``kg ingest`` fast.
    """
    from rdflib import Graph

    from kg import resources
    from kg.load import parse_into

    graph = Graph()
    for f in resources.ontology_files():
        parse_into(graph, f, label="ontology/" + f.name)
    files = sorted((data / "reference").glob("*.ttl")) + sorted((data / "articles").glob("*/*.ttl"))
    for f in files:
        parse_into(graph, f, label=str(f))
    return build_index(graph)


ID_MAX = 120
"""The longest article id: it names a folder (and its staging folder, with some 30 characters more)."""


def _check_text(option: str, value: str | None) -> None:
    """Refuse an option's value that holds bytes that are not UTF-8 (the shell passes them through as they are;
    Python keeps them as lone surrogates, which cannot be written into the draft)."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        byte = value[exc.start].encode("utf-8", "surrogateescape")
        raise InputError(f"{option}: not UTF-8 text (the byte 0x{byte.hex().upper()} at character "
                         f"{exc.start + 1}); give it in UTF-8") from None


def _shown_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def ingest(file: Path | str, data: Path | str, article_id: str, *, lang: str | None = None,
           published: str | None = None, publisher: str | None = None, url: str | None = None,
           index: LookupIndex | None = None) -> IngestResult:
    """Create ``data/articles/<article_id>/`` with ``article.txt`` (NFC, LF) and a draft ``article.ttl``.

    Raises :class:`InputError` for a missing or non-UTF-8 file, a bad id, date or URL, a missing data folder,
    or an article folder that already exists (it is never overwritten); :class:`kg.errors.OutputError` when
    the folder cannot be written (nothing is left behind).
    """
    from kg import fsutil
    from kg.load import ARTICLE_ID

    file, data = Path(file), Path(data)
    for option, value in (("--id", article_id), ("--publisher", publisher), ("--url", url)):
        _check_text(option, value)
    if not ARTICLE_ID.match(article_id):
        raise InputError(f"--id {article_id!r}: an article id becomes part of IRIs; use letters, digits, '.', '_'"
                         " and '-' (starting with a letter or digit)")
    if len(article_id) > ID_MAX:
        raise InputError(f"--id: {len(article_id)} characters; an article id may have at most {ID_MAX}")
    if lang is not None and lang not in ("ar", "en"):
        raise InputError(f"--lang {lang!r}: use ar or en")
    if published is not None:
        published = _check_date(published)
    if url is not None:
        url = _check_url(url)
    if publisher is not None and not publisher.strip():
        raise InputError("--publisher is empty")
    target = data / "articles" / article_id
    try:
        if not data.is_dir():
            raise InputError(f"--data {data}: no such folder (it should hold reference/ and articles/)")
        if target.parent.exists() and not target.parent.is_dir():
            raise InputError(f"--data {data}: its articles/ is not a folder")
        if target.exists():
            raise InputError(f"{target}: the article folder already exists; choose another --id or remove it "
                             "first")
    except OSError as exc:  # a name too long, a loop of links …
        raise InputError(f"--data {_shown_name(str(data))}: {os.strerror(exc.errno or 0).lower()}") from None
    raw = read_input(file, str(file))  # a regular file within the size limit, or a clear InputError
    text = evidence.canonical_text(raw, source=str(file))
    check_article_text(text, str(file))  # else the draft would not build
    if not text.strip():
        raise InputError(f"{file}: the article is empty")
    lang = lang or ("ar" if is_arabic(text) else "en")
    if index is None:
        index = data_index(data)
    mentions, candidates, dates, drafts = analyse(text, index)
    result = IngestResult(target, article_id, ARTICLE_BASE + article_id, lang, text, mentions, candidates, dates,
                          drafts)
    # a file name that is not UTF-8 (from a zip made on Windows) is recorded with U+FFFD for the bytes it cannot be
    result.turtle = render(result, source_name=_shown_name(file.name), published=published, publisher=publisher,
                           url=url)
    fsutil.remove_staging_leftovers(target.parent)  # what killed ingests left, whichever article they wrote
    try:  # a data folder, not an output: no marker; never replace an article, also one made meanwhile
        with fsutil.staged_dir(target, marker=False, replace=False) as staging:
            (staging / "article.txt").write_bytes(text.encode("utf-8"))
            (staging / "article.ttl").write_bytes(result.turtle.encode("utf-8"))
    except FileExistsError:
        raise InputError(f"{target}: the article folder already exists") from None
    return result
