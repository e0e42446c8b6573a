"""Write expectations/suites/*.json from the forms definition and the rule templates below.

The JSON files are the suites the pipeline runs; they are committed as data and reviewed like
code. Regenerate after changing campaign/forms.py:  python -m expectations.build_suites
(tests/test_expectations.py fails if the committed files and this generator disagree).

Each expectation's `meta` says how a failure is reported: rule code, severity, the frame column
whose cell reference is reported (`cell`), and the message (Chinese, then English).
"""
from __future__ import annotations

import json
from pathlib import Path

from campaign.forms import FORM1, FORM2, FORM3, MONEY, TEXT, WHOLE_KINDS, Form

SUITES_DIR = Path(__file__).with_name("suites")
NUMBER = r"^[+-]?\d+(?:\.\d+)?$"
WHOLE = r"^[+-]?\d+(?:\.0+)?$"
TWO_DECIMALS = r"^[+-]?\d+(?:\.\d{1,2}0*)?$"
FORMULA_LIKE = r"^[=+\-@]."


def is_number(column: str) -> dict:
    """GX row condition: the float column is not NaN (cells already reported as NON_NUMERIC are skipped)."""
    return {"column": {"name": column}, "is_null": False, "type": "nullity"}


def compare(column: str, operator: str, value) -> dict:
    """GX row condition `column <operator> value`."""
    return {"column": {"name": column}, "operator": operator, "parameter": value, "type": "comparison"}


def _exp(type_: str, kwargs: dict, rule: str, severity: str, cell: str, zh: str, en: str) -> dict:
    return {"type": type_, "kwargs": kwargs,
            "meta": {"rule": rule, "severity": severity, "cell": cell, "message": f"{zh} {en}"}}


def numeric_rules(form: Form) -> list[dict]:
    out = []
    for col in form.numeric_columns:
        c, label = col.name, col.label if not col.parent else f"{col.parent}/{col.label}"
        out.append(_exp("expect_column_values_to_match_regex", {"column": f"{c}__text", "regex": NUMBER},
                        "NON_NUMERIC", "error", c, f"“{label}”不是数字（如“12.5万”“1.2亿”须写成以万元计的数字）。",
                        f"'{label}' is not a number."))
        out.append(_exp("expect_column_values_to_be_between", {"column": c, "min_value": 0},
                        "NEGATIVE_VALUE", "error", c, f"“{label}”不能为负数。", f"'{label}' is negative."))
        if col.kind in WHOLE_KINDS:
            out.append(_exp("expect_column_values_to_match_regex",
                            {"column": f"{c}__text", "regex": WHOLE, "row_condition": is_number(c)},
                            "NOT_WHOLE_NUMBER", "error", c, f"“{label}”应为整数（机构数、人数）。",
                            f"'{label}' must be a whole number."))
        if col.kind == MONEY:
            out.append(_exp("expect_column_values_to_match_regex",
                            {"column": f"{c}__text", "regex": TWO_DECIMALS, "row_condition": is_number(c)},
                            "EXCESS_PRECISION", "warning", c, f"“{label}”超过2位小数，入库时四舍五入到分（注5）。",
                            f"'{label}' has more than 2 decimals; rounded to 0.01."))
    return out


def formula_rules(form: Form, extra: tuple[str, ...] = ()) -> list[dict]:
    cols = [c.name for c in form.columns if c.kind == TEXT] + list(extra)
    return [_exp("expect_column_values_to_not_match_regex", {"column": c, "regex": FORMULA_LIKE},
                 "FORMULA_LIKE_TEXT", "warning", c, "文本以 = + - @ 开头：按文本保存，任何输出中都不会写成公式。",
                 "Text starting with = + - @ is kept as text, never written as a formula.")
            for c in cols]


def not_greater(a: str, b: str, rule: str, zh: str, en: str, cell: str) -> dict:
    """b must not exceed a."""
    return _exp("expect_column_pair_values_a_to_be_greater_than_b",
                {"column_A": a, "column_B": b, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
                rule, "error", cell, zh, en)


def form1_suite() -> list[dict]:
    out = numeric_rules(FORM1)
    out.append(not_greater("screened", "problem_count", "PROBLEM_GT_SCREENED",
                           "问题机构数量大于排查机构数量。", "问题机构数量 exceeds 排查机构数量.", "problem_count"))
    for name in ("rectified", "cleaned", "prosecuted", "unremediated"):
        label = FORM1.column(name).label if name != "unremediated" else "未整治机构数量"
        out.append(not_greater("problem_count", name, "MEASURE_GT_PROBLEM",
                               f"“{label}”大于问题机构数量。", f"'{label}' exceeds 问题机构数量.", name))
    out.append(_exp("expect_column_values_to_not_be_null",
                    {"column": "main_problems", "row_condition": compare("problem_count", ">", 0)},
                    "MAIN_PROBLEMS_EMPTY", "warning", "main_problems", "有问题机构，但“主要问题”未填写。",
                    "Problem institutions counted but 主要问题 is empty."))
    out.append(_exp("expect_column_values_to_not_be_null",
                    {"column": "unremediated_reason", "row_condition": compare("unremediated", ">", 0)},
                    "UNREMEDIATED_REASON_EMPTY", "warning", "unremediated_reason", "有未整治机构，但“原因”未填写。",
                    "未整治 > 0 but 原因 is empty."))
    return out + formula_rules(FORM1, extra=("item",))


def totals_suite() -> list[dict]:
    """Run on the declared-vs-computed frame of 附件1 and 附件2 合计 rows."""
    return [
        _exp("expect_column_values_to_match_regex", {"column": "declared__text", "regex": NUMBER},
             "NON_NUMERIC", "error", "cell", "合计行中的值不是数字。", "A 合计 value is not a number."),
        _exp("expect_column_values_to_be_between",
             {"column": "abs_diff", "min_value": 0, "max_value": {"$PARAMETER": "sum_tolerance"}},
             "SUM_MISMATCH", "error", "cell", "合计与各行之和不一致（含隐藏行、添加行，容差0.005）。",
             "合计 differs from the sum of its rows by more than the tolerance."),
    ]


def form2_suite() -> list[dict]:
    internet, cross = FORM2.column("internet"), FORM2.column("cross_province")
    out = [
        _exp("expect_column_values_to_not_be_null", {"column": "company_name"}, "COMPANY_NAME_MISSING", "error",
             "company_name", "企业名称未填写。", "企业名称 is empty."),
        _exp("expect_compound_columns_to_be_unique",
             {"column_list": ["_submission", "company_key"], "ignore_row_if": "any_value_is_missing"},
             "DUPLICATE_COMPANY", "error", "company_name", "同一企业（规范化名称相同）在本表中出现两次以上。",
             "The same company (normalised name) appears more than once in this form."),
    ]
    for col in (internet, cross):
        out.append(_exp("expect_column_values_to_be_in_set", {"column": col.name, "value_set": list(col.choices)},
                        "ENUM_VALUE", "error", col.name, f"“{col.label}”只能填写：{'、'.join(col.choices)}。",
                        f"'{col.label}' must be one of {'/'.join(col.choices)}."))
        out.append(_exp("expect_column_values_to_not_be_null", {"column": col.name},
                        "ENUM_VALUE", "error", col.name, f"“{col.label}”未填写（应为：{'、'.join(col.choices)}）。",
                        f"'{col.label}' is empty."))
    out += numeric_rules(FORM2)
    out.append(not_greater("amount", "unpaid", "UNPAID_GT_AMOUNT", "未兑付资金大于涉及金额。",
                           "未兑付资金 exceeds 涉及金额.", "unpaid"))
    out.append(_exp("expect_column_values_to_not_be_null",
                    {"column": "province_notice", "row_condition": compare("cross_province", "==", "是")},
                    "PROVINCE_NOTICE_MISSING", "warning", "province_notice", "跨省企业未填写“省际间风险通报情况”。",
                    "Cross-province company without 省际间风险通报情况."))
    out.append(_exp("expect_column_values_to_match_regex",
                    {"column": "refund_status", "regex": r"^(?:正在清退|清退完毕).*\d+(?:\.\d+)?\s*[%％]"},
                    "REFUND_FORMAT", "warning", "refund_status", "“资金清退情况”应写“正在清退”或“清退完毕”并写明清退比例。",
                    "资金清退情况 should read 正在清退/清退完毕 with the refund ratio."))
    return out + formula_rules(FORM2)


def form3_suite() -> list[dict]:
    out = numeric_rules(FORM3)
    for name in ("over_50_case", "over_20_petition"):
        col = FORM3.column(name)
        out.append(_exp("expect_column_values_to_be_in_set", {"column": name, "value_set": list(col.choices)},
                        "ENUM_VALUE", "error", name, "只能填写“是”或“否”。", "Must be 是 or 否."))
        out.append(_exp("expect_column_values_to_not_be_null", {"column": name},
                        "ENUM_VALUE", "error", name, "未填写（应为“是”或“否”）。", "Empty; must be 是 or 否."))
    out.append(_exp("expect_column_pair_values_to_be_equal",
                    {"column_A": "county_key", "column_B": "_unit", "ignore_row_if": "either_value_is_missing"},
                    "FORM3_WRONG_COUNTY", "error", "county", "“区、县名称”与报送单位（文件夹）不一致。",
                    "区、县名称 does not name the submitting county."))
    out.append(_exp("expect_column_values_to_not_be_null", {"column": "county"}, "FORM3_WRONG_COUNTY", "error",
                    "county", "“区、县名称”未填写。", "区、县名称 is empty."))
    out.append(_exp("expect_column_values_to_be_between", {"column": "_rows_in_form", "min_value": 1, "max_value": 1},
                    "FORM3_ROW_COUNT", "error", "county", "附件3 只应有一行（本区县）。", "附件3 must hold exactly one row."))
    return out + formula_rules(FORM3)


SUITES = {"form1": form1_suite, "form1_totals": totals_suite, "form2": form2_suite,
          "form2_totals": totals_suite, "form3": form3_suite}


def render(name: str) -> str:
    return json.dumps({"name": name, "expectations": SUITES[name]()}, ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    SUITES_DIR.mkdir(exist_ok=True)
    for name in SUITES:
        (SUITES_DIR / f"{name}.json").write_text(render(name), encoding="utf-8")
        print(f"wrote {SUITES_DIR / name}.json")


if __name__ == "__main__":
    main()
