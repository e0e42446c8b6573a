"""Write what the ingest flow learned into the warehouse: one transaction per submission."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd

from campaign.forms import FORMS_BY_CODE, NUMERIC_KINDS, YESNO
from transforms.submission import FormRecord, Verdict
from warehouse.db import form_columns

CENT = Decimal("0.01")


def seen_receipts(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], str]:
    """(unit, inbox_path, sha256) -> status of every file already recorded."""
    return {(u, p, s): st for u, p, s, st in con.execute(
        "SELECT unit, inbox_path, sha256, status FROM received_files").fetchall()}


def first_paths(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(unit, sha256) -> inbox_path of the file that first brought these bytes (not a duplicate)."""
    return {(u, s): p for u, s, p in con.execute(
        "SELECT unit, sha256, inbox_path FROM received_files WHERE status <> 'duplicate'").fetchall()}


def _exact(v) -> str | None:
    """Decimal -> text rounded to the cent, cast to DECIMAL(18,2) by DuckDB (never via float)."""
    return None if v is None else str(Decimal(v).quantize(CENT, rounding=ROUND_HALF_UP))


def _form_frame(unit: str, sha: str, rec: FormRecord) -> pd.DataFrame:
    form = FORMS_BY_CODE[rec.form]
    cols = form_columns(form)
    kinds = {c.name: c.kind for c in form.columns}
    out = pd.DataFrame(index=rec.rows.index)
    for name, _ in cols:
        if name == "unit":
            out[name] = unit
        elif name == "sha256":
            out[name] = sha
        elif kinds.get(name) in NUMERIC_KINDS:
            out[name] = rec.rows[f"{name}__dec"].map(_exact).astype(object)
        elif kinds.get(name) == YESNO:
            out[name] = rec.rows[name].map({"是": True, "否": False}).astype(object)
        else:
            out[name] = rec.rows[name].astype(object).where(rec.rows[name].notna(), None)
    return out


def record_verdict(con: duckdb.DuckDBPyConnection, verdict: Verdict, run_id: str) -> None:
    """Record one received file and everything found in it, atomically (replaces an earlier load)."""
    r = verdict.receipt
    key = (r.unit, r.sha256)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM received_files WHERE unit = ? AND inbox_path = ? AND sha256 = ?",
                    (r.unit, r.inbox_path, r.sha256))
        con.execute("INSERT INTO received_files VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (r.unit, r.file_name, r.inbox_path, r.sha256, r.size_bytes, r.file_mtime, r.received_at,
                     run_id, verdict.status, verdict.duplicate_of, r.archive_path))
        if verdict.status != "duplicate":
            for table in ("submission_forms", "issues", "form1_rows", "form2_rows", "form3_rows"):
                con.execute(f"DELETE FROM {table} WHERE unit = ? AND sha256 = ?", key)
            if verdict.issues:
                con.executemany("INSERT INTO issues VALUES (?,?,?,?,?,?,?,?,?,?,?)", [
                    (r.unit, r.sha256, r.file_name, i, x.form, x.sheet, x.cell, x.rule, x.severity, x.value, x.message)
                    for i, x in enumerate(verdict.issues)])
            for f in verdict.forms:
                con.execute("INSERT INTO submission_forms VALUES (?,?,?,?,?,?,?,?,?)",
                            (r.unit, r.sha256, f.form, f.sheet, f.filler, f.phone, f.footer_date, len(f.rows),
                             f.counts and verdict.status == "accepted"))
                if verdict.status == "accepted" and f.counts and not f.rows.empty:
                    form = FORMS_BY_CODE[f.form]
                    frame = _form_frame(r.unit, r.sha256, f)
                    con.register("incoming", frame)
                    cols = form_columns(form)
                    select = ", ".join(f"CAST({n} AS {t.split(' NOT NULL')[0]})" for n, t in cols)
                    con.execute(f"INSERT INTO {form.key}_rows SELECT {select} FROM incoming")
                    con.unregister("incoming")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def record_skips(con: duckdb.DuckDBPyConnection, run_id: str, skips: list[tuple[str, str]], now: dt.datetime) -> None:
    if skips:
        con.executemany("INSERT INTO inbox_skips VALUES (?,?,?,?)", [(run_id, p, why, now) for p, why in skips])


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, inbox: str | None, now: dt.datetime) -> None:
    con.execute("INSERT OR REPLACE INTO run_log (run_id, flow, started_at, outcome, inbox) VALUES (?,?,?,?,?)",
                (run_id, flow, now, "running", inbox))


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, now: dt.datetime, outcome: str, counts: dict,
               published_file: str | None = None, message: str | None = None) -> None:
    con.execute("""UPDATE run_log SET finished_at = ?, outcome = ?, files_seen = ?, accepted = ?, rejected = ?,
                   duplicates = ?, skipped = ?, published_file = coalesce(?, published_file), message = ?
                   WHERE run_id = ?""",
                (now, outcome, counts.get("seen", 0), counts.get("accepted", 0), counts.get("rejected", 0),
                 counts.get("duplicate", 0), counts.get("skipped", 0), published_file, message, run_id))
