"""The ingest flow, run by a real Prefect server, over a real inbox into a real DuckDB file."""
from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.builders import OLD, drop, company, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from tests.helpers import q



def county_workbook(county: str, date="2018年7月16日", companies=None, **f1) -> bytes:
    return workbook_bytes({"附件1": form1_grid(form1_values(**f1), footer_date=date),
                           "附件2": form2_grid(companies or [company("安徽甲公司")], footer_date=date),
                           "附件3": form3_grid(county, footer_date=date)})


@pytest.fixture
def inbox(tmp_path):
    box = tmp_path / "inbox"
    drop(box, "大通区", "大通区.xlsx", county_workbook("大通区"))
    drop(box, "寿县", "寿县.xlsx", county_workbook("寿县", companies=[company("甲", cross="Y")]))
    drop(box, "市公安局", "~$市公安局.xlsx", b"lock")
    drop(box, "某某局", "报表.xlsx", county_workbook("大通区"))
    return box


def test_ingest_flow_verdicts_warehouse_and_idempotent_rerun(prefect_harness, inbox, tmp_path):
    from flows.ingest import ingest_flow

    data = tmp_path / "data"
    result = ingest_flow(inbox=str(inbox), data_dir=str(data))
    by_path = {v.receipt.inbox_path: v.status for v in result.verdicts}
    assert by_path == {"大通区/大通区.xlsx": "accepted", "寿县/寿县.xlsx": "rejected", "某某局/报表.xlsx": "rejected"}
    assert result.skips == [("市公安局/~$市公安局.xlsx", "LOCK_FILE")]
    db = data / "campaign.duckdb"
    assert q(db, "SELECT rule, cell FROM validation_issues WHERE unit = '寿县'") == [("ENUM_VALUE", "I5")]
    assert q(db, "SELECT rule FROM validation_issues WHERE unit = '某某局'") == [("UNKNOWN_UNIT",)]
    # money is DECIMAL, loaded exactly; only the accepted file's rows are current data
    assert q(db, "SELECT typeof(amount), sum(amount)::VARCHAR FROM unit_stats GROUP BY 1") == \
        [("DECIMAL(18,2)", str(sum(r["amount"] for r in form1_values())))]
    assert q(db, "SELECT DISTINCT unit FROM unit_stats") == [("大通区",)]
    # every received file is archived under its hash
    for (archive_path,) in q(db, "SELECT archive_path FROM received_files"):
        assert (data / archive_path).is_file()
    snapshot = q(db, "SELECT unit, inbox_path, sha256, status FROM received_files ORDER BY ALL")

    # A rerun with nothing new changes nothing.
    again = ingest_flow(inbox=str(inbox), data_dir=str(data))
    assert again.verdicts == [] and again.counts()["known"] == 3
    assert q(db, "SELECT unit, inbox_path, sha256, status FROM received_files ORDER BY ALL") == snapshot
    assert q(db, "SELECT count(*) FROM form1_rows")[0][0] == 24

    # The same bytes under another name are a duplicate; a corrected resend supersedes.
    shutil.copy(inbox / "大通区" / "大通区.xlsx", inbox / "大通区" / "大通区(1).xlsx")
    os.utime(inbox / "大通区" / "大通区(1).xlsx", (OLD, OLD))
    drop(inbox, "大通区", "大通区_更正.xlsx", county_workbook("大通区", date="2018年7月18日", seed=4))
    third = ingest_flow(inbox=str(inbox), data_dir=str(data))
    assert {v.receipt.file_name: v.status for v in third.verdicts} == {"大通区(1).xlsx": "duplicate",
                                                                        "大通区_更正.xlsx": "accepted"}
    current = q(db, "SELECT file_name, status, is_current FROM submissions WHERE unit = '大通区' ORDER BY file_name")
    assert current == [("大通区(1).xlsx", "duplicate", False), ("大通区.xlsx", "accepted", False),
                       ("大通区_更正.xlsx", "accepted", True)]
    assert q(db, "SELECT sum(amount)::VARCHAR FROM unit_stats")[0][0] == str(sum(r["amount"] for r in form1_values(seed=4)))


def test_file_still_being_written_waits_for_the_next_scan(prefect_harness, tmp_path):
    from flows.ingest import ingest_flow

    box = tmp_path / "inbox"
    path = drop(box, "大通区", "大通区.xlsx", county_workbook("大通区"), mtime=time.time())
    first = ingest_flow(inbox=str(box), data_dir=str(tmp_path / "data"))
    assert first.verdicts == [] and first.skips == [("大通区/大通区.xlsx", "STILL_WRITING")]
    os.utime(path, (OLD, OLD))
    second = ingest_flow(inbox=str(box), data_dir=str(tmp_path / "data"))
    assert [v.status for v in second.verdicts] == ["accepted"]
