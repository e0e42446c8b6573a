"""Marked copies drawn in a process pool are the copies drawn one by one; a publish that redraws
the workbook but changes no file's verdict writes no receipt and no marked copy."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.builders import company, drop, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes


@pytest.fixture(scope="module")
def night(prefect_harness, tmp_path_factory):
    """The demo's submissions plus two rejected county files (several marked cells, a drop-down)."""
    from campaign.config import load_config
    from cli.demo import write_demo_inbox
    from flows.nightly import nightly_flow

    root = tmp_path_factory.mktemp("copies")
    inbox, data = root / "inbox", root / "data"
    write_demo_inbox(inbox, load_config())
    for unit, seed in (("凤台县", 5), ("寿县", 7)):
        drop(inbox, unit, f"{unit}_有错.xlsx", workbook_bytes({
            "附件1": form1_grid(form1_values(seed=seed), totals={"重点领域": {"amount": 1}}),
            "附件2": form2_grid([company(f"{unit}甲公司", amount="-5.00"), company(f"{unit}乙公司", internet="网上")]),
            "附件3": form3_grid(unit)}))
    result = nightly_flow(inbox=str(inbox), data_dir=str(data), date="2018-07-21").published
    assert len(result.writebacks) >= 2
    return result, data


def content(data: bytes) -> dict:
    """What a clerk sees in a workbook: sheets, every cell's value, type, format and style, comments,
    links, merges, drop-downs, widths, frozen panes and the custom properties."""
    import io

    wb = openpyxl.load_workbook(io.BytesIO(data))
    out: dict = {"sheets": wb.sheetnames, "active": wb.active.title,
                 "props": sorted((p.name, str(p.value)) for p in wb.custom_doc_props)}
    for ws in wb.worksheets:
        cells = {c.coordinate: (c.value, c.data_type, c.number_format, repr(c.fill), repr(c.font), repr(c.border),
                                repr(c.alignment),
                                (c.comment.text, c.comment.author, c.comment.width, c.comment.height) if c.comment else None,
                                c.hyperlink.location if c.hyperlink else None)
                 for row in ws.iter_rows() for c in row}
        out[ws.title] = (cells, sorted(map(str, ws.merged_cells.ranges)),
                         sorted((str(d.sqref), d.type, d.formula1, d.error) for d in ws.data_validations.dataValidation),
                         ws.freeze_panes, sorted((k, v.width) for k, v in ws.column_dimensions.items()))
    return out


def _frames(data: Path):
    from campaign.config import load_config
    from publish.places import places_of_files
    from warehouse import db
    from warehouse.summary import read_summary

    config = load_config()
    con = db.connect(db.warehouse_path(data), read_only=True)
    try:
        frames = read_summary(con, config.units)
    finally:
        con.close()
    return config, frames, places_of_files(frames.submissions, frames.validation_issues, data)


def test_pool_and_serial_draw_the_same_copies_as_the_night(night):
    from flows.parallel import Execution
    from flows.publish_pool import draw_copies
    from publish.writeback import copy_jobs, draw_copy

    result, data = night
    config, frames, files = _frames(data)
    _, jobs = copy_jobs(frames, files, data / "receipts", data, config.office, force=True)
    assert sorted(job.path for job in jobs) == sorted(result.writebacks)
    serial = [draw_copy(job) for job in jobs]
    pooled = draw_copies(jobs, Execution(parse_workers=2, parallel_min_files=1))   # a pool even for a few
    assert len(pooled) == len(serial) == len(jobs)
    for job, one, other in zip(jobs, serial, pooled):
        assert content(one) == content(other) == content(job.path.read_bytes()), job.path.name
    marked = content(next(body for job, body in zip(jobs, serial) if job.path.name.startswith("凤台县_有错")))
    assert marked["sheets"][0] == "问题清单" and marked["附件2"][2]     # the drop-down of 网上


def test_copies_drawn_ahead_while_the_workbooks_are_built_are_the_same_copies(night):
    """flows/publish.py starts a big night's copies in a pool before the workbooks (CopiesAhead) and
    takes their bytes when it writes them: the same bytes as drawn one by one, asked twice (a retried
    task) the same again, and the pool gone once they are taken."""
    from flows.parallel import Execution
    from flows.publish_pool import CopiesAhead, copies_ahead
    from publish.writeback import copy_jobs, draw_copy

    _, data = night
    config, frames, files = _frames(data)
    _, jobs = copy_jobs(frames, files, data / "receipts", data, config.office, force=True)
    ahead = copies_ahead(frames, files, data / "receipts", data, config.office, True,
                         Execution(parse_workers=2, parallel_min_files=1))   # a pool even for a few
    try:
        assert ahead.pool is not None and ahead.jobs == jobs
        bodies = ahead.bodies()
        assert ahead.pool is None                                     # the workers are gone
        assert ahead.bodies() is bodies
    finally:
        ahead.close()
    serial = [draw_copy(job) for job in jobs]
    assert [content(b) for b in bodies] == [content(b) for b in serial]
    few = CopiesAhead(jobs, Execution(parse_workers=2, parallel_min_files=len(jobs) + 1))   # too few: no pool
    assert few.pool is None and [content(b) for b in few.bodies()] == [content(b) for b in serial]


def test_places_read_ahead_by_the_pool_are_the_places_and_the_pool_goes_on_to_the_copies(night):
    """flows/publish.py has a big night's pool read the problem places while the upward report is
    drawn (PlacesAhead), then hands the pool to the marked copies: the same places as read here, the
    same copies as drawn one by one; too few files: read here, no pool."""
    from flows.parallel import Execution
    from flows.publish_pool import PlacesAhead, copies_ahead
    from publish.writeback import draw_copy

    _, data = night
    config, frames, files = _frames(data)
    assert len(files) >= 2
    pooled = Execution(parse_workers=2, parallel_min_files=1)   # a pool even for a few
    reading = PlacesAhead(frames, data, pooled)
    try:
        assert reading.pool is not None
        assert reading.files() == files and reading.files() is reading.files()
        pool = reading.handover()
        assert pool is not None and reading.pool is None
        ahead = copies_ahead(frames, files, data / "receipts", data, config.office, True, pooled, pool)
        try:
            assert ahead.pool is pool
            bodies = ahead.bodies()
            assert ahead.pool is None
        finally:
            ahead.close()
    finally:
        reading.close()
    assert [content(b) for b in bodies] == [content(draw_copy(job)) for job in ahead.jobs]
    few = PlacesAhead(frames, data, Execution(parse_workers=2, parallel_min_files=len(files) + 1))
    assert few.pool is None and few.files() == files and few.handover() is None


def test_a_pool_handed_to_copies_that_cannot_be_planned_is_shut_down(monkeypatch):
    """copies_ahead owns the pool PlacesAhead hands over: when planning the copies fails, the
    failure propagates and no worker is left running."""
    import flows.publish_pool as publish_pool
    from flows.parallel import Execution, worker_pool

    def broken(*args, **kwargs):
        raise RuntimeError("planning failed")

    monkeypatch.setattr(publish_pool, "copy_jobs", broken)
    pool = worker_pool(2)
    assert pool.submit(int, "7").result() == 7   # workers started
    with pytest.raises(RuntimeError, match="planning failed"):
        publish_pool.copies_ahead(None, {}, Path("."), Path("."), None, False, Execution(parse_workers=2), pool)
    with pytest.raises(RuntimeError):   # shut down: it takes no more work
        pool.submit(int, "8")


def test_nothing_new_for_any_file_writes_no_receipt_and_no_copy(night):
    from flows.publish import publish_flow

    result, data = night
    before = {p: p.stat().st_mtime_ns for p in result.receipts + result.writebacks}
    again = publish_flow(data_dir=str(data), date="2018-07-22")      # another night: the workbook is redrawn
    assert not again.skipped
    assert again.receipts_written == 0 and again.writebacks == []
    assert {p: p.stat().st_mtime_ns for p in result.receipts + result.writebacks} == before
