"""The sheet model every reader produces, and what the readers share: the file magics, the
reading limits, the reader's errors (a WorkbookError carries the issue to report) and cell references.

Its own module so the .xlsx reader (grid.py), the .xls/.ods scanners (legacy.py) and the document
reader (documents.py) share one copy without importing one another."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from transforms.issues import Issue, error

HUGE = 1 << 30             # a column or row number too large to be real

ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # OLE compound file: legacy .xls, or an encrypted .xlsx
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


@dataclass
class Sheet:
    name: str
    cells: list[list[Any]]                       # row-major, 0-based, from A1; '' / None = empty
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r0, c0, r1, c1) inclusive
    hidden: bool = False                         # hidden sheets are read like the others
    uncached_formulas: list[tuple[int, int, str | None]] = field(default_factory=list)  # (r, c, formula) saved without a value
    uncached_count: int = 0                      # all of them (the list keeps the first MAX_FORMULA_CELLS)
    recalculated: list = field(default_factory=list)  # transforms.formulas.Recalculated: stale sums recomputed

    @property
    def n_rows(self) -> int:
        return len(self.cells)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.cells), default=0)

    def value(self, r: int, c: int) -> Any:
        if r < len(self.cells) and c < len(self.cells[r]):
            v = self.cells[r][c]
            return None if v == "" else v
        return None

    def filled(self) -> list[list[Any]]:
        """The grid with every merged range filled with its top-left value (labels, headers)."""
        width = self.n_cols
        # '' -> None; only a falsy value can be '' (the test on every truthy cell is skipped)
        grid = [[v if v else (None if v == "" else v) for v in row] + [None] * (width - len(row)) for row in self.cells]
        for r0, c0, r1, c1 in self.merged:
            if r0 >= len(grid) or c0 >= width:
                continue
            top_left = grid[r0][c0]
            for r in range(r0, min(r1, len(grid) - 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    grid[r][c] = top_left
        return grid


class WorkbookError(Exception):
    """The bytes are not a workbook we can read; carries the issue to report."""

    def __init__(self, issue: Issue):
        super().__init__(issue.message)
        self.issue = issue


def cell_ref(r: int, c: int) -> str:
    """0-based (row, col) -> A1."""
    return f"{column_letters(c)}{r + 1}"


@lru_cache(maxsize=None)
def column_letters(c: int) -> str:
    """0-based column -> A, B, ..., AA (every parsed cell keeps its reference: computed once per column)."""
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# Reading limits (intake.* in the config overrides the first)


DEFAULT_MAX_CELLS = 5_000_000     # rows x columns over all sheets (intake.max_cells overrides)
MAX_PARTS = 10_000                # zip members; a real workbook has a few dozen
MAX_FORMULA_CELLS = 200           # uncached formula cells remembered per sheet (the rest are counted)
MAX_FORMULAS = 200_000            # formulas remembered per sheet for recalculating stale sums
MAX_MERGES = 100_000              # .ods merged ranges remembered per sheet
DTD_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)   # a DTD/entity declaration: real OOXML/ODF parts never carry one


@dataclass
class SheetScan:
    """What the XML pass learned about one worksheet part."""
    part: str
    max_row: int = -1                  # 0-based, farthest cell holding a value (or a formula)
    max_col: int = -1
    uncached: list[tuple[int, int, str | None]] = field(default_factory=list)  # (row, col, formula)
    n_uncached: int = 0
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)   # (row, col) -> '=...' (first MAX_FORMULAS)
    shared: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # si -> master (row, col, text)
    shared_cells: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, si) filled from a master
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # .ods: spans (calamine gives none)

    @property
    def cells(self) -> int:
        """Cells of the dense grid a reader builds for this sheet (from A1)."""
        return (self.max_row + 1) * (self.max_col + 1) if self.max_row >= 0 and self.max_col >= 0 else 0


def unreadable(detail: str, what: str = ".xlsx") -> WorkbookError:
    return WorkbookError(error("UNREADABLE_FILE", f"不是可读取的 {what} 工作簿（{detail}）；请用 Excel 或 WPS 打开确认后重新保存并报送。"
                               f" Not a readable {what} workbook ({detail})."))


def too_large(inflated: int, limit: int) -> WorkbookError:
    return WorkbookError(error("FILE_TOO_LARGE", f"工作簿解压后超过 {limit} 字节（疑似压缩炸弹），拒绝读取。"
                               f" Not read: the workbook inflates to more than {limit} bytes (zip bomb?).",
                               value=str(inflated)))


def encrypted() -> WorkbookError:
    return WorkbookError(error("ENCRYPTED_FILE", "工作簿已加密（设置了打开密码），无法读取；请取消密码后重新报送。"
                               " The workbook is password-protected (encrypted); remove the password and resend."))


def split_ref(ref: str) -> tuple[int, int]:
    """A1 -> 0-based (row, col)."""
    m = re.fullmatch(r"\$?([A-Za-z]+)\$?(\d+)", ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)) - 1, column_number(m.group(1).encode()) - 1


def column_number(raw: bytes) -> int:
    """Column letters (bytes, as the XML scanner sees them) -> 1-based number; absurd ones are huge."""
    if len(raw) > 4:
        return HUGE
    n = 0
    for ch in raw.upper():
        n = n * 26 + (ch - 64)
    return n
