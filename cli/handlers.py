"""The `campaign` sub-commands: each a thin shell over a flow or a warehouse query (cli/parser.py
wires them to their arguments). Prefect, GX and DuckDB are imported inside each handler, after
prepare_command has checked the arguments and set the offline defaults."""
from __future__ import annotations

import sys
from pathlib import Path

from campaign.config import load_config
from campaign.dates import parse_date_arg
from campaign.errors import InputError
from cli.common import analytics_connection, flows_ready, preflight, prepare_command
from cli.intake_schedule import describe_intake
from publish.dues import status_lines


def cmd_ingest(args) -> int:
    inbox, data_dir = prepare_command(args)
    preflight(data_dir)
    from flows.ingest import ingest_flow   # Prefect: not before prepare_command (runtime.configure)

    flows_ready(args)
    ingest_flow(inbox=str(inbox), data_dir=str(data_dir), config_path=args.config)  # logs its summary
    return 0


def cmd_intake(args) -> int:
    parse_date_arg(args.date)
    inbox, data_dir = prepare_command(args)
    preflight(data_dir)
    from flows.intake import intake_flow   # Prefect: not before prepare_command (runtime.configure)

    flows_ready(args)
    result = intake_flow(inbox=str(inbox), data_dir=str(data_dir), config_path=args.config, outbox=args.outbox,
                         date=args.date)
    print(result.summary())
    return 0


def cmd_demo(args) -> int:
    _, data_dir = prepare_command(args)
    preflight(data_dir)
    from cli.demo import write_demo_inbox   # openpyxl: only the demo writes its inbox's workbooks
    from flows.nightly import nightly_flow   # Prefect: not before prepare_command (runtime.configure)

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
    from flows.nightly import nightly_flow   # Prefect: not before prepare_command (runtime.configure)

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
    from flows.consolidate import consolidate_flow   # Prefect: not before prepare_command (runtime.configure)
    from flows.publish import publish_flow   # Prefect: not before prepare_command (runtime.configure)

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
    from warehouse.analyst_query import check_read_only, run_query   # DuckDB: not at every command's start
    from warehouse.runlog import live_runs   # DuckDB, as above

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

    from warehouse.status import status_report   # DuckDB: not at every command's start

    from warehouse import runlog   # DuckDB, as above

    config = load_config(args.config)
    if args.check:   # the watchdog: the warehouse's run log only, exit 1 when the night needs a look
        ok, line = runlog.check(data_dir, runlog.utcnow(), config.check_window_hours)
        print(line, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    today = parse_date_arg(args.date) if args.date else dt.datetime.now(ZoneInfo(config.timezone)).date()
    con = analytics_connection(data_dir)
    try:
        print(status_report(con, config, today, runlog.read_runs(data_dir)))
        from warehouse.summary import read_outbox_frames   # DuckDB, as above

        print("\n" + "\n".join(status_lines(read_outbox_frames(con, config.units), today, config.office)))   # 催报
    finally:
        con.close()
    return 0


def cmd_reprocess(args) -> int:
    _, data_dir = prepare_command(args)
    preflight(data_dir)
    from flows.reprocess import reprocess_flow   # Prefect: not before prepare_command (runtime.configure)

    flows_ready(args)
    result = reprocess_flow(data_dir=str(data_dir), unit=args.unit, since=args.since, config_path=args.config)
    print(result.summary())
    return 0


def cmd_template(args) -> int:
    _, data_dir = prepare_command(args)
    from publish.layout import blank_workbook   # openpyxl: only the template writes a workbook

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
    from cli.serve import describe_schedule, serve   # Prefect (cli.serve imports it): after prepare_command

    if args.next is not None:   # only show the schedules: the night's and the office hours' intake
        config = load_config(args.config)
        print(describe_schedule(config, n=args.next) + "\n\n" + describe_intake(config, n=args.next))
        return 0
    serve(config_path=args.config, inbox=inbox, data_dir=data_dir, outbox=args.outbox)   # blocks until Ctrl-C / SIGTERM
    return 0
