"""The words of a night's story, shared by the logs, the Prefect artifacts and the CLI: where an
issue is (no stray "!" when there is no cell), which skips will be read by a later run and which
are no submission at all (an Excel lock file is never "picked up later")."""
from __future__ import annotations

from collections import Counter

from support.textwidth import table

# skip reasons of intake.scan / intake.archive that are no submission: never read, by any run
NOT_SUBMISSIONS = {"LOCK_FILE", "HIDDEN_FILE", "HIDDEN_FOLDER", "TEMPORARY_FILE", "SYMLINK", "NOT_A_FILE"}


def where(issue) -> str:
    """`附件1!E15`, or the sheet alone, or the cell alone, or '' for a whole-file problem."""
    if issue.sheet and issue.cell:
        return f"{issue.sheet}!{issue.cell}"
    return issue.sheet or issue.cell or ""


def rule_at(issue) -> str:
    """`SUM_MISMATCH 附件1!H19`, or `UNREADABLE_FILE` alone."""
    return f"{issue.rule} {where(issue)}".strip()


def first_error(verdict) -> str:
    errors = verdict.errors
    if not errors:
        return "?"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return rule_at(errors[0]) + more


def split_skips(skips) -> tuple[list, list]:
    """(read by a later run, not submissions)"""
    later = [(p, r) for p, r in skips if r not in NOT_SUBMISSIONS]
    never = [(p, r) for p, r in skips if r in NOT_SUBMISSIONS]
    return later, never


def unit_lines(verdicts) -> list[str]:
    """The per-unit table: accepted / rejected / duplicate, padded by display width."""
    per_unit: dict[str, Counter] = {}
    for v in verdicts:
        per_unit.setdefault(v.receipt.unit, Counter())[v.status] += 1
    if not per_unit:
        return []
    rows = [[unit, c["accepted"], c["rejected"], c["duplicate"]] for unit, c in sorted(per_unit.items())]
    return table(["unit", "accepted", "rejected", "duplicate"], rows, right={1, 2, 3})


def published_line(published) -> str:
    """What the publish stage did, in the words of the flags: `campaign publish --force` rewrites."""
    if published.skipped:
        return (f"nothing to publish: {published.workbook} and {published.latest.name} already hold this data; "
                f"kept them (`campaign publish --force` rewrites them)")
    upward = getattr(published, "upward", None)
    return (f"published {published.workbook} (and {published.latest.name})"
            + (f"; upward report {upward} (and {published.upward_latest.name})" if upward else ""))
