"""The analysts' copy of the warehouse: <data-dir>/analytics.duckdb.

DuckDB allows one writer per file and a writer cannot open a file another process holds.
Analysts therefore never open campaign.duckdb: after each run the pipeline copies the
warehouse (tables and views) into a new file and renames it over analytics.duckdb. An analyst
holding the old snapshot open keeps reading it undisturbed; the next connection sees the new one."""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse import db

SNAPSHOT_FILE = "analytics.duckdb"


def snapshot_path(data_dir: Path) -> Path:
    return Path(data_dir) / SNAPSHOT_FILE


def refresh_snapshot(data_dir: Path, completed: dict | None = None) -> Path:
    """Copy the warehouse into analytics.duckdb, atomically (the caller holds the run lock).
    completed: the run's final run_log row, written into the copy (the warehouse gets it after)."""
    tmp = stage_snapshot(data_dir, completed)
    target = snapshot_path(data_dir)
    os.replace(tmp, target)
    return target


def stage_snapshot(data_dir: Path, completed: dict | None = None) -> Path:
    """The new snapshot, complete, under its temporary name (renamed over analytics.duckdb by the caller)."""
    con = db.connect(db.warehouse_path(data_dir))
    try:
        return _copy(con, data_dir, completed)
    finally:
        con.close()


def _copy(con: duckdb.DuckDBPyConnection, data_dir: Path, completed: dict | None = None) -> Path:
    target = snapshot_path(data_dir)
    tmp = target.with_name(target.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        if leftover.exists():
            leftover.unlink()
    source = con.execute("SELECT current_database()").fetchone()[0]
    try:
        con.execute("ATTACH ? AS analytics_snapshot", [str(tmp)])   # a parameter: any path, apostrophes too
        try:
            con.execute(f"COPY FROM DATABASE {quote_ident(source)} TO analytics_snapshot")
            if completed:
                cols = list(completed)
                con.execute(f"INSERT OR REPLACE INTO analytics_snapshot.run_log ({', '.join(cols)}) "
                            f"VALUES ({', '.join('?' * len(cols))})", [completed[c] for c in cols])
        finally:
            con.execute("DETACH analytics_snapshot")
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):   # never leave a half copy on a full disk
            try:
                leftover.unlink()
            except OSError:
                pass
        raise
    return tmp


def quote_ident(name: str) -> str:
    """A SQL identifier, quoted (a database named after a file may hold any character)."""
    return '"' + name.replace('"', '""') + '"'
