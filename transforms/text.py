"""Normalisation of labels, numbers, company names and footer dates (fixtures/README.md conventions)."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# Markers units write for "nothing here"; they count as 0 in numeric columns.
BLANK_MARKERS = frozenset({"", "—", "-", "－", "/", "／", "无", "——", "--", "–", "─"})
NUMBER_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
_QUOTES = str.maketrans("", "", "“”\"‘’'「」『』")
_WS = re.compile(r"\s+")
CENT = Decimal("0.01")


def normalize_label(value: object) -> str:
    """Compare header and row labels: NFKC, every space and line break removed, quotes dropped."""
    if value is None:
        return ""
    if type(value) is str:          # labels repeat across every sheet and file: normalised once
        return _normalize_text(value)
    text = unicodedata.normalize("NFKC", str(value))
    return _WS.sub("", text).translate(_QUOTES)


@lru_cache(maxsize=1 << 16)
def _normalize_text(value: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", value)).translate(_QUOTES)


def clean_text(value: object) -> str | None:
    """Free text as stored: stripped, None when empty. Never evaluated."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def number_text(value: object) -> str:
    """The canonical text of a numeric cell before parsing: NFKC, no spaces, no thousands commas.

    Blank cells and blank markers become "0" (they count as 0)."""
    if value is None:
        return "0"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr gives the shortest text that round-trips: 907.36 stays "907.36", never 907.3599999
        return "0" if value == 0 else repr(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    text = _WS.sub("", unicodedata.normalize("NFKC", str(value)))
    if text in BLANK_MARKERS or unicodedata.normalize("NFKC", str(value)).strip() in BLANK_MARKERS:
        return "0"
    return text.replace(",", "")


def parse_number(value: object) -> Decimal | None:
    """The cell as an exact Decimal, or None when it is not a number after normalisation."""
    return number_of(number_text(value))


@lru_cache(maxsize=1 << 16)       # the same figures ("0", "1", "12.5") fill most numeric cells
def number_of(text: str) -> Decimal | None:
    """parse_number for a text number_text already made canonical (Decimals are immutable:
    cached results are shared safely)."""
    if not NUMBER_RE.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        return None


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip() in BLANK_MARKERS
    return False


def is_formula_like(text: str | None) -> bool:
    """Text a spreadsheet would treat as a formula if written naively."""
    return bool(text) and text[0] in "=+-@"


def company_key(name: object) -> str:
    """Match company names: NFKC (full-width -> half-width), all whitespace removed, 淮南市 -> 淮南."""
    text = _WS.sub("", unicodedata.normalize("NFKC", str(name or "")))
    text = text.replace("\u3000", "")
    if text.startswith("淮南市"):
        text = "淮南" + text[len("淮南市"):]
    return text


_DATE_RE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")


def parse_date(value: object) -> dt.date | None:
    """A footer date: a date cell, or text such as 2018年7月16日 / 2018-07-16."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        return None
    match = _DATE_RE.search(unicodedata.normalize("NFKC", str(value)))
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
