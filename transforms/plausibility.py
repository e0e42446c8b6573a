"""Figures that are possible but unlikely: a warning for the office to check, never a rejection.

The unit mistakes nobody wrote down (amounts typed in 元 under a 单位 line that says 万元, people
typed in 万人) make 涉及金额 per person 10,000× too large: a row whose amount per person is above
[validation] amount_per_person_max (万元) is flagged (AMOUNT_PER_PERSON_HIGH) with its figures in
words. Real rows stay far below it (the fixture city: 2-10 万元 per person).

Pure: form records in, issues out.
"""
from __future__ import annotations

from decimal import Decimal

from transforms.issues import Issue, warning


def _row_name(form: str, row: dict) -> str:
    if form == "附件1":
        return f"“{row.get('item')}”行"
    return f"“{row.get('company_name') or '（未填企业名称）'}”一行"


def amount_per_person_issues(records, limit: Decimal | str | None) -> list[Issue]:
    """AMOUNT_PER_PERSON_HIGH for every 附件1/附件2 row whose 涉及金额 ÷ 涉及人数 exceeds `limit` 万元."""
    if limit is None:
        return []
    limit = Decimal(str(limit))
    out = []
    for rec in records:
        if rec.form not in ("附件1", "附件2"):
            continue
        for row in rec.records:
            amount, people = row.get("amount__dec"), row.get("people__dec")
            if amount is None or not people or people <= 0 or amount <= 0:
                continue
            per = amount / people
            if per > limit:
                out.append(warning(
                    "AMOUNT_PER_PERSON_HIGH",
                    f"{rec.form}{_row_name(rec.form, row)}：涉及金额 {amount:,.2f} 万元、涉及人数 {people:,.0f} 人，"
                    f"人均 {per:,.2f} 万元，明显偏高。请核对金额是否误按“元”填写（应以万元为单位），"
                    f"或人数是否误按“万人”填写（应填人数）。"
                    f" {per:.2f} 万元 per person: amounts in 元 or people in 万人?",
                    form=rec.form, sheet=rec.sheet, cell=row.get("amount__cell"), value=f"{per:.2f}"))
    return out
