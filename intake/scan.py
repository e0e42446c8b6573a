"""Scan <inbox>/<unit>/**: which files are submissions, and why the others are not.

The scan only lists and stats: it never opens, moves, renames or deletes anything in the inbox.
Symlinks (files or folders) are never followed: they could point outside the inbox."""
from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from intake.names import printable, raw_bytes

ROOT_UNIT = "(收件箱根目录)"   # files dropped directly into the inbox, outside any unit folder


@dataclass(frozen=True)
class Found:
    unit: str              # first folder under the inbox
    inbox_path: str        # relative to the inbox, '/'-separated
    path: Path
    size: int
    mtime: dt.datetime     # UTC
    mtime_ns: int | None = None     # as the scan saw it: the archive step checks the bytes it copies against it
    raw_path: bytes | None = None   # the inbox path's bytes when they are not UTF-8 (inbox_path is then printable)

    @property
    def file_name(self) -> str:
        """The printable file name."""
        return self.inbox_path.rsplit("/", 1)[-1]


def skip_reason(name: str, intake: dict) -> str | None:
    """Files that are not submissions: Excel lock files, dot-files, temporaries, partial downloads."""
    lower = name.lower()
    if name.startswith("~$"):
        return "LOCK_FILE"
    if name.startswith("."):
        return "HIDDEN_FILE"
    if name.startswith("~") or any(lower.endswith(s) for s in intake["temporary_suffixes"]):
        return "TEMPORARY_FILE"
    return None


def is_settling(mtime: dt.datetime, now: dt.datetime, settle: dt.timedelta) -> bool:
    """A file modified within `settle` of now may still be being written (copied, saved, synced).

    An mtime further in the future than that (a copy that kept the timestamp of a machine whose
    clock is ahead) is not a file being written now: it is not held back for ever."""
    return -settle < now - mtime < settle


def scan_inbox(inbox: Path, intake: dict, now: dt.datetime) -> tuple[list[Found], list[tuple[str, str]]]:
    """Every candidate submission, plus (inbox_path, reason) for each file skipped this time.

    Skip reasons: LOCK_FILE, HIDDEN_FILE, TEMPORARY_FILE, HIDDEN_FOLDER, SYMLINK (a linked file
    or folder: never followed), NOT_A_FILE (fifo, socket, device), STILL_WRITING (modified less
    than `settle_seconds` ago: picked up by a later scan), UNREADABLE_FOLDER / GONE (the folder
    cannot be listed / the file vanished while scanning)."""
    found: list[Found] = []
    skips: list[tuple[str, str]] = []
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder {inbox} does not exist")
    settle = dt.timedelta(seconds=float(intake["settle_seconds"]))

    def rel_of(p: Path) -> str:
        return printable(p.relative_to(inbox).as_posix())

    def walk_error(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else inbox
        skips.append((rel_of(where) if where != inbox else ".", "UNREADABLE_FOLDER"))

    for dirpath, dirnames, filenames in os.walk(inbox, followlinks=False, onerror=walk_error):
        here = Path(dirpath)
        for d in sorted(dirnames):
            if (here / d).is_symlink():
                dirnames.remove(d)
                skips.append((rel_of(here / d), "SYMLINK"))
            elif d.startswith("."):
                dirnames.remove(d)
                skips.append((rel_of(here / d), "HIDDEN_FOLDER"))
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            rel = rel_of(path)
            reason = skip_reason(name, intake)
            if reason:
                skips.append((rel, reason))
                continue
            try:
                st = os.lstat(path)           # the link itself, never its target
            except OSError:
                skips.append((rel, "GONE"))
                continue
            if stat.S_ISLNK(st.st_mode):
                skips.append((rel, "SYMLINK"))
                continue
            if not stat.S_ISREG(st.st_mode):
                skips.append((rel, "NOT_A_FILE"))
                continue
            mtime = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).replace(tzinfo=None)
            if is_settling(mtime, now, settle):
                skips.append((rel, "STILL_WRITING"))
                continue
            parts = rel.split("/")
            unit = parts[0] if len(parts) > 1 else ROOT_UNIT
            found.append(Found(unit, rel, path, st.st_size, mtime, st.st_mtime_ns,
                               raw_bytes(path.relative_to(inbox).as_posix())))
    # Oldest first within a unit: when the same bytes sit there twice, the copy that arrived
    # first is the submission and the later one its duplicate.
    found.sort(key=lambda f: (f.unit, f.mtime, f.inbox_path))
    return found, skips
