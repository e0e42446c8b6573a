"""The template Prefect database (cli.prefect_api): a new data dir's private server starts
from a copy of a migrated, empty database instead of running Prefect's migrations itself."""
from __future__ import annotations

import sqlite3

from cli import prefect_api
def test_the_template_is_migrated_and_holds_no_run(prefect_harness):
    template = prefect_api.template_path()   # the test run's own server made it, or started from it
    assert template.is_file()
    with sqlite3.connect(f"file:{template}?mode=ro", uri=True) as db:
        assert len(db.execute("SELECT version_num FROM alembic_version").fetchall()) == 1
        assert db.execute("SELECT count(*) FROM flow_run").fetchone() == (0,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_new_home_gets_a_copy_an_existing_one_is_left_alone(prefect_harness, tmp_path):
    home = tmp_path / "home"
    assert prefect_api.seed_database({"PREFECT_HOME": str(home)}) is None
    assert (home / "prefect.db").read_bytes() == prefect_api.template_path().read_bytes()
    (home / "prefect.db").write_bytes(b"a data dir's own history")
    assert prefect_api.seed_database({"PREFECT_HOME": str(home)}) is None
    assert (home / "prefect.db").read_bytes() == b"a data dir's own history"
    chosen = {"PREFECT_HOME": str(tmp_path / "other"), "PREFECT_API_DATABASE_CONNECTION_URL": "postgresql+asyncpg://x"}
    assert prefect_api.seed_database(chosen) is None and not (tmp_path / "other").exists()


def test_without_a_template_the_first_migrated_database_becomes_it(tmp_path, monkeypatch):
    monkeypatch.setattr(prefect_api, "template_path", lambda: tmp_path / "share" / "prefect-x.db")
    database = prefect_api.seed_database({"PREFECT_HOME": str(tmp_path / "home")})
    assert database == tmp_path / "home" / "prefect.db" and not database.exists()
    with sqlite3.connect(database) as db:   # what the server's migrations leave
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
        db.execute("INSERT INTO alembic_version VALUES ('head')")
    prefect_api.keep_template(database)
    assert not any("partial" in p.name for p in (tmp_path / "share").iterdir())   # no half copy left
    with sqlite3.connect(tmp_path / "share" / "prefect-x.db") as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("head",)]
