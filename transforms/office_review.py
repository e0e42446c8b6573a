"""The office's decisions, read back from a filled copy of 待核对_<date>.xlsx (publish/review_workbook.py).

The office decides in Excel: on 疑似同一企业 each open pair gets 判定 = 同一企业 / 不同企业; on 材料类别
each unsure document gets 类别 = 实施方案 / 工作动态信息 / 总结报告 / 其他. It saves the copy, under any
name, into its own inbox folder. Rows are found by their header labels (not positions, so a
clerk's sorting or added columns do not matter) and keyed by the hidden key columns. A blank
row stays open; a value that is none of the choices is reported, never guessed.

Pure: workbook bytes in, decisions out.
"""
from __future__ import annotations

from dataclasses import dataclass

from transforms.grid import read_workbook
from transforms.sheet import WorkbookError
from transforms.text import clean_text, normalize_label

PAIRS_SHEET, DOCS_SHEET = "疑似同一企业", "材料类别"
PAIR_CHOICES = {"同一企业": "same", "不同企业": "different"}
KIND_CHOICES = ("实施方案", "工作动态信息", "总结报告", "其他")
# header labels (also written by publish/review_workbook.py)
DECISION, KEY_A, KEY_B = "判定", "键A", "键B"
KIND, UNIT, SHA = "类别", "报送单位", "文件编号"


@dataclass(frozen=True)
class OfficeDecision:
    kind: str            # pair | document
    sheet: str
    row: int             # 1-based, as the clerk sees it
    subject: tuple       # (key_a, key_b) | (unit, sha256)
    value: str | None    # same | different | a document kind; None: not one of the choices
    written: str         # what the clerk chose, as written


@dataclass
class OfficeReview:
    decisions: list[OfficeDecision]
    blank: int                      # rows left open
    problem: str | None = None      # why the file could not be read as a 待核对 workbook


def _header(cells: list[list], labels: tuple[str, ...]) -> tuple[int, dict[str, int]] | None:
    want = {normalize_label(x): x for x in labels}
    for r, row in enumerate(cells[:10]):
        found = {want[normalize_label(v)]: c for c, v in enumerate(row) if normalize_label(v) in want}
        if len(found) == len(labels):
            return r, found
    return None


def read_review(data: bytes) -> OfficeReview:
    """Every filled row of a 待核对 workbook (never raises for bad input)."""
    try:
        sheets = {s.name: s for s in read_workbook(data)}
    except WorkbookError as exc:
        return OfficeReview([], 0, f"文件无法作为 Excel 工作簿打开（{exc.issue.message.split(' ')[0]}）")
    out, blank, seen = [], 0, False
    for name, labels, kind in ((PAIRS_SHEET, (DECISION, KEY_A, KEY_B), "pair"), (DOCS_SHEET, (KIND, UNIT, SHA), "document")):
        sheet = sheets.get(name)
        head = _header(sheet.cells, labels) if sheet is not None else None
        if head is None:
            continue
        seen = True
        top, col = head
        for r in range(top + 1, len(sheet.cells)):
            row = sheet.cells[r]
            value = lambda label: clean_text(row[col[label]]) if col[label] < len(row) else None   # noqa: E731
            if kind == "pair":
                subject = (value(KEY_A), value(KEY_B))
                chosen = value(DECISION)
                decided = PAIR_CHOICES.get(normalize_label(chosen)) if chosen else None
            else:
                subject = (value(UNIT), value(SHA))
                chosen = value(KIND)
                decided = next((k for k in KIND_CHOICES if normalize_label(chosen) == k), None) if chosen else None
            if not all(subject):
                continue
            if not chosen:
                blank += 1
                continue
            out.append(OfficeDecision(kind, name, r + 1, subject, decided, chosen))
    if not seen:
        return OfficeReview([], 0, f"文件中没有“{PAIRS_SHEET}”或“{DOCS_SHEET}”工作表（请使用系统生成的待核对表填写）")
    return OfficeReview(out, blank)
