"""The warehouse's own run log: every run leaves exactly one `run_log` row with its true outcome.

- A run's row is written `running` when it starts and closed when it ends: `completed` only once
  everything it publishes (workbook, receipts, snapshot) is in place; `failed` with the fault in
  one line; `interrupted` for Ctrl-C / SIGTERM.
- A run killed outright (SIGKILL, power loss) cannot close its row: the next run closes every
  stale `running` row as `interrupted` (runs never overlap: the run lock).
- A run that cannot write the warehouse at all (held by another process, disk full) leaves its
  row in `<data-dir>/runs-pending/<run_id>.json`; the next run moves it into run_log, and
  `campaign status` / `campaign query ... runs` read both meanwhile.
`campaign status` and the `runs` view read this log, never the analysts' snapshot (which a failed
night does not refresh)."""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse import db
from warehouse.faults import describe_fault
from warehouse.snapshot import snapshot_path

PENDING_DIR = "runs-pending"
COLUMNS = ["run_id", "flow", "started_at", "finished_at", "outcome", "inbox", "files_seen", "accepted", "rejected",
           "duplicates", "skipped", "published_file", "message"]
FINISHED_IN_PROCESS: set[str] = set()   # run ids this process recorded: the CLI records a run that never started
INTERRUPTED = "ended without recording its outcome (killed, or the machine stopped); closed by the next run"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _pending_dir(data_dir: Path) -> Path:
    return Path(data_dir) / PENDING_DIR


def pending_rows(data_dir: Path) -> list[dict]:
    rows = []
    for path in sorted(_pending_dir(data_dir).glob("*.json")):
        try:
            row = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for key in ("started_at", "finished_at"):
            if row.get(key):
                row[key] = dt.datetime.fromisoformat(row[key])
        rows.append(row)
    return rows


def _write_pending(data_dir: Path, row: dict) -> None:
    """Last resort when the warehouse cannot take the row: a small JSON file, written atomically."""
    folder = _pending_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()},
                      ensure_ascii=False)
    tmp = folder / f".{row['run_id']}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / f"{row['run_id']}.json")


def _upsert(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    cols = [c for c in COLUMNS if c in row]
    con.execute(f"INSERT OR REPLACE INTO run_log ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [row[c] for c in cols])


def settle_earlier_runs(con: duckdb.DuckDBPyConnection, data_dir: Path, now: dt.datetime, by: str) -> int:
    """Move pending rows into run_log and close stale `running` rows as interrupted (caller holds the
    run lock, so no other run is running). Returns how many stale rows were closed."""
    for row in pending_rows(data_dir):
        _upsert(con, row)
        (_pending_dir(data_dir) / f"{row['run_id']}.json").unlink(missing_ok=True)
    stale = con.execute("SELECT count(*) FROM run_log WHERE outcome = 'running' AND run_id <> ?", [by]).fetchone()[0]
    if stale:
        con.execute("UPDATE run_log SET outcome = 'interrupted', finished_at = coalesce(finished_at, ?), "
                    "message = coalesce(message, ?) WHERE outcome = 'running' AND run_id <> ?",
                    [now, f"{INTERRUPTED} ({by})", by])
    return stale


@dataclass
class RunRecord:
    """One run's row. start() once the schema exists; finish() however the run ends."""
    data_dir: Path
    run_id: str
    flow: str
    inbox: str | None = None
    started_at: dt.datetime = field(default_factory=utcnow)
    finished: bool = False
    counts: dict = field(default_factory=dict)

    def row(self, outcome: str, **extra) -> dict:
        c = self.counts
        return {"run_id": self.run_id, "flow": self.flow, "started_at": self.started_at, "outcome": outcome,
                "inbox": self.inbox, "files_seen": c.get("seen"), "accepted": c.get("accepted"),
                "rejected": c.get("rejected"), "duplicates": c.get("duplicate"), "skipped": c.get("skipped"), **extra}

    def start(self) -> None:
        con = db.connect(db.warehouse_path(self.data_dir))
        try:
            settle_earlier_runs(con, self.data_dir, utcnow(), self.run_id)
            _upsert(con, self.row("running"))
        finally:
            con.close()

    def finish(self, outcome: str, published_file: str | None = None, message: str | None = None,
               finished_at: dt.datetime | None = None) -> None:
        """Record the final outcome: in run_log if the warehouse takes it, else as a pending file.
        Never raises (the run's own error, if any, is what the caller re-raises)."""
        if self.finished:
            return
        row = self.row(outcome, finished_at=finished_at or utcnow(), published_file=published_file, message=message)
        try:
            con = db.connect(db.warehouse_path(self.data_dir), attempts=2, wait=1.0)
            try:
                _upsert(con, row)
            finally:
                con.close()
        except Exception as exc:
            row["message"] = "; ".join(x for x in (message, f"(run log kept aside: {describe_fault(exc)})") if x)
            try:
                _write_pending(self.data_dir, row)
            except OSError:
                pass   # nothing can be written at all: the next run closes the `running` row as interrupted
        self.finished = True
        FINISHED_IN_PROCESS.add(self.run_id)

    def finish_with(self, row: dict) -> None:
        """Record a final row prepared before (the one already copied into the snapshot)."""
        self.finish(row["outcome"], published_file=row.get("published_file"), message=row.get("message"),
                    finished_at=row.get("finished_at"))

    def fail(self, exc: BaseException) -> str:
        """Close the row for a run ending with `exc`; returns the one-line message recorded."""
        interrupted = isinstance(exc, (KeyboardInterrupt, SystemExit)) or type(exc).__name__ in ("TerminationSignal",
                                                                                                "Abort")
        message = "interrupted (Ctrl-C or SIGTERM)" if interrupted else describe_fault(exc)
        self.finish("interrupted" if interrupted else "failed", message=message)
        return message


def read_runs(data_dir: Path) -> tuple[list[dict], str | None]:
    """Every run, newest first, from the warehouse's run log plus pending rows; and a note when the
    warehouse could not be read (held by a run writing now) and the snapshot's copy was used."""
    rows: dict[str, dict] = {}
    note = None
    sources = [(db.warehouse_path(data_dir), None),
               (snapshot_path(data_dir), "the warehouse is held by a run writing now: runs up to the last snapshot")]
    for path, why in sources:
        if not path.exists():
            continue
        try:
            con = db.connect(path, read_only=True, attempts=3, wait=0.5)
        except Exception:
            continue
        try:
            if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'run_log'").fetchone()[0]:
                for r in con.execute(f"SELECT {', '.join(COLUMNS)} FROM run_log").fetchall():
                    rows[r[0]] = dict(zip(COLUMNS, r))
        finally:
            con.close()
        note = why
        break
    for r in pending_rows(data_dir):
        rows[r["run_id"]] = {c: r.get(c) for c in COLUMNS}
    out = sorted(rows.values(), key=lambda r: r["started_at"], reverse=True)
    for r in out:
        f, s = r.get("finished_at"), r.get("started_at")
        r["seconds"] = int((f - s).total_seconds()) if f and s else None
    return out, note


def live_runs(con: duckdb.DuckDBPyConnection, data_dir: Path) -> str | None:
    """Shadow the snapshot's `runs` view on an analyst's connection with the live run log (a temp
    table of the same columns). Returns the note of read_runs (None: live)."""
    rows, note = read_runs(data_dir)
    cols = ["run_id", "flow", "started_at", "finished_at", "outcome", "seconds", "files_seen", "accepted",
            "rejected", "duplicates", "skipped", "published_file", "message", "inbox"]
    types = {"started_at": "TIMESTAMP", "finished_at": "TIMESTAMP", "seconds": "BIGINT", "files_seen": "INTEGER",
             "accepted": "INTEGER", "rejected": "INTEGER", "duplicates": "INTEGER", "skipped": "INTEGER"}
    con.execute("CREATE OR REPLACE TEMP TABLE runs (" + ", ".join(f"{c} {types.get(c, 'VARCHAR')}" for c in cols) + ")")
    if rows:
        con.executemany(f"INSERT INTO runs VALUES ({', '.join('?' * len(cols))})",
                        [[r.get(c) for c in cols] for r in rows])
    return note


def check(data_dir: Path, now: dt.datetime, window_hours: float) -> tuple[bool, str]:
    """The watchdog (`campaign status --check`): (healthy, one line). Unhealthy when the last run
    that ended failed or was interrupted, or when no run completed within `window_hours`."""
    rows, _ = read_runs(data_dir)
    if not rows:
        return False, f"CHECK FAILED: no run recorded in {data_dir}"
    # the office-hours intake runs (flows/intake.py) are judged apart: ten an hour must not hide a failed night
    intakes = sorted((r for r in rows if r["flow"] == "intake" and r["outcome"] != "running" and r.get("finished_at")),
                     key=lambda r: r["finished_at"], reverse=True)
    if intakes and intakes[0]["outcome"] != "completed":
        last = intakes[0]
        return False, (f"CHECK FAILED: the last intake run ({last['run_id']}, started {last['started_at']:%Y-%m-%d %H:%M} "
                       f"UTC) {last['outcome']}: {last.get('message') or ''}")
    rows = [r for r in rows if r["flow"] != "intake"] or rows
    ended = sorted((r for r in rows if r["outcome"] != "running" and r.get("finished_at")),
                   key=lambda r: r["finished_at"], reverse=True)
    if ended and ended[0]["outcome"] != "completed":
        last = ended[0]
        return False, (f"CHECK FAILED: the last run ({last['flow']} {last['run_id']}, started "
                       f"{last['started_at']:%Y-%m-%d %H:%M} UTC) {last['outcome']}: {last.get('message') or ''}")
    completed = [r for r in ended if r["outcome"] == "completed"]
    cutoff = now - dt.timedelta(hours=window_hours)
    if not completed or completed[0]["finished_at"] < cutoff:
        when = f"{completed[0]['finished_at']:%Y-%m-%d %H:%M} UTC" if completed else "never"
        return False, f"CHECK FAILED: no run completed in the last {window_hours:g} h (last completed: {when})"
    last = completed[0]
    return True, (f"OK: last run {last['flow']} completed {last['finished_at']:%Y-%m-%d %H:%M} UTC"
                  + (f", published {last['published_file']}" if last.get("published_file") else ""))


def record_unstarted(data_dir: Path, flow: str, inbox: str | None, exc: BaseException) -> None:
    """A run that failed before its flow recorded anything (e.g. the warehouse held at the CLI's
    pre-flight check, the Prefect API unreachable): it still leaves its row."""
    if FINISHED_IN_PROCESS or data_dir is None:
        return
    import uuid

    RunRecord(Path(data_dir), uuid.uuid4().hex, flow, inbox).fail(exc)
