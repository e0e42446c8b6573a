"""Has the inbox anything new? A hint for the CLI, taken before the night starts.

A hand run starts its Great Expectations child (expectations.background) only when the night may
have a file to validate: a rerun with nothing new then neither imports GX nor spends the other
core on it. The answer is a hint, never a verdict: the night itself scans and decides, and a wrong
"nothing new" only means that the batch is validated in the run's own process.
"""
from __future__ import annotations

from pathlib import Path

from campaign.config import Config
from intake.scan import scan_inbox
from warehouse import db, load
from warehouse.runlog import utcnow


def inbox_has_news(inbox: Path, data_dir: Path, config: Config) -> bool:
    """False only when every candidate file is one the warehouse has recorded at the same path,
    size and modification time (what the archive step passes without reading it); any doubt
    (no warehouse yet, the warehouse busy, an unreadable inbox) answers True."""
    try:
        found, _ = scan_inbox(inbox, config.intake, utcnow())
        if not found:
            return False
        path = db.warehouse_path(data_dir)
        if not path.exists():
            return True
        con = db.connect(path, read_only=True, attempts=1)
        try:
            known = load.known_by_stat(con)
        finally:
            con.close()
    except Exception:   # the night reports whatever this was; the hint just says "maybe"
        return True
    return any((f.unit, f.inbox_path, f.size, f.mtime) not in known for f in found)
