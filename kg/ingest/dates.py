"""Dates in article text, normalised to ``xsd:date`` candidates (or a month / year when that is all it says).

Arabic: day, month name and year, in Latin, Arabic-Indic (٠–٩) or Persian (۰–۹) digits, with the Egyptian month
names (يناير … ديسمبر, with the usual variants أبريل/ابريل, يونيو/يونية, يوليو/يولية, أغسطس/اغسطس) and the
Levantine ones (كانون الثاني، شباط، آذار، نيسان، أيار، حزيران، تموز، آب، أيلول، تشرين الأول، تشرين الثاني،
كانون الأول); an optional ``من`` / ``عام`` / ``سنة`` between month and year; and ``م`` after the year.
English: ``15 January 2024``, ``January 15, 2024``, abbreviations (``Jan.``), ordinals (``15th``) and ISO
``2024-01-15``. A month and year without a day gives a month candidate (``2024-01``, precision ``month``).

Written with regular expressions over month tables rather than a general date parser: the parsers on PyPI
either lack the Levantine months or guess dates from bare numbers, and a curator needs the exact span.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

_AR_DIGITS = str.maketrans({**{chr(0x0660 + i): str(i) for i in range(10)},
                            **{chr(0x06F0 + i): str(i) for i in range(10)}})

AR_MONTHS: dict[str, int] = {
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6, "يونية": 6,
    "يوليو": 7, "يولية": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11,
    "ديسمبر": 12,
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5, "حزيران": 6,
    "تموز": 7, "آب": 8, "اب": 8, "أيلول": 9, "ايلول": 9, "تشرين الأول": 10, "تشرين الاول": 10,
    "تشرين الثاني": 11, "كانون الأول": 12, "كانون الاول": 12,
}
EN_MONTHS: dict[str, int] = {
    name: i + 1 for i, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
         "november", "december"])
} | {abbr: i + 1 for i, abbr in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])} | {"sept": 9}

_D = r"[0-9\u0660-\u0669\u06F0-\u06F9]"
_AR_MONTH = "|".join(sorted((re.escape(m) for m in AR_MONTHS), key=len, reverse=True))
_EN_MONTH = "|".join(sorted(EN_MONTHS, key=len, reverse=True))
_AR_DATE = re.compile(
    rf"(?<![\w])(?:(?P<day>{_D}{{1,2}})\s+)?(?:من\s+)?(?:شهر\s+)?(?P<month>{_AR_MONTH})"
    rf"(?:\s*\(\s*[^)]{{1,20}}\))?\s+(?:من\s+)?(?:عام\s+|سنة\s+|العام\s+)?(?P<year>{_D}{{4}})(?:\s*م(?![\w]))?")
_EN_DMY = re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_EN_MONTH})\.?,?\s+(?P<year>\d{{4}})\b",
                     re.IGNORECASE)
_EN_MDY = re.compile(rf"\b(?P<month>{_EN_MONTH})\.?\s+(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(?P<year>\d{{4}})\b",
                     re.IGNORECASE)
_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")


@dataclass(frozen=True)
class DateMention:
    """A date found in the text: its span (code points), the words, and the normalised value."""

    start: int
    end: int
    text: str
    value: str
    """``YYYY-MM-DD`` (precision ``day``) or ``YYYY-MM`` (precision ``month``)."""
    precision: str

    @property
    def datatype(self) -> str:
        """``xsd:date`` for a day, ``xsd:gYearMonth`` for a month."""
        return "xsd:date" if self.precision == "day" else "xsd:gYearMonth"


def _value(year: str, month: int, day: str | None) -> tuple[str, str] | None:
    y = int(year.translate(_AR_DIGITS))
    if day is None:
        return (f"{y:04d}-{month:02d}", "month") if 1 <= month <= 12 else None
    try:
        return _dt.date(y, month, int(day.translate(_AR_DIGITS))).isoformat(), "day"
    except ValueError:  # 31 February and the like: not a date
        return None


def find_dates(text: str) -> list[DateMention]:
    """Every date in ``text``, in order, without overlaps (the longest match wins)."""
    found: list[DateMention] = []
    for pattern, months in ((_AR_DATE, AR_MONTHS), (_EN_DMY, EN_MONTHS), (_EN_MDY, EN_MONTHS), (_ISO, None)):
        for m in pattern.finditer(text):
            if months is None:
                month = int(m.group("month"))
            else:
                month = months[m.group("month") if months is AR_MONTHS else m.group("month").lower()]
            value = _value(m.group("year"), month, m.group("day"))
            if value is not None:
                found.append(DateMention(m.start(), m.end(), m.group(0), value[0], value[1]))
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    out: list[DateMention] = []
    for d in found:
        if out and d.start < out[-1].end:
            continue
        out.append(d)
    return out
