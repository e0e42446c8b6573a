"""Find the three forms in a workbook's sheets and turn each into frames.

Forms are found by their title row and their columns by their header labels, never by sheet
name, order or fixed coordinates. Every value keeps its cell reference so that a failed
expectation can name the cell. Structural problems (missing columns, unlabeled rows, ...)
come back as issues; value rules are left to the expectations suites.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal
from typing import Any

import pandas as pd

from campaign.forms import (FORM1, FORM2, FORM3, FORMS, NUMERIC_KINDS, TOTAL_LABEL, Column, Form)
from transforms import credit_code
from transforms.sheet import Sheet, cell_ref, column_letters
from transforms.issues import Issue, error, warning
from transforms.text import clean_text, company_key, is_blank, normalize_label, number_of, number_text, parse_date
from transforms.titles import TitleMatch, match_title, title_like
from transforms.units import header_unit_issues, split_header_unit, unit_line_issues

# Footer labels end with a colon; "电话约谈负责人" in a table cell is not a footer.
_FOOTER_LABEL = re.compile(r"^(填报人|填表人|电话|联系电话)[:：]")
_NOTES = re.compile(r"^注[:：]")
_NAN = float("nan")


@dataclass
class Footer:
    filler: str | None = None      # 填报人
    phone: str | None = None       # 电话
    date: dt.date | None = None    # 年 月 日
    date_cell: str | None = None


@dataclass
class ParsedForm:
    form: Form
    sheet: str
    title_cell: str
    records: list[dict[str, Any]]        # one per data row (see _row_record for the fields)
    total_records: list[dict[str, Any]]  # declared 合计 vs computed sum, one per (section, column)
    footer: Footer
    issues: list[Issue] = field(default_factory=list)
    title: TitleMatch | None = None      # the title as written (None: found by its header alone)

    @property
    def is_blank(self) -> bool:
        """A form with no data rows at all (e.g. a department's untouched 附件3 template)."""
        return not self.records

    @property
    def rows(self) -> pd.DataFrame:
        return form_frame(self.records, self.form)

    @property
    def totals(self) -> pd.DataFrame:
        return totals_frame(self.total_records)


@dataclass
class ParsedWorkbook:
    forms: list[ParsedForm]
    issues: list[Issue]


# --------------------------------------------------------------------------------------
# locating forms, headers and footers

def find_titles(sheet: Sheet) -> list[tuple[int, int, TitleMatch]]:
    """(row, col, title) of every cell that may be a form's title, top to bottom (one per row).
    A title with more than the printed words is confirmed by parse_workbook (its header follows)."""
    found = []
    for r, row in enumerate(sheet.cells):
        for v in [v for v in row if type(v) is str and v]:   # the texts of the row (most cells are figures or empty)
            title = match_title(v)
            if title:
                found.append((r, row.index(v), title))   # the first cell holding this text: the first match
                break  # one title per row
    return found


@lru_cache(maxsize=1 << 16)
def _ends_table(text: str) -> bool:
    """A footer label (填报人：/电话：) or the notes (注：)."""
    lab = normalize_label(text)
    return bool(lab and (_FOOTER_LABEL.match(lab) or _NOTES.match(lab)))


# Between a parent and its leaf in a joined one-row header (问题机构情况-机构数量, 风险情况/企业名称,
# 整治情况：整改机构数量, or with a space, which normalize_label removes, or nothing). After NFKC.
_JOIN_SEPARATORS = "-—–/_:"


@lru_cache(maxsize=None)
def _joined_labels(form: Form) -> dict[str, tuple[str, str]]:
    """'<parent><sep><leaf>' (normalised) -> (parent, leaf), for every column under a printed parent."""
    out = {}
    for col in form.columns:
        if col.parent:
            parent, leaf = normalize_label(col.parent), normalize_label(col.label)
            for sep in ("", *_JOIN_SEPARATORS):
                out[parent + sep + leaf] = (parent, leaf)
    return out


@lru_cache(maxsize=1 << 16)
def _split_joined(form: Form, label: str) -> tuple[str, str] | None:
    """A joined header cell as (parent, leaf); None when it is not one (then it is read as it is)."""
    if not label:
        return None
    return _joined_labels(form).get(label.translate(_DASHES))


_DASHES = str.maketrans({"－": "-", "‐": "-", "‑": "-", "―": "—", "／": "/", "＿": "_", "：": ":"})


@lru_cache(maxsize=1 << 16)
def _split_header_text(text: str) -> tuple[str, str | None]:
    """A header text's (label for matching, unit in brackets), worked out once per process."""
    return split_header_unit(normalize_label(text))


def _header_label(value: object) -> str:
    """A header cell's label for matching: normalised, without a unit in brackets (涉及金额（万元）)."""
    return _split_header_text(value)[0] if type(value) is str else normalize_label(value)


def _header_units(grid: list[list[Any]], top: int, data_start: int, cols: dict[str, int]) -> dict[str, tuple[str, str]]:
    """Column name -> (unit, cell) for the header cells that carry a unit in brackets."""
    out = {}
    for name, c in cols.items():
        for r in range(top, data_start):
            v = grid[r][c] if c < len(grid[r]) else None
            unit = _split_header_text(v)[1] if type(v) is str else None
            if unit:
                out[name] = (unit, cell_ref(r, c))
    return out


@lru_cache(maxsize=None)
def _header_words(form: Form) -> tuple[frozenset[str], frozenset[str]]:
    """The form's column labels and parent labels as _header_label reads them (once per form)."""
    return (frozenset(_header_label(c.label) for c in form.columns),
            frozenset(_header_label(c.parent) for c in form.columns if c.parent))


def _header(grid: list[list[Any]], form: Form, start: int, stop: int) -> tuple[int, int, dict[int, tuple[str | None, str]]] | None:
    """Locate the (one- or two-row) header; map grid column -> (parent label, leaf label).

    A one-row header whose cells read <parent><sep><leaf> (joined by a client or a clerk) is the
    same as the two-row header."""
    leaves, parents = _header_words(form)
    known = leaves | parents
    width = max((len(r) for r in grid), default=0)
    for top in range(start, stop):
        hits = sum(1 for v in grid[top] if _header_label(v) in known or _split_joined(form, _header_label(v)))
        if hits < 2:
            continue
        second = top + 1 < stop and any(
            _header_label(grid[top + 1][c]) in leaves and _header_label(grid[top + 1][c]) != _header_label(grid[top][c])
            for c in range(width))
        mapping: dict[int, tuple[str | None, str]] = {}
        carry = None
        for c in range(width):
            upper = _header_label(grid[top][c])
            lower = _header_label(grid[top + 1][c]) if second else ""
            if upper:
                carry = upper
            elif lower and carry in parents:
                upper = carry  # parent header written once, not merged
            if lower and lower != upper:
                mapping[c] = _split_joined(form, lower) or (upper or None, lower)
            elif upper:
                mapping[c] = _split_joined(form, upper) or (None, upper)
        return top, top + (2 if second else 1), mapping
    return None


def _map_columns(form: Form, mapping: dict[int, tuple[str | None, str]]) -> tuple[dict[str, int], list[Column]]:
    """Column name -> grid column; and the required columns that were not found."""
    taken: set[int] = set()
    found: dict[str, int] = {}
    missing = []
    by_leaf: dict[str, list[int]] = {}
    for c, (_, leaf) in sorted(mapping.items()):
        by_leaf.setdefault(leaf, []).append(c)
    for col in form.columns:
        label, parent = normalize_label(col.label), normalize_label(col.parent) if col.parent else None
        candidates = [c for c in by_leaf.get(label, ()) if c not in taken]
        exact = [c for c in candidates if parent is None or mapping[c][0] == parent]
        loose = [c for c in candidates if mapping[c][0] is None]
        pick = (exact or loose or [None])[0]
        if pick is None:
            if col.required:
                missing.append(col)
            continue
        found[col.name] = pick
        taken.add(pick)
    return found, missing


def _footer(grid: list[list[Any]], start: int, stop: int) -> Footer:
    """Read 填报人 / 电话 / date from the rows below the table (start = first row after it)."""
    foot = Footer()
    for r in range(start, stop):
        row = grid[r]
        labels = [normalize_label(v) for v in row]
        if any(_NOTES.match(lab) for lab in labels):
            break
        for c, lab in enumerate(labels):
            match = _FOOTER_LABEL.match(lab)
            if match:
                rest = str(row[c]).replace(":", "：").partition("：")[2].strip()
                if not rest:  # value typed in the next cell, unless that cell is another footer field
                    nxt = next((v for v in row[c + 1:] if clean_text(v)), None)
                    if nxt is not None and not _FOOTER_LABEL.match(normalize_label(nxt)) and parse_date(nxt) is None \
                            and "年" not in normalize_label(nxt):
                        rest = clean_text(nxt)
                if match.group(1) in ("填报人", "填表人"):
                    foot.filler = clean_text(rest)
                else:
                    foot.phone = clean_text(rest)
            elif foot.date is None and row[c] is not None and row[c] != "":
                d = parse_date(row[c], serials=True)   # any spelling, a date cell, or a bare Excel serial
                if d:
                    foot.date, foot.date_cell = d, cell_ref(r, c)
    return foot


def _table_end(grid: list[list[Any]], start: int, stop: int) -> int:
    """First row of the footer (填报人：/电话：) or the notes (注：): the table ends before it."""
    for r in range(start, stop):
        for v in grid[r]:
            if type(v) is str and _ends_table(v):   # a number or a date is never a footer label
                return r
    return stop


# --------------------------------------------------------------------------------------
# values

@lru_cache(maxsize=None)
def field_names(name: str) -> tuple[str, str, str]:
    """(exact Decimal, normalised text, cell reference) field names of a column: built once, shared by
    every record (fewer strings to build, and to pickle back from a parse worker)."""
    return f"{name}__dec", f"{name}__text", f"{name}__cell"


# (column name, grid column or None, its letters, numeric?, Decimal field, text field, cell field)
Plan = list[tuple[str, int | None, str, bool, str, str, str]]


def _plan(form: Form, cols: dict[str, int]) -> Plan:
    """How to read a data row of this form in this sheet: worked out once per form, not per cell."""
    out = []
    for col in form.columns:
        c = cols.get(col.name)
        out.append((col.name, c, column_letters(c) if c is not None else "", col.kind in NUMERIC_KINDS,
                    *field_names(col.name)))
    return out


def _row_record(plan: Plan, sheet: Sheet, r: int) -> dict[str, Any]:
    """The fields of one data row. Per cell: numeric columns a float for the checks, the exact
    Decimal and the normalised text; text columns the cleaned text; and always the cell reference."""
    rec: dict[str, Any] = {"sheet": sheet.name, "row_no": r + 1}
    row = sheet.cells[r] if r < len(sheet.cells) else []
    width = len(row)
    row_label = str(r + 1)
    for name, c, letters, numeric, dec_key, text_key, cell_key in plan:
        value = row[c] if c is not None and c < width else None
        if not value and value == "":   # only a falsy value can be '' (most cells are not)
            value = None
        rec[cell_key] = letters + row_label if c is not None else None
        if numeric:
            rec[name], rec[dec_key], rec[text_key] = _numeric_fields(value)
        else:
            rec[name] = _clean_text(value)
    return rec


def _numeric_value(value: Any) -> tuple[float, Decimal | None, str]:
    """(float for the checks, exact Decimal, text) of a numeric cell."""
    text = number_text(value)
    dec = number_of(text)
    return (float(dec) if dec is not None else _NAN), dec, (text if dec is not None else str(value).strip())


# The same few figures and words fill most cells of every file: each is worked out once per process.
# typed: 1, 1.0 and True are equal keys but read differently (a nan never hits: it is recomputed).
# Only for types whose equal values read alike (Decimal('1.0') == Decimal('1.00'), an aware
# datetime equals another zone's: those are worked out every time).
_CACHED_TYPES = frozenset({str, float, int, bool, type(None)})
_numeric_cached = lru_cache(maxsize=1 << 16, typed=True)(_numeric_value)
_clean_cached = lru_cache(maxsize=1 << 16, typed=True)(clean_text)


def _numeric_fields(value: Any) -> tuple[float, Decimal | None, str]:
    return (_numeric_cached if type(value) in _CACHED_TYPES else _numeric_value)(value)


def _clean_text(value: Any) -> str | None:
    return (_clean_cached if type(value) in _CACHED_TYPES else clean_text)(value)


def _row_is_empty(sheet: Sheet, cols: dict[str, int], r: int, skip: tuple[str, ...] = ()) -> bool:
    return all(is_blank(sheet.value(r, c)) for name, c in cols.items() if name not in skip)


def _totals_record(form: Form, sheet: Sheet, cols: dict[str, int], r: int | None, section: str | None,
                   members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Declared 合计 vs the exact sum of the rows above it, per totalled column."""
    out = []
    for col in form.totalled_columns:
        c = cols.get(col.name)
        if c is None:
            continue
        dec_key = field_names(col.name)[0]
        parts = [m[dec_key] for m in members]
        computed = sum(parts, Decimal(0)) if all(p is not None for p in parts) else None   # not `in`: Decimal == None is slow
        raw = sheet.value(r, c) if r is not None else None
        # parse_number(raw) and number_text(raw), as a data cell's (None: no 合计 row)
        declared_float, declared, declared_text = _numeric_fields(raw) if r is not None else (_NAN, None, "None")
        diff = abs(declared - computed) if declared is not None and computed is not None else None
        out.append({
            "sheet": sheet.name, "section": section, "column": col.name, "label": col.label,
            "declared": declared_float if declared is not None else float("nan"),
            "declared__text": declared_text,
            "computed": float(computed) if computed is not None else float("nan"),
            "abs_diff": float(diff) if diff is not None else float("nan"),
            "cell": cell_ref(r, c) if r is not None else None,
        })
    return out


@lru_cache(maxsize=None)
def frame_columns(form: Form) -> tuple[str, ...]:
    """The columns of a form's row frame, in order."""
    columns = ["sheet", "row_no", *_EXTRA[form.code]]
    for col in form.columns:
        columns.append(col.name)
        if col.kind in NUMERIC_KINDS:
            columns += list(field_names(col.name)[:2])
        columns.append(field_names(col.name)[2])
    return tuple(columns)


def form_frame(records: list[dict[str, Any]], form: Form) -> pd.DataFrame:
    """Row records (of one file, or of a whole batch) as one frame. Built once per batch for the
    expectations, never per file: a thousand small frames cost more than parsing the files."""
    frame = pd.DataFrame.from_records(records, columns=list(frame_columns(form)))
    for col in form.numeric_columns:  # keep float dtype even when the form has no rows
        frame[col.name] = frame[col.name].astype("float64")
    return frame


TOTALS_COLUMNS = ["sheet", "section", "column", "label", "declared", "declared__text", "computed", "abs_diff", "cell"]


def totals_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records, columns=TOTALS_COLUMNS)


# --------------------------------------------------------------------------------------
# the three forms

@lru_cache(maxsize=None)
def _form1_keys() -> tuple[dict[str, str], dict[tuple[str, str], Any]]:
    """附件1's section labels and printed rows as normalised keys (read-only, built once)."""
    return ({normalize_label(s): s for s in FORM1.sections},
            {(r.section, normalize_label(r.item)): r for r in FORM1.rows})


def _parse_form1(sheet: Sheet, grid, cols, data_start, data_stop, where) -> tuple[list, list, list[Issue]]:
    issues: list[Issue] = []
    plan = _plan(FORM1, cols)
    label_cols = list(range(0, cols["screened"]))
    sections = list(FORM1.sections)
    section_keys, known = _form1_keys()
    block, seen = 0, set()
    records: list[dict] = []
    totals: list[dict] = []
    members: list[dict] = []
    order = 0
    for r in range(data_start, data_stop):
        raw_labels = []
        for c in label_cols:
            v = grid[r][c]
            text = _clean_text(v)
            if text and (not raw_labels or normalize_label(raw_labels[-1][1]) != normalize_label(v)):
                raw_labels.append((c, text))
        if not raw_labels and _row_is_empty(sheet, cols, r):
            continue
        keys = [normalize_label(t) for _, t in raw_labels]
        if TOTAL_LABEL in keys:
            if block < len(sections):
                totals += _totals_record(FORM1, sheet, cols, r, sections[block], members)
            block, members = block + 1, []
            continue
        explicit = [section_keys[k] for k in keys if k in section_keys]
        raw_labels = [(c, t) for c, t in raw_labels if normalize_label(t) not in section_keys]
        if block >= len(sections) and not explicit:
            issues.append(warning("ROW_OUTSIDE_TABLE", "两个合计行之后还有数据行，未计入。 A row after the second 合计 was not read.",
                                  cell=cell_ref(r, label_cols[-1] if label_cols else 0), **where))
            continue
        section = explicit[0] if explicit else sections[block]
        if not raw_labels:
            issues.append(error("ROW_LABEL_MISSING", "该行有数字但没有行名称（重点领域/重点行为项目）。 A row holds figures but no row label.",
                                cell=cell_ref(r, cols["screened"]), **where))
            continue
        item_col, item_text = raw_labels[-1]
        spec = known.get((section, normalize_label(item_text)))
        rec = _row_record(plan, sheet, r)
        if spec:
            if (section, spec.item) in seen:
                issues.append(error("DUPLICATE_ROW", f"“{spec.item}”行重复出现。 Row '{spec.item}' appears twice.",
                                    cell=cell_ref(r, item_col), value=item_text, **where))
            seen.add((section, spec.item))
            rec.update(section=section, grp=spec.group, item=spec.item, is_added=False)
        else:
            group = raw_labels[-2][1] if len(raw_labels) > 1 else None
            rec.update(section=section, grp=group, item=item_text, is_added=True)
        rec.update(row_order=order, label_cell=cell_ref(r, item_col))
        order += 1
        records.append(rec)
        members.append(rec)
    for s in sections[block:]:
        issues.append(warning("TOTAL_ROW_MISSING", f"{s} 缺少合计行，未能核对合计。 No 合计 row for {s}.", **where))
        totals += _totals_record(FORM1, sheet, cols, None, s, [m for m in records if m["section"] == s])
    missing = [row.item for row in FORM1.rows if (row.section, row.item) not in seen]
    if missing:
        issues.append(warning("ROW_MISSING", f"表中缺少以下固定行（按0计）：{'、'.join(missing)}。 Printed rows missing (counted as 0).",
                              value="、".join(missing), **where))
    return records, totals, issues


def _parse_form2(sheet: Sheet, grid, cols, data_start, data_stop, where) -> tuple[list, list, list[Issue]]:
    records, totals, members = [], [], []
    plan = _plan(FORM2, cols)
    total_row = None
    for r in range(data_start, data_stop):
        if any(normalize_label(v) == TOTAL_LABEL for v in grid[r][: cols.get("company_name", 1) + 1]):
            total_row = r
            break
        if _row_is_empty(sheet, cols, r, skip=("seq",)):
            continue
        rec = _row_record(plan, sheet, r)
        rec["company_key"] = company_key(rec["company_name"]) if rec["company_name"] else None
        records.append(rec)
        members.append(rec)
    issues = []
    if total_row is None and records:
        issues.append(warning("TOTAL_ROW_MISSING", "附件2 缺少合计行，未能核对合计。 No 合计 row in 附件2.", **where))
    if total_row is not None or records:
        totals = _totals_record(FORM2, sheet, cols, total_row, None, members)
    return records, totals, issues


def _parse_form3(sheet: Sheet, grid, cols, data_start, data_stop, where) -> tuple[list, list, list[Issue]]:
    plan = _plan(FORM3, cols)
    records = [_row_record(plan, sheet, r) for r in range(data_start, data_stop) if not _row_is_empty(sheet, cols, r)]
    return records, [], []


_PARSERS = {"附件1": _parse_form1, "附件2": _parse_form2, "附件3": _parse_form3}
_EXTRA = {"附件1": ("section", "grp", "item", "is_added", "row_order", "label_cell"), "附件2": ("company_key",), "附件3": ()}


def parse_form(sheet: Sheet, grid, form: Form, title_row: int, title_col: int, stop: int,
               title: TitleMatch | None = None) -> ParsedForm:
    """One form: its header, rows, totals and footer. title_row is the title's row; for a form found
    by its header alone (no title) it is the row above the header, perhaps -1."""
    where = {"form": form.code, "sheet": sheet.name}
    issues: list[Issue] = []
    end = _table_end(grid, title_row + 1, stop)
    header = _header(grid, form, title_row + 1, end)
    footer = _footer(grid, end, stop)
    title_cell = cell_ref(max(title_row, 0), title_col)

    def empty() -> ParsedForm:
        return ParsedForm(form, sheet.name, title_cell, [], [], footer, issues, title)

    if header is None:
        issues.append(error("MISSING_HEADER", f"找到了{form.code}标题，但找不到表头。 Title found but no header row.",
                            cell=title_cell, **where))
        return empty()
    top, data_start, mapping = header
    cols, missing = _map_columns(form, mapping)
    for col in missing:
        label = f"{col.parent}/{col.label}" if col.parent else col.label
        issues.append(error("MISSING_COLUMN", f"表头中找不到“{label}”列。 Column '{label}' not found in the header.",
                            cell=cell_ref(top, 0), value=label, **where))
    if missing:
        return empty()
    issues += unit_line_issues(sheet, grid, form, title_row, top, where)
    issues += header_unit_issues(form, _header_units(grid, top, data_start, cols), where)
    records, totals, more = _PARSERS[form.code](sheet, grid, cols, data_start, end, where)
    issues += more
    if form is FORM2:   # 统一社会信用代码 in an added column, the name or 备注 (transforms/credit_code.py)
        issues += credit_code.annotate(records, sheet, mapping, where)
    if footer.date is None and records:
        issues.append(warning("FOOTER_DATE_MISSING", "落款缺少填报日期（年 月 日），将按到达日期（文件修改时间的本地日期）排序。"
                              " No footer date: ordering uses the arrival date (local date of the file's modification time).", **where))
    if title is None:
        issues.append(warning("TITLE_MISSING", f"工作表“{sheet.name}”没有表格标题，按表头识别为{form.code}（{form.title}）。"
                              f" No title: {form.code} recognised by its header.", cell=cell_ref(top, 0), **where))
    return ParsedForm(form, sheet.name, title_cell, records, totals, footer, issues, title)


def _confirmed_titles(grid, candidates: list[tuple[int, int, TitleMatch]]) -> list[tuple[int, int, TitleMatch]]:
    """The candidates that are titles: the printed title alone always; a title with more around it
    (the unit's name, an as-of date, a typo) only when the form's header follows below it."""
    out = []
    for i, (r, c, title) in enumerate(candidates):
        stop = candidates[i + 1][0] if i + 1 < len(candidates) else len(grid)
        if title.exact or _header(grid, title.form, r + 1, _table_end(grid, r + 1, stop)) is not None:
            out.append((r, c, title))
    return out


# a sheet without any title: a form is recognised by its header alone when the header's first row
# holds this share of the form's printed labels (a table that merely shares two words is not)
_HEADER_ONLY_SHARE = 0.5
_HEADER_ONLY_ROWS = 30


def _untitled_forms(grid) -> list[tuple[int, Form]]:
    """(row above the header, form) of the forms a title-less sheet holds, found by their headers."""
    found = []
    for form in FORMS:
        labels = {_header_label(c.label) for c in form.columns} | {_header_label(c.parent) for c in form.columns if c.parent}
        for r in range(min(len(grid), _HEADER_ONLY_ROWS)):
            hits = {_header_label(v) for v in grid[r]} & labels
            if len(hits) >= max(3, int(len(labels) * _HEADER_ONLY_SHARE)):
                found.append((r - 1, form))
                break
    return sorted(found, key=lambda x: x[0])


def seen_titles(sheets: list[Sheet], limit: int = 6) -> list[tuple[str, str]]:
    """(sheet, title) of what the sheets' top rows say (their titles as a person reads them), for a receipt."""
    out = []
    for sheet in sheets:
        for row in sheet.cells[:8]:
            texts = [v for v in row if title_like(v)]
            if texts:
                out.append((sheet.name, " ".join(str(texts[0]).split())))
                break
    return out[:limit]


def parse_workbook(sheets: list[Sheet]) -> ParsedWorkbook:
    """Every form found in the workbook, whatever the sheet names and order."""
    forms: list[ParsedForm] = []
    issues: list[Issue] = []
    unread: list[Sheet] = []   # sheets holding no form
    for sheet in sheets:
        candidates = find_titles(sheet)
        grid = sheet.filled() if candidates or sheet.cells else []
        titles = _confirmed_titles(grid, candidates) if candidates else []
        for i, (r, c, title) in enumerate(titles):
            stop = titles[i + 1][0] if i + 1 < len(titles) else len(grid)
            forms.append(parse_form(sheet, grid, title.form, r, c, stop, title))
        if not titles and grid:
            untitled = _untitled_forms(grid)
            for i, (r, form) in enumerate(untitled):
                stop = untitled[i + 1][0] + 1 if i + 1 < len(untitled) else len(grid)
                forms.append(parse_form(sheet, grid, form, r, 0, stop, None))
            if not untitled:
                unread.append(sheet)
    codes = [f.form.code for f in forms]
    for code in sorted(set(codes)):
        if codes.count(code) > 1:
            sheets_ = "、".join(f.sheet for f in forms if f.form.code == code)
            issues.append(error("DUPLICATE_FORM", f"同一文件中{code}出现了{codes.count(code)}次（工作表：{sheets_}）。"
                                f" {code} appears more than once in one file.", form=code, value=sheets_))
    if forms:   # a table the unit meant as a form but titled so that it is none of them: said, not skipped
        for name, title in seen_titles([s for s in unread if any("表" in str(v) for row in s.cells[:8] for v in row)]):
            issues.append(warning("SHEET_NOT_RECOGNISED", f"工作表“{name}”（标题“{title}”）不是附件1、附件2或附件3中的任何"
                                  "一张表，未读取；如它是其中一张，请使用通知所附表格的标题后重新报送。"
                                  " A sheet with a table that is none of the three forms was not read.",
                                  sheet=name, value=title))
    if not forms:
        names = "、".join(s.name for s in sheets) or "（无）"
        seen = seen_titles(sheets)
        said = f"文件中各表的标题是：{'；'.join(f'工作表“{n}”：“{t}”' for n, t in seen)}。" if seen else f"文件中的工作表（{names}）都没有表格标题。"
        issues.append(error("NO_FORMS", "文件中找不到附件1、附件2或附件3（按标题行识别：“涉嫌非法集资风险专项排查情况统计表”、"
                            f"“重点风险线索统计表”、“‘无非法集资区、县’统计表”）。{said}"
                            " None of the three forms was found; expected their title rows.",
                            value=names))
    return ParsedWorkbook(forms, issues)
