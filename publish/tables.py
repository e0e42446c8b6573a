"""The working sheets' table: styles, cell values from warehouse frames, and `table` (title, note,
header, one row per frame row, printed on A4 landscape). One copy, used by workbook.py and every
sheet_<room>.py.

Row heights: a spreadsheet does not grow them for wrapped text, so `text_lines` estimates the printed
lines (a CJK character ~1.9 width units, Latin ~1). The official forms measure with their own,
wider constants (official.py: they print at a fixed scale and must never cut a line)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from campaign.dates import ZH_DATE_FORMAT, ZH_DATETIME_FORMAT
from publish.layout import NUMBER_FORMAT, write_text
from publish.printing import page_setup
from publish.stream import TEXT, StreamSheet, TableRows

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FONT = Font(name="宋体", size=10, bold=True)
BODY_FONT = Font(name="宋体", size=10)
TITLE_FONT = Font(name="黑体", size=14, bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)   # text never touches a border
NUMBER = Alignment(horizontal="right", vertical="center", indent=1)                 # nor a number the next cell
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

# --------------------------------------------------------------------------------------
# values

_PLAIN = (str, int, bool, list, tuple)    # never missing: skip pd.isna (called for every cell)


def none(v: Any) -> Any:
    """pandas' missing markers (NaN, NaT, NA) -> None; everything else unchanged."""
    if v is None or type(v) in _PLAIN:
        return v
    if type(v) is float:
        return None if v != v else v
    try:
        return None if pd.isna(v) else v
    except (TypeError, ValueError):     # arrays
        return v


def yes_no(v: Any) -> str | None:
    v = none(v)
    return None if v is None else ("是" if bool(v) else "否")


def text_lines(text: str, width: float) -> int:
    """Printed lines of wrapped text in a column `width` wide: a CJK character takes ~1.9 width
    units, Latin ~1 (spreadsheets do not grow row heights for wrapped text by themselves)."""
    if 2 * len(text) <= width:          # fits even if every character is wide: most cells
        return 1
    return _wrapped_lines(text, max(1.0, width))


@lru_cache(maxsize=1 << 16)             # the same unit, item and file names recur on many rows
def _wrapped_lines(text: str, width: float) -> int:
    units = sum(1.9 if ord(ch) > 0x2E80 else 1.0 for ch in text)
    return max(1, math.ceil(units / width))


@dataclass(frozen=True)
class Col:
    header: str
    key: str | Callable[[Any], Any]      # a column name, or a function of the row (row["name"])
    kind: str = "text"                   # text | number | int | yesno | date | datetime | list
    width: float = 12.0                  # at least: a number column is widened to its widest value
    drop_empty: bool = False             # left out when no row has a value (an optional column costs pages)


# number format of each kind of column (stream.TEXT: a string cell)
FORMATS = {"number": NUMBER_FORMAT, "int": "0", "date": ZH_DATE_FORMAT, "datetime": ZH_DATETIME_FORMAT}


def local_time(value: Any, tz: str) -> dt.datetime:
    """A UTC warehouse timestamp as naive local time."""
    return pd.Timestamp(value).tz_localize("UTC").tz_convert(tz).tz_localize(None).to_pydatetime()


# what a cell of each kind of column shows, from a value that is not missing (text: the value,
# written as its text)
_CONVERT: dict[str, Callable[[Any, str], Any]] = {
    "number": lambda v, tz: float(v), "int": lambda v, tz: int(v), "yesno": lambda v, tz: yes_no(v),
    "list": lambda v, tz: "、".join(str(x) for x in v), "date": lambda v, tz: pd.Timestamp(v).date(),
    "datetime": local_time, "text": lambda v, tz: v}


class _Columns(dict):
    """A frame's columns as lists, each converted when first read."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__()
        self.frame = frame

    def __missing__(self, name: str) -> list:
        values = self[name] = self.frame[name].tolist() if name in self.frame.columns else [None] * len(self.frame)
        return values


class _Row:
    """One frame row as a computed column reads it (row["name"]), without converting the others."""
    __slots__ = ("columns", "i")

    def __init__(self, columns: _Columns, i: int):
        self.columns, self.i = columns, i

    def __getitem__(self, name: str) -> Any:
        return self.columns[name][self.i]


def column_values(frame: pd.DataFrame, cols: list[Col], tz: str) -> list[list[Any]]:
    """Each column's cell values top to bottom: None, text, a number or a date/datetime."""
    columns = _Columns(frame)
    out = []
    for col in cols:
        if callable(col.key):
            raw = [col.key(_Row(columns, i)) for i in range(len(frame))]
        else:
            raw = columns[col.key]
        convert = _CONVERT[col.kind]
        out.append([None if (v := none(x)) is None else convert(v, tz) for x in raw])
    return out


def text_cell(ws: WriteOnlyWorksheet, value: Any, font: Font, fill: PatternFill | None = None,
               border: Border | None = None, alignment: Alignment | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    write_text(cell, value)
    cell.font = font
    if fill is not None:
        cell.fill, cell.border, cell.alignment = fill, border, alignment
    return cell


def head_row(ws: WriteOnlyWorksheet, headers: list[str]) -> list[WriteOnlyCell]:
    return [text_cell(ws, h, HEAD_FONT, HEAD_FILL, BORDER, CENTER) for h in headers]


_DATE_WIDTHS = {"date": 15.0, "datetime": 19.0}


def _shown(value: Any, kind: str) -> int:
    """Characters a number shows in its cell's format ('0.00', '0')."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return len(str(int(value))) if kind == "int" else len(f"{value:.2f}")


def fitted(cols: list[Col], columns: list[list[Any]]) -> tuple[list[Col], list[list[Any]]]:
    """The columns a table prints: an optional column nobody filled left out, and each column at
    least as wide as its widest number (a narrower one shows ### — 涉及金额 12345.67, 涉及人数
    1200.00): ~1.1 width units a digit under the common fonts, plus the indent and the cell margin."""
    out_cols, out_values = [], []
    for col, values in zip(cols, columns):
        if col.drop_empty and all(v is None or v == "" for v in values):
            continue
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]   # what _shown counts
        digits = max((_shown(v, col.kind) for v in numbers), default=0)
        if digits:
            col = dataclasses.replace(col, width=max(col.width, round(1.1 * digits + 3, 1)))
        elif col.kind in _DATE_WIDTHS and any(v is not None for v in values):   # 2018年7月20日 (10:05)
            col = dataclasses.replace(col, width=max(col.width, _DATE_WIDTHS[col.kind]))
        out_cols.append(col)
        out_values.append(values)
    return out_cols, out_values


def table(ws: StreamSheet, title: str, note: str | None, cols: list[Col], frame: pd.DataFrame,
           tz: str, data_date: dt.date | None = None) -> int:
    """Title, a note line, a header row and one row per frame row; filter and frozen header,
    A4 landscape at a legible scale with the header row repeated and numbered pages.
    Appends from row 1 of an empty sheet; returns the last row written."""
    top = 3 if note else 2
    cols, columns = fitted(cols, column_values(frame, cols, tz))
    widths = [col.width for col in cols]
    for c, col in enumerate(cols, 1):          # sheet-level settings first: written before the rows
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.freeze_panes = f"A{top + 1}"
    header_lines = max(text_lines(col.header, col.width - 1) for col in cols)
    ws.row_dimensions[top].height = max(30, 13.5 * header_lines + 6)
    page_setup(ws, widths, f"{top}:{top}", data_date, title)
    ws.append([text_cell(ws, title, TITLE_FONT)])
    if note:
        ws.row_dimensions[2].height = 13.5 * text_lines(note, sum(widths)) + 6
        note_cell = text_cell(ws, note, BODY_FONT)
        note_cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.merged_cells.add(f"A2:{get_column_letter(len(cols))}2")
        ws.append([note_cell])
    ws.append(head_row(ws, [col.header for col in cols]))
    body = TableRows(ws, [FORMATS.get(col.kind, TEXT) for col in cols], BODY_FONT, BORDER, WRAP,
                     number_alignment=NUMBER)
    r = top
    for r, values in enumerate(zip(*columns), top + 1):
        lines, cells = 1, []
        for c, value in enumerate(values):
            xml, text = body.cell(c, value)
            cells.append(xml)
            if text is not None:
                lines = max(lines, text_lines(text, cols[c].width - 2))     # the indent takes ~2
        body.add(cells, 13.5 * min(lines, 8) + 6 if lines > 1 else 19.5)
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(cols))}{max(r, top)}"
    return r
