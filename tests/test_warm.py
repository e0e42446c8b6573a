"""The warm start of hand runs (campaign.warm): a command typed in the data dir of a `campaign serve`
runs as a fork of serve's runner, with the same output, exit code and effects as a cold one; any
doubt (other code, other settings, no runner) and it runs by itself."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from campaign import prefect_api, warm
from tests.conftest import REPO, SHARED_FIXTURES

COMMAND = [sys.executable, "-m", "campaign"]   # what the `campaign` script runs


@pytest.fixture
def runner(tmp_path, prefect_harness):
    """A runner kept for a fresh data dir, as `campaign serve` keeps it, once it listens."""
    data = tmp_path / "data"
    prefect_api.record(data, prefect_harness)
    with open(tmp_path / "serve.log", "w") as log, warm.kept(data, log_to=log, env=dict(os.environ)):
        deadline = time.monotonic() + 300
        while not warm.record_path(data).exists():
            assert time.monotonic() < deadline, "the warm runner did not come up"
            time.sleep(0.1)
        yield data


def campaign(*args: str, env: dict | None = None, cwd: Path = REPO, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, **kw)


def inbox_copy(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(SHARED_FIXTURES / "inbox", inbox)
    return inbox


class ServeLog:
    """The runner's lines in serve's log, read as they come."""

    def __init__(self, path: Path) -> None:
        self.path, self.seen = path, 0

    def __call__(self) -> list[str]:
        """The hand runs started warm since the last call."""
        lines = [line for line in self.path.read_text().splitlines() if "started warm" in line]
        new, self.seen = lines[self.seen:], len(lines)
        return new


@pytest.fixture
def warm_runs(runner, tmp_path) -> ServeLog:
    return ServeLog(tmp_path / "serve.log")


def test_a_hand_night_runs_warm_with_the_cold_runs_output_and_figures(runner, tmp_path, warm_runs):
    inbox = inbox_copy(tmp_path)
    warm_night = campaign("nightly", "--inbox", str(inbox), "--data-dir", str(runner))
    assert warm_night.returncode == 0, warm_night.stderr[-3000:]
    assert len(warm_runs()) == 1, warm_night.stderr[:1500]
    cold_data = tmp_path / "cold"
    cold_night = campaign("nightly", "--inbox", str(inbox), "--data-dir", str(cold_data))
    assert cold_night.returncode == 0, cold_night.stderr[-3000:]
    assert warm_runs() == []     # another data dir: not the runner's
    assert warm_night.stdout.splitlines()[-1].replace(str(runner), "D") == \
        cold_night.stdout.splitlines()[-1].replace(str(cold_data), "D")
    def rejected(night) -> list[str]:   # the night's story: each rejected file with its rule and cell
        return [m for m in (line.split(" - ", 1)[-1] for line in night.stderr.splitlines()) if m.startswith("rejected ")]

    assert len(rejected(warm_night)) == 6 and rejected(warm_night) == rejected(cold_night)
    figures = "SELECT * FROM city_stats ORDER BY ALL"
    assert campaign("query", figures, "--data-dir", str(runner)).stdout == \
        campaign("query", figures, "--data-dir", str(cold_data)).stdout
    rerun = campaign("nightly", "--inbox", str(inbox), "--data-dir", str(runner))
    assert rerun.returncode == 0 and "nothing changed since the last publish" in rerun.stdout
    assert len(warm_runs()) == 2   # the rerun and the query of the runner's data dir


def test_mistakes_exit_codes_and_relative_paths_are_the_commands_own(runner, tmp_path, warm_runs):
    bad_date = campaign("nightly", "--date", "2018-13-45", "--data-dir", str(runner))
    assert bad_date.returncode == 2 and len(bad_date.stderr.strip().splitlines()) == 1
    assert "--date '2018-13-45'" in bad_date.stderr and bad_date.stdout == ""
    bad_sql = campaign("query", "SELEC 1", "--data-dir", str(runner))
    assert bad_sql.returncode == 2 and len(bad_sql.stderr.strip().splitlines()) == 1
    assert len(warm_runs()) == 2
    inbox_copy(tmp_path)   # --inbox inbox and --data=data, relative to the command's own folder
    night = campaign("nightly", "--inbox", "inbox", f"--data={runner.name}", cwd=tmp_path)
    assert night.returncode == 0, night.stderr[-3000:]
    assert len(warm_runs()) == 1
    assert (runner / "publish" / "latest.xlsx").exists()


def test_other_settings_other_code_or_no_runner_run_by_themselves(runner, tmp_path, warm_runs):
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "DEBUG"}   # a setting the runner's imports did not read
    status = campaign("status", "--data-dir", str(runner), env=env)
    assert warm_runs() == [] and "no warehouse yet" in status.stderr
    off = campaign("status", "--data-dir", str(runner), env={**os.environ, warm.OFF: "1"})
    assert warm_runs() == [] and off.returncode == 2
    record = json.loads(warm.record_path(runner).read_text(encoding="utf-8"))
    assert oct(os.stat(warm.record_path(runner)).st_mode & 0o777) == "0o600"
    os.kill(record["pid"], signal.SIGKILL)   # the runner gone, its record left behind
    time.sleep(0.5)
    gone = campaign("status", "--data-dir", str(runner))
    assert gone.returncode == 2 and "no warehouse yet" in gone.stderr and warm_runs() == []


def test_ctrl_c_reaches_the_warm_run(runner, tmp_path, warm_runs):
    """Ctrl-C in the terminal of a warm night stops it as it stops a cold one (exit 130, one line),
    and the next night completes."""
    inbox = inbox_copy(tmp_path)
    proc = subprocess.Popen([*COMMAND, "nightly", "--inbox", str(inbox), "--data-dir", str(runner)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + 300
    while not any("Beginning flow run" in line for line in lines):
        assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)[-3000:]
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=300)
    reader.join(30)
    assert proc.returncode == 130, "".join(lines)[-3000:]
    assert "campaign nightly: interrupted\n" in lines and "Traceback" not in "".join(lines)
    assert len(warm_runs()) == 1
    again = campaign("nightly", "--inbox", str(inbox), "--data-dir", str(runner))
    assert again.returncode == 0, again.stderr[-3000:]
