"""待核对_<date>.xlsx: what the office decides, in Excel, not in a terminal.

Two sheets: 疑似同一企业 (the open company pairs: both names, their reporters and what each
reported, why they may be one, and a 判定 drop-down 同一企业 / 不同企业) and 材料类别 (the documents
whose kind the rules could not tell, with a 类别 drop-down). The office saves a filled copy, under
any name, into its own inbox folder; the next run applies every filled row
(transforms/office_review.py reads it back by its header labels and hidden key columns)."""
from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from campaign.dates import zh_date
from publish.official import fit_rows
from publish.printing import page_setup
from publish.layout import write_text
from transforms.office_review import (DECISION, DOCS_SHEET, KEY_A, KEY_B, KIND, KIND_CHOICES, PAIR_CHOICES,
                                      PAIRS_SHEET, SHA, UNIT)

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = Font(name="宋体", size=10, bold=True)
_BODY = Font(name="宋体", size=10)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CHOOSE = PatternFill("solid", fgColor="FFF2CC")   # the cells the office fills in


def _units(v: Any) -> str:
    return "、".join(str(x) for x in v) if v is not None and not isinstance(v, str) else (v or "")


def _reported(reports: pd.DataFrame, key: str) -> str:
    """What each unit reported of one company: '寿县：涉及金额 100.00 万元，涉及人数 10 人，未兑付 50.00 万元'."""
    if reports is None or reports.empty or "company_key" not in reports:
        return ""
    lines = []
    for r in reports[reports["company_key"] == key].to_dict("records"):
        lines.append(f"{r.get('unit')}：涉及金额 {float(r.get('amount') or 0):,.2f} 万元，涉及人数 "
                     f"{float(r.get('people') or 0):,.0f} 人，未兑付 {float(r.get('unpaid') or 0):,.2f} 万元")
    return "\n".join(lines)


def _sheet(wb: Workbook, title: str, note: str, heads: list[tuple[str, float]], rows: list[list], choose: int,
           choices: tuple[str, ...], hidden: tuple[int, ...], meta) -> None:
    ws = wb.create_sheet(title)
    ws.cell(row=1, column=1, value=f"{title}（待市处非办核对）　数据日期：{zh_date(meta.data_date)}").font = Font(
        name="黑体", size=12, bold=True)
    write_text(ws.cell(row=2, column=1), note)
    ws.cell(row=2, column=1).alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(heads) - len(hidden))
    ws.row_dimensions[2].height = 48
    for c, (head, width) in enumerate(heads, 1):
        cell = ws.cell(row=3, column=c, value=head)
        cell.font, cell.border = _HEAD, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    for r, values in enumerate(rows, 4):
        for c, value in enumerate(values, 1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, (int, float)):
                cell.value = value
            else:
                write_text(cell, value)
            cell.font, cell.border, cell.alignment = _BODY, _BORDER, _WRAP
        ws.cell(row=r, column=choose).fill = _CHOOSE
    if rows:
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="请从下拉选项中选择", error="只能选择：" + "、".join(choices))
        dv.add(f"{get_column_letter(choose)}4:{get_column_letter(choose)}{len(rows) + 3}")
        ws.add_data_validation(dv)
    for c in hidden:   # the keys the next run applies a row by: kept, out of the way
        ws.column_dimensions[get_column_letter(c)].hidden = True
    fit_rows(ws, 4, len(rows) + 3)   # wrapped text gets the height it needs (spreadsheets do not grow rows)
    ws.freeze_panes = "A4"
    page_setup(ws, [w for i, (_, w) in enumerate(heads, 1) if i not in hidden], "3:3", meta.data_date)


def build_review(frames, meta) -> Workbook:
    """The two sheets (each says so when there is nothing to decide)."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"{meta.campaign_name} 待核对 {zh_date(meta.data_date)}"
    wb.properties.creator = "campaign nightly"
    office = (meta.office or {}).get("name") or "市处非办"
    where = f"保存后（文件名不限）放入共享文件夹中本办的文件夹“{office}”，下次运行时生效，回执列出已处理的各行；未填写的行保持待核对。"
    cands = frames.company_candidates
    pairs = [] if cands is None or cands.empty else [
        [None, r["name_a"], _units(r["units_a"]), _reported(frames.risk_reports, r["key_a"]),
         r["name_b"], _units(r["units_b"]), _reported(frames.risk_reports, r["key_b"]), r["reason"],
         round(float(r["score"])), r["key_a"], r["key_b"]]
        for r in cands.to_dict("records")]
    _sheet(wb, PAIRS_SHEET,
           f"共{len(pairs)}对。在“{DECISION}”一栏选择：同一企业（台账合并为一家，各单位报送情况保留）或不同企业（不再提示）。{where}",
           [(DECISION, 10), ("企业名称A", 22), ("报送单位A", 12), ("A的报送情况", 30), ("企业名称B", 22),
            ("报送单位B", 12), ("B的报送情况", 30), ("可能是同一企业的理由", 30), ("相似度", 7), (KEY_A, 20), (KEY_B, 20)],
           pairs, 1, tuple(PAIR_CHOICES), (10, 11), meta)
    docs = frames.documents
    unsure = pd.DataFrame() if docs is None or docs.empty else docs[
        (docs["status"] == "accepted") & (docs["classified_by"] == "rule") & (docs["kind"] == "其他")]
    rows = [[None, r["unit"], r["file_name"], r.get("title"),
             zh_date(pd.Timestamp(r["doc_date"]).date()) if r.get("doc_date") is not None and not pd.isna(r.get("doc_date")) else "",
             r["sha256"]] for r in unsure.to_dict("records")]
    _sheet(wb, DOCS_SHEET,
           f"共{len(rows)}份。系统无法确定类别的材料：在“{KIND}”一栏选择实施方案、工作动态信息、总结报告或其他，"
           f"计入相应的报送要求。{where}",
           [(KIND, 12), (UNIT, 16), ("文件名", 30), ("标题", 40), ("日期", 14), (SHA, 20)],
           rows, 1, KIND_CHOICES, (6,), meta)
    wb.active = 0
    return wb
