"""What many test files do around the product: a config file with some keys changed, the shared
fixtures' modification times, a query of a warehouse, a `campaign` command run in this process.

Not in builders.py: that module builds the files units send (form grids, workbooks); this one is
the tests' own harness, and neither grows the other's job."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import threading
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


def toml_value(value) -> str:
    """A Python value as TOML writes it: dates and numbers bare, text quoted, lists in brackets."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def config_file(directory: Path, name: str = "config.toml", *, keys: dict | None = None,
                edits: tuple[tuple[str, str], ...] = (), append: str = "", source: Path | None = None) -> Path:
    """A copy of the packaged campaign/config.toml (or `source`) in `directory`: each `key = value`
    line of `keys` set (Python values, see toml_value), then each regex edit (pattern, replacement)
    applied, then `append` added. Every key and pattern must match exactly one line: a renamed key
    fails here instead of leaving the test on the default."""
    from campaign.config import DEFAULT_CONFIG

    text = Path(source or DEFAULT_CONFIG).read_text(encoding="utf-8")
    for key, value in (keys or {}).items():
        text, n = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", lambda _: f"{key} = {toml_value(value)}", text)
        assert n == 1, f"{key}: {n} lines in the config"
    for pattern, new in edits:
        text, n = re.subn(pattern, new, text, count=1, flags=re.M)
        assert n == 1, pattern
    path = Path(directory) / name
    path.write_text(text + append, encoding="utf-8")
    return path


def window_config(directory: Path, start: dt.date, end: dt.date, hour: int = 2, minute: int = 0) -> Path:
    """The packaged config with another screening window and nightly hour; the rest of the
    calendar follows the window (the config schema checks its order)."""
    return config_file(directory, "campaign.toml", keys={
        "screening_start": start, "screening_end": end, "hour": hour, "minute": minute, "forms_due": end,
        "mobilisation_start": start - dt.timedelta(3), "mobilisation_end": start - dt.timedelta(1)})


def restore_mtimes(root: Path, files: list[dict]) -> None:
    """git keeps no modification times: set each fixture file's (its `path` under `root`) from its
    intended_mtime_local, e.g. '2018-07-16 16:00 (UTC+8)' (a zone may be fractional: 'UTC+5.5')."""
    for f in files:
        stamp, _, zone = f["intended_mtime_local"].partition(" (UTC")
        offset = dt.timezone(dt.timedelta(hours=float(zone.rstrip(")") or 0)))
        when = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=offset).timestamp()
        os.utime(Path(root) / f["path"], (when, when))


def q(db: Path, sql: str, params=()) -> list[tuple]:
    """The rows of one query of a DuckDB file, read-only (the warehouse or the analysts' copy)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def cli(*argv) -> tuple[int, str, str]:
    """`campaign ...` in this process: (exit code, stdout, stderr), captured here only (pytest's
    capsys would leave Prefect's log handler writing to a closed stream after the test)."""
    from cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(list(argv))
    return rc, out.getvalue(), err.getvalue()


@contextmanager
def serving(**kwargs):
    """`campaign serve` (cli.serve.serve with these arguments) in a thread of this process for the
    block: entered once its deployments are registered; on a clean exit the runner has stopped and
    failed on nothing."""
    from cli.serve import serve

    stop, ready, failure = threading.Event(), threading.Event(), []

    def run():
        try:
            serve(stop=stop, ready=ready, **kwargs)
        except BaseException as exc:   # surfaced by the assertions here
            failure.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="campaign-serve", daemon=True)
    thread.start()
    try:
        assert ready.wait(120) and not failure, failure
        yield
    finally:
        stop.set()
        thread.join(120)
    assert not thread.is_alive(), "the runner did not stop"
    assert not failure, failure
