"""Scan <inbox>/<unit>/**: which files are submissions, and why the others are not."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

ROOT_UNIT = "(收件箱根目录)"   # files dropped directly into the inbox, outside any unit folder


@dataclass(frozen=True)
class Found:
    unit: str              # first folder under the inbox
    inbox_path: str        # relative to the inbox, '/'-separated
    path: Path
    size: int
    mtime: dt.datetime     # UTC


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


def scan_inbox(inbox: Path, intake: dict, now: dt.datetime) -> tuple[list[Found], list[tuple[str, str]]]:
    """Every candidate submission, plus (inbox_path, reason) for each file skipped this time.

    Symlinks are never followed (they could point outside the inbox). A file modified less than
    `settle_seconds` ago is still being written: it is left for the next scan."""
    found: list[Found] = []
    skips: list[tuple[str, str]] = []
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder {inbox} does not exist")
    settle = dt.timedelta(seconds=float(intake["settle_seconds"]))
    for dirpath, dirnames, filenames in os.walk(inbox, followlinks=False):
        here = Path(dirpath)
        for d in list(dirnames):
            if d.startswith(".") or (here / d).is_symlink():
                dirnames.remove(d)
                skips.append(((here / d).relative_to(inbox).as_posix(), "HIDDEN_OR_LINKED_FOLDER"))
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(inbox).as_posix()
            reason = skip_reason(name, intake)
            if reason is None and path.is_symlink():
                reason = "SYMLINK"
            if reason is None and not path.is_file():
                reason = "NOT_A_FILE"
            if reason:
                skips.append((rel, reason))
                continue
            st = path.stat()
            mtime = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).replace(tzinfo=None)
            if now - mtime < settle:
                skips.append((rel, "STILL_WRITING"))
                continue
            parts = rel.split("/")
            unit = parts[0] if len(parts) > 1 else ROOT_UNIT
            found.append(Found(unit, rel, path, st.st_size, mtime))
    found.sort(key=lambda f: (f.unit, f.inbox_path))
    return found, skips
