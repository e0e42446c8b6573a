"""Consolidation, the risk ledger, qualification, reporting status and the published workbook.

A tiny inbox (two counties and one department send, one county sends nothing) is drawn with
publish.layout.write_form and run through the real nightly flow (Prefect test server, DuckDB
file, xlsx). Every expected figure below was worked out by hand from the figures typed here."""
from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl import Workbook

from campaign.config import Config, load_config
from campaign.forms import FORM1, FORM2, FORM3
from publish.layout import blank_form1_rows, write_form

TZ = ZoneInfo("Asia/Shanghai")
NUM = ["screened", "problem_count", "people", "amount", "rectified", "cleaned", "prosecuted", "unremediated"]
FORMULA_NAME = '=HYPERLINK("http://x.example","淮南某某")'


# --------------------------------------------------------------------------------------
# building the inbox

def form1(figures: dict[str, tuple], added: dict[str, tuple] | None = None) -> list[dict]:
    """The printed rows (0 where not given), figures by item: (8 numbers in NUM order)."""
    rows = []
    for row in blank_form1_rows():
        rows.append(row)
        values = figures.get(row["item"])
        if values:
            row.update(zip(NUM, values), main_problems="超范围经营", unremediated_reason="企业负责人失联")
        if row["item"] == "辖内其它高风险行业企业":      # 注2: a row added at the end of 重点领域
            for item, vals in (added or {}).items():
                rows.append({"section": FORM1.sections[0], "grp": None, "item": item, **dict(zip(NUM, vals)),
                             "main_problems": "超范围经营", "unremediated_reason": "正在调查取证"})
    return rows


def company(name: str, amount: str, people: int, unpaid: str, cross: str) -> dict:
    return {"company_name": name, "industry": "投资咨询", "fundraising_mode": "承诺高息", "internet": "线上",
            "amount": D(amount), "people": people, "unpaid": D(unpaid), "cross_province": cross,
            "measures": "约谈", "refund_status": "正在清退，已清退10%", "outcome": "停业整改",
            "province_notice": "已向江苏省通报1次" if cross == "是" else None}


def form3(county: str, cases: int, over50: str, over20: str) -> list[dict]:
    return [{"county": county, "criminal_cases": cases, "over_50_case": over50, "over_20_petition": over20}]


def put(inbox: Path, unit: str, name: str, footer_day: dt.date, mtime: dt.datetime,
        f1=None, f2=None, f3=None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    footer = {"filler": "张三", "phone": "0554-1234567", "date": footer_day}
    for form, data in ((FORM1, f1), (FORM2, f2), (FORM3, f3)):
        if data is not None:
            write_form(wb.create_sheet(form.code), form, data, footer)
    path = inbox / unit / name
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    stamp(path, mtime)
    return path


def stamp(path: Path, local: dt.datetime) -> None:
    ts = local.replace(tzinfo=TZ).timestamp()
    os.utime(path, (ts, ts))


def day(d: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2018, 7, d, hour, 0)


def build_inbox(inbox: Path) -> None:
    # 田家庵区: superseded (07-10), current (07-15), then a later REJECTED file (07-18: negative amount)
    put(inbox, "田家庵区", "田家庵区_0710.xlsx", dt.date(2018, 7, 10), day(10),
        f1=form1({"民间投融资中介机构": (5, 1, 10, D("777.77"), 0, 0, 0, 1)}),
        f2=[company("淮南旧数据有限公司", "50.00", 5, "0.00", "否")], f3=form3("田家庵区", 5, "是", "是"))
    put(inbox, "田家庵区", "田家庵区_0715.xlsx", dt.date(2018, 7, 15), day(15),
        f1=form1({"民间投融资中介机构": (10, 4, 120, D("1000.50"), 2, 1, 1, 0),
                  "网络借贷平台": (3, 2, 300, D("2500.25"), 1, 1, 0, 0),
                  "消费返利": (4, 1, 50, D("99.99"), 1, 0, 0, 0)},
                 added={"其他：养生保健": (2, 1, 10, D("20.00"), 0, 0, 0, 1)}),
        f2=[company("淮南市汇金网贷信息服务有限公司", "1000.00", 600, "800.00", "是"),
            company("安徽瑞丰农业科技有限公司（寿县分公司）", "200.00", 50, "100.00", "否")],
        f3=form3("田家庵区", 0, "否", "否"))
    put(inbox, "田家庵区", "田家庵区_0718.xlsx", dt.date(2018, 7, 18), day(18),
        f1=form1({"民间投融资中介机构": (99, 9, 999, D("-5.00"), 0, 0, 0, 0)}),
        f2=[company("淮南被退回有限公司", "10.00", 1, "0.00", "否")], f3=form3("田家庵区", 9, "是", "是"))
    # 大通区: current (footer 07-16); an old version re-saved later (footer 07-12, mtime 07-19) loses
    good = put(inbox, "大通区", "大通区.xlsx", dt.date(2018, 7, 16), day(16),
               f1=form1({"民间投融资中介机构": (7, 3, 80, D("500.00"), 1, 1, 0, 1),
                         "消费返利": (6, 2, 40, D("300.01"), 1, 0, 0, 1)}),
               f2=[company("淮南汇金网贷信息服务\u3000有限公司", "1200.00", 650, "800.00", "是"),
                   company("安徽瑞丰农业科技有限公司(寿县分公司)", "200.00", 50, "100.00", "否")],
               f3=form3("大通区", 0, "是", "否"))
    put(inbox, "大通区", "大通区_旧版重存.xlsx", dt.date(2018, 7, 12), day(19),
        f1=form1({"民间投融资中介机构": (8, 8, 88, D("888.88"), 0, 0, 0, 8)}),
        f2=[company("淮南旧版重存有限公司", "30.00", 3, "0.00", "否")], f3=form3("大通区", 0, "否", "否"))
    copy_ = inbox / "大通区" / "大通区_副本.xlsx"                       # the same bytes again
    shutil.copyfile(good, copy_)
    stamp(copy_, day(17))
    # 市公安局 (department): late (07-22), its figures never added into the counties
    put(inbox, "市公安局", "市公安局.xlsx", dt.date(2018, 7, 22), day(22),
        f1=form1({"民间投融资中介机构": (100, 10, 1000, D("5000.00"), 5, 3, 2, 0)}),
        f2=[company("淮南市汇金网贷信息服务有限公司 ", "1000.00", 600, "800.00", "是"),
            company("淮南恒利投资有限公司", "8000.00", 50, "6000.00", "否"),
            company(FORMULA_NAME, "10.00", 5, "0.00", "否")])
    # 谢家集区 and every other registry unit: nothing


@pytest.fixture(scope="module")
def run(prefect_harness, tmp_path_factory):
    from flows.nightly import nightly_flow

    inbox = tmp_path_factory.mktemp("inbox")
    data = tmp_path_factory.mktemp("data")
    build_inbox(inbox)
    result = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-25")
    return result, data


@pytest.fixture()
def sql(run):
    from warehouse import db

    con = db.connect(db.warehouse_path(run[1]), read_only=True)
    yield lambda q, *p: con.execute(q, list(p)).fetchall()
    con.close()


def figures(rows):
    return {r[0]: tuple(D(str(v)) for v in r[1:]) for r in rows}


# --------------------------------------------------------------------------------------
# consolidation

def test_city_sums_counties_only_with_added_row_and_computed_totals(sql):
    cols = ", ".join(NUM)
    got = figures(sql(f"SELECT item, {cols} FROM city_stats WHERE scope = 'counties' AND "
                      f"(screened > 0 OR is_total) AND section = ? ORDER BY row_order", FORM1.sections[0]))
    assert got == {
        "民间投融资中介机构": (17, 7, 200, D("1500.50"), 3, 2, 1, 1),     # 10+7, 4+3, 120+80, 1000.50+500.00, ...
        "网络借贷平台": (3, 2, 300, D("2500.25"), 1, 1, 0, 0),
        "其他：养生保健": (2, 1, 10, D("20.00"), 0, 0, 0, 1),
        "合计": (22, 10, 510, D("4020.75"), 4, 3, 1, 2),                  # 17+3+2, ..., 1500.50+2500.25+20.00
    }
    behaviours = figures(sql(f"SELECT item, {cols} FROM city_stats WHERE scope = 'counties' AND section = ? "
                             f"AND (screened > 0 OR is_total)", FORM1.sections[1]))
    assert behaviours == {"消费返利": (10, 3, 90, D("400.00"), 2, 0, 0, 1),   # 4+6, 1+2, 50+40, 99.99+300.01
                          "合计": (10, 3, 90, D("400.00"), 2, 0, 0, 1)}
    # every printed row is listed; the added row sits after the printed rows of its section
    items = [r[0] for r in sql("SELECT item FROM city_stats WHERE scope = 'counties' ORDER BY row_order")]
    assert len(items) == 24 + 1 + 2
    assert items[13:16] == ["辖内其它高风险行业企业", "其他：养生保健", "合计"]
    assert sql("SELECT is_added FROM city_stats WHERE item = '其他：养生保健'") == [(True,)]


def test_departments_beside_never_added_in(sql):
    cols = ", ".join(NUM)
    got = figures(sql(f"SELECT section || item, {cols} FROM city_stats WHERE scope = 'departments' "
                      f"AND (screened > 0 OR is_total)"))
    assert got == {f"{FORM1.sections[0]}民间投融资中介机构": (100, 10, 1000, D("5000.00"), 5, 3, 2, 0),
                   f"{FORM1.sections[0]}合计": (100, 10, 1000, D("5000.00"), 5, 3, 2, 0),
                   f"{FORM1.sections[1]}合计": (0, 0, 0, 0, 0, 0, 0, 0)}
    assert sql("SELECT count(*) FROM city_stats WHERE scope = 'departments'") == [(24 + 2,)]


def test_supersession_footer_date_first_and_rejected_never_replaces(sql):
    current = dict(sql("SELECT unit || form, file_name FROM current_forms"))
    assert current["田家庵区附件1"] == "田家庵区_0715.xlsx"        # 07-18 file is later but rejected
    assert current["田家庵区附件3"] == "田家庵区_0715.xlsx"
    assert current["大通区附件1"] == "大通区.xlsx"                  # footer 07-16 beats footer 07-12 (mtime 07-19)
    status = dict(sql("SELECT file_name, status FROM submissions"))
    assert status["田家庵区_0718.xlsx"] == "rejected" and status["大通区_副本.xlsx"] == "duplicate"
    companies = {r[0] for r in sql("SELECT company_name FROM risk_reports")}
    assert not companies & {"淮南旧数据有限公司", "淮南被退回有限公司", "淮南旧版重存有限公司"}


# --------------------------------------------------------------------------------------
# the risk ledger

def test_ledger_matches_spelling_variants_and_keeps_largest_figures(sql):
    rows = sql("""SELECT company_key, company_name, reporting_units, n_units, cross_province, amount, people,
                         unpaid, disagreement, risk_score, risk_rank FROM risk_ledger ORDER BY risk_rank""")
    assert len(rows) == 4                                      # 7 current rows, 4 companies
    huijin, hengli, ruifeng, formula = rows
    # 淮南市 prefix, a full-width space and a trailing space: one company, three reporters
    assert huijin[0] == "淮南汇金网贷信息服务有限公司" and huijin[1] == "淮南市汇金网贷信息服务有限公司"
    assert sorted(huijin[2]) == sorted(["田家庵区", "大通区", "市公安局"]) and huijin[3] == 3
    assert huijin[4] is True and huijin[5:8] == (D("1200.00"), D("650.00"), D("800.00"))
    assert huijin[8] is True                                   # 1200.00 vs 1000.00, 650 vs 600
    assert huijin[9:] == (2 + 1 + 2 + 1, 1)                    # people>=500, unpaid>=500, 跨省, 2+ reporters
    # （） vs (): one company, same figures: no disagreement
    assert ruifeng[0] == "安徽瑞丰农业科技有限公司(寿县分公司)" and ruifeng[1] == ruifeng[0]
    assert sorted(ruifeng[2]) == ["大通区", "田家庵区"] and ruifeng[8] is False and ruifeng[4] is False
    assert ruifeng[9:] == (1, 3)
    assert hengli[0] == "淮南恒利投资有限公司" and hengli[9:] == (2, 2)          # unpaid 6000 >= 5000
    assert formula[1] == FORMULA_NAME and formula[9:] == (0, 4)


def test_risk_thresholds_come_from_config(run):
    from warehouse import db, settings

    base = load_config()
    raw = copy.deepcopy(base.raw)
    raw["risk"]["people_high"] = 700                            # 650 people now only 'medium': +1
    con = db.connect(db.warehouse_path(run[1]))
    try:
        settings.sync_settings(con, Config(raw=raw, source=base.source))
        assert con.execute("SELECT risk_score FROM risk_ledger WHERE n_units = 3").fetchone() == (5,)
        settings.sync_settings(con, base)
        assert con.execute("SELECT risk_score FROM risk_ledger WHERE n_units = 3").fetchone() == (6,)
    finally:
        con.close()


def test_registry_follows_the_config_file(run):
    from warehouse import db

    base = load_config()
    raw = copy.deepcopy(base.raw)
    raw["units"]["counties"] = [c for c in raw["units"]["counties"] if c != "寿县"] + ["新设区"]
    raw["units"]["required_forms"]["department"] = ["附件1"]
    registry = "SELECT unit, unit_kind, required_forms FROM registry_units ORDER BY unit"
    con = db.connect(db.warehouse_path(run[1]))
    try:
        db.sync_registry(con, base)
        before = con.execute(registry).fetchall()
        assert ("寿县", "county", ["附件1", "附件2", "附件3"]) in before
        db.sync_registry(con, base)                               # unchanged: left as it is
        assert con.execute(registry).fetchall() == before
        db.sync_registry(con, Config(raw=raw, source=base.source))
        after = {u: (k, f) for u, k, f in con.execute(registry).fetchall()}
        assert "寿县" not in after and after["新设区"] == ("county", ["附件1", "附件2", "附件3"])
        assert all(f == ["附件1"] for k, f in after.values() if k == "department")
        assert con.execute("SELECT count(*) FROM reporting_status WHERE unit = '新设区'").fetchone()[0] == 3
        db.sync_registry(con, base)
        assert con.execute(registry).fetchall() == before
    finally:
        con.close()


# --------------------------------------------------------------------------------------
# 附件3 and reporting status

def test_county_qualification(sql):
    q = {r[0]: r[1:] for r in sql("SELECT county, criminal_cases, over_50_case, over_20_petition, qualifies, "
                                   "reported FROM county_qualification")}
    assert set(q) == set(load_config().counties)
    assert q["田家庵区"] == (D("0.00"), False, False, True, True)    # the current file's 0 / 否 / 否
    assert q["大通区"] == (D("0.00"), True, False, False, True)      # 50+ participants: 是
    assert q["谢家集区"] == (None, None, None, False, False)         # nothing sent: listed, not qualifying


def test_reporting_status(sql):
    s = {(r[0], r[1]): r[2:] for r in sql(
        "SELECT unit, form, received, files, status, current_file, first_accepted_on, on_time, last_received_at "
        "FROM reporting_status")}
    config = load_config()
    assert len(s) == 3 * len(config.counties) + 2 * len(config.departments)
    assert ("市公安局", "附件3") not in s                            # departments owe 附件1 and 附件2 only
    assert s[("田家庵区", "附件1")][:6] == (True, 3, "rejected", "田家庵区_0715.xlsx", dt.date(2018, 7, 10), True)
    assert s[("大通区", "附件2")][:5] == (True, 2, "accepted", "大通区.xlsx", dt.date(2018, 7, 16))
    assert s[("大通区", "附件2")][6] == dt.datetime(2018, 7, 19, 2, 0)   # 10:00 Beijing time, stored UTC
    assert s[("市公安局", "附件1")][:6] == (True, 1, "accepted", "市公安局.xlsx", dt.date(2018, 7, 22), False)
    assert s[("谢家集区", "附件3")][:6] == (False, 0, "missing", None, None, False)


# --------------------------------------------------------------------------------------
# the published workbook and the receipts

def test_published_workbook(run):
    from transforms.grid import read_workbook
    from transforms.parse import parse_workbook
    from publish.workbook import SHEET_CITY, SHEET_DEPTS, SHEET_LEDGER

    result, data = run
    assert result.workbook == data / "publish" / "summary_2018-07-25.xlsx"
    assert (data / "publish" / "latest.xlsx").read_bytes() == result.workbook.read_bytes()
    assert not [p for p in (data / "publish").iterdir() if p.name.startswith(".")]   # no temp files left
    wb = openpyxl.load_workbook(result.workbook)
    cells = [c for row in wb[SHEET_LEDGER].iter_rows() for c in row if c.value == FORMULA_NAME]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)
    # the city sheet is the official form: the project's own parser reads it back
    parsed = parse_workbook(read_workbook(result.workbook.read_bytes()))
    city = next(f for f in parsed.forms if f.sheet == SHEET_CITY)
    depts = next(f for f in parsed.forms if f.sheet == SHEET_DEPTS)
    row = city.rows.set_index("item").loc["民间投融资中介机构"]
    assert [row[f"{n}__dec"] for n in NUM] == [17, 7, 200, D("1500.50"), 3, 2, 1, 1]
    assert "其他：养生保健" in set(city.rows["item"])
    assert (city.totals["abs_diff"] == 0).all()                 # its 合计 rows add up
    assert depts.rows.set_index("item").loc["民间投融资中介机构", "amount__dec"] == D("5000.00")
    assert city.footer.date == dt.date(2018, 7, 25)


def test_receipts(run):
    result, data = run
    rejected = next((data / "receipts" / "田家庵区").glob("田家庵区_0718_*.html")).read_text(encoding="utf-8")
    assert "退回" in rejected and 'data-rule="NEGATIVE_VALUE"' in rejected and "附件1" in rejected
    duplicate = next((data / "receipts" / "大通区").glob("大通区_副本_*.html")).read_text(encoding="utf-8")
    assert "重复" in duplicate
    superseded = next((data / "receipts" / "田家庵区").glob("田家庵区_0710_*.html")).read_text(encoding="utf-8")
    assert "取代" in superseded
    police = next((data / "receipts" / "市公安局").glob("*.html")).read_text(encoding="utf-8")
    assert "=HYPERLINK(&quot;" in police                          # the value is escaped, shown as text
