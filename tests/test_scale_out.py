"""Scale-out: the parse/validate stage on a Dask cluster (prefect-dask), in a process pool and in
batches gives the same verdicts and the same warehouse as the default run; the batched load
writes what the per-file load writes; a rerun does not read unchanged files again."""
from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from campaign.config import load_config
from tests.helpers import config_file

# Columns that legitimately differ between two runs over the same files.
RUN_COLUMNS = {"received_at", "run_id"}
TABLES = ("received_files", "submission_forms", "issues", "form1_rows", "form2_rows", "form3_rows")


def warehouse_rows(data: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(data / "campaign.duckdb"), read_only=True)
    try:
        out = {}
        for table in TABLES:
            cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall() if c[0] not in RUN_COLUMNS]
            out[table] = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def verdicts_of(result) -> dict[str, tuple]:
    return {v.receipt.inbox_path: (v.status, sorted((i.rule, i.sheet, i.cell, i.severity, i.value) for i in v.issues))
            for v in result.verdicts}


@pytest.fixture(scope="module")
def demo_inbox(tmp_path_factory) -> Path:
    from cli.demo import write_demo_inbox

    inbox = tmp_path_factory.mktemp("scale") / "inbox"
    write_demo_inbox(inbox, load_config())
    return inbox


@pytest.fixture(scope="module")
def reference(prefect_harness, demo_inbox, tmp_path_factory):
    """The default run: threads, every file parsed in the flow's process, one batch."""
    from flows.ingest import ingest_flow

    data = tmp_path_factory.mktemp("reference") / "data"
    result = ingest_flow(inbox=str(demo_inbox), data_dir=str(data))
    statuses = {s for s, _ in verdicts_of(result).values()}
    assert statuses == {"accepted", "rejected"} and len(result.verdicts) > 20
    return verdicts_of(result), warehouse_rows(data)


def test_dask_task_runner_gives_the_same_verdicts_and_warehouse(prefect_harness, demo_inbox, reference, tmp_path):
    from distributed import LocalCluster

    from flows.ingest import ingest_flow

    with LocalCluster(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        config = str(config_file(tmp_path, "dask.toml", keys={"task_runner": "dask", "dask_address": cluster.scheduler_address,
                                                           "chunk_files": 4}))
        result = ingest_flow(inbox=str(demo_inbox), data_dir=str(tmp_path / "data"), config_path=config)
    assert verdicts_of(result) == reference[0]
    assert warehouse_rows(tmp_path / "data") == reference[1]
    assert set(result.timings) >= {"scan", "archive", "parse", "validate", "load"}


def test_process_pool_and_small_batches_give_the_same_verdicts_and_warehouse(prefect_harness, demo_inbox, reference,
                                                                             tmp_path):
    from flows.ingest import ingest_flow

    config = str(config_file(tmp_path, "pool.toml", keys={"parse_workers": 2, "parallel_min_files": 1, "chunk_files": 3,
                                                    "batch_files": 7}))
    result = ingest_flow(inbox=str(demo_inbox), data_dir=str(tmp_path / "data"), config_path=config)
    assert verdicts_of(result) == reference[0]
    assert warehouse_rows(tmp_path / "data") == reference[1]
    # the run result keeps each form's metadata, not its rows (they are in the warehouse)
    assert all(f.rows.empty for v in result.verdicts for f in v.forms)


def test_batched_load_writes_what_the_per_file_load_writes(demo_inbox, tmp_path):
    from flows.ingest import archive_task, examine_task, prepare_warehouse, scan_task
    from warehouse import db, load

    config = load_config()
    tables = {}
    for mode in ("per_file", "batch"):
        data = tmp_path / mode
        warehouse = db.warehouse_path(data)
        prepare_warehouse(warehouse, config)
        found, _ = scan_task.fn(demo_inbox, config)
        received, _ = archive_task.fn(found, data, warehouse)
        verdicts = examine_task.fn(received, data, config)
        con = db.connect(warehouse)
        try:
            if mode == "batch":
                load.record_verdicts(con, verdicts, "run")
                load.record_verdicts(con, verdicts, "run")     # loading again replaces, as per file
            else:
                for v in verdicts:
                    load.record_verdict(con, v, "run")
        finally:
            con.close()
        tables[mode] = warehouse_rows(data)
    assert tables["batch"] == tables["per_file"]
    assert len(tables["batch"]["form1_rows"]) > 100


def test_rerun_does_not_read_unchanged_files_again(prefect_harness, tmp_path, monkeypatch):
    import flows.ingest as ingest
    from cli.demo import write_demo_inbox

    demo_inbox = tmp_path / "inbox"
    write_demo_inbox(demo_inbox, load_config())
    data = tmp_path / "data"
    first = ingest.ingest_flow(inbox=str(demo_inbox), data_dir=str(data))
    read = []
    import intake.archive as archive
    original = archive.archive_file
    monkeypatch.setattr(archive, "archive_file", lambda path, d, **kw: read.append(Path(path).name) or original(path, d, **kw))
    again = ingest.ingest_flow(inbox=str(demo_inbox), data_dir=str(data))
    assert read == [] and again.verdicts == [] and again.counts()["known"] == len(first.verdicts)
    # a file touched (same bytes, new mtime) is read and hashed again, and still known
    touched = next(p for p in sorted(demo_inbox.rglob("*.xlsx")) if not p.name.startswith("~$"))
    old = time.time() - 3600
    os.utime(touched, (old, old))
    third = ingest.ingest_flow(inbox=str(demo_inbox), data_dir=str(data))
    assert read == [touched.name] and third.verdicts == []


def test_execution_settings_are_checked(tmp_path):
    from flows.parallel import Execution

    assert Execution.from_config(load_config()) == Execution()
    from campaign.errors import InputError

    with pytest.raises(InputError, match="task_runner"):   # refused when the config is loaded
        Execution.from_config(load_config(config_file(tmp_path, "bad.toml", keys={"task_runner": "spark"})))
