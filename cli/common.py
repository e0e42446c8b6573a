"""What every `campaign` command does first: the shared options, checking the arguments and setting
the process up (offline defaults, Prefect API, the GX child), the warehouse preflight, and the
analysts' read-only connection. Used by the handlers (cli/main.py) and the documents and match
commands.

The warehouse (DuckDB) and GX are imported inside the functions: a command's arguments are checked,
and runtime.configure has set Prefect's offline defaults, before anything heavy is imported."""
from __future__ import annotations

import argparse
from pathlib import Path

from campaign.config import load_config
from campaign.errors import InputError
from cli import arguments, prefect_api, warm
from support import runtime


def add_common_options(p: argparse.ArgumentParser, inbox: bool = True) -> None:
    if inbox:
        p.add_argument("--inbox", help="shared folder <inbox>/<unit>/<file>.xlsx (default: config paths.inbox)")
    p.add_argument("--data-dir", help="warehouse, archive, publish/ and receipts/ (default: config paths.data_dir)")
    p.add_argument("--config", help="config file (default: $CAMPAIGN_CONFIG or the packaged campaign/config.toml)")


FLOW_COMMANDS = {"ingest", "intake", "demo", "nightly", "publish", "reprocess"}
VALIDATING_COMMANDS = {"ingest", "intake", "demo", "nightly", "reprocess"}


def add_outbox_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--outbox", help="where units look for their receipts, 回执汇总 and 待办: <outbox>/<unit>/ "
                        "(default: config paths.outbox, a relative one beside the inbox)")


def prepare_command(args) -> tuple[Path | None, Path]:
    """Check every argument (one line, exit 2, nothing written), then set the process up: offline
    defaults and, for a command that runs flows, its Prefect API (cli.prefect_api)."""
    config = load_config(args.config)
    arguments.check(args, config)
    data_dir, inbox = arguments.data_dir_of(args, config), arguments.inbox_of(args, config)
    args.resolved_data_dir = data_dir
    warm.check_data_dir(data_dir)   # in a warm start (cli.warm): its data dir, or the command runs by itself
    uses_prefect = args.command in FLOW_COMMANDS or (args.command == "serve" and args.next is None)
    if uses_prefect:
        prefect_api.check_user_api()
    from warehouse import db   # DuckDB: only once every argument has been checked

    db.configure_backoff(config)   # the preflight's waits follow this run's [operations], not a default
    runtime.configure(data_dir if uses_prefect else None)   # status, query, template: nothing written for Prefect
    if args.command in FLOW_COMMANDS:
        args.api = prefect_api.attach(data_dir)   # a private server boots while the flows are imported
    if args.gx_child and _may_validate(args, inbox, data_dir, config):
        from expectations import background   # multiprocessing etc.: only a validating command starts the GX child

        args.stack.enter_context(background.started(data_dir))   # GX imports on the other core meanwhile
    return inbox, data_dir


def _may_validate(args, inbox: Path | None, data_dir: Path, config) -> bool:
    """Whether this command may validate a workbook: a demo or a reprocess does; a night or an
    ingest only when its inbox holds a file not seen before (cli.inbox_news)."""
    if args.command not in VALIDATING_COMMANDS:
        return False
    if args.command in ("nightly", "ingest", "intake"):
        from cli.inbox_news import inbox_has_news   # DuckDB: only a night, ingest or intake asks

        return inbox_has_news(inbox, data_dir, config)
    return True


def flows_ready(args) -> None:
    api = getattr(args, "api", None)
    if api is not None:
        api.ready()
        args.stack.enter_context(prefect_api.hand_run_settings())   # until the command ends


def preflight(data_dir: Path) -> None:
    """Fail in one line, before any flow starts, when another process holds the warehouse."""
    from warehouse import db   # DuckDB: not at every command's start (`--help`, a typo)

    path = db.warehouse_path(data_dir)
    if path.exists():
        db.connect(path).close()   # retries with back-off, then raises WarehouseBusy


def analytics_connection(data_dir: Path):
    """A read-only connection to the analysts' snapshot (falls back to the warehouse before the first run)."""
    from warehouse import db   # DuckDB: not at every command's start (`--help`, a typo)
    from warehouse.snapshot import snapshot_path   # DuckDB, as above

    for path in (snapshot_path(data_dir), db.warehouse_path(data_dir)):
        if path.exists():
            return db.connect(path, read_only=True)
    raise InputError(f"no warehouse yet in {data_dir}: run `campaign ingest` or `campaign demo` first "
                     f"(or give --data-dir)")
