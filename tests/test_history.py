"""History (issue 17): nights over a changing inbox, each kept under its --date; night_changes
against what each night changed; a rerun and a reprocess leave the kept nights as they were;
the workbook's 今日变化 and 变化趋势 sheets with native line charts."""
from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.builders import OLD, company, drop, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from tests.helpers import config_file, q

D1, D2, D3, D4 = (dt.date(2018, 6, d) for d in (1, 2, 3, 4))
LABEL_FIELDS = ("screened", "problem_count", "people", "amount", "rectified", "cleaned", "prosecuted", "unremediated")
HISTORY_VIEWS = ["city_stats_history", "risk_ledger_history", "risk_reports_history", "county_qualification_history",
                 "reporting_status_history", "submissions_history", "night_changes"]


def county_file(county: str, seed: int, companies: list[dict], cases=0, f1_totals=None) -> bytes:
    return workbook_bytes({"附件1": form1_grid(form1_values(seed=seed), totals=f1_totals),
                           "附件2": form2_grid(companies), "附件3": form3_grid(county, cases=cases)})


def changes(data: Path, night: dt.date, kind: str | None = None) -> list[tuple]:
    sql = "SELECT kind, unit, subject, field, before, after, delta, note FROM night_changes WHERE data_date = ?"
    rows = q(data / "analytics.duckdb", sql + (" AND kind = ?" if kind else "") + " ORDER BY seq", [night] + ([kind] if kind else []))
    return rows


def dump(data: Path, nights: list[dt.date] | None = None) -> dict:
    """Every history view (and the publish records without their run stamps), night by night."""
    where = "" if nights is None else f" WHERE data_date IN ({', '.join(repr(str(d)) for d in nights)})"
    out = {v: q(data / "analytics.duckdb", f"SELECT * EXCLUDE (last_received_at) FROM {v}{where} ORDER BY ALL")
           if v == "reporting_status_history" else q(data / "analytics.duckdb", f"SELECT * FROM {v}{where} ORDER BY ALL")
           for v in HISTORY_VIEWS}
    out["published_nights"] = q(data / "analytics.duckdb", f"SELECT * EXCLUDE (run_id, published_at) FROM published_nights{where} "
                                      "ORDER BY ALL")
    return out


def live_vs_history(data: Path, night: dt.date) -> None:
    """The night's history rows are the live views at the time of its publish."""
    for view, cols in (("city_stats", "scope, section, grp, item, is_total, screened, problem_count, people, amount, "
                                      "rectified, cleaned, prosecuted, unremediated"),
                       ("risk_ledger", "company_key, company_name, n_units, cross_province, amount, people, unpaid, "
                                       "risk_rank"),
                       ("risk_reports", "unit, company_key, amount, people, unpaid, refund_status, outcome"),
                       ("county_qualification", "county, criminal_cases, qualifies, reported"),
                       ("reporting_status", "unit, form, status, current_file")):
        live = q(data / "analytics.duckdb", f"SELECT {cols} FROM {view} ORDER BY ALL")
        kept = q(data / "analytics.duckdb", f"SELECT {cols} FROM {view}_history WHERE data_date = ? ORDER BY ALL", [night])
        assert kept == live, view


@pytest.fixture
def nights(prefect_harness, tmp_path):
    from flows.nightly import nightly_flow

    inbox, data = tmp_path / "inbox", tmp_path / "data"

    def run(night: dt.date, config_path: str | None = None):
        return nightly_flow(inbox=str(inbox), data_dir=str(data), date=night.isoformat(), config_path=config_path)
    return inbox, data, run


def test_nights_over_a_changing_inbox(nights, tmp_path):
    from flows.publish import publish_flow
    from flows.reprocess import reprocess_flow

    inbox, data, run = nights
    # night 1: one county and one department
    drop(inbox, "大通区", "大通区.xlsx", county_file("大通区", 1, [
        company("安徽甲公司", "100.00", 10, "50.00"), company("大通乙公司", "300.00", 30, "200.00")]))
    drop(inbox, "市公安局", "市公安局.xlsx", workbook_bytes({
        "附件1": form1_grid(form1_values(seed=2)), "附件2": form2_grid([company("淮南市丁公司")])}))
    run(D1)
    live_vs_history(data, D1)
    assert q(data / "analytics.duckdb", "SELECT data_date, previous_date, companies FROM published_nights") == [(D1, None, 3)]
    entered = {r[2] for r in changes(data, D1, "ledger_entered")}
    assert entered == {"安徽甲公司", "大通乙公司", "淮南丁公司"} or len(entered) == 3
    assert {(r[1], r[2]) for r in changes(data, D1, "submission_new")} == {("大通区", "大通区.xlsx"),
                                                                           ("市公安局", "市公安局.xlsx")}
    assert {r[1] for r in changes(data, D1, "unit_completed")} == {"大通区", "市公安局"}
    assert "寿县" in {r[1] for r in changes(data, D1, "unit_owes")}
    night1 = dump(data, [D1])

    # night 2: a new county reports 安徽甲公司 bigger; a county's file is rejected
    drop(inbox, "寿县", "寿县.xlsx", county_file("寿县", 3, [company("安徽甲公司", "200.00", 20, "120.00")], cases=1))
    drop(inbox, "凤台县", "凤台县.xlsx", county_file("凤台县", 4, [company("凤台戊公司")],
                                                  f1_totals={"重点领域": {"amount": 999999}}))
    run(D2)
    live_vs_history(data, D2)
    assert dump(data, [D1]) == night1
    assert q(data / "analytics.duckdb", "SELECT previous_date FROM published_nights WHERE data_date = ?", [D2]) == [(D1,)]
    assert [(r[1], r[2]) for r in changes(data, D2, "submission_rejected")] == [("凤台县", "凤台县.xlsx")]
    assert [(r[1], r[2]) for r in changes(data, D2, "submission_new")] == [("寿县", "寿县.xlsx")]
    figures = {r[3]: r for r in changes(data, D2, "ledger_figure")}
    assert set(figures) == {"amount", "people", "unpaid"}
    assert figures["unpaid"][1:7] == ("寿县", "安徽甲公司", "unpaid", "50.00", "120.00", Decimal("70.00"))
    assert "未兑付资金" in figures["unpaid"][7] and "寿县" in figures["unpaid"][7]
    assert [(r[1], r[2]) for r in changes(data, D2, "report_added")] == [("寿县", "安徽甲公司")]
    assert changes(data, D2, "ledger_entered") == [] and changes(data, D2, "ledger_left") == []
    # the counties' 附件1 rows moved by exactly 寿县's figures, and 寿县 is named as the cause
    shou = {r["item"]: r for r in form1_values(seed=3)}
    city = [r for r in changes(data, D2, "city_figure") if r[2].startswith("附件1（县区）")]
    moved = {(r[2].rsplit("·", 1)[-1], r[3]): r[6] for r in city}
    expected = {(item, f): Decimal(str(v[f])) for item, v in shou.items()
                for f in ("screened", "problem_count", "people", "amount", "rectified", "cleaned", "prosecuted",
                          "unremediated") if Decimal(str(v[f])) != 0}
    assert {k: v for k, v in moved.items() if k[0] != "合计"} == expected
    assert {r[1] for r in city} == {"寿县"}
    assert not [r for r in changes(data, D2, "city_figure") if r[2].startswith("附件1（市直部门）")]
    quals = {(r[1], r[3]): (r[4], r[5]) for r in changes(data, D2, "qualification")}
    assert quals[("寿县", "reported")] == ("否", "是") and ("寿县", "qualifies") not in quals   # 1 case: not qualified
    assert [r[1] for r in changes(data, D2, "unit_completed")] == ["寿县"]
    kinds = [r[0] for r in changes(data, D2)]
    assert kinds.index("city_figure") < kinds.index("ledger_figure") < kinds.index("submission_rejected")

    # night 3: 大通区 resends (大通乙公司's unpaid and refund change); the late county sends a good file
    later = OLD + 600
    drop(inbox, "大通区", "大通区-更正.xlsx", county_file("大通区", 1, [
        company("安徽甲公司", "100.00", 10, "50.00"),
        company("大通乙公司", "300.00", 30, "260.00", refund="清退完毕")]), mtime=later)
    drop(inbox, "凤台县", "凤台县-重报.xlsx", county_file("凤台县", 4, [company("凤台戊公司")]), mtime=later)
    run(D3)
    live_vs_history(data, D3)
    assert dump(data, [D1]) == night1
    assert [(r[1], r[2]) for r in changes(data, D3, "submission_superseded")] == [("大通区", "大通区.xlsx")]
    report = {r[3]: r for r in changes(data, D3, "report_figure")}
    assert report["unpaid"][1:7] == ("大通区", "大通乙公司", "unpaid", "200.00", "260.00", Decimal("60.00"))
    assert report["refund_status"][4:6] == ("正在清退，已清退50.00%", "清退完毕")
    led = {r[3]: r for r in changes(data, D3, "ledger_figure")}
    assert set(led) == {"unpaid"} and led["unpaid"][1] == "大通区" and led["unpaid"][6] == Decimal("60.00")
    assert [r[2] for r in changes(data, D3, "ledger_entered")] == ["凤台戊公司"]
    quals = {(r[1], r[3]): (r[4], r[5]) for r in changes(data, D3, "qualification")}
    assert quals[("凤台县", "qualifies")] == ("否", "是") and quals[("凤台县", "reported")] == ("否", "是")
    assert [r[1] for r in changes(data, D3, "unit_completed")] == ["凤台县"]
    # the counties' rows moved by 凤台县's figures (大通区's resend has the same 附件1); both files are new
    feng = {r["item"]: r for r in form1_values(seed=4)}
    city = [r for r in changes(data, D3, "city_figure") if r[2].startswith("附件1（县区）") and "合计" not in r[2]]
    assert {(r[2].rsplit("·", 1)[-1], r[3]): r[6] for r in city} == {
        (item, f): Decimal(str(v[f])) for item, v in feng.items() for f in v if f in LABEL_FIELDS
        and Decimal(str(v[f])) != 0}
    assert {r[1] for r in city} == {"凤台县、大通区"}
    wb = openpyxl.load_workbook(data / "publish" / "latest.xlsx", read_only=True)
    assert wb.sheetnames[4:7] == ["催报清单", "今日变化", "变化趋势"]   # after the city's forms (it opens on 附件1)
    first = [r for r in wb["今日变化"].iter_rows(values_only=True)]
    text = "\n".join(str(v) for row in first for v in row if v is not None)
    assert "2018年6月2日" in first[1][0] and "大通乙公司" in text and "清退完毕" in text
    trend = [r for r in wb["变化趋势"].iter_rows(min_row=4, values_only=True) if r and r[0]]
    assert [r[0] for r in trend] == ["2018年6月1日", "2018年6月2日", "2018年6月3日"]    # the one date style
    with zipfile.ZipFile(data / "publish" / "latest.xlsx") as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert sum("<lineChart>" in c for c in charts) == 4
    wb.close()

    # a rerun of night 3 changes no history
    before = dump(data)
    again = run(D3)
    assert again.published.skipped and dump(data) == before
    publish_flow(data_dir=str(data), date=D3.isoformat(), force=True)
    assert dump(data) == before

    # reprocess with a looser rule: 凤台县's first file becomes accepted; the kept nights stay as published
    loose = str(config_file(tmp_path, keys={"sum_tolerance": "10000000"}))
    reprocess_flow(data_dir=str(data), config_path=loose)
    run(D4, loose)
    assert dump(data, [D1, D2, D3]) == before
    verdict = changes(data, D4, "submission_verdict")
    assert [(r[1], r[2], r[4], r[5]) for r in verdict] == [("凤台县", "凤台县.xlsx", "rejected", "accepted")]

    # a night published between two others: the later one is compared with it from then on
    publish_flow(data_dir=str(data), date="2018-06-10", config_path=loose)
    publish_flow(data_dir=str(data), date="2018-06-07", config_path=loose)
    from warehouse.snapshot import refresh_snapshot
    refresh_snapshot(data)       # publish alone does not refresh the analysts' copy
    prev = dict(q(data / "analytics.duckdb", "SELECT data_date, previous_date FROM published_nights"))
    assert prev[dt.date(2018, 6, 10)] == dt.date(2018, 6, 7) and prev[dt.date(2018, 6, 7)] == D4
    assert {r[0] for r in changes(data, dt.date(2018, 6, 10))} <= {"unit_owes"}


def test_trajectory_view(nights):
    inbox, data, run = nights
    for night, unpaid in ((D1, "50.00"), (D2, "80.00"), (D3, "80.00")):
        drop(inbox, "大通区", f"大通区-{night.day}.xlsx",
             county_file("大通区", 1, [company("安徽甲公司", "100.00", 10, unpaid)]), mtime=OLD + night.day)
        run(night)
    rows = q(data / "analytics.duckdb", """SELECT data_date, unpaid, unpaid_change, unpaid_since_first, nights, first_date
                      FROM risk_ledger_trajectory WHERE company_name = '安徽甲公司' ORDER BY data_date""")
    assert rows == [(D1, Decimal("50.00"), None, Decimal("0.00"), 3, D1),
                    (D2, Decimal("80.00"), Decimal("30.00"), Decimal("30.00"), 3, D1),
                    (D3, Decimal("80.00"), Decimal("0.00"), Decimal("30.00"), 3, D1)]
    # the README's query: companies whose 未兑付资金 grew since 6月1日
    grew = q(data / "analytics.duckdb", """
        WITH now AS (SELECT * FROM risk_ledger_history
                     WHERE data_date = (SELECT max(data_date) FROM published_nights)),
             then_ AS (SELECT * FROM risk_ledger_history
                       WHERE data_date = (SELECT max(data_date) FROM published_nights WHERE data_date <= DATE '2018-06-01'))
        SELECT now.company_name, coalesce(then_.unpaid, 0) AS unpaid_then, now.unpaid AS unpaid_now
        FROM now LEFT JOIN then_ USING (company_key)
        WHERE now.unpaid > coalesce(then_.unpaid, 0)
        ORDER BY now.unpaid - coalesce(then_.unpaid, 0) DESC""")
    assert grew == [("安徽甲公司", Decimal("50.00"), Decimal("80.00"))]
