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
from pathlib import Path

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


def archive_file(path: Path, data_dir: Path) -> tuple[str, str]:
    """Copy `path` into the archive (once per content); return (sha256, archive path relative to data_dir).

    The bytes are hashed while copied to a temporary file, then renamed into place, so a crash
    never leaves a half-written archive entry under a valid name. A file whose size or mtime
    changes during the copy raises FileChangedWhileReading (nothing is archived)."""
    tmp_dir = Path(data_dir) / "archive" / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    src = os.fdopen(open_inbox_file(Path(path)), "rb")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=tmp_dir)
        with os.fdopen(fd, "wb") as out, src:
            before = os.fstat(src.fileno())
            for chunk in iter(lambda: src.read(CHUNK), b""):
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
    except BaseException:
        src.close()
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
