"""Atomic writes: readers of publish/ and receipts/ never see a half-written file."""
from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from pathlib import Path

from openpyxl import Workbook

LATEST = "latest.xlsx"


class PublishFailed(RuntimeError):
    """The summary workbook or a receipt could not be written; what readers had is left as it was."""

    @classmethod
    def from_os_error(cls, exc: OSError, publish_dir: Path) -> "PublishFailed":
        where = os.fsdecode(exc.filename2 or exc.filename) if (exc.filename2 or exc.filename) else str(publish_dir)
        reason = exc.strerror or str(exc)
        return cls(f"could not write {where}: {reason} (errno {exc.errno}). Nothing half-written was left behind: "
                   f"{Path(publish_dir) / LATEST} still holds the previous summary. Free disk space, make the "
                   f"folder writable or close the workbook in Excel, then rerun `campaign publish` "
                   f"(or `campaign nightly`).")


def atomic_write(path: Path, data: bytes) -> Path:
    """Write to a dot-named temp file in the same directory, fsync, then rename over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)          # mkstemp makes 0600; the published file is for everyone
        os.replace(tmp, path)         # same file system: atomic
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def summary_name(data_date: dt.date) -> str:
    return f"summary_{data_date.isoformat()}.xlsx"


def save_summary(wb: Workbook, publish_dir: Path, data_date: dt.date) -> tuple[Path, Path]:
    """Write the dated workbook and the stable latest.xlsx, each atomically; return both paths."""
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    dated = atomic_write(Path(publish_dir) / summary_name(data_date), data)
    latest = atomic_write(Path(publish_dir) / LATEST, data)
    return dated, latest
