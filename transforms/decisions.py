"""Read the office's filled 待核对 workbook (publish/review.py writes it; issue 28): the rows the
office decided, each with its sheet and row, so the warehouse can record and apply them.

Pure: the workbook's bytes in, decisions out (no file system, no DB). Blank rows are left out
(they stay open); a value that is not one of the drop-down's options is reported, not guessed."""
from __future__ import annotations

import io
from dataclasses import dataclass

# Sheet names, headers and options: the one place both the writer and this reader use.
PAIRS_SHEET, DOCS_SHEET = "疑似同一企业", "材料类别"
PAIR_CHOICES = {"同一企业": "same", "不同企业": "different"}
KIND_CHOICES = ("实施方案", "工作动态信息", "总结报告", "其他")
PAIR_KEYS = ("键A", "键B")            # hidden key columns
DOC_KEYS = ("单位键", "文件键")         # hidden: unit, sha256
PAIR_DECISION, DOC_DECISION = "判定", "类别"


@dataclass(frozen=True)
class Decision:
    what: str          # pair | document
    sheet: str
    row: int           # the row number as Excel shows it
    key_a: str         # pair: key_a; document: unit
    key_b: str         # pair: key_b; document: sha256
    decision: str      # same | different | a document kind
    shown: str         # what the office chose, as shown (同一企业, 总结报告, ...)


@dataclass(frozen=True)
class Refused:
    sheet: str
    row: int
    value: str
    reason: str        # in Chinese, for the office's receipt


def _header(ws) -> tuple[int, dict[str, int]]:
    """The header row (the first row naming the decision column) and its columns by label."""
    for r, row in enumerate(ws.iter_rows(max_row=20, values_only=True), 1):
        labels = {str(v).strip(): i for i, v in enumerate(row) if v is not None}
        if PAIR_DECISION in labels or DOC_DECISION in labels:
            return r, labels
    return 0, {}


def read_decisions(data: bytes) -> tuple[list[Decision], list[Refused]]:
    """Every filled row of a 待核对 workbook (openpyxl keeps hidden columns and validations)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    found: list[Decision] = []
    refused: list[Refused] = []
    for sheet, keys, column in ((PAIRS_SHEET, PAIR_KEYS, PAIR_DECISION), (DOCS_SHEET, DOC_KEYS, DOC_DECISION)):
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        head, labels = _header(ws)
        if not head or column not in labels or any(k not in labels for k in keys):
            continue
        for r, row in enumerate(ws.iter_rows(min_row=head + 1, values_only=True), head + 1):
            cells = list(row) + [None] * (max(labels.values()) + 1 - len(row))
            value = str(cells[labels[column]] or "").strip()
            a, b = (str(cells[labels[k]] or "").strip() for k in keys)
            if not value or not a or not b:
                continue          # blank: stays open
            if sheet == PAIRS_SHEET:
                if value not in PAIR_CHOICES:
                    refused.append(Refused(sheet, r, value, "判定只能选“同一企业”或“不同企业”"))
                    continue
                found.append(Decision("pair", sheet, r, a, b, PAIR_CHOICES[value], value))
            else:
                if value not in KIND_CHOICES:
                    refused.append(Refused(sheet, r, value, "类别只能选" + "、".join(f"“{k}”" for k in KIND_CHOICES)))
                    continue
                found.append(Decision("document", sheet, r, a, b, value, value))
    wb.close()
    return found, refused


def later_wins(files: list[tuple[str, list[Decision]]]) -> tuple[list[tuple[str, Decision]], list[str]]:
    """Decisions of several filled copies in arrival order: for the same pair/document the later
    file wins. Returns (file, decision) in force and the conflicts in words for the receipt."""
    latest: dict[tuple[str, str, str], tuple[str, Decision]] = {}
    conflicts: list[str] = []
    for name, decisions in files:
        for d in decisions:
            key = (d.what, d.key_a, d.key_b)
            before = latest.get(key)
            if before and before[1].decision != d.decision:
                conflicts.append(f"{before[0]} 第{before[1].row}行填的是“{before[1].shown}”，"
                                 f"{name} 第{d.row}行填的是“{d.shown}”：采用后收到的 {name}")
            latest[key] = (name, d)
    return list(latest.values()), conflicts
