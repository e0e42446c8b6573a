"""The publish flow: read the views, write the summary workbook (dated + latest) and the receipts.

A publish that would write what is already published (same data, same date, same layout code:
publish.fingerprint) leaves the files alone; `force` rewrites them anyway."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NONE

from campaign.config import Config, load_config
from flows.ingest import _logger, current_run_id
from flows.retries import transient_retries
from publish.files import LATEST, PublishFailed, save_summary, summary_name
from publish.fingerprint import fingerprint, is_published, stamp
from publish.receipts import receipt_paths, write_receipts
from publish.workbook import PublishMeta, build_workbook
from warehouse import db, history, queries
from warehouse.lock import RunLock
from warehouse.queries import SummaryFrames


@dataclass
class PublishResult:
    data_date: dt.date
    workbook: Path                      # publish/summary_<data date>.xlsx
    latest: Path                        # publish/latest.xlsx
    receipts: list[Path] = field(default_factory=list)    # every file's receipt
    skipped: bool = False               # nothing changed since the last publish: the workbook was kept
    receipts_written: int = 0           # receipts whose content changed (all, the first time)


def data_date(date: str | dt.date | None, config: Config) -> dt.date:
    """The explicit --date, else today in the campaign's time zone (a 02:00 run is dated that day)."""
    if isinstance(date, dt.date):
        return date
    if date:
        return dt.date.fromisoformat(date)
    return dt.datetime.now(ZoneInfo(config.timezone)).date()


@task(name="read-views", cache_policy=NONE, **transient_retries())   # warehouse busy
def read_task(warehouse: Path, config: Config) -> SummaryFrames:
    con = db.connect(warehouse, read_only=True)
    try:
        return queries.read_summary(con, config.units)
    finally:
        con.close()


@task(name="record-history", cache_policy=NONE)
def history_task(night: history.PublishedNight, frames: SummaryFrames) -> SummaryFrames:
    """Keep tonight's figures under its data date; add what changed and the trend to the frames."""
    changes, series = night.record(current_run_id())
    return dataclasses.replace(frames, night_changes=changes, night_series=series)


@task(name="write-workbook", cache_policy=NONE, **transient_retries())   # latest.xlsx open in Excel
def workbook_task(frames: SummaryFrames, publish_dir: Path, meta: PublishMeta, stamped: str) -> tuple[Path, Path]:
    return save_summary(stamp(build_workbook(frames, meta), stamped), publish_dir, meta.data_date)


@task(name="write-receipts", cache_policy=NONE, **transient_retries())
def receipts_task(frames: SummaryFrames, receipts_dir: Path, meta: PublishMeta, force: bool = False) -> list[Path]:
    return write_receipts(frames, receipts_dir, meta.campaign_name, meta.generated_at, meta.timezone, force)


@flow(name="publish", log_prints=True)
def publish_flow(data_dir: str | None = None, config_path: str | None = None,
                 date: str | None = None, force: bool = False) -> PublishResult:
    """Write DIR/publish/summary_<date>.xlsx and DIR/publish/latest.xlsx, and DIR/receipts/<unit>/,
    unless they already hold exactly this (force: write them anyway)."""
    config = load_config(config_path)
    data = Path(data_dir) if data_dir else config.data_dir
    meta = PublishMeta(data_date=data_date(date, config),
                       generated_at=dt.datetime.now(ZoneInfo(config.timezone)).replace(tzinfo=None),
                       timezone=config.timezone, campaign_name=config.raw["campaign"]["name"], risk=dict(config.risk))
    publish_dir, receipts_dir = data / "publish", data / "receipts"
    with RunLock(data, wait_seconds=config.run_lock_wait):
        frames = read_task(db.warehouse_path(data), config)
        # the night's history is committed with its publish record once the workbook is written
        with history.open_night(db.warehouse_path(data), meta.data_date) as night:
            frames = history_task(night, frames)
            stamped = fingerprint(frames, meta)
            receipts = receipt_paths(frames, receipts_dir)
            skipped = not force and is_published(publish_dir, meta.data_date, stamped)
            try:
                if skipped:
                    dated, latest = publish_dir / summary_name(meta.data_date), publish_dir / LATEST
                else:
                    dated, latest = workbook_task(frames, publish_dir, meta, stamped)
                # the receipts say nothing new either when the workbook did not change (it shows the same frames)
                unchanged = skipped and all(p.is_file() for p in receipts)
                written = [] if unchanged else receipts_task(frames, receipts_dir, meta, force)
            except OSError as exc:   # retries exhausted, or permanent (disk full, read-only folder)
                raise PublishFailed.from_os_error(exc, publish_dir) from exc
            night.published(stamped, dated)
    if skipped:
        _logger().info("nothing to publish: %s and %s already hold this data; kept them (force=True rewrites)",
                       dated, latest.name)
    else:
        _logger().info("published %s (and %s)", dated, latest.name)
    _logger().info("%d receipts in %s, %d written", len(receipts), receipts_dir, len(written))
    return PublishResult(meta.data_date, dated, latest, receipts, skipped=skipped, receipts_written=len(written))
