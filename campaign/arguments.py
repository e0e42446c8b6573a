"""The command line's arguments checked before anything starts: one line, exit 2, nothing written.

Each check looks at an argument only when the sub-command has it, so every command gets the
same rules: dates are real days, folders that must be read exist and are folders, a unit is a
registry unit, a data dir is not a file."""
from __future__ import annotations

from pathlib import Path

from campaign.dates import parse_date_arg
from campaign.errors import InboxMissing, InputError


def _folder(option: str, value: str, must_exist: bool, missing=InputError) -> None:
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {value}: is a file, not a folder")
    if must_exist and not path.exists():
        raise missing(f"{option} {value}: no such folder")


def check(args, config) -> None:
    """Raise InputError for the first argument of `args` that is wrong."""
    for option in ("date", "since"):
        if getattr(args, option, None) is not None:
            parse_date_arg(getattr(args, option), f"--{option}")
    if getattr(args, "unit", None) is not None and config.unit_kind(args.unit) is None:
        raise InputError(f"--unit {args.unit!r}: not a registry unit (see [units] in {config.source})")
    if getattr(args, "next", None) is not None and args.next < 0:
        raise InputError(f"--next {args.next}: expected a number of run times, 0 or more")
    if getattr(args, "data_dir", None):
        _folder("--data-dir", args.data_dir, must_exist=False)
    if getattr(args, "out", None):
        _folder("--out", args.out, must_exist=False)
    if getattr(args, "command", None) in ("ingest", "nightly", "serve"):
        inbox = args.inbox if getattr(args, "inbox", None) else None
        if inbox:
            _folder("--inbox", inbox, must_exist=True, missing=InboxMissing)
        elif not config.inbox.is_dir():
            raise InboxMissing(f"inbox {config.inbox} (config paths.inbox): no such folder; give --inbox DIR")
