"""The command line's arguments checked before anything starts: one line, exit 2, nothing written.

Each check looks at an argument only when the sub-command has it, so every command gets the
same rules: dates are real days (and a published date a night of the screening window), folders
that must be read exist and are folders, folders a command writes can be written, an inbox is the
folder that holds the units' folders, a unit is a registry unit, a data dir is not a file, and a
command that works on a campaign's warehouse (publish, reprocess) finds one."""
from __future__ import annotations

import os
from pathlib import Path

from campaign.dates import parse_date_arg
from campaign.errors import InboxMissing, InputError


WRITING_COMMANDS = {"ingest", "intake", "demo", "nightly", "publish", "reprocess", "serve", "template"}
DATED_COMMANDS = {"nightly", "publish", "intake"}  # --date names the night a workbook (or an intake's 待办) stands for
ON_A_WAREHOUSE = {"publish", "reprocess"}          # nothing to publish or revalidate without one


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


def data_dir_of(args, config) -> Path:
    """The data dir this command works on: --data-dir (~ expanded), else the config's."""
    given = getattr(args, "data_dir", None)
    return Path(given).expanduser().resolve() if given else config.data_dir


def inbox_of(args, config) -> Path:
    """The inbox this command reads: --inbox (~ expanded), else the config's."""
    given = getattr(args, "inbox", None)
    return Path(given).expanduser().resolve() if given else config.inbox


def check(args, config) -> None:
    """Raise InputError for the first argument of `args` that is wrong."""
    for option in ("date", "since"):
        if getattr(args, option, None) is not None:
            day = parse_date_arg(getattr(args, option), f"--{option}")
            if option == "date" and getattr(args, "command", None) in DATED_COMMANDS:
                _a_screening_night(day, config)
    if getattr(args, "unit", None) is not None and config.unit_kind(args.unit) is None:
        raise InputError(f"--unit {args.unit!r}: not a registry unit (see [units] in {config.source})")
    if getattr(args, "next", None) is not None and args.next < 0:
        raise InputError(f"--next {args.next}: expected a number of run times, 0 or more")
    if getattr(args, "data_dir", None) is not None:
        _folder("--data-dir", args.data_dir, must_exist=False, writes=getattr(args, "command", None) in WRITING_COMMANDS)
    if getattr(args, "out", None) is not None:
        _folder("--out", args.out, must_exist=False, writes=True)
    if getattr(args, "outbox", None) is not None:
        _folder("--outbox", args.outbox, must_exist=False, writes=True)
    if getattr(args, "command", None) in ("ingest", "intake", "nightly", "serve"):
        inbox = getattr(args, "inbox", None)
        if inbox is not None:
            _folder("--inbox", inbox, must_exist=True, missing=InboxMissing)
            _an_inbox("--inbox", inbox, inbox_of(args, config), config, explicit=True)
        elif not config.inbox.is_dir():
            raise InboxMissing(f"inbox {config.inbox} (config paths.inbox): no such folder; give --inbox DIR")
        else:
            _an_inbox("inbox", str(config.inbox), config.inbox, config, explicit=False)
        _apart(args, config)
    if getattr(args, "command", None) in ON_A_WAREHOUSE:
        _a_campaign(args, config)
    if getattr(args, "command", None) == "demo":
        _not_a_real_campaign(args, config)


def _apart(args, config) -> None:
    """The data dir may not be the inbox or inside it: the next scan would take the night's own
    archive, workbooks and receipts for submissions (the demo's inbox inside the data dir is fine)."""
    inbox, data = inbox_of(args, config), data_dir_of(args, config)
    if data == inbox or inbox in data.parents:
        raise InputError(f"data dir {data} is {'the inbox' if data == inbox else 'inside the inbox ' + str(inbox)}: "
                         f"the next night would read its own archive and workbooks as submissions; keep them apart")
    if not hasattr(args, "outbox"):
        return
    given = getattr(args, "outbox", None)
    outbox = Path(given).expanduser().resolve() if given else config.outbox_for(inbox)
    where = "--outbox" if given else "config paths.outbox"
    if outbox == inbox or inbox in outbox.parents:
        raise InputError(f"outbox {outbox} ({where}) is {'the inbox' if outbox == inbox else 'inside the inbox'}: "
                         f"the next run would read the receipts as submissions; keep them apart")
    if outbox == data or outbox in data.parents:
        raise InputError(f"outbox {outbox} ({where}) holds the data dir {data}: the units would see the warehouse "
                         f"and the archive; give the outbox a folder of its own")


def _a_screening_night(day, config) -> None:
    """A workbook stands for a night of the screening window (the nights the schedule runs): a
    date outside it is a typo (2028 for 2018) that would publish a stray night into the history."""
    start, end = config.date("screening_start"), config.date("screening_end")
    if not start <= day <= end:
        raise InputError(f"--date {day.isoformat()}: not a night of the screening window {start.isoformat()} .. "
                         f"{end.isoformat()} ([campaign] screening_start/screening_end in {config.source})")


def _an_inbox(option: str, value: str, path: Path, config, explicit: bool) -> None:
    """`path`: resolved. The inbox holds one folder per unit. A unit's own folder given as the inbox would reject
    every file in it as "not in a unit folder" and send those receipts; so would another folder
    (the data dir, say) given by hand. An empty inbox is a campaign's first night: fine."""
    if config.unit_kind(path.name) is not None:
        raise InputError(f"{option} {value}: this is the folder of the unit {path.name}; give the inbox that holds "
                         f"the units' folders ({path.parent})")
    if not explicit:
        return
    try:
        entries = [e for e in os.scandir(path) if not e.name.startswith(".")]
    except OSError:
        return   # the night reports an unreadable inbox in its own words
    if entries and not any(e.is_dir() and config.unit_kind(e.name) is not None for e in entries):
        shown = "、".join(sorted(e.name for e in entries)[:3]) + ("…" if len(entries) > 3 else "")
        raise InputError(f"{option} {value}: holds no unit folder (it holds {shown}); give the shared inbox "
                         f"<inbox>/<unit>/<file>, e.g. one with {config.units[0]}/")


def _not_a_real_campaign(args, config) -> None:
    """`campaign demo` typed where the real campaign lives (its config's data dir) would load the
    demo's made-up units into the real warehouse and publish them: refused. A data dir the demo
    made before (it holds demo-inbox/) is the demo's."""
    from warehouse import db   # DuckDB: only the demo's check needs it

    data_dir = data_dir_of(args, config)
    if db.warehouse_path(data_dir).is_file() and not (data_dir / "demo-inbox").is_dir():
        raise InputError(f"{data_dir} holds a campaign's warehouse, not the demo's: give the demo a --data-dir "
                         f"of its own (e.g. --data-dir demo-data)")


def _a_campaign(args, config) -> None:
    """publish and reprocess work on what the nights loaded: a data dir without a warehouse is a
    typo (or the night has not run yet), and would otherwise become a new, empty campaign."""
    from warehouse import db   # DuckDB: only publish's and reprocess's check needs it

    data_dir = data_dir_of(args, config)
    if not db.warehouse_path(data_dir).is_file():
        where = "--data-dir" if getattr(args, "data_dir", None) else "config paths.data_dir"
        raise InputError(f"no warehouse in {data_dir} ({where}): run `campaign nightly` (or ingest) first, "
                         f"or give the campaign's --data-dir")
