"""The command line's arguments checked before anything starts: one line, exit 2, nothing written.

Each check looks at an argument only when the sub-command has it, so every command gets the
same rules: dates are real days, folders that must be read exist and are folders, folders a
command writes can be written, a unit is a registry unit, a data dir is not a file."""
from __future__ import annotations

import os
from pathlib import Path

from campaign.dates import parse_date_arg
from campaign.errors import InboxMissing, InputError


WRITING_COMMANDS = {"ingest", "demo", "nightly", "publish", "reprocess", "serve", "template"}


def _folder(option: str, value: str, must_exist: bool, missing=InputError, writes: bool = False) -> None:
    if not value.strip():
        raise InputError(f"{option} {value!r}: empty; give a folder (or leave {option} out for the config's)")
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {value}: is a file, not a folder")
    if must_exist and not path.exists():
        raise missing(f"{option} {value}: no such folder")
    if writes:
        _writable(option, value, path)


def _writable(option: str, value: str, path: Path) -> None:
    """A folder the command will write: the nearest folder that exists must take new files."""
    base = path.absolute()
    while not base.exists():
        base = base.parent
    if not base.is_dir():
        raise InputError(f"{option} {value}: {base} is a file, not a folder")
    if os.statvfs(base).f_flag & os.ST_RDONLY:
        raise InputError(f"{option} {value}: {base} is on a read-only file system")
    if not os.access(base, os.W_OK | os.X_OK):
        raise InputError(f"{option} {value}: {base} cannot be written (permission denied)")


def check(args, config) -> None:
    """Raise InputError for the first argument of `args` that is wrong."""
    for option in ("date", "since"):
        if getattr(args, option, None) is not None:
            parse_date_arg(getattr(args, option), f"--{option}")
    if getattr(args, "unit", None) is not None and config.unit_kind(args.unit) is None:
        raise InputError(f"--unit {args.unit!r}: not a registry unit (see [units] in {config.source})")
    if getattr(args, "next", None) is not None and args.next < 0:
        raise InputError(f"--next {args.next}: expected a number of run times, 0 or more")
    if getattr(args, "data_dir", None) is not None:
        _folder("--data-dir", args.data_dir, must_exist=False, writes=getattr(args, "command", None) in WRITING_COMMANDS)
    if getattr(args, "out", None) is not None:
        _folder("--out", args.out, must_exist=False, writes=True)
    if getattr(args, "command", None) in ("ingest", "nightly", "serve"):
        inbox = getattr(args, "inbox", None)
        if inbox is not None:
            _folder("--inbox", inbox, must_exist=True, missing=InboxMissing)
        elif not config.inbox.is_dir():
            raise InboxMissing(f"inbox {config.inbox} (config paths.inbox): no such folder; give --inbox DIR")
