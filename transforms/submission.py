"""From a parsed workbook and its issues to a verdict: accepted or rejected, and which forms count."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from campaign.forms import FORMS_BY_CODE
from transforms.formats import unsupported_message
from transforms.issues import ERROR, Issue, error, warning
from transforms.sheet import DEFAULT_MAX_CELLS, WorkbookError, split_ref
from transforms.text import normalize_label
from transforms.parse import ParsedWorkbook, field_names, form_frame, parse_workbook, totals_frame
from transforms.plausibility import amount_per_person_issues


@dataclass
class Receipt:
    """A file as received: where it sat, its bytes' hash, where the archive keeps it."""
    unit: str
    file_name: str
    inbox_path: str               # relative to the inbox, '/'-separated
    sha256: str
    size_bytes: int
    file_mtime: dt.datetime | None
    received_at: dt.datetime
    archive_path: str             # relative to the data dir


@dataclass
class FormRecord:
    """One form of a submission, ready to load."""
    form: str                     # 附件1 / 附件2 / 附件3
    sheet: str
    filler: str | None
    phone: str | None
    footer_date: dt.date | None
    records: list[dict]           # one per data row (transforms.parse._row_record)
    counts: bool                  # may become current data (False: a department's 附件3, a blank form)
    total_records: list[dict] = field(default_factory=list)   # declared 合计 vs computed sums (附件1, 附件2)
    title: str | None = None      # the title as the unit wrote it (None: the form was found by its header)
    title_unit: str | None = None  # what the title says before the form's title (the unit's name)
    as_of: dt.date | None = None  # the as-of date the title carries (截至2018年7月15日)

    @property
    def rows(self) -> pd.DataFrame:
        return form_frame(self.records, FORMS_BY_CODE[self.form])

    @property
    def totals(self) -> pd.DataFrame:
        return totals_frame(self.total_records)


@dataclass
class Verdict:
    receipt: Receipt
    status: str                   # accepted | rejected | duplicate
    forms: list[FormRecord] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    duplicate_of: str | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity != ERROR]


def _named_county(records: list[dict]) -> str | None:
    for r in records:
        v = r.get("county")
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def _county_cell(records: list[dict]) -> str | None:
    for r in records:
        if isinstance(r.get("county"), str) and r["county"].strip():
            return r.get("county__cell")
    return None


def form_records(parsed: ParsedWorkbook, unit_kind: str, unit: str | None = None,
                 campaign_years: tuple[int, ...] = ()) -> tuple[list[FormRecord], list[Issue]]:
    """Which forms of the workbook count, and the issues that decision raises.

    A department's 附件3 is not its business: ignored (with a warning when it was filled in);
    when it names a county (or any unit but the department), the workbook is that unit's: rejected
    (FORM_OF_OTHER_UNIT). A county's 附件3 naming another county is FORM3_WRONG_COUNTY (expectations).
    A county's blank 附件3 template is treated as not sent. A footer date outside the campaign's
    year(s) (a typo such as 2017 or 2081) is not used to order resubmissions: FOOTER_DATE_OUTSIDE_CAMPAIGN,
    and the file counts by its arrival date like an undated one."""
    records, issues = [], []
    for pf in parsed.forms:
        footer_date = pf.footer.date
        if footer_date is not None and campaign_years and footer_date.year not in campaign_years:
            years = "、".join(str(y) for y in campaign_years)
            issues.append(warning("FOOTER_DATE_OUTSIDE_CAMPAIGN",
                                  f"落款日期 {footer_date:%Y年%-m月%-d日} 不在本次专项排查的年份（{years}年）内，"
                                  f"可能填写有误；排序时不采用该日期，按到达日期（文件修改时间）处理，请核对。"
                                  f" Footer date {footer_date} is outside the campaign year ({years}): not used for"
                                  f" ordering (the arrival date is).", form=pf.form.code, sheet=pf.sheet,
                                  cell=pf.footer.date_cell, value=footer_date.isoformat()))
            footer_date = None
        counts = True
        if pf.form.code == "附件3" and unit_kind == "department":
            counts = False
            named = _named_county(pf.records)
            if named and normalize_label(named) != normalize_label(unit or ""):
                # a county's workbook in a department's folder (copied, hard-linked): its 附件1/附件2
                # are that county's figures, not the department's — the whole file is rejected
                issues.append(error("FORM_OF_OTHER_UNIT",
                                    f"附件3“区、县名称”填写的是“{named}”：本文件是该区县的报表，不是本单位（{unit}）的。"
                                    f"请报送本单位自己的附件1、附件2；区县报表请放入该区县的文件夹。"
                                    f" 附件3 names {named}: this is that unit's workbook, not {unit}'s.",
                                    form="附件3", sheet=pf.sheet, cell=_county_cell(pf.records) or pf.title_cell,
                                    value=named))
            elif not pf.is_blank:
                issues.append(warning("FORM3_FROM_DEPARTMENT", "部门单位不需填报附件3：已受理文件，但附件3内容不予采用。"
                                      " A department filled 附件3: file accepted, its 附件3 ignored.",
                                      form="附件3", sheet=pf.sheet, cell=pf.title_cell))
        elif pf.form.code == "附件3" and pf.is_blank:
            counts = False
            issues.append(warning("FORM_BLANK", "附件3 是空白表，视为未报送附件3。 附件3 is blank: treated as not sent.",
                                  form="附件3", sheet=pf.sheet, cell=pf.title_cell))
        title = pf.title
        records.append(FormRecord(pf.form.code, pf.sheet, pf.footer.filler, pf.footer.phone, footer_date,
                                  pf.records, counts, pf.total_records,
                                  title.written if title else None, title.unit if title else None,
                                  title.as_of if title else None))
    return records, issues


def decide(receipt: Receipt, forms: list[FormRecord], issues: list[Issue]) -> Verdict:
    """Any error rejects the whole file; warnings are reported and the file is accepted."""
    status = "rejected" if any(i.severity == ERROR for i in issues) else "accepted"
    return Verdict(receipt, status, forms, issues)


def examine(data: bytes, file_name: str, unit: str, unit_kind: str | None, intake: dict
            ) -> tuple[ParsedWorkbook | None, list[FormRecord], list[Issue]]:
    """Everything that can be said about one file before the expectations run.

    Returns the parsed workbook (None when it could not be read), its forms, and the issues so
    far. Never raises for bad input: every problem becomes an issue."""
    from transforms.grid import read_workbook, recalculated_issues, uncached_formula_issues   # calamine: only a read needs it

    suffix = ("." + file_name.rsplit(".", 1)[-1].lower()) if "." in file_name else ""
    if unit_kind is None:
        return None, [], [error("UNKNOWN_UNIT", f"“{unit}”不是报送单位名单中的单位文件夹；请放入本单位文件夹后重新报送。"
                                f" Folder '{unit}' is not a registry unit.", value=unit)]
    if suffix not in intake["accepted_extensions"]:   # an archive: send its files, not a resaved workbook
        message = unsupported_message(suffix, intake["accepted_extensions"], intake["legacy_extensions"])
        return None, [], [error("UNSUPPORTED_FORMAT", message, value=suffix or file_name)]
    if len(data) > int(intake["max_file_bytes"]):
        return None, [], [error("FILE_TOO_LARGE", f"文件过大（{len(data)} 字节），超过上限 {intake['max_file_bytes']}。"
                                f" File larger than the limit.", value=str(len(data)))]
    try:
        sheets = read_workbook(data, int(intake["max_uncompressed_bytes"]), int(intake.get("max_cells", DEFAULT_MAX_CELLS)))
    except WorkbookError as exc:
        return None, [], [exc.issue]
    parsed = parse_workbook(sheets)
    issues = list(parsed.issues)
    for pf in parsed.forms:
        issues += pf.issues
    titles: dict[str, list[tuple[int, str]]] = {}
    for pf in parsed.forms:
        titles.setdefault(pf.sheet, []).append((split_ref(pf.title_cell)[0], pf.form.code))
    issues += uncached_formula_issues(sheets, titles)
    issues += recalculated_issues(sheets, titles)
    records, more = form_records(parsed, unit_kind, unit, tuple(intake.get("campaign_years", ())))
    plausible = amount_per_person_issues(records, intake.get("amount_per_person_max"))
    return parsed, records, issues + more + oversized_numbers(records) + plausible


MAX_STORABLE = Decimal("9999999999999999.99")   # DECIMAL(18,2): a larger value would fail the load
_OVERFLOW = MAX_STORABLE + Decimal("0.005")     # rounded to the cent on load


def oversized_numbers(records: list[FormRecord]) -> list[Issue]:
    """VALUE_TOO_LARGE: a number the warehouse cannot hold (e.g. an 18-digit ID typed into 涉及金额)."""
    out = []
    for rec in records:
        for col in FORMS_BY_CODE[rec.form].numeric_columns:
            dec_key, _, cell_key = field_names(col.name)
            for row in rec.records:
                dec, ref = row[dec_key], row[cell_key]
                if dec is not None and abs(dec) >= _OVERFLOW:
                    out.append(error("VALUE_TOO_LARGE", f"“{col.label}”的数值 {dec} 过大（超过 {MAX_STORABLE}），请核对。"
                                     f" '{col.label}' value {dec} is too large.", form=rec.form, sheet=rec.sheet,
                                     cell=ref, value=str(dec)))
    return out
