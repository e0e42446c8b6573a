"""The nightly flow: ingest -> consolidate -> publish, recorded in run_log."""
from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from campaign.config import load_config
from flows.story import published_line
from flows.artifacts import record_nightly_artifacts
from campaign.dates import parse_date_arg
from flows.consolidate import consolidate_flow
from flows.ingest import IngestResult, ingest_flow, prepare_warehouse
from support.run_context import current_run_id
from warehouse.runlog import utcnow
from flows.outbox import outbox_after_publish
from flows.publish import PublishResult, publish_flow
from publish.files import PublishFailed
from warehouse import db
from warehouse.faults import describe_fault, kind_of, root_cause
from warehouse.lock import RunInProgress, RunLock
from warehouse.runlog import RunRecord
from warehouse.snapshot import snapshot_path, stage_snapshot


class NightlyResult:
    """What a night did. A plain class, not a dataclass: Prefect walks a flow's return value field
    by field looking for futures, and a night's verdicts and frames are ≈ 0.5 s of walking at 3,000 files."""
    __slots__ = ("run_id", "ingest", "headline", "published")

    def __init__(self, run_id: str, ingest: IngestResult, headline: dict, published: PublishResult) -> None:
        self.run_id, self.ingest, self.headline, self.published = run_id, ingest, headline, published

    def __repr__(self) -> str:
        return f"NightlyResult(run_id={self.run_id!r}, counts={self.ingest.counts()})"

    @property
    def workbook(self) -> Path:
        return self.published.workbook


class _Held:
    """Release a lock already taken when the block ends."""
    def __init__(self, lock):
        self.lock = lock

    def __enter__(self):
        return self.lock

    def __exit__(self, *exc):
        self.lock.__exit__(*exc)


def _night(run: RunRecord, data: Path, inbox_dir: str, warehouse: Path, config, config_path, date, outbox=None):
    prepare_warehouse(warehouse, config)
    run.start()    # closes the rows of earlier runs that were killed as `interrupted`
    # the stages run as parts of this flow run, not as subflows: one page in Prefect's UI holds the
    # whole night (its tasks and its log), and a subflow's bookkeeping task raced the server's own
    # SQLite writes ("database is locked", a 503 the client retries after 2 s), ~2 s per stage
    ingested = ingest_flow.fn(inbox=inbox_dir, data_dir=str(data), config_path=config_path, snapshot=False,
                              log_summary=False)   # the night's story is told once, below
    run.counts = ingested.counts()
    headline = consolidate_flow.fn(data_dir=str(data), config_path=config_path)
    published = publish_flow.fn(data_dir=str(data), config_path=config_path, date=date, commit=False)
    # all or nothing: tonight's workbook, receipts and snapshot are all written, then all put in place;
    # `completed` is recorded once they are (the snapshot's copy of the row already says so)
    row = run.row("completed", finished_at=utcnow(), published_file=str(published.workbook))
    staging = published.staging
    try:
        staging.add(stage_snapshot(data, completed=row), snapshot_path(data))
    except BaseException as exc:
        staging.discard()
        if isinstance(exc, OSError) or kind_of(root_cause(exc)):
            raise PublishFailed(f"{describe_fault(exc)} — while copying the analysts' snapshot; none of tonight's "
                                f"outputs was replaced (latest.xlsx, the dated summary, the receipts and "
                                f"analytics.duckdb still hold the previous night's)") from exc
        raise
    staging.commit()
    run.finish_with(row)
    outbox_after_publish(data, outbox, inbox_dir, config, published.data_date,   # where units look (flows/intake.py)
                         published.frames)
    return ingested, headline, published


@flow(name="nightly", log_prints=True)
def nightly_flow(inbox: str | None = None, data_dir: str | None = None, config_path: str | None = None,
                 date: str | None = None, outbox: str | None = None) -> NightlyResult:
    """One night's run: pick up new files, consolidate, publish the summary workbook and receipts."""
    parse_date_arg(date)                       # a bad date: refused before anything runs
    config = load_config(config_path)
    data = Path(data_dir) if data_dir else config.data_dir
    inbox_dir = str(Path(inbox) if inbox else config.inbox)
    warehouse = db.warehouse_path(data)
    run = RunRecord(data, current_run_id(), "nightly", inbox_dir)
    try:
        lock = RunLock(data, wait_seconds=config.run_lock_wait).__enter__()   # two nightly runs never write at once
    except RunInProgress as exc:   # this run did not run: its row says so (kept aside if the warehouse is held)
        run.fail(exc)
        raise
    with _Held(lock):
        try:
            ingested, headline, published = _night(run, data, inbox_dir, warehouse, config, config_path, date,
                                                       outbox)
        except BaseException as exc:   # however it ends, the run's row says so, with the fault in one line
            message = run.fail(exc)
            get_run_logger().error("nightly run %s failed: %s", run.run_id, message)
            raise
    run_id = run.run_id
    record_nightly_artifacts(run_id, ingested, published)   # Prefect UI: per-unit verdicts table + summary
    logger = get_run_logger()
    logger.info("the night's story (nightly run %s):\n%s", run_id, night_story(ingested, published))
    return NightlyResult(run_id, ingested, headline, published)


def night_story(ingested: IngestResult, published: PublishResult) -> str:
    """What ops read on the night's own flow-run page: counts per unit, every rejected file with
    its rules and cells, what was skipped, the totals (once), and what was published."""
    lines = ingested.summary().splitlines()[1:]   # the run id is in the heading
    if not ingested.verdicts:
        lines.insert(0, "no new files tonight")
    lines += [published_line(published),
              f"receipts: {len(published.receipts)} in {published.workbook.parent.parent / 'receipts'}, "
              f"{published.receipts_written} written"]
    return "\n".join(lines)
