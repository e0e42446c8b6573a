"""`campaign query`: one read-only statement of an analyst on the snapshot, its mistakes in one line."""
from __future__ import annotations

import duckdb
import pandas as pd

from campaign.errors import InputError

# SET / PRAGMA: this connection's settings and catalogue only
READING = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.PRAGMA,
           duckdb.StatementType.SET}


def _one_line(message: str) -> str:
    """DuckDB's message without its `LINE 1: ...` / `^^^` pointer lines, on one line."""
    kept = [line.strip() for line in message.splitlines()
            if line.strip() and not line.lstrip().startswith("LINE ") and set(line.strip()) != {"^"}]
    return " ".join(kept)


def check_read_only(sql: str) -> None:
    """One reading statement, else InputError (the snapshot is the analysts', the live run log a temp table)."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise InputError(_one_line(str(exc))) from None
    if len(statements) != 1 or statements[0].type not in READING:
        kinds = ", ".join(s.type.name for s in statements) or "nothing"
        raise InputError(f"query: one read-only statement (SELECT, WITH …, DESCRIBE, SHOW, EXPLAIN, PRAGMA, SET) "
                         f"is expected, got {kinds}")


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame | None:
    """The statement's rows (None when it returns no relation); DuckDB's own message, on one line, as InputError."""
    try:
        relation = con.sql(sql)
        return relation.df() if relation is not None else None
    except duckdb.Error as exc:   # the analyst's SQL
        raise InputError(_one_line(str(exc))) from None
