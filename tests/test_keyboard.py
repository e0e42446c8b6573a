"""Ops at the keyboard: every input mistake is one line and exit 2 with nothing written; an
internal error names the file holding its traceback; the nightly run's own log tells the night's
story (per-unit table padded by display width, each rejected file with rule and cell, `total:`
once, what was published, in the flags' words); hand runs find the server `campaign serve` runs."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from campaign.config import DEFAULT_CONFIG
from support.textwidth import table, width
from tests.builders import company, drop, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes

REPO = Path(__file__).resolve().parents[1]


def tree(root: Path) -> dict:
    """Every path under root with its size and modification time: 'nothing written' is this, unchanged."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    """A data dir with an (empty) warehouse: enough for query and status, no Prefect needed."""
    from warehouse import db

    data = tmp_path_factory.mktemp("keyboard") / "data"
    data.mkdir()
    con = db.connect(db.warehouse_path(data))
    try:
        db.init_schema(con)
    finally:
        con.close()
    return data


@pytest.fixture()
def inbox(tmp_path) -> Path:
    box = tmp_path / "inbox"
    drop(box, "大通区", "大通区.xlsx", workbook_bytes({"附件1": form1_grid(form1_values(seed=1))}))
    return box


def mistakes(inbox: Path, data: Path, tmp: Path) -> list[tuple[list[str], str]]:
    """(argv, a word the one line must hold)"""
    a_file = tmp / "a-file.txt"
    a_file.write_text("x", encoding="utf-8")
    fresh = str(tmp / "fresh-data")
    gbk_config = tmp / "config-gbk.toml"   # saved as GBK by a Chinese Windows editor
    gbk_config.write_bytes(DEFAULT_CONFIG.read_text(encoding="utf-8").encode("gbk"))
    return [
        (["nightly", "--inbox", str(inbox), "--data-dir", fresh, "--date", "2018-13-45"], "--date"),
        (["nightly", "--inbox", str(inbox), "--data-dir", fresh, "--date", "21/07/2018"], "YYYY-MM-DD"),
        (["publish", "--data-dir", fresh, "--date", "2018-02-30"], "no such day"),
        (["status", "--data-dir", str(data), "--date", "2018-13-45"], "--date"),
        (["reprocess", "--data-dir", fresh, "--since", "yesterday"], "--since"),
        (["reprocess", "--data-dir", fresh, "--unit", "火星区"], "火星区"),
        (["template", "--unit", "火星区", "--out", str(tmp / "templates")], "registry unit"),
        (["ingest", "--inbox", str(tmp / "no-such-inbox"), "--data-dir", fresh], "no such folder"),
        (["nightly", "--inbox", str(a_file), "--data-dir", fresh], "not a folder"),
        (["ingest", "--inbox", str(inbox), "--data-dir", str(a_file)], "--data-dir"),
        (["query", "SELEC 1", "--data-dir", str(data)], "syntax error"),
        (["query", "DROP TABLE runs", "--data-dir", str(data)], "read-only"),
        (["query", "SELECT * FROM no_such_view", "--data-dir", str(data)], "no_such_view"),
        (["query", "SELECT 1", "--data-dir", fresh], "no warehouse yet"),
        (["status", "--data-dir", fresh], "no warehouse yet"),
        (["nightly", "--dat", "2018-07-21"], "--dat"),
        (["nightly", "--inbox", str(inbox), "--data-dir", fresh, "--force"], "--force"),
        (["serve", "--next", "-2"], "--next"),
        (["querry", "SELECT 1"], "querry"),
        (["nightly", "--inbox", "", "--data-dir", fresh], "empty"),
        (["status", "--data-dir", ""], "empty"),
        (["template", "--out", str(a_file / "templates")], "is a file"),
        (["ingest", "--inbox", str(inbox), "--data-dir", "/proc/self/data"], "cannot be written"),
        (["nightly", "--inbox", str(inbox), "--data-dir", fresh, "--date", "2028-07-21"], "screening window"),
        (["publish", "--data-dir", fresh, "--date", "2018-05-01"], "screening window"),
        (["publish", "--data-dir", fresh], "no warehouse"),
        (["reprocess", "--data-dir", fresh, "--unit", "大通区"], "no warehouse"),
        (["nightly", "--inbox", str(inbox / "大通区"), "--data-dir", fresh], "folder of the unit 大通区"),
        (["ingest", "--inbox", str(tmp), "--data-dir", fresh], "holds no unit folder"),
        (["nightly", "--inbox", str(inbox), "--data-dir", fresh, "--date", "２０１８-07-21"], "YYYY-MM-DD"),
        (["status", "--data-dir", str(data), "--config", ""], "--config '': empty"),
        (["nightly", "--inbox", str(inbox), "--data-dir", str(inbox / "data")], "inside the inbox"),
        (["ingest", "--inbox", str(inbox), "--data-dir", str(inbox)], "is the inbox"),
        (["demo", "--data-dir", str(data)], "not the demo's"),
        (["status", "--data-dir", str(data), "--config", str(gbk_config)], "not UTF-8"),
    ]


def test_every_input_mistake_is_one_line_exit_2_and_writes_nothing(inbox, warehouse_dir, tmp_path, capsys):
    cases = mistakes(inbox, warehouse_dir, tmp_path)
    before = tree(tmp_path), tree(warehouse_dir)
    for argv, word in cases:
        try:
            code = main(argv)
        except SystemExit as exc:   # argparse's own checks (unknown option, bad int)
            code = exc.code
        out, err = capsys.readouterr()
        lines = [line for line in (out + err).splitlines() if line.strip()]
        assert code == 2, (argv, code, out, err)
        assert len(lines) == 1 and word in lines[0], (argv, lines)
        assert "Traceback" not in err and "LINE 1" not in lines[0] and "^" not in lines[0], (argv, lines)
    assert (tree(tmp_path), tree(warehouse_dir)) == before   # no data dir, lock, log or Prefect home created


def test_a_mistake_in_a_real_process_stops_before_any_server_starts(inbox, tmp_path):
    """The issue's case: `nightly --date 2018-13-45` ran the whole night and died in publish."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    data = tmp_path / "data"
    proc = subprocess.run([sys.executable, "-m", "cli.main", "nightly", "--inbox", str(inbox), "--data-dir", str(data),
                           "--date", "2018-13-45"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("campaign nightly: --date '2018-13-45': no such day")
    assert not data.exists() and not (tmp_path / "home").exists()


def test_a_prefect_api_url_that_does_not_answer_is_one_line_and_writes_nothing(inbox, tmp_path, monkeypatch,
                                                                               capsys):
    from cli.prefect_api import free_port

    for url in (f"http://127.0.0.1:{free_port()}/api", "localhost:4200"):   # nothing listens; no scheme
        monkeypatch.setenv("PREFECT_API_URL", url)
        code = main(["nightly", "--inbox", str(inbox), "--data-dir", str(tmp_path / "data")])
        out, err = capsys.readouterr()
        assert code == 2 and out == "" and err.count("\n") == 1, (out, err)
        assert err.startswith(f"campaign nightly: PREFECT_API_URL {url}: no Prefect API answers there"), err
    assert not (tmp_path / "data").exists()


def test_an_internal_error_is_one_line_naming_the_logged_traceback(warehouse_dir, monkeypatch, capsys):
    import warehouse.status

    def broken(*args, **kwargs):
        raise KeyError("a bug of ours")

    monkeypatch.setattr(warehouse.status, "status_report", broken)
    assert main(["status", "--data-dir", str(warehouse_dir), "--date", "2018-07-21"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("campaign status: internal error KeyError")
    log = Path(err.rsplit("(traceback in ", 1)[1].rstrip(")\n"))
    assert log.parent == warehouse_dir / "logs"
    text = log.read_text(encoding="utf-8")
    assert text.startswith("Traceback") and "a bug of ours" in text and "in broken" in text
    log.unlink()


def test_a_query_that_returns_nothing_is_not_an_error(warehouse_dir, capsys):
    assert main(["query", "SELECT unit FROM registry_units WHERE false", "--data-dir", str(warehouse_dir)]) == 0
    assert main(["query", "SET threads = 1", "--data-dir", str(warehouse_dir)]) == 0
    assert "no rows" in capsys.readouterr().out


# --------------------------------------------------------------------------------------
# tables padded by display width

def test_where_an_issue_is_has_no_stray_punctuation():
    from flows.story import rule_at
    from transforms.issues import error

    assert rule_at(error("SUM_MISMATCH", "m", sheet="附件1", cell="H19")) == "SUM_MISMATCH 附件1!H19"
    assert rule_at(error("NO_FORMS", "m", sheet="Sheet1")) == "NO_FORMS Sheet1"
    assert rule_at(error("UNREADABLE_FILE", "m")) == "UNREADABLE_FILE"


def test_tables_are_padded_by_display_width():
    assert width("人行淮南市中心支行") == 18 and width("ab") == 2 and width("１２") == 4 and width("é") == 1
    lines = table(["unit", "accepted"], [["人行淮南市中心支行", 1], ["寿县", 12], ["abc", 3]], right={1})
    assert len({width(line) for line in lines}) == 1        # every row ends in the same terminal column
    assert lines[1].endswith(" 1") and lines[2].endswith("12")


# --------------------------------------------------------------------------------------
# the night's story, in the nightly run's own log

def night_inbox(root: Path) -> Path:
    box = root / "inbox"
    drop(box, "大通区", "大通区.xlsx", workbook_bytes({
        "附件1": form1_grid(form1_values(seed=1)), "附件2": form2_grid([company("安徽甲公司")]),
        "附件3": form3_grid("大通区")}))
    drop(box, "人行淮南市中心支行", "人行.xlsx", workbook_bytes({
        "附件1": form1_grid(form1_values(seed=2)), "附件2": form2_grid([company("乙公司", cross="Y")])}))   # ENUM_VALUE I5
    drop(box, "寿县", "寿县.xlsx", b"not a workbook at all")                                              # UNREADABLE_FILE
    drop(box, "寿县", "~$寿县.xlsx", b"\x00lock")                                                         # LOCK_FILE
    return box


def run_logs(flow_run_id) -> list[str]:
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()   # the logs are sent in batches: all of them now

    async def read():
        async with get_client() as client:
            logs = await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
            return [log.message for log in logs]
    return asyncio.run(read())


def test_the_nightly_runs_own_log_tells_the_nights_story(prefect_harness, logs_in_the_server, tmp_path, capsys):
    from flows.artifacts import summary_markdown
    from flows.nightly import nightly_flow

    box, data = night_inbox(tmp_path), tmp_path / "data"
    result = nightly_flow(inbox=str(box), data_dir=str(data), date="2018-07-21")
    messages = run_logs(result.run_id)   # the night's own flow run, not its subflows
    [story] = [m for m in messages if m.startswith("the night's story")]
    lines = story.splitlines()

    table_lines = lines[1:5]
    assert table_lines[0].split() == ["unit", "accepted", "rejected", "duplicate"]
    assert [line.split() for line in table_lines[1:]] == [["人行淮南市中心支行", "0", "1", "0"], ["大通区", "1", "0", "0"],
                                                          ["寿县", "0", "1", "0"]]
    assert len({width(line) for line in table_lines}) == 1          # aligned in a terminal, CJK double width
    assert any("寿县/寿县.xlsx" in line for line in lines)           # a file nobody could read is told too
    assert "REJECTED 人行淮南市中心支行/人行.xlsx" in lines
    assert any(line.startswith("  - ENUM_VALUE 附件2!I5 value='Y': ") for line in lines)
    assert any(line.startswith("  - UNREADABLE_FILE: ") for line in lines)   # no cell: no stray "!", no value=None
    assert "ignored  寿县/~$寿县.xlsx: LOCK_FILE (not a submission)" in lines
    assert lines.count("total: 1 accepted, 2 rejected, 0 duplicate, 0 already processed, 1 skipped") == 1
    assert (f"published {data / 'publish' / 'summary_2018-07-21.xlsx'} (and latest.xlsx); "
            f"upward report {data / 'publish' / '上报_2018-07-21.xlsx'} (and 上报_latest.xlsx)") in lines
    assert sum("total:" in m for m in messages) == 1                  # once, in the whole night's log
    markdown = summary_markdown(result.run_id, result.ingest, result.published)
    assert "LOCK_FILE" in markdown.split("## Ignored")[1] and "picked up by a later run" not in markdown

    again = nightly_flow(inbox=str(box), data_dir=str(data), date="2018-07-21")   # nothing new
    story = next(m for m in run_logs(again.run_id) if m.startswith("the night's story"))
    assert "no new files tonight" in story and "published /" not in story and "force=True" not in story
    assert "kept them (`campaign publish --force` rewrites them)" in story
    capsys.readouterr()
    assert main(["nightly", "--inbox", str(box), "--data-dir", str(data), "--date", "2018-07-21"]) == 0
    out = capsys.readouterr().out
    assert "published:" not in out and "nothing changed since the last publish: kept" in out
    assert "total:" not in out                                      # the log has it, once


def test_gx_says_nothing_about_its_temporary_docs_site():
    import logging

    from expectations.runner import gx_context

    gx_context()
    assert logging.getLogger("great_expectations.data_context.types.base").getEffectiveLevel() >= logging.WARNING


# --------------------------------------------------------------------------------------
# hand runs reuse the server `campaign serve` runs

def test_a_hand_run_uses_the_server_recorded_by_serve(prefect_harness, inbox, tmp_path):
    import datetime as dt

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime
    from prefect.settings import PREFECT_API_URL

    from cli import prefect_api
    data = tmp_path / "data"
    assert prefect_api.recorded(data) is None
    prefect_api.record(data, "http://127.0.0.1:9/api")         # a server that is gone: not used
    assert prefect_api.recorded(data) is None
    prefect_api.record(data, PREFECT_API_URL.value())          # what `campaign serve` writes when it starts
    assert prefect_api.recorded(data) == PREFECT_API_URL.value()

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    t0 = dt.datetime.now(dt.timezone.utc)
    proc = subprocess.run([sys.executable, "-m", "cli.main", "ingest", "--inbox", str(inbox), "--data-dir", str(data)],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Starting temporary server" not in proc.stderr

    async def ingest_runs():
        async with get_client() as client:
            runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=t0)))
            return [r for r in runs if r.parameters.get("data_dir") == str(data.resolve())]
    [run] = asyncio.run(ingest_runs())                           # the hand run is in serve's server (and UI)
    assert run.state is not None and run.state.is_completed()

    # a rerun over the same files has nothing to validate: the CLI starts no GX child for it
    from campaign.config import load_config
    from cli.inbox_news import inbox_has_news

    config = load_config(None)
    assert not inbox_has_news(inbox, data, config)
    os.utime(inbox / "大通区" / "大通区.xlsx", (1_500_000_000, 1_500_000_000))   # edited since: read again
    assert inbox_has_news(inbox, data, config)


def test_the_inbox_news_hint_says_maybe_when_in_doubt(inbox, tmp_path):
    from campaign.config import load_config
    from cli.inbox_news import inbox_has_news

    config = load_config(None)
    data = tmp_path / "data"
    assert inbox_has_news(inbox, data, config)                       # no warehouse yet
    data.mkdir()
    (data / "campaign.duckdb").write_bytes(b"not a duckdb file")
    assert inbox_has_news(inbox, data, config)                       # an unreadable warehouse: maybe
    assert inbox_has_news(tmp_path / "no-such-inbox", data, config)  # the night reports the missing folder
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not inbox_has_news(empty, data, config)


def test_version_is_one_line_and_exit_0(capsys):
    with pytest.raises(SystemExit, match="^0$") as exc:   # SystemExit's message is its code
        main(["--version"])
    assert exc.value.code == 0
    from importlib.metadata import version

    assert capsys.readouterr().out.strip() == f"campaign {version('fundraising-risk-campaign')}"


def test_prefects_drain_progress_at_exit_is_not_the_commands_last_line(caplog):
    """A failed night ends on its one-line verdict, not on Prefect's `Still processing items` while
    its workers send what is left to a slow server; a worker dropping items is still said."""
    import logging

    from cli.exits import quiet_drain_progress

    quiet_drain_progress()
    with caplog.at_level(logging.WARNING):
        logging.getLogger("EventsWorker").warning("Still processing items: 6 items remaining...")
        logging.getLogger("APILogWorker").warning("Still processing items: 2 items remaining...")
        logging.getLogger("EventsWorker").warning("Service %r queue is full (%d items), dropping item", "EventsWorker", 9)
    assert [r.getMessage() for r in caplog.records] == ["Service 'EventsWorker' queue is full (9 items), dropping item"]
