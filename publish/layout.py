"""Draw the three forms of 淮处非〔2018〕1号 in their OFFICIAL layout onto openpyxl worksheets.

Pure functions: they draw onto a Worksheet / build a Workbook in memory and never touch the
file system. Everything a form looks like (rows, columns, labels, parents, 合计 marks, notes)
comes from `campaign.forms`; nothing is spelled out here.

Layout (as in the notice and the fixture workbooks):

    title (merged across the table, bold 16pt)
    单位：... (merged across the table; 附件3 has none)
    two-row header: a column without a parent is merged over both rows; consecutive columns
        sharing a parent sit under the parent label merged across them
        (附件1: a 3-column row-label area before the columns, merged over both header rows)
    data rows        附件1: section label merged down its rows, group label merged down its
                     sub-rows, an item without a group merged across the 2 item columns;
                     each section followed by its 合计 row (合计 merged over the 3 label columns)
                     附件2: 序号 1..n, then a 合计 row (合计 merged up to the first * column)
                     附件3: normally one row
    (one blank row)
    填报人：X        电话：Y        YYYY年M月D日
    注：1. ...   one row per note line, each merged across the table

Numbers are numeric cells with number_format '0.00' (注5). Every piece of text is written as a
text cell, never as a formula, whatever it starts with (= + - @).
"""
from __future__ import annotations

import datetime as dt
import math
import weakref
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from campaign.forms import (CHOICE, COUNT, FORM1, FORM2, FORM3, FORMS_BY_CODE, MONEY, NUMERIC_KINDS,
                            PEOPLE, SEQ, TEXT, TOTAL_LABEL, YESNO, Column, Form)
from transforms.text import is_formula_like, parse_number

__all__ = [
    "write_form", "blank_workbook", "blank_form1_rows", "write_text", "write_number",
    "footer_date_text", "FORMS_BY_UNIT_KIND", "NUMBER_FORMAT", "TEMPLATE_COMPANY_ROWS",
]

NUMBER_FORMAT = "0.00"          # 注5: 所有数字均保留小数点后 2 位
SEQ_FORMAT = "0"
TEMPLATE_COMPANY_ROWS = 20      # empty company rows in a blank 附件2
FORMS_BY_UNIT_KIND: dict[str, tuple[Form, ...]] = {
    "county": (FORM1, FORM2, FORM3),
    "department": (FORM1, FORM2),
}

# --------------------------------------------------------------------------------------
# styles (openpyxl de-duplicates them in the stylesheet; module-level objects are immutable)

_FONT_NAME = "宋体"
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE_FONT = Font(name="黑体", size=16, bold=True)
_HEADER_FONT = Font(name=_FONT_NAME, size=10, bold=True)
_BODY_FONT = Font(name=_FONT_NAME, size=10)
_SMALL_FONT = Font(name=_FONT_NAME, size=10)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)   # text never touches a border,
_RIGHT = Alignment(horizontal="right", vertical="center", indent=1)                  # nor a number the next cell
_LEFT_PLAIN = Alignment(horizontal="left", vertical="center")
_NOTE = Alignment(horizontal="left", vertical="top", wrap_text=True)
_TITLE_ALIGN = Alignment(horizontal="center", vertical="center")

# Setting openpyxl style attributes one by one hashes style objects on every call (slow for
# thousands of cells). Styles are combined once per (current style, change) and then copied:
# {workbook: {key: StyleArray}}; keys use ids of the module-level style constants above.
_STYLE_CACHE: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()


_LAST_CACHE: list = [lambda: None, None]   # (weak reference to the workbook styled last, its cache)


def style_cell(cell, *, font: Font | None = None, alignment: Alignment | None = None, border: Border | None = None,
               number_format: str | None = None, quote: bool = False) -> None:
    """cell.font = font, … as openpyxl would set them, each distinct step done once per workbook (a
    setter hashes and compares the value into the workbook's style list: that, for every cell, cost
    more than writing it)."""
    wb = cell.parent.parent
    if _LAST_CACHE[0]() is wb:     # the same workbook as the call before (a form is drawn cell after cell)
        cache = _LAST_CACHE[1]
    else:
        cache = _STYLE_CACHE.setdefault(wb, {})
        _LAST_CACHE[:] = [weakref.ref(wb), cache]
    current = tuple(cell._style) if cell._style is not None else (0,) * 9   # a fresh MergedCell: default
    key = (current, id(font), id(alignment), id(border), number_format, quote)
    hit = cache.get(key)
    if hit is not None:
        cell._style = hit[0].__copy__()
        return
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if number_format is not None:
        cell.number_format = number_format
    if quote:
        cell.quotePrefix = True
    cache[key] = (copy(cell._style), font, alignment, border)   # holding the objects keeps their ids unique


_LABEL_WIDTHS = (6.0, 14.0, 18.0)   # 附件1 row-label area: section | group | item
_KIND_WIDTHS = {COUNT: 10.0, PEOPLE: 10.0, MONEY: 12.0, TEXT: 20.0, CHOICE: 14.0, YESNO: 10.0, SEQ: 6.0}


# --------------------------------------------------------------------------------------
# cell writers: the only two ways a value lands in a cell

def _missing(value: Any) -> bool:
    """None, NaN and pandas' NA/NaT (values coming out of data frames) mean an empty cell."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, Decimal) and value.is_nan():
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def write_text(cell, value: Any) -> None:
    """Write `value` as a TEXT cell, never a formula (a leading = + - @ stays literal text).

    None / NaN / '' leave the cell empty. Characters XML cannot carry are dropped."""
    if _missing(value):
        cell.value = None
        return
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text == "":
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"            # openpyxl guessed 'f' for '=...': force a string cell
    if is_formula_like(text):
        style_cell(cell, quote=True)    # Excel keeps it text even when the cell is edited


def write_number(cell, value: Any, number_format: str = NUMBER_FORMAT) -> None:
    """Write a number as a numeric cell (exact: 2-decimal Decimals round-trip through repr(float)).

    Text (numbers typed as text, blank markers '—' '/' '无', a deliberate '12.5万') is written
    as a text cell exactly as given; None (or NaN) leaves the cell empty."""
    if _missing(value):
        cell.value = None
        return
    if isinstance(value, str) or isinstance(value, bool):
        write_text(cell, value)
        style_cell(cell, alignment=_RIGHT)
        return
    if isinstance(value, Decimal):
        if not value.is_finite():
            write_text(cell, str(value))
            return
        value = int(value) if value == value.to_integral_value() else float(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            write_text(cell, str(value))
            return
        if value.is_integer():
            value = int(value)
    cell.value = value
    style_cell(cell, number_format=number_format)


def footer_date_text(value: Any) -> str:
    """'2018年7月16日' for a date; text is kept as given; None gives the blank '年  月  日'."""
    if value is None:
        return "年    月    日"
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


# --------------------------------------------------------------------------------------
# geometry of one drawn form

@dataclass
class _Drawn:
    """Where a drawn form's parts landed (1-based worksheet rows/columns)."""
    form: Form
    first_col: int
    width: int                                   # table width in columns
    title_row: int
    header_rows: tuple[int, int]                 # first, last header row
    col_of: dict[str, int] = field(default_factory=dict)   # Column.name -> worksheet column
    data_rows: list[int] = field(default_factory=list)     # input rows (not 合计)
    total_rows: list[int] = field(default_factory=list)
    footer_row: int = 0
    last_row: int = 0

    @property
    def last_col(self) -> int:
        return self.first_col + self.width - 1


def _label_cols(form: Form) -> int:
    return 3 if form.rows else 0


def _has_parents(form: Form) -> bool:
    return any(c.parent for c in form.columns)


def _col_width(col: Column) -> float:
    if col.kind == TEXT and not col.required:      # 备注
        return 10.0
    base = _KIND_WIDTHS.get(col.kind, 12.0)
    n = len(col.label)
    if n > 12:                                     # 附件3's long questions: wrap on ~2-3 lines
        base = max(base, min(34.0, n * 1.1))
    return base


def _merge(ws: Worksheet, r0: int, c0: int, r1: int, c1: int) -> None:
    """ws.merge_cells without its per-edge border re-formatting (slow; we style every cell)."""
    if r1 > r0 or c1 > c0:
        ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"))
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    ws._cells[(r, c)] = MergedCell(ws, r, c)


def _style_box(ws: Worksheet, r0: int, c0: int, r1: int, c1: int, *, font=_BODY_FONT,
               alignment=None, border=_BORDER) -> None:
    for r in range(r0, r1 + 1):
        for c in range(c0, c1 + 1):
            style_cell(ws.cell(row=r, column=c), font=font, alignment=alignment, border=border)


def _footer_fields(footer: Any) -> tuple[Any, Any, Any]:
    if footer is None:
        return None, None, None
    if isinstance(footer, Mapping):
        return footer.get("filler"), footer.get("phone"), footer.get("date")
    return getattr(footer, "filler", None), getattr(footer, "phone", None), getattr(footer, "date", None)


def _sum(values: Iterable[Any]) -> Decimal:
    """Exact Decimal sum of what a parser would read (text numbers, blank markers as 0)."""
    total = Decimal(0)
    for v in values:
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            d = Decimal(str(v)) if isinstance(v, float) else Decimal(v)
        else:
            d = parse_number(v)
        if d is not None and d.is_finite():
            total += d
    return total


# --------------------------------------------------------------------------------------
# drawing

def _draw_title(ws: Worksheet, form: Form, d: _Drawn) -> int:
    r, c0, c1 = d.title_row, d.first_col, d.last_col
    write_text(ws.cell(row=r, column=c0), form.title)
    _merge(ws, r, c0, r, c1)
    style_cell(ws.cell(row=r, column=c0), font=_TITLE_FONT, alignment=_TITLE_ALIGN)
    ws.row_dimensions[r].height = 30
    r += 1
    if form.unit_line:
        write_text(ws.cell(row=r, column=c0), form.unit_line)
        _merge(ws, r, c0, r, c1)
        style_cell(ws.cell(row=r, column=c0), font=_SMALL_FONT, alignment=_LEFT_PLAIN)
        r += 1
    return r


def _draw_header(ws: Worksheet, form: Form, d: _Drawn, top: int) -> int:
    two = _has_parents(form)
    bottom = top + 1 if two else top
    d.header_rows = (top, bottom)
    first_data_col = d.first_col + _label_cols(form)
    if _label_cols(form):
        _merge(ws, top, d.first_col, bottom, first_data_col - 1)
    cols = list(form.columns)
    i = 0
    while i < len(cols):
        col = cols[i]
        c = first_data_col + i
        if col.parent is None:
            write_text(ws.cell(row=top, column=c), col.label)
            if two:
                _merge(ws, top, c, bottom, c)
            i += 1
            continue
        j = i
        while j + 1 < len(cols) and cols[j + 1].parent == col.parent:
            j += 1
        write_text(ws.cell(row=top, column=c), col.parent)
        _merge(ws, top, c, top, first_data_col + j)
        for k in range(i, j + 1):
            write_text(ws.cell(row=bottom, column=first_data_col + k), cols[k].label)
        i = j + 1
    for k, col in enumerate(cols):
        d.col_of[col.name] = first_data_col + k
    _style_box(ws, top, d.first_col, bottom, d.last_col, font=_HEADER_FONT, alignment=_CENTER)
    longest = max(len(c.label) for c in cols)
    for r in range(top, bottom + 1):
        ws.row_dimensions[r].height = 28 if longest <= 12 else 48
    return bottom + 1


def _style_rows(ws: Worksheet, form: Form, d: _Drawn, r0: int, r1: int) -> None:
    """Body rows: borders, body font, label columns centred, values aligned by kind.

    Runs after the values are written, so the number formats they set are kept."""
    for r in range(r0, r1 + 1):
        for c in range(d.first_col, d.first_col + _label_cols(form)):
            style_cell(ws.cell(row=r, column=c), font=_BODY_FONT, alignment=_CENTER, border=_BORDER)
        for col in form.columns:
            cell = ws.cell(row=r, column=d.col_of[col.name])
            align = _RIGHT if isinstance(cell.value, str) and col.kind in NUMERIC_KINDS else _body_alignment(col)
            style_cell(cell, font=_BODY_FONT, alignment=align, border=_BORDER)


def _write_value(cell, col: Column, value: Any) -> None:
    if col.kind in NUMERIC_KINDS:
        write_number(cell, value)
    elif col.kind == SEQ:
        write_number(cell, value, SEQ_FORMAT)
    else:
        write_text(cell, value)


def _body_alignment(col: Column) -> Alignment:
    if col.kind in NUMERIC_KINDS:
        return _RIGHT
    if col.kind in (CHOICE, YESNO, SEQ):
        return _CENTER
    return _LEFT


def _draw_values(ws: Worksheet, form: Form, d: _Drawn, r: int, values: Mapping[str, Any]) -> None:
    for col in form.columns:
        cell = ws.cell(row=r, column=d.col_of[col.name])
        _write_value(cell, col, values.get(col.name))


def _draw_total_cells(ws: Worksheet, form: Form, d: _Drawn, r: int, members: list[Mapping[str, Any]],
                      first: int | None, last: int | None, override: Mapping[str, Any] | None,
                      formulas: bool) -> None:
    for col in form.totalled_columns:
        c = d.col_of[col.name]
        cell = ws.cell(row=r, column=c)
        if override is not None and col.name in override:
            write_number(cell, override[col.name])
        elif formulas:
            letter = get_column_letter(c)
            cell.value = f"=SUM({letter}{first}:{letter}{last})" if first is not None else 0
            style_cell(cell, number_format=NUMBER_FORMAT)
        else:
            write_number(cell, _sum(m.get(col.name) for m in members))


def _draw_form1_body(ws: Worksheet, form: Form, d: _Drawn, r: int, data: Sequence[Mapping[str, Any]],
                     totals: Mapping[str, Mapping[str, Any]] | None, formulas: bool) -> int:
    c_sec, c_grp, c_item = d.first_col, d.first_col + 1, d.first_col + 2
    unknown = {row.get("section") for row in data} - set(form.sections)
    if unknown:
        raise ValueError(f"{form.code}: rows with unknown section(s) {sorted(map(str, unknown))}; "
                         f"expected one of {form.sections}")
    for section in form.sections:
        rows = [row for row in data if row.get("section") == section]
        start = r
        for row in rows:
            d.data_rows.append(r)
            grp, item = row.get("grp"), row.get("item")
            if grp:
                write_text(ws.cell(row=r, column=c_grp), grp)
                write_text(ws.cell(row=r, column=c_item), item)
            else:
                write_text(ws.cell(row=r, column=c_grp), item)
            _draw_values(ws, form, d, r, row)
            r += 1
        end = r - 1
        if rows:
            write_text(ws.cell(row=start, column=c_sec), section)
            _merge(ws, start, c_sec, end, c_sec)
            # group labels merged down their runs; items without a group across both item columns
            i = 0
            while i < len(rows):
                grp = rows[i].get("grp")
                j = i
                if grp:
                    while j + 1 < len(rows) and rows[j + 1].get("grp") == grp:
                        j += 1
                    _merge(ws, start + i, c_grp, start + j, c_grp)
                else:
                    _merge(ws, start + i, c_grp, start + i, c_item)
                i = j + 1
        _style_rows(ws, form, d, start, end)       # after merging: merged cells need their borders too
        # 合计
        d.total_rows.append(r)
        write_text(ws.cell(row=r, column=c_sec), TOTAL_LABEL)
        _merge(ws, r, c_sec, r, c_item)
        override = (totals or {}).get(section)
        _draw_total_cells(ws, form, d, r, rows, start if rows else None, end if rows else None,
                          override, formulas)
        _style_rows(ws, form, d, r, r)
        r += 1
    return r


def _draw_list_body(ws: Worksheet, form: Form, d: _Drawn, r: int, data: Sequence[Mapping[str, Any]],
                    totals: Mapping[str, Any] | None, formulas: bool) -> int:
    start = r
    for n, row in enumerate(data, start=1):
        d.data_rows.append(r)
        values = dict(row)
        if "seq" in d.col_of:           # 序号 1..n
            values["seq"] = n
        _draw_values(ws, form, d, r, values)
        r += 1
    end = r - 1
    if data:
        _style_rows(ws, form, d, start, end)
    if form.totalled_columns:
        d.total_rows.append(r)
        first_star = min(d.col_of[c.name] for c in form.totalled_columns)
        write_text(ws.cell(row=r, column=d.first_col), TOTAL_LABEL)
        _merge(ws, r, d.first_col, r, first_star - 1)
        _draw_total_cells(ws, form, d, r, list(data), start if data else None, end if data else None,
                          totals, formulas)
        _style_rows(ws, form, d, r, r)
        style_cell(ws.cell(row=r, column=d.first_col), alignment=_CENTER)
        r += 1
    return r


def _draw_footer_and_notes(ws: Worksheet, form: Form, d: _Drawn, r: int, footer: Any) -> int:
    r += 1                                   # one blank row under the table
    filler, phone, date = _footer_fields(footer)
    n = d.width
    c_phone = d.first_col + max(1, n // 4)
    c_date = d.first_col + (n - 4 if n > 8 else n - 2)
    d.footer_row = r
    for c, text in ((d.first_col, f"填报人：{filler or ''}"), (c_phone, f"电话：{phone or ''}"),
                    (c_date, footer_date_text(date))):
        cell = ws.cell(row=r, column=c)
        write_text(cell, text)
        style_cell(cell, font=_BODY_FONT, alignment=_LEFT_PLAIN)
    r += 1
    total_width = sum((ws.column_dimensions[get_column_letter(c)].width or 9.0)
                      for c in range(d.first_col, d.last_col + 1))
    per_line = max(10, int(total_width / 1.9))     # CJK characters per printed line, roughly
    for note in form.notes:
        cell = ws.cell(row=r, column=d.first_col)
        write_text(cell, note)
        _merge(ws, r, d.first_col, r, d.last_col)
        style_cell(cell, font=_BODY_FONT, alignment=_NOTE)
        lines = max(1, math.ceil(len(note) / per_line))
        if lines > 1:
            ws.row_dimensions[r].height = 14 * lines + 2
        r += 1
    return r - 1


def _set_widths(ws: Worksheet, form: Form, d: _Drawn) -> None:
    c = d.first_col
    if _label_cols(form):
        for w in _LABEL_WIDTHS:
            ws.column_dimensions[get_column_letter(c)].width = w
            c += 1
    for col in form.columns:
        ws.column_dimensions[get_column_letter(c)].width = _col_width(col)
        c += 1


def _draw(ws: Worksheet, form: Form, data: Sequence[Mapping[str, Any]] | None, footer: Any,
          origin: tuple[int, int], totals: Mapping[str, Any] | None, formulas: bool) -> _Drawn:
    if isinstance(form, str):
        form = FORMS_BY_CODE[form]
    row0, col0 = origin
    if row0 < 1 or col0 < 1:
        raise ValueError(f"origin is 1-based (row, column), got {origin!r}")
    data = list(data or [])
    d = _Drawn(form=form, first_col=col0, width=_label_cols(form) + len(form.columns),
               title_row=row0, header_rows=(0, 0))
    _set_widths(ws, form, d)
    r = _draw_title(ws, form, d)
    r = _draw_header(ws, form, d, r)
    if form.rows:
        r = _draw_form1_body(ws, form, d, r, data, totals, formulas)
    else:
        r = _draw_list_body(ws, form, d, r, data, totals, formulas)
    d.last_row = _draw_footer_and_notes(ws, form, d, r, footer)
    # print like the paper form: landscape, one page wide, header rows repeated
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    return d


def write_form(ws: Worksheet, form: Form, data: Sequence[Mapping[str, Any]] | None,
               footer: Any = None, origin: tuple[int, int] = (1, 1), *,
               totals: Mapping[str, Any] | None = None) -> "_Drawn":
    """Draw `form` in the official layout onto `ws`, title at `origin` (1-based row, column);
    returns where its parts landed (header, data, 合计 and footer rows, column of each field).

    data, per form:
      附件1  list of dicts keyed by Column.name plus 'section', 'grp' (None for a row without a
             sub-group) and 'item', in printed order (added rows included, placed where they go).
             The two 合计 rows are the exact Decimal sums of the * columns of each section
             (text numbers are read the way the parser reads them, blank markers as 0).
      附件2  list of company dicts keyed by Column.name; 序号 is written 1..n; then a 合计 row.
      附件3  list of dicts (normally one).
    Values: numbers (int / Decimal / float) become numeric cells formatted '0.00'; a str in a
    numeric column is written as text exactly as given (to reproduce numbers typed as text or
    blank markers); None leaves the cell empty. Text is always a text cell, never a formula.

    totals: optional override of the declared 合计 values (e.g. a deliberately wrong total in a
      test): 附件1 {section: {column name: value}}, 附件2 {column name: value}. Columns not in
      the override are computed.
    footer: None (blank 填报人/电话/年 月 日), or a mapping / object with filler, phone and date
      (a datetime.date, written '2018年7月16日', or text written as given).
    """
    return _draw(ws, form, data, footer, origin, totals, formulas=False)


# --------------------------------------------------------------------------------------
# blank templates (`campaign template`)

def blank_form1_rows(form: Form = FORM1) -> list[dict[str, Any]]:
    """The printed rows of 附件1 with no figures: the data argument of an empty form."""
    return [{"section": row.section, "grp": row.group, "item": row.item} for row in form.rows]


def _column_ranges(d: _Drawn, col: Column) -> list[str]:
    """The input cells of one column as ranges: contiguous runs of data rows."""
    c = get_column_letter(d.col_of[col.name])
    runs, rows = [], sorted(d.data_rows)
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == rows[j] + 1:
            j += 1
        runs.append(f"{c}{rows[i]}:{c}{rows[j]}" if j > i else f"{c}{rows[i]}")
        i = j + 1
    return runs


def _add_validations(ws: Worksheet, form: Form, d: _Drawn) -> None:
    if not d.data_rows:
        return
    for col in form.columns:
        if col.choices:
            allowed = "、".join(col.choices)
            dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True,
                                showErrorMessage=True, showInputMessage=True,
                                errorTitle="填写有误", error=f"“{col.label}”只能填写：{allowed}",
                                promptTitle=col.label, prompt=f"请从下拉列表选择：{allowed}")
        elif col.numeric:
            whole = "（整数）" if col.kind in (COUNT, PEOPLE) else "（万元，保留2位小数）"
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, errorTitle="填写有误",
                                error=f"“{col.label}”须填写不小于0的数字{whole}。")
        else:
            continue
        for run in _column_ranges(d, col):
            dv.add(run)
        ws.add_data_validation(dv)


def blank_workbook(unit_kind: str, unit: str | None = None, *, config=None) -> Workbook:
    """An empty workbook in the official layout for a reporting unit (`campaign template`).

    county: 附件1, 附件2, 附件3; department: 附件1, 附件2 (or the forms config requires for the
    kind). Drop-downs on the choice columns, decimal >= 0 on numeric input cells, 20 empty
    company rows in 附件2, and 合计 rows as =SUM formulas. A county's name (unit) is pre-filled
    in 附件3."""
    if unit_kind not in FORMS_BY_UNIT_KIND:
        raise ValueError(f"unit_kind must be one of {sorted(FORMS_BY_UNIT_KIND)}, got {unit_kind!r}")
    forms = FORMS_BY_UNIT_KIND[unit_kind]
    if config is not None:
        codes = config.raw["units"]["required_forms"][unit_kind]
        forms = tuple(FORMS_BY_CODE[code] for code in codes)
    wb = Workbook()
    wb.remove(wb.active)
    for form in forms:
        ws = wb.create_sheet(form.code)
        if form.rows:
            data: list[dict[str, Any]] = blank_form1_rows(form)
        elif form.totalled_columns:
            data = [{} for _ in range(TEMPLATE_COMPANY_ROWS)]
        else:
            data = [{"county": unit} if unit and unit_kind == "county" else {}]
        d = _draw(ws, form, data, None, (1, 1), None, formulas=True)
        _add_validations(ws, form, d)
        ws.print_title_rows = f"{d.header_rows[0]}:{d.header_rows[1]}"
    return wb
