"""The workbook's 今日变化 sheet (what changed since the previous published night, biggest moves
first) and 变化趋势 (the main figures night by night, with native Excel line charts).

Pure: SummaryFrames.night_changes / night_series (warehouse/history.py) in, write-only sheets out.
Hooked into publish.workbook.build_workbook; the frames are part of the publish fingerprint."""
from __future__ import annotations

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from campaign.dates import zh_date
from campaign.forms import FOCUS_AREAS, FOCUS_BEHAVIOURS
from publish.stream import stream_sheet
from publish.tables import Col, table
from warehouse.history import LABELS

SHEET_CHANGES = "今日变化"
SHEET_TREND = "变化趋势"

KIND_ZH = {
    "city_figure": "附件1数据变化", "ledger_entered": "新进入台账", "ledger_left": "退出台账",
    "ledger_figure": "台账数据变化", "report_added": "单位新增报送", "report_removed": "单位不再报送",
    "report_figure": "单位报送变化", "qualification": "无非法集资区县", "submission_new": "新收到文件",
    "submission_rejected": "退回文件", "submission_superseded": "被替代文件", "submission_verdict": "重新校验",
    "unit_completed": "报送齐全", "unit_owes": "仍欠报",
}
FIELD_ZH = {**{k: label for k, (label, _) in LABELS.items()}, "status": "文件判定", "company_key": "企业",
            "forms_owed": "欠报的表"}
STATUS_ZH = {"accepted": "受理", "rejected": "退回", "duplicate": "重复"}


def _value(row, name: str):
    v = row[name]
    if v is None or (isinstance(v, float) and v != v):
        return None
    return STATUS_ZH.get(v, v) if row["field"] == "status" else v


def _money(v) -> str:
    return f"{float(v):.2f}"


def _summary(frames, meta) -> str:
    ch, series = frames.night_changes, frames.night_series
    d = meta.data_date
    prev = None
    if len(series) >= 2:
        prev = pd.Timestamp(series["data_date"].iloc[-2]).date()
    head = (f"数据日期{zh_date(d)}，与上一次发布的{zh_date(prev)}相比" if prev
            else f"数据日期{zh_date(d)}，首次发布（无上一晚数据，下表只按类别计数，各项内容见其余各表）")
    if ch.empty:
        return head + "：没有变化。"
    n = ch["kind"].value_counts()
    parts = [f"{KIND_ZH[k]}{int(n[k])}项" for k in KIND_ZH if k in n.index]
    text = f"{head}，共{len(ch)}项：" + "，".join(parts)
    if len(series):
        now = series.iloc[-1]
        text += f"；风险台账{int(now['companies'])}家企业，未兑付资金合计{_money(now['ledger_unpaid'])}万元"
        if prev is not None:
            before = series.iloc[-2]
            delta = float(now["ledger_unpaid"]) - float(before["ledger_unpaid"])
            text += f"（上一晚{_money(before['ledger_unpaid'])}万元，{'+' if delta > 0 else ''}{delta:.2f}）"
    return text + ("。按类别排列，同类中变化最大的在前。" if prev is not None else "。")


def _changes_sheet(ws: WriteOnlyWorksheet, frames, meta) -> None:

    # widths add up to one A4 landscape page at a legible scale; 变化 wide enough for 5-digit 万元 with sign
    cols = [Col("类别", lambda r: KIND_ZH.get(r["kind"], r["kind"]), width=10), Col("单位", "unit", width=14),
            Col("对象", "subject", width=26), Col("项目", lambda r: FIELD_ZH.get(r["field"], r["field"]), width=12),
            Col("上一晚", lambda r: _value(r, "before"), width=11), Col("本晚", lambda r: _value(r, "after"), width=11),
            Col("变化", "delta", "number", 13), Col("说明", "note", width=42)]
    frame = frames.night_changes if not frames.night_changes.empty else pd.DataFrame(
        columns=["kind", "unit", "subject", "field", "before", "after", "delta", "note"])
    if len(frames.night_series) < 2 and len(frame):
        # a first night has nothing to compare with: every item would read "上一晚 0.00"; count them instead
        counts = frame.groupby("kind", sort=False).agg(n=("kind", "size"), units=("unit", "nunique")).reset_index()
        counts["order"] = counts["kind"].map({k: i for i, k in enumerate(KIND_ZH)})
        cols = [Col("类别", lambda r: KIND_ZH.get(r["kind"], r["kind"]), width=18), Col("项数", "n", "int", 10),
                Col("涉及单位数", "units", "int", 12)]
        frame = counts.sort_values("order")
    table(ws, "今日变化（与上一次发布相比）", _summary(frames, meta), cols, frame, meta.timezone, meta.data_date)


# the trend table's columns after the date: (header, series column, kind)
def _trend_cols():

    per_section = []
    for i, section in ((1, FOCUS_AREAS), (2, FOCUS_BEHAVIOURS)):
        for f in ("screened", "problem_count", "people", "amount"):
            word = LABELS[f][1]
            per_section.append(Col(f"县区{section}合计：{LABELS[f][0]}（{word}）", f"{f}_{i}", "number", 12))
    # ≤ 170 width units: one page wide at printing.MIN_SCALE
    return [Col("数据日期", lambda r: zh_date(pd.Timestamp(r["data_date"]).date()), width=13), *per_section,
            Col("台账企业数（家）", "companies", "int", 8), Col("台账涉及金额（万元）", "ledger_amount", "number", 12),
            Col("台账涉及人数（人）", "ledger_people", "number", 12),
            Col("台账未兑付资金（万元）", "ledger_unpaid", "number", 12),
            Col("符合无非法集资区县数", "qualifying_counties", "int", 8), Col("欠报单位数", "units_owing", "int", 8)]


def _line(ws, title: str, axis: str, columns: list[int], first: int, last: int, anchor: str) -> None:
    chart = LineChart()
    chart.title, chart.style = title, 12
    chart.y_axis.title, chart.x_axis.title = axis, "数据日期"
    chart.x_axis.delete = False          # newer Excel hides axes unless told
    chart.y_axis.delete = False
    chart.y_axis.number_format = "0.00" if axis == "万元" else "0"
    for c in columns:
        chart.add_data(Reference(ws, min_col=c, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.legend.position = "b"
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, anchor)


def _trend_sheet(ws: WriteOnlyWorksheet, frames, meta) -> None:

    series = frames.night_series
    cols = _trend_cols()
    frame = series if not series.empty else pd.DataFrame(columns=["data_date"])
    last = table(ws, "变化趋势（每次发布的主要数据）",
                  f"截至{zh_date(meta.data_date)}共{len(series)}次发布；县区合计为属地口径；台账金额、人数、"
                  "未兑付资金每家企业只计一次（取各单位报送的最大值）。", cols, frame, meta.timezone, meta.data_date)
    if series.empty:
        return
    first, below = 4, last + 3           # header on row 3 (title, note): the series names
    col = {c.key: i for i, c in enumerate(cols, 1) if isinstance(c.key, str)}
    _line(ws, "县区合计：问题机构数量", "个", [col["problem_count_1"], col["problem_count_2"]], first, last, f"A{below}")
    _line(ws, "县区合计：涉及金额", "万元", [col["amount_1"], col["amount_2"]], first, last, f"H{below}")
    _line(ws, "风险台账：未兑付资金与涉及金额", "万元", [col["ledger_unpaid"], col["ledger_amount"]], first, last,
          f"A{below + 18}")
    _line(ws, "涉及人数", "人", [col["people_1"], col["people_2"], col["ledger_people"]], first, last,
          f"H{below + 18}")


def add_history_sheets(wb: Workbook, frames, meta) -> None:
    """今日变化 and 变化趋势, where the workbook is at (build_workbook calls it first: the first sheets)."""
    _changes_sheet(stream_sheet(wb, SHEET_CHANGES), frames, meta)
    _trend_sheet(stream_sheet(wb, SHEET_TREND), frames, meta)
