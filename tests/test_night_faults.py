"""Issue 14, faults of the night built for real: a full disk (a small tmpfs), parse workers whose
parent is SIGKILLed, a file rewritten in place between the scan and the archive copy.
Real files, real processes; no mock of DuckDB or Prefect."""
from __future__ import annotations

import datetime as dt
import os
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

    with pytest.raises(FileChangedWhileReading) as exc:
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
    from flows.parallel import _pool

    def main():
        pool = _pool(2)
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
