"""Leaving quickly and cleanly: a process that has imported Prefect, GX and pandas spends ~1 s
tearing its modules down at exit; exit_now does the shutdown work that matters, then leaves."""
from __future__ import annotations

import sys


class _NoDrainProgress:
    """Prefect's log and event workers, sending what is left at exit, say `Still processing items:
    N items remaining...` when the server is slow: after the command's last line (a failed night's
    one-line verdict), library noise. Their other warnings (a full queue dropping items) stay."""

    @staticmethod
    def filter(record) -> bool:
        return not record.getMessage().startswith("Still processing items")


def quiet_drain_progress() -> None:
    import logging

    for name in ("EventsWorker", "APILogWorker"):   # the loggers of prefect._internal.concurrency.services
        logging.getLogger(name).addFilter(_NoDrainProgress)


def exit_now(code: int, before_exit=None) -> None:
    """Shut down what matters (see run()), then leave at once; `before_exit()` runs just before."""
    import atexit
    import logging
    import os
    import threading

    shutdown = getattr(threading, "_shutdown", None)   # what the interpreter runs first at exit
    if shutdown is not None:
        shutdown()
    quiet_drain_progress()
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more can reach the reader
            pass
    if before_exit is not None:
        before_exit()
    os._exit(code)
