"""Evidence: the article's canonical text, quote location and Web Annotation selectors.

The offset rule, applied everywhere:

* An article file is decoded as UTF-8 (a leading BOM is dropped), its line
  endings are made ``\\n`` (CRLF and lone CR), and it is put in Unicode NFC.
  That string is the *canonical text*; it is stored in the graph as
  ``schema:text`` of the article.
* ``oa:start`` / ``oa:end`` count Unicode code points of the canonical text,
  ``end`` exclusive, so ``text[start:end] == oa:exact`` in Python and
  ``SUBSTR(text, start + 1, end - start) = exact`` in SPARQL.
* A quote is looked up verbatim (after NFC and the same line-ending rule).
  Only when it is not found verbatim is it matched ignoring tatweel, Arabic
  diacritics (harakat) and the difference between Arabic-Indic and Latin
  digits; ``oa:exact`` is then the article's own spelling of the passage, so
  every selector re-extracts exactly its ``oa:exact``.
* A quote found nowhere, or in more than one place, is an error.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from pyarabic import araby

from kg.errors import DataError

CONTEXT_CHARS = 32
"""How many code points of ``oa:prefix`` / ``oa:suffix`` context to record."""

_IGNORABLE = frozenset(araby.TASHKEEL) | {araby.TATWEEL}
_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
_FOLD = str.maketrans({ch: None for ch in _IGNORABLE} | _DIGITS)


def canonical_text(raw: bytes, *, source: str = "article") -> str:
    """Decode an article's bytes into the canonical text that offsets count in.

    Raises :class:`DataError` (naming ``source``) when the bytes are not UTF-8.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{source}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save the article as UTF-8"
        ) from None
    return normalize(text.removeprefix("\ufeff"))


def normalize(text: str) -> str:
    """Line endings to ``\\n`` and Unicode NFC: the normal form of texts and quotes."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Span:
    """Where a quote is in the canonical text (code points, end exclusive)."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    verbatim: bool
    """False when the quote only matched after folding tatweel, diacritics or digits."""


class QuoteNotFound(LookupError):
    """The quote is not in the text."""


class QuoteAmbiguous(LookupError):
    """The quote is in the text more than once; ``starts`` lists where."""

    def __init__(self, starts: list[int]) -> None:
        super().__init__(starts)
        self.starts = starts


def _fold(text: str) -> tuple[str, list[int]]:
    """The match key of ``text`` and, for each of its characters, the index it came from."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch in _IGNORABLE:
            continue
        chars.append(_DIGITS.get(ch, ch))
        index.append(i)
    return "".join(chars), index


def _occurrences(haystack: str, needle: str) -> list[int]:
    starts, at = [], haystack.find(needle)
    while at != -1:
        starts.append(at)
        at = haystack.find(needle, at + 1)
    return starts


def locate(text: str, quote: str) -> Span:
    """Find ``quote`` in the canonical ``text`` by the rule in this module's docstring.

    Raises :class:`QuoteNotFound` or :class:`QuoteAmbiguous`.
    """
    needle = normalize(quote)
    if not needle.strip():
        raise QuoteNotFound(quote)
    starts = _occurrences(text, needle)
    verbatim = True
    if starts:
        spans = [(s, s + len(needle)) for s in starts]
    else:
        verbatim = False
        folded_text, index = _fold(text)
        folded_needle, _ = _fold(needle)
        if not folded_needle:
            raise QuoteNotFound(quote)
        fstarts = _occurrences(folded_text, folded_needle)
        spans = [(index[s], index[s + len(folded_needle) - 1] + 1) for s in fstarts]
    if not spans:
        raise QuoteNotFound(quote)
    if len(spans) > 1:
        raise QuoteAmbiguous([s for s, _ in spans])
    start, end = spans[0]
    return Span(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS):start],
        suffix=text[end:end + CONTEXT_CHARS],
        verbatim=verbatim,
    )


def sentence_at(text: str, start: int, end: int) -> str:
    """The line of the canonical text (a paragraph of the article) that holds ``start``..``end``."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start:line_end if line_end != -1 else len(text)].strip()


_LETTERS = str.maketrans({
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # أ إ آ ٱ → ا
    "\u0649": "\u064A",  # ى → ي
    "\u0629": "\u0647",  # ة → ه
})
_SEPARATORS = str.maketrans({ch: " " for ch in "-‐–—_.,،؛;:!?()[]«»\"'’‘`"})


@functools.lru_cache(maxsize=65536)
def match_key(text: str) -> str:
    """A loose key for "does this quotation name that entity": :func:`normalize`, then tatweel, Arabic
    diacritics and digit forms folded as in quote matching, hamza forms of alef, alef maqsura and ta marbuta
    unified (the spellings writers swap), lower case, punctuation as spaces and runs of spaces collapsed.

    Used only to check that a quotation supports a fact (a name is a substring of the quotation's key);
    offsets are never computed on it.
    """
    folded = normalize(text).translate(_FOLD)  # what _fold keeps of each character, without the indexes
    return " ".join(folded.translate(_LETTERS).translate(_SEPARATORS).lower().split())
