"""Poison names never stop the night: non-UTF-8 (GBK) names, over-long names, an apostrophe in the
data dir, a county's workbook in a department's folder. Real flows, real files, real DuckDB."""
from __future__ import annotations

import os
from pathlib import Path


from tests.builders import company, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from tests.test_reliability_support import OLD, drop
from tests.helpers import q


def county_bytes(county: str, seed: int = 1) -> bytes:
    return workbook_bytes({"附件1": form1_grid(form1_values(seed=seed)),
                           "附件2": form2_grid([company(f"{county}甲公司")]), "附件3": form3_grid(county)})


def drop_raw(inbox: Path, unit: str, name: bytes, data: bytes) -> bytes:
    """A file whose name is raw bytes (as a Windows / Samba share writes GBK names)."""
    folder = os.fsencode(inbox / unit)
    os.makedirs(folder, exist_ok=True)
    path = folder + b"/" + name
    with open(path, "wb") as fh:
        fh.write(data)
    os.utime(path, (OLD, OLD))
    return path


def test_a_gbk_file_name_is_read_archived_and_reported_with_its_raw_bytes_kept(prefect_harness, tmp_path):
    from flows.nightly import nightly_flow

    inbox, data = tmp_path / "inbox", tmp_path / "data"
    gbk = "寿县补报".encode("gbk") + b".xlsx"
    drop_raw(inbox, "寿县", gbk, county_bytes("寿县", seed=2))
    drop_raw(inbox, "大通区", b"\xff\xfe\x80.xlsx", county_bytes("大通区"))          # neither UTF-8 nor GBK
    drop(inbox, "八公山区", "八公山区.xlsx", county_bytes("八公山区", seed=3))
    result = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    assert sorted((v.receipt.inbox_path, v.status) for v in result.ingest.verdicts) == [
        ("八公山区/八公山区.xlsx", "accepted"), ("大通区/\\xff\\xfe\\x80.xlsx", "accepted"),
        ("寿县/寿县补报.xlsx", "accepted")]
    wh = data / "campaign.duckdb"
    assert ("寿县", "寿县补报.xlsx", "accepted") in q(wh, "SELECT unit, file_name, status FROM submissions")
    raw = dict(q(wh, "SELECT inbox_path, raw_path FROM received_names"))
    assert raw == {"寿县/寿县补报.xlsx": "寿县/".encode() + gbk, "大通区/\\xff\\xfe\\x80.xlsx": b"\xe5\xa4\xa7\xe9\x80\x9a\xe5\x8c\xba/\xff\xfe\x80.xlsx"}
    receipts = sorted(p.name for p in (data / "receipts" / "寿县").iterdir())
    assert len(receipts) == 1 and receipts[0].startswith("寿县补报_")
    assert q(data / "analytics.duckdb", "SELECT outcome FROM run_log") == [("completed",)]
    # the rerun reads nothing again: the printable path is the file's stable key
    again = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    assert again.ingest.verdicts == [] and again.ingest.known == 3


def test_over_long_names_publish_bounded_receipts_and_the_whole_night(prefect_harness, tmp_path):
    from flows.nightly import nightly_flow

    inbox, data = tmp_path / "inbox", tmp_path / "data"
    cjk = "寿县关于涉嫌非法集资风险专项排查情况统计表的补充报送材料" * 3      # 84 CJK characters: 252 + 5 bytes
    cjk = cjk[:(255 - 5) // 3]
    ascii_name = "a" * (255 - 5)
    drop(inbox, "寿县", cjk + ".xlsx", county_bytes("寿县", seed=2))
    drop(inbox, "大通区", ascii_name + ".xlsx", county_bytes("大通区"))
    assert len((cjk + ".xlsx").encode()) > 233 and len((ascii_name + ".xlsx").encode()) == 255
    result = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    assert {v.status for v in result.ingest.verdicts} == {"accepted"}
    receipts = list((data / "receipts").rglob("*.html"))
    assert len(receipts) == 2 and all(len(p.name.encode()) <= 140 for p in receipts)
    assert (data / "publish" / "latest.xlsx").is_file() and (data / "analytics.duckdb").is_file()
    assert q(data / "campaign.duckdb", "SELECT outcome FROM run_log") == [("completed",)]


def test_an_apostrophe_in_the_data_dir_path_works_to_the_snapshot(prefect_harness, tmp_path):
    from flows.nightly import nightly_flow

    inbox, data = tmp_path / "inbox", tmp_path / "o'brien" / "da\"ta"
    drop(inbox, "大通区", "大通区.xlsx", county_bytes("大通区"))
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    assert q(data / "analytics.duckdb", "SELECT unit, status FROM submissions") == [("大通区", "accepted")]


def test_a_countys_workbook_in_a_departments_folder_is_rejected(prefect_harness, tmp_path):
    from flows.ingest import ingest_flow

    inbox, data = tmp_path / "inbox", tmp_path / "data"
    drop(inbox, "市公安局", "凤台县报表.xlsx", county_bytes("凤台县"))          # copied or hard-linked there
    drop(inbox, "寿县", "寿县.xlsx", county_bytes("凤台县"))                   # another county's name
    result = ingest_flow(inbox=str(inbox), data_dir=str(data))
    by_unit = {v.receipt.unit: v for v in result.verdicts}
    assert by_unit["市公安局"].status == "rejected"
    [issue] = [i for i in by_unit["市公安局"].errors]
    assert issue.rule == "FORM_OF_OTHER_UNIT" and issue.value == "凤台县" and issue.form == "附件3"
    assert "凤台县" in issue.message and "市公安局" in issue.message
    assert by_unit["寿县"].status == "rejected"
    assert "FORM3_WRONG_COUNTY" in {i.rule for i in by_unit["寿县"].errors}
    # a department's blank or unnamed 附件3 stays a warning, as before
    drop(inbox, "市商务局", "市商务局.xlsx", workbook_bytes({
        "附件1": form1_grid(form1_values(seed=4)), "附件2": form2_grid([company("乙公司")])}))
    again = ingest_flow(inbox=str(inbox), data_dir=str(data))
    assert [(v.receipt.unit, v.status) for v in again.verdicts] == [("市商务局", "accepted")]
