"""The validating child process's side (a hand run's child, expectations.background, or the warm
validator of `campaign serve`, expectations.shared): set itself up, import GX before the first batch,
answer each batch with runner.validate_here.

No Prefect, pandas or GX import at module level: a child imports this module first."""
from __future__ import annotations

from support.processes import die_with_parent


def validator_process(parent_pid: int) -> None:
    """Set-up of a validating child (this one, or expectations.shared's): it dies with its parent,
    leaves Ctrl-C to the parent (which kills it), and keeps tqdm from leaving a semaphore behind."""
    import signal
    import threading

    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from tqdm import tqdm

    # GX's (disabled) progress bars would make tqdm create a multiprocessing lock, which a killed
    # child leaves behind ("resource_tracker: ... leaked semaphore" at the end of the run)
    tqdm.set_lock(threading.RLock())


def prepared() -> None:
    """Import GX and create its context before the first batch arrives; a failure here shows up,
    the same, in the first validation."""
    from expectations import runner   # GX and pandas: imported in the child, after it has started

    try:
        runner.prepare()
    except Exception:
        pass


def answer(batches: dict, sum_tolerance: float) -> tuple[str, object]:
    """("ok", findings) or ("failed", "Type: message"): the caller then validates again itself,
    and raises it there with its real traceback."""
    from expectations import runner   # GX and pandas: imported in the child, after it has started

    try:
        return "ok", runner.validate_here(batches, sum_tolerance)
    except Exception as exc:
        return "failed", f"{type(exc).__name__}: {exc}"


def serve(conn, parent_pid: int) -> None:
    """The child: import GX and create its context before the first batch arrives, then answer."""
    validator_process(parent_pid)
    prepared()
    while True:
        try:
            batches, sum_tolerance = conn.recv()
        except (EOFError, OSError):
            return   # the parent is done
        conn.send(answer(batches, sum_tolerance))
