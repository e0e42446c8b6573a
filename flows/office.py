"""The office's filled 待核对 copies (inbox/<[office] name>/…): read, applied, answered with a receipt.

The office's own folder is not a reporting unit (never UNKNOWN_UNIT): a workbook in it is read as
a filled 待核对 workbook (transforms/office_review.py), every filled row is applied
(warehouse/office_review.py: company pairs merged or kept apart from this night's consolidation,
document kinds set) and recorded, and the file gets a receipt listing what was applied. Files are
applied in the order they arrived, so the later copy wins where two disagree."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task
from prefect.cache_policies import NONE

from campaign.config import Config
from transforms.issues import error, warning
from transforms.office_review import read_review
from transforms.submission import Verdict
from warehouse import db
from warehouse.office_review import apply_decisions


def office_name(config: Config) -> str:
    return (config.office or {}).get("name") or "市处非办"


def split_office(received: list, config: Config) -> tuple[list, list]:
    """(the units' files, the office's new files) among the received files."""
    name = office_name(config)
    office = [r for r in received if r.receipt.unit == name and r.status == "new"]
    return [r for r in received if not (r.receipt.unit == name and r.status == "new")], office


@task(name="office-review", cache_policy=NONE)
def office_review_task(files: list, data_dir: Path, warehouse: Path, config: Config) -> list[Verdict]:
    """Apply each filled copy in arrival order; one verdict (and so one receipt) per file."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    verdicts = []
    ordered = sorted(files, key=lambda r: (r.receipt.file_mtime or r.receipt.received_at, r.receipt.inbox_path))
    con = db.connect(warehouse)
    try:
        for r in ordered:
            rec = r.receipt
            try:
                data = (Path(data_dir) / rec.archive_path).read_bytes()
            except OSError:
                data = b""
            review = read_review(data)
            if review.problem:
                verdicts.append(Verdict(rec, "rejected", [], [error("OFFICE_REVIEW_UNREADABLE", review.problem + "。")]))
                continue
            lines = apply_decisions(con, review.decisions, rec.sha256, rec.file_name, office_name(config), now)
            issues = [warning("OFFICE_DECISION" if outcome == "applied" else "OFFICE_DECISION_REFUSED",
                              f"{where}：{what}。", sheet=where.split("”")[0].split("“")[-1])
                      for outcome, where, what in lines]
            if review.blank:
                issues.append(warning("OFFICE_DECISION_OPEN", f"{review.blank}行未填写，保持待核对。"))
            verdicts.append(Verdict(rec, "accepted", [], issues))
    finally:
        con.close()
    return verdicts
