"""Faults named in one line: disk full, permission, read-only, warehouse held (by whom).

A failed night must say why where ops look (runs.message, the log, the command's last line).
DuckDB buries the cause: a full disk during a load surfaces as `TransactionException: cannot
rollback - no transaction is active`, the real `No space left on device` only in the chain."""
from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import duckdb


class WarehouseBusy(RuntimeError):
    """The warehouse file is held by another writer."""


MAX_LINE = 600

_KINDS = (   # (errno values, words in a DuckDB / OS message, the name ops read)
    ({errno.ENOSPC, errno.EDQUOT, errno.EFBIG}, ("no space left on device", "disk quota exceeded", "file too large"),
     "disk full"),
    ({errno.EROFS}, ("read-only file system",), "read-only file system"),
    ({errno.EACCES, errno.EPERM}, ("permission denied", "operation not permitted"), "permission denied"),
)


class DataDirFault(RuntimeError):
    """The pipeline's own storage (data dir: archive, warehouse, publish) failed, not a unit's file.
    It fails the run with its cause; it is never a verdict on the file being handled."""


def root_cause(exc: BaseException) -> BaseException:
    """The exception that explains `exc`: past DuckDB's failed ROLLBACK and past our own wrappers."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        nxt = exc.__cause__ or exc.__context__
        if isinstance(exc, duckdb.TransactionException) and "no transaction is active" in str(exc) and nxt:
            exc = nxt
            continue
        if isinstance(exc, DataDirFault) and nxt is not None and kind_of(nxt):
            return exc            # already names the cause and the file
        break
    return exc


def kind_of(exc: BaseException) -> str | None:
    """'disk full', 'read-only file system', 'permission denied', 'warehouse held', or None."""
    if isinstance(exc, WarehouseBusy):
        return "warehouse held"
    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    for codes, words, name in _KINDS:
        if code in codes or any(w in text for w in words):
            return name
    if isinstance(exc, DataDirFault) and (exc.__cause__ is not None):
        return kind_of(exc.__cause__)
    return None


def holder_of(message: str) -> str:
    """DuckDB names the holding process ('... (PID 1234)'): add what that process is."""
    m = re.search(r"PID (\d+)", message)
    if not m:
        return ""
    try:
        cmd = Path(f"/proc/{m.group(1)}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return f"pid {m.group(1)}"
    return f"pid {m.group(1)}: {' '.join(cmd.split())[:160]}"


def describe_fault(exc: BaseException) -> str:
    """One line for runs.message and the log: the fault's name, then what failed and where."""
    cause = root_cause(exc)
    kind = kind_of(cause)
    if isinstance(cause, OSError) and not isinstance(cause, DataDirFault) and cause.filename:
        detail = f"{cause.strerror or cause}: {os.fsdecode(cause.filename)}"
    else:
        detail = str(cause) or type(cause).__name__
    head = f"{kind}: " if kind else ""
    line = f"{head}{type(cause).__name__}: {detail}"
    if kind == "warehouse held" and "held by" not in line:
        holder = holder_of(str(cause))
        line += f" (held by {holder})" if holder else ""
    line = " ".join(line.split())
    return line if len(line) <= MAX_LINE else line[:MAX_LINE - 1] + "…"
