"""Child processes of a run: they never outlive it, and never run the caller's script again; and
the records by which hand runs find the processes `campaign serve` keeps.

Used by the parse pool (flows.parallel), the validation child (expectations.background), the
shared validator (expectations.shared) and the warm start (cli.warm).
No Prefect, pandas or GX import here: child processes import this module first.
"""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path


def die_with_parent(parent_pid: int) -> None:
    """Initializer of a child process: it never outlives the flow's process. PR_SET_PDEATHSIG (Linux) kills it
    when its parent (the forkserver) goes; a watch thread covers the flow's process itself being
    killed (SIGKILL: no clean-up of the pool runs) and the systems without prctl."""
    import ctypes
    import signal
    import threading
    import time

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)     # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(1.0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@contextmanager
def main_not_reimported():
    """multiprocessing imports the caller's __main__ again in every spawned or forkserver worker: a
    script calling the flow without an `if __name__ == "__main__":` guard would run again in each.
    The workers need nothing from __main__, so it is hidden while they start."""
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        if "__file__" in saved:
            del main.__dict__["__file__"]
        if "__spec__" in saved:
            main.__dict__["__spec__"] = None
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)


def write_private_record(path: Path, record: dict) -> None:
    """The address of a process that serve keeps for hand runs (a validator's key, a runner's
    socket), as JSON readable by this user only (mode 0600 from creation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh)
