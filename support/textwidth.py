"""Padding by display width: a CJK character takes two terminal columns (East Asian Wide/Full-
width), a combining mark none. `str.ljust` counts characters, so a table of unit names such as
人行淮南市中心支行 would come out misaligned in the terminal and in Prefect's UI."""
from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    w = 0
    for ch in str(text):
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def ljust(text: str, n: int) -> str:
    text = str(text)
    return text + " " * max(0, n - width(text))


def rjust(text: str, n: int) -> str:
    text = str(text)
    return " " * max(0, n - width(text)) + text


def table(headers: list[str], rows: list[list], right: set[int] = frozenset()) -> list[str]:
    """Plain-text table lines, each column as wide as its widest cell; columns in `right` right-aligned."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(headers))]
    return [" ".join((rjust if i in right else ljust)(c, widths[i]) for i, c in enumerate(r)).rstrip()
            for r in cells]
