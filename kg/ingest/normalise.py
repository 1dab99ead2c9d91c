"""Name keys: what two spellings of one name have in common, in Arabic and in English.

A name becomes a tuple of *key tokens*. Two labels with the same key tokens are spelled the same after
normalisation; :func:`name_score` compares key tokens one by one, so a name that shares only its first name,
only its family prefix (``Al-``, ``ال``) or only a post with a known name never scores as the same name.

Both (:func:`fold_arabic`): compatibility forms become the letters they stand for (NFKC): Arabic presentation
forms (``ﺃﺣﻤﺪ``, from text copied out of a PDF), the lam-alef ligatures (``ﻻ`` → ``لا``) and full-width Latin
(``Ａｈｍｅｄ``). Only keys are made this way; an article's text is kept as it was written (NFC).

Arabic (:func:`fold_arabic`, :func:`key_tokens`):

* diacritics (harakat) and tatweel are dropped (pyarabic);
* hamza forms of alef (أ إ آ ٱ) become ا — *not* with pyarabic's ``normalize_alef``, which also folds
  alef maqsura (ى) into ا; ى becomes ي and ta marbuta (ة) becomes ه, the two spellings writers swap;
* Arabic-Indic (٠–٩) and Persian (۰–۹) digits become 0–9;
* the article ال and the clitics و ف ب ك before it (وال، بال…) and ل + ال (لل) are removed from each word;
  a single clitic letter before a word without ال is tried as an alternative by the matcher
  (:func:`clitic_variants`), never removed blindly (وزير is not و + زير);
* honorifics are dropped: الدكتور، د.، المهندس، م.، السيد، الأستاذ، معالي.

English (:func:`translit_key`, :func:`skeleton`):

* case, punctuation and apostrophes for ʿayn / hamza (’ ' ` ʿ ʾ) are dropped; hyphens split words;
* the article ``Al-`` / ``El-`` (and ``al`` / ``el`` as words) is removed, as are titles (Dr., Eng., Mr.,
  H.E., Prof.) and the little words of, and, the, for;
* transliteration variants are folded: ``ou``/``oo`` → ``u``, ``ee`` → ``i``, ``q`` → ``k``, doubled letters
  once, a final ``-eh``/``-ah``/``-a``/``-e`` → ``a``, a final ``-y`` → ``i``; and two words with the same
  *skeleton* of four letters or more (first letter and consonants: Ahmad / Ahmed, Mohamed / Muhammad) score
  0.95. Short words must be equal: Amr / Amir, عمر / عمرو are different names (:data:`SHORT_TOKEN`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pyarabic import araby

SAME_THRESHOLD = 0.90
"""A score at or above this, with every name token matched (see :func:`name_score`), means "the same name"."""
MAYBE_THRESHOLD = 0.60
"""A score at or above this (and below :data:`SAME_THRESHOLD`) means "maybe the same": a curator decides."""
TOKEN_FLOOR = 0.80
"""Every token of a "same" name must match a token of the other name at least this well."""

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
_FOLD = str.maketrans({
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # أ إ آ ٱ → ا
    "\u0629": "\u0647",  # ة → ه
    "\u0649": "\u064A",  # ى → ي
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
    "\u06CC": "\u064A",  # Persian yeh → ي
    "\u06A9": "\u0643",  # keheh → ك
})
_MARKS = str.maketrans(dict.fromkeys("™℠®©℗", " "))
"""Trade and copyright marks: not part of a name, and NFKC would make ™ the letters TM ("Jordan Post™")."""
_APOSTROPHES = "'’‘`ʿʾʼ´"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

HONORIFICS_AR = frozenset({"الدكتور", "دكتور", "د", "الدكتوره", "المهندس", "مهندس", "المهندسه", "م", "السيد",
                           "السيده", "الاستاذ", "استاذ", "معالي", "سعاده"})
"""Honorifics as they look after :func:`fold_arabic` (ة → ه, hamza removed), dots dropped."""
HONORIFICS_EN = frozenset({"dr", "eng", "engr", "mr", "mrs", "ms", "prof", "he", "h.e", "sheikh", "sir"})
STOPWORDS_EN = frozenset({"of", "and", "the", "for"})
_ARTICLES_EN = frozenset({"al", "el"})
CLITICS = "وفبكل"


def is_arabic(text: str) -> bool:
    """True when ``text`` holds more Arabic letters than Latin ones."""
    text = unicodedata.normalize("NFKC", text)  # presentation forms and full-width letters count as letters
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    return arabic > latin


def fold_arabic(text: str) -> str:
    """Drop diacritics and tatweel, fold compatibility forms, hamza-alef forms, ة/ه, ى/ي and Eastern digits (see
    the module doc)."""
    text = araby.strip_tatweel(araby.strip_tashkeel(unicodedata.normalize("NFKC", text.translate(_MARKS))))
    return text.translate(_FOLD)


def strip_article(token: str) -> str:
    """An Arabic word without ال and the clitics before it: والأردن → اردن, للاتصالات → اتصالات."""
    for prefix in ("وال", "فال", "بال", "كال"):
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            return token[len(prefix):]
    if token.startswith("لل") and len(token) >= 5:
        return token[2:]
    if token.startswith("ال") and len(token) >= 4:
        return token[2:]
    return token


def clitic_variants(token: str) -> list[str]:
    """The key of a word, and without a leading single clitic (و ف ب ك ل) when enough is left."""
    out = [token]
    if len(token) >= 4 and token[0] in CLITICS and _ARABIC_LETTER.match(token):
        out.append(strip_article(token[1:]))
    return out


def translit_key(token: str) -> str:
    """Fold the usual transliteration variants of an English (Latin) word."""
    t = token.lower()
    t = t.replace("ou", "u").replace("oo", "u").replace("ee", "i").replace("q", "k").replace("ph", "f")
    t = re.sub(r"(.)\1+", r"\1", t)
    t = re.sub(r"(eh|ah|e|a)$", "a", t) if len(t) > 3 else t
    t = re.sub(r"(?<=[^aeiou])y$", "i", t)
    return t


def skeleton(token: str) -> str:
    """The first letter and the consonants of a folded Latin word (vowels carry most spelling variation)."""
    if not token or not token.isascii():
        return token
    return token[0] + re.sub(r"[aeiouyw]", "", token[1:])


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text)
    for ch in _APOSTROPHES:
        text = text.replace(ch, "")
    return _WORD.findall(text)


def key_tokens(text: str) -> tuple[str, ...]:
    """The key tokens of a name or phrase (Arabic or English), in order; see the module doc."""
    out: list[str] = []
    for raw in _words(fold_arabic(text)):
        if _ARABIC_LETTER.match(raw):
            if raw in HONORIFICS_AR:
                continue
            token = strip_article(raw)
        else:
            low = raw.lower()
            if low in HONORIFICS_EN or low in STOPWORDS_EN or low in _ARTICLES_EN:
                continue
            token = translit_key(low) if low.isalpha() else low  # numbers stay as written: 22 is not 2
        if token:
            out.append(token)
    return tuple(out)


def key(text: str) -> str:
    """:func:`key_tokens` joined by spaces: equal keys mean equal names after normalisation."""
    return " ".join(key_tokens(text))


def skeleton_key(tokens: Iterable[str]) -> str:
    """The skeletons of key tokens, joined by spaces."""
    return " ".join(skeleton(t) for t in tokens)


SHORT_TOKEN = 4
"""Two different words of at most this many letters are never close enough for "same": عمر / عمرو (Omar /
Amr), Sami / Sama, Amr / Amir differ by one letter and are different names."""


def token_similarity(a: str, b: str) -> float:
    """How alike two key tokens are, 0–1.

    1 when equal; 0.97 when equal once a clitic letter is removed (وأحمد / أحمد); 0.95 for Latin words with the
    same skeleton of at least four letters (Ahmad / Ahmed, Mohamed / Muhammad); otherwise the rapidfuzz
    edit-distance ratio, capped at 0.75 (below :data:`TOKEN_FLOOR`) when the shorter word has at most
    :data:`SHORT_TOKEN` letters.
    """
    from rapidfuzz import fuzz

    if a == b:
        return 1.0
    if a.isascii() and b.isascii():
        sa = skeleton(a)
        if len(sa) >= 4 and sa == skeleton(b):
            return 0.95
    else:
        for va in clitic_variants(a):
            for vb in clitic_variants(b):
                if va == vb:
                    return 0.97
    best = fuzz.ratio(a, b) / 100
    if min(len(a), len(b)) <= SHORT_TOKEN:
        best = min(best, 0.75)
    return best


def name_score(query: tuple[str, ...], label: tuple[str, ...]) -> tuple[float, bool]:
    """Score a query's key tokens against a label's: ``(score, every_token_matched)``.

    Each token of the shorter name is paired with its most similar unused token of the longer one; the score is
    the sum of the pair similarities divided by the number of tokens of the *longer* name, so a token only one
    name has (a different family name, a missing first name) costs its full share. ``every_token_matched`` is
    true when both names have as many tokens and every pair reaches :data:`TOKEN_FLOOR`. When it is false the
    score is capped just below :data:`SAME_THRESHOLD`: "Ahmed Safadi" is never "Ahmed Al-Hanandeh".
    """
    if not query or not label:
        return 0.0, False
    short, long_ = (query, label) if len(query) <= len(label) else (label, query)
    free = list(long_)
    sims: list[float] = []
    for token in short:
        scored = [(token_similarity(token, other), i) for i, other in enumerate(free)]
        sim, index = max(scored)
        sims.append(sim)
        free.pop(index)
    score = sum(sims) / len(long_)
    complete = len(short) == len(long_) and min(sims) >= TOKEN_FLOOR
    if not complete:
        score = min(score, SAME_THRESHOLD - 0.01)
    return round(score, 4), complete


def is_same(score: float, complete: bool) -> bool:
    """The documented decision: the same name when ``score >= SAME_THRESHOLD`` and every token matched."""
    return complete and score >= SAME_THRESHOLD
