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
    # labels repeat across every sheet and file, and so do figures (a row's 序号, a footer's cells):
    # each text normalised once
    return _normalize_text(value if type(value) is str else str(value))


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


# Footer dates as clerks type them: 2018年7月19日, 2018.7.19, 2018/7/19, 2018-7-19, 2018.07.19
# (spaces anywhere are removed first); a year needs 4 digits and no digit around it, so a
# phone number (0554-3127128) is never a date.
_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年|[./-])(\d{1,2})(?:月|[./-])(\d{1,2})(?!\d)")
# Chinese numerals: 二〇一八年七月十九日 / 二零一八年七月十九日 (〇 also typed as ○, O or 0).
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "o": 0, "0": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE_RE = re.compile(r"([〇零○Oo0一二三四五六七八九]{4})年([一二两三四五六七八九十]{1,3})月([一二三四五六七八九十廿]{1,4})日?")
EXCEL_EPOCH = dt.date(1899, 12, 30)           # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug included)
_SERIAL_RANGE = (36526, 73050)                # 2000-01-01 .. 2099-12-31: a bare number outside is not a date


def _cn_number(text: str) -> int | None:
    """十九 -> 19, 七 -> 7, 二十 -> 20, 三十一 -> 31, 廿一 -> 21."""
    text = text.replace("廿", "二十")
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    t = _CN_DIGITS.get(tens, None) if tens else 1
    o = _CN_DIGITS.get(ones, None) if ones else 0
    return None if t is None or o is None else t * 10 + o


def _date(y: int, m: int | None, d: int | None) -> dt.date | None:
    try:
        return dt.date(y, m, d) if m is not None and d is not None else None
    except ValueError:
        return None


def serial_date(value: float) -> dt.date | None:
    """An Excel date serial (a date cell whose format was lost), within 2000..2099."""
    if isinstance(value, bool) or not float(value).is_integer():
        return None
    if not _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=int(value))


def parse_date(value: object, serials: bool = False) -> dt.date | None:
    """A footer date: a date cell, text in any common spelling (see _DATE_RE, _CN_DATE_RE), or
    with serials=True a bare number read as an Excel date serial."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return serial_date(value) if serials else None
    text = _WS.sub("", unicodedata.normalize("NFKC", str(value)))
    match = _DATE_RE.search(text)
    if match:
        return _date(*(int(g) for g in match.groups()))
    match = _CN_DATE_RE.search(text)
    if match:
        year = "".join(str(_CN_DIGITS[ch]) for ch in match.group(1))
        return _date(int(year), _cn_number(match.group(2)), _cn_number(match.group(3)))
    return None


def decode_office_text(data: bytes) -> str | None:
    """Text a Chinese office writes: UTF-8 (with or without a BOM), else GB18030, the superset of
    the GBK that Windows editors and Excel's plain "CSV" save. None when it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
