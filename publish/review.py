"""The 待核对 workbook (issue 28): what the office decides in Excel, not in a terminal.

publish/待核对_<date>.xlsx: the open company pairs with a 判定 drop-down (同一企业 / 不同企业) and the
documents whose kind the rules could not tell with a 类别 drop-down. Hidden key columns let a
filled copy, saved into the office's inbox folder, be read back (transforms/decisions.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from transforms.decisions import (DOC_DECISION, DOC_KEYS, DOCS_SHEET, KIND_CHOICES, PAIR_CHOICES, PAIR_DECISION,
                                  PAIR_KEYS, PAIRS_SHEET)

_HOW = ("填好后，把这个文件（可改名）放入收件箱中市处非办自己的文件夹“{office}”，下一次汇总时即按所填执行，"
        "并在回执中列出；未填的行保持待核对。")


def _units(v: Any) -> str:
    return "、".join(str(x) for x in v) if v is not None and not isinstance(v, str) else (v or "")


def _sheet(wb, title: str, note: str, heads: list[tuple[str, int]], rows: Iterable[list], keys: tuple[str, str],
           decision: str, options: Iterable[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(title)
    ws.append([note])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heads))
    ws.row_dimensions[1].height = 48
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    labels = [h for h, _ in heads] + list(keys)
    ws.append(labels)
    for c in ws[2]:
        c.font = Font(bold=True)
    n = 0
    for n, row in enumerate(rows, 1):
        ws.append(row)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r in ws.iter_rows(min_row=3):
        for c in r:
            c.alignment = wrap
    from openpyxl.utils import get_column_letter
    for i, (_, width) in enumerate(heads, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for i in range(len(heads) + 1, len(labels) + 1):
        ws.column_dimensions[get_column_letter(i)].hidden = True
    col = get_column_letter(labels.index(decision) + 1)
    dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle=decision, error="请从下拉选项中选择")
    ws.add_data_validation(dv)
    if n:
        dv.add(f"{col}3:{col}{n + 2}")
        fill = PatternFill("solid", fgColor="FFF2CC")
        for r in range(3, n + 3):
            ws[f"{col}{r}"].fill = fill
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "2:2"


def write_review(path: Path, pairs: list[Mapping[str, Any]], documents: list[Mapping[str, Any]], office: str,
                 data_date: str) -> Path:
    """pairs: rows of company_candidates (key_a, key_b, name_a, name_b, units_a, units_b, reason);
    documents: (unit, sha256, file_name, title, received) of the documents whose kind is unsure."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    how = _HOW.format(office=office)
    _sheet(wb, PAIRS_SHEET,
           f"疑似同一企业（{data_date}，共{len(pairs)}对）：不同单位报送、名称相近的企业。请在“判定”栏选择"
           f"“同一企业”（台账合并为一家，各单位报送情况保留）或“不同企业”（不再提示）。{how}",
           [("企业名称A", 30), ("报送单位A", 18), ("企业名称B", 30), ("报送单位B", 18), ("疑似原因", 40),
            (PAIR_DECISION, 12)],
           ([p["name_a"], _units(p["units_a"]), p["name_b"], _units(p["units_b"]), p.get("reason") or "", None,
             p["key_a"], p["key_b"]] for p in pairs),
           PAIR_KEYS, PAIR_DECISION, PAIR_CHOICES)
    _sheet(wb, DOCS_SHEET,
           f"类别待核定的材料（共{len(documents)}件）：从文件名和标题看不出类别。请在“类别”栏选择。{how}",
           [("报送单位", 16), ("文件名", 36), ("标题", 40), ("收到日期", 12), (DOC_DECISION, 14)],
           ([d["unit"], d["file_name"], d.get("title") or "", d.get("received") or "", None, d["unit"], d["sha256"]]
            for d in documents),
           DOC_KEYS, DOC_DECISION, KIND_CHOICES)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
