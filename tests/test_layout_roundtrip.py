"""The official-layout writer (publish/layout.py) and the demo inbox (cli/demo.py) round-trip
through the real reader and parser (transforms.grid.read_workbook + transforms.parse.parse_workbook)."""
from __future__ import annotations

import datetime as dt
import re
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl import Workbook

from campaign.config import load_config
from cli.demo import demo_manifest, write_demo_inbox
from campaign.forms import FORM1, FORM2, FORM3, FORMS_BY_CODE, NUMERIC_KINDS
from transforms.grid import read_workbook
from transforms.sheet import WorkbookError
from publish.layout import (NUMBER_FORMAT, TEMPLATE_COMPANY_ROWS, blank_form1_rows, blank_workbook,
                               write_form, write_text)
from transforms.parse import parse_workbook
from transforms.text import company_key, parse_number

FOOTER = {"filler": "王磊", "phone": "0554-3127128", "date": dt.date(2018, 7, 16)}
FORMULA_LIKE = ['=HYPERLINK("http://x.example","淮南金福")', "+8613900001111理财", "-负号投资有限公司",
                "@淮南优选商城", "=1+1"]


# --------------------------------------------------------------------------------------
# helpers

def _save(tmp_path: Path, wb: Workbook, name: str = "form.xlsx") -> Path:
    path = tmp_path / name
    wb.save(path)
    return path


def _roundtrip(tmp_path: Path, form, data, footer=FOOTER, origin=(1, 1), totals=None):
    wb = Workbook()
    ws = wb.active
    ws.title = form.code
    write_form(ws, form, data, footer=footer, origin=origin, totals=totals)
    path = _save(tmp_path, wb)
    parsed = parse_workbook(read_workbook(path.read_bytes()))
    assert [f.form.code for f in parsed.forms] == [form.code]
    return parsed.forms[0], parsed, path


def _dec(value) -> Decimal:
    """What the parser must read for a written value (None and blank markers are 0)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    d = parse_number(value)
    assert d is not None, value
    return d


def _na(value):
    """pandas gives NaN for a missing text value: compare it as None."""
    return None if value is None or (isinstance(value, float) and value != value) else value


def _errors(issues):
    return [i for i in issues if i.severity == "error"]


def _form1_data() -> list[dict]:
    """Every printed row with figures that stress exactness, plus an added row in each section."""
    rows = blank_form1_rows()
    amounts = [Decimal("0.10"), Decimal("0.20"), Decimal("907.36"), Decimal("1234567.89"), Decimal("0.01"),
               Decimal("99999999.99"), Decimal("33.33"), Decimal("0.00"), Decimal("1060.30")]
    for i, row in enumerate(rows):
        problems = i % 4
        row.update(screened=10 + i, problem_count=problems, people=problems * 37, amount=amounts[i % len(amounts)],
                   rectified=min(problems, 1), cleaned=min(max(problems - 1, 0), 1), prosecuted=0,
                   unremediated=max(problems - 2, 0),
                   main_problems="设资金池、自融" if problems else None,
                   measures=FORMULA_LIKE[i % len(FORMULA_LIKE)] if problems else None,
                   unremediated_reason="企业负责人失联" if problems > 2 else None,
                   remarks="-" if i == 3 else None)
    added_area = dict(section="重点领域", grp=None, item="其他：养生保健", screened=12, problem_count=1, people=115,
                      amount=Decimal("374.85"), rectified=0, cleaned=1, prosecuted=0, unremediated=0,
                      main_problems="超范围经营", measures="移送公安机关", unremediated_reason=None, remarks=None)
    added_behaviour = dict(section="重点行为", grp="各类“创新”型集资平台", item="其他：以房养老", screened=3,
                           problem_count=1, people=20, amount=Decimal("45.67"), rectified=1, cleaned=0,
                           prosecuted=0, unremediated=0, main_problems="虚假宣传", measures="责令整改",
                           unremediated_reason=None, remarks=None)
    last_area = max(i for i, r in enumerate(rows) if r["section"] == "重点领域")
    rows.insert(last_area + 1, added_area)
    last_innov = max(i for i, r in enumerate(rows) if r["grp"] == "各类“创新”型集资平台")
    rows.insert(last_innov + 1, added_behaviour)
    return rows


def _form2_data() -> list[dict]:
    base = dict(industry="网络借贷", fundraising_mode="P2P网络借贷，承诺年化收益12%-15%", internet="线上",
                measures="立案侦查、冻结账户", outcome="已立案侦查", remarks=None)
    rows = [
        dict(base, company_name="淮南汇金网络借贷信息中介服务有限公司", amount=Decimal("25904.03"), people=2053,
             unpaid=Decimal("20969.90"), cross_province="是", refund_status="正在清退，已清退19.05%",
             province_notice="已向江苏省、河南省通报风险线索1次"),
        dict(base, company_name="安徽瑞丰农业科技有限公司（寿县分公司）", internet="线下", amount="1,234.50",
             people="１２", unpaid="—", cross_province="否", refund_status="清退完毕，清退比例100.00%",
             province_notice="无"),
        dict(base, company_name="淮南汇金\u3000网络借贷", internet="线上线下相结合", amount=Decimal("0.10"),
             people=3, unpaid=Decimal("0.10"), cross_province="否", refund_status="正在清退，已清退0.00%",
             province_notice=None),
    ]
    for k, name in enumerate(FORMULA_LIKE):
        rows.append(dict(base, company_name=name, amount=Decimal("0.20") + k, people=k, unpaid=Decimal("0.00"),
                         cross_province="否", refund_status="清退完毕，清退比例100.00%", province_notice="无",
                         outcome=FORMULA_LIKE[-1 - k]))
    return rows


def _formula_cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


# --------------------------------------------------------------------------------------
# 附件1

@pytest.mark.parametrize("origin", [(1, 1), (4, 3)])
def test_form1_roundtrip_exact(tmp_path, origin):
    data = _form1_data()
    pf, parsed, _ = _roundtrip(tmp_path, FORM1, data, origin=origin)
    assert parsed.issues == [] and pf.issues == []
    assert pf.title_cell == f"{openpyxl.utils.get_column_letter(origin[1])}{origin[0]}"
    rows = pf.rows
    assert len(rows) == len(data) == 26
    for rec, want in zip(rows.to_dict("records"), data):
        assert (rec["section"], _na(rec["grp"]), rec["item"]) == \
               (want["section"], want["grp"], want["item"])
        assert rec["is_added"] == want["item"].startswith("其他：")
        for col in FORM1.columns:
            if col.kind in NUMERIC_KINDS:
                assert rec[f"{col.name}__dec"] == _dec(want[col.name]), (want["item"], col.name)
                assert str(rec[f"{col.name}__dec"].quantize(Decimal("0.01"))) == \
                       str(_dec(want[col.name]).quantize(Decimal("0.01")))
            else:
                assert _na(rec[col.name]) == want.get(col.name), (want["item"], col.name)
    # the added rows are kept under their own label, in their section and group
    added = rows[rows["is_added"]]
    assert added["item"].tolist() == ["其他：养生保健", "其他：以房养老"]
    assert added["grp"].tolist()[1] == "各类“创新”型集资平台"
    # both 合计 rows: declared == exact Decimal sum, for every * column
    totals = pf.totals
    assert len(totals) == 2 * len(FORM1.totalled_columns)
    assert (totals["abs_diff"] == 0).all()
    for t in totals.to_dict("records"):
        want = sum((_dec(r[t["column"]]) for r in data if r["section"] == t["section"]), Decimal(0))
        assert Decimal(t["declared__text"]) == want, t
    assert (pf.footer.filler, pf.footer.phone, pf.footer.date) == ("王磊", "0554-3127128", dt.date(2018, 7, 16))


def test_form1_layout_cells(tmp_path):
    data = _form1_data()
    wb = Workbook()
    drawn = wb.active
    write_form(drawn, FORM1, data, footer=FOOTER)
    path = _save(tmp_path, wb)
    ws = openpyxl.load_workbook(path).active
    merged = {str(m) for m in ws.merged_cells.ranges}
    width = 3 + len(FORM1.columns)
    last = openpyxl.utils.get_column_letter(width)
    # title + 单位 line across the table; header merges; label area
    assert {f"A1:{last}1", f"A2:{last}2", "A3:C4", "D3:D4", "E3:H3", "I3:L3", "M3:N3", f"{last}3:{last}4"} <= merged
    assert ws["A1"].value == FORM1.title and ws["A2"].value == FORM1.unit_line
    # 重点领域: 14 printed rows + 1 added, then 合计 merged over the three label columns
    assert "A5:A19" in merged and ws["A5"].value == "重点领域"
    assert "B6:B8" in merged and ws["B6"].value == "互联网金融行业企业"
    assert "B5:C5" in merged and "B19:C19" in merged and ws["B19"].value == "其他：养生保健"
    assert "A20:C20" in merged and ws["A20"].value == "合计"
    # the added behaviour row joins its group's merge
    assert "B21:B26" in merged and ws["C26"].value == "其他：以房养老"
    # numbers: numeric cells with 2 decimals; no formulas anywhere
    assert ws["D5"].data_type == "n" and ws["D5"].number_format == NUMBER_FORMAT
    assert ws["H20"].data_type == "n" and ws["H20"].number_format == NUMBER_FORMAT
    assert _formula_cells(path) == []
    # notes: one merged line each, after the footer
    notes = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value in FORM1.notes]
    assert [ws.cell(r, 1).value for r in notes] == list(FORM1.notes)
    assert all(f"A{r}:{last}{r}" in merged for r in notes)
    assert ws.cell(notes[0] - 1, 1).value == "填报人：王磊"
    # borders on the table
    assert ws["D5"].border.left.style == "thin" and ws["A3"].border.top.style == "thin"
    # ... including the cells inside merged ranges, as written (Excel draws a merged area's edges
    # from them; openpyxl's reader re-derives them on load, so look at the drawn sheet)
    for coord in ("A12", "A19", "B7", "C19", "B4", "F3", "B20"):
        b = drawn[coord].border
        assert (b.left.style, b.right.style, b.top.style, b.bottom.style) == ("thin",) * 4, coord


def test_form1_totals_override_makes_a_wrong_total(tmp_path):
    data = _form1_data()
    true_sum = sum((r["amount"] for r in data if r["section"] == "重点领域"), Decimal(0))
    pf, _, _ = _roundtrip(tmp_path, FORM1, data, totals={"重点领域": {"amount": true_sum + Decimal("100.00")}})
    t = pf.totals.set_index(["section", "column"])
    assert t.loc[("重点领域", "amount"), "abs_diff"] == pytest.approx(100.0)
    assert Decimal(t.loc[("重点领域", "amount"), "declared__text"]) == true_sum + 100
    assert (t.drop(index=("重点领域", "amount"))["abs_diff"] == 0).all()


def test_form1_rejects_unknown_section():
    with pytest.raises(ValueError, match=r"附件1: rows with unknown section\(s\) \['重点人群'\]"):
        write_form(Workbook().active, FORM1, [dict(section="重点人群", grp=None, item="x")])


# --------------------------------------------------------------------------------------
# 附件2

@pytest.mark.parametrize("origin", [(1, 1), (3, 2)])
def test_form2_roundtrip_exact(tmp_path, origin):
    data = _form2_data()
    pf, parsed, path = _roundtrip(tmp_path, FORM2, data, origin=origin)
    assert _errors(parsed.issues + pf.issues) == []
    assert len(pf.rows) == len(data)
    recs = pf.rows.to_dict("records")
    assert [r["seq"] for r in recs] == [str(n) for n in range(1, len(data) + 1)]
    for rec, want in zip(recs, data):
        for col in FORM2.columns:
            if col.name == "seq":
                continue
            if col.kind in NUMERIC_KINDS:
                assert rec[f"{col.name}__dec"] == _dec(want[col.name]), (want["company_name"], col.name)
            else:
                assert _na(rec[col.name]) == (want.get(col.name).strip() if want.get(col.name) else None), col.name
    assert len(pf.totals) == 3 and (pf.totals["abs_diff"] == 0).all()
    for t in pf.totals.to_dict("records"):
        assert Decimal(t["declared__text"]) == sum((_dec(r[t["column"]]) for r in data), Decimal(0))
    assert (pf.footer.filler, pf.footer.phone, pf.footer.date) == ("王磊", "0554-3127128", dt.date(2018, 7, 16))
    # text that looks like a formula is a plain string cell, never a formula
    ws = openpyxl.load_workbook(path).active
    found = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in FORMULA_LIKE:
        assert found[text].data_type == "s", text
    assert _formula_cells(path) == []
    with zipfile.ZipFile(path) as zf:
        sheet_xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_form2_merges_and_total_label(tmp_path):
    wb = Workbook()
    write_form(wb.active, FORM2, _form2_data()[:2], footer=FOOTER)
    ws = openpyxl.load_workbook(_save(tmp_path, wb)).active
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A1:N1", "A2:N2", "A3:A4", "B3:I3", "J3:M3", "N3:N4", "A7:E7"} <= merged
    assert ws["A7"].value == "合计" and ws["F7"].number_format == NUMBER_FORMAT
    assert ws["A5"].value == 1 and ws["A6"].value == 2


def test_form2_totals_override(tmp_path):
    pf, _, _ = _roundtrip(tmp_path, FORM2, _form2_data(), totals={"unpaid": "0"})
    t = pf.totals.set_index("column")
    assert t.loc["unpaid", "abs_diff"] > 0 and t.loc["amount", "abs_diff"] == 0


def test_write_text_never_a_formula(tmp_path):
    wb = Workbook()
    ws = wb.active
    for i, text in enumerate(FORMULA_LIKE + ["=SUM(A1:A3)", "@", "普通文本"], start=1):
        write_text(ws.cell(row=i, column=1), text)
    path = _save(tmp_path, wb)
    back = openpyxl.load_workbook(path).active
    for i, text in enumerate(FORMULA_LIKE + ["=SUM(A1:A3)", "@", "普通文本"], start=1):
        assert back.cell(row=i, column=1).value == text
        assert back.cell(row=i, column=1).data_type == "s"


# --------------------------------------------------------------------------------------
# 附件3

def test_form3_roundtrip(tmp_path):
    data = [dict(county="寿县", criminal_cases=3, over_50_case="是", over_20_petition="否", remarks="=备注")]
    pf, parsed, path = _roundtrip(tmp_path, FORM3, data, origin=(2, 2))
    assert parsed.issues == [] and pf.issues == []
    rec = pf.rows.to_dict("records")
    assert len(rec) == 1
    assert rec[0]["county"] == "寿县" and rec[0]["criminal_cases__dec"] == 3
    assert (rec[0]["over_50_case"], rec[0]["over_20_petition"], _na(rec[0]["remarks"])) == ("是", "否", "=备注")
    assert pf.footer.date == dt.date(2018, 7, 16) and pf.footer.filler == "王磊"
    ws = openpyxl.load_workbook(path).active
    assert "B2:F2" in {str(m) for m in ws.merged_cells.ranges}   # title across the 5 columns
    assert _formula_cells(path) == []


# --------------------------------------------------------------------------------------
# the official fixture: redrawing its data reproduces its layout cell for cell

def _fixture_dir() -> Path | None:
    here = Path(__file__).resolve().parents[1]
    for cand in (here / "fixtures", here.parent / "shared" / "fixtures"):
        if (cand / "inbox").is_dir():
            return cand
    return None


def _data_from_parsed(pf) -> list[dict]:
    out = []
    for rec in pf.rows.to_dict("records"):
        row = {}
        if pf.form is FORM1:
            row.update(section=rec["section"], grp=rec["grp"] if isinstance(rec["grp"], str) else None,
                       item=rec["item"])
        for col in pf.form.columns:
            row[col.name] = rec[f"{col.name}__dec"] if col.kind in NUMERIC_KINDS else rec[col.name]
        out.append(row)
    return out


def test_layout_matches_official_fixture(tmp_path):
    fixtures = _fixture_dir()
    if fixtures is None:
        pytest.skip("official fixture workbook not available")
    src = fixtures / "inbox" / "田家庵区" / "田家庵区.xlsx"
    parsed = parse_workbook(read_workbook(src.read_bytes()))
    official = openpyxl.load_workbook(src)
    wb = Workbook()
    wb.remove(wb.active)
    for pf in parsed.forms:
        ws = wb.create_sheet(pf.form.code)
        footer = {"filler": pf.footer.filler, "phone": pf.footer.phone, "date": pf.footer.date}
        write_form(ws, pf.form, _data_from_parsed(pf), footer=footer)
    ours = openpyxl.load_workbook(_save(tmp_path, wb))
    for pf in parsed.forms:
        theirs, mine = official[pf.sheet], ours[pf.form.code]
        assert {str(m) for m in mine.merged_cells.ranges} == {str(m) for m in theirs.merged_cells.ranges}, pf.form.code
        assert mine.max_row == theirs.max_row and mine.max_column == theirs.max_column
        for row in theirs.iter_rows():
            for cell in row:
                got = mine[cell.coordinate].value
                if isinstance(cell.value, (int, float)):
                    assert isinstance(got, (int, float)) and got == cell.value, (pf.form.code, cell.coordinate)
                else:
                    assert got == cell.value, (pf.form.code, cell.coordinate)


# --------------------------------------------------------------------------------------
# blank templates

def _dv_covers(ws, coordinate: str, kind: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if dv.type == kind and coordinate in dv.sqref]


@pytest.mark.parametrize("kind,codes", [("county", ["附件1", "附件2", "附件3"]), ("department", ["附件1", "附件2"])])
def test_blank_workbook(tmp_path, kind, codes):
    wb = blank_workbook(kind, "寿县" if kind == "county" else None)
    path = _save(tmp_path, wb)
    back = openpyxl.load_workbook(path)
    assert back.sheetnames == codes
    # 附件1: every numeric input cell has decimal >= 0; 合计 rows are =SUM formulas
    ws1 = back["附件1"]
    for r in range(5, 5 + 14):
        for c in ("D", "E", "G", "H", "J", "K", "L", "M"):
            dvs = _dv_covers(ws1, f"{c}{r}", "decimal")
            assert dvs and dvs[0].operator == "greaterThanOrEqual" and dvs[0].formula1 == "0", f"{c}{r}"
    assert not _dv_covers(ws1, "D19", "decimal")          # the 合计 row is not an input row
    assert ws1["D19"].value == "=SUM(D5:D18)" and ws1["A19"].value == "合计"
    # 附件2: 20 numbered empty rows, drop-downs from the Column choices, =SUM 合计
    ws2 = back["附件2"]
    first, last = 5, 4 + TEMPLATE_COMPANY_ROWS
    assert [ws2[f"A{r}"].value for r in range(first, last + 1)] == list(range(1, TEMPLATE_COMPANY_ROWS + 1))
    assert all(ws2[f"B{r}"].value is None for r in range(first, last + 1))
    total_row = last + 1
    assert ws2[f"A{total_row}"].value == "合计"
    for letter, name in (("F", "amount"), ("G", "people"), ("H", "unpaid")):
        assert ws2[f"{letter}{total_row}"].value == f"=SUM({letter}{first}:{letter}{last})"
        assert _dv_covers(ws2, f"{letter}{last}", "decimal")
    for letter, name in (("E", "internet"), ("I", "cross_province")):
        dvs = _dv_covers(ws2, f"{letter}{first}", "list")
        assert dvs and _dv_covers(ws2, f"{letter}{last}", "list")
        assert dvs[0].formula1 == '"' + ",".join(FORM2.column(name).choices) + '"'
    if kind == "county":
        ws3 = back["附件3"]
        assert ws3["A3"].value == "寿县"
        for letter, name in (("C", "over_50_case"), ("D", "over_20_petition")):
            dvs = _dv_covers(ws3, f"{letter}3", "list")
            assert dvs and dvs[0].formula1 == '"' + ",".join(FORM3.column(name).choices) + '"'
        assert _dv_covers(ws3, "B3", "decimal")
    # the empty template reads back as the forms, with no errors
    parsed = parse_workbook(read_workbook(path.read_bytes()))
    assert sorted(f.form.code for f in parsed.forms) == codes
    assert _errors(parsed.issues + [i for f in parsed.forms for i in f.issues]) == []
    f1 = next(f for f in parsed.forms if f.form.code == "附件1")
    assert len(f1.rows) == len(FORM1.rows) and (f1.totals["abs_diff"] == 0).all()
    assert next(f for f in parsed.forms if f.form.code == "附件2").rows.empty


def test_blank_workbook_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unit_kind must be one of .*, got 'city'"):
        blank_workbook("city")


# --------------------------------------------------------------------------------------
# the demo inbox

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    config = load_config()
    inbox = tmp_path_factory.mktemp("demo") / "inbox"
    t0 = time.perf_counter()
    paths = write_demo_inbox(inbox, config)
    elapsed = time.perf_counter() - t0
    return config, inbox, paths, elapsed


def _parse_path(path: Path):
    parsed = parse_workbook(read_workbook(path.read_bytes()))
    return parsed, parsed.issues + [i for f in parsed.forms for i in f.issues]


def test_demo_inbox_units_and_files(demo):
    config, inbox, paths, elapsed = demo
    assert {p.name for p in inbox.iterdir()} == set(config.units)
    assert all(p.exists() and p.parent.parent == inbox for p in paths)
    manifest = {m["path"]: m for m in demo_manifest(config)}
    assert set(manifest) == {f"{p.parent.name}/{p.name}" for p in paths}
    verdicts = [m["verdict"] for m in manifest.values()]
    assert 2 <= verdicts.count("rejected") <= 3 and verdicts.count("ignored") == 1
    assert verdicts.count("superseded") == 1
    for unit in config.units:
        assert any(m["unit"] == unit and m["verdict"] == "accepted" for m in manifest.values()), unit
    lock = [p for p in paths if p.name.startswith("~$")]
    assert len(lock) == 1 and not lock[0].read_bytes().startswith(b"PK")


def test_demo_valid_files_parse_clean_with_required_forms(demo):
    config, inbox, paths, _ = demo
    manifest = {m["path"]: m for m in demo_manifest(config)}
    forms_by_unit: dict[str, set[str]] = {u: set() for u in config.units}
    tz = ZoneInfo(config.timezone)
    start, due = config.date("screening_start"), config.forms_due
    for path in paths:
        m = manifest[f"{path.parent.name}/{path.name}"]
        if m["verdict"] not in ("accepted", "superseded"):
            continue
        parsed, issues = _parse_path(path)
        assert _errors(issues) == [], (m["path"], _errors(issues))
        for pf in parsed.forms:
            if pf.is_blank:
                continue
            forms_by_unit[m["unit"]].add(pf.form.code)
            assert pf.footer.date == m["footer_date"] and pf.footer.filler and pf.footer.phone, m["path"]
            assert (pf.totals["abs_diff"] == 0).all(), m["path"]
        # footer date inside the screening window; the file's mtime is that day (campaign time zone)
        assert start <= m["footer_date"] <= due
        mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, tz)
        assert mtime.date() == m["footer_date"], m["path"]
    for unit in config.units:
        assert forms_by_unit[unit] == set(config.required_forms(unit)), unit


def test_demo_invalid_files_are_what_they_claim(demo):
    config, inbox, paths, _ = demo
    manifest = demo_manifest(config)
    rejected = {m["rule"]: inbox / m["path"] for m in manifest if m["verdict"] == "rejected"}
    assert set(rejected) == {"SUM_MISMATCH", "ENUM_VALUE", "UNREADABLE_FILE"}
    with pytest.raises(WorkbookError, match="不是可读取的") as exc:
        read_workbook(rejected["UNREADABLE_FILE"].read_bytes())
    assert exc.value.issue.rule == "UNREADABLE_FILE"
    parsed, issues = _parse_path(rejected["SUM_MISMATCH"])
    f1 = next(f for f in parsed.forms if f.form.code == "附件1")
    bad = f1.totals[f1.totals["abs_diff"] > 0.005]
    assert bad[["section", "column"]].values.tolist() == [["重点领域", "amount"]]
    assert bad["abs_diff"].iloc[0] == pytest.approx(100.0)
    parsed, issues = _parse_path(rejected["ENUM_VALUE"])
    f2 = next(f for f in parsed.forms if f.form.code == "附件2")
    assert f2.rows["cross_province"].tolist()[0] == "Y"
    assert set(f2.rows["cross_province"].tolist()[1:]) <= {"是", "否"}
    # the resubmission: same unit, later footer date and later mtime
    sup = next(m for m in manifest if m["verdict"] == "superseded")
    newer = [m for m in manifest if m["unit"] == sup["unit"] and m["verdict"] == "accepted"]
    assert newer and all(m["footer_date"] > sup["footer_date"] for m in newer)
    assert all((inbox / m["path"]).stat().st_mtime > (inbox / sup["path"]).stat().st_mtime for m in newer)


def test_demo_figures_are_consistent(demo):
    config, inbox, paths, _ = demo
    manifest = {m["path"]: m for m in demo_manifest(config)}
    names_by_key: dict[str, set[tuple[str, str]]] = {}
    variants = {"messy": False, "added": False, "offset": False, "renamed": False, "split": False}
    for path in paths:
        m = manifest[f"{path.parent.name}/{path.name}"]
        if m["verdict"] != "accepted":
            continue
        parsed, _ = _parse_path(path)
        for pf in parsed.forms:
            rows = pf.rows
            if pf.is_blank:
                continue
            if pf.form is FORM1:
                dec = {c.name: rows[f"{c.name}__dec"] for c in FORM1.numeric_columns}
                assert all(d == d.to_integral_value() for c in ("screened", "problem_count", "people")
                           for d in dec[c]), m["path"]
                assert (rows["problem_count"] <= rows["screened"]).all(), m["path"]
                for c in ("rectified", "cleaned", "prosecuted", "unremediated"):
                    assert (rows[c] <= rows["problem_count"]).all(), (m["path"], c)
                assert rows.loc[rows["problem_count"] > 0, "main_problems"].notna().all(), m["path"]
                assert rows.loc[rows["unremediated"] > 0, "unremediated_reason"].notna().all(), m["path"]
                assert all(d.as_tuple().exponent >= -2 for d in dec["amount"])
                variants["added"] |= bool(rows["is_added"].any())
                variants["messy"] |= any(isinstance(v, str) and (v == "—" or re.search("[０-９]", v) is not None
                                                                 or re.fullmatch(r"\d{1,3}(,\d{3})+\.\d\d", v) is not None)
                                         for v in _raw_values(path))
                variants["offset"] |= pf.title_cell != "A1"
            if pf.form is FORM2:
                assert (rows["unpaid"] <= rows["amount"]).all(), m["path"]
                assert set(rows["internet"]) <= set(FORM2.column("internet").choices)
                assert set(rows["cross_province"]) <= {"是", "否"}
                cross = rows[rows["cross_province"] == "是"]
                assert cross["province_notice"].notna().all() and (cross["province_notice"] != "无").all()
                assert all(re.fullmatch(r"(正在清退，已清退\d{1,3}\.\d{2}%|清退完毕，清退比例100\.00%)", s)
                           for s in rows["refund_status"]), m["path"]
                assert len({company_key(n) for n in rows["company_name"]}) == len(rows), m["path"]
                for name in rows["company_name"]:
                    names_by_key.setdefault(company_key(name), set()).add((m["unit"], name))
            variants["renamed"] |= pf.sheet not in FORMS_BY_CODE
            variants["split"] |= len(parsed.forms) == 1
    assert all(variants.values()), variants
    shared = {k: v for k, v in names_by_key.items() if len({u for u, _ in v}) >= 2}
    assert len(shared) >= 4
    assert sum(1 for v in shared.values() if len({n for _, n in v}) >= 2) >= 3   # typed differently


def _raw_values(path: Path):
    wb = openpyxl.load_workbook(path)
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_demo_is_deterministic(demo, tmp_path):
    config, inbox, paths, _ = demo
    again = write_demo_inbox(tmp_path / "again", config)
    assert [p.relative_to(tmp_path / "again") for p in again] == [p.relative_to(inbox) for p in paths]
    for a, b in zip(paths, again):
        assert a.read_bytes() == b.read_bytes(), a.name
        assert a.stat().st_mtime == b.stat().st_mtime
    other = write_demo_inbox(tmp_path / "other", config, seed=7)
    assert any(p.read_bytes() != q.read_bytes() for p, q in zip(paths, other) if p.name == q.name)


# --------------------------------------------------------------------------------------
# cell text that looks like part of the form's frame (注…, dates, titles, 合计…) stays data

def test_parser_keeps_rows_whose_text_starts_with_zhu(tmp_path):
    data = _form2_data()[:2]
    data[0] = dict(data[0], outcome="注销营业执照并清算")
    pf, _, _ = _roundtrip(tmp_path, FORM2, data)
    assert len(pf.rows) == 2


def test_parser_footer_date_ignores_dates_in_table_text(tmp_path):
    data = _form2_data()[:1]
    data[0] = dict(data[0], outcome="2018年6月5日已立案侦查")
    pf, _, _ = _roundtrip(tmp_path, FORM2, data)
    assert pf.footer.date == dt.date(2018, 7, 16)


def test_parser_ignores_form_titles_quoted_in_cells(tmp_path):
    data = _form2_data()[:1]
    data[0] = dict(data[0], remarks="详见重点风险线索统计表")
    wb = Workbook()
    write_form(wb.active, FORM2, data, footer=FOOTER)
    parsed = parse_workbook(read_workbook(_save(tmp_path, wb).read_bytes()))
    assert parsed.issues == [] and [len(f.rows) for f in parsed.forms] == [1]


def test_parser_blank_footer_fields_stay_empty(tmp_path):
    pf, _, _ = _roundtrip(tmp_path, FORM3, [dict(county="寿县", criminal_cases=0, over_50_case="否",
                                                 over_20_petition="否")], footer=None)
    assert pf.footer.filler is None and pf.footer.phone is None


def test_parser_company_named_like_the_total_row_is_a_company(tmp_path):
    data = _form2_data()[:2]
    data[1] = dict(data[1], company_name="合计宝网络科技有限公司")
    pf, _, _ = _roundtrip(tmp_path, FORM2, data)
    assert list(pf.rows["company_name"])[1] == "合计宝网络科技有限公司"
    assert (pf.totals["abs_diff"] == 0).all()
