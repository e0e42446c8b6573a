"""Child processes of a run: they never outlive it, and never run the caller's script again.

Used by the parse pool (flows.parallel) and the validation child (expectations.background).
No Prefect, pandas or GX import here: child processes import this module first.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager


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
