"""Stale cached values of plain sums, recomputed from the cells as Excel does when it opens a file.

Script writers (xlsxwriter, by default) save `<f>SUM(D5:D18)</f><v>0</v>`: a formula with a
cached value of 0 that nobody calculated. Excel and WPS recalculate on opening and show the
right total, so a unit's 合计 would be reported as wrong although it is right. Only the plainest
formulas are recomputed — a sum of cells of the same sheet:

    SUM(range[, range ...]) [+ SUM(...)] [+ A1 + B2 ...]       ($ anchors allowed)

recursively where a referenced cell is itself such a formula (a cycle, a chain deeper than
MAX_DEPTH or a sheet's worth of visits past MAX_VISITS gives up: the cached value stays). Excel's
rules: SUM() skips text, booleans and blanks in its ranges; a bare `+` operand coerces numeric
text and fails (#VALUE!: cached value kept) on other text. Every other formula keeps its cached
value. Pure: cells in, cells and a list of what changed out.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_DEPTH = 200              # a chain of sums of sums deeper than this is not followed
MAX_VISITS = 2_000_000       # cells read per sheet by the recalculation, in all
MAX_FORMULA_TEXT = 4000      # longer formula texts are not parsed
_EPS = Decimal("0.000001")   # a cached float within this of the exact sum is the same value

_REF = r"\$?([A-Z]{1,3})\$?(\d{1,7})"
_RANGE = re.compile(rf"{_REF}(?::{_REF})?")
_SUM_CALL = re.compile(r"SUM\(([^()]*)\)")
_NUMERIC_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SHIFT_REF = re.compile(r"(?<![A-Za-z_$\d.!])(\$?)([A-Z]{1,3})(\$?)(\d{1,7})(?![\d(A-Za-z_])")

# a term: (r0, c0, r1, c1, inside SUM())
Term = tuple[int, int, int, int, bool]


@dataclass(frozen=True)
class Recalculated:
    row: int
    col: int
    formula: str             # as saved, with its leading '='
    cached: object           # the value the file carried ('' / None: none)
    computed: Decimal


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _range(m: re.Match) -> tuple[int, int, int, int]:
    c0, r0 = _col(m.group(1)), int(m.group(2)) - 1
    if m.group(3):
        c1, r1 = _col(m.group(3)), int(m.group(4)) - 1
    else:
        c1, r1 = c0, r0
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


def plain_sum(formula: str | None) -> list[Term] | None:
    """The terms of a plain same-sheet sum, or None when the formula is anything else."""
    if not formula or len(formula) > MAX_FORMULA_TEXT:
        return None
    text = re.sub(r"\s+", "", formula).upper()
    text = text[1:] if text.startswith("=") else text
    text = text[1:] if text.startswith("+") else text      # Lotus-style =+A1+B1
    if not text or "!" in text:
        return None
    terms: list[Term] = []
    for part in _split_plus(text):
        m = _SUM_CALL.fullmatch(part)
        if m:
            args = m.group(1).split(",")
            if not args or any(not a for a in args):
                return None
            for arg in args:
                rm = _RANGE.fullmatch(arg)
                if not rm:
                    return None
                terms.append((*_range(rm), True))
            continue
        rm = _RANGE.fullmatch(part)
        if not rm or rm.group(3):          # a bare range outside SUM() is not a sum
            return None
        terms.append((*_range(rm), False))
    return terms


def _split_plus(text: str) -> list[str]:
    """'SUM(A1:A3)+B4' -> ['SUM(A1:A3)', 'B4'] (only '+' outside parentheses; empty parts fail later)."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return [""]
        if ch == "+" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts if depth == 0 else [""]


def shift_formula(formula: str, dr: int, dc: int) -> str:
    """A shared formula's text as it reads in a cell dr rows / dc columns from its master cell
    (relative parts of references move, $-anchored parts stay), as Excel fills formulas down."""
    def move(m: re.Match) -> str:
        cabs, letters, rabs, digits = m.groups()
        col = _col(letters) if cabs else _col(letters) + dc
        row = int(digits) if rabs else int(digits) + dr
        if col < 0 or row < 1:
            return "#REF!"
        return f"{cabs}{_letters(col)}{rabs}{row}"
    return _SHIFT_REF.sub(move, formula)


def _letters(c: int) -> str:
    out = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def odf_formula(formula: str | None) -> str | None:
    """An OpenDocument formula (of:=SUM([.D5:.D18]); [.A1]+[.B2]) in A1 notation, without its '=';
    a reference to
    another table keeps a '!' so that it is never taken for a same-sheet sum."""
    if not formula:
        return None
    text = formula.split(":", 1)[1] if re.match(r"^[a-z]+:=", formula) else formula

    def ref(m: re.Match) -> str:
        inner = m.group(1)
        pieces = inner.split(":")
        out = []
        for piece in pieces:
            table, _, cell = piece.rpartition(".")
            if table not in ("", "$") and table.strip("$'"):
                return "OTHER!" + inner
            out.append(cell)
        return ":".join(out)
    text = re.sub(r"\[([^\[\]]*)\]", ref, text)
    return text.replace(";", ",").lstrip("=")


def _number(value: object, in_sum: bool) -> Decimal | None | bool:
    """A cell's contribution: a Decimal, None (skipped by SUM / blank), or False (cannot compute)."""
    if value is None or value == "":
        return None if in_sum else Decimal(0)
    if isinstance(value, bool):
        return None if in_sum else Decimal(int(value))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value != value:
            return False
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return False                       # a date serial in a sum: not ours to guess
    if in_sum:
        return None                        # SUM() skips text, even numeric text
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if _NUMERIC_TEXT.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:           # pragma: no cover - the regex admits only valid numbers
            return False
    return False                           # #VALUE!


class _Evaluator:
    def __init__(self, cells: list[list], formulas: dict[tuple[int, int], str]):
        self.cells = cells
        self.formulas = formulas
        self.terms: dict[tuple[int, int], list[Term] | None] = {}
        self.done: dict[tuple[int, int], Decimal | None] = {}
        self.active: set[tuple[int, int]] = set()
        self.visits = 0

    def plain(self, key: tuple[int, int]) -> list[Term] | None:
        if key not in self.terms:
            self.terms[key] = plain_sum(self.formulas.get(key))
        return self.terms[key]

    def value(self, key: tuple[int, int], depth: int = 0) -> Decimal | None:
        """The exact value of a plain-sum cell; None when it cannot be computed."""
        if key in self.done:
            return self.done[key]
        terms = self.plain(key)
        if terms is None or key in self.active or depth > MAX_DEPTH:
            return None                       # not a sum, a cycle, or too deep
        self.active.add(key)
        total: Decimal | None = Decimal(0)
        for r0, c0, r1, c1, in_sum in terms:
            for r in range(r0, min(r1, len(self.cells) - 1) + 1):
                row = self.cells[r]
                for c in range(c0, min(c1, len(row) - 1) + 1):
                    self.visits += 1
                    if self.visits > MAX_VISITS:
                        total = None
                        break
                    if (r, c) in self.formulas and self.plain((r, c)) is not None:
                        part = self.value((r, c), depth + 1)
                        if part is None:
                            total = None
                            break
                    else:
                        part = _number(row[c], in_sum)
                        if part is False:
                            total = None
                            break
                    if part is not None:
                        total += part
                if total is None:
                    break
            if total is None:
                break
        self.active.discard(key)
        # a sum that could not be computed because of a cycle is not remembered as failed for the
        # cells outside the cycle: they are asked again from the top, which finds the cycle again
        self.done[key] = total
        return total


def recalculate(cells: list[list], formulas: dict[tuple[int, int], str]) -> list[Recalculated]:
    """Recompute every plain-sum formula of one sheet; where the cached value differs, write the
    computed value into `cells` (as a float, as a reader gives numbers) and report it."""
    ev = _Evaluator(cells, formulas)
    out: list[Recalculated] = []
    computed: dict[tuple[int, int], Decimal] = {}
    for key in sorted(formulas):
        if ev.plain(key) is None:
            continue
        total = ev.value(key)
        if total is not None:
            computed[key] = total
    for (r, c), total in computed.items():
        if r >= len(cells):
            continue
        row = cells[r]
        while len(row) <= c:
            row.append("")
        cached = row[c]
        if _same(cached, total):
            continue
        row[c] = float(total)
        out.append(Recalculated(r, c, formulas[(r, c)], cached, total))
    return out


def _same(cached: object, total: Decimal) -> bool:
    if isinstance(cached, bool) or not isinstance(cached, (int, float)):
        return False
    if isinstance(cached, float) and cached != cached:
        return False
    return abs(Decimal(repr(cached) if isinstance(cached, float) else cached) - total) <= _EPS
