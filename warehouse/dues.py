"""Reads for what units still owe (publish/dues.py) and the outbox (publish/outbox.py): each unit's
latest footer (填报人, 电话) and which file carries each of its current forms.

Plain reads of the tables and views; nothing here writes."""
from __future__ import annotations

import duckdb
import pandas as pd


def contacts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per unit that ever wrote a footer: the 填报人 and 电话 of its latest one (latest by the
    footer date, else the arrival date; any verdict but duplicate: a rejected file's clerk is the
    one to call). Columns unit, filler, phone, footer_date, file_name."""
    return con.execute("""
        SELECT unit, filler, phone, footer_date, file_name FROM (
            SELECT sf.unit, nullif(trim(sf.filler), '') AS filler, nullif(trim(sf.phone), '') AS phone,
                   sf.footer_date, rf.file_name,
                   row_number() OVER (PARTITION BY sf.unit
                                      ORDER BY coalesce(sf.footer_date, CAST(least(coalesce(rf.file_mtime, rf.received_at),
                                                                                 rf.received_at) AS DATE)) DESC,
                                               least(coalesce(rf.file_mtime, rf.received_at), rf.received_at) DESC,
                                               rf.inbox_path DESC, sf.form) AS rn
            FROM submission_forms sf
            JOIN received_files rf ON rf.unit = sf.unit AND rf.sha256 = sf.sha256 AND rf.status <> 'duplicate'
            WHERE nullif(trim(sf.filler), '') IS NOT NULL OR nullif(trim(sf.phone), '') IS NOT NULL)
        WHERE rn = 1 ORDER BY unit""").df()


def current_form_files(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """current_forms: per unit and form, the file that counts now (unit, form, sha256, inbox_path, file_name)."""
    return con.execute("SELECT unit, form, sha256, inbox_path, file_name FROM current_forms ORDER BY unit, form").df()


def add_dues_frames(con: duckdb.DuckDBPyConnection, frames):
    """The frames of this room, set on a SummaryFrames (they feed 催报清单, the outbox and the fingerprint)."""
    frames.contacts = contacts(con)
    frames.current_forms = current_form_files(con)
    return frames
