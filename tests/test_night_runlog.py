"""Every run leaves exactly one `runs` row with its true outcome, however it ends; `campaign status`
and `runs` read the warehouse's run log (not the snapshot); `status --check` is a watchdog; a
publish is all-or-nothing; leftovers of killed runs are removed. Real CLI runs, real kills."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import prefect  # noqa: F401  imported at collection: Prefect's console handler must not bind to a test's capsys stream

from tests import helpers
from tests.helpers import config_file, q
from tests.test_night_names import county_bytes
from tests.test_operations import small_inbox
from tests.test_reliability_flow import child_env, fast_backoff_config, hold, release
from tests.test_reliability_support import drop


class Console:
    """stdout/stderr of in-process CLI calls (not capsys: Prefect's console handler may bind to the
    stream it finds, and capsys closes its stream after the test)."""
    def __init__(self):
        self.out, self.err = "", ""

    def readouterr(self):
        out, err, self.out, self.err = self.out, self.err, "", ""
        return type("Captured", (), {"out": out, "err": err})


CONSOLE = Console()


def cli(*argv) -> int:
    rc, out, err = helpers.cli(*argv)
    CONSOLE.out += out
    CONSOLE.err += err
    return rc


def test_a_failed_night_is_visible_in_status_runs_and_check(prefect_harness, tmp_path):
    capsys = CONSOLE
    capsys.readouterr()
    inbox, data = small_inbox(tmp_path), tmp_path / "data"
    assert cli("nightly", "--inbox", str(inbox), "--data-dir", str(data), "--date", "2018-07-21") == 0
    assert cli("status", "--check", "--data-dir", str(data)) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("OK: last run nightly completed")
    # the snapshot copy of the run's row says completed too (recorded after the snapshot, written into it)
    assert q(data / "analytics.duckdb", "SELECT outcome FROM run_log") == [("completed",)]
    snap_finished = q(data / "analytics.duckdb", "SELECT finished_at FROM run_log")
    assert q(data / "campaign.duckdb", "SELECT finished_at FROM run_log") == snap_finished

    # a run failing before any file is read: the inbox folder is missing
    assert cli("nightly", "--inbox", str(tmp_path / "gone"), "--data-dir", str(data)) == 2
    capsys.readouterr()
    assert cli("status", "--data-dir", str(data), "--date", "2018-07-22") == 0
    out = capsys.readouterr().out
    assert "last run: nightly" in out and ", failed" in out and "no such folder" in out, out
    assert "last completed run: nightly finished" in out
    assert cli("query", "SELECT outcome, message FROM runs", "--data-dir", str(data)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[0] == "failed" and out[2].split()[0] == "completed"     # newest first, live
    assert cli("status", "--check", "--data-dir", str(data)) == 1
    err = capsys.readouterr().err
    assert err.startswith("CHECK FAILED: the last run (nightly") and "failed" in err and err.count("\n") == 1
    # the snapshot was not refreshed by the failed run (it still shows one run only)
    assert len(q(data / "analytics.duckdb", "SELECT * FROM run_log")) == 1
    assert len(q(data / "campaign.duckdb", "SELECT * FROM run_log")) == 2


def test_check_fails_when_no_run_completed_in_the_window(tmp_path):
    from warehouse import runlog

    data = tmp_path / "data"
    ok, line = runlog.check(data, runlog.utcnow(), 26)
    assert not ok and "no run recorded" in line
    from warehouse import db

    con = db.connect(db.warehouse_path(data))
    db.init_schema(con)
    old = runlog.utcnow() - dt.timedelta(hours=30)
    con.execute("INSERT INTO run_log (run_id, flow, started_at, finished_at, outcome) VALUES ('r1', 'nightly', ?, ?, 'completed')",
                [old, old + dt.timedelta(minutes=1)])
    con.close()
    ok, line = runlog.check(data, runlog.utcnow(), 26)
    assert not ok and "no run completed in the last 26 h" in line
    assert runlog.check(data, runlog.utcnow(), 48)[0]


def test_a_killed_run_is_closed_as_interrupted_by_the_next_and_its_leftovers_removed(prefect_harness, tmp_path):
    inbox, data = small_inbox(tmp_path), tmp_path / "data"
    for i in range(30):   # enough files that the kill lands mid-run
        drop(inbox, "寿县", f"补报{i:02d}.xlsx", county_bytes("寿县", seed=i + 5))
    child = subprocess.Popen([sys.executable, "-m", "cli.main", "nightly", "--inbox", str(inbox),
                              "--data-dir", str(data), "--date", "2018-07-21"], env=child_env(tmp_path),
                             cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not (data / "archive").exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)   # the run's row is written before the archive stage starts
    child.send_signal(signal.SIGKILL)
    child.wait()
    # what a killed publish leaves behind, wherever it was
    for leftover in (data / "receipts" / "寿县" / ".abc.tmp", data / "publish" / ".latest.tmp", data / "analytics.duckdb.tmp"):
        leftover.parent.mkdir(parents=True, exist_ok=True)
        leftover.write_bytes(b"half")
    assert q(data / "campaign.duckdb", "SELECT outcome FROM run_log") == [("running",)]
    assert cli("nightly", "--inbox", str(inbox), "--data-dir", str(data), "--date", "2018-07-21") == 0
    outcomes = q(data / "campaign.duckdb", "SELECT outcome, message FROM run_log ORDER BY started_at")
    assert [o for o, _ in outcomes] == ["interrupted", "completed"]
    assert "closed by the next run" in outcomes[0][1]
    assert not [p for p in data.rglob("*.tmp")]


def test_a_run_refused_by_a_held_warehouse_still_leaves_its_row(prefect_harness, tmp_path):
    capsys = CONSOLE
    capsys.readouterr()
    inbox, data = tmp_path / "inbox", tmp_path / "data"
    drop(inbox, "大通区", "大通区.xlsx", county_bytes("大通区"))
    assert cli("nightly", "--inbox", str(inbox), "--data-dir", str(data), "--date", "2018-07-21") == 0
    cfg = fast_backoff_config(tmp_path)
    holder = hold(data / "campaign.duckdb", 60)
    try:
        assert cli("nightly", "--inbox", str(inbox), "--data-dir", str(data), "--config", str(cfg)) == 2
        err = capsys.readouterr().err
        [line] = [x for x in err.splitlines() if x.startswith("campaign nightly:")]   # one line, the holder named
        assert "locked by another process (pid" in line and "Traceback" not in err
        assert cli("status", "--check", "--data-dir", str(data)) == 1                 # pending row, read meanwhile
        assert "warehouse held" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    assert cli("nightly", "--inbox", str(inbox), "--data-dir", str(data), "--date", "2018-07-21") == 0
    outcomes = q(data / "campaign.duckdb", "SELECT outcome, message FROM run_log ORDER BY started_at")
    assert [o for o, _ in outcomes] == ["completed", "failed", "completed"]
    assert outcomes[1][1].startswith("warehouse held: WarehouseBusy")
    assert not list((data / "runs-pending").glob("*.json"))


def test_prepare_waits_for_a_held_warehouse_with_logged_back_off(prefect_harness, tmp_path, caplog):
    from flows.ingest import ingest_flow

    inbox, data = tmp_path / "inbox", tmp_path / "data"
    drop(inbox, "大通区", "大通区.xlsx", county_bytes("大通区"))
    ingest_flow(inbox=str(inbox), data_dir=str(data))
    cfg = config_file(tmp_path, "c.toml", keys={"retry_delay_seconds": 1})
    drop(inbox, "寿县", "寿县.xlsx", county_bytes("寿县"))
    # held until the prepare step has logged its first back-off (then released): however slow the
    # run is to start, it meets a held warehouse, and one retry later a free one (1 + 2 + 4 s budget)
    holder = hold(data / "campaign.duckdb", None)
    backed_off = threading.Event()

    def release_after_the_back_off():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and holder.poll() is None:
            if any("held by another process; retrying in" in r.getMessage() for r in list(caplog.records)):
                backed_off.set()
                break
            time.sleep(0.05)
        release(holder)

    watcher = threading.Thread(target=release_after_the_back_off, daemon=True)
    try:
        with caplog.at_level("WARNING"):
            watcher.start()
            result = ingest_flow(inbox=str(inbox), data_dir=str(data), config_path=str(cfg))
    finally:
        release(holder)
        watcher.join(timeout=30)
        holder.wait(timeout=30)
    assert backed_off.is_set()
    assert [(v.receipt.unit, v.status) for v in result.verdicts] == [("寿县", "accepted")]
    assert any("held by another process; retrying in" in r.getMessage() for r in caplog.records)
    assert q(data / "campaign.duckdb", "SELECT flow, outcome FROM run_log ORDER BY started_at") == [
        ("ingest", "completed"), ("ingest", "completed")]


def test_publish_is_all_or_nothing(prefect_harness, tmp_path):
    """A receipt that cannot be written (its folder is a file): neither latest.xlsx nor the dated
    summary nor any receipt nor the snapshot is replaced, and the message says so."""
    from flows.nightly import nightly_flow

    inbox, data = small_inbox(tmp_path), tmp_path / "data"
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    before = {p.relative_to(data): p.read_bytes() for p in (data / "publish").iterdir()}
    before_receipts = {p.relative_to(data): p.stat().st_mtime_ns for p in (data / "receipts").rglob("*.html")}
    snap = (data / "analytics.duckdb").stat().st_mtime_ns
    drop(inbox, "八公山区", "八公山区.xlsx", county_bytes("八公山区", seed=9))
    (data / "receipts" / "八公山区").write_text("not a folder")
    import pytest

    from publish.files import PublishFailed

    with pytest.raises(PublishFailed, match="None of tonight's outputs was replaced") as exc:
        nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-22")
    msg = str(exc.value)
    assert "None of tonight's outputs was replaced" in msg and "\n" not in msg
    assert {p.relative_to(data): p.read_bytes() for p in (data / "publish").iterdir()} == before
    assert {p.relative_to(data): p.stat().st_mtime_ns for p in (data / "receipts").rglob("*.html")} == before_receipts
    assert (data / "analytics.duckdb").stat().st_mtime_ns == snap
    assert not [p for p in data.rglob("*.tmp")]
    assert q(data / "campaign.duckdb", "SELECT outcome FROM run_log ORDER BY started_at") == [("completed",), ("failed",)]
