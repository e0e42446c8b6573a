"""Prefect artifacts of a nightly run: what ops staff see on the flow run's page in the UI.

- table `nightly-verdicts`: one row per unit that sent files tonight — accepted, rejected and
  duplicate counts, and each rejected file with its first error (rule and cell);
- markdown `nightly-summary`: the run's outcome, counts, and the published workbook's path.

Artifacts are a report, not the result: failing to write them never fails the night."""
from __future__ import annotations

import logging
from collections import Counter

from flows.story import first_error as _first_error, split_skips

VERDICTS_KEY = "nightly-verdicts"
SUMMARY_KEY = "nightly-summary"


def verdict_rows(verdicts) -> list[dict]:
    """Per unit: accepted / rejected / duplicate counts, and the rejected files with their first rule and cell."""
    per_unit: dict[str, Counter] = {}
    rejected: dict[str, list[str]] = {}
    for v in verdicts:
        unit = v.receipt.unit
        per_unit.setdefault(unit, Counter())[v.status] += 1
        if v.status == "rejected":
            rejected.setdefault(unit, []).append(f"{v.receipt.file_name}: {_first_error(v)}")
    return [{"unit": unit, "accepted": c["accepted"], "rejected": c["rejected"], "duplicate": c["duplicate"],
             "rejected_files": "; ".join(rejected.get(unit, [])) or "-"}
            for unit, c in sorted(per_unit.items())]


def summary_markdown(run_id: str, ingested, published) -> str:
    c = ingested.counts()
    lines = [
        f"# Nightly run {run_id}",
        "",
        (f"**Published workbook:** `{published.workbook}`  " if not published.skipped else
         f"**Workbook:** `{published.workbook}` kept: nothing changed since the last publish  "),
        f"**Latest copy:** `{published.latest}`  ",
        f"**Data date:** {published.data_date.isoformat()}  ",
        f"**Receipts:** {len(published.receipts)} ({published.receipts_written} written)",
        "",
        "| accepted | rejected | duplicate | already processed | skipped |",
        "| ---: | ---: | ---: | ---: | ---: |",
        f"| {c['accepted']} | {c['rejected']} | {c['duplicate']} | {c['known']} | {c['skipped']} |",
    ]
    rejected = [v for v in ingested.verdicts if v.status == "rejected"]
    if rejected:
        lines += ["", "## Rejected files (the unit must correct and resend)", ""]
        lines += [f"- `{v.receipt.inbox_path}` — {_first_error(v)}" for v in rejected]
    later, never = split_skips(ingested.skips)
    if later:
        lines += ["", "## Not read tonight (picked up by a later run)", ""]
        lines += [f"- `{path}` — {reason}" for path, reason in later]
    if never:
        lines += ["", "## Ignored (not submissions: lock files, hidden or temporary files, links)", ""]
        lines += [f"- `{path}` — {reason}" for path, reason in never]
    if not ingested.verdicts:
        lines += ["", "No new files tonight."]
    return "\n".join(lines)


def record_nightly_artifacts(run_id: str, ingested, published) -> None:
    """Create the verdicts table and the summary markdown on the current flow run."""
    try:
        from prefect.artifacts import create_markdown_artifact, create_table_artifact

        rows = verdict_rows(ingested.verdicts) or [
            {"unit": "-", "accepted": 0, "rejected": 0, "duplicate": 0, "rejected_files": "no new files tonight"}]
        create_table_artifact(rows, key=VERDICTS_KEY, description=f"Per-unit verdicts of nightly run {run_id}")
        create_markdown_artifact(summary_markdown(run_id, ingested, published), key=SUMMARY_KEY,
                                 description=f"Nightly run {run_id}: published {published.workbook}")
    except Exception as exc:   # a report must not fail the night
        logging.getLogger("campaign.nightly").warning("could not create the run's Prefect artifacts: %s", exc)
