"""The `campaign` command's arguments: one sub-parser per command, each wired to its handler
(cli/handlers.py); a typing mistake is one line and exit 2."""
from __future__ import annotations

import argparse
import sys

from cli import documents
from cli.common import add_common_options, add_outbox_option
from cli.handlers import (cmd_demo, cmd_ingest, cmd_intake, cmd_nightly, cmd_publish, cmd_query, cmd_reprocess,
                          cmd_serve, cmd_status, cmd_template)
from cli.match import add_parser as add_match

DESCRIPTION = "`campaign` — the command line of the screening-campaign pipeline."


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fundraising-risk-campaign")
    except PackageNotFoundError:   # run from a source tree that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="campaign", description=DESCRIPTION)
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

    documents.add_parser(sub, add_common_options)   # campaign documents [--unit U] | documents classify FILE KIND
    add_match(sub)
    return parser


class _Parser(argparse.ArgumentParser):
    """A typing mistake in the arguments is one line (and exit 2), not argparse's usage block."""

    def error(self, message: str):
        print(f"{self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)
