"""The documents room of the warehouse: record what each document says, the kinds set by hand,
the obligations of the config file, and the reads the CLI and the workbook need."""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from warehouse.db import transaction

_COLUMNS = ("unit", "sha256", "format", "read_status", "kind_by_rule", "sure", "title", "doc_date", "pages",
            "characters", "reason")


def record_documents(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Replace the document_files rows of these (unit, sha256): one tuple per document, in _COLUMNS order.
    Called before the files' verdicts are recorded: a crash in between leaves the file unrecorded,
    so the next run reads it again and replaces these rows (never a received document without them)."""
    if not rows:
        return
    with transaction(con):
        con.executemany("DELETE FROM document_files WHERE unit = ? AND sha256 = ?", [r[:2] for r in rows])
        con.executemany(f"INSERT INTO document_files ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                        rows)


def sync_obligations(con: duckdb.DuckDBPyConnection, obligations: list) -> None:
    """Copy the config's obligations into document_obligations (the views read them)."""
    rows = sorted((o.unit_kind, o.kind, o.count, o.window_start, o.window_end, o.due, o.with_forms) for o in obligations)
    if con.execute("SELECT * FROM document_obligations ORDER BY ALL").fetchall() == rows:
        return
    with transaction(con):
        con.execute("DELETE FROM document_obligations")
        if rows:
            con.executemany("INSERT INTO document_obligations VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def find_documents(con: duckdb.DuckDBPyConnection, ref: str, unit: str | None = None) -> list[tuple]:
    """(unit, sha256, file_name, inbox_path) of the documents `ref` names: an inbox path, a file
    name, or a sha256 (or its first 8+ characters)."""
    sql = """SELECT DISTINCT unit, sha256, file_name, inbox_path FROM documents
             WHERE status <> 'duplicate' AND (inbox_path = ? OR file_name = ? OR (length(?) >= 8 AND sha256 LIKE ? || '%'))"""
    params = [ref, ref, ref, ref.lower()]
    if unit:
        sql += " AND unit = ?"
        params.append(unit)
    return con.execute(sql + " ORDER BY unit, inbox_path", params).fetchall()


def set_kind_by_hand(con: duckdb.DuckDBPyConnection, unit: str, sha256: str, kind: str, file_name: str,
                     now: dt.datetime) -> None:
    with transaction(con):
        con.execute("DELETE FROM document_kinds_by_hand WHERE unit = ? AND sha256 = ?", [unit, sha256])
        con.execute("INSERT INTO document_kinds_by_hand VALUES (?, ?, ?, ?, ?)", [unit, sha256, kind, file_name, now])


# --- reads for the CLI, the status page and the workbook ------------------------------------

def documents_frame(con, units: list[str], unit: str | None = None) -> pd.DataFrame:
    sql = """SELECT unit, unit_kind, file_name, kind, doc_date, date_source, received_at, arrived_at, title, format,
                    pages, characters, classified_by, sure, sha256, status, reason, nth, duplicate_of, inbox_path
             FROM documents"""
    params: list = []
    if unit:
        sql += " WHERE unit = ?"
        params.append(unit)
    return con.execute(sql + " ORDER BY coalesce(list_position(?, unit), 9999), unit, arrived_at, inbox_path",
                       params + [units]).df()


def obligations_frame(con, units: list[str]) -> pd.DataFrame:
    return con.execute("""SELECT * FROM obligations
                          ORDER BY coalesce(list_position(?, unit), 9999), unit,
                                   list_position(['实施方案', '工作动态信息', '总结报告'], obligation)""", [units]).df()


def assessment_frame(con, units: list[str]) -> pd.DataFrame:
    """The 考评 table: units that miss an obligation (or a form) first, then by registry order."""
    return con.execute("""SELECT * FROM assessment
                          ORDER BY complete, obligations_met - obligations_required, flags DESC,
                                   coalesce(list_position(?, unit), 9999), unit""", [units]).df()


def flags_frame(con, units: list[str]) -> pd.DataFrame:
    return con.execute("""SELECT * FROM assessment_flags ORDER BY coalesce(list_position(?, unit), 9999), unit, flag""",
                       [units]).df()


def owing(con) -> list[tuple[str, str]]:
    """(unit, what it still owes) for every unit with an obligation not met, registry order."""
    return con.execute("""SELECT unit, string_agg(obligation || '（需' || required || '篇，已收' || received || '篇'
                                                  || CASE WHEN with_forms AND forms_accepted < forms_required
                                                          THEN '，附表未全部受理' ELSE '' END || '）', '、'
                                                  ORDER BY list_position(['实施方案', '工作动态信息', '总结报告'], obligation))
                          FROM obligations WHERE NOT met GROUP BY unit ORDER BY unit""").fetchall()


def submissions_with_documents(con, submissions: pd.DataFrame) -> pd.DataFrame:
    """The submissions frame with what each document is (NULL for workbooks): document_kind,
    document_nth (its number among the unit's documents of the kind), document_status,
    document_title, document_date, document_reason. The receipts acknowledge documents with them."""
    docs = con.execute("""SELECT unit, inbox_path, sha256, kind AS document_kind, nth AS document_nth,
                                 status AS document_status, title AS document_title, doc_date AS document_date,
                                 reason AS document_reason FROM documents""").df()
    if submissions.empty and docs.empty:
        return submissions.assign(**{c: pd.Series(dtype=object) for c in docs.columns[3:]})
    return submissions.merge(docs, how="left", on=["unit", "inbox_path", "sha256"], sort=False)


def add_document_frames(con, units: list[str], frames):
    """The publish frames of the documents room (they feed the workbook, the receipts and the
    publish fingerprint)."""
    frames.submissions = submissions_with_documents(con, frames.submissions)
    frames.documents = documents_frame(con, units)
    frames.obligations = obligations_frame(con, units)
    frames.assessment = assessment_frame(con, units)
    frames.assessment_flags = flags_frame(con, units)
    return frames
