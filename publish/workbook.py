"""The city's summary workbook: pure — warehouse frames in, an openpyxl Workbook out.

Sheets (build_workbook lists them in order): first the city's own forms in the official
layout as the office signs and sends them upward — 附件1 (counties, 属地) with the departments'
附件1 beside it on its own sheet (never added in), 附件2 (the cross-region ledger, one row per
company, with its 合计) and 附件3 (one row per county) — then the working sheets: charts, the
ledger with every reporter, the county qualification, reporting status, every validation
problem in words, the per-unit figures and the file list. Every sheet prints on A4 landscape
at a legible scale (publish.printing). Every text cell is written as layout.write_text writes it (the long tables'
rows are rendered by publish.stream, to the same effect): text from submissions is written as
text, never as a formula.

The workbook is write-only (openpyxl streams each row as it is appended: the detail sheets
hold hundreds of thousands of cells). Sheets are written top to bottom; row heights, widths,
frozen panes and print set-up are set before the rows they apply to. The official 附件1 layout
needs random access (layout.write_form), so it is drawn on a scratch sheet and replayed."""
from __future__ import annotations

from copy import copy
from typing import Any, Callable, Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from campaign.dates import zh_date
from campaign.forms import FORM1, FORM2, FORM3
from publish import official
from publish.meta import KIND_ZH, STATUS_ZH, PublishMeta
from publish.printing import break_before
from publish.sheet_assessment import assessment_sheets, status_with_documents
from publish.sheet_changes import add_history_sheets
from publish.sheet_dues import SHEET_DUES, dues_sheet
from publish.sheet_identity import SHEET_IDENTITY, identity_sheet, ledger_identity_cols
from publish.layout import NUMBER_FORMAT
from publish.stream import NOT_XML, TEXT, TableRows, copied_cell, copied_row, row_ref, stream_sheet
from publish.tables import BORDER, HEAD_FONT, Col, head_row, none, table, text_cell
from publish.words import SEVERITY_SHORT, expected, explanation, value_text
from warehouse.queries import SummaryFrames

F1_NUMBERS = [c.name for c in FORM1.totalled_columns]      # the 8 starred columns
F1_TEXTS = ["main_problems", "measures", "unremediated_reason"]
MAX_PHRASES = 2        # 注3 "择要列举": the city sheet keeps the phrases most units wrote (view orders them)

SHEET_CITY = "附件1 区县汇总"
SHEET_DEPTS = "附件1 市直部门"
SHEET_FORM2 = "附件2 重点风险线索"
SHEET_FORM3 = "附件3 无非法集资区县"
SHEET_CHARTS = "图表"
SHEET_LEDGER = "风险台账"
SHEET_QUALIFY = "区县认定"
SHEET_STATUS = "报送情况"
SHEET_ISSUES = "校验问题"
SHEET_UNIT_TOTALS = "分单位汇总"
SHEET_UNIT_ROWS = "分单位明细"
SHEET_REPORTS = "风险线索明细"
SHEET_FILES = "报送文件"

def _f1_header(name: str) -> str:
    """附件1 column header from forms.py; an ambiguous leaf label (机构数量) gets its parent."""
    col = FORM1.column(name)
    same = [c for c in FORM1.columns if c.label == col.label]
    return f"{col.parent}：{col.label}" if len(same) > 1 and col.parent else col.label


# --------------------------------------------------------------------------------------
# the city 附件1 in the official layout

def _brief(text: Any) -> str | None:
    """'a、b、c、d、e' -> 'a、b、c等' (the view lists the most often written phrases first)."""
    text = none(text)
    if text is None:
        return None
    parts = str(text).split("、")
    return "、".join(parts[:MAX_PHRASES]) + ("等" if len(parts) > MAX_PHRASES else "")


def _form1_data(city: pd.DataFrame, scope: str) -> tuple[list[dict], dict]:
    """附件1's rows and its 合计 (the view's, computed from the rows) of one scope."""
    part = city[city["scope"] == scope].sort_values("row_order")
    data, totals = [], {}
    for _, row in part.iterrows():
        values = {n: none(row[n]) for n in F1_NUMBERS}
        if row["is_total"]:
            totals[row["section"]] = values
            continue
        values |= {n: _brief(row[n]) for n in F1_TEXTS}
        data.append({"section": row["section"], "grp": none(row["grp"]), "item": row["item"], **values})
    return data, totals


def draw_form1(ws: Worksheet, frames: SummaryFrames, scope: str, meta: PublishMeta) -> None:
    """附件1 of one scope (counties: the city's 属地 figures; departments: for comparison)."""
    data, totals = _form1_data(frames.city_stats, scope)
    kind = "county" if scope == "counties" else "department"
    official.draw_official(ws, FORM1, data, _scope_caption(frames, scope, meta), meta, totals,
                           official.footer_date_of(frames.reporting_status, FORM1.code, meta, kind))


def draw_form2(ws: Worksheet, frames: SummaryFrames, meta: PublishMeta) -> None:
    """附件2: the cross-region ledger, one row per company worst first, 合计 = the ledger's totals."""
    led = frames.risk_ledger
    caption = official.caption_text(f"全市汇总（各单位报送合并，同一企业只计一次，共{len(led)}家）", meta)
    official.draw_official(ws, FORM2, official.form2_rows(led, frames.risk_reports), caption, meta,
                           official.form2_totals(led),
                           official.footer_date_of(frames.reporting_status, FORM2.code, meta))


def draw_form3(ws: Worksheet, frames: SummaryFrames, meta: PublishMeta) -> None:
    """附件3: one row per registry county, the form's own columns (the qualification: 区县认定)."""
    q = frames.county_qualification
    have = int(q["reported"].fillna(False).astype(bool).sum()) if len(q) else 0
    caption = official.caption_text(f"全市汇总（{have}/{len(q)}个县区报送有效附件3）", meta)
    d = official.draw_official(ws, FORM3, official.form3_rows(q), caption, meta, None,
                               official.footer_date_of(frames.reporting_status, FORM3.code, meta, "county"))
    official.whole_numbers(ws, d, ["criminal_cases"])


def drawn_sheet(wb: Workbook, title: str, draw: Callable[..., None], *args, as_drawn: bool = False) -> None:
    """A form drawn with random access, replayed into the write-only workbook's new sheet (which
    keeps the drawing, `drawn`: another workbook replays the same form from it). as_drawn: the
    file says what openpyxl wrote of a workbook holding the drawn sheets (publish.upward)."""
    scratch = official.scratch()
    draw(scratch, *args)
    ws = stream_sheet(wb, title)
    _replay(scratch, ws, as_drawn)
    ws.drawn = scratch


def _drawing(sheet: Worksheet) -> Worksheet:
    """What to replay of another workbook's sheet: its drawing if it was replayed itself."""
    drawn = getattr(sheet, "drawn", None)
    return sheet if drawn is None else drawn


_SHEET_SETTINGS = ("sheet_properties", "sheet_format", "views", "page_setup", "print_options", "page_margins",
                   "HeaderFooter", "auto_filter", "data_validations", "conditional_formatting", "merged_cells",
                   "row_breaks", "col_breaks")


_STYLE_LISTS = ("_fonts", "_fills", "_borders", "_alignments", "_protections", "_number_formats")


def _replay(src: Worksheet, dst: WriteOnlyWorksheet, as_drawn: bool = False) -> None:
    """Stream a sheet drawn with random access into an empty write-only sheet: cells with their
    values, types and styles, merges, widths and heights, views and print set-up; the rows as
    XML text (publish.stream.copied_cell). as_drawn: also what openpyxl's writer adds of a sheet
    it holds (the extent, <dimension>; the print area named with its sheet) and the style lists
    in the order the drawing filled them — sheets replayed in order into a new workbook are then
    written as that workbook of the drawn sheets would be."""
    for name in _SHEET_SETTINGS:     # none of these refers to the workbook's style lists
        setattr(dst, name, getattr(src, name))
    dst.print_title_rows, dst.print_title_cols = src.print_title_rows, src.print_title_cols
    dst.print_area = src.print_area      # named with its sheet ('附件1 区县汇总'!$A$1:$O$40), as Excel writes it
    if as_drawn:
        dst.dimension = src.calculate_dimension()
        for name in _STYLE_LISTS:
            have = getattr(dst.parent, name)
            for item in getattr(src.parent, name):
                have.add(copy(item))
    for key, dim in src.column_dimensions.items():
        if dim.customWidth:
            dst.column_dimensions[key].width = dim.width
    # the heights come with the rendered rows (a RowDimension per row costs more than the row)
    heights = {r: dim.height for r, dim in src.row_dimensions.items() if dim.customHeight}
    # src style array -> (dst style array, its id in dst's style list; None: unstyled). The ids are
    # taken in the order the cells come, as openpyxl's writer takes them (same styles.xml)
    styles: dict[tuple, tuple[Any, str | None]] = {}
    cell_styles = dst.parent._cell_styles
    done = getattr(src, "replayed", None)
    if done is not None:     # replayed before (the upward report's forms into the working workbook)
        order, ids, rendered = done
        for key, cell in order:              # the styles taken in the same order as a replay takes them
            style = _dst_style(dst, cell)
            styles[key] = (style, f"{cell_styles.add(style)}" if any(style) else None)
        if {key: sid for key, (_, sid) in styles.items()} == ids:   # the same ids: the same rows
            for row in rendered:
                dst.append(row)
            return
    order: list[tuple[tuple, Any]] = [] if done is None else done[0]    # each style's first cell
    rendered: list | None = []
    letters = [row_ref(c) for c in range(1, src.max_column + 1)]
    for row in src.iter_rows(min_row=1, max_row=src.max_row):
        cells: list[str] | None = []
        for cell in row:
            if cell.value is None and not cell.has_style:
                continue
            key = _style_key(cell)
            if key not in styles:
                styles[key] = (_dst_style(dst, cell), None)
                order.append((key, cell))
            style, sid = styles[key]
            if sid is None and any(style):
                sid = f"{cell_styles.add(style)}"
                styles[key] = (style, sid)
            value = NOT_XML.sub("", cell.value) if isinstance(cell.value, str) else cell.value
            if value is None and sid is None:     # nothing openpyxl would write either
                continue
            xml = None if cell.hyperlink or cell.comment else copied_cell(letters[cell.column - 1], sid, value,
                                                                           cell.data_type)
            if xml is None:                       # a kind of cell not rendered here: the row through openpyxl
                cells = None
                break
            cells.append(xml)
        r = row[0].row
        if cells is None:
            if r in heights:
                dst.row_dimensions[r].height = heights[r]
            dst.append([_copied(dst, cell, styles) for cell in row])
            rendered = None
        else:
            line = copied_row(cells, heights.get(r))
            dst.append(line)
            if rendered is not None:
                rendered.append(line)
    if done is None and rendered is not None:    # kept for a replay into another workbook
        src.replayed = (order, {key: sid for key, (_, sid) in styles.items()}, rendered)


def _style_key(cell) -> tuple:
    """The cell's style array (openpyxl leaves it None on a cell that was given only a value)."""
    return (0,) * 9 if cell._style is None else tuple(cell._style)


def _dst_style(dst: WriteOnlyWorksheet, cell) -> Any:
    """The style array of `cell` (another workbook's) in dst's workbook, its parts added to its lists."""
    new = WriteOnlyCell(dst)
    new.font, new.fill, new.border = copy(cell.font), copy(cell.fill), copy(cell.border)
    new.alignment, new.protection = copy(cell.alignment), copy(cell.protection)
    new.number_format = cell.number_format
    new.quotePrefix, new.pivotButton = cell.quotePrefix, cell.pivotButton
    return copy(new._style)


def _copied(dst: WriteOnlyWorksheet, cell, styles: dict) -> WriteOnlyCell | None:
    """One cell of _replay through openpyxl's own path (its style already in `styles`)."""
    if cell.value is None and not cell.has_style:
        return None
    new = WriteOnlyCell(dst)
    new.value = NOT_XML.sub("", cell.value) if isinstance(cell.value, str) else cell.value
    new.data_type = cell.data_type         # text stays text: never re-guessed as a formula
    new._style = copy(styles[_style_key(cell)][0])
    return new


def _scope_caption(frames: SummaryFrames, scope: str, meta: PublishMeta) -> str:
    kind = "county" if scope == "counties" else "department"
    status = frames.reporting_status
    units = status[(status["unit_kind"] == kind) & (status["form"] == FORM1.code)]
    have = int(units["current_file"].notna().sum())
    scope_text = (f"全市汇总（县区属地口径，已汇总{have}/{len(units)}个县区的有效报送）" if kind == "county"
                  else f"市直部门报送汇总（{have}/{len(units)}个部门；仅供对照，不计入全市合计）")
    return official.caption_text(scope_text, meta)


# --------------------------------------------------------------------------------------
# charts

def _chart(ws: WriteOnlyWorksheet, title: str, axis: str, col: int, first: int, last: int, anchor: str,
           height: float, width: float) -> None:
    chart = BarChart()
    chart.type = "bar"                   # horizontal bars: long Chinese category labels stay readable
    chart.style = 10
    chart.title = title
    chart.y_axis.title = axis
    chart.x_axis.delete = False          # newer Excel hides axes unless told
    chart.y_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"    # first row at the top, as in the table
    chart.legend = None
    chart.y_axis.number_format, chart.y_axis.majorGridlines = "0", None
    chart.add_data(Reference(ws, min_col=col, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.height, chart.width = height, width     # cm
    ws.add_chart(chart, anchor)


# Each chart has a page of its own below the tables, never beside a table that may run onto the
# next page (charts were cut there and overlapped): a slot of SLOT_ROWS rows of SLOT_ROW pt starts
# with a page break and holds a chart shorter than the slot; a slot (360 pt) fits the printable
# height of A4 landscape (~465 pt) at any scale ≤ 100 %.
SLOT_ROWS, SLOT_ROW = 24, 15.0
_CHART_CM = 12.0                      # a slot's chart: 340 pt tall


def _slot(ws: WriteOnlyWorksheet, first: int, rows: int = SLOT_ROWS) -> int:
    """Blank rows first..first+rows-1 of fixed height, a page starting at `first`; returns the next row."""
    break_before(ws, first)
    for r in range(first, first + rows):
        ws.row_dimensions[r].height = SLOT_ROW
        ws.append([])
    return first + rows


def _charts_sheet(ws: WriteOnlyWorksheet, frames: SummaryFrames, meta: PublishMeta) -> None:
    problem, amount = _f1_header("problem_count"), f"{FORM1.column('amount').label}（万元）"
    city = frames.city_stats
    sectors = city[(city["scope"] == "counties") & ~city["is_total"]].sort_values("row_order")
    counties = list(frames.county_qualification["county"])
    per_unit = frames.unit_stats.groupby("unit")[["problem_count", "amount"]].sum()
    by_county = pd.DataFrame({"unit": counties}).join(per_unit, on="unit").fillna(0)
    r = table(ws, "问题机构与涉及金额（县区属地口径）", f"数据日期：{zh_date(meta.data_date)}；图表数据即下表",
               [Col("领域/行为", "item", width=26), Col(problem, "problem_count", "number"),
                Col(amount, "amount", "number")], sectors, meta.timezone, meta.data_date)
    first, last = 4, r
    # a page per sector chart, full width (the table is ~10 cm wide; a chart up to 24 cm fits the page)
    nxt = last + 1
    for col, title, axis in ((2, "按领域/行为：问题机构数量", "个"), (3, "按领域/行为：涉及金额", "万元")):
        if last >= first:
            _chart(ws, title, axis, col, first, last, f"A{nxt}", _CHART_CM, 24)
        nxt = _slot(ws, nxt)
    # the counties: their table, and both charts side by side under it on the same page. Column D
    # starts ≥ 10 cm from the left under any font (A:C are 50 characters wide): a 9.5 cm chart at A
    # never reaches the one at D
    top = nxt
    break_before(ws, top)
    ws.row_dimensions[top + 1].height = 30           # the header's two lines
    ws.append([text_cell(ws, "按县区", HEAD_FONT)])
    ws.append(head_row(ws, ["区、县", problem, amount]))
    body = TableRows(ws, [TEXT, NUMBER_FORMAT, NUMBER_FORMAT], None, BORDER, None)
    for row in by_county.itertuples(index=False):
        body.add([body.cell(0, row.unit)[0], body.cell(1, float(row.problem_count))[0],
                  body.cell(2, float(row.amount))[0]], SLOT_ROW)
    lo, hi = top + 2, top + 1 + len(by_county)
    if len(by_county):
        _chart(ws, "按县区：问题机构数量", "个", 2, lo, hi, f"A{hi + 2}", 8, 9.5)
        _chart(ws, "按县区：涉及金额", "万元", 3, lo, hi, f"D{hi + 2}", 8, 9.5)


# --------------------------------------------------------------------------------------
# the tables

def _f2(name: str, kind: str = "text", width: float = 12.0) -> Col:
    return Col(FORM2.column(name).label, name, kind, width)


def _ledger_note(frames: SummaryFrames, meta: PublishMeta) -> str:
    led, risk = frames.risk_ledger, meta.risk
    sums = {k: float(led[k].sum()) if len(led) else 0.0 for k in ("amount", "people", "unpaid")}
    rule = ""
    if risk:
        rule = (f"；风险分值：涉及人数≥{risk.get('people_high')}计2分、≥{risk.get('people_medium')}计1分，"
                f"未兑付资金≥{risk.get('unpaid_high')}万元计2分、≥{risk.get('unpaid_medium')}万元计1分，"
                f"跨省计{risk.get('cross_province_points')}分，两个及以上单位报送计{risk.get('multi_reporter_points')}分")
    return (f"共{len(led)}家企业（企业名称规范化后合并）；金额、人数、未兑付资金取各单位报送的最大值，每家企业只计一次："
            f"涉及金额{sums['amount']:.2f}万元，涉及人数{sums['people']:.0f}人，未兑付资金{sums['unpaid']:.2f}万元{rule}。")


def _ledger_cols() -> list[Col]:
    return [Col("风险排序", "risk_rank", "int", 6), _f2("company_name", width=20),
            Col("报送单位", "reporting_units", "list", 16), Col("报送单位数", "n_units", "int", 6),
            _f2("cross_province", "yesno", 6), _f2("amount", "number", 10), _f2("people", "number", 9),
            _f2("unpaid", "number", 10), Col("各单位报送不一致", "disagreement", "yesno", 8),
            Col("风险分值", "risk_score", "int", 6), Col("各单位报送情况", "reports", width=44),
            *ledger_identity_cols()]


def _qualify_cols() -> list[Col]:
    f3 = {c.name: c.label for c in FORM3.columns}
    return [Col(f3["county"], "county", width=12), Col("是否报送有效附件3", "reported", "yesno", 10),
            Col(f3["criminal_cases"], "criminal_cases", "int", 12),
            Col(f3["over_50_case"], "over_50_case", "yesno", 22),
            Col(f3["over_20_petition"], "over_20_petition", "yesno", 22),
            Col("是否符合“无非法集资区、县”条件（系统计算）", "qualifies", "yesno", 16),
            Col("采用文件", "file_name", width=24), Col("落款日期", "footer_date", "date", 16),
            Col(f3["remarks"], "remarks", width=18)]


def _status_cols() -> list[Col]:
    def on_time(row):
        v = none(row["on_time"])
        return "未到期" if v is None else ("是" if v else "否")
    return [Col("单位", "unit", width=16), Col("类别", lambda r: KIND_ZH.get(r["unit_kind"]), width=8),
            Col("表", "form", width=12), Col("是否收到", "received", "yesno", 6), Col("文件数", "files", "int", 6),
            Col("最近收到时间", "last_received_at", "datetime", 19),
            Col("最近文件判定", lambda r: STATUS_ZH.get(r["status"], r["status"]), width=8),
            Col("当前采用文件", "current_file", width=24), Col("落款日期", "current_footer_date", "date", 16),
            Col("首次受理文件到达日期", "first_accepted_on", "date", 16), Col("截止日期", "forms_due", "date", 16),
            Col("是否按时", on_time, width=6)]


def _issue_cols(places: Mapping | None) -> list[Col]:
    """The problem sheet: Chinese only, the place in words; the rule code in its own column (ops)."""
    places = places or {}

    def place(r, part):
        return (places.get((r["sha256"], r["sheet"], r["cell"])) or {}).get(part)
    return [Col("单位", "unit", width=12), Col("文件", "file_name", width=18),
            Col("文件判定", lambda r: STATUS_ZH.get(r["status"], r["status"]), width=6),
            Col("表", "form", width=7),
            Col("行", lambda r: place(r, "row"), width=14), Col("栏目", lambda r: place(r, "column"), width=12),
            Col("工作表", "sheet", width=8), Col("单元格", "cell", width=6),
            Col("级别", lambda r: SEVERITY_SHORT.get(r["severity"], r["severity"]), width=6.5),
            Col("问题", lambda r: explanation({"message": r["message"], "rule": r["rule"]}), width=29.5),
            Col("填写内容", lambda r: value_text({"value": r["value"]}), width=16),
            Col("应当怎样", lambda r: expected({"rule": r["rule"], "value": r["value"]}), width=22), Col("规则代码", "rule", width=12)]


def _unit_totals(frames: SummaryFrames) -> pd.DataFrame:
    """Per unit and section: the sums of the starred columns of its current 附件1."""
    us = frames.unit_stats
    if us.empty:
        return pd.DataFrame(columns=["unit", "unit_kind", "section", *F1_NUMBERS])
    return us.groupby(["unit", "unit_kind", "section"], sort=False)[F1_NUMBERS].sum().reset_index()


def _f1_cols(width: float = 11) -> list[Col]:
    return [Col(_f1_header(n), n, "number", width) for n in F1_NUMBERS]


def _files_cols() -> list[Col]:
    return [Col("单位", "unit", width=14), Col("文件", "file_name", width=26),
            Col("判定", lambda r: STATUS_ZH.get(r["status"], r["status"]), width=6),
            Col("是否当前采用", "is_current", "yesno", 7), Col("错误数", "error_count", "int", 6),
            Col("提示数", "warning_count", "int", 6), Col("文件修改时间", "file_mtime", "datetime", 19),
            Col("收到时间", "received_at", "datetime", 19), Col("与之重复的文件", "duplicate_of", width=22, drop_empty=True),
            Col("文件指纹（SHA-256前12位）", lambda r: str(r["sha256"])[:12], width=14)]


def _reports_cols() -> list[Col]:
    return [Col("单位", "unit", width=11), _f2("company_name", width=18), _f2("industry", width=9),
            _f2("fundraising_mode", width=11), _f2("internet", width=8), _f2("amount", "number", 10),
            _f2("people", "number", 8), _f2("unpaid", "number", 10), _f2("cross_province", "yesno", 5),
            _f2("measures", width=14), _f2("refund_status", width=12), _f2("outcome", width=12),
            _f2("province_notice", width=12),
            Col(FORM2.column("remarks").label, "remarks", width=10, drop_empty=True)]


def _unit_rows_sheet(ws, frames: SummaryFrames, meta: PublishMeta) -> None:
    """分单位明细: every unit's current 附件1 rows; beyond [publish] detail_units_max units (a province,
    the country) a note instead: nobody reads 3,000 units' rows here, and writing them was the
    largest working sheet of such a night. The rows stay in the warehouse and the units' receipts."""
    stats = frames.unit_stats
    units = stats["unit"].nunique() if len(stats) else 0
    title = "分单位明细（各单位当前有效附件1的每一行）"
    if units <= meta.detail_units_max:
        table(ws, title, None, _unit_rows_cols(), stats, meta.timezone, meta.data_date)
        return
    note = (f"本次共有 {units:,} 个单位的有效附件1（{len(stats):,} 行），超过本表列出的上限 {meta.detail_units_max} "
            "个单位，逐行明细不再列入本工作簿：各单位合计见“分单位汇总”，逐行明细见数据仓库 analytics.duckdb 的 "
            "unit_stats 视图和各单位的回执。")
    table(ws, title, note, _unit_rows_cols(), stats.iloc[0:0], meta.timezone, meta.data_date)


def _unit_rows_cols() -> list[Col]:
    return [Col("单位", "unit", width=12), Col("部分", "section", width=7), Col("类别/分组", "grp", width=11),
            Col("项目", "item", width=15), Col("自行添加行", "is_added", "yesno", 5), *_f1_cols(9),
            Col(_f1_header("main_problems"), "main_problems", width=20)]


# --------------------------------------------------------------------------------------
# the workbook: one line per sheet, in the order the office reads them

def build_workbook(frames: SummaryFrames, meta: PublishMeta, places: Mapping | None = None,
                   forms: Workbook | None = None) -> Workbook:
    """The summary workbook of one run, to be saved once (openpyxl streams the rows of a
    write-only workbook through its own temporary files, not the publish folder).
    places: (sha256, sheet, cell) -> {'column', 'row'} in words, for the problem sheet.
    forms: the upward report (publish.upward) of the same frames and meta, whose three forms are
    copied instead of drawn a second time (附件2 of a province is thousands of rows)."""

    wb = Workbook(write_only=True)
    tz, day = meta.timezone, meta.data_date
    wb.properties.title = f"{meta.campaign_name} 汇总 {zh_date(day)}"
    wb.properties.creator = "campaign nightly"

    # the city's own forms first (the upward report, publish/upward.py, holds only these); opens on 附件1
    if forms is not None:   # the upward report's forms, drawn once: replayed here, not drawn again
        _replay(_drawing(forms[SHEET_CITY]), stream_sheet(wb, SHEET_CITY))
    else:
        drawn_sheet(wb, SHEET_CITY, draw_form1, frames, "counties", meta)
    drawn_sheet(wb, SHEET_DEPTS, draw_form1, frames, "departments", meta)
    for title, draw in ((SHEET_FORM2, draw_form2), (SHEET_FORM3, draw_form3)):
        if forms is not None:
            _replay(_drawing(forms[title]), stream_sheet(wb, title))
        else:
            drawn_sheet(wb, title, draw, frames, meta)
    wb.active = 0
    dues_sheet(stream_sheet(wb, SHEET_DUES), frames, meta)   # 催报清单: who still owes what (publish/sheet_dues.py)
    # working sheets
    add_history_sheets(wb, frames, meta)
    _charts_sheet(stream_sheet(wb, SHEET_CHARTS), frames, meta)
    table(stream_sheet(wb, SHEET_LEDGER), "跨区域重点风险线索台账（按风险从高到低，含各单位报送情况）",
           _ledger_note(frames, meta), _ledger_cols(), frames.risk_ledger, tz, day)
    identity_sheet(stream_sheet(wb, SHEET_IDENTITY), frames, meta)   # 疑似同一企业 (publish/sheet_identity.py)
    table(stream_sheet(wb, SHEET_QUALIFY), "“无非法集资区、县”认定（系统计算）",
           "符合条件＝今年非法集资刑事立案数为0，且两项“是否”均为“否”（按各县区当前有效附件3计算）；"
           "未报送有效附件3的区县不予认定。", _qualify_cols(), frames.county_qualification, tz, day)
    table(stream_sheet(wb, SHEET_STATUS), "报送情况（完整性与及时性）",
           "到达时间取文件修改时间与系统首次收到时间中较早者；按时＝首个受理文件在截止日期当天或之前到达。",
           _status_cols(), status_with_documents(frames), tz, day)   # the forms, then the documents (publish/sheet_assessment.py)
    assessment_sheets(wb, frames, meta)                      # 考评 and 报送材料
    table(stream_sheet(wb, SHEET_ISSUES), "校验问题（每个文件的全部错误与提示）",
           "错误：整个文件退回，不予采用，请更正后重新报送；提示：文件已受理，请今后注意。“规则代码”供运维人员查询。",
           _issue_cols(places), frames.validation_issues, tz, day)
    table(stream_sheet(wb, SHEET_UNIT_TOTALS), "分单位汇总（各单位当前有效附件1，按部分合计）", None,
           [Col("单位", "unit", width=16), Col("类别", lambda r: KIND_ZH.get(r["unit_kind"]), width=8),
            Col("部分", "section", width=8), *_f1_cols(10)], _unit_totals(frames), tz, day)
    _unit_rows_sheet(stream_sheet(wb, SHEET_UNIT_ROWS), frames, meta)
    table(stream_sheet(wb, SHEET_REPORTS), "重点风险线索明细（各单位当前有效附件2，原样）", None,
           _reports_cols(), frames.risk_reports, tz, day)
    table(stream_sheet(wb, SHEET_FILES), "收到的全部文件", None, _files_cols(), frames.submissions, tz, day)
    return wb
