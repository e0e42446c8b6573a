"""Each validation rule, failing and passing, through the real GX suites on real .xlsx bytes."""
from __future__ import annotations

from decimal import Decimal

import pytest

from expectations import build_suites
from expectations.runner import queue, validate
from tests.builders import company, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from transforms.submission import examine


def check(config, sheets: dict, unit="大通区", file_name="报表.xlsx"):
    """(errors, warnings) as sets of (rule, form, cell) for one workbook."""
    data = workbook_bytes(sheets) if isinstance(sheets, dict) else sheets
    _, forms, issues = examine(data, file_name, unit, config.unit_kind(unit), config.intake)
    batches = {}
    queue(batches, 0, unit, forms)
    issues += [i for _, i in validate(batches, float(config.sum_tolerance))] if batches else []
    errors = {(i.rule, i.form, i.cell) for i in issues if i.severity == "error"}
    warnings = {(i.rule, i.form, i.cell) for i in issues if i.severity == "warning"}
    return errors, warnings


def clean_sheets():
    return {"附件1": form1_grid(form1_values()),
            "附件2": form2_grid([company("安徽甲公司"), company("淮南乙公司", cross="是", notice="已向江苏省通报1次")]),
            "附件3": form3_grid("大通区")}


def test_clean_workbook_passes_every_rule(config):
    assert check(config, clean_sheets()) == (set(), set())


def test_suites_on_disk_match_the_generator():
    for name in build_suites.SUITES:
        on_disk = (build_suites.SUITES_DIR / f"{name}.json").read_text(encoding="utf-8")
        assert on_disk == build_suites.render(name), f"suite {name} is stale: run python -m expectations.build_suites"


def _form1_with(**cells):
    """附件1 whose first row (民间投融资中介机构, sheet row 5) has the given values; totals follow the rows."""
    rows = form1_values()
    rows[0].update(cells)
    return rows


@pytest.mark.parametrize("cells, rule, cell", [
    ({"amount": "12.5万"}, "NON_NUMERIC", "H5"),
    ({"people": Decimal("-3")}, "NEGATIVE_VALUE", "G5"),
    ({"screened": Decimal("10.5")}, "NOT_WHOLE_NUMBER", "D5"),
    ({"screened": 1, "problem_count": 3, "rectified": 0, "unremediated": 0}, "PROBLEM_GT_SCREENED", "E5"),
    ({"problem_count": 1, "cleaned": 2, "unremediated": 0, "rectified": 0}, "MEASURE_GT_PROBLEM", "K5"),
])
def test_form1_value_rules(config, cells, rule, cell):
    sheets = clean_sheets()
    rows = _form1_with(**cells)
    # a non-numeric cell cannot be summed: declare the 合计 as the sum of the other rows
    sheets["附件1"] = form1_grid(rows, totals={"重点领域": {"amount": sum(Decimal(str(r["amount"])) for r in rows[1:14])}}
                                 if rule == "NON_NUMERIC" else None)
    errors, _ = check(config, sheets)
    assert (rule, "附件1", cell) in errors


def test_form1_sum_mismatch_names_the_total_cell(config):
    sheets = clean_sheets()
    sheets["附件1"] = form1_grid(form1_values(), totals={"重点行为": {"people": Decimal(99999)}})
    errors, _ = check(config, sheets)
    assert errors == {("SUM_MISMATCH", "附件1", "G30")}


def test_form1_sum_within_tolerance_passes(config):
    rows = form1_values()
    real = sum(Decimal(str(r["amount"])) for r in rows if r["section"] == "重点领域")
    sheets = clean_sheets()
    sheets["附件1"] = form1_grid(rows, totals={"重点领域": {"amount": real + Decimal("0.004")}})
    assert check(config, sheets)[0] == set()


def test_form1_warnings_problems_without_text(config):
    sheets = clean_sheets()
    sheets["附件1"] = form1_grid(_form1_with(problem_count=2, main_problems=None, unremediated=1,
                                             unremediated_reason=None, rectified=1))
    errors, warnings = check(config, sheets)
    assert errors == set()
    assert {("MAIN_PROBLEMS_EMPTY", "附件1", "F5"), ("UNREMEDIATED_REASON_EMPTY", "附件1", "N5")} <= warnings


@pytest.mark.parametrize("changes, rule, cell", [
    ({"cross": "Y"}, "ENUM_VALUE", "I5"),
    ({"internet": "网上"}, "ENUM_VALUE", "E5"),
    ({"unpaid": "150.00"}, "UNPAID_GT_AMOUNT", "H5"),
    ({"people": "10.5"}, "NOT_WHOLE_NUMBER", "G5"),
    ({"name": None}, "COMPANY_NAME_MISSING", "B5"),
])
def test_form2_rules(config, changes, rule, cell):
    c = company(changes.pop("name", "安徽甲公司"), **changes)
    sheets = clean_sheets()
    sheets["附件2"] = form2_grid([c, company("淮南乙公司")])
    errors, _ = check(config, sheets)
    assert (rule, "附件2", cell) in errors


def test_form2_duplicate_company_after_normalisation(config):
    sheets = clean_sheets()
    sheets["附件2"] = form2_grid([company("淮南市鼎盛投资有限公司"), company("淮南鼎盛投资有限公司 ")])
    errors, _ = check(config, sheets)
    assert ("DUPLICATE_COMPANY", "附件2", "B5") in errors and ("DUPLICATE_COMPANY", "附件2", "B6") in errors


def test_form2_sum_mismatch(config):
    sheets = clean_sheets()
    sheets["附件2"] = form2_grid([company("甲"), company("乙")], total_override={"unpaid": Decimal("1")})
    errors, _ = check(config, sheets)
    assert errors == {("SUM_MISMATCH", "附件2", "H7")}


def test_form2_warnings(config):
    sheets = clean_sheets()
    sheets["附件2"] = form2_grid([company("=HYPERLINK(\"http://x\",\"y\")", cross="是", notice=None, refund="还在退")])
    errors, warnings = check(config, sheets)
    assert errors == set()
    assert {("PROVINCE_NOTICE_MISSING", "附件2", "M5"), ("REFUND_FORMAT", "附件2", "K5"),
            ("FORMULA_LIKE_TEXT", "附件2", "B5")} <= warnings


@pytest.mark.parametrize("kwargs, rule", [
    ({"county": "寿县"}, "FORM3_WRONG_COUNTY"),
    ({"county": "大通区", "over50": "有"}, "ENUM_VALUE"),
    ({"county": "大通区", "cases": -1}, "NEGATIVE_VALUE"),
    ({"county": "大通区", "cases": 1.5}, "NOT_WHOLE_NUMBER"),
])
def test_form3_rules(config, kwargs, rule):
    sheets = clean_sheets()
    sheets["附件3"] = form3_grid(**kwargs)
    errors, _ = check(config, sheets)
    assert rule in {e[0] for e in errors}


def test_form3_must_hold_one_row(config):
    cells, merged = form3_grid("大通区")
    cells.insert(3, ["大通区", 0, "否", "否", None])
    sheets = clean_sheets()
    sheets["附件3"] = (cells, merged)
    assert "FORM3_ROW_COUNT" in {e[0] for e in check(config, sheets)[0]}


def test_department_form3_is_ignored_with_a_warning(config):
    sheets = clean_sheets()
    sheets["附件3"] = form3_grid("市公安局", over50="Y")   # even invalid content: ignored, not validated
    errors, warnings = check(config, sheets, unit="市公安局")
    assert errors == set() and {w[0] for w in warnings} == {"FORM3_FROM_DEPARTMENT"}


def test_department_blank_form3_template_is_silent(config):
    sheets = clean_sheets()
    sheets["附件3"] = form3_grid(None)
    assert check(config, sheets, unit="市公安局") == (set(), set())


def test_whole_file_rules(config):
    data = workbook_bytes(clean_sheets())
    assert check(config, data, unit="某某区")[0] == {("UNKNOWN_UNIT", None, None)}
    assert check(config, data, file_name="旧表.et")[0] == {("UNSUPPORTED_FORMAT", None, None)}
    assert check(config, data, file_name="旧表.xls")[0] == set()   # a workbook is read by its content, whatever its name
    assert check(config, data[: len(data) // 2])[0] == {("UNREADABLE_FILE", None, None)}


def test_every_problem_is_reported_at_once(config):
    sheets = clean_sheets()
    sheets["附件1"] = form1_grid(_form1_with(people=Decimal("-1")), totals={"重点行为": {"amount": Decimal(1)}})
    sheets["附件2"] = form2_grid([company("甲", cross="Y"), company("乙", unpaid="900.00")])
    errors, _ = check(config, sheets)
    assert {e[0] for e in errors} == {"NEGATIVE_VALUE", "SUM_MISMATCH", "ENUM_VALUE", "UNPAID_GT_AMOUNT"}
