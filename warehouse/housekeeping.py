"""Leftovers of killed runs, removed by the next run (which holds the run lock, so no run is writing them).

A run killed while it writes leaves its temporary files behind: `receipts/<unit>/.….tmp` and
`publish/.….tmp` (atomic writes not yet renamed), `analytics.duckdb.tmp` (a snapshot being
copied: on a full disk, the very space the next run needs), `archive/tmp/*` (a copy being made)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger("campaign.housekeeping")


def leftovers(data_dir: Path) -> list[Path]:
    data_dir = Path(data_dir)
    found: list[Path] = []
    for folder in ("receipts", "publish"):
        root = data_dir / folder
        if root.is_dir():
            found += [p for p in root.rglob(".*.tmp") if p.is_file()]
    found += [p for p in (data_dir / "analytics.duckdb.tmp", data_dir / "analytics.duckdb.tmp.wal") if p.is_file()]
    tmp = data_dir / "archive" / "tmp"
    if tmp.is_dir():
        found += [p for p in tmp.iterdir() if p.is_file()]
    pending = data_dir / "runs-pending"
    if pending.is_dir():
        found += [p for p in pending.glob(".*.tmp") if p.is_file()]
    return found


def remove_leftovers(data_dir: Path) -> int:
    removed = 0
    for path in leftovers(data_dir):
        try:
            os.unlink(path)
            removed += 1
        except OSError as exc:
            log.warning("could not remove the leftover %s of an earlier run: %s", path, exc)
    if removed:
        log.info("removed %d leftover temporary files of earlier (killed) runs", removed)
    return removed
