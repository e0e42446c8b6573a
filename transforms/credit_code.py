"""统一社会信用代码 (unified social credit code, GB 32100-2015): checksum, region, and where units put it.

A code is 18 characters over 0-9 and 26 letters less I O S V Z: registration authority (1),
entity type (2), the registering region's administrative division code (3-8), the
organisation code (9-17) and a check character (18). A code that passes the checksum is the
company's key across units (transforms/identity.py); one that does not is reported
(CREDIT_CODE_INVALID), and its region is compared with the 是否跨省 answer.

Units give the code in a column they add to 附件2 (统一社会信用代码 / 信用代码), or inside the
企业名称 or 备注 cell. Pure: records in, records and issues out."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

from transforms.issues import Issue, warning
from transforms.sheet import column_letters
from transforms.text import company_key, normalize_label

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"          # 31 characters: no I, O, S, V, Z
VALUE = {ch: i for i, ch in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)   # 3^(i) mod 31

# Header labels of an added credit-code column (normalised as header labels are).
HEADER_LABELS = ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "统一社会信用代码（注册号）",
                 "统一社会信用代码/注册号")
# A code-like run in a text cell: 18 letters/digits, not part of a longer run.
_RUN = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])")
# ... announced by a label (a remark may hold other 18-character numbers: 身份证号)
_LABELLED = re.compile(r"(?:统一社会信用代码|社会信用代码|信用代码|代码)[:：为是]?\s*([0-9A-Z]{18})(?![0-9A-Z])")
# a code inside the name, with what announces it and the bracket around it: cut from the key
_IN_NAME = re.compile(r"[(\[（【]?\s*(?:统一社会信用代码|社会信用代码|信用代码)?[:：]?\s*[0-9A-Z]{18}\s*[)\]）】]?")


def check_char(first17: str) -> str:
    """The 18th character for the first 17 (GB 32100-2015, 4.3)."""
    total = sum(VALUE[ch] * w for ch, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def normalise(text: Any) -> str:
    """NFKC, upper case, no spaces or hyphens: '9134 0400-ma2…' -> '91340400MA2…'."""
    return re.sub(r"[\s\-－—]", "", unicodedata.normalize("NFKC", str(text or ""))).upper()


def is_valid(code: str) -> bool:
    return (len(code) == 18 and all(ch in VALUE for ch in code) and check_char(code[:17]) == code[17])


@lru_cache(maxsize=1)
def provinces() -> dict[str, str]:
    """Two-digit province code -> name, from transforms/data/provinces.txt."""
    out = {}
    for line in resources.files("transforms.data").joinpath("provinces.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, name = line.split("\t", 1)
            out[code.strip()] = name.strip()
    return out


def province_of(code: str) -> str | None:
    """The registering province's two-digit code (digits 3-4), None when not a known province."""
    p = code[2:4]
    return p if p in provinces() else None


def code_column(mapping: dict[int, tuple[str | None, str]]) -> int | None:
    """The grid column of an added credit-code column in a form's header mapping, if any."""
    labels = {normalize_label(x) for x in HEADER_LABELS}
    for c, (parent, leaf) in sorted(mapping.items()):
        if leaf in labels or (parent in labels and not leaf):
            return c
    return None


def _found_in_text(text: str | None, labelled_only: bool) -> str | None:
    if not text:
        return None
    norm = unicodedata.normalize("NFKC", text).upper()
    m = _LABELLED.search(norm)
    if m:
        return m.group(1)
    if labelled_only:   # an unlabelled run in 备注 counts only when it is a valid code
        return next((r for r in _RUN.findall(norm) if is_valid(r)), None)
    m = _RUN.search(norm)
    return m.group(0) if m else None


def annotate(records: list[dict[str, Any]], sheet, mapping: dict[int, tuple[str | None, str]],
             where: dict[str, Any]) -> list[Issue]:
    """Find each 附件2 row's credit code; set rec['credit_code'] (a valid code, else None) and
    rec['credit_code__cell']; cut a code typed inside the name out of rec['company_key'].

    sheet: the transforms.sheet.Sheet; mapping: the form's header (grid column -> labels), where
    an added 统一社会信用代码 column is looked for. Returns the CREDIT_CODE_INVALID warnings
    (the cell and what it held)."""
    col = code_column(mapping)
    letters = column_letters(col) if col is not None else None
    issues: list[Issue] = []
    for rec in records:
        rec["credit_code"], rec["credit_code__cell"] = None, None
        found, cell, typed = None, None, None
        raw = sheet.value(rec["row_no"] - 1, col) if col is not None else None
        if raw is not None and normalise(raw) and normalize_label(raw) not in ("—", "-", "/", "无"):
            found, cell, typed = normalise(raw), f"{letters}{rec['row_no']}", str(raw).strip()
        name = rec.get("company_name")
        in_name = _found_in_text(name, labelled_only=False)
        if in_name:
            rec["company_key"] = company_key(_cut_code(name)) or rec["company_key"]
            if found is None:
                found, cell = in_name, rec.get("company_name__cell")
        if found is None:
            in_remarks = _found_in_text(rec.get("remarks"), labelled_only=True)
            if in_remarks:
                found, cell = in_remarks, rec.get("remarks__cell")
        if found is None:
            continue
        rec["credit_code__cell"] = cell
        if is_valid(found):
            rec["credit_code"] = found
        else:
            issues.append(warning(
                "CREDIT_CODE_INVALID",
                f"统一社会信用代码“{found}”校验不通过（应为18位，末位校验码按GB 32100-2015计算），请核对。"
                f" Credit code fails the GB 32100-2015 check; not used to match companies.",
                cell=cell, value=typed or found, **where))
    return issues


def _cut_code(name: str) -> str:
    """The name without a credit code (and its label and brackets) typed inside it."""
    norm = unicodedata.normalize("NFKC", name)
    upper = norm.upper()
    out, last = [], 0
    for m in _IN_NAME.finditer(upper):
        out.append(norm[last:m.start()])
        last = m.end()
    out.append(norm[last:])
    return "".join(out)


def cross_province_issues(forms: Iterable, home_province: str) -> list[Issue]:
    """A valid code registered outside the home province while the unit answered 是否跨省 = 否:
    a warning for review (CREDIT_CODE_PROVINCE). forms: transforms.submission.FormRecord."""
    out = []
    names = provinces()
    for f in forms:
        if f.form != "附件2" or not f.counts:
            continue
        for rec in f.records:
            code = rec.get("credit_code")
            if not code or rec.get("cross_province") != "否":
                continue
            p = province_of(code)
            if p and p != home_province:
                out.append(warning(
                    "CREDIT_CODE_PROVINCE",
                    f"统一社会信用代码登记地为{names[p]}（代码第3-4位{p}），但“是否跨省”填写“否”，请核对。"
                    f" The credit code is registered in another province ({p}) but 是否跨省 = 否: review.",
                    form=f.form, sheet=f.sheet, cell=rec.get("cross_province__cell"), value=code))
    return out


def province_review(forms_per_file: list[list], home_province: str) -> list[tuple[int, Issue]]:
    """cross_province_issues for a batch: (index of the file, issue), as the expectations report theirs."""
    return [(i, issue) for i, forms in enumerate(forms_per_file) for issue in cross_province_issues(forms, home_province)]
