"""Issue 14, faults of the night built for real: a full disk (a small tmpfs), parse workers whose
parent is SIGKILLed, a file rewritten in place between the scan and the archive copy.
Real files, real processes; no mock of DuckDB or Prefect."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from campaign.config import load_config
from tests.test_reliability_support import REPO, drop, valid_bytes

INTAKE = load_config().intake


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# --------------------------------------------------------------------------------------
# 3. the settle check holds against an in-place rewrite after the scan

def test_a_file_rewritten_in_place_after_the_scan_is_still_writing_and_not_archived(tmp_path):
    from intake.archive import FileChangedWhileReading, archive_file, archive_skip_reason
    from intake.scan import scan_inbox

    box, data_dir = tmp_path / "inbox", tmp_path / "data"
    first = valid_bytes(seed=1)
    path = drop(box, "大通区", "大通区.xlsx", first)
    found, skips = scan_inbox(box, INTAKE, _now())
    assert skips == [] and [f.inbox_path for f in found] == ["大通区/大通区.xlsx"]
    f = found[0]
    assert f.size == len(first) and f.mtime_ns == os.stat(path).st_mtime_ns

    # rewritten in place (same inode, other bytes, other size and mtime) after the scan
    second = valid_bytes(seed=2, companies=None) + b"\0" * 777
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    os.write(fd, second[: len(second) // 2])     # half-written, as the issue saw it
    os.close(fd)
    os.utime(path, ns=(f.mtime_ns + 5_000_000_000, f.mtime_ns + 5_000_000_000))
    assert os.stat(path).st_size != f.size

    with pytest.raises(FileChangedWhileReading, match="changed since the scan") as exc:
        archive_file(f.path, data_dir, expected=(f.size, f.mtime_ns))
    assert archive_skip_reason(exc.value) == "STILL_WRITING"
    archived = [p for p in (data_dir / "archive").rglob("*") if p.is_file()]
    assert archived == [], archived                       # nothing archived, no temporary left

    # the writer finishes; the next scan sees the new size and mtime; the archived bytes are those
    path.write_bytes(second)
    later = os.stat(path).st_mtime_ns
    found2, _ = scan_inbox(box, INTAKE, _now() + dt.timedelta(seconds=float(INTAKE["settle_seconds"]) + 1))
    g = found2[0]
    assert (g.size, g.mtime_ns) == (len(second), later)
    sha, rel = archive_file(g.path, data_dir, expected=(g.size, g.mtime_ns))
    target = data_dir / rel
    assert target.read_bytes() == second and target.stat().st_size == g.size


# --------------------------------------------------------------------------------------
# 2. parse workers die with their parent

CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {repo!r})
    from flows.parallel import worker_pool

    def main():
        pool = worker_pool(2)
        futures = [pool.submit(os.getpid) for _ in range(8)]
        [f.result() for f in futures]
        pids = sorted(p.pid for p in pool._processes.values())
        print("WORKERS", *pids, flush=True)
        time.sleep(600)

    if __name__ == "__main__":
        main()
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")        # a zombie has died (its reaper may be slow)


def test_parse_workers_die_when_the_flow_process_is_killed(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(repo=str(REPO)), encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=str(REPO), start_new_session=True)
    workers: list[int] = []
    try:
        line = child.stdout.readline()
        assert line.startswith("WORKERS"), (line, child.stderr.read() if child.poll() is not None else "")
        workers = [int(p) for p in line.split()[1:]]
        assert workers and all(_alive(p) for p in workers)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        survivors = [p for p in workers if _alive(p)]
        assert survivors == [], f"parse workers {survivors} outlived their SIGKILLed parent {child.pid}"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        for p in workers:           # never leave a stray worker behind, whatever the assertion said
            try:
                os.kill(p, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        child.stdout.close()
        child.stderr.close()


# --------------------------------------------------------------------------------------
# 1. a full disk: named in one line, never blamed on the units' files; the rerun completes

@pytest.fixture
def small_disk(tmp_path):
    """A 40 MB tmpfs (the warehouse and its snapshot take about 6 MB each) for the data dir (root only); unmounted afterwards."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    try:
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mnt)],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"a small tmpfs is needed for the disk-full test and mount could not run: {exc}")
    if res.returncode != 0:
        pytest.skip(f"a small tmpfs is needed for the disk-full test (mount -t tmpfs needs root): "
                    f"{(res.stderr or res.stdout).strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True, timeout=20)


@pytest.fixture(scope="module")
def first_night(prefect_harness, tmp_path_factory) -> Path:
    """A completed night over the small inbox (inbox/, data/), run once for the module."""
    from flows.nightly import nightly_flow
    from tests.test_operations import small_inbox

    root = tmp_path_factory.mktemp("first-night")
    nightly_flow(inbox=str(small_inbox(root)), data_dir=str(root / "data"), date="2018-07-21")
    return root


def _nightly(inbox: Path, data: Path, env: dict, date: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", "nightly", "--inbox", str(inbox),
                           "--data-dir", str(data), "--date", date],
                          capture_output=True, text=True, env=env, cwd=str(REPO), timeout=300)


def _free(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


@pytest.mark.parametrize("pad, leave_kb", [(0, 16), (2_000_000, 1200)], ids=["warehouse-fills", "archive-fills"])
def test_a_full_disk_fails_the_night_in_one_line_and_the_rerun_completes(small_disk, first_night, tmp_path,
                                                                         pad, leave_kb):
    """warehouse-fills: a few KB left, the warehouse's WAL cannot be written; archive-fills: big new
    files (incompressible padding) do not fit in the archive, while the run log's writes do."""
    from tests.helpers import q
    from tests.test_reliability_support import rewrite_zip
    from tests.test_reliability_flow import child_env

    env = child_env(tmp_path)
    inbox, data = tmp_path / "inbox", small_disk / "data"
    for src, dst in ((first_night / "inbox", inbox), (first_night / "data", data)):   # the night before, on this disk
        shutil.copytree(src, dst, copy_function=shutil.copy2)

    # new submissions arrive; the disk is nearly full (a ballast file leaves a few KB)
    for i, county in enumerate(("凤台县", "潘集区", "谢家集区")):
        body = valid_bytes(county=county, seed=10 + i)
        if pad:
            body = rewrite_zip(body, {}, add={"xl/media/pad.bin": os.urandom(pad)})
        drop(inbox, county, f"{county}.xlsx", body)
    ballast = small_disk / "ballast.bin"
    with open(ballast, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    os.truncate(ballast, max(0, ballast.stat().st_size - leave_kb * 1024))
    assert _free(small_disk) < (leave_kb + 64) * 1024

    failed = _nightly(inbox, data, env, "2018-07-22")
    told = failed.stdout + failed.stderr
    assert failed.returncode != 0, told[-3000:]
    # Prefect's events worker may still print its drain progress ("Still processing items") from its
    # own thread after the command's verdict on a loaded machine: that is not the command's line
    last = [ln for ln in failed.stderr.strip().splitlines() if "EventsWorker - Still processing items" not in ln][-1]
    assert last.startswith("campaign nightly: "), failed.stderr[-3000:]
    assert "disk full" in last and "No space left on device" in last, last
    assert "READ_ERROR" not in told, told[-3000:]              # a data-dir fault is not a unit's file problem
    if pad:
        assert "archive" in last, last                           # it failed where the disk filled: the archive copy
    assert "no transaction is active" not in last and "internal error" not in last, last

    ballast.unlink()
    rerun = _nightly(inbox, data, env, "2018-07-22")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    runs = q(data / "campaign.duckdb", "SELECT outcome, message FROM run_log ORDER BY started_at")
    assert [r[0] for r in runs] == ["completed", "failed", "completed"], runs
    assert "disk full" in runs[1][1] and "No space left on device" in runs[1][1], runs[1]
    assert not list((data / "runs-pending").glob("*.json")) if (data / "runs-pending").exists() else True
    assert q(data / "campaign.duckdb", "SELECT count(*) FROM inbox_skips WHERE reason = 'READ_ERROR'") == [(0,)]
    units = {u for (u,) in q(data / "campaign.duckdb", "SELECT DISTINCT unit FROM received_files")}
    assert {"凤台县", "潘集区", "谢家集区"} <= units, units


AHEAD = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {repo!r})
    from multiprocessing import forkserver
    from flows.parallel import NIGHT_PRELOAD, start_fork_server, worker_pool

    def main():
        start_fork_server()
        server = forkserver._forkserver._forkserver_pid
        start_fork_server()   # again: the same server
        assert forkserver._forkserver._forkserver_pid == server
        loaded = "sorted(m for m in __import__('sys').modules if m in %r)" % NIGHT_PRELOAD
        with worker_pool(2) as pool:
            parents = {{pool.submit(os.getppid).result() for _ in range(4)}}
            preloaded = pool.submit(eval, loaded).result() == sorted(NIGHT_PRELOAD)   # before any task of ours
        print("SERVER", server, "PARENTS", *sorted(parents), "PRELOAD", preloaded)

    if __name__ == "__main__":
        main()
""")


def test_the_fork_server_started_ahead_is_the_one_the_pools_fork_from(tmp_path):
    """ingest starts the fork server once a big night is scanned (its imports overlap the archive):
    it preloads every pool's modules, and the pools' workers are its children."""
    script = tmp_path / "ahead.py"
    script.write_text(AHEAD.format(repo=str(REPO)), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    words = out.stdout.split()
    server, parents = words[1], words[3:words.index("PRELOAD")]
    assert parents == [server] and words[-1] == "True"
