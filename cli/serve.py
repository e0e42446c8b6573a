"""The scheduled deployment: `campaign serve` serves the nightly flow as `nightly/campaign-nightly`.

The schedule is an RRule: every night of the screening window (config `campaign.screening_start`
.. `campaign.screening_end`) at `[schedule] hour:minute` in `campaign.timezone`, and at no other
time. Runs started by hand (`campaign nightly`, or "Run" on the deployment in the UI, or
`prefect deployment run nightly/campaign-nightly`) work at any time.

Runs never overlap: the runner executes one flow run at a time (`limit=1`), the deployment has
a concurrency limit of 1 (a second run waits, enqueued), and the hard guarantee is the
warehouse's own run lock (`warehouse.lock.RunLock`), which also covers `campaign nightly` started
by hand while the deployment runs.

Where the deployment lives: the Prefect API at $PREFECT_API_URL (a `prefect server start`) if
set; otherwise `serve` starts a private Prefect server on 127.0.0.1 (database under the data
directory's `prefect/`) for as long as it runs. A temporary *ephemeral* API would not do: it has
no scheduler service, so the schedule would never create a run.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

from prefect.schedules import Schedule

from campaign.config import Config, load_config
from cli import prefect_api, warm
from cli.intake_schedule import (DEPLOYMENT_NAME as INTAKE, FULL_NAME as INTAKE_NAME, describe_intake, hours_line,
                                 intake_hours, intake_schedule)
from expectations import shared

FLOW_NAME = "nightly"
DEPLOYMENT_NAME = "campaign-nightly"
FULL_NAME = f"{FLOW_NAME}/{DEPLOYMENT_NAME}"


# --- the schedule ------------------------------------------------------------------------

def _hour_minute(config: Config) -> tuple[int, int]:
    sched = config.raw.get("schedule", {})
    hour, minute = int(sched.get("hour", 2)), int(sched.get("minute", 0))
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"[schedule] hour/minute out of range in {config.source}: {hour}:{minute}")
    return hour, minute


def schedule_rrule(config: Config) -> str:
    """`DTSTART:<start>T<hhmm>00` + `RRULE:FREQ=DAILY;UNTIL=<end>T<hhmm>00`, local time of config.timezone."""
    (start, end), (hour, minute) = config.screening_window(), _hour_minute(config)
    at = f"T{hour:02d}{minute:02d}00"
    return f"DTSTART:{start:%Y%m%d}{at}\nRRULE:FREQ=DAILY;UNTIL={end:%Y%m%d}{at}"


def nightly_schedule(config: Config) -> Schedule:
    """Every night of the screening window at the configured hour, in the campaign's time zone."""
    from prefect.schedules import RRule

    return RRule(schedule_rrule(config), timezone=config.timezone)


def next_run_times(config: Config, after: dt.datetime | None = None, n: int = 1000) -> list[dt.datetime]:
    """The run times the Prefect server computes from the schedule, from `after` (default: now) on."""
    from prefect.server.schemas.schedules import RRuleSchedule
    from prefect.utilities.asyncutils import run_coro_as_sync

    after = after or dt.datetime.now(dt.timezone.utc)
    if after.tzinfo is None:
        after = after.replace(tzinfo=dt.timezone.utc)
    sched = RRuleSchedule(rrule=schedule_rrule(config), timezone=config.timezone)
    return list(run_coro_as_sync(sched.get_dates(n=n, start=after)))


def describe_schedule(config: Config, n: int = 5, after: dt.datetime | None = None) -> str:
    """What `campaign serve --next` prints: the window, the hour, the next run times."""
    (start, end), (hour, minute) = config.screening_window(), _hour_minute(config)
    nights = (end - start).days + 1
    lines = [f"deployment {FULL_NAME}: every night {start} .. {end} ({nights} nights) "
             f"at {hour:02d}:{minute:02d} {config.timezone}",
             f"rrule: {schedule_rrule(config)!r}"]
    upcoming = next_run_times(config, after=after, n=n) if n > 0 else []
    if upcoming:
        lines.append(f"next {len(upcoming)} run(s):")
        lines += [f"  {t.isoformat()}" for t in upcoming]
    elif n > 0:
        now = (after or dt.datetime.now(dt.timezone.utc)).date()
        lines.append("no run left: the screening window is over" if now > end else "no run scheduled")
        lines.append("a run can still be started by hand: `campaign nightly` (or `prefect deployment run "
                     f"{FULL_NAME}` while `campaign serve` runs)")
    return "\n".join(lines)


# --- the deployment ----------------------------------------------------------------------

def deployment_parameters(config: Config, config_path: str | os.PathLike | None = None,
                          inbox: str | os.PathLike | None = None,
                          data_dir: str | os.PathLike | None = None,
                          outbox: str | os.PathLike | None = None) -> dict[str, str | None]:
    """Default parameters of every run: absolute paths, so a run does not depend on a working directory."""
    inbox_dir = Path(inbox).resolve() if inbox else config.inbox
    return {"inbox": str(inbox_dir),
            "data_dir": str(Path(data_dir).resolve() if data_dir else config.data_dir),
            "config_path": str(Path(config_path).resolve()) if config_path else None,
            "outbox": str(Path(outbox).resolve() if outbox else config.outbox_for(inbox_dir))}


def hand_run_arguments(parameters: dict) -> str:
    """What to type for a hand run of the served night: its inbox, data dir and config."""
    words = ["--inbox", parameters["inbox"], "--data-dir", parameters["data_dir"]]
    if parameters.get("outbox"):
        words += ["--outbox", parameters["outbox"]]
    if parameters.get("config_path"):
        words += ["--config", parameters["config_path"]]
    return shlex.join(words)


def make_runner():
    from prefect.runner import Runner

    return Runner(name=DEPLOYMENT_NAME, limit=1)        # one flow run at a time in this runner


async def register(runner, config: Config, parameters: dict):
    """Create or update the deployment on the API and attach it to `runner`; returns its id."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.flows import EntrypointType

    from flows.nightly import nightly_flow   # the pipeline (DuckDB, pandas, ...): not for `serve --next`

    start, end = config.screening_window()
    return await runner.aadd_flow(
        nightly_flow,
        name=DEPLOYMENT_NAME,
        schedule=nightly_schedule(config),
        paused=False,              # a restart re-activates the schedule paused by the last shutdown
        parameters=parameters,
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
        description=f"Nightly consolidation of the screening campaign: every night {start} .. {end} "
                    f"at {'%02d:%02d' % _hour_minute(config)} {config.timezone}.",
        tags=["campaign", "nightly"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


async def register_intake(runner, config: Config, parameters: dict):
    """The second deployment, intake/campaign-intake, on the office-hours schedule ([intake_schedule]);
    None when it is off. Same runner (one run at a time), same run lock as the night."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.flows import EntrypointType

    from flows.intake import intake_flow   # the pipeline, as above

    if not intake_hours(config).enabled:
        return None
    start, end = config.screening_window()
    return await runner.aadd_flow(
        intake_flow,
        name=INTAKE,
        schedule=intake_schedule(config),
        paused=False,
        parameters=parameters,
        # a run still going when the next is due: the next waits, then finds nothing new (never two at once)
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        description=f"Office-hours intake of the screening campaign ({start} .. {end}, {hours_line(config)}): "
                    f"new files to receipts, 回执汇总 and 待办 in the outbox; no workbook.",
        tags=["campaign", "intake"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


async def _run(runner, stop: threading.Event | None, ready: threading.Event | None) -> None:
    """runner.start() until it returns (Ctrl-C, SIGTERM) or `stop` is set; `ready` once it polls."""
    task = asyncio.create_task(runner.start())
    while not runner.started and not task.done():
        await asyncio.sleep(0.1)
    if ready is not None:
        ready.set()
    if stop is not None:
        while not stop.is_set() and not task.done():
            await asyncio.sleep(0.2)
        if runner.started:
            await runner.astop()
    await task


# --- the API server ------------------------------------------------------------------------

@contextlib.contextmanager
def api_server() -> Iterator[str]:
    """$PREFECT_API_URL if set; else a private Prefect server on 127.0.0.1 (with its scheduler) while serving."""
    import httpx
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    port = prefect_api.free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT__SERVER_EPHEMERAL"}
    new_database = prefect_api.seed_database(env)   # a new data dir: Prefect's migrations from the template
    proc = subprocess.Popen(prefect_api.server_command(port), env=env)
    saved = os.environ.get("PREFECT_API_URL")
    try:
        deadline = time.monotonic() + float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the local Prefect server exited at start (code {proc.returncode})")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    if new_database is not None:
                        prefect_api.keep_template(new_database)
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local Prefect server did not answer on {url} in time")
            time.sleep(0.5)
        os.environ["PREFECT_API_URL"] = url          # flow-run subprocesses report to the same server
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        if saved is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = saved
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve(config_path: str | os.PathLike | None = None, inbox: str | os.PathLike | None = None,
          data_dir: str | os.PathLike | None = None, *, stop: threading.Event | None = None,
          ready: threading.Event | None = None, outbox: str | os.PathLike | None = None) -> None:
    """Serve the nightly flow as deployment `nightly/campaign-nightly` on its schedule, and the intake as
    `intake/campaign-intake` in office hours (cli/intake_schedule.py); blocks.

    Returns on Ctrl-C / SIGTERM, or when `stop` is set (tests). `ready` is set once the deployment
    is registered and the runner polls for work."""
    config = load_config(config_path)
    parameters = deployment_parameters(config, config_path, inbox, data_dir, outbox)

    async def main() -> None:
        runner = make_runner()
        deployment_id = await register(runner, config, parameters)
        intake_id = await register_intake(runner, config, parameters)
        print(f"serving {FULL_NAME} (deployment {deployment_id}) on {api}\n"
              f"{describe_schedule(config, n=3)}\n"
              + (f"and {INTAKE_NAME} (deployment {intake_id}):\n" if intake_id else "")
              + f"{describe_intake(config, n=3)}\n"
              f"outbox {parameters['outbox']}\n"
              f"inbox {parameters['inbox']}, data dir {parameters['data_dir']}\n"
              f"start a run now: campaign nightly {hand_run_arguments(parameters)} (it uses this server and "
              f"starts warm), or\n"
              f"  PREFECT_API_URL={api} prefect deployment run {FULL_NAME}", flush=True)
        await _run(runner, stop, ready)

    data = Path(parameters["data_dir"])
    with api_server() as api, shared.kept(data):   # hand runs of this data dir validate in its warm GX

        prefect_api.record(data, api)   # hand runs of this data dir use this server (and show in its UI)
        try:
            with warm.kept(data):       # ... and start as forks of a process with the pipeline imported
                asyncio.run(main())
        except KeyboardInterrupt:
            print("campaign serve: stopped", file=sys.stderr)
        finally:
            prefect_api.forget(data, api)
