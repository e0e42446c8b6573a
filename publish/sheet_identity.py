"""The 疑似同一企业 sheet (issue 16): open candidate pairs for the office to decide, and names
given two different valid credit codes; and the ledger's alias columns.

Pure like publish/workbook.py (frames in, rows out); hooked into build_workbook with one line."""
from __future__ import annotations

from typing import Any

from publish.tables import BODY_FONT, HEAD_FONT, Col, table, text_cell

SHEET_IDENTITY = "疑似同一企业"

DECIDE = ("请市处非办在当晚的“待核对”工作簿（publish/待核对_日期.xlsx）中逐对选择“同一企业”或“不同企业”，"
          "保存后放入共享文件夹中本办的文件夹，下次运行时生效：同一企业的，台账合并为一家（各单位报送情况保留）；"
          "不同企业的，不再提示。")


def ledger_identity_cols() -> list:
    """The ledger sheet's identity columns: the names merged into a row, and its credit code(s)."""

    return [Col("已合并的其他名称（别名）", "aliases", "list", 30, drop_empty=True),
            Col("统一社会信用代码", "credit_code", width=22, drop_empty=True)]


def _units(v: Any) -> str:
    return "、".join(str(x) for x in v) if v is not None and not isinstance(v, str) else (v or "")


def identity_sheet(ws, frames, meta) -> None:
    """Open candidates, best first; then the names with conflicting credit codes."""
    import pandas as pd


    cands = frames.company_candidates
    if cands is None or cands.empty:
        cands = pd.DataFrame(columns=["key_a", "key_b", "name_a", "name_b", "units_a", "units_b", "reason", "score"])
    cols = [Col("相似度", "score", "number", 8), Col("企业名称A", "name_a", width=30),
            Col("报送单位A", lambda r: _units(r["units_a"]), width=18), Col("企业名称B", "name_b", width=30),
            Col("报送单位B", lambda r: _units(r["units_b"]), width=18), Col("疑似原因", "reason", width=44),
            Col("键A（规范化名称）", "key_a", width=28), Col("键B（规范化名称）", "key_b", width=28)]
    note = f"共{len(cands)}对待核对。{DECIDE}"
    table(ws, "疑似同一企业（不同单位报送、名称相近的企业，待核对）", note, cols, cands, meta.timezone, meta.data_date)
    conflicts = frames.credit_code_conflicts
    if conflicts is None or conflicts.empty:
        return
    ws.append([])
    ws.append([text_cell(ws, "同一名称填报了不同的统一社会信用代码（请核对代码或是否为两家企业）", HEAD_FONT)])
    ws.append([text_cell(ws, h, HEAD_FONT) for h in ("规范化名称", "统一社会信用代码", "填报单位：代码")])
    for row in conflicts.itertuples(index=False):
        ws.append([text_cell(ws, row.company_key, BODY_FONT), text_cell(ws, _units(row.codes), BODY_FONT),
                   text_cell(ws, row.given_by, BODY_FONT)])
