"""The units' loop (issue 29): `campaign intake` answers in the outbox — each unit's receipts and marked
copies, 回执汇总 and 待办, the office's folder with every unit's and 催报 — without a workbook; 待办 and
the 催报清单 sheet follow the obligations and dates of the config; real Prefect, DuckDB, .xlsx/.docx."""
from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from cli.demo_documents import docx_bytes
from tests.builders import company, drop, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from tests.client_writers import xlsxwriter_bytes
from tests.helpers import cli, config_file, q

OBLIGATIONS = """[obligations]
plan_due_days = 7
county."实施方案" = { count = 1, due = "plan" }
county."工作动态信息" = { count = 1, from = "screening_start", to = "screening_end", due = 2018-07-10 }
department."实施方案" = { count = 1, due = 2018-06-15 }

"""


def at(day: str, hour: int = 10) -> float:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").timestamp()


def grids(county: str, date: str = "2018年7月6日", cross: str = "否") -> dict:
    return {"附件1": form1_grid(form1_values(), footer_date=date),
            "附件2": form2_grid([company(f"{county}甲公司", cross=cross)], footer_date=date),
            "附件3": form3_grid(county, footer_date=date)}


class Rows(HTMLParser):
    """The data-* attributes of every table row of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        data = {k[5:]: v for k, v in attrs if k.startswith("data-")}
        if tag == "tr" and data:
            self.rows.append(data)


def page_rows(path: Path) -> list[dict]:
    return Rows(path.read_text(encoding="utf-8")).rows


@pytest.fixture
def campaign(tmp_path):
    inbox = tmp_path / "share" / "inbox"
    # 大通区 meets everything: forms accepted, 实施方案 and one 工作动态信息
    drop(inbox, "大通区", "大通区报表.xlsx", workbook_bytes(grids("大通区")), at("2018-07-06"))
    drop(inbox, "大通区", "大通区实施方案.docx",
         docx_bytes("大通区涉嫌非法集资风险专项排查活动实施方案", ["一、工作目标"], "大通区处非办", "2018年5月12日"),
         at("2018-05-12"))
    drop(inbox, "大通区", "工作信息.docx",
         docx_bytes("大通区风险排查工作动态信息（第1期）", ["亮点工作及成效"], "大通区处非办", "2018年6月19日"),
         at("2018-06-19"))
    # 寿县: forms rejected (是否跨省 = Y), written by xlsxwriter as many clients do
    drop(inbox, "寿县", "寿县.xlsx", xlsxwriter_bytes(grids("寿县", cross="Y")), at("2018-07-05"))
    drop(inbox, "某某局", "报表.xlsx", workbook_bytes(grids("大通区")), at("2018-07-05"))   # not a registry unit
    return {"inbox": inbox, "data": tmp_path / "data", "outbox": tmp_path / "share" / "outbox",
            # the obligations above, no waiting for the run lock
            "config": config_file(tmp_path, "campaign.toml", keys={"run_lock_wait_seconds": 0},
                                  edits=((r"(?s)^\[obligations\].*?(?=^\[units\])", OBLIGATIONS),))}


def intake(c, date="2018-07-08"):
    from flows.intake import intake_flow

    return intake_flow(inbox=str(c["inbox"]), data_dir=str(c["data"]), config_path=str(c["config"]), date=date)


def test_intake_answers_in_the_outbox_without_a_workbook_and_a_resend_counts(prefect_harness, campaign):
    c = campaign
    first = intake(c)
    # the outbox beside the inbox (config paths.outbox = "outbox"), and no consolidation, no workbook
    assert first.outbox == c["outbox"].resolve()
    assert not (c["data"] / "publish").exists()
    assert q(c["data"] / "campaign.duckdb", "SELECT flow, outcome FROM run_log") == [("intake", "completed")]
    out = c["outbox"]
    shou = {p.name for p in (out / "寿县").iterdir()}
    receipt = next(n for n in shou if n.startswith("寿县_") and n.endswith(".html"))
    marked = next(n for n in shou if n.endswith("_标注.xlsx"))
    assert shou == {receipt, marked, "回执汇总.html", "待办.html"}
    assert (out / "寿县" / receipt).read_bytes() == (c["data"] / "receipts" / "寿县" / receipt).read_bytes()
    assert openpyxl.load_workbook(out / "寿县" / marked).sheetnames[0] == "问题清单"
    # a unit's folder holds only its own papers; the office's holds every unit's, the other folders' and 催报
    da = {p.name for p in (out / "大通区").iterdir()}
    assert len(da) == 5 and all(n.startswith(("大通区", "工作信息")) or n in ("回执汇总.html", "待办.html") for n in da)
    office = out / "市处非办"
    assert {"回执汇总.html", "待办.html", "催报.html"} <= {p.name for p in office.iterdir()}
    assert {p.name for p in (office / "寿县").iterdir()} == shou
    assert any(p.name.startswith("报表_") for p in (office / "某某局").iterdir())
    assert not (out / "某某局").exists()
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]          # no temporary left behind
    rows = page_rows(out / "寿县" / "回执汇总.html")
    assert [(r["file"], r["status"], r["counts"]) for r in rows] == [("寿县.xlsx", "rejected", "no")]

    # the corrected resend: both files in 回执汇总, the resend counts; the rejected one stays listed
    drop(c["inbox"], "寿县", "寿县_更正.xlsx", workbook_bytes(grids("寿县", date="2018年7月7日")), at("2018-07-07"))
    second = intake(c)
    assert {v.receipt.file_name: v.status for v in second.ingest.verdicts} == {"寿县_更正.xlsx": "accepted"}
    rows = page_rows(out / "寿县" / "回执汇总.html")
    assert [(r["file"], r["status"], r["counts"]) for r in rows] == [
        ("寿县_更正.xlsx", "accepted", "yes"), ("寿县.xlsx", "rejected", "no")]          # newest first
    assert "当前采用：附件1、附件2、附件3" in (out / "寿县" / "回执汇总.html").read_text(encoding="utf-8")
    office_rows = page_rows(office / "回执汇总.html")
    assert ("寿县_更正.xlsx", "yes") in {(r["file"], r["counts"]) for r in office_rows}
    assert {p.name for p in (out / "寿县").iterdir()} == {p.name for p in (office / "寿县").iterdir()}
    # a run with nothing new rewrites nothing (same data, same date)
    assert intake(c).outbox_written == []


def test_dues_follow_the_config_in_todo_pages_status_and_the_night_sheet(prefect_harness, campaign):
    from flows.nightly import nightly_flow

    c = campaign
    intake(c, date="2018-07-08")
    out = c["outbox"]
    # 大通区 met everything: it owes nothing
    assert [r for r in page_rows(out / "大通区" / "待办.html") if r["done"] == "no"] == []
    assert "目前没有待办" in (out / "大通区" / "待办.html").read_text(encoding="utf-8")
    # 寿县: its rejected forms (due forms_due 07-20: 12 days), its plan (mobilisation_end + 7 = 05-17: overdue),
    # one 工作动态信息 (due 07-10 in the config: 2 days); most urgent first
    owed = [(r["item"], r["due"], int(r["days"])) for r in page_rows(out / "寿县" / "待办.html") if r["done"] == "no"]
    assert owed == [("实施方案", "2018-05-17", -52), ("工作动态信息", "2018-07-10", 2), ("附件1", "2018-07-20", 12),
                    ("附件2", "2018-07-20", 12), ("附件3", "2018-07-20", 12)]
    text = (out / "寿县" / "待办.html").read_text(encoding="utf-8")
    assert "已逾期52天" in text and "还有2天" in text and "被退回" in text
    # a department: 附件1 and 附件2 (no 附件3) and its own plan date (06-15)
    owed = {(r["item"], r["due"], int(r["days"])) for r in page_rows(out / "市公安局" / "待办.html")}
    assert owed == {("实施方案", "2018-06-15", -23), ("附件1", "2018-07-20", 12), ("附件2", "2018-07-20", 12)}
    # the office's 催报 page: every unit that owes something, the most overdue first, 大通区 not at all
    dues = [(r["unit"], int(r["days"])) for r in page_rows(out / "市处非办" / "催报.html")]
    assert "大通区" not in dict(dues) and len(dues) == 18
    assert dues[0] == ("田家庵区", -52) and dues[-1][1] == -23 and [d for _, d in dues] == sorted(d for _, d in dues)

    # the night: the working workbook's 催报清单, right after the forms, the same units in the same order
    nightly_flow(inbox=str(c["inbox"]), data_dir=str(c["data"]), config_path=str(c["config"]), date="2018-07-08")
    wb = openpyxl.load_workbook(c["data"] / "publish" / "latest.xlsx", read_only=True)
    assert wb.sheetnames[4] == "催报清单"
    table = [r for r in wb["催报清单"].iter_rows(min_row=4, values_only=True) if r[0] is not None]
    heads = next(wb["催报清单"].iter_rows(min_row=3, max_row=3, values_only=True))
    assert [r[1] for r in table] == [u for u, _ in dues]
    shou = dict(zip(heads, next(r for r in table if r[1] == "寿县")))
    assert shou["填报人"] == "王磊" and shou["电话"] == "0554-3127128"          # its latest footer
    assert shou["剩余/逾期"] == "已逾期52天" and "工作动态信息" in shou["待报事项（截止日期）"]
    assert "米冬冬" in shou["市处非办联系人"]
    # `campaign status --date` lists the same, most urgent first
    rc, out, _ = cli("status", "--data-dir", str(c["data"]), "--config", str(c["config"]), "--date", "2018-07-08")
    assert rc == 0
    listed = re.findall(r"(?m)^  (\S+) — ", out)
    assert listed == [u for u, _ in dues]


def test_the_run_lock_keeps_intake_apart_from_other_runs(prefect_harness, campaign):
    import subprocess
    import sys

    from warehouse.lock import RunInProgress

    c = campaign
    holder = subprocess.Popen(   # another run (a night, a hand run) writing: it holds the lock in its own process
        [sys.executable, "-c", "import sys, time; from warehouse.lock import RunLock; held = RunLock(sys.argv[1]).__enter__(); "
                               "print('held', flush=True); time.sleep(120)", str(c["data"])],
        cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunInProgress, match="another run is writing to .*it was not started twice"):
            intake(c)
    finally:
        holder.kill()
        holder.wait()
    assert not c["outbox"].exists()
    from warehouse.runlog import read_runs

    rows, _ = read_runs(c["data"])    # the run's row says it did not run (kept aside: no warehouse yet)
    assert [(r["flow"], r["outcome"]) for r in rows] == [("intake", "failed")]


def test_a_national_outbox_written_by_a_pool_is_the_outbox_written_here(prefect_harness, campaign, tmp_path,
                                                                         monkeypatch):
    """The unit folders written by worker processes (flows/outbox.py starts them for a national night),
    by this process, or here after the pool failed: the same files, byte for byte."""
    from publish import outbox
    from campaign.config import load_config
    from flows.outbox import outbox_frames
    from flows.parallel import worker_pool
    from publish.outbox import OutboxMeta, write_outbox
    from support.processes import main_not_reimported

    c = campaign
    intake(c)
    config = load_config(c["config"])
    frames = outbox_frames(c["data"], config)
    meta = OutboxMeta(campaign_name="排查", timezone=config.timezone, as_of=dt.date(2018, 7, 8),
                      generated_at=dt.datetime(2018, 7, 8, 21), office=config.office)
    kinds = {u: config.unit_kind(u) for u in config.units}
    monkeypatch.setattr(outbox, "_SHARE_UNITS", 4)     # several shares of this small registry

    def written(box: Path, pool=None) -> dict[str, bytes]:
        result = write_outbox(frames, c["data"] / "receipts", box, config.units, kinds, meta, None, pool)
        files = {str(p.relative_to(box)): p.read_bytes() for p in box.rglob("*") if p.is_file()}
        assert sorted(str(p.relative_to(box)) for p in result.written) == sorted(files)
        assert result.units == len(config.units)
        return files

    here = written(tmp_path / "here")
    pool = worker_pool(2)
    try:
        with main_not_reimported():
            assert written(tmp_path / "pool", pool) == here
    finally:
        pool.shutdown()
    assert written(tmp_path / "after-a-failed-pool", pool) == here     # a shut pool takes nothing: written here
    assert len(here) > 2 * len(config.units)
