"""`campaign` — the command line of the screening-campaign pipeline.

Each sub-command is a thin shell over a flow or a warehouse query; `campaign <cmd> --help`.
Prefect and Great Expectations are imported only after the offline defaults are in place.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from campaign import runtime
from campaign.config import load_config


def _common(p: argparse.ArgumentParser, inbox: bool = True) -> None:
    if inbox:
        p.add_argument("--inbox", help="shared folder <inbox>/<unit>/<file>.xlsx (default: config paths.inbox)")
    p.add_argument("--data-dir", help="warehouse, archive, publish/ and receipts/ (default: config paths.data_dir)")
    p.add_argument("--config", help="config file (default: $CAMPAIGN_CONFIG or the packaged campaign/config.toml)")


def _dirs(args) -> tuple[Path | None, Path]:
    config = load_config(args.config)
    data_dir = Path(args.data_dir).resolve() if args.data_dir else config.data_dir
    inbox = Path(args.inbox).resolve() if getattr(args, "inbox", None) else config.inbox
    runtime.configure(data_dir)
    return inbox, data_dir


def cmd_ingest(args) -> int:
    inbox, data_dir = _dirs(args)
    from flows.ingest import ingest_flow

    ingest_flow(inbox=str(inbox), data_dir=str(data_dir), config_path=args.config)  # logs its summary
    return 0


def cmd_demo(args) -> int:
    _, data_dir = _dirs(args)
    from campaign.demo import write_demo_inbox
    from flows.nightly import nightly_flow

    inbox = data_dir / "demo-inbox"
    config = load_config(args.config)
    if inbox.exists() and any(inbox.iterdir()):
        print(f"demo inbox already present: {inbox}")
    else:
        paths = write_demo_inbox(inbox, config)
        print(f"wrote demo inbox {inbox}: {len(paths)} files for {len(config.units)} units")
    result = nightly_flow(inbox=str(inbox), data_dir=str(data_dir), config_path=args.config)
    print(result.ingest.summary())
    print(f"warehouse: {data_dir / 'campaign.duckdb'}")
    print(f"published: {result.workbook}")
    return 0


def cmd_nightly(args) -> int:
    inbox, data_dir = _dirs(args)
    from flows.nightly import nightly_flow

    result = nightly_flow(inbox=str(inbox), data_dir=str(data_dir), config_path=args.config, date=args.date)
    print(result.ingest.summary())
    print(f"published: {result.workbook}")
    return 0


def cmd_publish(args) -> int:
    _, data_dir = _dirs(args)
    from flows.consolidate import consolidate_flow
    from flows.publish import publish_flow

    consolidate_flow(data_dir=str(data_dir), config_path=args.config)   # views in step with the config file
    result = publish_flow(data_dir=str(data_dir), config_path=args.config, date=args.date)
    print(f"published: {result.workbook}\nlatest:    {result.latest}\nreceipts:  {len(result.receipts)} in {data_dir / 'receipts'}")
    return 0


def cmd_query(args) -> int:
    _, data_dir = _dirs(args)
    from warehouse import db

    con = db.connect(db.warehouse_path(data_dir), read_only=True)
    try:
        print(con.sql(args.sql).df().to_string(index=False, max_colwidth=60))
    finally:
        con.close()
    return 0


def cmd_status(args) -> int:
    _, data_dir = _dirs(args)
    from warehouse import db

    path = db.warehouse_path(data_dir)
    if not path.exists():
        print(f"no warehouse yet at {path}: run `campaign ingest` or `campaign demo` first")
        return 1
    con = db.connect(path, read_only=True)
    try:
        print(con.sql("""SELECT unit, status, count(*) AS files, sum(error_count) AS errors,
                                sum(warning_count) AS warnings, bool_or(is_current) AS has_current
                         FROM submissions GROUP BY ALL ORDER BY unit, status""").df().to_string(index=False))
    finally:
        con.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaign", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="scan the inbox, archive, validate and load new files")
    _common(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("demo", help="write the built-in demo inbox (every registry unit) and run the pipeline on it")
    _common(p, inbox=False)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("nightly", help="run the nightly flow once, now: ingest + consolidate + publish")
    _common(p)
    p.add_argument("--date", help="data date of the published workbook, YYYY-MM-DD (default: today in the config time zone)")
    p.set_defaults(func=cmd_nightly)

    p = sub.add_parser("publish", help="write the summary workbook (publish/summary_<date>.xlsx, latest.xlsx) and receipts")
    _common(p, inbox=False)
    p.add_argument("--date", help="data date of the published workbook, YYYY-MM-DD (default: today in the config time zone)")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("query", help='run one SQL statement on the warehouse, read-only: campaign query "SELECT ..."')
    p.add_argument("sql")
    _common(p, inbox=False)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("status", help="what has been received, accepted and rejected")
    _common(p, inbox=False)
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
