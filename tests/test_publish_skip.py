"""A publish with nothing new rewrites nothing; a real change, another date, a replaced
latest.xlsx or --force does rewrite (publish.fingerprint)."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from tests.builders import company, drop, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from tests.test_operations import contents, small_inbox


def stamps(paths: list[Path]) -> dict[Path, tuple[int, int]]:
    """(inode, mtime_ns) per file: an atomic rewrite changes the inode, any write the mtime."""
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in paths}


def published(result) -> list[Path]:
    return [result.workbook, result.latest]


@pytest.fixture(scope="module")
def first_night(prefect_harness, tmp_path_factory):
    """One night over the small inbox, run once for the module."""
    from flows.nightly import nightly_flow

    root = tmp_path_factory.mktemp("first-night")
    inbox, data = small_inbox(root), root / "data"
    first = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21").published
    assert not first.skipped and first.receipts_written == len(first.receipts) == 3
    return root, first


@pytest.fixture
def night(first_night, tmp_path):
    """The first night's inbox and data dir, copied for one test (times kept, as a restore would:
    the copy's inbox files are the ones the warehouse recorded), and its result pointing there."""
    root, first = first_night
    for name in ("inbox", "data"):
        shutil.copytree(root / name, tmp_path / name, copy_function=shutil.copy2)

    def moved(p: Path) -> Path:
        return tmp_path / p.relative_to(root)
    first = dataclasses.replace(first, workbook=moved(first.workbook), latest=moved(first.latest),
                                receipts=[moved(p) for p in first.receipts],
                                writebacks=[moved(p) for p in first.writebacks])
    return tmp_path / "inbox", tmp_path / "data", first


def test_rerun_with_nothing_new_rewrites_nothing(night):
    from flows.nightly import nightly_flow
    from flows.publish import publish_flow

    inbox, data, first = night
    before, receipts = stamps(published(first)), stamps(first.receipts)
    again = publish_flow(data_dir=str(data), date="2018-07-21")
    assert again.skipped and again.receipts_written == 0
    assert (again.workbook, again.latest, again.receipts) == (first.workbook, first.latest, first.receipts)
    assert stamps(published(again)) == before and stamps(again.receipts) == receipts
    # the whole nightly too: nothing in the inbox is new
    rerun = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21").published
    assert rerun.skipped and stamps(published(rerun)) == before and stamps(rerun.receipts) == receipts


def test_a_new_file_rewrites_the_workbook_and_only_the_receipts_that_changed(night):
    from flows.nightly import nightly_flow

    inbox, data, first = night
    before, receipts = stamps(published(first)), stamps(first.receipts)
    drop(inbox, "凤台县", "凤台县.xlsx", workbook_bytes({
        "附件1": form1_grid(form1_values(seed=3)), "附件2": form2_grid([company("凤台丙公司")]),
        "附件3": form3_grid("凤台县")}))
    result = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21").published
    assert not result.skipped
    assert all(stamps([p])[p] != before[p] for p in published(result))
    assert result.latest.read_bytes() == result.workbook.read_bytes()
    assert result.receipts_written == 1 and len(result.receipts) == 4     # the new file's receipt only
    assert stamps(first.receipts) == receipts
    assert "凤台丙公司" in str(contents(data)["workbook"])


def test_force_another_date_or_a_replaced_latest_rewrite(night):
    from flows.publish import publish_flow

    inbox, data, first = night
    clean, before = contents(data), stamps(published(first))
    forced = publish_flow(data_dir=str(data), date="2018-07-21", force=True)
    assert not forced.skipped and forced.receipts_written == len(forced.receipts)
    assert all(stamps([p])[p] != before[p] for p in published(forced))

    other = publish_flow(data_dir=str(data), date="2018-07-22")           # latest.xlsx now holds 07-22
    assert not other.skipped
    back = publish_flow(data_dir=str(data), date="2018-07-21")            # the 07-21 file is still there
    assert not back.skipped and contents(data) == clean

    back.latest.write_bytes(back.latest.read_bytes() + b"\0")             # someone saved over latest.xlsx
    repaired = publish_flow(data_dir=str(data), date="2018-07-21")
    assert not repaired.skipped and contents(data) == clean


def test_deleted_receipt_is_written_again(night):
    from flows.publish import publish_flow

    inbox, data, first = night
    gone = first.receipts[0]
    gone.unlink()
    result = publish_flow(data_dir=str(data), date="2018-07-21")
    assert result.skipped and result.receipts_written == 1 and gone.is_file()


def test_fingerprint_sees_every_frame_and_the_meta(night):
    import dataclasses
    import datetime as dt

    from campaign.config import load_config
    from flows.publish import read_task
    from publish.fingerprint import fingerprint
    from publish.workbook import PublishMeta
    from warehouse import db

    inbox, data, first = night
    config = load_config()
    frames = read_task.fn(db.warehouse_path(data), config)
    meta = PublishMeta(data_date=dt.date(2018, 7, 21), generated_at=dt.datetime(2018, 7, 21, 2, 0),
                       campaign_name="c", risk={"people_high": 500})
    base = fingerprint(frames, meta)
    assert fingerprint(frames, dataclasses.replace(meta, generated_at=dt.datetime(2018, 7, 22))) == base
    for changed in (dataclasses.replace(meta, data_date=dt.date(2018, 7, 22)),
                    dataclasses.replace(meta, campaign_name="d"), dataclasses.replace(meta, risk={"people_high": 501})):
        assert fingerprint(frames, changed) != base
    for field in dataclasses.fields(frames):
        frame = getattr(frames, field.name)
        if not len(frame):
            continue
        edited = frame.copy()
        col = edited.columns[-1]
        edited[col] = edited[col].astype(object)
        edited.iloc[0, -1] = "\u27c2 an edited value \u27c2"
        assert fingerprint(dataclasses.replace(frames, **{field.name: edited}), meta) != base, field.name


def test_cli_publish_keeps_an_unchanged_workbook_unless_forced(night, capsys):
    from cli.main import main

    inbox, data, first = night
    before = stamps(published(first))
    assert main(["publish", "--data-dir", str(data), "--date", "2018-07-21"]) == 0
    assert "nothing changed since the last publish" in capsys.readouterr().out
    assert stamps(published(first)) == before
    assert main(["publish", "--data-dir", str(data), "--date", "2018-07-21", "--force"]) == 0
    out = capsys.readouterr().out
    assert "nothing changed" not in out and "(3 written)" in out
    assert all(stamps([p])[p] != before[p] for p in published(first))
