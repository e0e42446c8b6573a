"""The intake flow: the units' loop in office hours — new files to receipts in the outbox within minutes.

    scan -> archive -> parse -> validate -> load (flows/ingest.py) -> receipts and marked copies of the
    units that sent something -> the outbox (publish/outbox.py)

No consolidation and no workbook (the night does those); the same run lock as every writing run,
so an intake never overlaps a night or a hand run; its own `runs` row (flow `intake`). `campaign
serve` runs it on the office-hours schedule of `[intake_schedule]` (cli/intake_schedule.py).

outbox_task also serves the nightly run and `campaign publish --outbox`: after their receipts are
in place, the outbox is brought up to date the same way."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NONE

from campaign.config import Config, load_config
from campaign.dates import parse_date_arg
from flows.consolidate import sync_task
from flows.ingest import IngestResult, _logger, current_run_id, ingest_flow, prepare_warehouse, utcnow
from flows.retries import transient_retries
from warehouse import db
from warehouse.lock import RunInProgress, RunLock
from warehouse.runlog import RunRecord
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


def outbox_of(outbox: str | Path | None, inbox: str | Path | None, config: Config) -> Path:
    """--outbox, else the config's [paths] outbox (a relative one beside the inbox)."""
    return Path(outbox).expanduser().resolve() if outbox else config.outbox_for(Path(inbox) if inbox else None)


def _read(data: Path, config: Config):
    from warehouse.summary import read_outbox_frames

    con = db.connect(db.warehouse_path(data), read_only=True)
    try:
        return read_outbox_frames(con, config.units)
    finally:
        con.close()


def _meta(config: Config, as_of: dt.date):
    from publish.workbook import PublishMeta

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


@task(name="write-outbox", cache_policy=NONE, **transient_retries())   # a page open on the share: retried
def outbox_task(frames, data: Path, outbox: Path, config: Config, as_of: dt.date, seen: set[str] | None = None):
    """Every registry unit's folder and the office's (publish/outbox.py), from the receipts in <data>/receipts."""
    from publish.outbox import OutboxMeta, write_outbox

    meta = OutboxMeta(campaign_name=config.raw["campaign"]["name"], timezone=config.timezone, as_of=as_of,
                      generated_at=dt.datetime.now(ZoneInfo(config.timezone)).replace(tzinfo=None), office=config.office)
    kinds = {u: config.unit_kind(u) for u in config.units}
    result = write_outbox(frames, Path(data) / "receipts", outbox, config.units, kinds, meta, seen)
    _logger().info("outbox %s: %d files updated (%d unit folders, days counted from %s)", outbox,
                   len(result.written), result.units, as_of)
    return result


def refresh_outbox(data: Path, outbox: Path, config: Config, as_of: dt.date, frames=None, seen=None):
    """The outbox after a publish (nightly, `campaign publish --outbox`): its receipts are in place."""
    return outbox_task(frames if frames is not None else _read(data, config), data, outbox, config, as_of, seen)


def _answer(run: RunRecord, ingested: IngestResult, data: Path, outbox: Path, config: Config, date: str | None):
    """Receipts and marked copies of the units this run saw a new file of, then the outbox."""
    from flows.publish import data_date, places_task, receipts_task

    frames = _read(data, config)
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
        _logger().error("intake run %s failed: %s", run.run_id, run.fail(exc))
        raise
    finally:
        lock.__exit__(None, None, None)
    result = IntakeResult(run.run_id, ingested, box, receipts, written, as_of,
                          (dt.datetime.now() - started).total_seconds())
    _logger().info("%s\n%s", result.summary(), "\n".join(ingested.summary().splitlines()[1:]))
    return result


def outbox_after_publish(data: Path, outbox: str | Path | None, inbox: str | Path | None, config: Config,
                         as_of: dt.date) -> None:
    """The outbox after a night or a publish, once its receipts are in place. A share that cannot be
    written is logged and left to the next run: the night's workbook stands (intake_flow, whose whole
    purpose the outbox is, fails instead)."""
    box = outbox_of(outbox, inbox, config)
    try:
        refresh_outbox(data, box, config, as_of)
    except Exception as exc:   # noqa: BLE001 — the night is done; the outbox is rewritten by the next run
        _logger().error("the outbox %s was not brought up to date: %s (the next run tries again)", box, exc)
