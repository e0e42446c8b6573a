"""The intake flow: the units' loop in office hours — new files to receipts in the outbox within minutes.

    scan -> archive -> parse -> validate -> load (flows/ingest.py) -> receipts and marked copies of the
    units that sent something -> the outbox (publish/outbox.py)

No consolidation and no workbook (the night does those); the same run lock as every writing run,
so an intake never overlaps a night or a hand run; its own `runs` row (flow `intake`). `campaign
serve` runs it on the office-hours schedule of `[intake_schedule]` (cli/intake_schedule.py).

The outbox itself (flows/outbox.py) is brought up to date the same way after a night or a
`campaign publish --outbox`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow

from campaign.config import Config, load_config
from campaign.dates import parse_date_arg
from flows.consolidate import sync_task
from flows.ingest import IngestResult, ingest_flow, prepare_warehouse
from flows.outbox import outbox_frames, outbox_of, outbox_task
from flows.publish import data_date, places_task, receipts_task
from publish.workbook import PublishMeta
from support.run_context import current_run_id, run_logger
from warehouse import db
from warehouse.lock import RunInProgress, RunLock
from warehouse.runlog import RunRecord, utcnow
from warehouse.snapshot import refresh_snapshot


@dataclass
class IntakeResult:
    run_id: str
    ingest: IngestResult
    outbox: Path
    receipts: list[Path] = field(default_factory=list)   # receipts and marked copies written this run
    outbox_written: list[Path] = field(default_factory=list)
    as_of: dt.date | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        c = self.ingest.counts()
        return (f"intake run {self.run_id}: {c['accepted']} accepted, {c['rejected']} rejected, {c['duplicate']} "
                f"duplicate, {c['known']} already processed, {c['skipped']} skipped; {len(self.receipts)} receipts and "
                f"marked copies written; outbox {self.outbox}: {len(self.outbox_written)} files updated "
                f"(days counted from {self.as_of}); {self.seconds:.1f} s")


def _meta(config: Config, as_of: dt.date):
    return PublishMeta(data_date=as_of, generated_at=dt.datetime.now(ZoneInfo(config.timezone)).replace(tzinfo=None),
                       timezone=config.timezone, campaign_name=config.raw["campaign"]["name"],
                       risk=dict(config.risk), office=config.office)


def _only(frames, units: set[str]):
    """The frames cut to these units' files (the receipts of the units this run saw)."""
    import dataclasses

    subs, issues = frames.submissions, frames.validation_issues
    return dataclasses.replace(frames, submissions=subs[subs["unit"].isin(units)].reset_index(drop=True),
                               validation_issues=issues[issues["unit"].isin(units)].reset_index(drop=True)
                               if len(issues) else issues)


def _answer(run: RunRecord, ingested: IngestResult, data: Path, outbox: Path, config: Config, date: str | None):
    """Receipts and marked copies of the units this run saw a new file of, then the outbox."""
    frames = outbox_frames(data, config)
    as_of = data_date(date, config, frames)
    seen = {v.receipt.unit for v in ingested.verdicts}
    written: list[Path] = []
    if seen:
        mine = _only(frames, seen)
        files = places_task(mine, data)   # the problem cells' rows and columns, in words
        pages, copies = receipts_task(mine, data / "receipts", _meta(config, as_of), False, None, files, data)
        written = pages + copies
    box = outbox_task(frames, data, outbox, config, as_of, seen)
    return as_of, written, box.written


@flow(name="intake", log_prints=True)
def intake_flow(inbox: str | None = None, data_dir: str | None = None, config_path: str | None = None,
                outbox: str | None = None, date: str | None = None) -> IntakeResult:
    """New files in, receipts out where the units look: no consolidation, no workbook.
    date: the date days left are counted from (default: the data date, as a night's)."""
    started = dt.datetime.now()
    parse_date_arg(date)
    config = load_config(config_path)
    data = Path(data_dir) if data_dir else config.data_dir
    inbox_dir = Path(inbox) if inbox else config.inbox
    box = outbox_of(outbox, inbox_dir, config)
    warehouse = db.warehouse_path(data)
    run = RunRecord(data, current_run_id(), "intake", str(inbox_dir))
    try:
        lock = RunLock(data, wait_seconds=config.run_lock_wait).__enter__()   # never beside a night or a hand run
    except RunInProgress as exc:
        run.fail(exc)
        raise
    try:
        prepare_warehouse(warehouse, config)
        sync_task.fn(warehouse, config)   # the calendar and registry of the config: due dates come from it
        run.start()
        ingested = ingest_flow.fn(inbox=str(inbox_dir), data_dir=str(data), config_path=config_path, snapshot=False,
                                  log_summary=False)
        run.counts = ingested.counts()
        as_of, receipts, written = _answer(run, ingested, data, box, config, date)
        row = run.row("completed", finished_at=utcnow())
        if ingested.verdicts:   # the analysts' snapshot: only when the warehouse changed
            refresh_snapshot(data, completed=row)
        run.finish_with(row)
    except BaseException as exc:
        run_logger().error("intake run %s failed: %s", run.run_id, run.fail(exc))
        raise
    finally:
        lock.__exit__(None, None, None)
    result = IntakeResult(run.run_id, ingested, box, receipts, written, as_of,
                          (dt.datetime.now() - started).total_seconds())
    run_logger().info("%s\n%s", result.summary(), "\n".join(ingested.summary().splitlines()[1:]))
    return result
