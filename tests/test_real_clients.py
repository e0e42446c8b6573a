"""What real spreadsheet clients send: footer dates in every spelling, joined one-row headers,
formulas saved with a stale cached value (xlsxwriter), .xls (xlwt) and .ods (odfpy) workbooks,
and the order of a unit's resubmissions. Files are written by those clients, not by openpyxl."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from campaign.config import load_config
from campaign.forms import FORM1, FORM2, FORM3
from tests.builders import company, form1_grid, form1_values, form2_grid, form3_grid
from tests.client_writers import ods_bytes, total_formulas, xls_bytes, xlsxwriter_bytes
from tests.test_reliability_support import rewrite_zip, set_cell_xml
from transforms.formulas import plain_sum, recalculate, shift_formula
from transforms.grid import read_workbook
from transforms.issues import ERROR
from transforms.submission import Receipt, decide, examine
from transforms.text import parse_date

CONFIG = load_config()
INTAKE = CONFIG.intake
TZ = ZoneInfo(CONFIG.timezone)
FIRST_DATA_ROW = 4        # builders: title, 单位, two header rows


def grids(footer="2018年7月16日", companies=None, county="大通区"):
    return {"附件1": form1_grid(form1_values(), footer_date=footer),
            "附件2": form2_grid(companies or [company("安徽甲公司"), company("安徽乙公司", amount="30.50", unpaid="0.25")],
                                footer_date=footer),
            "附件3": form3_grid(county, footer_date=footer)}


def formulas_of(g):
    return {"附件1": total_formulas(g["附件1"][0], 3, 12, FIRST_DATA_ROW),
            "附件2": total_formulas(g["附件2"][0], 5, 7, FIRST_DATA_ROW)}


def examined(data: bytes, name: str = "报表.xlsx", unit: str = "大通区", intake=None):
    _, forms, issues = examine(data, name, unit, CONFIG.unit_kind(unit), intake or INTAKE)
    return forms, issues


def verdict(data: bytes, name: str = "报表.xlsx", unit: str = "大通区", mtime: dt.datetime | None = None):
    """examine + the expectations suites + decide, as the ingest flow does."""
    from expectations.runner import queue
    from expectations.validate import validate

    forms, issues = examined(data, name, unit)
    batches: dict = {}
    queue(batches, 0, unit, forms)
    issues = list(issues) + [i for _, i in (validate(batches, float(CONFIG.sum_tolerance)) if batches else [])]
    now = dt.datetime(2018, 7, 25)
    import hashlib
    sha = hashlib.sha256(data).hexdigest()
    return decide(Receipt(unit, name, f"{unit}/{name}", sha, len(data), mtime or now, now, f"archive/{sha}"), forms, issues)


def rules(issues, severity=None):
    return sorted(i.rule for i in issues if severity is None or i.severity == severity)


def figures(forms):
    """Every number of every form, as exact Decimals keyed by (form, row label, column)."""
    out = {}
    for f in forms:
        spec = {"附件1": FORM1, "附件2": FORM2, "附件3": FORM3}[f.form]
        for rec in f.records:
            key = rec.get("item") or rec.get("company_name") or rec.get("county")
            for col in spec.numeric_columns:
                out[(f.form, key, col.name)] = rec[f"{col.name}__dec"]
    return out


# --------------------------------------------------------------------------------------
# footer dates

@pytest.mark.parametrize("text", [
    "2018年7月19日", "2018.7.19", "2018/7/19", "2018-7-19", "2018.07.19", "2018-07-19",
    "二〇一八年七月十九日", "二零一八年七月十九日", "二○一八年七月十九日",
    " 2018 年 7 月 19 日 ", "2 0 1 8 . 7 . 1 9", "二〇一八 年 七 月 十九 日", "日期：2018/07/19",
    "２０１８年７月１９日", "2018年7月19",
])
def test_footer_date_spellings(text):
    assert parse_date(text) == dt.date(2018, 7, 19)


@pytest.mark.parametrize("text,expected", [
    ("二〇一八年十二月三十一日", dt.date(2018, 12, 31)), ("二〇一八年七月十日", dt.date(2018, 7, 10)),
    ("二〇一八年七月二十日", dt.date(2018, 7, 20)), ("年    月    日", None), ("电话：0554-3127128", None),
    ("05543127128", None), ("2018年13月1日", None), ("2018.2.30", None),
])
def test_footer_date_edge_cases(text, expected):
    assert parse_date(text) == expected


def test_excel_serials_only_when_asked_and_within_range():
    assert parse_date(43300, serials=True) == dt.date(2018, 7, 19)
    assert parse_date(43300.0, serials=True) == dt.date(2018, 7, 19)
    assert parse_date(43300) is None                      # a number elsewhere is not a date
    assert parse_date(43300.5, serials=True) is None
    assert parse_date(5543127128, serials=True) is None   # a phone typed as a number


@pytest.mark.parametrize("footer", ["2018.7.19", "2018/7/19", "二〇一八年七月十九日", "二零一八年七月十九日",
                                    "2018 - 7 - 19", dt.date(2018, 7, 19), 43300])
def test_footer_dates_read_from_xlsxwriter_files(footer):
    forms, issues = examined(xlsxwriter_bytes(grids(footer)))
    assert [f.footer_date for f in forms] == [dt.date(2018, 7, 19)] * 3
    assert "FOOTER_DATE_MISSING" not in rules(issues)


def test_footer_date_outside_the_campaign_year_is_a_warning_and_not_used_for_ordering():
    forms, issues = examined(xlsxwriter_bytes(grids("2081.7.19")))
    outside = [i for i in issues if i.rule == "FOOTER_DATE_OUTSIDE_CAMPAIGN"]
    assert len(outside) == 3 and all(i.severity == "warning" and i.value == "2081-07-19" and i.cell for i in outside)
    assert "2018" in outside[0].message and "2081" in outside[0].message
    assert [f.footer_date for f in forms] == [None] * 3           # ordered by the arrival date instead
    assert rules(issues, ERROR) == []


# --------------------------------------------------------------------------------------
# which file of a unit is current: effective date (footer date, else arrival date), then mtime

def _local(y, m, d, h=10, mi=0) -> dt.datetime:
    """A local (campaign time zone) wall-clock time as the naive UTC mtime the scanner records."""
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ).astimezone(dt.timezone.utc).replace(tzinfo=None)


@pytest.fixture()
def warehouse(tmp_path):
    from warehouse import db
    from warehouse.settings import sync_settings

    con = db.connect(tmp_path / "campaign.duckdb")
    db.init_schema(con)
    db.sync_registry(con, CONFIG)
    sync_settings(con, CONFIG)
    yield con
    con.close()


def _current(con, files: list[tuple[str, object, dt.datetime]], seed_of=None) -> str:
    """Load each (file name, footer, mtime) of 大通区 and return the file current for 附件1."""
    from warehouse.load import record_verdict

    for i, (name, footer, mtime) in enumerate(files):
        g = grids(footer)
        g["附件1"] = form1_grid(form1_values(seed=i + 1), footer_date=footer)
        v = verdict(xlsxwriter_bytes(g), name, mtime=mtime)
        assert v.status == "accepted", [(x.rule, x.message) for x in v.errors]
        record_verdict(con, v, "run")
    rows = con.execute("SELECT form, file_name FROM current_forms WHERE unit = '大通区' ORDER BY form").fetchall()
    assert len({n for _, n in rows}) == 1
    return rows[0][1]


def test_undated_resend_that_arrived_later_wins_over_an_older_dated_file(warehouse):
    assert _current(warehouse, [("dated.xlsx", "2018.7.16", _local(2018, 7, 16)),
                                ("undated.xlsx", "年  月  日", _local(2018, 7, 19))]) == "undated.xlsx"


def test_dated_file_wins_over_an_undated_one_that_arrived_before_its_date(warehouse):
    assert _current(warehouse, [("undated.xlsx", "年  月  日", _local(2018, 7, 12)),
                                ("dated.xlsx", "2018/7/18", _local(2018, 7, 18))]) == "dated.xlsx"


def test_later_footer_date_wins_whatever_the_mtimes(warehouse):
    # an old version re-saved later keeps its old footer date and loses
    assert _current(warehouse, [("new.xlsx", "2018.7.18", _local(2018, 7, 18)),
                                ("old-resaved.xlsx", "2018.7.12", _local(2018, 7, 20))]) == "new.xlsx"


def test_same_effective_date_then_later_mtime(warehouse):
    assert _current(warehouse, [("dated.xlsx", "2018.7.16", _local(2018, 7, 16, 9)),
                                ("undated.xlsx", "", _local(2018, 7, 16, 17))]) == "undated.xlsx"


def test_arrival_date_is_the_local_date_in_the_campaign_time_zone(warehouse):
    # 07:00 on 07-18 in Asia/Shanghai is 23:00 on 07-17 in UTC: by the local date the undated file
    # arrived on 07-18, after the dated file's 07-17 (a UTC date would tie and the dated file's
    # later mtime would win)
    assert _current(warehouse, [("undated.xlsx", "", _local(2018, 7, 18, 7)),
                                ("dated.xlsx", "2018.7.17", _local(2018, 7, 18, 8))]) == "undated.xlsx"


# --------------------------------------------------------------------------------------
# joined one-row headers

def joined(grid_merged, header_row: int, sep: str):
    """The two header rows written as one: '<parent><sep><leaf>' under every parent."""
    cells, merged = grid_merged
    top, low = cells[header_row], cells[header_row + 1]
    carry, row = None, []
    for c in range(len(top)):
        if top[c]:
            carry = top[c]
        row.append(f"{carry}{sep}{low[c]}" if low[c] and carry and not (top[c] and not low[c]) else top[c])
    cells = cells[:header_row] + [row] + cells[header_row + 2:]
    keep = []
    for r0, c0, r1, c1 in merged:
        if r1 < header_row:
            keep.append((r0, c0, r1, c1))
        elif r0 > header_row + 1:
            keep.append((r0 - 1, c0, r1 - 1, c1))
    return cells, keep


@pytest.mark.parametrize("sep", ["-", "—", "/", "_", "：", " ", "", "－", "／"])
def test_joined_one_row_header_is_the_two_row_header(sep):
    reference = figures(examined(xlsxwriter_bytes(grids()))[0])
    g = grids()
    g["附件1"] = joined(g["附件1"], 2, sep)
    g["附件2"] = joined(g["附件2"], 2, sep)
    assert any(str(v).startswith(f"问题机构情况{sep}机构") for v in g["附件1"][0][2])
    v = verdict(xlsxwriter_bytes(g))
    assert v.status == "accepted", [(i.rule, i.message) for i in v.errors]
    assert figures(v.forms) == reference
    assert {f.form for f in v.forms} == {"附件1", "附件2", "附件3"}


def test_joined_header_keeps_the_two_machine_counts_apart():
    """问题机构情况-机构数量 and 未整治情况-机构数量 share a leaf: the parent decides."""
    g = grids()
    g["附件1"] = joined(g["附件1"], 2, "-")
    forms, _ = examined(xlsxwriter_bytes(g))
    rows = {r["item"]: r for r in next(f for f in forms if f.form == "附件1").records}
    base = {r["item"]: r for r in form1_values()}
    for item, r in rows.items():
        assert r["problem_count__dec"] == Decimal(base[item]["problem_count"])
        assert r["unremediated__dec"] == Decimal(base[item]["unremediated"])


def test_unknown_joined_label_is_still_missing_and_form3_one_row_header_reads():
    g = grids()
    cells, merged = g["附件2"]
    cells = [list(r) for r in cells]
    g["附件2"] = joined((cells, merged), 2, "-")
    g["附件2"][0][2][1] = "风险情况-企业全称"          # not a printed leaf
    forms, issues = examined(xlsxwriter_bytes(g))
    assert [i.value for i in issues if i.rule == "MISSING_COLUMN"] == ["风险情况/企业名称"]
    assert next(f for f in forms if f.form == "附件3").records[0]["county"] == "大通区"


# --------------------------------------------------------------------------------------
# formulas saved with a stale cached value

def test_xlsxwriter_sum_totals_cached_zero_are_recomputed_and_warned():
    g = grids()
    data = xlsxwriter_bytes(g, formulas_of(g))
    v = verdict(data)
    assert v.status == "accepted", [(i.rule, i.cell, i.message) for i in v.errors]
    recalculated = [i for i in v.issues if i.rule == "FORMULA_RECALCULATED"]
    assert recalculated and all(i.severity == "warning" for i in recalculated)
    first = next(i for i in recalculated if i.form == "附件1" and i.cell == "D19")
    assert "=SUM(D5:D18)" in first.value and "cached=0" in first.value
    expected = sum(Decimal(r["screened"]) for r in form1_values() if r["section"] == "重点领域")
    assert f"computed={expected}" in first.value and "D19" in first.message and "Excel" in first.message
    t = next(f for f in v.forms if f.form == "附件1").totals.set_index(["section", "column"])
    assert t.loc[("重点领域", "screened"), "declared"] == float(expected)
    # a total that really is 0 (清理机构数量 of every row) had the right cached value: no warning
    assert not [i for i in recalculated if i.cell and i.cell[0] in "KL" and i.form == "附件1"]
    f2 = next(i for i in recalculated if i.form == "附件2" and i.cell.startswith("F"))
    assert "computed=130.5" in f2.value


def test_formula_with_the_right_cached_value_is_silent():
    g = grids()
    fs = formulas_of(g)
    values = {name: {k: float(g[name][0][k[0]][k[1]]) for k in f} for name, f in fs.items()}
    v = verdict(xlsxwriter_bytes(g, fs, values))
    assert v.status == "accepted" and "FORMULA_RECALCULATED" not in rules(v.issues)


def test_a_typed_wrong_total_stays_sum_mismatch():
    g = grids()
    g["附件1"] = form1_grid(form1_values(), totals={"重点领域": {"amount": Decimal("999.99")}})
    v = verdict(xlsxwriter_bytes(g))
    assert v.status == "rejected" and "SUM_MISMATCH" in rules(v.issues, ERROR)
    assert "FORMULA_RECALCULATED" not in rules(v.issues)


def test_a_wrong_sum_formula_is_what_excel_shows_and_still_a_mismatch():
    g = grids()
    fs = formulas_of(g)
    fs["附件1"][(18, 7)] = "=SUM(H5:H17)"                  # one row left out of 涉及金额
    v = verdict(xlsxwriter_bytes(g, fs))
    assert v.status == "rejected"
    assert [i.cell for i in v.issues if i.rule == "SUM_MISMATCH"] == ["H19"]


def test_other_formulas_keep_their_cached_value():
    g = grids()
    fs = formulas_of(g)
    cell = (18, 3)
    right = float(g["附件1"][0][18][3])
    fs["附件1"][cell] = "=ROUND(SUM(D5:D18),2)"             # not a plain sum: its cached value is read
    v = verdict(xlsxwriter_bytes(g, fs, {"附件1": {cell: right}}))
    assert "D19" not in [i.cell for i in v.issues if i.rule == "FORMULA_RECALCULATED" and i.form == "附件1"]
    t = next(f for f in v.forms if f.form == "附件1").totals.set_index(["section", "column"])
    assert t.loc[("重点领域", "screened"), "declared"] == right


def test_shared_formula_filled_across_is_followed():
    """Excel writes a formula filled across as one master <f t="shared" ref=.. si=..> and children."""
    g = grids()
    data = xlsxwriter_bytes(g)
    data = set_cell_xml(data, "附件1", "D19", '<c r="D19"><f t="shared" ref="D19:G19" si="0">SUM(D5:D18)</f><v>0</v></c>')
    for col in "EG":
        data = set_cell_xml(data, "附件1", f"{col}19", f'<c r="{col}19"><f t="shared" si="0"/><v>0</v></c>')
    v = verdict(data)
    assert v.status == "accepted", [(i.rule, i.cell, i.message) for i in v.errors]
    found = {i.cell: i.value for i in v.issues if i.rule == "FORMULA_RECALCULATED"}
    assert set(found) == {"D19", "E19", "G19"} and found["G19"].startswith("=SUM(G5:G18)")


def test_uncached_plain_sum_is_computed_not_rejected():
    g = grids()
    data = set_cell_xml(xlsxwriter_bytes(g), "附件1", "D19", '<c r="D19"><f>SUM(D5:D18)</f></c>')
    v = verdict(data)
    assert v.status == "accepted" and "FORMULA_NO_CACHED_VALUE" not in rules(v.issues)
    assert [i.cell for i in v.issues if i.rule == "FORMULA_RECALCULATED"] == ["D19"]


def test_recalculation_rules_on_a_grid():
    cells = [[1.0, 2.0, "", "12", "—"],
             [0.0, 0.0, 0.0, 0.0, 0.0]]
    formulas = {(1, 0): "=SUM(A1:B1)", (1, 1): "=A2+B1+$A$1", (1, 2): "=SUM(A1:E1)",   # SUM skips text
                (1, 3): "=A1+D1", (1, 4): "=A1+E1"}                                    # '+' coerces '12'; '—' is #VALUE!
    out = {(x.row, x.col): x.computed for x in recalculate(cells, formulas)}
    assert out == {(1, 0): Decimal("3.0"), (1, 1): Decimal("6.0"), (1, 2): Decimal("3.0"), (1, 3): Decimal("13.0")}
    assert cells[1][:4] == [3.0, 6.0, 3.0, 13.0] and cells[1][4] == 0.0


def test_recalculation_guards_cycles_depth_and_size(monkeypatch):
    import transforms.formulas as fm

    cells = [[0.0, 0.0, 5.0]]
    assert recalculate(cells, {(0, 0): "=B1+C1", (0, 1): "=A1+C1"}) == []          # a cycle: cached values stay
    chain = [[float(i == 0) for i in range(400)]]
    formulas = {(0, c): f"=SUM({_ref(c - 1)})" for c in range(1, 400)}
    for row in chain:
        row[1:] = [0.0] * 399
    out = recalculate(chain, formulas)
    assert all(x.computed == 1 for x in out) and len(out) == 399    # deep chains are cut per call, then resumed
    monkeypatch.setattr(fm, "MAX_VISITS", 10)
    big = [[1.0] * 50, [0.0] * 50]
    assert recalculate(big, {(1, 0): "=SUM(A1:AX1)"}) == []


def _ref(c: int) -> str:
    from transforms.sheet import cell_ref
    return cell_ref(0, c)


@pytest.mark.parametrize("formula,plain", [
    ("=SUM(D5:D18)", True), ("=sum(d5:d18, F5)", True), ("=SUM(D5:D18)+SUM(E5:E6)+F1", True), ("=+A1+B2", True),
    ("=SUM($D$5:$D$18)", True), ("=SUM(Sheet2!D5:D18)", False), ("=ROUND(SUM(A1:A2),2)", False), ("=A1-B1", False),
    ("=SUM(A1:A2)*2", False), ("=A1:A3", False), ("=SUMIF(A1:A3,\">0\")", False), ("=SUM()", False), ("=1+2", False),
])
def test_what_counts_as_a_plain_sum(formula, plain):
    assert (plain_sum(formula) is not None) is plain


def test_shift_formula_moves_relative_parts_only():
    assert shift_formula("SUM(D5:D18)", 0, 2) == "SUM(F5:F18)"
    assert shift_formula("$D5+D$5+$D$5", 1, 1) == "$D6+E$5+$D$5"


# --------------------------------------------------------------------------------------
# .xls (xlwt) and .ods (odfpy) are workbooks

@pytest.fixture(scope="module")
def reference():
    return figures(examined(xlsxwriter_bytes(grids()))[0])


@pytest.mark.parametrize("name", ["大通区.xls", "大通区.XLS", "大通区.xlsx"])   # sniffed by content, whatever the name
def test_xls_from_xlwt_is_read_like_the_xlsx(name, reference):
    data = xls_bytes(grids())
    assert data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    v = verdict(data, name)
    assert v.status == "accepted", [(i.rule, i.message) for i in v.errors]
    assert figures(v.forms) == reference
    assert [f.footer_date for f in v.forms] == [dt.date(2018, 7, 16)] * 3
    sheets = read_workbook(data)
    assert {s.name for s in sheets} == {"附件1", "附件2", "附件3"} and all(s.merged for s in sheets)


def test_ods_from_odfpy_is_read_like_the_xlsx(reference):
    g = grids()
    data = ods_bytes(g, formulas_of(g))
    v = verdict(data, "大通区.ods")
    assert v.status == "accepted", [(i.rule, i.message) for i in v.errors]
    assert figures(v.forms) == reference
    assert "FORMULA_RECALCULATED" in rules(v.issues, "warning")    # its formulas are followed too
    sheets = read_workbook(data)
    assert all(s.merged for s in sheets)                              # spans: calamine gives none for .ods


@pytest.mark.parametrize("writer,name", [(xls_bytes, "大通区.xls"), (ods_bytes, "大通区.ods")])
def test_hidden_rows_are_data_in_xls_and_ods(writer, name):
    hidden = {"附件2": [5]}
    data = writer(grids(), hidden_rows=hidden)
    forms, issues = examined(data, name)
    assert len(next(f for f in forms if f.form == "附件2").records) == 2 and rules(issues, ERROR) == []


@pytest.mark.parametrize("writer,name", [(xls_bytes, "大通区.xls"), (ods_bytes, "大通区.ods")])
def test_same_verdicts_in_xls_and_ods(writer, name):
    g = grids()
    g["附件1"] = form1_grid(form1_values(), totals={"重点领域": {"amount": Decimal("999.99")}})
    g["附件2"] = form2_grid([company("安徽甲公司", cross="Y")])
    v = verdict(writer(g), name)
    assert v.status == "rejected" and {"SUM_MISMATCH", "ENUM_VALUE"} <= set(rules(v.issues, ERROR))


@pytest.mark.parametrize("name,make", [
    ("大通区.xls", lambda: xls_bytes(grids())[:3000]),                       # truncated
    ("大通区.xls", lambda: xls_bytes(grids())[:512] + b"\xff" * 4096),       # header then garbage
    ("大通区.ods", lambda: ods_bytes(grids())[:1500]),                       # truncated zip
    ("大通区.ods", lambda: rewrite_zip(ods_bytes(grids()), {"content.xml": lambda x: x[: len(x) // 2]})),
])
def test_broken_xls_and_ods_are_unreadable(name, make):
    forms, issues = examined(make(), name)
    assert rules(issues, ERROR) == ["UNREADABLE_FILE"], [(i.rule, i.message) for i in issues]
    assert all("Traceback" not in i.message for i in issues)


def test_huge_xls_is_refused_before_it_is_loaded():
    g = grids()
    cells = [list(r) for r in g["附件2"][0]]
    data = xls_bytes({**g, "附件2": (cells, g["附件2"][1])}, values={"附件2": {(65535, 255): "stray"}})
    forms, issues = examined(data, "大通区.xls")
    err = [i for i in issues if i.severity == ERROR]
    assert [i.rule for i in err] == ["SHEET_TOO_LARGE"] and err[0].cell == "IV65536" and err[0].sheet == "附件2"


def test_huge_ods_repeated_rows_are_refused_before_they_are_loaded():
    row = ('<table:table-row table:number-rows-repeated="3000000"><table:table-cell office:value-type="string">'
           '<text:p>x</text:p></table:table-cell></table:table-row>')
    data = rewrite_zip(ods_bytes(grids()), {"content.xml": lambda x: x.replace(b"</table:table>", row.encode() + b"</table:table>", 1)})
    forms, issues = examined(data, "大通区.ods")
    assert rules(issues, ERROR) == ["SHEET_TOO_LARGE"]


def test_ods_zip_bomb_and_entities_are_refused():
    data = ods_bytes(grids())
    forms, issues = examined(data, "大通区.ods", intake={**INTAKE, "max_uncompressed_bytes": 2000})
    assert rules(issues, ERROR) == ["FILE_TOO_LARGE"]
    laughs = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    bomb = rewrite_zip(data, {"content.xml": lambda x: laughs + x.split(b"?>", 1)[1]})
    assert rules(examined(bomb, "大通区.ods")[1], ERROR) == ["XML_ENTITIES"]


def test_file_size_limit_holds_for_xls():
    data = xls_bytes(grids())
    forms, issues = examined(data, "大通区.xls", intake={**INTAKE, "max_file_bytes": len(data) - 1})
    assert rules(issues, ERROR) == ["FILE_TOO_LARGE"]


@pytest.mark.parametrize("name", ["大通区.et", "大通区.csv", "大通区.numbers", "大通区.zip", "大通区.7z"])
def test_what_is_not_a_workbook_is_still_unsupported(name):
    forms, issues = examined(xls_bytes(grids()), name)
    assert rules(issues, ERROR) == ["UNSUPPORTED_FORMAT"]


def test_opendocument_text_renamed_ods_is_not_a_spreadsheet():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<x/>")
    assert rules(examined(buf.getvalue(), "大通区.ods")[1], ERROR) == ["UNSUPPORTED_FORMAT"]


def _record(typ: int, body: bytes) -> bytes:
    import struct
    return struct.pack("<HH", typ, len(body)) + body


def test_biff_scan_counts_cell_records_across_an_embedded_chart_and_refuses_a_password():
    import struct

    from transforms.sheet import WorkbookError
    from transforms.legacy import _biff_scan

    bof = struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0)
    name = "附件1".encode("utf-16-le")
    globals_ = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))
    sheet_at = len(globals_) + 4 + 8 + len(name) + 4
    globals_ += _record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, 3, 1) + name) + _record(0x000A, b"")
    assert len(globals_) == sheet_at
    number = lambda r, c: _record(0x0203, struct.pack("<HHHd", r, c, 0, 1.0))   # noqa: E731
    sheet = (_record(0x0809, bof) + number(100, 5)
             + _record(0x0809, bof) + number(7000, 200) + _record(0x000A, b"")       # a chart's own substream
             + number(200, 3) + _record(0x00BD, struct.pack("<HHHIHIH", 300, 1, 0, 0, 0, 0, 9))
             + _record(0x0201, struct.pack("<HHH", 60000, 250, 0))                   # BLANK: formatting only
             + _record(0x000A, b""))
    scans = _biff_scan(globals_ + sheet)
    assert (scans["附件1"].max_row, scans["附件1"].max_col) == (300, 9)
    locked = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)) + _record(0x002F, b"\x01\x00" + b"\0" * 52)
    with pytest.raises(WorkbookError, match="工作簿已加密") as exc:
        _biff_scan(locked)
    assert exc.value.issue.rule == "ENCRYPTED_FILE"
