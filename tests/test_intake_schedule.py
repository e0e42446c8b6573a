"""`campaign serve`'s second deployment: the intake in office hours ([intake_schedule]), inside the
screening window only, beside the nightly one. The schedule is computed as the Prefect server computes
it (no waiting on the wall clock); the deployments are registered on the test run's real server."""
from __future__ import annotations

import asyncio
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from campaign.config import DEFAULT_CONFIG, load_config
from campaign.errors import InputError
from tests.helpers import cli, config_file, serving, window_config

TZ = ZoneInfo("Asia/Shanghai")


def test_the_notice_window_office_hours_on_weekdays_only():
    from cli.intake_schedule import intake_run_times

    config = load_config(DEFAULT_CONFIG)     # every 10 min 08:00–18:00, Mon–Fri, screening 2018-05-11 .. 07-30
    first = intake_run_times(config, after=dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc), n=3)
    assert [t.astimezone(TZ).replace(tzinfo=None) for t in first] == [
        dt.datetime(2018, 5, 11, 8, 0), dt.datetime(2018, 5, 11, 8, 10), dt.datetime(2018, 5, 11, 8, 20)]
    # Friday evening: 18:00 is the last run of the day, then Monday 08:00 (no weekend)
    times = intake_run_times(config, after=dt.datetime(2018, 5, 11, 17, 41, tzinfo=TZ), n=3)
    assert [t.astimezone(TZ).replace(tzinfo=None) for t in times] == [
        dt.datetime(2018, 5, 11, 17, 50), dt.datetime(2018, 5, 11, 18, 0), dt.datetime(2018, 5, 14, 8, 0)]
    # a long stretch: only office hours, only weekdays, only inside the window, every 10 minutes
    many = [t.astimezone(TZ) for t in intake_run_times(config, after=dt.datetime(2018, 7, 16, tzinfo=TZ), n=5000)]
    assert all(t.weekday() < 5 and dt.time(8) <= t.time() <= dt.time(18) and t.minute % 10 == 0 for t in many)
    assert many[-1].replace(tzinfo=None) == dt.datetime(2018, 7, 30, 18, 0)           # the window's last day
    assert len(many) == 11 * 61                                                     # 11 weekdays x 61 runs
    assert all(t.utcoffset() == dt.timedelta(hours=8) for t in many)
    assert intake_run_times(config, after=dt.datetime(2018, 7, 30, 18, 1, tzinfo=TZ)) == []   # after the window


def test_hours_days_and_window_come_from_the_config(tmp_path):
    from cli.intake_schedule import intake_run_times

    start, end = dt.date(2024, 2, 26), dt.date(2024, 3, 3)       # Monday .. Sunday, across a leap day
    path = config_file(tmp_path, "hours.toml", source=window_config(tmp_path, start, end),
                       keys={"every_minutes": 30, "start": "08:30", "end": "17:00", "weekdays": ["Mon", "wed", "Saturday"]})
    times = [t.astimezone(TZ).replace(tzinfo=None)
             for t in intake_run_times(load_config(path), after=dt.datetime(2024, 1, 1, tzinfo=TZ), n=500)]
    slots = [dt.time(8, 30)] + [dt.time(h, m) for h in range(9, 17) for m in (0, 30)] + [dt.time(17, 0)]
    assert times == [dt.datetime.combine(day, t) for day in (dt.date(2024, 2, 26), dt.date(2024, 2, 28),
                                                              dt.date(2024, 3, 2)) for t in slots]
    off = config_file(tmp_path, "off.toml", source=path, keys={"enabled": False})
    assert intake_run_times(load_config(off), after=dt.datetime(2024, 1, 1, tzinfo=TZ)) == []


@pytest.mark.parametrize("key, value, says", [
    ("every_minutes", 7, "must divide 60"), ("start", "8 Uhr", "HH:MM"), ("end", "07:00", "must be after start"),
    ("weekdays", ["Mon", "Funday"], "weekdays are Mon"), ("weekdays", [], "may not be empty")])
def test_a_wrong_intake_schedule_is_one_line_before_anything_runs(tmp_path, key, value, says):
    with pytest.raises(InputError, match=re.escape(says)) as err:
        load_config(config_file(tmp_path, "c.toml", keys={key: value}))
    assert "[intake_schedule]" in str(err.value) and "\n" not in str(err.value)


def test_serve_next_shows_both_deployments(tmp_path):
    (tmp_path / "inbox").mkdir()
    rc, text, _ = cli("serve", "--next", "2", "--inbox", str(tmp_path / "inbox"), "--data-dir", str(tmp_path / "data"),
                      "--config", str(DEFAULT_CONFIG))
    assert rc == 0
    assert "deployment nightly/campaign-nightly: every night 2018-05-11 .. 2018-07-30" in text
    assert "deployment intake/campaign-intake: every 10 min 08:00–18:00 on MO,TU,WE,TH,FR" in text


def test_serve_registers_the_intake_beside_the_night(prefect_harness, tmp_path, monkeypatch, without_the_runs_validator):
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL

    from cli.intake_schedule import FULL_NAME as INTAKE, intake_rrule
    from cli.serve import FULL_NAME as NIGHTLY, schedule_rrule

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    start = dt.datetime.now(TZ).date() + dt.timedelta(days=30)     # a window not begun: nothing fires by itself
    config_path = window_config(tmp_path, start, start + dt.timedelta(days=9))
    inbox, data, outbox = tmp_path / "inbox", tmp_path / "data", tmp_path / "units-outbox"
    inbox.mkdir()
    async def read():
        async with get_client() as client:
            return (await client.read_deployment_by_name(NIGHTLY), await client.read_deployment_by_name(INTAKE))

    with serving(config_path=config_path, inbox=inbox, data_dir=data, outbox=outbox):
        nightly, intake = asyncio.run(read())
    config = load_config(config_path)
    [night_schedule], [intake_schedule] = nightly.schedules, intake.schedules
    assert night_schedule.schedule.rrule == schedule_rrule(config)
    assert intake_schedule.schedule.rrule == intake_rrule(config) and intake_schedule.schedule.timezone == "Asia/Shanghai"
    assert intake.parameters["outbox"] == nightly.parameters["outbox"] == str(outbox.resolve())
    assert intake.parameters["inbox"] == str(inbox.resolve()) and intake.parameters["data_dir"] == str(data.resolve())
    assert intake.global_concurrency_limit.limit == 1
