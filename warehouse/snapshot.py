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


def refresh_snapshot(data_dir: Path) -> Path:
    """Copy the warehouse into analytics.duckdb, atomically (the caller holds the run lock)."""
    con = db.connect(db.warehouse_path(data_dir))
    try:
        return _copy(con, data_dir)
    finally:
        con.close()


def _copy(con: duckdb.DuckDBPyConnection, data_dir: Path) -> Path:
    target = snapshot_path(data_dir)
    tmp = target.with_name(target.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        if leftover.exists():
            leftover.unlink()
    source = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f"ATTACH '{tmp}' AS analytics_snapshot")
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO analytics_snapshot')
    finally:
        con.execute("DETACH analytics_snapshot")
    os.replace(tmp, target)
    return target
