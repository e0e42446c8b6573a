"""Retries with back-off for transient faults, and only for them.

Transient: the summary workbook (latest.xlsx) is open in someone's Excel or briefly locked by
a virus scanner or a file share, the warehouse file is held by another process
(`warehouse.db.WarehouseBusy`). Those tasks are retried `[operations] retries` times after
`retry_delay_seconds`, then twice that, and so on (exponential back-off), and each retry is
logged with what is retried and why.

Never retried: bad data (a rejected file is a verdict, not an exception), bugs, and permanent
faults of the file system — disk full, quota exceeded, read-only file system, a publish
folder nobody may write to. Those fail the run at once, with a clear message.

The retry policy is read when the flows are imported, from $CAMPAIGN_CONFIG or the packaged
campaign/config.toml.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

from prefect.tasks import exponential_backoff

from campaign.config import load_config
from support.run_context import run_logger
from warehouse.faults import WarehouseBusy

DEFAULT_RETRIES = 3
DEFAULT_DELAY_SECONDS = 5.0

# Errors a moment later may cure: the file is locked, busy, or the call was interrupted.
_BUSY = {errno.EBUSY, errno.ETXTBSY, errno.EAGAIN, errno.EINTR}
_DENIED = {errno.EACCES, errno.EPERM}
_WINDOWS_SHARING = {32, 33}          # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION (file open in Excel)


def _folder(exc: OSError) -> Path | None:
    name = exc.filename2 or exc.filename
    if not name:
        return None
    path = Path(os.fsdecode(name))
    return path if path.is_dir() else path.parent


def transient_reason(exc: BaseException) -> str | None:
    """Why `exc` is worth retrying, or None when it is not (bad data, bugs, disk full, read-only folder)."""
    if isinstance(exc, WarehouseBusy):
        return "the warehouse is locked by another process"
    if not isinstance(exc, OSError):
        return None
    if getattr(exc, "winerror", None) in _WINDOWS_SHARING:
        return "the file is open in another program (Excel?)"
    if exc.errno in _DENIED:
        folder = _folder(exc)
        if folder is not None and folder.exists() and not os.access(folder, os.W_OK):
            return None            # the folder itself is read-only: waiting will not help
        return "the file is locked or not writable (open in Excel?)"
    if exc.errno in _BUSY:
        return "the file is busy"
    return None


def retry_transient(task, task_run, state) -> bool:
    """Prefect `retry_condition_fn`: retry transient faults only, and say what and why."""
    try:
        state.result()
        return False
    except Exception as exc:   # the task's own exception
        reason = transient_reason(exc)
        attempt = getattr(task_run, "run_count", 0) or 1
        if reason is None:
            run_logger("campaign.retries").error("%s failed (%s: %s); not a transient fault, so it is not retried",
                         task.name, type(exc).__name__, exc)
            return False
        run_logger("campaign.retries").warning("%s failed: %s (%s: %s); retrying with back-off (attempt %d of %d failed)",
                       task.name, reason, type(exc).__name__, exc, attempt, task.retries + 1)
        return True


def operations_policy(config=None) -> tuple[int, float]:
    """(retries, first delay in seconds) from the config's [operations] section."""
    if config is None:
        try:
            config = load_config()
        except Exception:
            return DEFAULT_RETRIES, DEFAULT_DELAY_SECONDS
    ops = config.operations
    return int(ops.get("retries", DEFAULT_RETRIES)), float(ops.get("retry_delay_seconds", DEFAULT_DELAY_SECONDS))


def transient_retries(config=None) -> dict[str, Any]:
    """Keyword arguments for `@task(...)`: retries with exponential back-off, transient faults only."""
    retries, delay = operations_policy(config)
    return {"retries": retries,
            "retry_delay_seconds": exponential_backoff(delay)(retries) if retries and delay > 0 else 0,
            "retry_condition_fn": retry_transient}
