"""Reprocess: revalidate archived submissions with the current expectations and config.

After a rule is fixed (or the registry changes), ops rerun the verdicts without asking any unit
to resend: the archive keeps every file's bytes. Verdicts that change are listed."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow
from prefect.utilities.annotations import quote

from campaign.config import load_config
from flows.documents import documents_task, split_documents
from flows.ingest import Received, examine_task, load_task, prepare_warehouse
from support.run_context import current_run_id, run_logger
from transforms.submission import Receipt
from warehouse import db
from warehouse.lock import RunLock
from warehouse.runlog import RunRecord, utcnow
from warehouse.snapshot import refresh_snapshot


@dataclass
class ReprocessResult:
    run_id: str
    examined: int = 0
    changes: list[tuple[str, str, str]] = field(default_factory=list)   # (inbox_path, old, new status)

    def summary(self) -> str:
        lines = [f"reprocessed {self.examined} archived submissions; {len(self.changes)} verdicts changed"]
        lines += [f"  {path}: {old} -> {new}" for path, old, new in self.changes]
        return "\n".join(lines)


def archived_receipts(warehouse: Path, unit: str | None, since: dt.date | None) -> tuple[list[Receipt], dict[str, str]]:
    """Every non-duplicate received file (optionally one unit's, or received since a date) and its status."""
    sql = """SELECT unit, file_name, inbox_path, sha256, size_bytes, file_mtime, received_at, archive_path, status
             FROM received_files WHERE status <> 'duplicate'"""
    params: list = []
    if unit:
        sql += " AND unit = ?"
        params.append(unit)
    if since:
        sql += " AND received_at >= ?"
        params.append(dt.datetime.combine(since, dt.time()))
    con = db.connect(warehouse, read_only=True)
    try:
        rows = con.execute(sql + " ORDER BY unit, inbox_path", params).fetchall()
    finally:
        con.close()
    receipts = [Receipt(*r[:8]) for r in rows]
    return receipts, {r[2]: r[8] for r in rows}


@flow(name="reprocess", log_prints=True)
def reprocess_flow(data_dir: str | None = None, unit: str | None = None, since: str | None = None,
                   config_path: str | None = None) -> ReprocessResult:
    config = load_config(config_path)
    data = Path(data_dir) if data_dir else config.data_dir
    warehouse = db.warehouse_path(data)
    with RunLock(data, wait_seconds=config.run_lock_wait):
        run_id = current_run_id()
        run = RunRecord(data, run_id, "reprocess")
        try:
            prepare_warehouse(warehouse, config)
            run.start()
            receipts, before = archived_receipts(warehouse, unit, dt.date.fromisoformat(since) if since else None)
            books, docs = split_documents([Received(None, r, "new") for r in receipts], config)
            verdicts = examine_task(books, data, config)
            load_task(quote(verdicts), warehouse, run_id)
            verdicts += documents_task(quote(docs), data, warehouse, run_id, config)   # hand kinds are kept
            c = Counter(v.status for v in verdicts)
            run.counts = {"seen": len(verdicts), "accepted": c["accepted"], "rejected": c["rejected"],
                          "duplicate": c["duplicate"], "skipped": 0}
            row = run.row("completed", finished_at=utcnow())
            refresh_snapshot(data, completed=row)
            run.finish_with(row)
        except BaseException as exc:
            run_logger().error("reprocess failed: %s", run.fail(exc))
            raise
    result = ReprocessResult(run_id, len(verdicts), [
        (v.receipt.inbox_path, before[v.receipt.inbox_path], v.status)
        for v in verdicts if before.get(v.receipt.inbox_path) != v.status])
    run_logger().info("\n%s", result.summary())
    return result
