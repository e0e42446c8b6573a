"""Where a problem cell is, in words: the printed column label and the row (the printed row
label of 附件1, the company of 附件2, the county of 附件3), read from the unit's own file.

The warehouse keeps a problem's sheet and cell (A1); the column and row they belong to are
found again in the archived bytes with the project's own parser (the same header and row
matching that read the file), so a clerk is told "“涉及金额”栏，“安徽甲公司”一行"."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign.forms import FORMS_BY_CODE, TOTAL_LABEL, Column, Form
from transforms.grid import read_workbook
from transforms.sheet import Sheet, split_ref
from transforms.parse import parse_workbook

_ROW_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def column_label(col: Column, form: Form) -> str:
    """The printed label; a label printed twice (附件1's 机构数量) with its merged parent."""
    same = [c for c in form.columns if c.label == col.label]
    return f"{col.parent}—{col.label}" if len(same) > 1 and col.parent else col.label


@dataclass
class _FormPlaces:
    form: Form
    columns: dict[str, str] = field(default_factory=dict)     # column letters -> printed label
    rows: dict[int, str] = field(default_factory=dict)        # 1-based row -> row label


@dataclass
class FilePlaces:
    """The parsed forms of one file, per sheet, and its grid (for write-back receipts)."""
    sheets: list[Sheet]
    forms: dict[str, list[_FormPlaces]] = field(default_factory=dict)   # sheet name -> forms on it

    def place(self, sheet: str | None, cell: str | None) -> dict[str, str]:
        """{'column': ..., 'row': ...} as far as known (empty when the cell is outside every form)."""
        if not sheet or not cell:
            return {}
        first = str(cell).split(":")[0].replace("$", "").upper()
        m = _ROW_CELL.match(first)
        if not m:
            return {}
        letters, row = m.group(1), int(m.group(2))
        forms = self.forms.get(sheet, [])
        holding = [fp for fp in forms if row in fp.rows]        # the form whose row this is, if any
        out: dict[str, str] = {}
        for fp in holding[:1] or forms:
            if row in fp.rows:
                out["row"] = fp.rows[row]
            if letters in fp.columns:
                out["column"] = fp.columns[letters]
                break
        return out


def _row_label(form: Form, rec: dict[str, Any]) -> str | None:
    if form.code == "附件1":
        return rec.get("item")
    if form.code == "附件2":
        return rec.get("company_name") or (f"序号{rec['seq']}" if rec.get("seq") else None)
    return rec.get("county")


def file_places(data: bytes) -> FilePlaces | None:
    """The places of one workbook's forms; None when the bytes are not a workbook we read."""
    try:
        sheets = read_workbook(data)
    except Exception:                 # WorkbookError and whatever a broken file raises: no places
        return None
    places = FilePlaces(sheets)
    try:
        parsed = parse_workbook(sheets)
    except Exception:
        return places
    for pf in parsed.forms:
        form = FORMS_BY_CODE[pf.form.code]
        fp = _FormPlaces(form)
        for rec in pf.records:
            for col in form.columns:
                ref = rec.get(f"{col.name}__cell")
                if ref:
                    m = _ROW_CELL.match(ref)
                    if m:
                        fp.columns.setdefault(m.group(1), column_label(col, form))
            label = _row_label(form, rec)
            if label and rec.get("row_no"):
                fp.rows[int(rec["row_no"])] = str(label)
        for tot in pf.total_records:
            ref = tot.get("cell")
            if not ref:
                continue
            r, _ = split_ref(ref)
            fp.rows.setdefault(r + 1, f"{TOTAL_LABEL}（{tot['section']}）" if tot.get("section") else TOTAL_LABEL)
            col = form.column(tot["column"])
            fp.columns.setdefault(_ROW_CELL.match(ref).group(1), column_label(col, form))
        places.forms.setdefault(pf.sheet, []).append(fp)
    return places


def problem_archives(submissions, issues) -> list[tuple[str, str]]:
    """(sha256, archive path) of every archived file some problem names a cell of, each once."""
    wanted = {sha for sha, cell in zip(issues["sha256"], issues["cell"]) if cell is not None and cell == cell}
    out: dict[str, str] = {}
    for sha, archive in zip(submissions["sha256"], submissions["archive_path"]):
        if sha in wanted and sha not in out and archive is not None and archive == archive:
            out[sha] = archive
    return list(out.items())


def archived_places(path: str | Path) -> FilePlaces | None:
    """The places of one archived file; None when it cannot be read (or is not a workbook we read)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return file_places(data)


def places_of_files(submissions, issues, data_dir) -> dict[str, FilePlaces | None]:
    """sha256 -> FilePlaces of every file some problem names a cell of (read from the archive)."""
    return {sha: archived_places(Path(data_dir) / archive) for sha, archive in problem_archives(submissions, issues)}


def issue_places(files: dict[str, FilePlaces | None], issues) -> dict[tuple, dict[str, str]]:
    """(sha256, sheet, cell) -> {'column', 'row'} for every problem with a cell in a readable file."""
    out: dict[tuple, dict[str, str]] = {}
    for sha, sheet, cell in zip(issues["sha256"], issues["sheet"], issues["cell"]):
        fp = files.get(sha)
        if fp is not None and (sha, sheet, cell) not in out:
            found = fp.place(sheet if sheet == sheet else None, cell if cell == cell else None)
            if found:
                out[(sha, sheet, cell)] = found
    return out
