"""The warm start of hand runs (cli.warm): a command typed in the data dir of a `campaign serve`
runs as a fork of serve's runner, with the output, exit code and effects of a cold one; any
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
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from cli import prefect_api, warm
from tests.helpers import REPO, SHARED_FIXTURES

COMMAND = [sys.executable, "-m", "cli"]   # what the `campaign` script runs
EXPECTED = json.loads((SHARED_FIXTURES / "expected.json").read_text(encoding="utf-8"))


@contextmanager
def kept_runner(root: Path, api_url: str):
    """A runner kept for `root/data`, as `campaign serve` keeps it, once it listens; and its log."""
    data = root / "data"
    prefect_api.record(data, api_url)
    with open(root / "serve.log", "w") as log, warm.kept(data, log_to=log, env=dict(os.environ)):
        deadline = time.monotonic() + 300
        while not warm.record_path(data).exists():
            assert time.monotonic() < deadline, "the warm runner did not come up"
            time.sleep(0.1)
        yield data, ServeLog(root / "serve.log")


@pytest.fixture(scope="module")
def served(tmp_path_factory, prefect_harness, warm_validator):
    """One runner and data dir for the module's tests below, which run one after the other in
    file order (one process: `--dist loadfile`), as a morning's hand runs would. The warm validator
    first: its CAMPAIGN_VALIDATOR is in the environment the runner keeps, as in the commands' (a
    runner whose settings differ from the command's refuses it)."""
    with kept_runner(tmp_path_factory.mktemp("served"), prefect_harness) as kept:
        yield kept


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



def test_a_hand_night_runs_warm_with_the_expected_verdicts_and_the_cold_figures(served, tmp_path):
    data, warm_runs = served
    inbox = inbox_copy(tmp_path)
    night = campaign("nightly", "--inbox", str(inbox), "--data-dir", str(data))
    assert night.returncode == 0, night.stderr[-3000:]
    assert len(warm_runs()) == 1
    assert night.stdout.splitlines()[-2:] == [f"published: {data / 'publish' / 'summary_2018-07-30.xlsx'}",
                                              f"upward report (to sign and send): {data / 'publish' / '上报_2018-07-30.xlsx'}"]
    story = [m for m in (line.split(" - ", 1)[-1] for line in night.stderr.splitlines()) if m.startswith("rejected ")]
    expected = {f["path"].removeprefix("inbox/"): f["rule"] for f in EXPECTED["files"] if f["verdict"] == "rejected"}
    assert {line.split(": ")[0].removeprefix("rejected "): line.split(": ")[1].split()[0] for line in story} == expected
    figures = "SELECT * FROM city_stats ORDER BY ALL"
    warm_figures = campaign("query", figures, "--data-dir", str(data))
    cold_figures = campaign("query", figures, "--data-dir", str(data), env={**os.environ, warm.OFF: "1"})
    assert warm_figures.returncode == 0 and warm_figures.stdout == cold_figures.stdout
    assert len(warm_runs()) == 1   # the first query; CAMPAIGN_NO_WARM=1 ran the second by itself
    rerun = campaign("nightly", "--inbox", str(inbox), "--data-dir", str(data))
    assert rerun.returncode == 0 and "nothing changed since the last publish" in rerun.stdout
    assert len(warm_runs()) == 1


def test_mistakes_exit_codes_and_relative_paths_are_the_commands_own(served):
    data, warm_runs = served
    bad_date = campaign("nightly", "--date", "2018-13-45", "--data-dir", str(data))
    assert bad_date.returncode == 2 and len(bad_date.stderr.strip().splitlines()) == 1
    assert "--date '2018-13-45'" in bad_date.stderr and bad_date.stdout == ""
    bad_sql = campaign("query", "SELEC 1", "--data-dir", str(data))
    assert bad_sql.returncode == 2 and len(bad_sql.stderr.strip().splitlines()) == 1
    assert len(warm_runs()) == 2
    count = "SELECT count(*) AS n FROM submissions"
    relative = campaign("query", count, f"--data={data.name}", cwd=data.parent)
    assert relative.returncode == 0, relative.stderr
    assert len(warm_runs()) == 1     # `--data=data` from the command's own folder is the runner's data dir
    assert relative.stdout == campaign("query", count, "--data-dir", str(data), env={**os.environ, warm.OFF: "1"}).stdout


def test_ctrl_c_reaches_the_warm_run(tmp_path, prefect_harness):
    """Ctrl-C in the terminal of a warm night stops it as it stops a cold one (exit 130, one line),
    and the next night completes."""
    with ExitStack() as stack:
        saved = signal.signal(signal.SIGINT, signal.SIG_IGN)   # as in a serve a script started in the background
        try:
            data, warm_runs = stack.enter_context(kept_runner(tmp_path, prefect_harness))   # a night with work
        finally:
            signal.signal(signal.SIGINT, saved)
        interrupted_then_completed(data, warm_runs, inbox_copy(tmp_path))


def at_a_terminal() -> None:
    """A command typed at a terminal gets SIGINT (an xdist worker, and so its children, ignore it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupted_then_completed(data: Path, warm_runs: ServeLog, inbox: Path) -> None:
    proc = subprocess.Popen([*COMMAND, "nightly", "--inbox", str(inbox), "--data-dir", str(data)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=at_a_terminal)
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
    again = campaign("nightly", "--inbox", str(inbox), "--data-dir", str(data))
    assert again.returncode == 0, again.stderr[-3000:]


def test_other_settings_other_code_or_no_runner_run_by_themselves(tmp_path, prefect_harness):
    with kept_runner(tmp_path, prefect_harness) as (data, warm_runs):
        env = {**os.environ, "PREFECT_LOGGING_LEVEL": "DEBUG"}   # a setting the runner's imports did not read
        status = campaign("status", "--data-dir", str(data), env=env)
        assert warm_runs() == [] and "no warehouse yet" in status.stderr
        off = campaign("status", "--data-dir", str(data), env={**os.environ, warm.OFF: "1"})
        assert warm_runs() == [] and off.returncode == 2
        elsewhere = campaign("status", "--data-dir", str(tmp_path / "another"))
        assert warm_runs() == [] and elsewhere.returncode == 2
        assert campaign("status", "--data-dir", str(data)).returncode == 2 and len(warm_runs()) == 1
        record = json.loads(warm.record_path(data).read_text(encoding="utf-8"))
        assert oct(os.stat(warm.record_path(data)).st_mode & 0o777) == "0o600"
        os.kill(record["pid"], signal.SIGKILL)   # the runner gone, its record left behind
        time.sleep(0.5)
        gone = campaign("status", "--data-dir", str(data))
        assert gone.returncode == 2 and "no warehouse yet" in gone.stderr and warm_runs() == []
