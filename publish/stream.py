"""Long tables in a write-only openpyxl workbook, fast: body rows rendered as XML text.

openpyxl stays the writer of the workbook (sheets, styles, merges, widths, charts, the
package); what this replaces is its per-cell path (a Cell object per value, type guessing, an
XML element built and serialised per cell), ~20 µs a cell on our machines — the summary has
~500k cells at 1,000 submissions. A table row is rendered as one string (~2 µs a cell) and
openpyxl's own sheet writer puts it in place: the row number is the sheet's, the style ids
come from the workbook's style list.

What a cell says is what layout.write_text / write_number would have written (pinned by
tests/test_publish_stream.py against openpyxl's own path): text is always a string cell, never
a formula, and text a spreadsheet would take for a formula (= + - @) gets the quote prefix.
Characters XML cannot carry are dropped (openpyxl drops the control characters and writes the
others into a file nobody can open). The hooks (WriteOnlyWorksheet._values_to_row /
_get_writer, WorksheetWriter.get_stream / write_row, Workbook._add_sheet, et_xmlfile's text
writer) are internals of openpyxl and et_xmlfile, both pinned exactly (requirements.lock).
With lxml installed openpyxl writes through lxml instead, and so does this (flushed first)."""
from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import LXML, Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.compat import safe_string
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

from transforms.text import is_formula_like

TEXT = None                 # number_format of a text column: cells are strings
MAX_TEXT = 32767            # what a cell holds (openpyxl truncates the same way)
# openpyxl's ILLEGAL_CHARACTERS_RE (control characters) plus what XML 1.0 excludes beyond them
NOT_XML = re.compile(ILLEGAL_CHARACTERS_RE.pattern + "|[\ud800-\udfff\ufffe\uffff]")
_ROW = "\0"                 # in rendered cell references: the row number, filled in as the row is written
_MARKUP = re.compile("[&<>]")
_MEMO_TEXT = 40             # texts up to this long recur (names, words): each rendered once per column
_CELL_MARKUP = re.compile("[&<>\r]")
_CELL_ENTITIES = {"\r": "&#13;"}   # as lxml writes a CR in text: read back as CR, not LF


class _Rendered(tuple):
    """(one row's cells rendered as XML text, its height or None): ws.append takes tuples."""


class _Writer(WorksheetWriter):
    """openpyxl's sheet writer, writing rendered rows as they are: its lxml xmlfile is flushed
    first, so the bytes land where the row belongs (inside <sheetData>)."""

    def get_stream(self):                 # WorksheetWriter.get_stream, on a file object we can write to
        with open(self.out, "wb") as self._raw, xmlfile(self._raw) as xf:
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = (yield)
                        if el is True:
                            yield xf
                        elif el is not None:
                            xf.write(el)
                except GeneratorExit:
                    pass

    def write_dimensions(self):
        if self.ws.dimension:
            self.xf.send(SheetDimension(self.ws.dimension).to_tree())

    def write_row(self, xf, row, row_idx):
        if not isinstance(row, _Rendered):
            return super().write_row(xf, row, row_idx)
        cells, height = row
        dims = self.ws.row_dimensions.get(row_idx)      # set on the sheet: openpyxl's attributes
        if dims is not None:
            attrs = "".join(f' {k}="{v}"' for k, v in dims)
        else:   # the height came with the row: a RowDimension per row costs more than the row itself
            attrs = f' ht="{height:.16g}" customHeight="1"' if height else ""
        xml = f'<row r="{row_idx}"{attrs}>{cells.replace(_ROW, f"{row_idx}")}</row>'
        if LXML:
            xf.flush()                    # what lxml buffered goes first
            self._raw.write(xml.encode())
        else:                             # et_xmlfile: its own text writer, which keeps the order
            xf._file(xml)


class StreamSheet(WriteOnlyWorksheet):
    """A write-only sheet that also takes rows rendered by TableRows (plain rows still work)."""

    drawn = None     # a form replayed here (publish.workbook.drawn_sheet): the sheet it was drawn on
    dimension = None     # its <dimension ref>, as openpyxl writes a sheet it holds (write-only: none)

    def _get_writer(self):
        if self._writer is None:
            self._writer = _Writer(self)
            self._writer.write_top()

    def _values_to_row(self, values, row_idx):
        return values if isinstance(values, _Rendered) else super()._values_to_row(values, row_idx)


def stream_sheet(wb: Workbook, title: str) -> StreamSheet:
    """A new StreamSheet at the end of a write-only workbook."""
    ws = StreamSheet(parent=wb, title=title)
    wb._add_sheet(ws)
    return ws


def _number(value: Any) -> str | None:
    """openpyxl's text of a number (safe_string); None for inf/nan, which become text."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return "%.16g" % value


class TableRows:
    """Renders the body rows of a table (every cell styled with the given font / border /
    alignment, None: openpyxl's default, plus its number format) and streams them into a
    StreamSheet, from the sheet's next row on. Rows are numbered by the sheet."""

    def __init__(self, ws: StreamSheet, formats: list[str | None], font: Font | None, border: Border | None,
                 alignment: Alignment | None, number_alignment: Alignment | None = None):
        self.ws, self.formats = ws, formats
        self._body = (font, border, alignment)
        self._number_body = (font, border, number_alignment or alignment)   # numbers and dates
        self._refs = [f"{get_column_letter(c)}{_ROW}" for c in range(1, len(formats) + 1)]
        self._style_ids: dict[tuple, str] = {}
        self._texts: dict[tuple[int, str], tuple[str, str | None]] = {}   # (column, short text) -> cell

    def _style(self, number_format: str | None, quote: bool) -> str:
        """openpyxl's style id of a body cell (registered in the workbook on first use)."""
        key = (number_format, quote)
        if key not in self._style_ids:
            cell = WriteOnlyCell(self.ws)
            if number_format is not None:
                cell.number_format = number_format
            if quote:
                cell.quotePrefix = True
            for name, style in zip(("font", "border", "alignment"),
                                   self._body if number_format is None else self._number_body):
                if style is not None:
                    setattr(cell, name, style)
            self._style_ids[key] = f"{cell.style_id}"
        return self._style_ids[key]

    def _text(self, ref: str, value: Any) -> tuple[str, str | None]:
        """A string cell, as layout.write_text writes it ('' leaves it empty)."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = NOT_XML.sub("", str(value))[:MAX_TEXT]
        if text == "":
            return self._empty(ref), None
        space = ' xml:space="preserve"' if text != text.strip() else ""
        s = self._style(TEXT, is_formula_like(text))
        xml = escape(text) if _MARKUP.search(text) else text     # a CR is read back as LF, as before
        return f'<c r="{ref}" s="{s}" t="inlineStr"><is><t{space}>{xml}</t></is></c>', text

    def _empty(self, ref: str) -> str:
        """A styled cell without a value (and without a number format, as the write_* leave it)."""
        return f'<c r="{ref}" s="{self._style(TEXT, False)}" t="n"/>'

    def cell(self, col: int, value: Any) -> tuple[str, str | None]:
        """(the <c> element of column `col` (0-based), its text if a string cell). value: None,
        text (any value written as its text), a number, or a date/datetime. NUL never gets this
        far in text (NOT_XML), so it marks where the row number goes."""
        if type(value) is str and len(value) <= _MEMO_TEXT:   # unit names, 是/否, statuses: rendered once
            key = (col, value)
            done = self._texts.get(key)
            if done is None:
                done = self._texts[key] = self._text(self._refs[col], value)
            return done
        ref, fmt = self._refs[col], self.formats[col]
        if value is None or value != value:   # NaN: empty, as write_number leaves it
            return self._empty(ref), None
        if fmt is TEXT or isinstance(value, str):
            return self._text(ref, value)
        if hasattr(value, "year"):            # date / datetime: a serial number, shown by its format
            number = "%.16g" % to_excel(value, self.ws.parent.epoch)
        else:
            number = _number(value)
            if number is None:                # inf: written as its text, as write_number does
                return self._text(ref, str(value))
        return f'<c r="{ref}" s="{self._style(fmt, False)}" t="n"><v>{number}</v></c>', None

    def add(self, cells: list[str], height: float | None = None) -> None:
        """Stream one rendered row as the sheet's next row."""
        self.ws.append(copied_row(cells, height))


def copied_cell(ref: str, style_id: str | None, value: Any, data_type: str) -> str | None:
    """The <c> element openpyxl's writer (cell._writer.lxml_write_cell) writes for a cell of a
    string ('s'), number ('n') or boolean ('b') type, as text; ref: its reference (_ROW for the
    row number); style_id: None for a cell without a style. None: a cell of another kind (a
    formula, a date, rich text), for the caller to write through openpyxl. publish.workbook
    replays the official forms' cells with it, each exactly as it was drawn."""
    s = "" if style_id is None else f' s="{style_id}"'
    if data_type == "s":
        if not isinstance(value, str) and value is not None:
            return None                    # rich text
        head = f'<c r="{ref}"{s} t="inlineStr"'
        if not value:                      # None or '': an empty element, as lxml_write_cell leaves it
            return head + "/>"
        space = ' xml:space="preserve"' if value != value.strip() else ""
        xml = escape(value, _CELL_ENTITIES) if _CELL_MARKUP.search(value) else value
        return f"{head}><is><t{space}>{xml}</t></is></c>"
    if data_type not in ("n", "b"):
        return None
    head = f'<c r="{ref}"{s} t="{data_type}"'
    if value is None or value == "":
        return head + "/>"
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return None                        # openpyxl converts these (to_excel) only for data type 'd'
    text = safe_string(value)
    return f"{head}><v>{escape(text) if _MARKUP.search(text) else text}</v></c>"


def row_ref(column: int) -> str:
    """The reference of a copied_cell in `column` (1-based) of the row it is appended as."""
    return f"{get_column_letter(column)}{_ROW}"


def copied_row(cells: list[str], height: float | None = None) -> _Rendered:
    """A row of copied_cell elements (a custom height, or None), to append to a StreamSheet."""
    return _Rendered(("".join(cells), height))
