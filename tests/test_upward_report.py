"""The upward report (上报_<date>.xlsx): exactly the city's three forms, printing as the office signs
and sends them; the working workbook opens on 附件1 and prints legibly (no ###, no program text)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from campaign.forms import FORM1, FORM2, FORM3
from tests.helpers import config_file, q
from tests.builders import company, drop, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes

ARRIVED = dt.datetime(2018, 7, 18, 9, 30).timestamp()
FORMS = {"附件1": FORM1, "附件2": FORM2, "附件3": FORM3}


@pytest.fixture(scope="module")
def night(prefect_harness, tmp_path_factory):
    """The demo's submissions, plus a county file with 未兑付资金 > 涉及金额 (a finding with figures)
    and a company of more than 1,000 people and 10,000 万元 (wide numbers)."""
    from campaign.config import load_config
    from cli.demo import write_demo_inbox
    from flows.nightly import nightly_flow

    root = tmp_path_factory.mktemp("upward")
    inbox, data = root / "inbox", root / "data"
    write_demo_inbox(inbox, load_config())
    drop(inbox, "寿县", "寿县_未兑付.xlsx", workbook_bytes({
        "附件1": form1_grid(form1_values(seed=3)),
        "附件2": form2_grid([company("寿县甲公司", amount="162.68", unpaid="212.68"),
                             company("寿县乙公司", amount="123456.78", people=12345, unpaid="99999.99")]),
        "附件3": form3_grid("寿县")}), mtime=ARRIVED)
    result = nightly_flow(inbox=str(inbox), data_dir=str(data)).published
    return result, data


def _latest_footer(data: Path, form, data_date: dt.date) -> dt.date:
    county = "" if form is FORM2 else "AND unit_kind = 'county'"
    latest = q(data / "analytics.duckdb", f"SELECT max(current_footer_date) FROM reporting_status WHERE form = '{form.code}' {county}")[0][0]
    return min(latest, data_date)


def _rows_of(ws, text: str) -> list[int]:
    return [c.row for row in ws.iter_rows() for c in row if c.value == text]


def test_upward_report_holds_exactly_the_three_forms(night):
    from publish.workbook import SHEET_CITY, SHEET_FORM2, SHEET_FORM3

    result, _ = night
    assert result.upward.name == f"上报_{result.data_date.isoformat()}.xlsx"
    assert result.upward.read_bytes() == result.upward_latest.read_bytes()
    assert result.upward_latest.name == "上报_latest.xlsx"
    wb = openpyxl.load_workbook(result.upward)
    assert wb.sheetnames == [SHEET_CITY, SHEET_FORM2, SHEET_FORM3]     # no departments, 考评 or problems
    assert wb.active.title == SHEET_CITY
    assert [ws["A1"].value for ws in wb] == ["附件1", "附件2", "附件3"]
    city = wb[SHEET_CITY]
    assert "县区属地口径" in city["C1"].value


def test_upward_report_prints_each_form_one_page_wide_with_its_footer(night):
    result, data = night
    wb = openpyxl.load_workbook(result.upward)
    for ws in wb:
        form = FORMS[ws["A1"].value]
        ps = ws.page_setup
        assert ps.orientation == "landscape" and int(ps.paperSize) == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 0
        # print titles: the form's header rows
        first, last = (int(x) for x in ws.print_title_rows.replace("$", "").split(":"))
        labels = {c.value for row in ws.iter_rows(min_row=first, max_row=last) for c in row}
        assert {c.label for c in form.columns} <= labels
        # the print area ends at the form's last note: nothing else prints
        area = ws.print_area.split("!")[-1].replace("$", "")
        note_row = _rows_of(ws, form.notes[-1])[0]
        assert area == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{note_row}", ws.title
        # pages numbered per form: its own page count, restarting at 1
        breaks = [b.id + 1 for b in ws.row_breaks.brk]
        assert ws.oddFooter.center.text == f"第 &P 页 共 {len(breaks) + 1} 页", ws.title
        assert int(ps.firstPageNumber) == 1 and ps.useFirstPageNumber
        # no header-only page, the footer never alone: a body row above the first break, and
        # the last break at least two body rows above the 填报人 line
        footer_row = next(c.row for row in ws.iter_rows(min_row=last + 1) for c in row
                          if isinstance(c.value, str) and c.value.startswith("填报人："))
        assert all(b > last + 1 for b in breaks), ws.title
        assert all(b <= footer_row - 3 for b in breaks), ws.title
        # signed on the latest footer date of the units' files of this form
        signed = _latest_footer(data, form, result.data_date)
        texts = {c.value for c in ws[footer_row]}
        assert f"{signed.year}年{signed.month}月{signed.day}日" in texts, ws.title


def test_a_section_continuing_on_the_next_page_repeats_its_label():
    """附件1 rows tall enough to break inside a section: the section label heads the new page."""
    from publish import official
    from publish.workbook import PublishMeta
    from publish.layout import blank_form1_rows

    rows = [dict(r, main_problems="虚假宣传、承诺高额回报、" * 8, screened=1) for r in blank_form1_rows()]
    ws = official.scratch()
    meta = PublishMeta(data_date=dt.date(2018, 7, 20), generated_at=dt.datetime(2018, 7, 20, 22))
    d = official.draw_official(ws, FORM1, rows, "全市汇总", meta)
    breaks = [b.id + 1 for b in ws.row_breaks.brk]
    inside = [b for b in breaks if b in d.data_rows and b - 1 in d.data_rows]
    assert inside, "the rows were meant to break inside a section"
    section_of = {}
    for r in d.data_rows:
        section_of[r] = section_of.get(r - 1) if ws.cell(r, 1).value is None else ws.cell(r, 1).value
    for b in inside:
        assert ws.cell(b, 1).value in FORM1.sections, b                     # written again, not merged away
        assert not any(rng.min_row < b <= rng.max_row for rng in ws.merged_cells.ranges), b
    assert ws.oddFooter.center.text == f"第 &P 页 共 {len(breaks) + 1} 页"


def test_explicit_date_signs_the_forms(night, prefect_harness):
    from flows.publish import publish_flow

    _, data = night
    result = publish_flow(data_dir=str(data), date="2018-07-29")
    assert not result.skipped and result.upward.name == "上报_2018-07-29.xlsx"
    wb = openpyxl.load_workbook(result.upward)
    for ws in wb:
        assert "2018年7月29日" in {c.value for row in ws.iter_rows() for c in row}, ws.title
    again = publish_flow(data_dir=str(data), date="2018-07-29")
    assert again.skipped                              # the upward report takes part in the fingerprint
    result.upward_latest.unlink()
    assert not publish_flow(data_dir=str(data), date="2018-07-29").skipped
    assert result.upward_latest.is_file()


def test_working_workbook_opens_on_the_city_form(night):
    from publish.workbook import SHEET_CITY

    result, _ = night
    wb = openpyxl.load_workbook(result.workbook)
    assert wb.sheetnames[0] == SHEET_CITY and wb.active.title == SHEET_CITY
    assert [wb.sheetnames.index(n) for n in wb.sheetnames[:4]] == [0, 1, 2, 3]
    assert all(wb[n]["A1"].value in ("附件1", "附件2", "附件3") for n in wb.sheetnames[:4])


def test_every_print_area_names_its_sheet(night):
    """Excel keeps a print area only as a reference to its own sheet ('附件1 区县汇总'!$A$1:$O$40);
    a bare A1:O40 in workbook.xml is what a file repaired by Excel loses."""
    import zipfile

    result, _ = night
    for book in (result.workbook, result.upward):
        names = re.findall(r'<definedName name="_xlnm.Print_Area" localSheetId="(\d+)">([^<]*)</definedName>',
                           zipfile.ZipFile(book).read("xl/workbook.xml").decode("utf-8"))
        sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
        assert names, book
        for index, area in names:
            assert area.startswith(f"'{sheets[int(index)]}'!$A$1:"), (book.name, index, area)


def test_no_working_column_narrower_than_its_widest_number(night):
    from publish.workbook import SHEET_LEDGER, SHEET_REPORTS

    result, _ = night
    wb = openpyxl.load_workbook(result.workbook)
    wide = 0
    for ws in wb:
        if ws["A1"].value in FORMS:
            continue
        for row in ws.iter_rows(min_row=3):
            for c in row:
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.number_format in ("0.00", "0"):
                    shown = f"{c.value:.2f}" if c.number_format == "0.00" else str(int(c.value))
                    width = ws.column_dimensions[c.column_letter].width
                    assert width >= len(shown) + 2, (ws.title, c.coordinate, shown, width)
                    wide += len(shown) >= 8 and ws.title in (SHEET_LEDGER, SHEET_REPORTS)
    assert wide, "the night holds amounts of 8 characters or more in 风险台账 / 风险线索明细"


def test_no_empty_column_in_the_ledger(night):
    from publish.workbook import SHEET_LEDGER

    result, _ = night
    ws = openpyxl.load_workbook(result.workbook)[SHEET_LEDGER]
    for col in ws.iter_cols(min_row=3):
        assert any(c.value not in (None, "") for c in col[1:]), col[0].value     # a header with no value under it


def test_problem_sheet_shows_no_program_text(night):
    from publish.workbook import SHEET_ISSUES

    result, _ = night
    ws = openpyxl.load_workbook(result.workbook)[SHEET_ISSUES]
    head = [c.value for c in ws[3]]
    rows = [dict(zip(head, (c.value for c in r))) for r in ws.iter_rows(min_row=4)]
    unpaid = next(r for r in rows if r["规则代码"] == "UNPAID_GT_AMOUNT" and r["行"] == "寿县甲公司")
    assert unpaid["填写内容"] == "涉及金额 162.68 万元，未兑付资金 212.68 万元"
    for r in rows:
        for col in ("问题", "填写内容", "应当怎样"):
            assert not re.search(r"[A-Za-z_]+\s*=\s*-?\d", r[col] or ""), (col, r[col])
        if r["规则代码"] == "SUM_MISMATCH":
            assert "不一致" in r["问题"] and "不超过" not in r["问题"], r["问题"]


def test_first_nights_changes_are_a_summary(night):
    result, _ = night
    ws = openpyxl.load_workbook(result.workbook)["今日变化"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert "首次发布" in rows[1][0]
    assert [v for v in rows[2] if v] == ["类别", "项数", "涉及单位数"]
    assert not any(v == "上一晚" for r in rows for v in r)
    assert 1 <= len(rows) - 3 <= 14                                  # one row per category, not per item


def test_charts_each_on_a_page_of_their_own(night):
    from publish.workbook import SHEET_CHARTS

    result, _ = night
    ws = openpyxl.load_workbook(result.workbook)[SHEET_CHARTS]
    breaks = {b.id + 1 for b in ws.row_breaks.brk}
    anchors = [(c.anchor._from.row + 1, c.anchor._from.col) for c in ws._charts]
    assert len(anchors) == 4
    (r1, c1), (r2, c2), (r3, c3), (r4, c4) = anchors
    assert {r1, r2} <= breaks and r1 < r2                            # the sector charts: a page each
    assert r3 == r4 and (c1, c2, c3, c4) == (0, 0, 0, 3)             # the counties' side by side, under their table
    assert max(b for b in breaks if b <= r3) > r2                    # on a page after the sector charts
    last_table_row = max(r for r in range(4, r1) if ws.cell(r, 1).value is not None)
    assert last_table_row < r1                                       # never beside the table


def test_unit_detail_rows_give_way_to_a_note_beyond_the_configured_number_of_units(night, prefect_harness, tmp_path):
    """A province's night (thousands of units) does not write every unit's 附件1 rows into the
    working workbook: beyond [publish] detail_units_max units the sheet says where the rows are."""
    import shutil

    from flows.publish import publish_flow
    from publish.workbook import SHEET_UNIT_ROWS

    _, data = night
    units = q(data / "analytics.duckdb", "SELECT count(DISTINCT unit) FROM unit_stats")[0][0]
    assert units > 2
    before = openpyxl.load_workbook(data / "publish" / "latest.xlsx")[SHEET_UNIT_ROWS]
    listed = {c.value for row in before.iter_rows(min_col=1, max_col=1) for c in row}
    assert {u for (u,) in q(data / "analytics.duckdb", "SELECT DISTINCT unit FROM unit_stats")} <= listed   # up to the limit: every unit

    copy = tmp_path / "data"
    shutil.copytree(data, copy, ignore=shutil.ignore_patterns("campaign.lock"))
    cfg = config_file(tmp_path, "small.toml", keys={"detail_units_max": 2})
    result = publish_flow(data_dir=str(copy), config_path=str(cfg), date="2018-07-24")
    assert not result.skipped                      # the limit takes part in the fingerprint
    ws = openpyxl.load_workbook(result.workbook)[SHEET_UNIT_ROWS]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(f"{units:,} 个单位" in t and "unit_stats" in t for t in texts)
    assert not {u for (u,) in q(data / "analytics.duckdb", "SELECT DISTINCT unit FROM unit_stats")} & set(texts)
