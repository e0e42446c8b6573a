"""Connections and schema. Every DuckDB connection of the project is opened here."""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from campaign.forms import FORMS, NUMERIC_KINDS, YESNO, Form
from support.run_context import run_logger
from warehouse.faults import WarehouseBusy, holder_of

HERE = Path(__file__).parent
WAREHOUSE_FILE = "campaign.duckdb"

# Columns a form table has besides the form's own columns (see transforms/parse.py).
FORM_EXTRA_COLUMNS = {
    "form1": [("section", "VARCHAR"), ("grp", "VARCHAR"), ("item", "VARCHAR"), ("is_added", "BOOLEAN"),
              ("row_order", "INTEGER"), ("label_cell", "VARCHAR")],
    "form2": [("company_key", "VARCHAR"), ("credit_code", "VARCHAR")],   # a valid 统一社会信用代码 (credit_code.py)
    "form3": [],
}


def sql_type(kind: str) -> str:
    if kind in NUMERIC_KINDS:
        return "DECIMAL(18,2)"   # money in 万元 and counts: never binary floats
    if kind == YESNO:
        return "BOOLEAN"         # 是 -> true, 否 -> false
    return "VARCHAR"


def form_columns(form: Form) -> list[tuple[str, str]]:
    cols = [("unit", "VARCHAR NOT NULL"), ("sha256", "VARCHAR NOT NULL"), ("sheet", "VARCHAR"), ("row_no", "INTEGER")]
    cols += FORM_EXTRA_COLUMNS[form.key]
    cols += [(c.name, sql_type(c.kind)) for c in form.columns]
    return cols


def form_table_ddl(form: Form) -> str:
    body = ",\n    ".join(f"{name} {typ}" for name, typ in form_columns(form))
    return f"-- {form.code} {form.title}\nCREATE TABLE IF NOT EXISTS {form.key}_rows (\n    {body}\n);"


def warehouse_path(data_dir: Path) -> Path:
    return Path(data_dir) / WAREHOUSE_FILE


# Back-off on a held warehouse: (attempts, first wait in seconds), doubled each time. Every run
# sets it from its config's [operations] retries / retry_delay_seconds (configure_backoff).
_BACKOFF = [5, 1.0]


def configure_backoff(config) -> None:
    ops = config.operations
    _BACKOFF[:] = [int(ops.get("retries", 3)) + 1, float(ops.get("retry_delay_seconds", 5))]


def connect(path: Path, read_only: bool = False, attempts: int | None = None, wait: float | None = None
            ) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; if another process holds its write lock, retry with back-off (each wait
    logged), then fail clearly, naming the holder."""
    path = Path(path)
    attempts = _BACKOFF[0] if attempts is None else attempts
    wait = _BACKOFF[1] if wait is None else wait
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, attempts + 1):
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if attempt >= attempts:
                holder = holder_of(str(exc))
                raise WarehouseBusy(f"warehouse {path} is locked by another process"
                                    f"{' (' + holder + ')' if holder else ''} after {attempts} attempts; "
                                    f"close it (or wait for the running job) and retry [{' '.join(str(exc).split())}]"
                                    ) from None
            delay = wait * 2 ** (attempt - 1)
            run_logger("campaign.warehouse").warning("warehouse %s is held by another process; retrying in %.0f s (attempt %d of %d failed)",
                           path, delay, attempt, attempts)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _schema_ddl() -> list[str]:
    """The warehouse's DDL in the order it runs. Each capability (documents, company identity,
    history, ...) keeps its tables and views in files of its own: schema_<room>.sql after the core
    tables, views_<room>.sql after views.sql."""
    ddl = [(HERE / "schema.sql").read_text(encoding="utf-8")]
    ddl += [form_table_ddl(form) for form in FORMS]
    ddl += [extra.read_text(encoding="utf-8") for extra in sorted(HERE.glob("schema_*.sql"))]
    ddl.append((HERE / "views.sql").read_text(encoding="utf-8"))
    ddl += [extra.read_text(encoding="utf-8") for extra in sorted(HERE.glob("views_*.sql"))]
    return ddl


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables and (re)create views. Idempotent.

    Skipped when this warehouse already holds exactly this DDL (its sha256 in `schema_state`):
    every stage of a night calls this, and running the DDL costs ≈ 0.1 s a time. Any change to
    the SQL files or the forms' columns changes the fingerprint, and the DDL runs again."""
    ddl = _schema_ddl()
    fingerprint = hashlib.sha256("\0".join(ddl).encode("utf-8")).hexdigest()
    try:
        if con.execute("SELECT fingerprint FROM schema_state").fetchall() == [(fingerprint,)]:
            return
    except duckdb.CatalogException:   # a new warehouse, or one from before schema_state
        pass
    with transaction(con):   # all of it or none: a run killed here leaves the schema as it was
        for statement in ddl:
            con.execute(statement)
        con.execute("CREATE OR REPLACE TABLE schema_state AS SELECT ?::VARCHAR AS fingerprint, ?::TIMESTAMP AS applied_at",
                    [fingerprint, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)])


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK and re-raise: all of the block's writes or none."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK after a failure; a ROLLBACK that fails too (DuckDB already aborted the transaction,
    e.g. on a full disk) must not hide the first error, which the caller re-raises."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def sync_registry(con: duckdb.DuckDBPyConnection, config) -> None:
    """Copy the config file's units registry into registry_units (views join it). Runs at the
    start of every run: a registry that already says the same is left alone (a province's
    thousands of units cost ~1 s to rewrite row by row)."""
    rows = sorted((u, config.unit_kind(u), config.required_forms(u)) for u in config.units)
    if con.execute("SELECT unit, unit_kind, required_forms FROM registry_units ORDER BY unit").fetchall() == rows:
        return
    units, kinds, forms = (list(col) for col in zip(*rows)) if rows else ([], [], [])
    with transaction(con):
        con.execute("DELETE FROM registry_units")
        con.execute("INSERT INTO registry_units SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
                    "unnest(?::VARCHAR[][])", [units, kinds, forms])
