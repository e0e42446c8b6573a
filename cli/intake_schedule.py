"""When `campaign serve` runs the intake (deployment `intake/campaign-intake`): office hours.

From the config's `[intake_schedule]`: every `every_minutes` (a divisor of 60) from `start` to `end`
(inclusive) on the `weekdays`, on the days of the screening window only, in `campaign.timezone`:

    [intake_schedule]
    enabled = true
    every_minutes = 10
    start = "08:00"
    end = "18:00"
    weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]

One RRule set (one DTSTART, one RRULE per group of hours that share their minutes: the first hour
may start at :30, the last end at :00), so the Prefect server computes the runs itself and
`serve --next` shows exactly what it will run. Polling, not file-system events: shares mounted
over the network do not deliver them, and the scan is a stat per file."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from campaign.config import Config

FLOW_NAME = "intake"
DEPLOYMENT_NAME = "campaign-intake"
FULL_NAME = f"{FLOW_NAME}/{DEPLOYMENT_NAME}"
_DAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
_ZH_DAYS = {"MO": "一", "TU": "二", "WE": "三", "TH": "四", "FR": "五", "SA": "六", "SU": "日"}


@dataclass(frozen=True)
class IntakeHours:
    enabled: bool = True
    every_minutes: int = 10
    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(18, 0)
    weekdays: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR")   # RRULE day codes, Monday first

    def times_of_day(self) -> list[dt.time]:
        """start, start + every, ... up to end (inclusive)."""
        first = self.start.hour * 60 + self.start.minute
        last = self.end.hour * 60 + self.end.minute
        return [dt.time(m // 60, m % 60) for m in range(first, last + 1, self.every_minutes)]


def intake_hours(config: Config) -> IntakeHours:
    """The config's [intake_schedule] (validated by campaign/config_schema.py), defaults for missing keys."""
    raw = config.raw.get("intake_schedule") or {}
    base = IntakeHours()
    days = raw.get("weekdays")
    codes = tuple(sorted({_DAYS[d.strip().lower()[:3]] for d in days}, key=list(_DAYS.values()).index)) \
        if days else base.weekdays
    return IntakeHours(enabled=bool(raw.get("enabled", base.enabled)),
                       every_minutes=int(raw.get("every_minutes", base.every_minutes)),
                       start=dt.time.fromisoformat(raw["start"]) if "start" in raw else base.start,
                       end=dt.time.fromisoformat(raw["end"]) if "end" in raw else base.end,
                       weekdays=codes)


def intake_rrule(config: Config) -> str:
    """DTSTART on the window's first day at `start`; one RRULE per group of hours with the same
    minutes; UNTIL the window's last day at `end` (local time of campaign.timezone)."""
    hours = intake_hours(config)
    (first, last), times = config.screening_window(), hours.times_of_day()
    by_hour: dict[int, list[int]] = {}
    for t in times:
        by_hour.setdefault(t.hour, []).append(t.minute)
    groups: dict[tuple[int, ...], list[int]] = {}
    for hour, minutes in by_hour.items():
        groups.setdefault(tuple(minutes), []).append(hour)
    until = f"{last:%Y%m%d}T{hours.end:%H%M}00"
    lines = [f"DTSTART:{first:%Y%m%d}T{times[0]:%H%M}00"]
    for minutes, hrs in groups.items():
        lines.append(f"RRULE:FREQ=DAILY;BYDAY={','.join(hours.weekdays)};BYHOUR={','.join(map(str, hrs))};"
                     f"BYMINUTE={','.join(map(str, minutes))};BYSECOND=0;UNTIL={until}")
    return "\n".join(lines)


def intake_schedule(config: Config):
    from prefect.schedules import RRule

    return RRule(intake_rrule(config), timezone=config.timezone)


def intake_run_times(config: Config, after: dt.datetime | None = None, n: int = 1000) -> list[dt.datetime]:
    """The intake's run times as the Prefect server computes them, from `after` (default: now) on."""
    from prefect.server.schemas.schedules import RRuleSchedule
    from prefect.utilities.asyncutils import run_coro_as_sync

    if not intake_hours(config).enabled:
        return []
    after = after or dt.datetime.now(dt.timezone.utc)
    if after.tzinfo is None:
        after = after.replace(tzinfo=dt.timezone.utc)
    sched = RRuleSchedule(rrule=intake_rrule(config), timezone=config.timezone)
    return list(run_coro_as_sync(sched.get_dates(n=n, start=after)))


def hours_line(config: Config) -> str:
    """'every 10 min 08:00–18:00 on Mon–Fri (周一、二、三、四、五)' for serve's messages."""
    h = intake_hours(config)
    days = "、".join(_ZH_DAYS[d] for d in h.weekdays)
    return (f"every {h.every_minutes} min {h.start:%H:%M}–{h.end:%H:%M} on {','.join(h.weekdays)} (周{days}) "
            f"{config.timezone}")


def describe_intake(config: Config, n: int = 5, after: dt.datetime | None = None) -> str:
    """What `campaign serve --next` prints for the intake deployment."""
    h = intake_hours(config)
    if not h.enabled:
        return f"deployment {FULL_NAME}: off ([intake_schedule] enabled = false); `campaign intake` runs by hand"
    start, end = config.screening_window()
    lines = [f"deployment {FULL_NAME}: {hours_line(config)}, {start} .. {end} "
             f"({len(h.times_of_day())} runs a day)",
             f"rrule: {intake_rrule(config)!r}"]
    upcoming = intake_run_times(config, after=after, n=n) if n > 0 else []
    if upcoming:
        lines.append(f"next {len(upcoming)} run(s):")
        lines += [f"  {t.isoformat()}" for t in upcoming]
    elif n > 0:
        now = (after or dt.datetime.now(dt.timezone.utc)).date()
        lines.append("no run left: the screening window is over" if now > end else "no run scheduled")
    return "\n".join(lines)
