"""The publish flow: read the views, write the summary workbook (dated + latest) and the receipts.

A publish that would write what is already published (same data, same date, same layout code:
publish.fingerprint) leaves the files alone; `force` rewrites them anyway."""
from __future__ import annotations

import dataclasses
import datetime as dt
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.utilities.annotations import quote   # a night's problem places: Prefect must not walk every cell

from campaign.config import Config, load_config
from flows.story import published_line
from campaign.dates import default_data_date, newest_arrival, parse_date_arg
from support.run_context import current_run_id, run_logger
from flows.outbox import outbox_after_publish
from flows.parallel import Execution
from flows.publish_pool import CopiesAhead, PlacesAhead, copies_ahead
from flows.retries import operations_policy, transient_reason, transient_retries
from publish.files import (LATEST, UPWARD_LATEST, PublishFailed, Staging, save_review, save_summary, save_upward,
                           summary_name, upward_name)
from publish.fingerprint import fingerprint, is_published, stamp
from publish.places import issue_places, places_of_files
from publish.receipts import receipt_paths, write_receipts
from publish.writeback import write_writebacks
from publish.review_workbook import build_review
from publish.upward import build_upward
from publish.workbook import PublishMeta, build_workbook
from warehouse import db, history
from warehouse.lock import RunLock
from warehouse.queries import SummaryFrames
from warehouse.summary import read_summary


@dataclass
class PublishResult:
    data_date: dt.date
    workbook: Path                      # publish/summary_<data date>.xlsx
    latest: Path                        # publish/latest.xlsx
    upward: Path | None = None          # publish/上报_<data date>.xlsx: the three forms the office signs and sends up
    upward_latest: Path | None = None   # publish/上报_latest.xlsx
    receipts: list[Path] = field(default_factory=list)    # every file's receipt (HTML)
    writebacks: list[Path] = field(default_factory=list)  # marked copies written this time (receipts/<unit>/…_标注.xlsx)
    skipped: bool = False               # nothing changed since the last publish: the workbook was kept
    receipts_written: int = 0           # receipts whose content changed (all, the first time)
    staging: Staging | None = None      # commit=False: tonight's outputs written, not yet in place
    frames: SummaryFrames | None = field(default=None, repr=False)   # what was published: the outbox is built from it


def data_date(date: str | dt.date | None, config: Config, frames: SummaryFrames | None = None) -> dt.date:
    """The campaign night a publish stands for: the explicit --date, else the local date of the
    newest file received (the earlier of its modification time and first sight), clipped to the
    screening window — a hand run of an old campaign is dated by its data, not by today."""
    explicit = parse_date_arg(date)
    if explicit is not None:
        return explicit
    newest = None
    if frames is not None and len(frames.submissions):
        subs = frames.submissions
        arrivals = [min(t for t in pair if t is not None and t == t) if any(t is not None and t == t for t in pair)
                    else None for pair in zip(subs["file_mtime"], subs["received_at"])]
        newest = newest_arrival(arrivals, config.timezone)
    today = dt.datetime.now(ZoneInfo(config.timezone)).date()
    return default_data_date(newest, config.date("screening_start"), config.date("screening_end"), today)


@task(name="read-views", cache_policy=NONE, **transient_retries())   # warehouse busy
def read_task(warehouse: Path, config: Config) -> SummaryFrames:
    con = db.connect(warehouse, read_only=True)
    try:
        return read_summary(con, config.units)
    finally:
        con.close()


@task(name="record-history", cache_policy=NONE)
def history_task(night: history.PublishedNight, frames: SummaryFrames) -> SummaryFrames:
    """Keep tonight's figures under its data date; add what changed and the trend to the frames."""
    changes, series = night.record(current_run_id())
    return dataclasses.replace(frames, night_changes=changes, night_series=series)


@task(name="write-upward", cache_policy=NONE, **transient_retries())   # 上报_latest.xlsx open in Excel
def upward_task(frames: SummaryFrames, publish_dir: Path, meta: PublishMeta, stamped: str,
                staging: Staging | None = None):
    """The upward report (dated, latest), stamped, and 待核对; returns its paths and its drawn forms,
    which the working workbook repeats (its own task: a retry of the working workbook redraws only that)."""
    forms = build_upward(frames, meta)
    upward = save_upward(stamp(forms, stamped), publish_dir, meta.data_date, staging)
    save_review(build_review(frames, meta), publish_dir, meta.data_date, staging)   # 待核对: the office decides in Excel
    return (*upward, forms)


@task(name="write-workbook", cache_policy=NONE, **transient_retries())   # latest.xlsx open in Excel
def workbook_task(frames: SummaryFrames, publish_dir: Path, meta: PublishMeta, stamped: str,
                  staging: Staging | None = None, places: dict | None = None, forms=None) -> tuple[Path, Path]:
    """The working workbook (dated, latest), stamped; `forms`: the upward report's, drawn once for both."""
    working = build_workbook(frames, meta, places, forms=forms)
    return save_summary(stamp(working, stamped), publish_dir, meta.data_date, staging)


@task(name="read-problem-places", cache_policy=NONE)
def places_task(frames: SummaryFrames, data: Path, ahead: PlacesAhead | None = None) -> dict:
    """The archived files some problem names a cell of, parsed again for the cells' rows and columns
    (ahead: already being read by a pool, flows/publish_pool.py)."""
    if ahead is not None:
        return ahead.files()
    return places_of_files(frames.submissions, frames.validation_issues, data)


@task(name="write-receipts", cache_policy=NONE, **transient_retries())
def receipts_task(frames: SummaryFrames, receipts_dir: Path, meta: PublishMeta, force: bool = False,
                  staging: Staging | None = None, files: dict | None = None, data: Path | None = None,
                  execution: Execution | None = None, ahead: CopiesAhead | None = None) -> tuple[list[Path], list[Path]]:
    """The marked copies (write-back receipts; many: in a process pool, flows/publish_pool.py,
    started ahead while the workbooks were built), then the HTML receipts that point to them."""
    data = data or receipts_dir.parent
    if ahead is None and execution is not None:   # not started ahead: planned and started here
        ahead = copies_ahead(frames, files or {}, receipts_dir, data, meta.office, force, execution)
    try:
        names, copies = write_writebacks(frames, files or {}, receipts_dir, data, meta.office, force, staging,
                                         planned=ahead)
    finally:
        if ahead is not None:
            ahead.close()
    pages = write_receipts(frames, receipts_dir, meta.campaign_name, meta.generated_at, meta.timezone, force,
                           staging, office=meta.office, files=files, writebacks=names)
    return pages, copies


@flow(name="publish", log_prints=True)
def publish_flow(data_dir: str | None = None, config_path: str | None = None,
                 date: str | None = None, force: bool = False, commit: bool = True,
                 outbox: str | None = None) -> PublishResult:
    """Write DIR/publish/summary_<date>.xlsx and DIR/publish/latest.xlsx, the upward report
    DIR/publish/上报_<date>.xlsx and 上报_latest.xlsx, and DIR/receipts/<unit>/,
    unless they already hold exactly this (force: write them anyway). All or nothing: every file is
    written under a temporary name first, then all are put in place (commit=False: the caller does
    it with result.staging, after adding its own outputs — the nightly adds the snapshot).
    outbox: also bring this outbox up to date once the receipts are in place (flows/intake.py)."""
    parse_date_arg(date)                       # a bad date stops here, before anything is read
    config = load_config(config_path)
    data = Path(data_dir) if data_dir else config.data_dir
    publish_dir, receipts_dir = data / "publish", data / "receipts"
    db.configure_backoff(config)
    staging = Staging(*operations_policy(config), transient=transient_reason, log=lambda m: run_logger().warning(m))
    with RunLock(data, wait_seconds=config.run_lock_wait):
        frames = read_task(db.warehouse_path(data), config)
        meta = PublishMeta(data_date=data_date(date, config, frames),
                           generated_at=dt.datetime.now(ZoneInfo(config.timezone)).replace(tzinfo=None),
                           timezone=config.timezone, campaign_name=config.raw["campaign"]["name"],
                           risk=dict(config.risk), office=config.office, date_given=date is not None,
                           detail_units_max=int(config.raw.get("publish", {}).get("detail_units_max", 200)))
        try:
            # the night's history is committed with its publish record once its outputs are written
            # (a rerun of the same night replaces that night's rows)
            with history.open_night(db.warehouse_path(data), meta.data_date) as night, ExitStack() as stack:
                frames = history_task(night, frames)
                stamped = fingerprint(frames, meta)
                receipts = receipt_paths(frames, receipts_dir)
                skipped = not force and is_published(publish_dir, meta.data_date, stamped)
                # the receipts say nothing new either when the workbook did not change (it shows the same frames)
                unchanged = skipped and all(p.is_file() for p in receipts)
                ex = Execution.from_config(config)
                files, ahead = {}, None
                if not unchanged:
                    # a big night's pool reads the problem places (≈ 0.5 s at 3,000, the flow waits), then draws
                    # the marked copies while this process draws the upward report and the working workbook
                    reading = stack.enter_context(closing(PlacesAhead(frames, data, ex)))
                    files = places_task(frames, data, quote(reading))
                    ahead = stack.enter_context(closing(
                        copies_ahead(frames, files, receipts_dir, data, meta.office, force, ex, reading.handover())))
                if skipped:
                    dated, latest = publish_dir / summary_name(meta.data_date), publish_dir / LATEST
                    upward, upward_latest = publish_dir / upward_name(meta.data_date), publish_dir / UPWARD_LATEST
                else:
                    upward, upward_latest, forms = upward_task(frames, publish_dir, meta, stamped, staging)
                    places = issue_places(files, frames.validation_issues)
                    dated, latest = workbook_task(frames, publish_dir, meta, stamped, staging, quote(places),
                                                  quote(forms))
                written, copies = ([], []) if unchanged else receipts_task(frames, receipts_dir, meta, force,
                                                                           staging, quote(files), data, ex, ahead)
                night.published(stamped, dated)
        except OSError as exc:   # retries exhausted, or permanent (disk full, read-only folder)
            staging.discard()
            raise PublishFailed.from_os_error(exc, publish_dir) from exc
        except BaseException:
            staging.discard()
            raise
        if commit:
            staging.commit()
            if outbox:
                outbox_after_publish(data, outbox, None, config, meta.data_date, frames)
    result = PublishResult(meta.data_date, dated, latest, upward, upward_latest, receipts, writebacks=copies,
                           skipped=skipped,
                           receipts_written=len(written), staging=None if commit else staging, frames=frames)
    run_logger().info("%s", published_line(result))
    run_logger().info("%d receipts in %s, %d written (and %d marked copies)", len(receipts), receipts_dir,
                   len(written), len(copies))
    return result
