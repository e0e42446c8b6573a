"""The archive: every received file copied once, named by the sha256 of its bytes.

The inbox is never modified: its files are only opened for reading (never through a symlink,
never a fifo or device), and everything downstream reads the archive copy. Archive names are
`archive/<sha[:2]>/<sha>.<ext>`: nothing of the sender's file name but a short, sanitised
extension, so no name (spaces, '..', 200 characters, any script) can place a file elsewhere."""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator

from warehouse.faults import DataDirFault, kind_of

CHUNK = 1 << 20


class FileChangedWhileReading(OSError):
    """The file's size or modification time changed while it was copied: it is still being written."""


class NotARegularFile(OSError):
    """The path is a symlink, fifo, socket or device: never read."""


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def archive_name(sha: str, suffix: str) -> str:
    """Relative path inside the data dir. The suffix is kept (lower-cased, ASCII letters and digits) for humans only."""
    ext = "".join(ch for ch in suffix.lower() if ch.isascii() and ch.isalnum())[:8]
    return f"archive/{sha[:2]}/{sha}{'.' + ext if ext else ''}"


def open_inbox_file(path: Path) -> int:
    """A read-only descriptor on a regular file of the inbox; refuses symlinks, fifos and devices.

    O_NOFOLLOW closes the gap between the scan (which skips symlinks) and this open: a file
    swapped for a link in between is refused, not followed. O_NONBLOCK keeps a fifo from
    blocking the open; it is then refused by the fstat check."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.islink(path):
            raise NotARegularFile(f"{path} is a symlink: not followed") from None
        raise exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotARegularFile(f"{path} is not a regular file")
    return fd


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class InboxReadError(OSError):
    """Reading the unit's file failed (I/O error on the share): the file's problem, retried next run."""


def _data_dir_fault(exc: OSError, what: str) -> Exception:
    where = os.fsdecode(exc.filename) if exc.filename else what
    return DataDirFault(f"{kind_of(exc) or 'storage error'}: could not write the archive ({where}: "
                        f"{exc.strerror or exc}, errno {exc.errno})")


def _read(src, n: int) -> bytes:
    try:
        return src.read(n)
    except OSError as exc:
        raise InboxReadError(exc.errno, exc.strerror, exc.filename) from exc


def archive_file(path: Path, data_dir: Path, expected: tuple[int, int] | None = None) -> tuple[str, str]:
    """Copy `path` into the archive (once per content); return (sha256, archive path relative to data_dir).

    The bytes are hashed while copied to a temporary file, then renamed into place, so a crash
    never leaves a half-written archive entry under a valid name. A file whose size or mtime
    changes during the copy, or differs from `expected` (size, mtime_ns as the scan saw them:
    rewritten in place since), raises FileChangedWhileReading (nothing is archived): the size and
    mtime recorded are therefore those of the bytes archived.

    Reading the inbox file fails as the file's problem (an OSError: skipped, retried next run);
    writing the archive fails as warehouse.faults.DataDirFault (disk full, read-only, no
    permission on the data dir): the run fails with the real cause."""
    tmp_dir = Path(data_dir) / "archive" / "tmp"
    try:
        tmp_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _data_dir_fault(exc, str(tmp_dir)) from exc
    h = hashlib.sha256()
    src = os.fdopen(open_inbox_file(Path(path)), "rb")
    tmp = None
    try:
        try:
            fd, tmp = tempfile.mkstemp(dir=tmp_dir)
            with os.fdopen(fd, "wb") as out, src:
                before = os.fstat(src.fileno())
                if expected is not None and (before.st_size, before.st_mtime_ns) != tuple(expected):
                    raise FileChangedWhileReading(f"{path} changed since the scan (rewritten in place?)")
                for chunk in iter(lambda: _read(src, CHUNK), b""):
                    h.update(chunk)
                    out.write(chunk)
                after = os.fstat(src.fileno())
                if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or out.tell() != after.st_size:
                    raise FileChangedWhileReading(f"{path} changed while it was read")
                out.flush()
                os.fsync(out.fileno())
            sha = h.hexdigest()
            rel = archive_name(sha, Path(path).suffix)
            target = Path(data_dir) / rel
            if target.exists():
                os.unlink(tmp)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(tmp, 0o444)
                os.replace(tmp, target)
                _fsync_dir(target.parent)
            return sha, rel
        except (FileChangedWhileReading, NotARegularFile, InboxReadError):
            raise
        except OSError as exc:   # the archive side: mkstemp, write, fsync, rename
            raise _data_dir_fault(exc, str(tmp_dir)) from exc
    except BaseException:
        src.close()
        if tmp and os.path.exists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise


ARCHIVERS = 4   # a copy mostly waits on the disk (its fsyncs) or hashes outside the GIL: a few at a time overlap


def archive_files(files: Iterable[tuple[Path, tuple[int, int] | None]], data_dir: Path) -> Iterator[tuple[str, str] | OSError]:
    """archive_file for each (path, expected), a few at a time, in the order given: its (sha256,
    archive path), or the OSError that is the file's own problem (skipped, retried next run). A
    fault of the archive itself (DataDirFault) is raised at its file, as archive_file raises it.
    Two files of the same content may be copied at once: each renames its own temporary file
    onto the same name, the same bytes."""
    def one(item: tuple[Path, tuple[int, int] | None]) -> tuple[str, str] | OSError:
        try:
            return archive_file(item[0], data_dir, expected=item[1])
        except OSError as exc:
            return exc

    items = list(files)
    if len(items) < 2:
        yield from map(one, items)
        return
    with ThreadPoolExecutor(max_workers=ARCHIVERS, thread_name_prefix="archive") as pool:
        yield from pool.map(one, items)


def archive_skip_reason(exc: OSError) -> str:
    """The skip reason recorded for a file archive_file could not copy (it is retried next run)."""
    if isinstance(exc, FileChangedWhileReading):
        return "STILL_WRITING"
    if isinstance(exc, NotARegularFile):
        return "NOT_A_FILE"
    if isinstance(exc, FileNotFoundError):
        return "GONE"
    if isinstance(exc, PermissionError):
        return "NO_PERMISSION"
    return "READ_ERROR"
