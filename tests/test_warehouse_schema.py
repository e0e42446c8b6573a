"""The warehouse's DDL runs when it changes, not at every stage of every night (warehouse.db)."""
from __future__ import annotations

import duckdb

from warehouse import db


def views(con) -> set[str]:
    return {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}


def test_the_ddl_runs_when_the_schema_changed_and_is_skipped_when_current(tmp_path):
    con = duckdb.connect(str(tmp_path / "campaign.duckdb"))
    try:
        db.init_schema(con)
        [(fingerprint, _)] = con.execute("SELECT * FROM schema_state").fetchall()
        assert {"submissions", "current_forms", "risk_ledger"} <= views(con)

        con.execute("DROP VIEW submissions")
        db.init_schema(con)                      # this DDL is already applied: left as it is
        assert "submissions" not in views(con)

        con.execute("UPDATE schema_state SET fingerprint = 'the DDL of an older version'")
        db.init_schema(con)                      # other DDL recorded: it runs again, views and all
        assert "submissions" in views(con)
        assert con.execute("SELECT fingerprint FROM schema_state").fetchall() == [(fingerprint,)]
    finally:
        con.close()


def test_a_warehouse_from_before_the_fingerprint_gets_the_ddl(tmp_path):
    con = duckdb.connect(str(tmp_path / "campaign.duckdb"))
    try:
        db.init_schema(con)
        con.execute("DROP TABLE schema_state")
        con.execute("DROP VIEW submissions")
        db.init_schema(con)
        assert "submissions" in views(con) and len(con.execute("SELECT * FROM schema_state").fetchall()) == 1
    finally:
        con.close()
