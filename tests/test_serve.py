"""Operations: the scheduled deployment (served for real against the test Prefect server), its
schedule, the run's artifacts, and the retries of transient faults in publishing."""
from __future__ import annotations

import asyncio
import datetime as dt
import errno
import json
import logging
import os
import time
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from campaign.config import DEFAULT_CONFIG, load_config
from tests.test_ingest_flow import county_workbook, drop
from tests.builders import company
from tests.helpers import serving, window_config

TZ = ZoneInfo("Asia/Shanghai")


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(n) for n in range((end - start).days + 1)]


# --------------------------------------------------------------------------------------
# the schedule: every night of the screening window, at the configured hour, never outside

def assert_nightly_in_window(times, start, end, hour, minute):
    local = [t.astimezone(TZ) for t in times]
    assert [t.date() for t in local] == days(start, end)              # every night, once, in order
    assert {(t.hour, t.minute, t.second) for t in local} == {(hour, minute, 0)}
    assert all(t.utcoffset() == dt.timedelta(hours=8) for t in times)  # computed in Asia/Shanghai


def test_schedule_runs_every_night_of_the_notice_window_only():
    from cli.serve import next_run_times, schedule_rrule

    config = load_config(DEFAULT_CONFIG)
    assert schedule_rrule(config) == "DTSTART:20180511T020000\nRRULE:FREQ=DAILY;UNTIL=20180730T020000"
    times = next_run_times(config, after=dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc), n=500)
    assert len(times) == 81
    assert_nightly_in_window(times, dt.date(2018, 5, 11), dt.date(2018, 7, 30), 2, 0)
    # from the middle of the campaign on, only the nights left; after it, nothing at all
    mid = dt.datetime(2018, 7, 28, 12, 0, tzinfo=TZ)
    assert [t.astimezone(TZ).date() for t in next_run_times(config, after=mid)] == [dt.date(2018, 7, 29),
                                                                                    dt.date(2018, 7, 30)]
    assert next_run_times(config, after=dt.datetime(2018, 7, 30, 2, 1, tzinfo=TZ)) == []


def test_schedule_follows_another_window_and_hour(tmp_path):
    from cli.serve import describe_schedule, nightly_schedule, next_run_times

    start, end = dt.date(2024, 2, 26), dt.date(2024, 3, 3)          # across a leap day and a month end
    config = load_config(window_config(tmp_path, start, end, hour=23, minute=30))
    schedule = nightly_schedule(config)
    assert schedule.timezone == "Asia/Shanghai" and "UNTIL=20240303T233000" in schedule.rrule
    times = next_run_times(config, after=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc), n=500)
    assert len(times) == 7
    assert_nightly_in_window(times, start, end, 23, 30)
    # 23:30 in Shanghai is 15:30 UTC the same day: the window is local, not UTC
    assert times[0].astimezone(dt.timezone.utc) == dt.datetime(2024, 2, 26, 15, 30, tzinfo=dt.timezone.utc)
    shown = describe_schedule(config, n=3, after=dt.datetime(2024, 3, 1, 23, 31, tzinfo=TZ))
    assert "2024-02-26 .. 2024-03-03 (7 nights) at 23:30 Asia/Shanghai" in shown
    assert "2024-03-02T23:30:00+08:00" in shown and "2024-03-03T23:30:00+08:00" in shown
    assert "2024-03-01T23:30" not in shown


def test_schedule_rejects_a_window_that_ends_before_it_starts(tmp_path):
    from cli.serve import schedule_rrule

    from campaign.errors import InputError

    # refused when the config file is loaded, before any schedule is built
    with pytest.raises(InputError, match="before screening_start"):
        schedule_rrule(load_config(window_config(tmp_path, dt.date(2024, 3, 3), dt.date(2024, 3, 1))))


# --------------------------------------------------------------------------------------
# the deployment, served for real: a run triggered through the API completes, with artifacts

async def _read_back(flow_run_id, deployment_name):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        deployment = await client.read_deployment_by_name(deployment_name)
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
        return deployment, artifacts


def test_served_deployment_runs_and_records_artifacts(prefect_harness, tmp_path, monkeypatch,
                                                   without_the_runs_validator):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL

    from cli.serve import FULL_NAME, schedule_rrule

    # the runner and its flow-run subprocess talk to the test server
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    start = dt.datetime.now(TZ).date() + dt.timedelta(days=30)     # a window that has not begun: no run fires by itself
    config_path = window_config(tmp_path, start, start + dt.timedelta(days=9), hour=3, minute=15)
    inbox, data = tmp_path / "inbox", tmp_path / "data"
    drop(inbox, "大通区", "大通区.xlsx", county_workbook("大通区"))
    drop(inbox, "寿县", "寿县.xlsx", county_workbook("寿县", companies=[company("甲", cross="Y")]))   # ENUM_VALUE I5

    with serving(config_path=config_path, inbox=inbox, data_dir=data):
        from cli import prefect_api   # hand runs of this data dir find the server serve uses
        assert prefect_api.recorded(data.resolve()) == PREFECT_API_URL.value()
        from expectations import shared

        remote = shared.connect(data.resolve())              # and its warm validator, for the hand runs
        assert remote is not None and remote.validate({}, 0.005) == []
        remote.stop()
        flow_run = run_deployment(name=FULL_NAME, parameters={"date": "2018-07-21"}, timeout=600, poll_interval=1)
        assert flow_run.state is not None and flow_run.state.is_completed(), flow_run.state
        # the deployment's defaults were used: this inbox, this data dir, this config file
        assert flow_run.parameters["inbox"] == str(inbox.resolve())
        assert flow_run.parameters["data_dir"] == str(data.resolve())
        assert flow_run.parameters["config_path"] == str(config_path.resolve())
        assert (data / "publish" / "summary_2018-07-21.xlsx").is_file()
        assert (data / "publish" / "latest.xlsx").is_file()

        deployment, artifacts = asyncio.run(_read_back(flow_run.id, FULL_NAME))
        [sched] = deployment.schedules
        assert sched.schedule.rrule == schedule_rrule(load_config(config_path))
        assert sched.schedule.timezone == "Asia/Shanghai" and sched.active
        assert deployment.global_concurrency_limit.limit == 1             # runs of the deployment never overlap
        assert deployment.concurrency_options.collision_strategy.value == "ENQUEUE"   # a second one waits
        by_key = {a.key: a for a in artifacts}
        assert set(by_key) == {"nightly-verdicts", "nightly-summary"}
        table = by_key["nightly-verdicts"]
        assert table.type == "table"
        rows = table.data if isinstance(table.data, list) else json.loads(table.data)
        assert {r["unit"]: (r["accepted"], r["rejected"], r["duplicate"]) for r in rows} == {
            "大通区": (1, 0, 0), "寿县": (0, 1, 0)}
        assert "寿县.xlsx: ENUM_VALUE" in next(r for r in rows if r["unit"] == "寿县")["rejected_files"]
        assert "I5" in next(r for r in rows if r["unit"] == "寿县")["rejected_files"]
        summary = by_key["nightly-summary"]
        assert summary.type == "markdown"
        assert str(data.resolve() / "publish" / "summary_2018-07-21.xlsx") in summary.data
        assert "寿县/寿县.xlsx" in summary.data
        from cli import warm   # and the warm start of hand runs, once its imports are done

        deadline = time.monotonic() + 300
        while not warm.record_path(data.resolve()).exists():
            assert time.monotonic() < deadline, "serve kept no warm start for hand runs"
            time.sleep(0.2)
    assert prefect_api.recorded(data.resolve(), check=False) is None   # serve stopped: the record is gone
    assert shared.connect(data.resolve()) is None and not shared.record_path(data.resolve()).exists()
    assert not warm.record_path(data.resolve()).exists()


# --------------------------------------------------------------------------------------
# retries: transient faults only, with back-off; a permanent fault fails clearly, latest.xlsx intact

def test_transient_faults_are_told_apart_from_permanent_ones(tmp_path):
    from flows.retries import transient_reason
    from warehouse.faults import WarehouseBusy

    locked = tmp_path / "publish"
    locked.mkdir()
    assert transient_reason(WarehouseBusy("busy")) == "the warehouse is locked by another process"
    assert "locked" in transient_reason(PermissionError(errno.EACCES, "Permission denied", str(locked / "latest.xlsx")))
    assert transient_reason(OSError(errno.EBUSY, "Device or resource busy")) == "the file is busy"
    for permanent in (OSError(errno.ENOSPC, "No space left on device"), OSError(errno.EROFS, "Read-only file system"),
                      OSError(errno.EDQUOT, "Disk quota exceeded"), IsADirectoryError(errno.EISDIR, "Is a directory"),
                      ValueError("bad data"), KeyError("bug")):
        assert transient_reason(permanent) is None, permanent


def test_retry_policy_of_the_tasks_comes_from_operations_config():
    from prefect.states import Failed

    from flows.ingest import archive_task, load_task
    from flows.publish import read_task, receipts_task, upward_task, workbook_task
    from flows.retries import retry_transient
    from warehouse.faults import WarehouseBusy

    ops = load_config().operations
    delays = [ops["retry_delay_seconds"] * 2 ** n for n in range(ops["retries"])]   # 5, 10, 20 s
    for task in (archive_task, load_task, read_task, upward_task, workbook_task, receipts_task):
        assert task.retries == ops["retries"] and task.retry_delay_seconds == delays, task.name
        assert task.retry_condition_fn is retry_transient
    run = SimpleNamespace(run_count=1)
    assert retry_transient(load_task, run, Failed(data=WarehouseBusy("held by DBeaver"))) is True
    assert retry_transient(load_task, run, Failed(data=ValueError("bad data"))) is False
    assert retry_transient(workbook_task, run, Failed(data=OSError(errno.ENOSPC, "No space left on device"))) is False


@pytest.fixture
def published(prefect_harness, tmp_path):
    """A data dir with an (empty) warehouse and a first published latest.xlsx."""
    from flows.consolidate import consolidate_flow
    from flows.publish import publish_flow

    data = tmp_path / "data"
    consolidate_flow(data_dir=str(data))
    publish_flow(data_dir=str(data), date="2018-07-20")
    return data


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_locked_latest_workbook_is_retried_then_published(published, monkeypatch):
    from flows.publish import publish_flow

    real_replace, calls = os.replace, []

    def replace(src, dst, *a, **kw):   # latest.xlsx held open by someone's Excel, once
        if Path(dst).name == "latest.xlsx" and not calls:
            calls.append(dst)
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(src), None, os.fspath(dst))
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", replace)
    capture = Capture()
    logger = logging.getLogger("prefect")
    logger.addHandler(capture)
    try:
        result = publish_flow(data_dir=str(published), date="2018-07-21")
    finally:
        logger.removeHandler(capture)
    assert calls, "the lock was never hit"
    assert result.latest.read_bytes() == result.workbook.read_bytes()
    said = "\n".join(capture.messages)
    assert "could not put latest.xlsx in place: the file is locked or not writable" in said, said
    assert "retrying in" in said
    assert not list((published / "publish").glob(".*.tmp"))


@pytest.mark.parametrize("fault", ["disk-full", "read-only-folder"])
def test_permanent_publish_failure_fails_clearly_and_keeps_latest(published, monkeypatch, fault):
    from flows.publish import publish_flow
    from publish.files import PublishFailed

    publish_dir = published / "publish"
    before = (publish_dir / "latest.xlsx").read_bytes()
    real_replace, calls = os.replace, []
    if fault == "read-only-folder":
        if os.geteuid() == 0:
            pytest.skip("running as root: chmod does not stop root from writing (the disk-full case covers this)")
        publish_dir.chmod(0o555)
    else:
        def replace(src, dst, *a, **kw):
            if Path(dst).parent == publish_dir:
                calls.append(dst)
                raise OSError(errno.ENOSPC, "No space left on device", os.fspath(src), None, os.fspath(dst))
            return real_replace(src, dst, *a, **kw)
        monkeypatch.setattr(os, "replace", replace)
    try:
        started = dt.datetime.now()
        with pytest.raises(PublishFailed, match="0 of 5 outputs were replaced") as failed:
            publish_flow(data_dir=str(published), date="2018-07-21")
        took = (dt.datetime.now() - started).total_seconds()
    finally:
        publish_dir.chmod(0o755)
    message = str(failed.value)
    assert "could not put" in message and "0 of 5 outputs were replaced" in message   # none replaced: all or nothing
    # (the working workbook and the upward report, dated and latest each, and 待核对)
    assert ("No space left on device" in message) if fault == "disk-full" else ("Permission denied" in message)
    assert (publish_dir / "latest.xlsx").read_bytes() == before
    assert not list(publish_dir.glob(".*.tmp"))                       # no half-written file left behind
    if fault == "disk-full":
        assert len(calls) == 1                                        # tried once, not retried
