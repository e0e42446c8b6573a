"""The office decides in Excel (issue 28): the 待核对 workbook offers drop-downs, and a filled
copy (saved by openpyxl as Excel would, or rewritten by another client) is read back row by row."""
from __future__ import annotations

from openpyxl import load_workbook

from publish.review import write_review
from transforms.decisions import DOCS_SHEET, PAIRS_SHEET, later_wins, read_decisions

PAIRS = [dict(key_a="安徽甲投资公司", key_b="安徽甲投资有限公司", name_a="安徽甲投资公司", name_b="安徽甲投资有限公司",
              units_a=["田家庵区"], units_b=["大通区"], reason="名称相近"),
         dict(key_a="乙公司", key_b="乙贸易公司", name_a="乙公司", name_b="乙贸易公司",
              units_a=["凤台县"], units_b=["寿县"], reason="名称相近")]
DOCS = [dict(unit="寿县", sha256="ab" * 32, file_name="材料.docx", title="关于有关情况", received="2018年7月1日")]


def _blank(tmp_path):
    return write_review(tmp_path / "待核对_2018-07-20.xlsx", PAIRS, DOCS, "市处非办", "2018年7月20日")


def _fill(src, dst, pair_values, kind):
    wb = load_workbook(src)
    for r, v in zip((3, 4), pair_values):
        wb[PAIRS_SHEET][f"F{r}"] = v
    wb[DOCS_SHEET]["E3"] = kind
    wb.save(dst)
    return dst.read_bytes()


def test_the_blank_workbook_offers_the_drop_downs_and_hides_the_keys(tmp_path):
    wb = load_workbook(_blank(tmp_path))
    pairs, docs = wb[PAIRS_SHEET], wb[DOCS_SHEET]
    assert [dv.formula1 for dv in pairs.data_validations.dataValidation] == ['"同一企业,不同企业"']
    assert "F3:F4" in str(pairs.data_validations.dataValidation[0].sqref)
    assert [dv.formula1 for dv in docs.data_validations.dataValidation] == ['"实施方案,工作动态信息,总结报告,其他"']
    assert pairs.column_dimensions["G"].hidden and pairs.column_dimensions["H"].hidden
    assert "campaign" not in pairs["A1"].value and "市处非办" in pairs["A1"].value


def test_a_blank_copy_decides_nothing(tmp_path):
    decided, refused = read_decisions(_blank(tmp_path).read_bytes())
    assert decided == [] and refused == []


def test_filled_rows_are_read_with_their_row_and_blank_rows_stay_open(tmp_path):
    data = _fill(_blank(tmp_path), tmp_path / "filled.xlsx", ["同一企业", None], "总结报告")
    decided, refused = read_decisions(data)
    assert refused == []
    assert [(d.what, d.row, d.key_a, d.key_b, d.decision) for d in decided] == [
        ("pair", 3, "安徽甲投资公司", "安徽甲投资有限公司", "same"), ("document", 3, "寿县", "ab" * 32, "总结报告")]


def test_a_value_not_in_the_list_is_refused_not_guessed(tmp_path):
    data = _fill(_blank(tmp_path), tmp_path / "filled.xlsx", ["是", "不同企业"], "方案")
    decided, refused = read_decisions(data)
    assert [(d.row, d.decision) for d in decided] == [(4, "different")]
    assert [(r.sheet, r.row, r.value) for r in refused] == [(PAIRS_SHEET, 3, "是"), (DOCS_SHEET, 3, "方案")]


def test_two_conflicting_copies_the_later_wins_and_says_so(tmp_path):
    blank = _blank(tmp_path)
    first, _ = read_decisions(_fill(blank, tmp_path / "a.xlsx", ["同一企业", None], "总结报告"))
    second, _ = read_decisions(_fill(blank, tmp_path / "b.xlsx", ["不同企业", None], "总结报告"))
    in_force, conflicts = later_wins([("a.xlsx", first), ("b.xlsx", second)])
    pair = next(d for f, d in in_force if d.what == "pair")
    assert pair.decision == "different" and len(conflicts) == 1 and "采用后收到的 b.xlsx" in conflicts[0]
