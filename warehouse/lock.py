"""One writer at a time: the run lock the warehouse owns.

DuckDB allows a single writer per file, and two nightly runs must never interleave. Every run
that writes (ingest, nightly, publish, reprocess) holds an exclusive flock on
<data-dir>/campaign.lock for its whole length. The kernel releases it when the process ends,
however it ends (even SIGKILL), so a crashed run never leaves a stale lock behind."""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from pathlib import Path

LOCK_FILE = "campaign.lock"


class RunInProgress(RuntimeError):
    """Another run holds the lock."""


class RunLock:
    """Re-entrant within one process: the nightly flow holds it while its sub-flows take it again."""
    _held: dict[Path, int] = {}

    def __init__(self, data_dir: Path, wait_seconds: float = 0.0, poll: float = 0.5):
        self.path = (Path(data_dir) / LOCK_FILE).resolve()
        self.wait_seconds = wait_seconds
        self.poll = poll
        self._fh = None

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    def __enter__(self) -> "RunLock":
        if self._held.get(self.path):
            self._held[self.path] += 1
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.close()
                    raise RunInProgress(f"another run is writing to {self.path.parent} ({self.holder()}); "
                                        f"it was not started twice — wait for it to finish, then rerun") from None
                time.sleep(self.poll)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}\n")
        fh.flush()
        self._fh = fh
        self._held[self.path] = 1
        return self

    def __exit__(self, *exc) -> None:
        self._held[self.path] -= 1
        if self._fh:
            self._fh.seek(0)
            self._fh.truncate()
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
