"""The parser over clean and messy grids and real .xlsx files the tests build themselves."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from campaign.forms import FORM1
from tests.builders import (company, form1_grid, form1_values, form2_grid, form3_grid, sheet, workbook_bytes)
from transforms.grid import read_workbook
from transforms.parse import parse_workbook

F1_NUM = ["screened", "problem_count", "people", "amount", "rectified", "cleaned", "prosecuted", "unremediated"]


def parsed_form(wb, code):
    return next(f for f in wb.forms if f.form.code == code)


def nn(v):
    """pandas shows a missing text as NaN; compare it as None."""
    return None if isinstance(v, float) and v != v else v


def values(pf):
    return [(r["section"], nn(r["grp"]), r["item"], *[r[f"{c}__dec"] for c in F1_NUM]) for _, r in pf.rows.iterrows()]


def expected_values(rows):
    return [(r["section"], r["grp"], r["item"], *[Decimal(str(r[c])) for c in F1_NUM]) for r in rows]


def test_clean_form1_rows_groups_totals_and_footer():
    rows = form1_values()
    pf = parsed_form(parse_workbook([sheet("附件1", form1_grid(rows))]), "附件1")
    assert pf.issues == []
    assert values(pf) == expected_values(rows)
    assert [nn(g) for g in pf.rows["grp"]][:5] == [None, "互联网金融行业企业", "互联网金融行业企业", "互联网金融行业企业", "资金密集型行业企业"]
    assert (pf.totals["abs_diff"] == 0).all() and len(pf.totals) == 16   # 8 starred columns x 2 sections
    assert pf.footer.date == dt.date(2018, 7, 16) and pf.footer.filler == "王磊" and pf.footer.phone == "0554-3127128"
    assert pf.rows.loc[0, "screened__cell"] == "D5"


def test_messy_form1_offset_split_header_text_numbers_read_the_same():
    rows = form1_values(seed=3)
    messy = form1_grid(rows, offset=(2, 1), split_header=True, text_numbers=True)
    pf = parsed_form(parse_workbook([sheet("Sheet1", messy)]), "附件1")
    assert pf.issues == []
    assert values(pf) == expected_values(rows)
    assert pf.rows.loc[0, "screened__cell"] == "E7"      # two blank rows and a blank column before the table


def test_blank_markers_fullwidth_digits_and_thousands_separators():
    rows = form1_values()
    cells, merged = form1_grid(rows)
    cells[4][3], cells[4][4], cells[4][6], cells[4][7] = "１２", "—", "1,234.00", " 5,000.50 "
    cells[4][9], cells[4][10], cells[4][11], cells[4][12] = "/", "无", "-", None
    cells[4][5] = None
    pf = parsed_form(parse_workbook([sheet("s", (cells, merged))]), "附件1")
    first = pf.rows.iloc[0]
    assert [first[f"{c}__dec"] for c in F1_NUM] == [Decimal(12), 0, Decimal(1234), Decimal("5000.50"), 0, 0, 0, 0]
    assert first["people__text"] == "1234.00"


def test_added_row_kept_under_its_own_label_and_counted_in_total():
    rows = form1_values()
    extra = {"section": "重点领域", "grp": None, "item": "其他：养生保健", "screened": 12, "problem_count": 1, "people": 115,
             "amount": Decimal("374.85"), "rectified": 0, "cleaned": 1, "prosecuted": 0, "unremediated": 0,
             "main_problems": "超范围经营"}
    rows.insert(14, extra)
    pf = parsed_form(parse_workbook([sheet("s", form1_grid(rows))]), "附件1")
    added = pf.rows[pf.rows["is_added"]]
    assert list(added["item"]) == ["其他：养生保健"] and list(added["section"]) == ["重点领域"]
    assert (pf.totals["abs_diff"] == 0).all()
    assert not any(i.rule == "ROW_MISSING" for i in pf.issues)


def test_declared_total_differs_from_rows_sum():
    rows = form1_values()
    real = sum(Decimal(str(r["amount"])) for r in rows if r["section"] == "重点领域")
    pf = parsed_form(parse_workbook([sheet("s", form1_grid(rows, totals={"重点领域": {"amount": real + 100}}))]), "附件1")
    bad = pf.totals[pf.totals["abs_diff"] > 0.005]
    assert list(bad["column"]) == ["amount"] and list(bad["cell"]) == ["H19"]
    assert float(bad["abs_diff"].iloc[0]) == 100.0


def test_renamed_reordered_sheets_found_by_title_and_hidden_rows_are_data():
    rows = form1_values()
    data = workbook_bytes({"Sheet2": form3_grid("大通区"), "统计 表": form1_grid(rows),
                           "Sheet1": form2_grid([company("安徽甲公司"), company("淮南乙公司")])},
                          hidden_rows={"统计 表": [6, 7]})
    wb = parse_workbook(read_workbook(data))
    assert sorted((f.form.code, f.sheet) for f in wb.forms) == [("附件1", "统计 表"), ("附件2", "Sheet1"), ("附件3", "Sheet2")]
    f1 = parsed_form(wb, "附件1")
    assert values(f1) == expected_values(rows)          # rows 6 and 7 are hidden but read
    f2 = parsed_form(wb, "附件2")
    assert list(f2.rows["company_name"]) == ["安徽甲公司", "淮南乙公司"]
    assert list(f2.rows["amount__dec"]) == [Decimal("100.00")] * 2
    f3 = parsed_form(wb, "附件3")
    assert f3.rows.loc[0, "county"] == "大通区" and f3.rows.loc[0, "over_50_case"] == "否"


def test_footer_date_as_real_date_cell():
    cells, merged = form3_grid("寿县")
    cells[-1][3] = dt.datetime(2018, 7, 20)
    pf = parsed_form(parse_workbook([sheet("s", (cells, merged))]), "附件3")
    assert pf.footer.date == dt.date(2018, 7, 20)


def test_form2_company_key_normalises_spelling_variants():
    names = ["淮南市鼎盛投资管理有限公司", "淮南鼎盛投资管理有限公司 ", "安徽瑞丰农业科技有限公司（寿县分公司）", "凤台县丰润种植\u3000农民专业合作社"]
    pf = parsed_form(parse_workbook([sheet("s", form2_grid([company(n) for n in names]))]), "附件2")
    assert list(pf.rows["company_key"]) == ["淮南鼎盛投资管理有限公司", "淮南鼎盛投资管理有限公司",
                                            "安徽瑞丰农业科技有限公司(寿县分公司)", "凤台县丰润种植农民专业合作社"]


def test_empty_form2_is_a_valid_form_with_no_rows():
    pf = parsed_form(parse_workbook([sheet("s", form2_grid([]))]), "附件2")
    assert pf.rows.empty and pf.issues == []


def test_workbook_without_forms_is_reported():
    wb = parse_workbook([sheet("s", ([["2017年度统计表"], ["a", "b"]], []))])
    assert wb.forms == [] and [i.rule for i in wb.issues] == ["NO_FORMS"]


def test_missing_column_and_unlabelled_row_are_errors():
    rows = form1_values()
    cells, merged = form1_grid(rows)
    for r in range(2, 4):
        cells[r][7] = None                              # 涉及金额 header gone
    pf = parsed_form(parse_workbook([sheet("s", (cells, merged))]), "附件1")
    assert [i.rule for i in pf.issues] == ["MISSING_COLUMN"] and "涉及金额" in pf.issues[0].value

    cells, merged = form1_grid(rows)
    cells[6][1] = cells[6][2] = None                    # a row of figures without its label
    merged = [m for m in merged if not (m[0] <= 6 <= m[2] and m[1] <= 2)]
    cells[5][1] = "互联网金融行业企业"
    pf = parsed_form(parse_workbook([sheet("s", (cells, merged))]), "附件1")
    assert "ROW_LABEL_MISSING" in [i.rule for i in pf.issues]


@pytest.mark.parametrize("code", ["附件1", "附件2", "附件3"])
def test_each_form_alone_in_its_own_file(code):
    grids = {"附件1": form1_grid(form1_values()), "附件2": form2_grid([company("甲")]), "附件3": form3_grid("寿县")}
    wb = parse_workbook(read_workbook(workbook_bytes({"Sheet1": grids[code]})))
    assert [f.form.code for f in wb.forms] == [code] and wb.issues == []


def test_every_printed_row_is_defined_once():
    keys = [(r.section, r.item) for r in FORM1.rows]
    assert len(keys) == len(set(keys)) == 24


def test_equal_values_read_as_written_whatever_was_read_before():
    """Cell readings are remembered per value (transforms.parse._numeric_fields / _clean_text): 1, 1.0
    and True stay apart, and equal values written differently (Decimal 1.0 / 1.00, as a grid built
    in code may hold) are never taken from one another."""
    cos = [company("甲公司", amount="1.0"), company("乙公司", amount="1.00"), company("丙公司"), company("丁公司")]
    g, merged = form2_grid(cos)
    first = g.index(next(r for r in g if r[1] == "甲公司"))
    g[first][5], g[first + 1][5] = Decimal("1.0"), Decimal("1.00")     # kept as Decimal, not floated
    g[first + 2][6], g[first + 3][6] = 1.0, True                     # people: a float 1.0, a boolean
    for _ in range(2):                                               # the second parse reads remembered values
        pf = parsed_form(parse_workbook([sheet("附件2", (g, merged))]), "附件2")
        got = [(r["amount__text"], r["people__text"], r["people__dec"]) for r in pf.records]
        assert got == [("1.0", "10", Decimal("10")), ("1.00", "10", Decimal("10")),
                       ("100.0", "1.0", Decimal("1.0")), ("100.0", "True", None)]
