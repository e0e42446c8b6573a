"""`campaign` — the command line of the screening-campaign pipeline.

Each sub-command is a thin shell over a flow or a warehouse query; `campaign <cmd> --help`.
Prefect and Great Expectations are imported only after the offline defaults are in place.
"""
from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from cli import warm  # noqa: F401, I001  (first: it keeps the environment as it was given)
from cli import arguments
from cli.common import (add_common_options, add_outbox_option, analytics_connection, flows_ready,
                        preflight, prepare_command)
from campaign.config import load_config
from campaign.dates import parse_date_arg
from campaign.errors import InboxMissing, InputError


def cmd_ingest(args) -> int:
    inbox, data_dir = prepare_command(args)
    preflight(data_dir)
    from flows.ingest import ingest_flow

    flows_ready(args)
    ingest_flow(inbox=str(inbox), data_dir=str(data_dir), config_path=args.config)  # logs its summary
    return 0


def cmd_intake(args) -> int:
    parse_date_arg(args.date)
    inbox, data_dir = prepare_command(args)
    preflight(data_dir)
    from flows.intake import intake_flow

    flows_ready(args)
    result = intake_flow(inbox=str(inbox), data_dir=str(data_dir), config_path=args.config, outbox=args.outbox,
                         date=args.date)
    print(result.summary())
    return 0


def cmd_demo(args) -> int:
    _, data_dir = prepare_command(args)
    preflight(data_dir)
    from cli.demo import write_demo_inbox
    from flows.nightly import nightly_flow

    inbox = data_dir / "demo-inbox"
    config = load_config(args.config)
    if inbox.exists() and any(inbox.iterdir()):
        print(f"demo inbox already present: {inbox}")
    else:
        paths = write_demo_inbox(inbox, config)
        print(f"wrote demo inbox {inbox}: {len(paths)} files for {len(config.units)} units")
    flows_ready(args)
    result = nightly_flow(inbox=str(inbox), data_dir=str(data_dir), config_path=args.config,
                          outbox=args.outbox or str(data_dir / "demo-outbox"))
    print(f"warehouse: {data_dir / 'campaign.duckdb'} (analysts: {data_dir / 'analytics.duckdb'})")
    print(_published_line(result.published))   # the night's story (counts, rejected files) is in the log above
    return 0


def cmd_nightly(args) -> int:
    parse_date_arg(args.date)                  # a bad --date: one line, before anything runs
    inbox, data_dir = prepare_command(args)
    preflight(data_dir)
    from flows.nightly import nightly_flow

    flows_ready(args)
    result = nightly_flow(inbox=str(inbox), data_dir=str(data_dir), config_path=args.config, date=args.date,
                          outbox=args.outbox)
    print(_published_line(result.published))   # the night's story (counts, rejected files) is in the log above
    return 0


def _published_line(published) -> str:
    if published.skipped:
        return (f"nothing changed since the last publish: kept {published.workbook} "
                f"(`campaign publish --force` rewrites it)")
    upward = getattr(published, "upward", None)
    return f"published: {published.workbook}" + (f"\nupward report (to sign and send): {upward}" if upward else "")


def cmd_publish(args) -> int:
    parse_date_arg(args.date)
    _, data_dir = prepare_command(args)
    preflight(data_dir)
    from flows.consolidate import consolidate_flow
    from flows.publish import publish_flow

    flows_ready(args)
    consolidate_flow(data_dir=str(data_dir), config_path=args.config)   # views in step with the config file
    result = publish_flow(data_dir=str(data_dir), config_path=args.config, date=args.date, force=args.force,
                          outbox=args.outbox)
    print(_published_line(result))
    print(f"latest:    {result.latest}\nreceipts:  {len(result.receipts)} in "
          f"{data_dir / 'receipts'} ({result.receipts_written} written)")
    return 0


def cmd_query(args) -> int:
    _, data_dir = prepare_command(args)
    from warehouse.analyst_query import check_read_only, run_query
    from warehouse.runlog import live_runs

    check_read_only(args.sql)
    con = analytics_connection(data_dir)
    note = live_runs(con, data_dir)   # `runs`: the warehouse's own run log, not the snapshot's copy
    if note and "runs" in args.sql.lower():
        print(f"note: {note}", file=sys.stderr)
    try:
        frame = run_query(con, args.sql)
        if frame is None or frame.empty:
            columns = ", ".join(frame.columns) if frame is not None else ""
            print(f"(no rows{': ' + columns if columns else ''})")
        else:
            print(frame.to_string(index=False, max_colwidth=60))
    finally:
        con.close()
    return 0


def cmd_status(args) -> int:
    _, data_dir = prepare_command(args)
    import datetime as dt
    from zoneinfo import ZoneInfo

    from warehouse.status import status_report

    from warehouse import runlog

    config = load_config(args.config)
    if args.check:   # the watchdog: the warehouse's run log only, exit 1 when the night needs a look
        ok, line = runlog.check(data_dir, runlog.utcnow(), config.check_window_hours)
        print(line, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    today = parse_date_arg(args.date) if args.date else dt.datetime.now(ZoneInfo(config.timezone)).date()
    con = analytics_connection(data_dir)
    try:
        print(status_report(con, config, today, runlog.read_runs(data_dir)))
        from publish.dues import status_lines
        from warehouse.summary import read_outbox_frames

        print("\n" + "\n".join(status_lines(read_outbox_frames(con, config.units), today, config.office)))   # 催报
    finally:
        con.close()
    return 0


def cmd_reprocess(args) -> int:
    _, data_dir = prepare_command(args)
    preflight(data_dir)
    from flows.reprocess import reprocess_flow

    flows_ready(args)
    result = reprocess_flow(data_dir=str(data_dir), unit=args.unit, since=args.since, config_path=args.config)
    print(result.summary())
    return 0


def cmd_template(args) -> int:
    _, data_dir = prepare_command(args)
    from publish.layout import blank_workbook

    config = load_config(args.config)
    units = [args.unit] if args.unit else config.units
    out = Path(args.out).expanduser() if args.out else data_dir / "templates"
    out.mkdir(parents=True, exist_ok=True)
    for unit in units:
        kind = config.unit_kind(unit)
        if kind is None:
            raise InputError(f"{unit!r} is not a registry unit (see [units] in {config.source})")
        path = out / f"{unit}_风险排查报表.xlsx"
        blank_workbook(kind, unit, config=config).save(path)
        print(f"wrote {path} ({'、'.join(config.required_forms(unit))})")
    return 0


def cmd_serve(args) -> int:
    inbox, data_dir = prepare_command(args)
    from cli.intake_schedule import describe_intake
    from cli.serve import describe_schedule, serve

    if args.next is not None:   # only show the schedules: the night's and the office hours' intake
        config = load_config(args.config)
        print(describe_schedule(config, n=args.next) + "\n\n" + describe_intake(config, n=args.next))
        return 0
    serve(config_path=args.config, inbox=inbox, data_dir=data_dir, outbox=args.outbox)   # blocks until Ctrl-C / SIGTERM
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fundraising-risk-campaign")
    except PackageNotFoundError:   # run from a source tree that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="campaign", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"campaign {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="scan the inbox, archive, validate and load new files")
    add_common_options(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("intake", help="new files -> receipts and the outbox within minutes: scan, archive, validate, load, "
                                      "then each unit's receipts, 回执汇总 and 待办 (no consolidation, no workbook)")
    add_common_options(p)
    add_outbox_option(p)
    p.add_argument("--date", help="count the days left to each due date from this date, YYYY-MM-DD (default: the "
                        "data date: the arrival date of the newest file received, within the screening window)")
    p.set_defaults(func=cmd_intake)

    p = sub.add_parser("demo", help="write the built-in demo inbox (every registry unit) and run the pipeline on it")
    add_common_options(p, inbox=False)
    add_outbox_option(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("nightly", help="run the nightly flow once, now: ingest + consolidate + publish (+ the outbox)")
    add_common_options(p)
    add_outbox_option(p)
    p.add_argument("--date", help="data date of the published workbook, YYYY-MM-DD (default: the arrival date of the newest file "
                        "received, within the screening window)")
    p.set_defaults(func=cmd_nightly)

    p = sub.add_parser("publish", help="write the summary workbook (publish/summary_<date>.xlsx, latest.xlsx) and receipts")
    add_common_options(p, inbox=False)
    p.add_argument("--date", help="data date of the published workbook, YYYY-MM-DD (default: the arrival date of the newest file "
                        "received, within the screening window)")
    p.add_argument("--force", action="store_true",
                   help="rewrite the workbook and every receipt even when nothing changed since the last publish")
    p.add_argument("--outbox", help="also bring this outbox up to date (receipts, 回执汇总, 待办, 催报); "
                        "without it the next intake or night does")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("query", help='one read-only SQL statement on the analysts\' snapshot: campaign query "SELECT ..."')
    p.add_argument("sql")
    add_common_options(p, inbox=False)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("status", help="campaign day, last run, units not yet reported, rejected files awaiting a resend")
    p.add_argument("--date", help="report as of this date (YYYY-MM-DD; default: today in the campaign time zone)")
    p.add_argument("--check", action="store_true",
                   help="watchdog for cron/monitoring: exit 1 when the last run failed or none completed within "
                        "[operations] check_window_hours (default 26)")
    add_common_options(p, inbox=False)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("reprocess", help="revalidate archived submissions with the current rules and config")
    p.add_argument("--unit", help="only this unit's files")
    p.add_argument("--since", help="only files received on or after this date (YYYY-MM-DD)")
    add_common_options(p, inbox=False)
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser("template", help="write the official blank workbook(s) with drop-downs and number checks")
    p.add_argument("--unit", help="one registry unit (default: one workbook per registry unit)")
    p.add_argument("--out", help="output folder (default: <data-dir>/templates)")
    add_common_options(p, inbox=False)
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("serve", help="serve the nightly flow as the scheduled Prefect deployment nightly/campaign-nightly "
                                     "(every night of the screening window at [schedule] hour:minute) and the intake "
                                     "intake/campaign-intake in office hours ([intake_schedule]); blocks")
    add_common_options(p)
    add_outbox_option(p)
    p.add_argument("--next", type=int, nargs="?", const=5, metavar="N",
                   help="only print the schedule and its next N run times (default 5), then exit")
    p.set_defaults(func=cmd_serve)

    from cli import documents
    documents.add_parser(sub, add_common_options)   # campaign documents [--unit U] | documents classify FILE KIND
    from cli.match import add_parser as add_match   # campaign match list|same|different|export|import
    add_match(sub)
    return parser


class _Parser(argparse.ArgumentParser):
    """A typing mistake in the arguments is one line (and exit 2), not argparse's usage block."""

    def error(self, message: str):
        print(f"{self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)


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
    from publish.files import PublishFailed
    from warehouse.faults import WarehouseBusy
    from warehouse.lock import RunInProgress

    from warehouse import runlog

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
        from warehouse.faults import describe_fault, kind_of, root_cause

        if kind_of(root_cause(exc)):   # a named fault of the data dir (disk full, ...), not a bug: no traceback
            print(f"campaign {args.command}: {describe_fault(exc)}", file=sys.stderr)
            return 2
        from cli.crashlog import write_traceback

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
    from warehouse import db
    from warehouse.runlog import record_unstarted

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


class _NoDrainProgress:
    """Prefect's log and event workers, sending what is left at exit, say `Still processing items:
    N items remaining...` when the server is slow: after the command's last line (a failed night's
    one-line verdict), library noise. Their other warnings (a full queue dropping items) stay."""

    @staticmethod
    def filter(record) -> bool:
        return not record.getMessage().startswith("Still processing items")


def quiet_drain_progress() -> None:
    import logging

    for name in ("EventsWorker", "APILogWorker"):   # the loggers of prefect._internal.concurrency.services
        logging.getLogger(name).addFilter(_NoDrainProgress)


def exit_now(code: int, before_exit=None) -> None:
    """Shut down what matters (see run()), then leave at once; `before_exit()` runs just before."""
    import atexit
    import logging
    import os
    import threading

    shutdown = getattr(threading, "_shutdown", None)   # what the interpreter runs first at exit
    if shutdown is not None:
        shutdown()
    quiet_drain_progress()
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more can reach the reader
            pass
    if before_exit is not None:
        before_exit()
    os._exit(code)


if __name__ == "__main__":
    run()
