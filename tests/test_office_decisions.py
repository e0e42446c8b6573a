"""The office decides in Excel: each night writes 待核对_<date>.xlsx; a filled copy dropped into the
office's own inbox folder merges a company pair and sets a document's kind at the next run, a
blank copy changes nothing, and of two copies that disagree the later one wins."""
from __future__ import annotations

import io
import os
import time

import openpyxl
import pytest

from tests.builders import company, drop, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from tests.helpers import q

DOC = "情况说明.docx"


def _county(unit: str, name: str, seed: int = 1) -> bytes:
    return workbook_bytes({"附件1": form1_grid(form1_values(seed=seed)), "附件2": form2_grid([company(name)]),
                           "附件3": form3_grid(unit)})


def _docx(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.fixture
def night(prefect_harness, tmp_path):
    from flows.nightly import nightly_flow

    inbox, data = tmp_path / "inbox", tmp_path / "data"
    drop(inbox, "寿县", "寿县.xlsx", _county("寿县", "安徽瑞丰农业科技有限公司"))
    drop(inbox, "凤台县", "凤台县.xlsx", _county("凤台县", "安徽瑞丰农业科技有限公司寿县分公司", seed=2))
    drop(inbox, "寿县", DOC, _docx("关于有关事项的说明\n2018年7月1日"))
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    return inbox, data


def _fill(review: bytes, pair: str | None, kind: str | None) -> bytes:
    """The office's copy, filled as Excel saves it (openpyxl keeps the drop-downs and hidden keys)."""
    wb = openpyxl.load_workbook(io.BytesIO(review))
    if pair:
        wb["疑似同一企业"]["A4"] = pair
    if kind:
        wb["材料类别"]["A4"] = kind
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_review_workbook_offers_both_decisions_with_drop_downs(night):
    _, data = night
    wb = openpyxl.load_workbook(data / "publish" / "待核对_2018-07-21.xlsx")
    pairs, docs = wb["疑似同一企业"], wb["材料类别"]
    assert pairs["A3"].value == "判定" and pairs["J4"].value and pairs["K4"].value
    assert {pairs["B4"].value, pairs["E4"].value} == {"安徽瑞丰农业科技有限公司", "安徽瑞丰农业科技有限公司寿县分公司"}
    assert [dv.formula1 for dv in pairs.data_validations.dataValidation] == ['"同一企业,不同企业"']
    assert pairs.column_dimensions["J"].hidden and pairs.column_dimensions["K"].hidden
    assert docs["C4"].value == DOC
    assert [dv.formula1 for dv in docs.data_validations.dataValidation] == ['"实施方案,工作动态信息,总结报告,其他"']
    ledger = openpyxl.load_workbook(data / "publish" / "latest.xlsx")["疑似同一企业"]
    assert not any("campaign match" in str(c.value) for row in ledger.iter_rows() for c in row)


def test_a_filled_copy_merges_the_pair_and_sets_the_kind_a_blank_one_changes_nothing(night):
    from flows.nightly import nightly_flow

    inbox, data = night
    review = (data / "publish" / "待核对_2018-07-21.xlsx").read_bytes()
    drop(inbox, "市处非办", "空白.xlsx", review)
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-22")
    assert q(data / "analytics.duckdb", "SELECT count(*) FROM risk_ledger")[0][0] == 2
    assert q(data / "analytics.duckdb", f"SELECT kind FROM documents WHERE file_name = '{DOC}'") == [("其他",)]
    assert q(data / "analytics.duckdb", "SELECT status FROM submissions WHERE unit = '市处非办'") == [("accepted",)]

    drop(inbox, "市处非办", "核对结果.xlsx", _fill(review, "同一企业", "工作动态信息"))
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-23")
    assert q(data / "analytics.duckdb", "SELECT count(*) FROM risk_ledger")[0][0] == 1
    assert q(data / "analytics.duckdb", f"SELECT kind, classified_by FROM documents WHERE file_name = '{DOC}'") == [("工作动态信息", "hand")]
    assert q(data / "analytics.duckdb", "SELECT kind, decision, outcome FROM office_decisions WHERE file_name = '核对结果.xlsx' ORDER BY kind"
                ) == [("document", "工作动态信息", "applied"), ("pair", "same", "applied")]
    assert not q(data / "analytics.duckdb", "SELECT * FROM validation_issues WHERE rule = 'UNKNOWN_UNIT'")
    [page] = [p for p in (data / "receipts" / "市处非办").glob("核对结果_*.html")]
    text = page.read_text(encoding="utf-8")
    assert "已按下表处理本办的核对结果" in text and "同一企业" in text and "工作动态信息" in text


def test_of_two_copies_that_disagree_the_later_wins_and_says_so(night):
    from flows.nightly import nightly_flow

    inbox, data = night
    review = (data / "publish" / "待核对_2018-07-21.xlsx").read_bytes()
    now = time.time()
    drop(inbox, "市处非办", "甲.xlsx", _fill(review, "同一企业", None), mtime=now - 7200)
    drop(inbox, "市处非办", "乙.xlsx", _fill(review, "不同企业", None), mtime=now - 3600)
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-22")
    assert q(data / "analytics.duckdb", "SELECT count(*) FROM risk_ledger")[0][0] == 2          # kept apart: the later copy
    assert q(data / "analytics.duckdb", "SELECT decision FROM company_candidates") == [("different",)]
    [page] = [p for p in (data / "receipts" / "市处非办").glob("乙_*.html")]
    assert "以本文件为准" in page.read_text(encoding="utf-8")
