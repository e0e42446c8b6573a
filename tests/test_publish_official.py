"""The upward report: the city's 附件2 and 附件3 in the official layout, read back; print
settings; the data date; Chinese words; write-back receipts of rejected files."""
from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal as D

import openpyxl
import pytest

from campaign.errors import InputError
from campaign.forms import FORM1, FORM2, FORM3
from tests.builders import company, drop, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from tests.helpers import q

BAD_FILE = "凤台县_有错.xlsx"
ARRIVED = dt.datetime(2018, 7, 18, 9, 30).timestamp()   # local time of this machine; only its date matters


@pytest.fixture(scope="module")
def night(prefect_harness, tmp_path_factory):
    """The demo's generated submissions plus one rejected county file with problems in several cells."""
    from campaign.config import load_config
    from cli.demo import write_demo_inbox
    from flows.nightly import nightly_flow

    root = tmp_path_factory.mktemp("official")
    inbox, data = root / "inbox", root / "data"
    write_demo_inbox(inbox, load_config())
    bad = [company("凤台甲公司", amount="-5.00"), company("=HYPERLINK(\"http://x\",\"凤台乙公司\")", internet="网上"),
           company("凤台丙公司", people="12.5")]
    drop(inbox, "凤台县", BAD_FILE, workbook_bytes({
        "附件1": form1_grid(form1_values(seed=5), totals={"重点领域": {"amount": 1}}),
        "附件2": form2_grid(bad), "附件3": form3_grid("凤台县")}), mtime=ARRIVED)
    result = nightly_flow(inbox=str(inbox), data_dir=str(data)).published
    return result, data


def test_data_date_is_the_newest_arrival_clipped_to_the_window(night):
    result, data = night
    newest = q(data / "analytics.duckdb", "SELECT max(least(file_mtime, received_at)) FROM submissions")[0][0]
    from campaign.dates import newest_arrival

    expected = min(max(newest_arrival([newest], "Asia/Shanghai"), dt.date(2018, 5, 11)), dt.date(2018, 7, 30))
    assert result.data_date == expected
    assert result.workbook.name == f"summary_{expected.isoformat()}.xlsx"


def test_form2_sheet_is_the_ledger_in_the_official_layout(night):
    from publish.workbook import SHEET_FORM2
    from transforms.grid import read_workbook
    from transforms.parse import parse_workbook

    result, data = night
    ledger = q(data / "analytics.duckdb", "SELECT company_name, amount, people, unpaid, cross_province, reporting_units "
                       "FROM risk_ledger ORDER BY risk_rank")
    parsed = parse_workbook(read_workbook(result.workbook.read_bytes()))
    form2 = next(f for f in parsed.forms if f.sheet == SHEET_FORM2)
    assert not [i for i in form2.issues if i.severity == "error"]
    rows = form2.records
    assert [r["company_name"] for r in rows] == [l[0] for l in ledger]                  # worst first
    assert [int(float(r["seq"])) for r in rows] == list(range(1, len(ledger) + 1))   # 序号 1..n
    for r, (name, amount, people, unpaid, cross, units) in zip(rows, ledger):
        assert (r["amount__dec"], r["people__dec"], r["unpaid__dec"]) == (amount, people, unpaid), name
        assert r["cross_province"] == ("是" if cross else "否")
        assert all(u in r["remarks"] for u in units)                                    # 备注 names the reporters
    totals = {t["column"]: D(t["declared__text"]) for t in form2.total_records}
    led_sums = q(data / "analytics.duckdb", "SELECT sum(amount), sum(people), sum(unpaid) FROM risk_ledger")[0]
    assert (totals["amount"], totals["people"], totals["unpaid"]) == led_sums
    assert all(t["abs_diff"] == 0 for t in form2.total_records)
    # every printed column is filled from the reports
    for name in ("industry", "fundraising_mode", "internet", "measures", "outcome"):
        assert all(r[name] for r in rows), name


def _header_labels(ws, first: int, last: int) -> set[str]:
    return {str(c.value) for row in ws.iter_rows(min_row=first, max_row=last) for c in row if c.value is not None}


def test_official_sheets_print_the_forms_labels(night):
    from publish.workbook import SHEET_CITY, SHEET_FORM2, SHEET_FORM3

    result, data = night
    wb = openpyxl.load_workbook(result.workbook)
    for sheet, form in ((SHEET_CITY, FORM1), (SHEET_FORM2, FORM2), (SHEET_FORM3, FORM3)):
        ws = wb[sheet]
        assert ws["A1"].value == form.code
        title = next(r for r in range(1, 6) if ws.cell(r, 1).value == form.title)
        first, last = (int(x) for x in ws.print_title_rows.replace("$", "").split(":"))
        expected = {c.label for c in form.columns} | {c.parent for c in form.columns if c.parent}
        assert _header_labels(ws, first, last) == expected, sheet
        if form.unit_line:
            assert ws.cell(title + 1, 1).value == form.unit_line
        texts = [c.value for row in ws.iter_rows(min_row=last + 1) for c in row if isinstance(c.value, str)]
        assert "填报人：米冬冬" in texts and "电话：6678057" in texts                # the office, from config
        # signed on the units' latest footer date of that form (never after the data date), not the window's end
        kind = "" if form is FORM2 else "AND unit_kind = 'county'"
        signed = min(q(data / "analytics.duckdb", f"SELECT max(current_footer_date) FROM reporting_status WHERE form = '{form.code}' {kind}")[0][0],
                     result.data_date)
        assert f"{signed.year}年{signed.month}月{signed.day}日" in texts
        assert form.notes[0] in texts and form.notes[-1] in texts


def test_form3_sheet_one_row_per_county_whole_counts(night):
    from campaign.config import load_config
    from publish.workbook import SHEET_FORM3, SHEET_QUALIFY

    result, data = night
    wb = openpyxl.load_workbook(result.workbook)
    ws = wb[SHEET_FORM3]
    counties = load_config().counties
    rows = [r for r in ws.iter_rows(min_row=1) if r[0].value in counties]
    assert [r[0].value for r in rows] == counties
    stored = dict(q(data / "analytics.duckdb", "SELECT county, criminal_cases FROM county_qualification"))
    for r in rows:
        cases = r[1]
        if stored[r[0].value] is None:
            assert cases.value is None and r[4].value == "未报送有效附件3"
        else:
            assert cases.value == int(stored[r[0].value]) and cases.number_format == "0"
    assert ws.max_column == len(FORM3.columns)                  # no computed column on the form
    assert any(c.value == "是否符合“无非法集资区、县”条件（系统计算）" for c in wb[SHEET_QUALIFY][3])


def test_every_sheet_prints_legibly(night):
    from openpyxl.utils import get_column_letter

    from publish.printing import MIN_SCALE, PAGE_FOOTER, fit_scale

    result, _ = night
    wb = openpyxl.load_workbook(result.workbook)
    for ws in wb:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and ps.paperSize in (9, "9"), ws.title
        assert ws.print_title_rows, ws.title
        if ws["A1"].value in ("附件1", "附件2", "附件3"):   # the official forms: pages counted per form
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth == 1, ws.title
            assert ws.oddFooter.center.text.startswith("第 &P 页 共 "), ws.title
            continue
        # one page wide whatever the font; the columns chosen to fit at a legible scale in Excel's metric
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth == 1 and ps.fitToHeight == 0, ws.title
        if ws.title != "疑似同一企业":             # (its key columns: the 待核对 work of issue 28 reshapes it)
            widths = [ws.column_dimensions[get_column_letter(c)].width or 13 for c in range(1, ws.max_column + 1)]
            assert fit_scale(widths) >= MIN_SCALE - 2, (ws.title, sum(widths))   # a number column may widen a little
        assert ws.oddFooter.center.text == PAGE_FOOTER, ws.title
        assert "数据日期：" in (ws.oddFooter.right.text or ""), ws.title


def test_problem_sheet_is_in_chinese_and_names_column_and_row(night):
    from publish.workbook import SHEET_ISSUES

    result, _ = night
    ws = openpyxl.load_workbook(result.workbook)[SHEET_ISSUES]
    head = [c.value for c in ws[3]]
    rows = [dict(zip(head, (c.value for c in r))) for r in ws.iter_rows(min_row=4)]
    mine = [r for r in rows if r["文件"] == BAD_FILE]
    negative = next(r for r in mine if r["规则代码"] == "NEGATIVE_VALUE")
    assert negative["行"] == "凤台甲公司" and negative["栏目"] == "涉及金额"
    assert negative["表"] == "附件2"
    total = next(r for r in mine if r["规则代码"] == "SUM_MISMATCH")
    assert total["行"] == "合计（重点领域）" and total["栏目"] == "涉及金额"
    for r in rows:   # no English sentence in what a clerk reads
        for col in ("问题", "应当怎样"):
            assert not any(w in (r[col] or "") for w in (" is ", " the ", " must ", "tolerance")), r[col]


def test_receipt_says_what_happens_next_and_whom_to_call(night):
    _, data = night
    page = next((data / "receipts" / "凤台县").glob("凤台县_有错_*.html")).read_text(encoding="utf-8")
    assert "本文件未采用，当前采用的仍是" in page and "凤台县_附件1.xlsx" in page
    assert "米冬冬" in page and "6678057" in page and "w6678057@163.com" in page
    assert "凤台甲公司" in page and "涉及金额" in page and 'data-rule="NEGATIVE_VALUE"' in page
    assert "_标注.xlsx" in page


def test_write_back_receipt_marks_every_problem_cell(night):
    result, data = night
    issues = q(data / "analytics.duckdb", f"SELECT sheet, cell, rule, severity FROM validation_issues WHERE file_name = '{BAD_FILE}'")
    assert {"NEGATIVE_VALUE", "ENUM_VALUE", "NOT_WHOLE_NUMBER", "SUM_MISMATCH"} <= {i[2] for i in issues}
    copy = next((data / "receipts" / "凤台县").glob("凤台县_有错_*_标注.xlsx"))
    assert copy in result.writebacks
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "问题清单"
    listed = [c.value for c in wb["问题清单"]["J"]][3:]
    assert sorted(listed) == sorted(i[2] for i in issues)
    for sheet, cell, rule, severity in issues:
        if sheet is None or cell is None:
            continue
        target = wb[sheet][cell.split(":")[0]]
        assert target.comment is not None, (sheet, cell, rule)
        assert "应当" in target.comment.text
        if severity == "error":
            assert target.fill.fgColor.rgb.endswith("FFC7CE")      # errors red (提示 yellow)
    # text from the submission stays text in the copy
    formula_like = [c for row in wb["附件2"].iter_rows() for c in row
                    if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert formula_like and all(c.data_type == "s" for c in formula_like)


def test_a_bad_date_is_refused_before_anything_runs(tmp_path, capsys):
    from cli.main import main
    from campaign.dates import parse_date_arg

    with pytest.raises(InputError, match=r"--date '2018-13-45': no such day"):
        parse_date_arg("2018-13-45")
    assert parse_date_arg("2018-07-20") == dt.date(2018, 7, 20)
    for cmd in ("publish", "nightly"):
        assert main([cmd, "--date", "2018-13-45", "--data-dir", str(tmp_path / "d")]) == 2
        err = capsys.readouterr().err
        assert "2018-13-45" in err and "YYYY-MM-DD" in err and "Traceback" not in err
    assert not (tmp_path / "d").exists()


def test_default_date_is_clipped_to_the_screening_window():
    from campaign.dates import default_data_date

    start, end = dt.date(2018, 5, 11), dt.date(2018, 7, 30)
    assert default_data_date(dt.date(2018, 7, 18), start, end, dt.date(2026, 1, 1)) == dt.date(2018, 7, 18)
    assert default_data_date(None, start, end, dt.date(2026, 1, 1)) == end
    assert default_data_date(dt.date(2018, 5, 1), start, end, dt.date(2026, 1, 1)) == start


def test_words_drop_the_english_and_the_jargon():
    from publish.words import RULES, chinese_part, sentence

    msg = "合计与各行之和不一致（含隐藏行、添加行，容差0.005）。 合计 differs from the sum of its rows by more than the tolerance."
    assert chinese_part(msg) == "合计与各行之和不一致（含隐藏行、添加行，相差超过0.005）。"   # not "不一致…不超过"
    assert chinese_part("“涉及金额”不能为负数。 '涉及金额' is negative.") == "“涉及金额”不能为负数。"
    line = sentence({"form": "附件2", "sheet": "附件2", "cell": "F5", "rule": "NEGATIVE_VALUE", "value": "-5",
                     "message": "“涉及金额”不能为负数。 '涉及金额' is negative."},
                    {"row": "凤台甲公司", "column": "涉及金额"})
    assert line.startswith("附件2《重点风险线索统计表》，“凤台甲公司”一行，“涉及金额”栏，工作表“附件2”单元格 F5：")
    for zh, fix in RULES.values():   # Chinese only (the names of the programs aside)
        text = (zh + fix).replace("Excel", "").replace("WPS", "").replace("xlsx", "")
        assert not any(ch.isascii() and ch.isalpha() for ch in text), zh
