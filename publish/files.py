"""Atomic writes: readers of publish/ and receipts/ never see a half-written file."""
from __future__ import annotations

import datetime as dt
import io
import os
import time
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

LATEST = "latest.xlsx"
UPWARD_LATEST = "上报_latest.xlsx"
# deflate's fastest level: a national night's working workbook (≈ 46 MB of XML at 3,000 submissions)
# compresses in ≈ 0.5 s instead of ≈ 1.4 s at zlib's default (6) that openpyxl's save uses; the file
# is ≈ 30 % larger (4.2 → 5.6 MB), the same workbook
ZIP_LEVEL = 1


class PublishFailed(RuntimeError):
    """The summary workbook or a receipt could not be written; what readers had is left as it was."""

    @classmethod
    def from_os_error(cls, exc: OSError, publish_dir: Path) -> "PublishFailed":
        where = os.fsdecode(exc.filename2 or exc.filename) if (exc.filename2 or exc.filename) else str(publish_dir)
        reason = exc.strerror or str(exc)
        from warehouse.faults import kind_of   # DuckDB (warehouse.faults): only once a write has failed

        kind = kind_of(exc)
        return cls(f"{kind + ': ' if kind else ''}could not write {where}: {reason} (errno {exc.errno}). "
                   f"None of tonight's outputs was replaced: {Path(publish_dir) / LATEST}, the dated summary, "
                   f"the receipts and the analysts' snapshot still hold the previous night's. Free disk space, make the "
                   f"folder writable or close the workbook in Excel, then rerun `campaign publish` "
                   f"(or `campaign nightly`).")


def atomic_write(path: Path, data: bytes, durable: bool = True) -> Path:
    """Write to a dot-named temp file in the same directory, fsync, then rename over `path`.
    durable=False skips the fsync (a reader still never sees half a file): for pages rebuilt and
    compared on every run, where a page lost to a crash is simply written again."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")   # bounded: never the sender's long name
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)          # mkstemp makes 0600; the published file is for everyone
        os.replace(tmp, path)         # same file system: atomic
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


WRITERS = 4   # fsync is most of a small file's write (≈ 1.3 ms here); a few in flight overlap ≈ 5×


def write_many(items, staging: "Staging | None" = None, durable: bool = True) -> list[Path]:
    """Write (path, bytes) pairs, each as atomic_write or staging.write does, a few at a time
    (the fsyncs overlap, the bytes are already built); without fsync, one after the other. The
    paths in the order given."""
    from concurrent.futures import ThreadPoolExecutor

    items = list(items)
    one = (lambda pair: staging.write(*pair)) if staging is not None else (lambda pair: atomic_write(*pair, durable))
    if len(items) < 2 or (staging is None and not durable):   # no fsync to overlap: threads would only add work
        return [one(pair) for pair in items]
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="publish-write") as pool:
        return list(pool.map(one, items))


class Staging:
    """Publish all-or-nothing: every output of the night (dated summary, latest.xlsx, receipts,
    snapshot) is first written complete under a temporary name in its own folder; only when all
    of them are written are they renamed into place, one rename each. A failure while writing
    replaces nothing (the temporaries are removed); readers see last night's outputs or tonight's."""

    def __init__(self, retries: int = 0, delay: float = 0.0, transient=None, log=None) -> None:
        self.items: list[tuple[str, Path]] = []      # (temporary file, its final path)
        # a rename that meets a transient fault (latest.xlsx open in someone's Excel) is retried
        # with back-off: transient(exc) -> reason or None; log(message) says so
        self.retries, self.delay, self.transient, self.log = retries, delay, transient, log

    def _replace(self, tmp: str, path: Path) -> None:
        for attempt in range(self.retries + 1):
            try:
                os.replace(tmp, path)
                return
            except OSError as exc:
                reason = self.transient(exc) if self.transient else None
                if reason is None or attempt == self.retries:
                    raise
                wait = self.delay * 2 ** attempt
                if self.log:
                    self.log(f"could not put {path.name} in place: {reason} ({exc.strerror or exc}); "
                             f"retrying in {wait:g} s (attempt {attempt + 1} of {self.retries + 1} failed)")
                time.sleep(wait)

    def write(self, path: Path, data: bytes) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        self.items.append((tmp, path))
        return path

    def add(self, tmp: Path, path: Path) -> None:
        self.items.append((str(tmp), Path(path)))

    def discard(self) -> None:
        for tmp, _ in self.items:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        self.items = []

    def commit(self) -> list[Path]:
        """Rename every staged file into place. A rename that fails (rare: the files are complete and
        in the same folder) stops the commit: PublishFailed says which outputs were replaced."""
        done: list[Path] = []
        try:
            for tmp, path in self.items:
                self._replace(tmp, path)
                done.append(path)
        except OSError as exc:
            left = [p for _, p in self.items if p not in done]
            self.items = [(t, p) for t, p in self.items if p not in done]
            self.discard()
            raise PublishFailed(f"could not put {exc.filename or left[0]} in place ({exc.strerror or exc}): "
                                f"{len(done)} of {len(done) + len(left)} outputs were replaced "
                                f"({', '.join(p.name for p in done[:5])}{' …' if len(done) > 5 else ''}), "
                                f"not: {', '.join(p.name for p in left[:5])}{' …' if len(left) > 5 else ''}; "
                                f"rerun `campaign publish` to make them agree") from exc
        self.items = []
        return done


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx file of `wb`: what wb.save writes (openpyxl.writer.excel.save_workbook, openpyxl is
    pinned exactly), compressed at ZIP_LEVEL."""
    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL)
    wb.properties.modified = dt.datetime.now(tz=dt.timezone.utc).replace(tzinfo=None)
    ExcelWriter(wb, archive).save()
    return buf.getvalue()


def summary_name(data_date: dt.date) -> str:
    return f"summary_{data_date.isoformat()}.xlsx"


def upward_name(data_date: dt.date) -> str:
    return f"上报_{data_date.isoformat()}.xlsx"


def save_upward(wb: Workbook, publish_dir: Path, data_date: dt.date, staging: Staging | None = None
                ) -> tuple[Path, Path]:
    """The upward report, dated and 上报_latest.xlsx, each atomically (or staged) like the summary."""
    data = workbook_bytes(wb)
    write = staging.write if staging is not None else atomic_write
    return (write(Path(publish_dir) / upward_name(data_date), data),
            write(Path(publish_dir) / UPWARD_LATEST, data))


def review_name(data_date: dt.date) -> str:
    return f"待核对_{data_date.isoformat()}.xlsx"


def save_review(wb: Workbook, publish_dir: Path, data_date: dt.date, staging: Staging | None = None) -> Path:
    """待核对_<date>.xlsx (publish/review_workbook.py), atomically (or staged) like the others."""
    write = staging.write if staging is not None else atomic_write
    return write(Path(publish_dir) / review_name(data_date), workbook_bytes(wb))


def save_summary(wb: Workbook, publish_dir: Path, data_date: dt.date, staging: Staging | None = None
                 ) -> tuple[Path, Path]:
    """Write the dated workbook and the stable latest.xlsx, each atomically (or staged); return both paths."""
    data = workbook_bytes(wb)
    write = staging.write if staging is not None else atomic_write
    dated = write(Path(publish_dir) / summary_name(data_date), data)
    latest = write(Path(publish_dir) / LATEST, data)
    return dated, latest
