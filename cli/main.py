"""`campaign` — the command line of the screening-campaign pipeline.

Each sub-command is a thin shell over a flow or a warehouse query; `campaign <cmd> --help`.
Prefect and Great Expectations are imported only after the offline defaults are in place.
"""
from __future__ import annotations

import sys
from contextlib import ExitStack

from cli import warm  # noqa: F401, I001  (first: it keeps the environment as it was given)
from cli import arguments
from cli.crashlog import write_traceback
from cli.exits import exit_now
from cli.parser import build_parser
from campaign.config import load_config
from campaign.errors import InboxMissing, InputError
from warehouse.lock import RunInProgress


def _in_words(exc: Exception) -> str:
    """An operating-system error as `<path>: <what>` (not `[Errno 2] No such file or directory: '…'`)."""
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def main(argv: list[str] | None = None, gx_child: bool = False) -> int:
    """Run one command. gx_child: validate in a Great Expectations child process started when the
    command begins (expectations.background), as the `campaign` command does."""
    args = build_parser().parse_args(argv)
    args.gx_child = gx_child
    from publish.files import PublishFailed   # openpyxl: only once argparse took the command line
    from warehouse.faults import WarehouseBusy, describe_fault, kind_of, root_cause   # DuckDB, as above
    from warehouse import runlog   # DuckDB, as above

    runlog.FINISHED_IN_PROCESS.clear()   # which runs this invocation recorded (see _record_unstarted)
    args.stack = ExitStack()   # settings that last while the command runs (see flows_ready)
    try:
        with args.stack:
            return args.func(args)
    except (InputError, RunInProgress, WarehouseBusy, PublishFailed, FileNotFoundError, PermissionError,
            NotADirectoryError) as exc:   # expected operational states: no traceback
        _record_unstarted(args, exc)
        print(f"campaign {args.command}: {_in_words(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"campaign {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:   # `campaign status | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error at exit
        return 0
    except Exception as exc:   # a bug of ours: one line here, the traceback in a file
        _record_unstarted(args, exc)
        if kind_of(root_cause(exc)):   # a named fault of the data dir (disk full, ...), not a bug: no traceback
            print(f"campaign {args.command}: {describe_fault(exc)}", file=sys.stderr)
            return 2
        where = write_traceback(exc, args.command, getattr(args, "resolved_data_dir", None))
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"campaign {args.command}: internal error {type(exc).__name__}: {first} "
              f"(traceback in {where})", file=sys.stderr)
        return 1


def _record_unstarted(args, exc: BaseException) -> None:
    """Every run leaves its `runs` row, even one that failed before its flow started (not a config mistake)."""
    if args.command not in ("nightly", "ingest", "intake", "reprocess", "demo"):
        return
    if isinstance(exc, InputError) and not isinstance(exc, InboxMissing):
        return   # a typing mistake is no run
    from warehouse import db   # DuckDB: as in main(), not at module level
    from warehouse.runlog import record_unstarted   # DuckDB, as above

    try:
        data_dir = arguments.data_dir_of(args, load_config(args.config))
        if isinstance(exc, InboxMissing) and not db.warehouse_path(data_dir).exists():
            return   # no campaign here yet: a mistake, nothing is written
        record_unstarted(data_dir, args.command, getattr(args, "inbox", None), exc)
    except Exception:
        pass


def run() -> None:
    """The `campaign` command: main(), then a quick exit. A process that has imported Prefect, Great
    Expectations and pandas spends ~1 s tearing its modules down at exit; the shutdown work that
    matters is done here first (other threads joined and Prefect's log and event workers drained,
    the atexit hooks: a private Prefect server stopped, temporary folders removed, logs flushed)."""
    try:
        code = main(gx_child=True)
    except SystemExit as exc:   # argparse's --help and one-line errors
        if not isinstance(exc.code, (int, type(None))):
            raise
        code = exc.code or 0
    exit_now(code)


if __name__ == "__main__":
    run()
