"""Reliability of whole runs: real ingest flows on a real Prefect test server, real DuckDB files,
real child processes killed with SIGKILL, a real second process holding the warehouse."""
from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import config_file, q
from tests.test_reliability_support import (
    OLD, REPO, company, drop, snapshot, to_bytes, tree_state, valid_bytes, workbook)
from tests.test_reliability_files import big_form2_workbook


def run_ingest(inbox: Path, data: Path):
    from flows.ingest import ingest_flow

    return ingest_flow(inbox=str(inbox), data_dir=str(data))


def child_env(tmp_path: Path) -> dict[str, str]:
    """Environment of a child pipeline process: same code, the test's Prefect server, its own home."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ)
    env.update(PREFECT_API_URL=PREFECT_API_URL.value(), PREFECT_HOME=str(tmp_path / "child-prefect-home"),
               PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""), PYTHONUNBUFFERED="1")
    return env


# --------------------------------------------------------------------------------------
# formula-like text reaches the warehouse verbatim, as text

FORMULA_LIKE = ['=HYPERLINK("http://evil.example/x","点我")', "=1+2", "+8613800000000贸易公司",
                "-减号商贸有限公司", "@SUM(A1:A9)公司"]


def test_formula_like_company_names_are_stored_verbatim(prefect_harness, tmp_path):
    box, data = tmp_path / "inbox", tmp_path / "data"
    drop(box, "市公安局", "市公安局.xlsx", valid_bytes(county=None, companies=[company(n) for n in FORMULA_LIKE]))
    result = run_ingest(box, data)
    assert [v.status for v in result.verdicts] == ["accepted"]
    db = data / "campaign.duckdb"
    stored = q(db, "SELECT company_name, typeof(company_name) FROM form2_rows ORDER BY row_no")
    assert stored == [(n, "VARCHAR") for n in FORMULA_LIKE]
    warned = q(db, "SELECT DISTINCT rule, severity FROM validation_issues WHERE rule = 'FORMULA_LIKE_TEXT'")
    assert warned == [("FORMULA_LIKE_TEXT", "warning")]


# --------------------------------------------------------------------------------------
# volume: 10,000 company rows, hidden rows and sheets, all loaded

def test_ten_thousand_rows_with_hidden_rows_and_sheets_are_all_loaded(prefect_harness, tmp_path):
    box, data = tmp_path / "inbox", tmp_path / "data"
    drop(box, "大通区", "大通区.xlsx", big_form2_workbook(10_000, hidden_rows=range(6, 2006)))
    result = run_ingest(box, data)
    assert [v.status for v in result.verdicts] == ["accepted"], [(i.rule, i.cell) for i in result.verdicts[0].errors][:5]
    db = data / "campaign.duckdb"
    assert q(db, "SELECT count(*), count(DISTINCT company_key), sum(amount)::VARCHAR FROM form2_rows") == \
        [(10_000, 10_000, "1005000.00")]
    assert q(db, "SELECT company_name FROM form2_rows WHERE row_no = 6") == [("安徽第00001号投资管理有限公司",)]  # a hidden row
    assert q(db, "SELECT count(*) FROM unit_stats WHERE unit = '大通区'") == [(24,)]        # from a hidden sheet
    assert q(db, "SELECT county FROM form3_rows") == [("大通区",)]                          # from a very hidden sheet


# --------------------------------------------------------------------------------------
# duplicates and resends

def test_duplicates_are_ignored_and_a_corrected_resend_supersedes(prefect_harness, tmp_path):
    box, data = tmp_path / "inbox", tmp_path / "data"
    db = data / "campaign.duckdb"
    first = valid_bytes(date=dt.date(2018, 7, 16), seed=1)
    drop(box, "大通区", "大通区.xlsx", first, mtime=OLD)
    drop(box, "大通区", "大通区 - 副本.xlsx", first, mtime=OLD + 60)       # the same bytes, same night
    r1 = run_ingest(box, data)
    assert {v.receipt.file_name: v.status for v in r1.verdicts} == {"大通区.xlsx": "accepted",
                                                                     "大通区 - 副本.xlsx": "duplicate"}

    drop(box, "大通区", "大通区(1).xlsx", first, mtime=OLD + 120)           # the same bytes, another night
    drop(box, "大通区", "大通区_更正.xlsx", valid_bytes(date=dt.date(2018, 7, 18), seed=2), mtime=OLD + 180)
    bad = workbook(date=dt.date(2018, 7, 19), companies=[company("安徽甲公司", cross="Y")])
    drop(box, "大通区", "大通区_再更正.xlsx", to_bytes(bad), mtime=OLD + 240)  # rejected: never replaces
    drop(box, "大通区", "大通区_旧稿.xlsx", valid_bytes(date=dt.date(2018, 7, 10), seed=3), mtime=OLD + 300)
    r2 = run_ingest(box, data)
    assert {v.receipt.file_name: v.status for v in r2.verdicts} == {
        "大通区(1).xlsx": "duplicate", "大通区_更正.xlsx": "accepted", "大通区_再更正.xlsx": "rejected",
        "大通区_旧稿.xlsx": "accepted"}
    assert q(db, "SELECT file_name, status, is_current, duplicate_of FROM submissions ORDER BY file_name") == sorted([
        ("大通区 - 副本.xlsx", "duplicate", False, "大通区/大通区.xlsx"),
        ("大通区(1).xlsx", "duplicate", False, "大通区/大通区.xlsx"),
        ("大通区.xlsx", "accepted", False, None),
        ("大通区_再更正.xlsx", "rejected", False, None),
        ("大通区_旧稿.xlsx", "accepted", False, None),          # later mtime, earlier footer date
        ("大通区_更正.xlsx", "accepted", True, None),
    ])
    assert q(db, "SELECT DISTINCT file_name FROM current_forms") == [("大通区_更正.xlsx",)]
    assert q(db, "SELECT count(*) FROM form1_rows") == [(24 * 3,)]     # each accepted file once, no doubles


# --------------------------------------------------------------------------------------
# the inbox is read, never written

def hostile_inbox(box: Path, outside: Path) -> None:
    same = valid_bytes()
    drop(box, "大通区", "大通区.xlsx", same)
    drop(box, "大通区", "大通区 副本.xlsx", same, mtime=OLD + 60)
    drop(box, "大通区", "~$大通区.xlsx", b"lock")
    drop(box, "大通区", ".~lock.大通区.xlsx#", b"lock")
    drop(box, "大通区", "下载中.xlsx.crdownload", b"PK\x03\x04partial")
    drop(box, "寿县", ("很长的文件名" * 12) + ".xlsx", valid_bytes(county="寿县"))
    drop(box, "寿县", "a..b..xlsx", b"")
    drop(box, "市公安局", "报表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)   # an OLE header and nothing else: a broken .xls
    drop(box, "某某局", "报表.xlsx", valid_bytes())
    drop(box, "", "放错位置.xlsx", valid_bytes())
    drop(outside, "谢家集区", "谢家集区.xlsx", valid_bytes(county="谢家集区"))
    (box / "大通区" / "链接.xlsx").symlink_to(outside / "谢家集区" / "谢家集区.xlsx")
    (box / "谢家集区").symlink_to(outside / "谢家集区", target_is_directory=True)
    os.mkfifo(box / "大通区" / "管道.xlsx")
    for p in box.rglob("*"):
        if not p.is_symlink() and p.is_dir():
            os.utime(p, (OLD, OLD))


def test_an_ingest_run_never_modifies_moves_or_deletes_inbox_files(prefect_harness, tmp_path):
    box, data, outside = tmp_path / "inbox", tmp_path / "data", tmp_path / "outside"
    hostile_inbox(box, outside)
    before, before_outside = tree_state(box), tree_state(outside)
    result = run_ingest(box, data)
    run_ingest(box, data)                                       # and a rerun
    assert tree_state(box) == before
    assert tree_state(outside) == before_outside
    statuses = {v.receipt.inbox_path: v.status for v in result.verdicts}
    assert statuses == {"大通区/大通区.xlsx": "accepted", "大通区/大通区 副本.xlsx": "duplicate",
                        f"寿县/{'很长的文件名' * 12}.xlsx": "accepted", "寿县/a..b..xlsx": "rejected",
                        "市公安局/报表.xls": "rejected", "某某局/报表.xlsx": "rejected", "放错位置.xlsx": "rejected"}
    assert dict(result.skips) == {"大通区/~$大通区.xlsx": "LOCK_FILE", "大通区/.~lock.大通区.xlsx#": "HIDDEN_FILE",
                                  "大通区/下载中.xlsx.crdownload": "TEMPORARY_FILE", "大通区/链接.xlsx": "SYMLINK",
                                  "谢家集区": "SYMLINK", "大通区/管道.xlsx": "NOT_A_FILE"}
    db = data / "campaign.duckdb"
    rules = dict(q(db, "SELECT file_name, rule FROM validation_issues WHERE severity = 'error'"))
    assert rules == {"a..b..xlsx": "UNREADABLE_FILE", "报表.xls": "UNREADABLE_FILE", "报表.xlsx": "UNKNOWN_UNIT",
                     "放错位置.xlsx": "UNKNOWN_UNIT"}
    # nothing from outside the inbox was read: 谢家集区's bytes are not in the warehouse or the archive
    outside_sha = __import__("hashlib").sha256((outside / "谢家集区" / "谢家集区.xlsx").read_bytes()).hexdigest()
    assert q(db, "SELECT count(*) FROM received_files WHERE sha256 = ?", (outside_sha,)) == [(0,)]
    archive = (data / "archive").resolve()
    for (rel, sha) in q(db, "SELECT archive_path, sha256 FROM received_files"):
        target = (data / rel).resolve()
        assert target.is_relative_to(archive) and target.name.split(".")[0] == sha
    assert not any(p.name.startswith(outside_sha) for p in archive.rglob("*"))


def test_a_file_that_cannot_be_copied_is_skipped_and_does_not_stop_the_others(prefect_harness, tmp_path, monkeypatch):
    import intake.archive as archive
    from intake.archive import FileChangedWhileReading

    box, data = tmp_path / "inbox", tmp_path / "data"
    drop(box, "大通区", "大通区.xlsx", valid_bytes())
    drop(box, "寿县", "寿县.xlsx", valid_bytes(county="寿县"))
    real = archive.archive_file

    def flaky(path, data_dir, **kw):
        if "寿县" in str(path):
            raise FileChangedWhileReading(f"{path} changed while it was read")
        return real(path, data_dir, **kw)
    monkeypatch.setattr(archive, "archive_file", flaky)
    result = run_ingest(box, data)
    assert [(v.receipt.unit, v.status) for v in result.verdicts] == [("大通区", "accepted")]
    assert ("寿县/寿县.xlsx", "STILL_WRITING") in result.skips
    monkeypatch.setattr(archive, "archive_file", real)
    again = run_ingest(box, data)                                 # picked up by the next run
    assert [(v.receipt.unit, v.status) for v in again.verdicts] == [("寿县", "accepted")]


# --------------------------------------------------------------------------------------
# SIGKILL in the middle of a load, then rerun: identical to a clean run

def crash_inbox(box: Path) -> int:
    """A night's inbox: accepted, rejected, duplicate and superseded files across many units."""
    n = 0
    counties = ["田家庵区", "大通区", "谢家集区", "八公山区", "潘集区", "凤台县", "寿县", "毛集实验区"]
    for i, county in enumerate(counties):
        companies = [company(f"{county}第{j}号投资有限公司") for j in range(1, 4)]
        drop(box, county, f"{county}.xlsx", valid_bytes(county=county, companies=companies, seed=i + 1), mtime=OLD + i)
        n += 1
    for i, dept in enumerate(["市公安局", "市商务局", "市教育局", "市民政局"]):
        companies = [company(f"{dept}线索{j}公司", cross="Y" if (i == 1 and j == 2) else "否") for j in range(1, 3)]
        drop(box, dept, f"{dept}.xlsx", valid_bytes(county=None, companies=companies, seed=i + 3), mtime=OLD + 20 + i)
        n += 1
    drop(box, "大通区", "大通区 - 副本.xlsx", (box / "大通区" / "大通区.xlsx").read_bytes(), mtime=OLD + 30)
    drop(box, "寿县", "寿县_更正.xlsx", valid_bytes(county="寿县", date=dt.date(2018, 7, 18), seed=9), mtime=OLD + 40)
    drop(box, "凤台县", "凤台县.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, mtime=OLD + 41)
    return n + 3


CRASH_DRIVER = r"""
import os, sys, time
from support import runtime
runtime.configure()
from warehouse import db
real_connect, commits = db.connect, [0]


class Paused:
    # test hook, this process only: every warehouse connection of the run goes through it; the
    # k-th COMMIT stops the process just before it, every statement of that transaction done
    def __init__(self, con):
        self._con = con

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args, **kwargs):
        if isinstance(sql, str) and sql.strip().upper().startswith("COMMIT"):
            commits[0] += 1
            if commits[0] == int(os.environ["PAUSE_AT_COMMIT"]):
                with open(os.environ["MARK"], "w") as fh:
                    fh.write("inside a load transaction, before its COMMIT")
                time.sleep(600)
        return self._con.execute(sql, *args, **kwargs)


def connect(*args, **kwargs):
    return Paused(real_connect(*args, **kwargs))


db.connect = connect
from flows.ingest import ingest_flow
ingest_flow(inbox=sys.argv[1], data_dir=sys.argv[2], config_path=sys.argv[3])
print("COMPLETED")
"""


def small_batches_config(tmp_path: Path, batch_files: int = 3) -> Path:
    """The packaged config with small load batches: a run commits several batches, so a kill lands
    between committed and uncommitted files."""
    return config_file(tmp_path, "config-small-batches.toml", keys={"batch_files": batch_files})


def consistent(db: Path) -> None:
    """Every recorded file is whole: an accepted file's counted forms have all their rows."""
    if q(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_state'") == [(0,)]:
        return   # killed before its schema was committed (all of it or none): nothing recorded yet
    partial = q(db, """
        SELECT sf.unit, sf.sha256, sf.form, sf.row_count,
               CASE sf.form WHEN '附件1' THEN (SELECT count(*) FROM form1_rows r WHERE r.unit = sf.unit AND r.sha256 = sf.sha256)
                            WHEN '附件2' THEN (SELECT count(*) FROM form2_rows r WHERE r.unit = sf.unit AND r.sha256 = sf.sha256)
                            ELSE (SELECT count(*) FROM form3_rows r WHERE r.unit = sf.unit AND r.sha256 = sf.sha256) END AS loaded
        FROM submission_forms sf JOIN received_files rf USING (unit, sha256)
        WHERE rf.status = 'accepted' AND sf.counts""")
    assert [p for p in partial if p[3] != p[4]] == []
    orphans = q(db, """SELECT count(*) FROM (SELECT unit, sha256 FROM submission_forms UNION ALL
                                                  SELECT unit, sha256 FROM form1_rows UNION ALL
                                                  SELECT unit, sha256 FROM form2_rows) x
                           WHERE NOT EXISTS (SELECT 1 FROM received_files rf WHERE rf.unit = x.unit AND rf.sha256 = x.sha256)""")
    assert orphans == [(0,)]


@pytest.fixture(scope="module")
def crash_case(tmp_path_factory):
    box = tmp_path_factory.mktemp("crash") / "inbox"
    files = crash_inbox(box)
    return box, files


@pytest.fixture(scope="module")
def clean_run(crash_case, tmp_path_factory, prefect_harness):
    box, files = crash_case
    data = tmp_path_factory.mktemp("clean") / "data"
    result = run_ingest(box, data)
    assert len(result.verdicts) == files
    return snapshot(data / "campaign.duckdb")


def test_sigkill_inside_a_load_transaction_then_rerun_equals_a_clean_run(crash_case, clean_run, tmp_path):
    box, files = crash_case
    data, mark = tmp_path / "data", tmp_path / "paused"
    config = small_batches_config(tmp_path)
    env = child_env(tmp_path) | {"PAUSE_AT_COMMIT": "5", "MARK": str(mark)}   # schema, registry, 2 batches, then stop
    proc = subprocess.Popen([sys.executable, "-c", CRASH_DRIVER, str(box), str(data), str(config)], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while not mark.exists():
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the child never reached the load"
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)                        # mid-transaction, no clean-up of any kind
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    db = data / "campaign.duckdb"
    loaded = q(db, "SELECT count(*) FROM received_files")[0][0]
    assert 0 < loaded < files                                    # some files were committed, the rest not
    consistent(db)                                               # and the interrupted one left nothing behind

    rerun = run_ingest(box, data)
    assert rerun.counts()["known"] == loaded and len(rerun.verdicts) == files - loaded
    assert snapshot(db) == clean_run
    consistent(db)


def test_sigkill_at_random_moments_of_real_cli_runs_then_rerun_equals_a_clean_run(crash_case, clean_run, tmp_path):
    """`campaign ingest` (python -m cli.main) killed at random times, restarted each time."""
    box, files = crash_case
    data = tmp_path / "data"
    env = child_env(tmp_path)
    cmd = [sys.executable, "-m", "cli.main", "ingest", "--inbox", str(box), "--data-dir", str(data),
           "--config", str(small_batches_config(tmp_path))]
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    kills = 0
    for attempt in range(3):
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=rng.uniform(2.0, 9.0))   # a full run takes ~8-10 s
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
        db = data / "campaign.duckdb"
        if db.exists():
            consistent(db)
    final = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-3000:]
    assert snapshot(data / "campaign.duckdb") == clean_run, f"CRASH_SEED={seed}"
    print(f"{kills} of 3 runs killed (CRASH_SEED={seed} reproduces the kill times)")


# --------------------------------------------------------------------------------------
# the warehouse held by another process

HOLDER = r"""
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS held_by_another (x INTEGER)")
con.execute("INSERT INTO held_by_another VALUES (42)")
print("holding", flush=True)
if sys.argv[2] == "until-released":
    sys.stdin.readline()        # the test says when (release()): no race with how fast the run starts
else:
    time.sleep(float(sys.argv[2]))
con.close()
"""


def fast_backoff_config(tmp_path: Path) -> Path:
    """The packaged config with one quick retry on a held warehouse (the default waits 5 + 10 + 20 s)."""
    return config_file(tmp_path, "fast-backoff.toml", keys={"retry_delay_seconds": 0.2, "retries": 1})


def hold(db: Path, seconds: float | None) -> subprocess.Popen:
    """A process holding the warehouse for `seconds`, or (None) until release(proc)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), "until-released" if seconds is None else str(seconds)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def release(proc: subprocess.Popen) -> None:
    """Let a hold(..., None) holder close the warehouse and end."""
    if proc.poll() is None:
        proc.stdin.write("release\n")
        proc.stdin.flush()


def test_busy_warehouse_fails_with_a_clear_message_after_retrying(tmp_path):
    from warehouse import db

    path = tmp_path / "data" / "campaign.duckdb"
    holder = hold(path, 30)
    try:
        t = time.monotonic()
        with pytest.raises(db.WarehouseBusy, match="locked by another process") as exc:
            db.connect(path, attempts=3, wait=0.2)
        assert time.monotonic() - t >= 0.6 - 0.05                 # it waited 0.2 + 0.4 before giving up
        msg = str(exc.value)
        assert "locked by another process" in msg and str(path) in msg and "\n" not in msg
    finally:
        holder.kill()
        holder.wait()


def test_busy_warehouse_is_retried_and_used_once_released_intact(tmp_path):
    from warehouse import db

    path = tmp_path / "data" / "campaign.duckdb"
    holder = hold(path, 1.5)
    con = db.connect(path, attempts=6, wait=0.5)                  # 0.5 + 1 + 2: outlasts the holder
    try:
        assert con.execute("SELECT x FROM held_by_another").fetchall() == [(42,)]
    finally:
        con.close()
    assert holder.wait(timeout=10) == 0


def test_ingest_waits_for_a_busy_warehouse_and_then_runs(prefect_harness, tmp_path):
    box, data = tmp_path / "inbox", tmp_path / "data"
    drop(box, "大通区", "大通区.xlsx", valid_bytes())
    run_ingest(box, data)                                          # the warehouse exists
    drop(box, "寿县", "寿县.xlsx", valid_bytes(county="寿县"))
    holder = hold(data / "campaign.duckdb", 2.0)
    try:
        result = run_ingest(box, data)
    finally:
        holder.wait(timeout=30)
    assert [(v.receipt.unit, v.status) for v in result.verdicts] == [("寿县", "accepted")]
    assert q(data / "campaign.duckdb", "SELECT x FROM held_by_another") == [(42,)]


def test_cli_reports_a_busy_warehouse_in_one_line_without_a_traceback(prefect_harness, tmp_path):
    box, data = tmp_path / "inbox", tmp_path / "data"
    drop(box, "大通区", "大通区.xlsx", valid_bytes())
    holder = hold(data / "campaign.duckdb", 60)
    try:
        proc = subprocess.run([sys.executable, "-m", "cli.main", "ingest", "--inbox", str(box), "--data-dir", str(data),
                               "--config", str(fast_backoff_config(tmp_path))],
                              env=child_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in (proc.stderr + proc.stdout).splitlines() if "locked" in line]
    assert len(lines) == 1, proc.stderr[-2000:]
