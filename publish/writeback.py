"""Write-back receipts: a copy of the unit's own workbook with every problem cell marked.

Each cell a problem names is filled (red for an error, yellow for a 提示) and carries a comment
— the rule in words, the value found, what is expected — and a first sheet 问题清单 lists them
all, each linked to its cell. The unit fixes its own file where the marks are and sends it
again. An .xlsx/.xlsm is copied as it is (text stays text: openpyxl keeps a string cell a
string, whatever it starts with; loaded by publish.copy_load, openpyxl's load with its merged
cells bound more cheaply, and saved by publish.copy_save, openpyxl's save with its sheets kept in
memory); any other workbook, or one openpyxl cannot load, is written afresh from the cell grid
the pipeline read, through layout.write_text/write_number."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import openpyxl
from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname

from publish.copy_load import load_xlsx
from publish.copy_save import save_xlsx
from publish.official import fit_rows
from publish.printing import page_setup
from publish.words import SEVERITY_SHORT, enum_column, expected, explanation, form_name, given, office_line
from publish.layout import style_cell, write_number, write_text

LIST_SHEET = "问题清单"
AUTHOR = "市处非办"
MAX_STEM = 60                   # the copy's name stays bounded whatever the sender called the file
_FILL = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = Font(name="宋体", size=10, bold=True)
_BODY = Font(name="宋体", size=10)
_LINK = Font(name="宋体", size=10, color="0563C1", underline="single")
_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
_TITLE = Font(name="黑体", size=12, bold=True)
_NOTE = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def writeback_name(file_name: str, sha256: str) -> str:
    """<stem, at most MAX_STEM characters>_<sha256[:8]>_标注.xlsx (beside the HTML receipt)."""
    from publish.receipts import RECEIPT_STEM_BYTES, safe_part

    stem = safe_part(Path(file_name).stem[:MAX_STEM], RECEIPT_STEM_BYTES)   # one bounded path component
    return f"{stem}_{sha256[:8]}_标注.xlsx"


def _first_cell(ref: Any) -> str | None:
    """'D7' of 'D7' or 'D7:M7' (a row), None for what is not a cell reference."""
    if not ref:
        return None
    first = str(ref).split(":")[0].strip()
    m = _CELL_REF.match(first)
    return f"{m.group(1).upper()}{m.group(2)}" if m else None


def _load(data: bytes, grid_sheets: Sequence | None) -> Workbook | None:
    """The unit's workbook as openpyxl reads it (an .xlsx/.xlsm), else rebuilt from the grid."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "xl/workbook.xml" in z.namelist():
                    return load_xlsx(data)
        except Exception:            # a workbook openpyxl cannot load: rebuilt from the grid below
            pass
    if not grid_sheets:
        return None
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in grid_sheets:
        ws = wb.create_sheet(str(sheet.name)[:31] or "Sheet")
        for r, row in enumerate(sheet.cells, 1):
            for c, value in enumerate(row, 1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    write_number(cell, value, "General")
                elif hasattr(value, "year"):
                    cell.value = value
                else:
                    write_text(cell, value)
        for r0, c0, r1, c1 in sheet.merged:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    return wb


def _anchor(ws, ref: str):
    """The cell to mark: a merged range's top-left cell stands for all of it."""
    cell = ws[ref]
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if ref in rng:
                return ws.cell(row=rng.min_row, column=rng.min_col)
    return cell


def _comment_text(issue: Mapping[str, Any]) -> str:
    level = SEVERITY_SHORT.get(issue.get("severity"), "")
    lines = [f"{level}：{explanation(issue)}"]
    if issue.get("value") not in (None, ""):
        lines.append(f"填写的是：{issue['value']}")
    lines.append(f"应当：{expected(issue)}")
    return "\n".join(lines)


def _list_sheet(wb: Workbook, issues: Sequence[Mapping[str, Any]], places: Mapping, verdict: str,
                office: Mapping | None, marked: set[int]) -> None:
    ws = wb.create_sheet(LIST_SHEET, 0)
    wb.active = 0
    heads = [("序号", 5), ("表", 14), ("行", 12), ("栏目", 12), ("单元格", 12), ("级别", 5), ("问题", 30),
             ("填写内容", 12), ("应当怎样", 26), ("规则代码", 14)]
    style_cell(ws.cell(row=1, column=1, value=verdict), font=_TITLE)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heads))
    write_text(ws.cell(row=2, column=1), "标红的单元格为错误，标黄的为提示；每个标注单元格都附有批注。"
                                         "点击“单元格”一栏可直接跳到该处。" + office_line(office))
    style_cell(ws.cell(row=2, column=1), alignment=_NOTE)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(heads))
    for c, (head, width) in enumerate(heads, 1):
        style_cell(ws.cell(row=3, column=c, value=head), font=_HEAD, border=_BORDER, alignment=_CENTER)
        ws.column_dimensions[get_column_letter(c)].width = width
    for n, issue in enumerate(issues, 1):
        r = n + 3
        place = places.get((issue.get("sheet"), issue.get("cell"))) or {}
        sheet, at = (v if given(v) else None for v in (issue.get("sheet"), issue.get("cell")))   # NaN: none
        where = f"{sheet}!{at}" if sheet and at else (at or sheet or "整个文件")
        values = [n, form_name(issue.get("form")), place.get("row"), place.get("column"),
                  where, SEVERITY_SHORT.get(issue.get("severity"), ""), explanation(issue), issue.get("value"),
                  expected(issue), issue.get("rule")]
        for c, value in enumerate(values, 1):
            cell = ws.cell(row=r, column=c)
            write_number(cell, value, "0") if c == 1 else write_text(cell, value)
            style_cell(cell, font=_BODY, border=_BORDER, alignment=_WRAP)
        if n - 1 in marked:
            link = ws.cell(row=r, column=5)
            link.hyperlink = f"#{quote_sheetname(str(issue['sheet']))}!{_first_cell(issue['cell'])}"
            style_cell(link, font=_LINK)
    ws.freeze_panes = "A4"
    fit_rows(ws, 2, ws.max_row)
    page_setup(ws, [w for _, w in heads], "3:3", None, LIST_SHEET)


def _offer_choices(ws, coordinate: str, choices: Sequence[str]) -> None:
    """A list drop-down with the column's own options on one cell (Excel and WPS show it)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="请从下拉选项中选择", error="只能填写：" + "、".join(choices))
    dv.add(coordinate)
    ws.add_data_validation(dv)


def marked_copy(data: bytes, issues: Sequence[Mapping[str, Any]], places: Mapping, verdict: str,
                office: Mapping | None = None, grid_sheets: Sequence | None = None, stamp: str | None = None) -> bytes:
    """The unit's workbook with every problem cell filled and commented, 问题清单 first.
    places: (sheet, cell) -> {'column', 'row'} in words. A file that is no workbook at all gets
    the 问题清单 alone."""
    wb = _load(data, grid_sheets) or Workbook()
    if wb.sheetnames == ["Sheet"] and wb["Sheet"].max_row == 1 and wb["Sheet"]["A1"].value is None:
        wb.remove(wb["Sheet"])
    marked: set[int] = set()
    notes: dict[tuple[str, str], list[str]] = {}
    for i, issue in enumerate(issues):
        sheet, ref = issue.get("sheet"), _first_cell(issue.get("cell"))
        if not sheet or not ref or sheet not in wb.sheetnames or not hasattr(wb[sheet], "merged_cells"):
            continue
        ws = wb[sheet]
        cell = _anchor(ws, ref)
        key = (sheet, cell.coordinate)
        worst = "error" if issue.get("severity") == "error" else "warning"
        if key not in notes or worst == "error":
            cell.fill = _FILL[worst]
        notes.setdefault(key, []).append(_comment_text(issue))
        comment = Comment("\n\n".join(notes[key]), AUTHOR)
        comment.width, comment.height = 320, min(600, 90 + 60 * len(notes[key]))
        cell.comment = comment
        if issue.get("rule") == "ENUM_VALUE" and (column := enum_column(issue)) is not None:
            _offer_choices(ws, cell.coordinate, column.choices)   # the drop-down the receipt advises
        marked.add(i)
    _list_sheet(wb, issues, places, verdict, office, marked)
    if stamp is not None:
        from openpyxl.packaging.custom import StringProperty

        wb.custom_doc_props.append(StringProperty(name=_STAMP_PROPERTY, value=stamp))
    return save_xlsx(wb)


# --------------------------------------------------------------------------------------
# writing them beside the HTML receipts

_STAMP_PROPERTY = "campaign_writeback_fingerprint"


@lru_cache(maxsize=1)
def _drawing_code() -> bytes:
    """The source of what draws a copy (read once per process, not once per copy): a change to it
    redraws every copy once."""
    import sys

    # every module whose code shapes a copy: its cells (layout), row heights (official), print set-up
    # (printing), words, load and save — an edit of any of them must redraw the copies in place
    return b"".join(Path(sys.modules[name].__file__).read_bytes()
                    for name in ("publish.writeback", "publish.words", "publish.copy_load", "publish.copy_save",
                                 "publish.layout", "publish.official", "publish.printing"))


def _stamp(issues: Sequence[Mapping[str, Any]], places: Mapping, verdict: str, office: Mapping | None) -> str:
    import hashlib
    import json

    h = hashlib.sha256()
    h.update(_drawing_code())
    h.update(openpyxl.__version__.encode())
    keys = ("form", "sheet", "cell", "rule", "severity", "value", "message")
    h.update(json.dumps([[str(i.get(k)) for k in keys] for i in issues], ensure_ascii=False).encode())
    h.update(json.dumps(sorted((str(k), sorted(v.items())) for k, v in places.items()), ensure_ascii=False).encode())
    h.update(json.dumps([verdict, dict(office or {})], ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()


def _stamp_of(path: Path) -> str | None:
    from publish.fingerprint import stamp_of_property

    try:
        return stamp_of_property(path.read_bytes(), _STAMP_PROPERTY)
    except OSError:
        return None


def wants_copy(sub: Mapping[str, Any]) -> bool:
    """Rejected files, and accepted ones with warnings, get a marked copy (duplicates do not)."""
    return sub.get("status") == "rejected" or (sub.get("status") == "accepted" and bool(sub.get("warning_count")))


@dataclass(frozen=True)
class CopyJob:
    """One marked copy to draw: everything marked_copy needs, picklable (a worker process draws it)."""
    path: Path                   # where the copy goes
    archive: str | None          # the unit's archived file (read where the copy is drawn)
    issues: list
    places: dict
    verdict: str                 # "<file name>：<verdict>", the 问题清单's first line
    office: dict | None
    sheets: list | None          # the grid the pipeline read (a workbook openpyxl cannot load)
    stamp: str


def draw_copy(job: CopyJob) -> bytes:
    """The marked copy's bytes (run in the flow's process or in a worker: no state, same result)."""
    try:
        data = Path(job.archive).read_bytes() if job.archive else b""
    except OSError:
        data = b""
    return marked_copy(data, job.issues, job.places, job.verdict, job.office, job.sheets, stamp=job.stamp)


def copy_jobs(frames, files: Mapping, receipts_dir: Path, data_dir: Path, office: Mapping | None = None,
              force: bool = False) -> tuple[dict[str, str], list[CopyJob]]:
    """(sha256 -> the copy's file name of every file that wants one, the copies to draw: those whose
    stamp — what the copy would say — differs from the copy in place, or all with `force`)."""
    from publish.receipts import receipt_path, verdict_text

    issues = frames.validation_issues
    by_file = {k: g.to_dict("records") for k, g in issues.groupby(["unit", "sha256"])} if len(issues) else {}
    names: dict[str, str] = {}
    jobs: list[CopyJob] = []
    docs = getattr(frames, "documents", None)
    documents = set(docs["sha256"]) if docs is not None and "sha256" in docs else set()
    for sub in frames.submissions.to_dict("records"):
        found = by_file.get((sub["unit"], sub["sha256"]), [])
        if not wants_copy(sub) or not found or sub["sha256"] in documents:   # a document has no cells to mark
            continue
        if not any(given(i.get("sheet")) and given(i.get("cell")) for i in found):
            continue   # nothing to mark (an unreadable file, a file-level finding): the receipt lists it, no copy
        name = writeback_name(sub["file_name"], sub["sha256"])
        path = receipt_path(receipts_dir, sub["unit"], sub["file_name"], sub["sha256"]).with_name(name)
        names[sub["sha256"]] = name
        fp = files.get(sub["sha256"])
        places = {(i.get("sheet"), i.get("cell")): fp.place(i.get("sheet"), i.get("cell")) for i in found} if fp else {}
        verdict = verdict_text(sub)[1]
        stamp = _stamp(found, places, verdict, office)
        if not force and _stamp_of(path) == stamp:
            continue
        archive = sub["archive_path"]
        jobs.append(CopyJob(path, str(Path(data_dir) / archive) if isinstance(archive, str) else None, found, places,
                            f"{sub['file_name']}：{verdict}", dict(office) if office is not None else None,
                            fp.sheets if fp is not None else None, stamp))
    return names, jobs


def write_writebacks(frames, files: Mapping, receipts_dir: Path, data_dir: Path, office: Mapping | None = None,
                     force: bool = False, staging=None, planned=None) -> tuple[dict[str, str], list[Path]]:
    """A marked copy for every file that wants one, in receipts/<unit>/, written when what it
    would say changed. Returns (sha256 -> the copy's file name, the paths written).
    planned: the copies already planned and being drawn (flows/publish_pool.CopiesAhead: .names,
    .jobs, .bodies()); default: planned here and drawn one by one."""
    from publish.files import write_many

    if planned is None:
        names, jobs = copy_jobs(frames, files, receipts_dir, data_dir, office, force)
        bodies = [draw_copy(job) for job in jobs]
    else:
        names, jobs, bodies = planned.names, planned.jobs, planned.bodies()
    return names, write_many(zip((job.path for job in jobs), bodies), staging)
