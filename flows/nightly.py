"""The nightly flow: ingest -> consolidate -> publish, recorded in run_log."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect import flow
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from campaign.config import load_config
from flows.artifacts import record_nightly_artifacts
from campaign.dates import parse_date_arg
from flows.consolidate import consolidate_flow
from flows.ingest import IngestResult, current_run_id, ingest_flow, prepare_warehouse, utcnow
from flows.publish import PublishResult, publish_flow
from warehouse import db, load
from warehouse.lock import RunLock
from warehouse.snapshot import refresh_snapshot


@dataclass
class NightlyResult:
    run_id: str
    ingest: IngestResult
    headline: dict
    published: PublishResult

    @property
    def workbook(self) -> Path:
        return self.published.workbook


def _record(warehouse: Path, fn, *args, **kwargs) -> None:
    con = db.connect(warehouse)
    try:
        fn(con, *args, **kwargs)
    finally:
        con.close()


def _stage_settings():
    """Settings for the stages, run as subflows: no heartbeat of their own. The night's flow run
    keeps its heartbeat (a crashed night still stops beating); a subflow's heartbeat thread
    sleeps in 1 s steps and costs ~1 s to stop, a third of a night with nothing new."""
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


@flow(name="nightly", log_prints=True)
def nightly_flow(inbox: str | None = None, data_dir: str | None = None, config_path: str | None = None,
                 date: str | None = None) -> NightlyResult:
    """One night's run: pick up new files, consolidate, publish the summary workbook and receipts."""
    parse_date_arg(date)                       # a bad date: refused before anything runs
    config = load_config(config_path)
    data = Path(data_dir) if data_dir else config.data_dir
    inbox_dir = str(Path(inbox) if inbox else config.inbox)
    warehouse = db.warehouse_path(data)
    with RunLock(data, wait_seconds=config.run_lock_wait):   # two nightly runs never write at once
        prepare_warehouse(warehouse, config)
        run_id = current_run_id()
        _record(warehouse, load.start_run, run_id, "nightly", inbox_dir, utcnow())
        counts: dict = {}
        try:
            with _stage_settings():
                ingested = ingest_flow(inbox=inbox_dir, data_dir=str(data), config_path=config_path, snapshot=False)
                counts = ingested.counts()
                headline = consolidate_flow(data_dir=str(data), config_path=config_path)
                published = publish_flow(data_dir=str(data), config_path=config_path, date=date)
        except Exception as exc:
            _record(warehouse, load.finish_run, run_id, utcnow(), "failed", counts,
                    message=f"{type(exc).__name__}: {exc}")
            raise
        _record(warehouse, load.finish_run, run_id, utcnow(), "completed", counts,
                published_file=str(published.workbook))
        refresh_snapshot(data)   # analysts see tonight's figures, run_log included
    record_nightly_artifacts(run_id, ingested, published)   # Prefect UI: per-unit verdicts table + summary
    print(f"nightly run {run_id}: published {published.workbook}")
    return NightlyResult(run_id, ingested, headline, published)
