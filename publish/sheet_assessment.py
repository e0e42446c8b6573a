"""The documents room's sheets of the summary workbook: 考评 (the assessment, units that miss an
obligation first), 报送材料 (every document received), and the 报送情况 rows of the documents
listed beside the forms. Pure: frames in, sheets appended to the write-only workbook."""
from __future__ import annotations

import pandas as pd

from publish.stream import stream_sheet
from publish.meta import KIND_ZH, PublishMeta
from publish.tables import Col, none, table
from warehouse.queries import SummaryFrames

SHEET_ASSESSMENT = "考评"
SHEET_DOCUMENTS = "报送材料"
DOC_STATUS_ZH = {"accepted": "已收", "unreadable": "无法读取", "duplicate": "重复"}
_STATUS_COLUMNS = ["unit", "unit_kind", "form", "received", "files", "last_received_at", "status", "current_file",
                   "current_footer_date", "first_accepted_on", "forms_due", "on_time"]


def _local_date(ts) -> object:
    return None if none(ts) is None else pd.Timestamp(ts).date()


def status_with_documents(frames: SummaryFrames) -> pd.DataFrame:
    """reporting_status with each unit's obligations (实施方案, 工作动态信息, 总结报告) listed after its forms:
    the documents received for each in 当前采用文件, 已达要求 / 未达要求 / 未报送 as the verdict."""
    forms = frames.reporting_status
    obl = frames.obligations
    if obl is None or obl.empty:
        return forms
    rows = pd.DataFrame({
        "unit": obl["unit"], "unit_kind": obl["unit_kind"],
        "form": [f"{o}（至少{int(n)}篇）" + ("，连同附表" if w else "")
                 for o, n, w in zip(obl["obligation"], obl["required"], obl["with_forms"])],
        "received": obl["received"] > 0, "files": obl["received"], "last_received_at": obl["last_at"],
        "status": ["已达要求" if m else ("未达要求" if n > 0 else "未报送") for m, n in zip(obl["met"], obl["received"])],
        "current_file": obl["files"], "current_footer_date": None,
        "first_accepted_on": [_local_date(t) for t in obl["first_at"]], "forms_due": obl["due"],
        "on_time": obl["on_time"]})
    order = {u: i for i, u in enumerate(dict.fromkeys(list(forms["unit"]) + list(rows["unit"])))}
    both = pd.concat([forms[[c for c in _STATUS_COLUMNS if c in forms.columns]].assign(_part=0),
                      rows.assign(_part=1)], ignore_index=True)
    both["_unit"] = both["unit"].map(order)
    return both.sort_values(["_unit", "_part"], kind="stable").drop(columns=["_unit", "_part"]).reset_index(drop=True)


def _ratio(a: str, b: str):
    return lambda r: f"{int(r[a])}/{int(r[b])}"


def _assessment_cols() -> list[Col]:
    # widths sum to one A4 landscape page at printing.MIN_SCALE (≤ 170): 原因 wraps beside the unit names
    # instead of printing on pages of its own
    return [Col("单位", "unit", width=16), Col("类别", lambda r: KIND_ZH.get(r["unit_kind"]), width=8),
            Col("是否全部完成", "complete", "yesno", 7),
            Col("报送要求完成数", _ratio("obligations_met", "obligations_required"), width=8),
            Col("未完成的报送要求", "missing", width=20), Col("逾期的报送要求", "obligations_late", width=16),
            Col("附表受理数", _ratio("forms_accepted", "forms_required"), width=7),
            Col("按时受理的附表数", "forms_on_time", "int", 8), Col("退回文件数", "rejected_files", "int", 7),
            Col("重报次数", "resubmissions", "int", 7), Col("收到材料篇数", "documents", "int", 7),
            Col("数据质量提示数", "flags", "int", 7), Col("数据质量提示（原因）", "flag_reasons", width=44)]


def _how(r) -> str:
    if r["classified_by"] == "hand":
        return "手工核定"
    return "规则" if bool(none(r["sure"])) else "规则（不确定，暂按其他）"


def _size(r) -> str | None:
    if none(r["pages"]) is not None:
        return f"{int(r['pages'])}页"
    if none(r["characters"]) is not None:
        return f"{int(r['characters'])}字"
    return None


def _document_cols() -> list[Col]:
    # one page wide at printing.MIN_SCALE (widths ≤ 170); the fingerprint shortened as on 报送文件
    return [Col("单位", "unit", width=14), Col("类别", lambda r: KIND_ZH.get(r["unit_kind"]), width=8),
            Col("文件", "file_name", width=22), Col("材料类别", "kind", width=10), Col("分类方式", _how, width=10),
            Col("材料日期", "doc_date", "date", 15),
            Col("日期来源", lambda r: "文中落款/标题" if r["date_source"] == "text" else "收到日期", width=8),
            Col("标题", "title", width=24), Col("篇幅", _size, width=6), Col("收到时间", "arrived_at", "datetime", 19),
            Col("判定", lambda r: DOC_STATUS_ZH.get(r["status"], r["status"]), width=6),
            Col("说明", "reason", width=16), Col("SHA-256前12位", lambda r: str(r["sha256"])[:12], width=12)]


def assessment_sheets(wb, frames: SummaryFrames, meta: PublishMeta) -> None:
    """考评 (units missing an obligation first) and 报送材料."""
    table(stream_sheet(wb, SHEET_ASSESSMENT), "考评（报送要求完成情况、附表受理及数据质量）",
           "报送要求：实施方案备案、工作动态信息（县区不少于2篇，部门不少于1篇）、总结报告连同附表（截止日期见报送情况）；"
           "数据质量提示按市处非办规则计算（如附件3符合无非法集资区县条件但附件1/附件2有立案查处）。未全部完成的单位排在前面。",
           _assessment_cols(), frames.assessment, meta.timezone, meta.data_date)
    table(stream_sheet(wb, SHEET_DOCUMENTS), "报送材料（实施方案、工作动态信息、总结报告等）",
           "材料日期取文中落款或标题中的日期，没有时取收到日期；无法读取的材料不计入报送要求。",
           _document_cols(), frames.documents, meta.timezone, meta.data_date)
