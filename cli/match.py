"""`campaign match` — the office's decisions on companies that may be one (issue 16).

    campaign match list [--all]                 open candidate pairs (--all: decided ones too)
    campaign match same KEY_A KEY_B [--note T]  the two are one company: merged in risk_ledger
    campaign match different KEY_A KEY_B        two companies: kept apart, no longer proposed
    campaign match export FILE                  every decision in force, as CSV
    campaign match import FILE                  record the decisions of such a CSV (all or none)

Decisions are recorded in the warehouse (match_decisions: who, when) and take effect at the next
consolidation (`campaign nightly`, or `campaign publish`); no rerun or reprocess removes them."""
from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from campaign.config import load_config
from campaign.errors import InputError
from cli.common import add_common_options, analytics_connection, preflight, prepare_command
from transforms.text import decode_office_text
from warehouse.lock import RunLock


def add_parser(sub) -> None:
    """Register `campaign match` on the CLI's sub-parsers (cli/main.py)."""
    p = sub.add_parser("match", help="companies that may be one: list candidates, record same/different, "
                                     "export/import the decisions as CSV")
    msub = p.add_subparsers(dest="match_command", required=True)
    q = msub.add_parser("list", help="candidate pairs still open (with --all: the decided ones too)")
    q.add_argument("--all", action="store_true", help="also the pairs already decided")
    add_common_options(q, inbox=False)
    for decision, text in (("same", "the two keys are one company: merged in the ledger from the next consolidation"),
                           ("different", "two different companies: kept apart and no longer proposed")):
        q = msub.add_parser(decision, help=text)
        q.add_argument("key_a", metavar="KEY_A")
        q.add_argument("key_b", metavar="KEY_B")
        q.add_argument("--note", help="why (kept with the decision)")
        q.add_argument("--by", help="who decides (default: $CAMPAIGN_USER or the login name)")
        add_common_options(q, inbox=False)
        q.set_defaults(decision=decision)
    q = msub.add_parser("export", help="write every decision in force to a CSV file (UTF-8, opens in Excel)")
    q.add_argument("file", metavar="FILE")
    add_common_options(q, inbox=False)
    q = msub.add_parser("import", help="record the decisions of a CSV file as `match export` writes it")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--by", help="who, where a row names nobody (default: $CAMPAIGN_USER or the login name)")
    add_common_options(q, inbox=False)
    p.set_defaults(func=cmd_match)


def _who(args) -> str:
    if getattr(args, "by", None):
        return args.by
    try:
        return os.environ.get("CAMPAIGN_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def cmd_match(args: argparse.Namespace) -> int:
    _, data_dir = prepare_command(args)
    if args.match_command == "list":
        return _list(data_dir, args.all)
    if args.match_command == "export":
        return _export(data_dir, Path(args.file).expanduser())
    preflight(data_dir)
    return _write(args, data_dir)


def _read_only(data_dir: Path):
    """The analysts' snapshot (refreshed by every run and every decision), never blocked by a run."""
    return analytics_connection(data_dir)


def _list(data_dir: Path, everything: bool) -> int:
    con = _read_only(data_dir)
    try:
        df = con.execute(f"""
            SELECT decision, score, key_a, key_b, array_to_string(units_a, '、') AS units_a,
                   array_to_string(units_b, '、') AS units_b, reason, decided_by
            FROM company_candidates {'' if everything else "WHERE decision = 'open'"}
            ORDER BY decision <> 'open', score DESC, key_a, key_b""").df()
    finally:
        con.close()
    if df.empty:
        print("no candidate pairs" + ("" if everything else " open") + " (as of the last consolidation)")
        return 0
    print(df.to_string(index=False, max_colwidth=60))
    print(f"{len(df)} pairs; decide with: campaign match same|different KEY_A KEY_B")
    return 0


def _export(data_dir: Path, target: Path) -> int:
    from warehouse.identity import export_csv   # DuckDB: not when the parser imports this module

    con = _read_only(data_dir)
    try:
        text = export_csv(con)
    finally:
        con.close()
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"wrote {text.count(chr(10)) - 1} decisions to {target}")
    return 0


def _csv_text(path: Path) -> str:
    """The CSV's text: UTF-8 as `match export` writes it, or GB18030 (GBK), which Excel on a
    Chinese Windows writes when the clerk saves the edited file as plain "CSV (逗号分隔)"."""
    try:
        text = decode_office_text(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if text is not None and "\x00" not in text:   # NUL: a binary file that happens to decode
        return text
    raise InputError(f"{path} is not a text file: save the CSV as UTF-8 (or as Excel's CSV)")


def _write(args, data_dir: Path) -> int:
    from warehouse import db   # DuckDB: not when the parser imports this module
    from warehouse.identity import import_csv, record_decision   # DuckDB, as above
    from warehouse.snapshot import refresh_snapshot   # DuckDB, as above

    config = load_config(args.config)
    text = None
    if args.match_command == "import":
        text = _csv_text(Path(args.file).expanduser())
    path = db.warehouse_path(data_dir)
    if not path.exists():
        raise InputError(f"no warehouse yet in {data_dir}: run `campaign ingest` or `campaign nightly` first")
    with RunLock(data_dir, wait_seconds=config.run_lock_wait):
        con = db.connect(path)
        try:
            db.init_schema(con)
            if text is not None:
                recorded, unchanged = import_csv(con, text, Path(args.file).name, _who(args))
                message = f"recorded {recorded} decisions from {args.file} ({unchanged} already in force)"
            else:
                a, b = record_decision(con, args.key_a, args.key_b, args.decision, _who(args), args.note)
                message = f"recorded: “{a}” and “{b}” are {'one company' if args.decision == 'same' else 'different companies'}"
        finally:
            con.close()
        refresh_snapshot(data_dir)
    print(message + "; the ledger follows from the next consolidation (campaign nightly, or campaign publish)")
    return 0
