"""The ingest flow: inbox -> archive -> parse -> validate -> load.

One bad file never stops the others: every problem becomes a verdict on that file.
Tasks work per stage over the whole batch (not one task run per file), so a night with a
thousand files costs a handful of task runs and one validation per form.
"""
from __future__ import annotations

import datetime as dt
import logging
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from campaign.config import Config, load_config
from intake.archive import archive_file, archive_skip_reason
from intake.scan import Found, scan_inbox
from transforms.issues import error
from transforms.submission import Receipt, Verdict, decide, examine
from warehouse import db, load
from warehouse.lock import RunLock
from warehouse.snapshot import refresh_snapshot


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _logger():
    try:
        return get_run_logger()
    except Exception:  # called outside a run (plain function call in a script)
        return logging.getLogger("campaign.ingest")


@dataclass
class Received:
    found: Found
    receipt: Receipt
    status: str                      # new | known | duplicate
    duplicate_of: str | None = None


@dataclass
class IngestResult:
    run_id: str
    verdicts: list[Verdict] = field(default_factory=list)
    known: int = 0                   # files already processed in an earlier run (same path, same bytes)
    skips: list[tuple[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        c = Counter(v.status for v in self.verdicts)
        return {"seen": len(self.verdicts) + self.known, "accepted": c["accepted"], "rejected": c["rejected"],
                "duplicate": c["duplicate"], "skipped": len(self.skips), "known": self.known}

    def summary(self) -> str:
        """Plain-text run summary: verdicts per unit, then every rejected file with its reasons."""
        lines = [f"ingest run {self.run_id}"]
        per_unit: dict[str, Counter] = {}
        for v in self.verdicts:
            per_unit.setdefault(v.receipt.unit, Counter())[v.status] += 1
        if per_unit:
            lines.append(f"{'unit':<16} accepted rejected duplicate")
            for unit in sorted(per_unit):
                c = per_unit[unit]
                lines.append(f"{unit:<16} {c['accepted']:>8} {c['rejected']:>8} {c['duplicate']:>9}")
        for v in self.verdicts:
            if v.status == "rejected":
                lines.append(f"REJECTED {v.receipt.inbox_path}")
                for i in v.errors[:20]:
                    where = "!".join(x for x in (i.sheet, i.cell) if x)
                    lines.append(f"  - {i.rule} {where} value={i.value!r}: {i.message}")
                if len(v.errors) > 20:
                    lines.append(f"  ... and {len(v.errors) - 20} more errors (see validation_issues)")
        for path, reason in self.skips:
            lines.append(f"skipped  {path}: {reason}")
        c = self.counts()
        lines.append(f"total: {c['accepted']} accepted, {c['rejected']} rejected, {c['duplicate']} duplicate, "
                     f"{c['known']} already processed, {c['skipped']} skipped")
        return "\n".join(lines)


@task(name="scan-inbox", cache_policy=NONE)
def scan_task(inbox: Path, config: Config) -> tuple[list[Found], list[tuple[str, str]]]:
    found, skips = scan_inbox(inbox, config.intake, utcnow())
    _logger().info("scanned %s: %d candidate files, %d skipped", inbox, len(found), len(skips))
    return found, skips


@task(name="archive", cache_policy=NONE)
def archive_task(found: list[Found], data_dir: Path, warehouse: Path) -> tuple[list[Received], list[tuple[str, str]]]:
    """Copy each file into the archive and sort new submissions from files already seen.

    A file that cannot be copied (changed while read, vanished, swapped for a link, no
    permission) is skipped with its reason and retried by the next run: it never stops the others."""
    con = db.connect(warehouse, read_only=True)
    try:
        seen = load.seen_receipts(con)
        first = load.first_paths(con)
    finally:
        con.close()
    now, out, unread = utcnow(), [], []
    for f in found:
        try:
            sha, rel = archive_file(f.path, data_dir)
        except OSError as exc:
            reason = archive_skip_reason(exc)
            _logger().warning("not read %s: %s (%s)", f.inbox_path, reason, exc)
            unread.append((f.inbox_path, reason))
            continue
        receipt = Receipt(f.unit, f.path.name, f.inbox_path, sha, f.size, f.mtime, now, rel)
        if (f.unit, f.inbox_path, sha) in seen:
            out.append(Received(f, receipt, "known"))
        elif (f.unit, sha) in first:
            out.append(Received(f, receipt, "duplicate", first[(f.unit, sha)]))
        else:
            first[(f.unit, sha)] = f.inbox_path
            out.append(Received(f, receipt, "new"))
    return out, unread


@task(name="parse-and-validate", cache_policy=NONE)
def examine_task(received: list[Received], data_dir: Path, config: Config) -> list[Verdict]:
    """Parse every new file (pure transforms), then run the expectations once per form over the batch."""
    from expectations.runner import FormFrame, queue, validate

    log = _logger()
    verdicts: list[Verdict] = []
    batches: dict[str, list[FormFrame]] = {}
    fresh = [r for r in received if r.status == "new"]
    for n, r in enumerate(fresh, 1):
        rc = r.receipt
        try:
            data = (Path(data_dir) / rc.archive_path).read_bytes()
            _, forms, issues = examine(data, rc.file_name, rc.unit, config.unit_kind(rc.unit), config.intake)
        except Exception as exc:  # a bug of ours must not stop the night, nor hide the file
            log.error("could not process %s:\n%s", rc.inbox_path, traceback.format_exc())
            forms, issues = [], [error("INTERNAL_ERROR", f"处理该文件时程序出错（{type(exc).__name__}），请联系运维。"
                                       f" The pipeline failed on this file; ops: see the run log.")]
        idx = len(verdicts)
        verdicts.append(Verdict(rc, "pending", forms, issues))
        queue(batches, idx, rc.unit, forms)
        if n % 50 == 0 or n == len(fresh):
            log.info("parsed %d/%d files", n, len(fresh))
    for sub, issue in validate(batches, float(config.sum_tolerance)) if batches else []:
        verdicts[sub].issues.append(issue)
    decided = [decide(v.receipt, v.forms, v.issues) for v in verdicts]
    decided += [Verdict(r.receipt, "duplicate", duplicate_of=r.duplicate_of) for r in received if r.status == "duplicate"]
    return decided


@task(name="load-warehouse", cache_policy=NONE)
def load_task(verdicts: list[Verdict], warehouse: Path, run_id: str) -> None:
    """One transaction per submission: a crash leaves every file either fully loaded or not at all."""
    con = db.connect(warehouse)
    try:
        for v in verdicts:
            load.record_verdict(con, v, run_id)
    finally:
        con.close()


def prepare_warehouse(warehouse: Path, config: Config) -> None:
    con = db.connect(warehouse)
    try:
        db.init_schema(con)
        db.sync_registry(con, config)
    finally:
        con.close()


def current_run_id() -> str:
    try:
        from prefect.runtime import flow_run
        return str(flow_run.id) if flow_run.id else uuid.uuid4().hex
    except Exception:
        return uuid.uuid4().hex


@flow(name="ingest", log_prints=True)
def ingest_flow(inbox: str | None = None, data_dir: str | None = None, config_path: str | None = None) -> IngestResult:
    """Pick up every new file in the inbox, validate it and load it into the warehouse."""
    config = load_config(config_path)
    inbox_dir = Path(inbox) if inbox else config.inbox
    data = Path(data_dir) if data_dir else config.data_dir
    warehouse = db.warehouse_path(data)
    with RunLock(data, wait_seconds=config.run_lock_wait):
        prepare_warehouse(warehouse, config)
        run_id = current_run_id()
        found, skips = scan_task(inbox_dir, config)
        received, unread = archive_task(found, data, warehouse)
        skips = skips + unread
        verdicts = examine_task(received, data, config)
        load_task(verdicts, warehouse, run_id)
        con = db.connect(warehouse)
        try:
            load.record_skips(con, run_id, skips, utcnow())
            refresh_snapshot(con, data)
        finally:
            con.close()
    result = IngestResult(run_id, verdicts, sum(r.status == "known" for r in received), skips)
    log = _logger()
    for v in verdicts:
        if v.status == "rejected":
            log.warning("rejected %s: %s", v.receipt.inbox_path,
                        "; ".join(f"{i.rule} {i.sheet or ''}!{i.cell or ''}" for i in v.errors[:5]))
    log.info("\n%s", result.summary())
    return result
