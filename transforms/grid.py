"""Workbook bytes -> plain grids of cell values plus merged ranges.

The parser only ever sees `Sheet` objects, so the xlsx reader behind `read_workbook` can be
swapped. python-calamine (Rust) reads cached cell values and merged ranges ~10x faster than
openpyxl; it never evaluates formulas and never runs macros.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

import python_calamine

from transforms.issues import Issue, error

ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # OLE compound file: legacy .xls, or an encrypted .xlsx
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


@dataclass
class Sheet:
    name: str
    cells: list[list[Any]]                       # row-major, 0-based, from A1; '' / None = empty
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r0, c0, r1, c1) inclusive
    hidden: bool = False

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
        grid = [[(None if v == "" else v) for v in row] + [None] * (width - len(row)) for row in self.cells]
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
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r + 1}"


def check_container(data: bytes, max_uncompressed: int) -> None:
    """Refuse what is not a plain OOXML zip before any parser touches it (encrypted, legacy, bombs)."""
    if data.startswith(CFB_MAGIC):
        if ENCRYPTED_MARK in data:
            raise WorkbookError(error("ENCRYPTED_FILE", "工作簿已加密（设置了打开密码），无法读取；请取消密码后重新报送。"
                                      " The workbook is password-protected; remove the password and resend."))
        raise WorkbookError(error("UNSUPPORTED_FORMAT", "这是旧版 Excel（.xls）文件；请另存为 .xlsx 后重新报送。"
                                  " Legacy .xls content: resave as .xlsx and resend."))
    if not data.startswith(ZIP_MAGIC):
        raise WorkbookError(error("UNREADABLE_FILE", "不是可读取的 .xlsx 工作簿（文件为空或不是 Excel 文件）。"
                                  " Not a readable .xlsx workbook."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            inflated = sum(i.file_size for i in infos)
            bad = zf.testzip() if inflated <= max_uncompressed else None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise WorkbookError(error("UNREADABLE_FILE", f"不是可读取的 .xlsx 工作簿（文件损坏或被截断）。"
                                  f" Not a readable .xlsx workbook ({type(exc).__name__}).")) from None
    if inflated > max_uncompressed:
        raise WorkbookError(error("FILE_TOO_LARGE", f"工作簿解压后过大（{inflated} 字节），疑似压缩炸弹，拒绝读取。"
                                  f" Inflated size {inflated} bytes exceeds the limit.", value=str(inflated)))
    if bad is not None:
        raise WorkbookError(error("UNREADABLE_FILE", f"不是可读取的 .xlsx 工作簿（压缩包内 {bad} 已损坏）。"
                                  f" Not a readable .xlsx workbook (corrupt member {bad}).")) from None
    if "xl/workbook.xml" not in names:
        raise WorkbookError(error("UNREADABLE_FILE", "不是可读取的 .xlsx 工作簿（缺少 xl/workbook.xml）。"
                                  " Not a readable .xlsx workbook (no xl/workbook.xml)."))


def read_workbook(data: bytes, max_uncompressed: int = 200_000_000) -> list[Sheet]:
    """Every sheet of an .xlsx/.xlsm workbook, hidden ones included (hidden content is data)."""
    check_container(data, max_uncompressed)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in wb.sheets_metadata:
            if str(meta.typ).endswith("ChartSheet"):
                continue
            ws = wb.get_sheet_by_name(meta.name)
            cells = ws.to_python(skip_empty_area=False)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (ws.merged_cell_ranges or [])]
            sheets.append(Sheet(meta.name, cells, merged, hidden=not str(meta.visible).endswith("Visible")))
        return sheets
    except WorkbookError:
        raise
    except Exception as exc:  # calamine raises its own error types for every malformed part
        raise WorkbookError(error("UNREADABLE_FILE", f"不是可读取的 .xlsx 工作簿：{exc}"
                                  f" Not a readable .xlsx workbook.")) from None
