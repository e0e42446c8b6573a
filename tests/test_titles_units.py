"""Real submissions, round 3: titles as units edit them, and money or people in the wrong unit.

Workbooks are written by xlsxwriter (and xlwt for .xls), the way units' clients write them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from campaign.forms import FORM1, FORM2, FORM3
from tests.builders import company, form1_grid, form1_values, form2_grid, form3_grid
from tests.client_writers import xls_bytes, xlsxwriter_bytes
from tests.test_real_clients import examined, verdict
from transforms.issues import ERROR
from transforms.titles import match_title


def county_grids(titles: dict[str, str] | None = None, unit_lines: dict[str, str] | None = None, county="田家庵区",
                 companies=None):
    """The three forms of a county with the titles (and 单位 lines) a unit typed."""
    titles, unit_lines = titles or {}, unit_lines or {}
    g = {"附件1": form1_grid(form1_values()),
         "附件2": form2_grid(companies or [company("安徽甲公司"), company("安徽乙公司", amount="30.50", unpaid="0.25")]),
         "附件3": form3_grid(county)}
    for code, title in titles.items():
        g[code][0][0][0] = title
    for code, line in unit_lines.items():
        g[code][0][1][0] = line
    return g


def codes(forms):
    return sorted(f.form for f in forms)


def rules(issues, severity=None):
    return sorted(i.rule for i in issues if severity is None or i.severity == severity)


# --- titles -------------------------------------------------------------------------------------

EDITED = {
    "unit name before": {"附件1": "田家庵区" + FORM1.title, "附件2": "田家庵区" + FORM2.title,
                         "附件3": "田家庵区" + FORM3.title},
    "as-of date after": {"附件1": FORM1.title + "（截至2018年7月15日）", "附件2": FORM2.title + "(截至2018年7月15日)",
                         "附件3": FORM3.title + "（截至2018年7月15日）"},
    "附件N, city and unit, spaces": {"附件1": "附件1：淮南市田家庵区 " + FORM1.title,
                                   "附件2": "附件2  田家庵区" + FORM2.title + "【更正】",
                                   "附件3": "附件3 田家庵区 “无非法集资区、县” 统计表"},
    "typed with a word dropped": {"附件1": "田家庵区涉嫌非法集资风险排查情况统计表", "附件2": "重点风险线索统计",
                                  "附件3": "无非法集资区县统计表"},
}


@pytest.mark.parametrize("variant", list(EDITED))
def test_a_title_the_unit_edited_still_finds_every_form(variant):
    data = xlsxwriter_bytes(county_grids(EDITED[variant]))
    forms, issues = examined(data, unit="田家庵区")
    assert codes(forms) == ["附件1", "附件2", "附件3"], issues
    assert rules(issues, ERROR) == []
    v = verdict(data, unit="田家庵区")
    assert v.status == "accepted", [(i.rule, i.message) for i in v.errors]


def test_what_the_title_carries_is_kept_on_the_form():
    data = xlsxwriter_bytes(county_grids({"附件1": "附件1：田家庵区" + FORM1.title + "（截至2018年7月15日）",
                                          "附件2": FORM2.title}))
    forms, _ = examined(data, unit="田家庵区")
    by = {f.form: f for f in forms}
    assert (by["附件1"].title_unit, by["附件1"].as_of) == ("田家庵区", dt.date(2018, 7, 15))
    assert by["附件1"].title == "附件1：田家庵区" + FORM1.title + "（截至2018年7月15日）"
    assert (by["附件2"].title, by["附件2"].title_unit, by["附件2"].as_of) == (FORM2.title, None, None)


def test_a_sentence_that_mentions_a_form_is_not_a_title():
    g = county_grids()
    cells, merged = g["附件1"]
    cells.insert(0, ["各单位对照重点风险线索统计表认真填写，确保数据真实准确。"] + [None] * 14)
    g["附件1"] = (cells, [(r0 + 1, c0, r1 + 1, c1) for r0, c0, r1, c1 in merged])
    g["填表说明"] = ([["详见重点风险线索统计表"], ["附件3 见“无非法集资区、县”统计表"]], [])
    forms, issues = examined(xlsxwriter_bytes(g), unit="田家庵区")
    assert codes(forms) == ["附件1", "附件2", "附件3"]
    assert rules(issues, ERROR) == []   # no MISSING_HEADER, no DUPLICATE_FORM


@pytest.mark.parametrize("text, form", [
    ("田家庵区涉嫌非法集资风险专项排查情况统计表", "附件1"),
    ("重点风险线索统计表（2018年7月）", "附件2"),
    ("凤台县“无非法集资区、县”统计表", "附件3"),
])
def test_match_title_keeps_the_unit_and_the_date_apart(text, form):
    got = match_title(text)
    assert got is not None and got.form.code == form and not got.exact


def test_a_sheet_without_title_is_found_by_its_header_with_a_warning():
    g = county_grids()
    cells, merged = g["附件2"]
    g["附件2"] = (cells[1:], [(r0 - 1, c0, r1 - 1, c1) for r0, c0, r1, c1 in merged if r0 > 0])
    forms, issues = examined(xlsxwriter_bytes(g), unit="田家庵区")
    assert codes(forms) == ["附件1", "附件2", "附件3"]
    assert [(i.rule, i.form) for i in issues if i.rule == "TITLE_MISSING"] == [("TITLE_MISSING", "附件2")]
    assert verdict(xlsxwriter_bytes(g), unit="田家庵区").status == "accepted"


def test_no_forms_names_the_titles_it_saw():
    g = {"汇总": ([["田家庵区风险排查汇总表"], ["单位：个"], ["项目", "数量"], ["甲", 1]], []),
         "Sheet2": ([["企业风险名单统计表"], ["企业", "金额"]], [])}
    forms, issues = examined(xlsxwriter_bytes(g), unit="田家庵区")
    assert forms == []
    no_forms = [i for i in issues if i.rule == "NO_FORMS"]
    assert len(no_forms) == 1
    assert "田家庵区风险排查汇总表" in no_forms[0].message and "企业风险名单统计表" in no_forms[0].message


# --- units --------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, unit", [("单位：个、人、元", "元"), ("单位：个、人、千元", "千元"),
                                        ("单位：个、人、亿元", "亿元"), ("填报单位：田家庵区    单位：个、人、元", "元")])
def test_money_in_another_unit_than_wan_yuan_is_an_error_naming_the_cell(line, unit):
    data = xlsxwriter_bytes(county_grids(unit_lines={"附件1": line}))
    v = verdict(data, unit="田家庵区")
    assert v.status == "rejected"
    found = [i for i in v.errors if i.rule == "MONEY_UNIT"]
    assert [(i.form, i.cell, i.value) for i in found] == [("附件1", "A2", unit)]
    assert "万元" in found[0].message and "2位小数" in found[0].message


def test_people_in_wan_ren_is_an_error():
    data = xlsxwriter_bytes(county_grids(unit_lines={"附件2": "单位：万人、万元"}))
    v = verdict(data, unit="田家庵区")
    assert [(i.rule, i.form, i.cell) for i in v.errors] == [("PEOPLE_UNIT", "附件2", "A2")]


def test_the_printed_unit_lines_and_the_unit_name_line_are_fine():
    g = county_grids(unit_lines={"附件1": "单位：个、人、万元", "附件2": "填报单位：田家庵区"})
    assert verdict(xlsxwriter_bytes(g), unit="田家庵区").status == "accepted"


def test_a_unit_written_into_the_header_is_read_and_checked():
    g = county_grids()
    cells = g["附件2"][0]
    amount_col = cells[3].index("涉及金额")
    cells[3][amount_col] = "涉及金额（万元）"
    cells[3][amount_col + 1] = "涉及人数(人)"
    forms, issues = examined(xlsxwriter_bytes(g), unit="田家庵区")
    assert codes(forms) == ["附件1", "附件2", "附件3"] and rules(issues, ERROR) == []
    cells[3][amount_col] = "涉及金额（元）"
    v = verdict(xlsxwriter_bytes(g), unit="田家庵区")
    found = [(i.rule, i.form, i.cell) for i in v.errors]
    assert found == [("MONEY_UNIT", "附件2", f"{chr(ord('A') + amount_col)}4")]


def test_an_xls_from_wps_with_money_in_yuan_is_rejected_too():
    data = xls_bytes(county_grids(unit_lines={"附件2": "单位：人、元"}))
    v = verdict(data, name="报表.xls", unit="田家庵区")
    assert [i.rule for i in v.errors] == ["MONEY_UNIT"]


def test_amounts_typed_in_yuan_under_a_wan_yuan_line_are_flagged():
    big = [company("安徽甲公司", amount="3500000.00", people=120, unpaid="1200000.00"),
           company("安徽乙公司", amount="30.50", unpaid="0.25")]
    v = verdict(xlsxwriter_bytes(county_grids(companies=big)), unit="田家庵区")
    assert v.status == "accepted"   # possible, so a warning for the office to check, not a rejection
    flagged = [i for i in v.warnings if i.rule == "AMOUNT_PER_PERSON_HIGH"]
    assert [(i.form, i.cell) for i in flagged] == [("附件2", "F5")]
    assert "安徽甲公司" in flagged[0].message and "元" in flagged[0].message


def test_the_flag_follows_the_config_limit():
    from tests.test_real_clients import CONFIG

    big = [company("安徽甲公司", amount="3500.00", people=100, unpaid="100.00")]   # 35 万元 per person
    data = xlsxwriter_bytes(county_grids(companies=big))
    _, issues = examined(data, unit="田家庵区")
    assert "AMOUNT_PER_PERSON_HIGH" not in rules(issues)
    _, issues = examined(data, unit="田家庵区", intake={**CONFIG.intake, "amount_per_person_max": "20"})
    assert "AMOUNT_PER_PERSON_HIGH" in rules(issues)


# --- through the night ----------------------------------------------------------------------------

def test_an_edited_title_reaches_the_city_figures_and_the_warehouse(prefect_harness, tmp_path):
    import duckdb

    from flows.ingest import ingest_flow
    from tests.builders import drop

    inbox = tmp_path / "inbox"
    titles = {"附件1": "田家庵区" + FORM1.title + "（截至2018年7月15日）", "附件2": "田家庵区" + FORM2.title,
              "附件3": "田家庵区" + FORM3.title}
    drop(inbox, "田家庵区", "田家庵区.xlsx", xlsxwriter_bytes(county_grids(titles)))
    drop(inbox, "寿县", "寿县.xlsx", xlsxwriter_bytes(county_grids(unit_lines={"附件1": "单位：个、人、元"},
                                                                   county="寿县")))
    data = tmp_path / "data"
    result = ingest_flow(inbox=str(inbox), data_dir=str(data))
    assert {v.receipt.unit: v.status for v in result.verdicts} == {"田家庵区": "accepted", "寿县": "rejected"}
    con = duckdb.connect(str(data / "campaign.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT form, title_unit, as_of FROM form_titles WHERE unit = '田家庵区' ORDER BY form"
                           ).fetchall() == [("附件1", "田家庵区", dt.date(2018, 7, 15)), ("附件2", "田家庵区", None),
                                            ("附件3", "田家庵区", None)]
        total = sum(Decimal(str(r["amount"])) for r in form1_values())
        assert con.execute("SELECT sum(amount) FROM unit_stats WHERE unit = '田家庵区'").fetchone()[0] == total
        assert con.execute("SELECT rule, cell FROM validation_issues WHERE unit = '寿县' AND severity = 'error'"
                           ).fetchall() == [("MONEY_UNIT", "A2")]
    finally:
        con.close()


def test_a_sheet_that_is_none_of_the_forms_is_named_not_skipped_silently():
    g = county_grids()
    g["附件3"] = ([["田家庵区无非法集资情况汇报表"], ["区县", "案件数"], ["田家庵区", 0]], [])
    g["说明"] = ([["填报说明：金额以万元为单位"]], [])
    forms, issues = examined(xlsxwriter_bytes(g), unit="田家庵区")
    assert codes(forms) == ["附件1", "附件2"]
    found = [i for i in issues if i.rule == "SHEET_NOT_RECOGNISED"]
    assert len(found) == 1 and "田家庵区无非法集资情况汇报表" in found[0].message and found[0].severity != ERROR
