"""Receipts tell the truth: a document is registered for its kind (never "superseded" by a
workbook), a warning-only file is accepted (not asked to be corrected and resent), and nothing
shows "nan"."""
from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def demo_night(prefect_harness, tmp_path_factory):
    from campaign.config import load_config
    from cli.demo import write_demo_inbox
    from flows.nightly import nightly_flow

    root = tmp_path_factory.mktemp("receipts")
    inbox, data = root / "inbox", root / "data"
    write_demo_inbox(inbox, load_config())
    nightly_flow(inbox=str(inbox), data_dir=str(data))
    return data


def _text(path) -> str:
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _receipts(data, sql: str):
    import duckdb

    con = duckdb.connect(str(data / "analytics.duckdb"), read_only=True)
    try:
        names = con.execute(sql).fetchall()
    finally:
        con.close()
    return names


def test_a_documents_receipt_speaks_of_documents_never_of_a_workbook_replacing_it(demo_night):
    docs = _receipts(demo_night, "SELECT unit, file_name, kind FROM documents WHERE status = 'accepted'")
    assert docs
    texts = {p.name: _text(p) for p in (demo_night / "receipts").rglob("*.html")}
    checked = 0
    for unit, name, kind in docs:
        stem = name.rsplit(".", 1)[0]
        mine = [t for n, t in texts.items() if n.startswith(stem[:20]) and f"文件：{name}" in t]
        for text in mine:
            checked += 1
            assert "不再采用" not in text and "取代" not in text, (name, text[:400])
            assert "已登记" in text
            if kind != "其他":
                assert f"“{kind}”的报送要求" in text
    assert checked >= len(docs) // 2


def test_no_receipt_shows_nan_or_asks_an_accepted_file_to_be_resent(demo_night):
    import duckdb

    con = duckdb.connect(str(demo_night / "analytics.duckdb"), read_only=True)
    try:
        warned = {n for (n,) in con.execute(
            "SELECT file_name FROM submissions WHERE status = 'accepted' AND warning_count > 0 AND error_count = 0"
        ).fetchall()}
    finally:
        con.close()
    for path in (demo_night / "receipts").rglob("*.html"):
        text = _text(path)
        assert not re.search(r"\bnan\b", text), path.name
        assert "文件指纹" not in text
        name = re.search(r"文件：(\S+)", text).group(1)
        assert not re.search(r"\b[A-Z]+(?:_[A-Z]+)+\b", text), path.name   # no rule code shown to a unit
        if name in warned and name.endswith((".xlsx", ".xls", ".ods", ".xlsm")):
            assert "提示不影响" in text and "更正后重新报送" not in text, path.name


def test_an_unreadable_file_gets_no_marked_copy_and_its_receipt_promises_none(prefect_harness, tmp_path):
    from flows.nightly import nightly_flow
    from tests.builders import drop

    inbox, data = tmp_path / "inbox", tmp_path / "data"
    drop(inbox, "寿县", "寿县.xlsx", b"PK\x03\x04 truncated")
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    folder = data / "receipts" / "寿县"
    assert not list(folder.glob("*_标注.xlsx"))
    [page] = folder.glob("*.html")
    text = _text(page)
    assert "标了颜色" not in text and "无法作为 Excel 工作簿打开" in text
    assert not re.search(r"\bnan\b", text)


def test_a_marked_copy_offers_the_drop_down_its_receipt_advises_with_that_columns_options(prefect_harness, tmp_path):
    import openpyxl

    from flows.nightly import nightly_flow
    from tests.builders import company, drop, form1_grid, form1_values, form2_grid, form3_grid
    from tests.client_writers import xlsxwriter_bytes

    inbox, data = tmp_path / "inbox", tmp_path / "data"
    drop(inbox, "寿县", "寿县.xlsx", xlsxwriter_bytes({
        "附件1": form1_grid(form1_values()),
        "附件2": form2_grid([company("寿县甲公司", cross="Y"), company("寿县乙公司", internet="网上")]),
        "附件3": form3_grid("寿县")}))
    nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21")
    [copy] = (data / "receipts" / "寿县").glob("*_标注.xlsx")
    ws = openpyxl.load_workbook(copy)["附件2"]
    offered = {str(c): dv.formula1 for dv in ws.data_validations.dataValidation for c in dv.sqref.ranges}
    assert offered == {"I5": '"是,否"', "E6": '"线上,线下,线上线下相结合"'}
    [page] = (data / "receipts" / "寿县").glob("*.html")
    text = _text(page)
    assert "“是否跨省”：是、否" in text and "“是否通过互联网”：线上、线下、线上线下相结合" in text
