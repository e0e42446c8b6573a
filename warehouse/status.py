"""`campaign status`: the campaign at a glance: runs from the warehouse's own run log, the rest from the
analysts' snapshot (never blocks a run)."""
from __future__ import annotations

import datetime as dt

import duckdb

from warehouse.documents import owing


def campaign_day(config, today: dt.date) -> str:
    start, end = config.date("screening_start"), config.date("screening_end")
    days = (end - start).days + 1
    if today < start:
        return f"{today}: before the screening window ({start} .. {end}); nightly runs start {start}"
    if today > end:
        return f"{today}: after the screening window ({start} .. {end}); no more nightly runs"
    due = config.forms_due
    return (f"{today}: screening day {(today - start).days + 1} of {days}; forms due {due}"
            f" ({'in ' + str((due - today).days) + ' days' if today <= due else 'overdue since ' + str(due)})")


def status_report(con: duckdb.DuckDBPyConnection, config, today: dt.date, runs: tuple[list[dict], str | None] = None
                  ) -> str:
    """runs: (rows, note) of warehouse.runlog.read_runs — the warehouse's own run log (a failed night
    never refreshes the snapshot, so its runs table would still show the night before)."""
    lines = [campaign_day(config, today), ""]
    if runs is None:
        cols = ["flow", "started_at", "finished_at", "outcome", "accepted", "rejected", "duplicates",
                "published_file", "message"]
        rows = [dict(zip(cols, r)) for r in con.execute(f"SELECT {', '.join(cols)} FROM runs LIMIT 1").fetchall()]
        note = None
    else:
        rows, note = runs
    if rows:
        last = rows[0]
        acc = last.get("accepted")
        lines.append(f"last run: {last['flow']} started {last['started_at']:%Y-%m-%d %H:%M} UTC, {last['outcome']}"
                     + (f", {acc} accepted / {last['rejected']} rejected / {last['duplicates']} duplicate"
                        if acc is not None else ""))
        if last.get("published_file") and last["outcome"] == "completed":
            lines.append(f"  published: {last['published_file']}")
        if last.get("message"):
            lines.append(f"  {'failure' if last['outcome'] != 'completed' else 'note'}: {last['message']}")
        if last["outcome"] != "completed":
            done = next((r for r in rows if r["outcome"] == "completed"), None)
            lines.append(f"  last completed run: {done['flow']} finished {done['finished_at']:%Y-%m-%d %H:%M} UTC"
                         if done else "  no run has completed yet")
    else:
        lines.append("last run: none recorded yet")
    if note:
        lines.append(f"  ({note})")
    missing = con.execute("""SELECT unit, string_agg(form, '、' ORDER BY form) FROM reporting_status
                             WHERE current_file IS NULL GROUP BY unit ORDER BY unit""").fetchall()
    lines += ["", f"units without accepted data for a required form: {len(missing)}"]
    lines += [f"  {unit}: {forms}" for unit, forms in missing]
    owed = owing(con)
    lines += ["", f"units that still owe a document (实施方案 / 工作动态信息 / 总结报告): {len(owed)}"]
    lines += [f"  {unit} 尚缺 {what}" for unit, what in owed]   # not "unit:": that names a missing form
    waiting = con.execute("""
        SELECT s.unit, s.file_name, s.received_at, string_agg(DISTINCT i.rule, ', ') AS rules
        FROM submissions s JOIN validation_issues i ON i.unit = s.unit AND i.sha256 = s.sha256 AND i.severity = 'error'
        WHERE s.status = 'rejected'
          AND NOT EXISTS (SELECT 1 FROM submissions a WHERE a.unit = s.unit AND a.status = 'accepted'
                          AND a.received_at >= s.received_at AND coalesce(a.file_mtime, a.received_at) >= coalesce(s.file_mtime, s.received_at))
        GROUP BY ALL ORDER BY s.unit, s.file_name""").fetchall()
    lines += ["", f"rejected files waiting for a resend: {len(waiting)}"]
    lines += [f"  {unit}/{name} ({rules})" for unit, name, _, rules in waiting]
    return "\n".join(lines)
