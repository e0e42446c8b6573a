"""The publish flow: read the views, write the summary workbook (dated + latest) and the receipts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NONE

from campaign.config import Config, load_config
from flows.ingest import _logger
from flows.retries import transient_retries
from publish.files import PublishFailed, save_summary
from publish.receipts import write_receipts
from publish.workbook import PublishMeta, build_workbook
from warehouse import db, queries
from warehouse.lock import RunLock
from warehouse.queries import SummaryFrames


@dataclass
class PublishResult:
    data_date: dt.date
    workbook: Path                      # publish/summary_<data date>.xlsx
    latest: Path                        # publish/latest.xlsx
    receipts: list[Path] = field(default_factory=list)


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


@task(name="write-workbook", cache_policy=NONE, **transient_retries())   # latest.xlsx open in Excel
def workbook_task(frames: SummaryFrames, publish_dir: Path, meta: PublishMeta) -> tuple[Path, Path]:
    return save_summary(build_workbook(frames, meta), publish_dir, meta.data_date)


@task(name="write-receipts", cache_policy=NONE, **transient_retries())
def receipts_task(frames: SummaryFrames, receipts_dir: Path, meta: PublishMeta) -> list[Path]:
    return write_receipts(frames, receipts_dir, meta.campaign_name, meta.generated_at, meta.timezone)


@flow(name="publish", log_prints=True)
def publish_flow(data_dir: str | None = None, config_path: str | None = None,
                 date: str | None = None) -> PublishResult:
    """Write DIR/publish/summary_<date>.xlsx and DIR/publish/latest.xlsx, and DIR/receipts/<unit>/."""
    config = load_config(config_path)
    data = Path(data_dir) if data_dir else config.data_dir
    meta = PublishMeta(data_date=data_date(date, config),
                       generated_at=dt.datetime.now(ZoneInfo(config.timezone)).replace(tzinfo=None),
                       timezone=config.timezone, campaign_name=config.raw["campaign"]["name"], risk=dict(config.risk))
    with RunLock(data, wait_seconds=config.run_lock_wait):
        frames = read_task(db.warehouse_path(data), config)
        try:
            dated, latest = workbook_task(frames, data / "publish", meta)
            receipts = receipts_task(frames, data / "receipts", meta)
        except OSError as exc:   # retries exhausted, or permanent (disk full, read-only folder)
            raise PublishFailed.from_os_error(exc, data / "publish") from exc
    _logger().info("published %s (and %s); %d receipts in %s", dated, latest.name, len(receipts), data / "receipts")
    return PublishResult(meta.data_date, dated, latest, receipts)
