"""The city's own 附件1, 附件2 and 附件3, filled, in the official layout the office signs.

Each is drawn by publish.layout.write_form — the same writer as a unit's template, so the
title, 附件N label, 单位 line, two-row merged headers, 合计 row, footer and notes are exactly the
notice's — on a scratch sheet, then replayed into the write-only workbook. What is decided here
is only what fills them: the counties' sums (附件1), the cross-region ledger one row per company
(附件2), one row per registry county (附件3); and how they print."""
from __future__ import annotations

import datetime as dt
import math
from copy import copy
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from campaign.dates import zh_date
from campaign.forms import FORM1, FORM2, FORM3, MONEY, NUMERIC_KINDS, PEOPLE, TEXT, COUNT, Form
from publish.printing import FORM_PAGE_FOOTER, break_before, form_setup, plan_breaks
from publish.layout import write_form, write_text
from publish.tables import none

_LABEL_FONT = Font(name="黑体", size=12)
_CAPTION_FONT = Font(name="宋体", size=10)
_RIGHT = Alignment(horizontal="right", vertical="center")
CENT = Decimal("0.01")
LINE_HEIGHT = 13.5                   # points per line of 10 pt text


# --------------------------------------------------------------------------------------
# widths: the official forms on A4 landscape at ≥ 80 % (a unit's template is wider: it is typed in)

def _form_widths(form: Form) -> list[float]:
    """Column widths of the published form, label columns first."""
    widths = [4.5, 10.0, 13.0] if form.rows else []
    for col in form.columns:
        if form is FORM3:
            w = {"county": 17.0, "criminal_cases": 14.0, "remarks": 25.0}.get(col.name, 34.0)   # 填报人 fits under 区县
        elif col.kind == TEXT:
            w = 8.0 if not col.required and form is FORM1 else 12.0 if not col.required else (
                16.0 if form is FORM1 else 14.0)
            if col.name == "company_name":
                w = 16.0
        elif col.kind == MONEY:
            w = 11.0
        elif col.kind == PEOPLE:
            w = 10.5                 # a 合计 of '14672.00' and the indent
        elif col.kind == COUNT:
            w = 9.5                  # '1000.00' and the indent
        elif col.name == "seq":
            w = 5.0
        elif col.name == "internet":
            w = 8.0
        else:
            w = 6.5
        widths.append(w)
    return widths


def _wrapped_lines(text: str, width: float) -> int:
    if text and min(text) > "\u2e80":          # all wide (most Chinese text): the sum below is exactly this
        units = 2.0 * len(text)
    else:
        units = sum(2.0 if ord(ch) > 0x2E80 else 1.05 for ch in text)
    return max(text.count("\n") + 1, math.ceil(units / max(1.0, width - 2.5)))   # the indent and wrapping at words


def fit_rows(ws: Worksheet, first_row: int, last_row: int) -> None:
    """Row heights for wrapped text (spreadsheets do not grow them), merged cells included:
    a cell merged across columns wraps in their summed width; one merged down rows is left."""
    max_col = ws.max_column                     # computed over every cell: once, not per row
    widths = {c: ws.column_dimensions[get_column_letter(c)].width or 9.0 for c in range(1, max_col + 1)}
    span: dict[tuple[int, int], tuple[float, bool]] = {}
    for rng in ws.merged_cells.ranges:
        w = sum(widths.get(c, 9.0) for c in range(rng.min_col, rng.max_col + 1))
        span[(rng.min_row, rng.min_col)] = (w, rng.max_row > rng.min_row)
    alignments = ws.parent._alignments
    wraps: dict[int, Any] = {}       # alignment id -> wrap_text (cell.alignment builds a proxy each time)
    for r in range(first_row, last_row + 1):
        lines = 1
        for c in range(1, max_col + 1):
            cell = ws._cells.get((r, c))
            if cell is None or isinstance(cell, MergedCell) or not isinstance(cell.value, str):
                continue
            w, tall = span.get((r, c), (widths.get(c, 9.0), False))
            if tall:
                continue
            a = cell._style.alignmentId
            if a not in wraps:
                wraps[a] = alignments[a].wrap_text
            if wraps[a]:
                lines = max(lines, _wrapped_lines(cell.value, w))
        if lines > 1:
            ws.row_dimensions[r].height = max(ws.row_dimensions[r].height or 0, LINE_HEIGHT * lines + 4)
        elif ws.row_dimensions[r].height is None:
            ws.row_dimensions[r].height = LINE_HEIGHT + 6          # a little air above and below


def draw_official(ws: Worksheet, form: Form, data: list[Mapping[str, Any]], caption: str, meta,
                  totals: Mapping[str, Any] | None = None, footer_date: Any = None) -> Any:
    """附件N label and caption in row 1, then the form from row 2 (write_form), widths, row
    heights and print set-up. `meta`: PublishMeta (data date, office); `footer_date`: the date
    signed under the form (footer_date_of; default the data date). Returns the drawn form."""
    office = getattr(meta, "office", None) or {}
    d = write_form(ws, form, data, footer={"filler": office.get("contact"), "phone": office.get("phone"),
                                           "date": footer_date or meta.data_date},
                   origin=(2, 1), totals=totals)
    widths = _form_widths(form)
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    write_text(ws.cell(row=1, column=1), form.code)
    ws.cell(row=1, column=1).font = _LABEL_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    write_text(ws.cell(row=1, column=3), caption)
    ws.merge_cells(start_row=1, start_column=3, end_row=1, end_column=len(widths))
    ws.cell(row=1, column=3).font = _CAPTION_FONT
    ws.cell(row=1, column=3).alignment = _RIGHT
    ws.row_dimensions[1].height = 20
    fit_rows(ws, d.header_rows[0], d.last_row)
    scale = form_setup(ws, widths, f"{d.header_rows[0]}:{d.header_rows[1]}", form.title, d.last_row)
    _paginate(ws, d, scale)
    return d


def _paginate(ws: Worksheet, d: Any, scale: int) -> None:
    """Page breaks: each 附件1 section with its 合计 kept together where it fits on a page; the
    footer and notes never alone — they stay with the last data rows (the whole last section
    if it fits); a label merged down rows (section, group) repeated on the page it continues on."""
    first, last = d.header_rows[1] + 1, d.last_row
    heights = {r: ws.row_dimensions[r].height or 15.0 for r in range(1, last + 1)}
    keep, start = [], first
    for total in d.total_rows if d.form.rows else []:
        keep.append((start, total))
        start = total + 1
    body = d.data_rows + d.total_rows
    if body:
        tail_from = max(min(body), max(body) - 2)          # the 合计 and the two rows above it
        if d.form.rows and len(keep) > 1:
            keep.append((keep[-1][0], last))               # the last section, footer included
        keep.append((tail_from, last))
    repeated = sum(heights[r] for r in range(d.header_rows[0], d.header_rows[1] + 1))
    above = sum(heights[r] for r in range(1, first))
    breaks = plan_breaks(heights, first, last, scale, repeated, above, keep)
    for r in breaks:
        break_before(ws, r)
        _split_merges(ws, r)
    ws.oddFooter.center.text = FORM_PAGE_FOOTER.format(pages=len(breaks) + 1)


def _split_merges(ws: Worksheet, row: int) -> None:
    """A cell merged down across a page break (附件1's section or group label) is split there and
    its label written again in the first row of the new page."""
    for rng in list(ws.merged_cells.ranges):
        if not rng.min_row < row <= rng.max_row:
            continue
        top = ws.cell(row=rng.min_row, column=rng.min_col)
        ws.merged_cells.remove(rng)
        for r0, r1 in ((rng.min_row, row - 1), (row, rng.max_row)):
            if r0 != rng.min_row:
                new = Cell(ws, row=r0, column=rng.min_col)
                ws._cells[(r0, rng.min_col)] = new
                new.value, new.data_type, new._style = top.value, top.data_type, copy(top._style)
            if r1 > r0 or rng.max_col > rng.min_col:
                ws.merged_cells.add(MergedCellRange(
                    ws, f"{get_column_letter(rng.min_col)}{r0}:{get_column_letter(rng.max_col)}{r1}"))


def footer_date_of(status: pd.DataFrame, form: str, meta, unit_kind: str | None = None) -> dt.date:
    """The date signed under the city's form: --date when given, else the latest footer date of
    the units' current files of that form (never after the data date), else the data date."""
    if getattr(meta, "date_given", False) or status is None or not len(status):
        return meta.data_date
    rows = status[status["form"] == form]
    if unit_kind is not None:
        rows = rows[rows["unit_kind"] == unit_kind]
    dates = [pd.Timestamp(v).date() for v in rows.get("current_footer_date", []) if none(v) is not None]
    return min(max(dates), meta.data_date) if dates else meta.data_date


def caption_text(scope: str, meta) -> str:
    return f"{scope}　数据日期：{zh_date(meta.data_date)}"


# --------------------------------------------------------------------------------------
# 附件2: the cross-region ledger, one row per company

def joined(pairs: Iterable[tuple[str, Any]]) -> str | None:
    """What the reporters wrote in one column, each unit named once: one text if every
    reporter wrote the same, else 'A、B：text；C：other' (units with the same text together)."""
    by_text: dict[str, list[str]] = {}
    units = []
    for unit, value in pairs:
        units.append(unit)
        value = none(value)
        text = str(value).strip() if value is not None else ""
        if text:
            by_text.setdefault(text, [])
            if unit not in by_text[text]:
                by_text[text].append(unit)
    if not by_text:
        return None
    if len(by_text) == 1 and set(next(iter(by_text.values()))) == set(units):
        return next(iter(by_text))
    return "；".join(f"{'、'.join(us)}：{text}" for text, us in by_text.items())


_JOINED = ("industry", "fundraising_mode", "internet", "measures", "refund_status", "outcome", "province_notice")


def form2_rows(ledger: pd.DataFrame, reports: pd.DataFrame) -> list[dict[str, Any]]:
    """附件2's rows, worst first: the ledger's figures (what the city counts: each company once,
    its largest reported figures), the text columns joined from the reporters, 备注 naming them."""
    by_key: dict[Any, list[dict]] = {}
    for rec in reports.to_dict("records"):
        by_key.setdefault(rec["company_key"], []).append(rec)
    out = []
    for led in ledger.to_dict("records"):
        reps = by_key.get(led["company_key"], [])
        row: dict[str, Any] = {"company_name": led["company_name"], "amount": none(led["amount"]),
                               "people": none(led["people"]), "unpaid": none(led["unpaid"]),
                               "cross_province": "是" if bool(none(led["cross_province"])) else "否"}
        for name in _JOINED:
            row[name] = joined((r["unit"], r.get(name)) for r in reps)
        units = list(none(led.get("reporting_units")) if none(led.get("reporting_units")) is not None else [])
        remark = f"报送单位：{'、'.join(str(u) for u in units)}"
        if bool(none(led.get("disagreement"))):
            remark += "（各单位报送数字不一致，取最大值）"
        own = joined((r["unit"], r.get("remarks")) for r in reps)
        row["remarks"] = remark + (f"；{own}" if own else "")
        out.append(row)
    return out


def form2_totals(ledger: pd.DataFrame) -> dict[str, Any]:
    """The 合计 of the starred columns: the ledger's own totals."""
    # exact: the frame may carry DECIMAL(18,2) as floats; each is read back as its 2-decimal text
    return {c.name: sum((Decimal(str(v)).quantize(CENT) for v in ledger[c.name] if none(v) is not None),
                        start=Decimal(0))
            for c in FORM2.totalled_columns}


# --------------------------------------------------------------------------------------
# 附件3: one row per registry county

def _yes_no(v: Any) -> str | None:
    v = none(v)
    return None if v is None else ("是" if bool(v) else "否")


def form3_rows(qualification: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for q in qualification.to_dict("records"):
        reported = bool(none(q.get("reported")))
        out.append({"county": q["county"], "criminal_cases": none(q.get("criminal_cases")),
                    "over_50_case": _yes_no(q.get("over_50_case")),
                    "over_20_petition": _yes_no(q.get("over_20_petition")),
                    "remarks": none(q.get("remarks")) if reported else "未报送有效附件3"})
    return out


def whole_numbers(ws: Worksheet, d: Any, names: Iterable[str]) -> None:
    """Case counts as whole numbers ('0', not '0.00')."""
    for name in names:
        c = d.col_of[name]
        for r in d.data_rows + d.total_rows:
            cell = ws.cell(row=r, column=c)
            if isinstance(cell.value, (int, float)):
                cell.number_format = "0"


def scratch() -> Worksheet:
    return Workbook().active
