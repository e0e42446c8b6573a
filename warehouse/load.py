"""Write what the ingest flow learned into the warehouse: one transaction per submission."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd

from campaign.forms import FORMS_BY_CODE, NUMERIC_KINDS, YESNO
from transforms.submission import Verdict
from warehouse.db import form_columns, rollback, transaction

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


def record_verdict(con: duckdb.DuckDBPyConnection, verdict: Verdict, run_id: str) -> None:
    """Record one received file and everything found in it, atomically (replaces an earlier load)."""
    r = verdict.receipt
    key = (r.unit, r.sha256)
    with transaction(con):
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
                con.execute(f"INSERT INTO submission_forms ({', '.join(_FORM_COLUMNS)}) "
                            f"VALUES ({', '.join('?' * len(_FORM_COLUMNS))})", _form_row(verdict, f))
            _insert_form_rows(con, _batch_form_rows([verdict]))


def known_by_stat(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, int, dt.datetime], tuple[str, str]]:
    """(unit, inbox_path, size_bytes, file_mtime) -> (sha256, archive_path) of every file already recorded.

    The archive step's quick check (as rsync's): a file at the same path with the same size and
    modification time is not read nor hashed again."""
    out: dict[tuple[str, str, int, dt.datetime], tuple[str, str]] = {}
    for u, p, size, mtime, sha, rel in con.execute(
            "SELECT unit, inbox_path, size_bytes, file_mtime, sha256, archive_path FROM received_files "
            "WHERE file_mtime IS NOT NULL ORDER BY received_at").fetchall():
        out[(u, p, size, mtime)] = (sha, rel)
    return out


_RECEIVED_COLUMNS = ["unit", "file_name", "inbox_path", "sha256", "size_bytes", "file_mtime", "received_at", "run_id",
                     "status", "duplicate_of", "archive_path"]
_ISSUE_COLUMNS = ["unit", "sha256", "file_name", "seq", "form", "sheet", "cell", "rule", "severity", "value", "message"]
_FORM_COLUMNS = ["unit", "sha256", "form", "sheet", "filler", "phone", "footer_date", "row_count", "counts",
                 "title", "title_unit", "as_of"]


def _form_row(v, f) -> tuple:
    """One submission_forms row (in _FORM_COLUMNS order)."""
    return (v.receipt.unit, v.receipt.sha256, f.form, f.sheet, f.filler, f.phone, f.footer_date, len(f.records),
            f.counts and v.status == "accepted", f.title, f.title_unit, f.as_of)


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


def _objects(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    """A frame of Python objects (DuckDB infers each column's type; the INSERT casts it)."""
    return pd.DataFrame({c: pd.Series([r[i] for r in rows], dtype=object) for i, c in enumerate(columns)},
                        columns=columns)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
    if frame.empty:
        return
    con.register("batch_incoming", frame)
    try:
        select = ", ".join(f"CAST({c} AS {types[c]})" if c in types else c for c in frame.columns)
        con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT {select} FROM batch_incoming")
    finally:
        con.unregister("batch_incoming")


def _insert_form_rows(con: duckdb.DuckDBPyConnection, rows: dict[str, pd.DataFrame]) -> None:
    """INSERT the frames of `_batch_form_rows` into form1_rows / form2_rows / form3_rows."""
    for form in FORMS_BY_CODE.values():
        if form.key in rows:
            _insert(con, f"{form.key}_rows", rows[form.key], {n: t.split(" NOT NULL")[0] for n, t in form_columns(form)})


def _batch_form_rows(verdicts: list[Verdict]) -> dict[str, pd.DataFrame]:
    """The warehouse rows of every accepted, counting form of the batch, per form table
    (built column by column over the whole batch; record_verdict uses it for one file)."""
    columns: dict[str, dict[str, list]] = {}
    for v in verdicts:
        if v.status != "accepted":
            continue
        for f in v.forms:
            if not f.counts or not f.records:
                continue
            form = FORMS_BY_CODE[f.form]
            kinds = {c.name: c.kind for c in form.columns}
            out = columns.setdefault(form.key, {name: [] for name, _ in form_columns(form)})
            n, recs = len(f.records), f.records
            for name, _ in form_columns(form):
                if name == "unit":
                    out[name] += [v.receipt.unit] * n
                elif name == "sha256":
                    out[name] += [v.receipt.sha256] * n
                elif kinds.get(name) in NUMERIC_KINDS:
                    out[name] += [_exact(r[f"{name}__dec"]) for r in recs]
                elif kinds.get(name) == YESNO:
                    out[name] += [None if _missing(r[name]) else {"是": True, "否": False}.get(r[name]) for r in recs]
                else:
                    out[name] += [None if _missing(r.get(name)) else r.get(name) for r in recs]
    return {key: pd.DataFrame({c: pd.Series(vals, dtype=object) for c, vals in cols.items()})
            for key, cols in columns.items()}


def record_verdicts(con: duckdb.DuckDBPyConnection, verdicts: list[Verdict], run_id: str) -> None:
    """Record a batch of verdicts: the rows `record_verdict` writes for each, in ONE transaction.

    All-or-nothing for the batch, hence for every file in it: a crash leaves each file either
    fully loaded or not at all, and the next run loads what is missing. One transaction and one
    INSERT per table instead of a dozen statements and a commit per file: a thousand files load
    in about a second instead of a minute. A batch the database refuses (a value it cannot store)
    is recorded again file by file, so that one file's problem never holds back the others."""
    if len(verdicts) < 2:
        for v in verdicts:
            record_verdict(con, v, run_id)
        return
    paths = {(v.receipt.unit, v.receipt.inbox_path, v.receipt.sha256) for v in verdicts}
    subs = [(v.receipt.unit, v.receipt.sha256) for v in verdicts if v.status != "duplicate"]
    if len(paths) != len(verdicts) or len(set(subs)) != len(subs):   # the same file twice: keep the per-file order
        for v in verdicts:
            record_verdict(con, v, run_id)
        return
    received = _objects(_RECEIVED_COLUMNS, [
        (r.unit, r.file_name, r.inbox_path, r.sha256, r.size_bytes, r.file_mtime, r.received_at, run_id,
         v.status, v.duplicate_of, r.archive_path) for v in verdicts for r in (v.receipt,)])
    keys = _objects(["unit", "sha256"], subs)
    issues = _objects(_ISSUE_COLUMNS, [
        (v.receipt.unit, v.receipt.sha256, v.receipt.file_name, i, x.form, x.sheet, x.cell, x.rule, x.severity,
         x.value, x.message)
        for v in verdicts if v.status != "duplicate" for i, x in enumerate(v.issues)])
    forms = _objects(_FORM_COLUMNS, [_form_row(v, f) for v in verdicts if v.status != "duplicate" for f in v.forms])
    rows = _batch_form_rows(verdicts)
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("batch_received", received)
        con.register("batch_keys", keys)
        con.execute("DELETE FROM received_files AS t USING batch_received AS b "
                    "WHERE t.unit = b.unit AND t.inbox_path = b.inbox_path AND t.sha256 = b.sha256")
        for table in ("submission_forms", "issues", "form1_rows", "form2_rows", "form3_rows"):
            con.execute(f"DELETE FROM {table} AS t USING batch_keys AS b WHERE t.unit = b.unit AND t.sha256 = b.sha256")
        con.unregister("batch_received")
        con.unregister("batch_keys")
        _insert(con, "received_files", received, {"size_bytes": "BIGINT", "file_mtime": "TIMESTAMP",
                                                  "received_at": "TIMESTAMP", "run_id": "VARCHAR",
                                                  "duplicate_of": "VARCHAR"})
        _insert(con, "issues", issues, {c: "VARCHAR" for c in _ISSUE_COLUMNS if c != "seq"} | {"seq": "INTEGER"})
        _insert(con, "submission_forms", forms, {"sheet": "VARCHAR", "filler": "VARCHAR", "phone": "VARCHAR",
                                                 "footer_date": "DATE", "row_count": "INTEGER", "counts": "BOOLEAN",
                                                 "title": "VARCHAR", "title_unit": "VARCHAR", "as_of": "DATE"})
        _insert_form_rows(con, rows)
        con.execute("COMMIT")
    except Exception as exc:
        rollback(con)
        if not isinstance(exc, duckdb.Error) or isinstance(exc, (duckdb.IOException, duckdb.FatalException)):
            raise   # a bug, or the storage failing (disk full): not one file's value; the run fails with it
        for v in verdicts:
            record_verdict(con, v, run_id)


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


def record_raw_names(con: duckdb.DuckDBPyConnection, found: list, now: dt.datetime) -> None:
    """Keep the raw bytes of every inbox path that is not UTF-8 (its printable form is the key)."""
    rows = [(f.unit, f.inbox_path, f.raw_path, now) for f in found if f is not None and f.raw_path is not None]
    if rows:
        con.executemany("INSERT OR IGNORE INTO received_names VALUES (?,?,?,?)", rows)
