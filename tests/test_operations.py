"""Operations: no overlapping runs, idempotent reruns, reprocess after a rule change, status,
analysts reading during a run, and the blank template's round trip."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest

from publish.files import PublishFailed
from tests.helpers import config_file
from tests.builders import drop, company, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes

VOLATILE = {"run_id", "received_at", "last_received_at", "started_at", "finished_at", "seconds", "first_accepted_on",
            "on_time", "archive_path", "message"}
VIEWS = ["submissions", "validation_issues", "unit_stats", "city_stats", "risk_ledger", "risk_reports",
         "county_qualification", "reporting_status"]


def small_inbox(root: Path) -> Path:
    inbox = root / "inbox"
    for county, seed in (("大通区", 1), ("寿县", 2)):
        drop(inbox, county, f"{county}.xlsx", workbook_bytes({
            "附件1": form1_grid(form1_values(seed=seed)),
            "附件2": form2_grid([company("安徽甲公司"), company(f"{county}乙公司")]),
            "附件3": form3_grid(county)}))
    bad = form1_values()
    drop(inbox, "市公安局", "市公安局.xlsx", workbook_bytes({
        "附件1": form1_grid(bad, totals={"重点领域": {"amount": 999999}}), "附件2": form2_grid([company("淮南市甲公司")])}))
    return inbox


def contents(data: Path) -> dict:
    """What a reader sees: every documented view (minus run-time stamps) and every workbook cell."""
    con = duckdb.connect(str(data / "analytics.duckdb"), read_only=True)
    try:
        out = {}
        for view in VIEWS:
            cols = [c for c in con.execute(f"SELECT * FROM {view} LIMIT 0").df().columns if c not in VOLATILE]
            out[view] = con.execute(f"SELECT {', '.join(cols)} FROM {view} ORDER BY ALL").fetchall()
    finally:
        con.close()
    wb = openpyxl.load_workbook(data / "publish" / "latest.xlsx")
    out["workbook"] = {ws.title: [[v for v in row if not isinstance(v, dt.datetime)]
                                  for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    return out


def test_rerun_after_finished_and_failed_runs_equals_one_clean_run(prefect_harness, tmp_path):
    from flows.nightly import nightly_flow

    clean = tmp_path / "clean"
    inbox = small_inbox(tmp_path)
    nightly_flow(inbox=str(inbox), data_dir=str(clean), date="2018-07-21")
    once = contents(clean)
    assert once["submissions"] and once["workbook"]
    nightly_flow(inbox=str(inbox), data_dir=str(clean), date="2018-07-21")      # rerun of a finished run
    assert contents(clean) == once

    failed = tmp_path / "failed"
    (failed / "publish" / "latest.xlsx").mkdir(parents=True)                   # publishing will fail
    with pytest.raises(PublishFailed, match="latest.xlsx"):
        nightly_flow(inbox=str(inbox), data_dir=str(failed), date="2018-07-21")
    con = duckdb.connect(str(failed / "campaign.duckdb"), read_only=True)
    assert con.execute("SELECT outcome FROM runs").fetchall() == [("failed",)]
    con.close()
    (failed / "publish" / "latest.xlsx").rmdir()
    nightly_flow(inbox=str(inbox), data_dir=str(failed), date="2018-07-21")     # ops rerun the failed night
    assert contents(failed) == once


def test_second_run_waits_then_exits_with_a_clear_message(prefect_harness, tmp_path):
    from cli.main import main

    data = tmp_path / "data"
    data.mkdir()
    inbox = small_inbox(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time, sys
        from warehouse.lock import RunLock
        with RunLock({str(data)!r}):
            print("locked", flush=True)
            time.sleep(30)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        cfg = str(config_file(tmp_path, keys={"run_lock_wait_seconds": 1}))
        started = time.monotonic()
        code = main(["ingest", "--inbox", str(inbox), "--data-dir", str(data), "--config", cfg])
        assert code == 2 and time.monotonic() - started >= 1
        if (data / "campaign.duckdb").exists():   # the refused run left its runs row, and no file was read
            con = duckdb.connect(str(data / "campaign.duckdb"), read_only=True)
            tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            assert "received_files" not in tables or con.execute(
                "SELECT count(*) FROM received_files").fetchone() == (0,)
            con.close()
    finally:
        holder.kill()
        holder.wait()
    # once the first run is gone (even killed), the lock is free
    assert main(["ingest", "--inbox", str(inbox), "--data-dir", str(data), "--config", cfg]) == 0


def test_reprocess_after_rule_and_registry_change(prefect_harness, tmp_path, capsys):
    from cli.main import main

    inbox = small_inbox(tmp_path)
    drop(inbox, "市新设局", "报表.xlsx", workbook_bytes({"附件1": form1_grid(form1_values()),
                                                     "附件2": form2_grid([company("丙公司")])}))
    data = tmp_path / "data"
    assert main(["ingest", "--inbox", str(inbox), "--data-dir", str(data)]) == 0
    con = duckdb.connect(str(data / "campaign.duckdb"), read_only=True)
    before = dict(con.execute("SELECT unit, status FROM submissions").fetchall())
    con.close()
    assert before == {"大通区": "accepted", "寿县": "accepted", "市公安局": "rejected", "市新设局": "rejected"}

    # The office widens the 合计 tolerance and registers a new department; nobody resends anything.
    cfg = str(config_file(tmp_path, keys={"sum_tolerance": "1000000"},
                          edits=((r'"市住房城乡建设局",\n\]', '"市住房城乡建设局", "市新设局",\n]'),)))
    capsys.readouterr()
    assert main(["reprocess", "--data-dir", str(data), "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert "2 verdicts changed" in out and "市公安局/市公安局.xlsx: rejected -> accepted" in out
    con = duckdb.connect(str(data / "analytics.duckdb"), read_only=True)
    after = dict(con.execute("SELECT unit, status FROM submissions").fetchall())
    assert after == {"大通区": "accepted", "寿县": "accepted", "市公安局": "accepted", "市新设局": "accepted"}
    assert con.execute("SELECT count(*) FROM validation_issues WHERE severity = 'error'").fetchone() == (0,)
    con.close()
    # --unit limits the work to one unit's files
    assert main(["reprocess", "--unit", "寿县", "--data-dir", str(data), "--config", cfg]) == 0
    assert "reprocessed 1 archived submissions; 0 verdicts changed" in capsys.readouterr().out


def test_status_lists_day_last_run_missing_units_and_rejected_files(prefect_harness, tmp_path, capsys):
    from cli.main import main

    data = tmp_path / "data"
    assert main(["nightly", "--inbox", str(small_inbox(tmp_path)), "--data-dir", str(data), "--date", "2018-07-21"]) == 0
    capsys.readouterr()
    assert main(["status", "--data-dir", str(data), "--date", "2018-06-01"]) == 0
    out = capsys.readouterr().out
    assert "2018-06-01: screening day 22 of 81; forms due 2018-07-20 (in 49 days)" in out
    assert "last run: nightly" in out and "completed, 3 accepted" not in out and "2 accepted / 1 rejected" in out
    assert "  市公安局: 附件1、附件2" in out and "  毛集实验区: 附件1、附件2、附件3" in out
    assert "大通区:" not in out
    assert "rejected files waiting for a resend: 1\n  市公安局/市公安局.xlsx (SUM_MISMATCH)" in out


def test_analyst_connection_open_during_a_nightly_run(prefect_harness, tmp_path):
    from flows.nightly import nightly_flow

    data = tmp_path / "data"
    inbox = small_inbox(tmp_path)
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    analyst = duckdb.connect(str(data / "analytics.duckdb"), read_only=True)   # left open all night
    assert analyst.execute("SELECT count(*) FROM submissions").fetchone() == (3,)
    drop(inbox, "八公山区", "八公山区.xlsx", workbook_bytes({"附件3": form3_grid("八公山区")}))
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-22")       # the run is not blocked ...
    assert analyst.execute("SELECT count(*) FROM submissions").fetchone() == (3,)  # ... nor the analyst
    analyst.close()
    fresh = duckdb.connect(str(data / "analytics.duckdb"), read_only=True)
    assert fresh.execute("SELECT count(*) FROM submissions").fetchone() == (4,)
    fresh.close()


def test_filled_template_is_accepted(prefect_harness, tmp_path, config):
    from cli.main import main
    from flows.ingest import ingest_flow
    from tests.builders import form1_values

    out = tmp_path / "templates"
    assert main(["template", "--unit", "寿县", "--out", str(out), "--data-dir", str(tmp_path / "d")]) == 0
    path = out / "寿县_风险排查报表.xlsx"
    wb = openpyxl.load_workbook(path)
    assert [ws.title for ws in wb.worksheets] == ["附件1", "附件2", "附件3"]
    lists = {str(dv.formula1) for ws in wb.worksheets for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert {'"是,否"', '"线上,线下,线上线下相结合"'} <= lists
    assert any(dv.type == "decimal" for dv in wb["附件1"].data_validations.dataValidation)

    # A unit fills it in (figures, one company, 附件3 answers); Excel would compute the 合计 formulas,
    # openpyxl cannot, so the test types the totals as a unit overwriting them would.
    from transforms.grid import read_workbook
    from transforms.parse import parse_workbook
    from io import BytesIO
    blank = parse_workbook(read_workbook(path.read_bytes()))
    f1 = next(f for f in blank.forms if f.form.code == "附件1")
    ws = wb["附件1"]
    values = form1_values()
    for (_, row), v in zip(f1.rows.iterrows(), values):
        for col in ("screened", "problem_count", "people", "amount", "rectified", "cleaned", "prosecuted", "unremediated"):
            ws[row[f"{col}__cell"]] = float(v[col])
        ws[row["main_problems__cell"]] = v["main_problems"]
        ws[row["unremediated_reason__cell"]] = v["unremediated_reason"]
    for total in f1.totals.itertuples():
        members = [v for v in values if v["section"] == total.section]
        ws[total.cell] = float(sum(v[total.column] for v in members))
    f2 = next(f for f in blank.forms if f.form.code == "附件2")
    ws2 = wb["附件2"]
    header_row = next(c.row for row in ws2.iter_rows() for c in row if c.value == "企业名称")
    header = {c.value: c.column_letter for c in ws2[header_row] if c.value}
    first_company_row = header_row + 1
    for label, value in (("企业名称", "寿县甲公司"), ("所属行业", "涉农"), ("集资模式", "入股分红"), ("是否通过互联网", "线下"),
                         ("涉及金额", 100.0), ("涉及人数", 12), ("未兑付资金", 40.0), ("是否跨省", "否"),
                         ("资金清退情况", "正在清退，已清退60.00%")):
        ws2[f"{header[label]}{first_company_row}"] = value
    for total in f2.totals.itertuples():
        ws2[total.cell] = {"amount": 100.0, "people": 12, "unpaid": 40.0}[total.column]
    ws3 = wb["附件3"]
    for row in ws3.iter_rows():
        for c in row:
            if c.value == "寿县":
                ws3.cell(c.row, c.column + 1, 0)
                ws3.cell(c.row, c.column + 2, "否")
                ws3.cell(c.row, c.column + 3, "否")
    for ws_ in wb.worksheets:   # the footer date
        for row in ws_.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.replace(" ", "") == "年月日":
                    c.value = "2018年7月18日"
    inbox = tmp_path / "inbox"
    (inbox / "寿县").mkdir(parents=True)
    buf = BytesIO()
    wb.save(buf)
    drop(inbox, "寿县", "寿县.xlsx", buf.getvalue())
    result = ingest_flow(inbox=str(inbox), data_dir=str(tmp_path / "data"))
    verdict = result.verdicts[0]
    assert verdict.status == "accepted", [(i.rule, i.cell, i.value) for i in verdict.issues]
    assert {f.form for f in verdict.forms if f.counts} == {"附件1", "附件2", "附件3"}
