"""The outbox, where the units look (publish/outbox.py writes it): brought up to date by an intake
(flows/intake.py), after a night's or a hand publish (flows/publish.py), from the receipts in
<data>/receipts and the warehouse."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from prefect import task
from prefect.cache_policies import NONE

from campaign.config import Config
from flows.parallel import Execution, worker_pool
from flows.retries import transient_retries
from publish.outbox import OutboxMeta, write_outbox
from support.processes import main_not_reimported
from support.run_context import run_logger
from warehouse import db
from warehouse.summary import read_outbox_frames


def outbox_of(outbox: str | Path | None, inbox: str | Path | None, config: Config) -> Path:
    """--outbox, else the config's [paths] outbox (a relative one beside the inbox)."""
    return Path(outbox).expanduser().resolve() if outbox else config.outbox_for(Path(inbox) if inbox else None)


def outbox_frames(data: Path, config: Config):
    """What the receipts and the outbox are built from, read from the warehouse."""
    con = db.connect(db.warehouse_path(data), read_only=True)
    try:
        return read_outbox_frames(con, config.units)
    finally:
        con.close()


# A national outbox (thousands of unit folders, each twice) is written by a pool of `[execution]
# parse_workers` processes while the flow's process writes the office's pages: at 3,000 units, a
# third less time (bench/RESULTS.md, 23:10). A city's few dozen folders are written by the flow alone.
POOL_MIN_UNITS = 500


@contextmanager
def _pool(config: Config, units: int) -> Iterator[ProcessPoolExecutor | None]:
    ex = Execution.from_config(config)
    if ex.workers <= 1 or units < POOL_MIN_UNITS:
        yield None
        return
    try:
        pool = worker_pool(ex.workers)   # 500 units are 8 shares: work for every worker
    except OSError as exc:
        run_logger().warning("the outbox worker processes did not start (%s); writing the outbox here", exc)
        yield None
        return
    try:
        with main_not_reimported():   # workers start on the first submits
            yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@task(name="write-outbox", cache_policy=NONE, **transient_retries())   # a page open on the share: retried
def outbox_task(frames, data: Path, outbox: Path, config: Config, as_of: dt.date, seen: set[str] | None = None):
    """Every registry unit's folder and the office's (publish/outbox.py), from the receipts in <data>/receipts."""
    meta = OutboxMeta(campaign_name=config.raw["campaign"]["name"], timezone=config.timezone, as_of=as_of,
                      generated_at=dt.datetime.now(ZoneInfo(config.timezone)).replace(tzinfo=None), office=config.office)
    kinds = {u: config.unit_kind(u) for u in config.units}
    with _pool(config, len(config.units)) as pool:
        result = write_outbox(frames, Path(data) / "receipts", outbox, config.units, kinds, meta, seen, pool)
    run_logger().info("outbox %s: %d files updated (%d unit folders, days counted from %s)", outbox,
                   len(result.written), result.units, as_of)
    return result


def refresh_outbox(data: Path, outbox: Path, config: Config, as_of: dt.date, frames=None, seen=None):
    """The outbox after a publish (nightly, `campaign publish --outbox`): its receipts are in place."""
    return outbox_task(frames if frames is not None else outbox_frames(data, config), data, outbox, config, as_of, seen)


def outbox_after_publish(data: Path, outbox: str | Path | None, inbox: str | Path | None, config: Config,
                         as_of: dt.date, frames=None) -> None:
    """The outbox after a night or a publish, once its receipts are in place. A share that cannot be
    written is logged and left to the next run: the night's workbook stands (intake_flow, whose whole
    purpose the outbox is, fails instead). frames: the publish's own (a superset of outbox_frames:
    read once, under the same run lock, nothing loaded since), else read here."""
    box = outbox_of(outbox, inbox, config)
    try:
        refresh_outbox(data, box, config, as_of, frames)
    except Exception as exc:   # noqa: BLE001 — the night is done; the outbox is rewritten by the next run
        run_logger().error("the outbox %s was not brought up to date: %s (the next run tries again)", box, exc)
