"""Bad, odd and hostile files: each gets a clear verdict and a rule, and can do nothing but be read.

Every file is built here (openpyxl + publish.layout.write_form for valid forms, zip surgery
for broken ones). Pure checks call transforms.submission.examine / intake.scan.scan_inbox
directly; the checks that need the expectations run them as the flow does.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from campaign.config import load_config
from tests.test_reliability_support import (
    company, csv_bytes, drop, entity_bomb, examine_isolated, legacy_xls, lying_zip_bomb,
    ods_bytes, ole_compound_file, pdf_bytes, rewrite_zip, set_cell_xml, sheet_part, to_bytes, valid_bytes, workbook,
    xlsm_bytes, zip_bomb)
from transforms.issues import ERROR
from transforms.submission import Receipt, decide, examine

CONFIG = load_config()
INTAKE = CONFIG.intake
NOT_READABLE = "not a readable .xlsx workbook"


def issues_of(data: bytes, name: str = "报表.xlsx", unit: str = "大通区"):
    _, forms, issues = examine(data, name, unit, CONFIG.unit_kind(unit), INTAKE)
    return forms, issues


def errors(issues):
    return [i for i in issues if i.severity == ERROR]


def verdict(data: bytes, name: str = "报表.xlsx", unit: str = "大通区"):
    """examine + the expectations suites + decide: the verdict the ingest flow would record."""
    from expectations.runner import queue
    from expectations.validate import validate

    forms, issues = issues_of(data, name, unit)
    batches: dict = {}
    queue(batches, 0, unit, forms)
    issues = list(issues) + [i for _, i in (validate(batches, float(CONFIG.sum_tolerance)) if batches else [])]
    now = dt.datetime(2018, 7, 20)
    return decide(Receipt(unit, name, f"{unit}/{name}", "0" * 64, len(data), now, now, "archive/x"), forms, issues)


def only_error(issues, rule: str):
    errs = errors(issues)
    assert [e.rule for e in errs] == [rule], [(e.rule, e.message) for e in issues]
    assert all(e.message and "Traceback" not in e.message for e in errs)
    return errs[0]


@pytest.fixture(scope="module")
def valid() -> bytes:
    return valid_bytes()


def test_the_valid_workbook_used_below_is_accepted(valid):
    v = verdict(valid)
    assert v.status == "accepted", [(i.rule, i.cell, i.message) for i in v.issues]
    assert sorted(f.form for f in v.forms) == ["附件1", "附件2", "附件3"]


# --------------------------------------------------------------------------------------
# not a workbook at all

def _corrupt_member(data: bytes) -> bytes:
    """Flip bytes inside the compressed data of the first worksheet: the zip directory is intact."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    raw = bytearray(data)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 40
    for i in range(start, start + 64):
        raw[i] ^= 0x5A
    return bytes(raw)


@pytest.mark.parametrize("case", ["truncated", "corrupt_member", "empty", "pdf", "text", "garbage_after_zip_magic"])
def test_unreadable_files_are_rejected_with_a_plain_reason(valid, case):
    data = {
        "truncated": valid[: len(valid) * 6 // 10],
        "corrupt_member": _corrupt_member(valid),
        "empty": b"",
        "pdf": pdf_bytes(),
        "text": "排查表，见附件".encode(),
        "garbage_after_zip_magic": b"PK\x03\x04" + os.urandom(2000),
    }[case]
    forms, issues = issues_of(data)
    err = only_error(issues, "UNREADABLE_FILE")
    assert NOT_READABLE in err.message.lower() and "不是可读取的 .xlsx 工作簿" in err.message
    assert forms == []
    if case == "empty":
        assert "文件为空" in err.message


def test_encrypted_workbook_is_rejected_as_password_protected(valid, tmp_path):
    """A real Agile-encrypted OOXML (msoffcrypto-tool, the same format Excel writes)."""
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(valid)).encrypt("淮南2018", out)
    encrypted = out.getvalue()
    assert encrypted[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"       # an OLE compound file, not a zip
    # it really is the workbook, encrypted: the password gives it back
    back = io.BytesIO()
    f = msoffcrypto.OfficeFile(io.BytesIO(encrypted))
    f.load_key(password="淮南2018")
    f.decrypt(back)
    assert back.getvalue()[:4] == b"PK\x03\x04"

    err = only_error(issues_of(encrypted)[1], "ENCRYPTED_FILE")
    assert "password-protected" in err.message and "密码" in err.message


def test_encrypted_package_in_a_hand_made_ole_file_is_rejected_as_encrypted():
    """The same container built by hand (EncryptionInfo + EncryptedPackage streams), without msoffcrypto."""
    data = ole_compound_file({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00<encryption/>",
                              "EncryptedPackage": b"\x00" * 64})
    err = only_error(issues_of(data, "大通区.xlsx")[1], "ENCRYPTED_FILE")
    assert "password-protected" in err.message


@pytest.mark.parametrize("name,data", [
    ("大通区.csv", csv_bytes()),
    ("大通区.et", legacy_xls()),
    ("大通区.numbers", ods_bytes()),
])
def test_other_formats_ask_to_resave_as_xlsx(name, data):
    err = only_error(issues_of(data, name)[1], "UNSUPPORTED_FORMAT")
    assert "resave as .xlsx" in err.message and "另存为 .xlsx" in err.message


@pytest.mark.parametrize("name", ["大通区.xls", "大通区.XLS", "大通区.ods", "大通区.xlsx"])
@pytest.mark.parametrize("content,rule", [(legacy_xls(), "NO_FORMS"), (ods_bytes(), "MISSING_HEADER")])
def test_xls_and_ods_content_is_read_as_a_workbook_whatever_the_name(name, content, rule):
    """.xls and .ods are workbooks (tests/test_real_clients.py reads real ones), sniffed by content:
    these minimal ones (no sheet; a 附件1 title without its table) are read and found wanting,
    never UNSUPPORTED_FORMAT."""
    assert [e.rule for e in errors(issues_of(content, name)[1])] == [rule]


def test_xlsb_renamed_xlsx_is_unsupported(valid):
    data = rewrite_zip(valid, {"xl/workbook.xml": None}, add={"xl/workbook.bin": b"\x83\x01\x00"})
    err = only_error(issues_of(data, "大通区.xlsx")[1], "UNSUPPORTED_FORMAT")
    assert ".xlsb" in err.message


def test_xlsm_with_vba_project_is_read_as_data_and_no_macro_runs(valid, monkeypatch, tmp_path):
    data = xlsm_bytes(valid)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "xl/vbaProject.bin" in zf.namelist()
        assert b"macroEnabled" in zf.read("[Content_Types].xml")

    def refuse(*a, **k):
        raise AssertionError(f"reading a workbook tried to run something: {a!r}")
    for name in ("Popen", "run", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, refuse)
    monkeypatch.setattr(os, "system", refuse)
    for name in ("execv", "execve", "execvp", "execvpe", "posix_spawn", "posix_spawnp", "fork"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)
    before = set(Path("/tmp").glob("PWNED*"))
    v = verdict(data, "大通区.xlsm")
    assert v.status == "accepted", [(i.rule, i.message) for i in v.errors]
    assert sorted(f.form for f in v.forms) == ["附件1", "附件2", "附件3"]
    assert set(Path("/tmp").glob("PWNED*")) == before


# --------------------------------------------------------------------------------------
# bombs: refused before anything is inflated or expanded, in bounded memory

def test_zip_bomb_is_refused_from_its_declared_size_in_bounded_memory(tmp_path):
    bomb = zip_bomb(300_000_000)
    assert len(bomb) < 2_000_000
    out = examine_isolated(bomb, "大通区.xlsx", "大通区", "county", tmp_path)
    assert [i["rule"] for i in out["issues"]] == ["FILE_TOO_LARGE"]
    assert "zip bomb" in out["issues"][0]["message"] and "压缩炸弹" in out["issues"][0]["message"]
    assert out["growth_mb"] < 100 and out["seconds"] < 5


def test_zip_bomb_understating_its_size_is_refused_without_inflating_it(tmp_path):
    """Central directory says 1 KB, the member inflates to 300 MB: the reader stops at the
    declared size, the CRC fails, the file is rejected; memory does not follow the bomb."""
    bomb = lying_zip_bomb(300_000_000)
    out = examine_isolated(bomb, "大通区.xlsx", "大通区", "county", tmp_path)
    rules = [i["rule"] for i in out["issues"]]
    assert rules in (["UNREADABLE_FILE"], ["FILE_TOO_LARGE"])
    assert out["growth_mb"] < 100


def test_inflated_size_over_the_limit_is_counted_while_inflating(valid):
    """Even when declared sizes are small, inflation stops as soon as the limit is passed."""
    from transforms.grid import check_container
    from transforms.sheet import WorkbookError

    with pytest.raises(WorkbookError, match="zip bomb") as exc:
        check_container(valid, max_uncompressed=len(valid) * 2)
    assert exc.value.issue.rule == "FILE_TOO_LARGE"


def test_calamine_itself_never_expands_entities(valid):
    """The reader refuses a custom entity instead of expanding it (no 3 GB string)."""
    import python_calamine

    bomb = entity_bomb(valid)
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(bomb))
    with pytest.raises(Exception, match="(?i)entity"):   # calamine's own error type
        wb.get_sheet_by_name("附件1").to_python()


def test_billion_laughs_is_rejected_as_xml_entities_in_bounded_memory(valid, tmp_path):
    bomb = entity_bomb(valid)
    err = only_error(issues_of(bomb)[1], "XML_ENTITIES")
    assert err.value == sheet_part(valid, "附件1") and "DTD" in err.message
    out = examine_isolated(bomb, "大通区.xlsx", "大通区", "county", tmp_path)
    assert [i["rule"] for i in out["issues"]] == ["XML_ENTITIES"] and out["growth_mb"] < 50


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"])
def test_dtd_in_any_xml_part_is_refused(valid, part):
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

    def edit(xml: bytes) -> bytes:
        import re
        return xxe + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
    if part == "xl/sharedStrings.xml":
        data = rewrite_zip(valid, {}, add={part: xxe + b'<sst xmlns="http://schemas.openxmlformats.org/'
                                                  b'spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>'})
    else:
        data = rewrite_zip(valid, {part: edit})
    err = only_error(issues_of(data)[1], "XML_ENTITIES")
    assert err.value == part
    assert "root:" not in repr(issues_of(data))


def test_a_value_in_the_last_cell_of_the_sheet_is_refused_not_allocated(valid, tmp_path):
    """One value in XFD1048576 makes the reader allocate 17 billion cells (550 GB) and abort the
    whole process; the XML pass sees the extent first and rejects the file."""
    part = sheet_part(valid, "附件2")
    data = rewrite_zip(valid, {part: lambda x: x.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')})
    out = examine_isolated(data, "大通区.xlsx", "大通区", "county", tmp_path)
    assert [(i["rule"], i["sheet"], i["cell"]) for i in out["issues"]] == [("SHEET_TOO_LARGE", "附件2", "XFD1048576")]
    assert "删除表格以外的多余内容" in out["issues"][0]["message"]
    assert out["growth_mb"] < 50


def test_cells_without_references_cannot_sneak_past_the_extent_check(valid, tmp_path):
    """Cells and rows may omit their r attribute (positions are then counted): still bounded."""
    part = sheet_part(valid, "附件3")
    row = b"<row>" + b"<c><v>1</v></c>" * 16 + b"</row>"
    data = rewrite_zip(valid, {part: lambda x: x.replace(b"</sheetData>", b'<row r="1048575"/>' + row + b"</sheetData>")})
    from transforms.grid import check_container

    scans = check_container(data, 10 ** 9, max_cells=10 ** 12)
    assert (scans["附件3"].max_row, scans["附件3"].max_col) == (1048575, 15)
    out = examine_isolated(data, "大通区.xlsx", "大通区", "county", tmp_path)
    assert [i["rule"] for i in out["issues"]] == ["SHEET_TOO_LARGE"]


def test_a_quoted_bracket_in_an_attribute_cannot_hide_a_cell(valid, tmp_path):
    """'>' is legal inside an attribute value; a naive tag scan would lose the r that follows it.
    A formula in the same sheet forces the tag-by-tag path."""
    part = sheet_part(valid, "附件3")
    cells = (b'<row r="1048576"><c r="A1048576"><f>1+1</f><v>2</v></c>'
             b'<c foo="a>b" r="XFD1048576"><v>1</v></c></row>')
    data = rewrite_zip(valid, {part: lambda x: x.replace(b"</sheetData>", cells + b"</sheetData>")})
    out = examine_isolated(data, "大通区.xlsx", "大通区", "county", tmp_path)
    assert [(i["rule"], i["cell"]) for i in out["issues"]] == [("SHEET_TOO_LARGE", "XFD1048576")]


def test_a_sheet_moved_out_of_xl_worksheets_is_still_checked(valid, tmp_path):
    """A sheet at an unusual path, behind a relationships part too big to map: every XML part is
    then scanned, so the far cell is still seen before the reader allocates for it."""
    part = sheet_part(valid, "附件3")
    name = part.rsplit("/", 1)[-1]
    with zipfile.ZipFile(io.BytesIO(valid)) as zf:
        sheet_xml = zf.read(part).replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    data = rewrite_zip(valid, {
        part: None,
        "xl/_rels/workbook.xml.rels": lambda x: x.replace(f"worksheets/{name}".encode(), b"custom/data.xml")
                                                 .replace(b"</Relationships>", b" " * 6_000_000 + b"</Relationships>"),
    }, add={"xl/custom/data.xml": sheet_xml})
    out = examine_isolated(data, "大通区.xlsx", "大通区", "county", tmp_path)
    assert [(i["rule"], i["cell"]) for i in out["issues"]] == [("SHEET_TOO_LARGE", "XFD1048576")]


def test_extent_scan_agrees_with_the_reader():
    """The XML pass never under-estimates what python-calamine will allocate (fast and precise)."""
    import random

    import python_calamine

    from transforms.grid import _CHUNK, _SheetScanner

    rng = random.Random(5)
    for trial in range(60):
        rows, r, formula_only = [], 0, False
        for _ in range(rng.randint(1, 30)):
            r += rng.randint(1, 40)
            cells, c = [], 0
            for _ in range(rng.randint(0, 6)):
                c += rng.randint(1, 300)
                kind = rng.choice(["v", "style", "f", "fv", "is", "v"])
                formula_only |= kind == "f"      # counted by the scan, ignored by the reader: an over-estimate
                ref = f' r="{_col(c)}{r}"' if rng.random() < 0.8 else ""
                body = {"v": "<v>1</v>", "style": None, "f": "<f>1+1</f>", "fv": "<f>1+1</f><v>2</v>",
                        "is": "<is><t>x</t></is>"}[kind]
                t = ' t="inlineStr"' if kind == "is" else ""
                cells.append(f"<c{ref}{t} s=\"1\"/>" if body is None else f"<c{ref}{t}>{body}</c>")
            rows.append(f'<row r="{r}">' + "".join(cells) + "</row>" if rng.random() < 0.9 else "<row>" + "".join(cells) + "</row>")
        xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
               + "".join(rows) + "</sheetData></worksheet>").encode()
        base = valid_sheet_template()
        data = rewrite_zip(base, {sheet_part(base, "附件3"): xml})
        ws = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("附件3")
        for precise in (False, True):
            scanner = _SheetScanner("p", precise=precise)
            for i in range(0, len(xml), 97):          # tiny chunks: buffers cut everywhere
                scanner.feed(xml[i:i + 97])
            scan = scanner.close()
            if ws.end is None or ws.height == 0:
                continue
            assert scan.max_row >= ws.end[0] and scan.max_col >= ws.end[1], (trial, precise, xml)
            if precise and not formula_only:
                assert (scan.max_row, scan.max_col) == tuple(ws.end), (trial, xml)
    assert _CHUNK >= 1 << 16


_TEMPLATE: list[bytes] = []


def valid_sheet_template() -> bytes:
    if not _TEMPLATE:
        _TEMPLATE.append(valid_bytes())
    return _TEMPLATE[0]


def _col(n: int) -> str:
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


# --------------------------------------------------------------------------------------
# big, wide and hidden content: read, within bounded memory

def big_form2_workbook(n: int, hidden_rows=(), hide_sheets=True) -> bytes:
    companies = [company(f"安徽第{i:05d}号投资管理有限公司", amount="100.50", people=3, unpaid="10.25") for i in range(n)]
    wb = workbook(companies=companies)
    ws = wb["附件2"]
    for r in hidden_rows:
        ws.row_dimensions[r].hidden = True
    if hide_sheets:
        wb["附件1"].sheet_state = "hidden"
        wb["附件3"].sheet_state = "veryHidden"
    return to_bytes(wb)


def test_ten_thousand_company_rows_hidden_rows_and_sheets_in_bounded_memory(tmp_path):
    data = big_form2_workbook(10_000, hidden_rows=range(6, 5006))
    out = examine_isolated(data, "大通区.xlsx", "大通区", "county", tmp_path)
    assert errors_of(out) == []
    assert out["forms"] == {"附件1": 24, "附件2": 10_000, "附件3": 1}    # hidden rows and sheets are data
    assert out["growth_mb"] < 400, out


def errors_of(out: dict) -> list:
    return [(i["rule"], i["cell"]) for i in out["issues"] if i["severity"] == ERROR]


def test_a_stray_value_far_to_the_right_is_read_not_refused(valid):
    """A very wide sheet (a note typed in column XFD next to the title) is read as it is."""
    part = sheet_part(valid, "附件1")
    data = rewrite_zip(valid, {part: lambda x: x.replace(
        b"</row>", b'<c r="XFD1" t="inlineStr"><is><t>note</t></is></c></row>', 1)})
    forms, issues = issues_of(data)
    assert errors(issues) == []
    assert len(next(f for f in forms if f.form == "附件1").rows) == 24


def test_workbook_cell_limit_is_configurable(valid):
    _, forms, issues = examine(valid, "x.xlsx", "大通区", "county", dict(INTAKE, max_cells=100))
    err = only_error(issues, "SHEET_TOO_LARGE")
    assert "100" in err.message


# --------------------------------------------------------------------------------------
# forms that are not there

@pytest.mark.parametrize("title", [None, "2019年打击和处置非法集资宣传月活动情况统计表", "非法集资案件线索统计表（公安）"])
def test_workbook_without_the_campaign_forms_is_rejected_listing_them(title):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计"
    if title:
        ws["A1"] = title
        ws.append(["序号", "单位", "数量"])
        ws.append([1, "大通区", 3])
    forms, issues = issues_of(to_bytes(wb))
    err = only_error(issues, "NO_FORMS")
    for expected in ("附件1", "附件2", "附件3", "涉嫌非法集资风险专项排查情况统计表", "重点风险线索统计表", "无非法集资区、县"):
        assert expected in err.message
    assert err.value == "统计" and forms == []


# --------------------------------------------------------------------------------------
# formulas

def _total_cells(data: bytes) -> dict[str, str]:
    """{column name: cell} of the 重点领域 合计 row of 附件1, as the parser reads it."""
    forms, _ = issues_of(data)
    totals = next(f for f in forms if f.form == "附件1").totals
    first = totals[totals["section"] == "重点领域"]
    return dict(zip(first["column"], first["cell"]))


def test_total_as_sum_formula_with_cached_value_is_used(valid):
    cells = _total_cells(valid)
    forms, _ = issues_of(valid)
    rows = next(f for f in forms if f.form == "附件1").rows
    screened = sum(rows[rows["section"] == "重点领域"]["screened__dec"])
    ref = cells["screened"]
    col = "".join(ch for ch in ref if ch.isalpha())
    first_row = int(rows.iloc[0]["screened__cell"][len(col):])
    data = set_cell_xml(valid, "附件1", ref,
                        f'<c r="{ref}"><f>SUM({col}{first_row}:{col}{int(ref[len(col):]) - 1})</f><v>{screened}</v></c>')
    v = verdict(data)
    assert v.status == "accepted", [(i.rule, i.cell, i.message) for i in v.errors]
    totals = next(f for f in v.forms if f.form == "附件1").totals
    assert totals.set_index(["section", "column"]).loc[("重点领域", "screened"), "declared"] == float(screened)


def test_formula_without_cached_value_is_rejected_naming_the_cell(valid):
    cells = _total_cells(valid)
    data = valid
    for name in ("screened", "amount"):   # not a plain sum (those are recomputed: test_real_clients.py)
        ref = cells[name]
        data = set_cell_xml(data, "附件1", ref, f'<c r="{ref}"><f>ROUND(SUM(A1:A2),2)</f></c>')
    # a shared formula (the form Excel writes when a formula is filled across) without a value
    ref2 = _total_cells(valid)["people"]
    data = set_cell_xml(data, "附件1", ref2, f'<c r="{ref2}"><f t="shared" si="0"/></c>')
    forms, issues = issues_of(data)
    found = sorted((i.rule, i.form, i.sheet, i.cell, i.value) for i in errors(issues))
    assert found == sorted([("FORMULA_NO_CACHED_VALUE", "附件1", "附件1", cells["screened"], "=ROUND(SUM(A1:A2),2)"),
                            ("FORMULA_NO_CACHED_VALUE", "附件1", "附件1", cells["amount"], "=ROUND(SUM(A1:A2),2)"),
                            ("FORMULA_NO_CACHED_VALUE", "附件1", "附件1", ref2, None)])
    msg = errors(issues)[0].message
    assert "saved without its value" in msg and "没有保存它的计算结果" in msg
    assert verdict(data).status == "rejected"


def test_uncached_formula_on_a_scratch_sheet_without_forms_does_not_matter(valid):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(valid))
    scratch = wb.create_sheet("草稿")
    scratch["A1"] = "=1+1"                    # openpyxl writes formulas without cached values
    forms, issues = issues_of(to_bytes(wb))
    assert errors(issues) == []


# --------------------------------------------------------------------------------------
# values

def test_formula_like_text_is_kept_verbatim_as_text():
    names = ['=HYPERLINK("http://evil.example/x","点我")', "+8613800000000贸易公司", "-减号商贸有限公司", "@SUM(A1:A9)公司"]
    data = valid_bytes(companies=[company(n) for n in names])
    v = verdict(data)
    assert v.status == "accepted", [(i.rule, i.message) for i in v.errors]
    rows = next(f for f in v.forms if f.form == "附件2").rows
    assert list(rows["company_name"]) == names
    assert {i.rule for i in v.warnings} >= {"FORMULA_LIKE_TEXT"}


def test_a_number_too_large_for_the_warehouse_is_rejected_not_crashing_the_load(valid, tmp_path):
    """An 18-digit ID number typed as text into 涉及金额 would overflow DECIMAL(18,2) at load."""
    from warehouse import db, load

    row = company("安徽甲公司", unpaid="10.00")
    row["amount"] = "340421198001011234"          # typed as text
    data = valid_bytes(companies=[row])
    v = verdict(data)
    assert v.status == "rejected"
    assert [(i.rule, i.form) for i in v.errors if i.rule == "VALUE_TOO_LARGE"] == [("VALUE_TOO_LARGE", "附件2")]
    con = db.connect(tmp_path / "w.duckdb")
    try:
        db.init_schema(con)
        load.record_verdict(con, v, "run")            # loads as a rejected file, no exception
        assert con.execute("SELECT status FROM received_files").fetchall() == [("rejected",)]
    finally:
        con.close()


# --------------------------------------------------------------------------------------
# the inbox: files still being written, odd names, symlinks

def test_file_still_being_written_is_left_for_the_next_scan(tmp_path):
    from intake.scan import scan_inbox

    box = tmp_path / "inbox"
    path = drop(box, "大通区", "大通区.xlsx", valid_bytes())
    os.utime(path, None)                     # just written
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    found, skips = scan_inbox(box, INTAKE, now)
    assert found == [] and skips == [("大通区/大通区.xlsx", "STILL_WRITING")]
    later = now + dt.timedelta(seconds=float(INTAKE["settle_seconds"]) + 1)
    found, skips = scan_inbox(box, INTAKE, later)
    assert [f.inbox_path for f in found] == ["大通区/大通区.xlsx"] and skips == []


def test_file_with_an_mtime_far_in_the_future_is_not_held_forever(tmp_path):
    """A copy that kept the timestamp of a machine whose clock runs ahead is not 'being written'."""
    from intake.scan import scan_inbox

    box = tmp_path / "inbox"
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    future = (dt.datetime.now() + dt.timedelta(days=1)).timestamp()
    drop(box, "大通区", "大通区.xlsx", valid_bytes(), mtime=future)
    found, skips = scan_inbox(box, INTAKE, now)
    assert [f.inbox_path for f in found] == ["大通区/大通区.xlsx"] and skips == []


def test_file_that_changes_while_copied_is_not_archived(tmp_path, monkeypatch):
    """The scan-to-copy race: a writer appends during the copy; nothing is archived, retried later."""
    from intake import archive

    path = drop(tmp_path / "inbox", "大通区", "大通区.xlsx", valid_bytes())
    real_fstat, calls = os.fstat, []

    def fstat(fd):
        calls.append(fd)
        if len(calls) == 3:          # 1: open check, 2: before the copy, 3: after it
            with open(path, "ab") as fh:
                fh.write(b"more bytes")
        return real_fstat(fd)
    monkeypatch.setattr(archive.os, "fstat", fstat)
    with pytest.raises(archive.FileChangedWhileReading, match="changed while it was read") as exc:
        archive.archive_file(path, tmp_path / "data")
    assert archive.archive_skip_reason(exc.value) == "STILL_WRITING"
    assert [p for p in (tmp_path / "data" / "archive").rglob("*") if p.is_file()] == []


ODD_NAMES = [
    "大通区 排查表 (终稿) .xlsx",
    "淮南市大通区涉嫌非法集资风险专项排查情况统计表.xlsx",
    ("很长的文件名" * 12) + ("x" * 20) + ".xlsx",          # ~200 characters (236 bytes)
    "a..b..xlsx",
    "报表..%2F..%2Fetc%2Fpasswd.xlsx",
    "报表\t制表符.xlsx",
    "-rf 报表.xlsx",
    "大通区.xlsx.xlsx",
]


def test_odd_file_names_are_read_and_archived_under_their_hash(tmp_path):
    from intake.archive import archive_file
    from intake.scan import scan_inbox

    box, data_dir = tmp_path / "inbox", tmp_path / "data"
    contents = {}
    for i, name in enumerate(ODD_NAMES):
        contents[name] = valid_bytes(seed=i + 1)
        drop(box, "大通区", name, contents[name])
    drop(box, "大通区", "..xlsx", valid_bytes())                 # dot-files: not submissions
    drop(box, "大通区", "..%2F..%2Fetc%2Fpasswd.xlsx", valid_bytes())
    found, skips = scan_inbox(box, INTAKE, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    assert sorted(f.path.name for f in found) == sorted(ODD_NAMES)
    assert sorted(skips) == [("大通区/..%2F..%2Fetc%2Fpasswd.xlsx", "HIDDEN_FILE"), ("大通区/..xlsx", "HIDDEN_FILE")]
    archive_root = (data_dir / "archive").resolve()
    for f in found:
        sha, rel = archive_file(f.path, data_dir)
        target = (data_dir / rel).resolve()
        assert target.parent.parent == archive_root and target.name.startswith(sha)
        assert rel in (f"archive/{sha[:2]}/{sha}.xlsx",)
        assert target.read_bytes() == contents[f.path.name]
        assert f.unit == "大通区"
        _, issues = issues_of(target.read_bytes(), f.path.name)
        assert errors(issues) == [], f.path.name


def test_symlinks_in_the_inbox_are_skipped_and_never_followed(tmp_path, monkeypatch):
    from intake.archive import NotARegularFile, archive_file
    from intake.scan import scan_inbox

    box, data_dir, outside = tmp_path / "inbox", tmp_path / "data", tmp_path / "outside"
    drop(box, "大通区", "大通区.xlsx", valid_bytes())
    secret = drop(outside, "寿县", "寿县.xlsx", valid_bytes(county="寿县"))
    (outside / "passwd.xlsx").write_bytes(b"root:x:0:0")
    (box / "大通区" / "寿县的表.xlsx").symlink_to(secret)
    (box / "大通区" / "密码.xlsx").symlink_to(outside / "passwd.xlsx")
    (box / "大通区" / "坏链接.xlsx").symlink_to(outside / "nothing-here.xlsx")
    (box / "寿县").symlink_to(outside / "寿县", target_is_directory=True)
    (box / "大通区" / "上级").symlink_to(outside, target_is_directory=True)
    os.mkfifo(box / "大通区" / "管道.xlsx")
    opened: list[str] = []
    real_open = os.open

    def spy(path, *a, **k):
        fd = real_open(path, *a, **k)
        opened.append(os.readlink(f"/proc/self/fd/{fd}"))     # what was really opened
        return fd
    monkeypatch.setattr(os, "open", spy)
    found, skips = scan_inbox(box, INTAKE, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    assert [f.inbox_path for f in found] == ["大通区/大通区.xlsx"]
    assert sorted(skips) == sorted([("大通区/上级", "SYMLINK"), ("寿县", "SYMLINK"), ("大通区/寿县的表.xlsx", "SYMLINK"),
                                    ("大通区/密码.xlsx", "SYMLINK"), ("大通区/坏链接.xlsx", "SYMLINK"),
                                    ("大通区/管道.xlsx", "NOT_A_FILE")])
    for f in found:
        archive_file(f.path, data_dir)
    # a link swapped in after the scan, or a fifo, is refused by the open itself (O_NOFOLLOW, fstat)
    for p in (box / "大通区" / "寿县的表.xlsx", box / "大通区" / "管道.xlsx"):
        with pytest.raises(NotARegularFile, match="is a symlink: not followed|is not a regular file"):
            archive_file(p, data_dir)
    outside_root = str(outside.resolve())
    assert not [p for p in opened if p.startswith(outside_root)]


def test_unreadable_unit_folder_is_reported_not_silently_dropped(tmp_path, monkeypatch):
    from intake import scan

    box = tmp_path / "inbox"
    drop(box, "大通区", "大通区.xlsx", valid_bytes())
    drop(box, "寿县", "寿县.xlsx", valid_bytes(county="寿县"))
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("寿县"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", scandir)
    found, skips = scan.scan_inbox(box, INTAKE, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    assert [f.unit for f in found] == ["大通区"]
    assert skips == [("寿县", "UNREADABLE_FOLDER")]


def test_files_archived_a_few_at_a_time_come_back_in_order_each_with_its_own_problem(tmp_path):
    """archive_files copies several at once: each file's (sha, path) or its own OSError, in the order
    given; the same content twice is one archive entry; an archive that cannot be written fails."""
    import hashlib

    from intake.archive import FileChangedWhileReading, archive_files
    from warehouse.faults import DataDirFault

    box, data_dir = tmp_path / "inbox", tmp_path / "data"
    box.mkdir()
    bodies = [valid_bytes(seed=i + 1) for i in range(12)]
    bodies.append(bodies[0])                                                          # the first's bytes again
    paths = []
    for i, body in enumerate(bodies):
        paths.append(box / f"{i:02d}.xlsx")
        paths[-1].write_bytes(body)
    items = [(p, None) for p in paths]
    items.insert(5, (box / "gone.xlsx", None))                                        # vanished since the scan
    st = paths[7].stat()
    items[8] = (paths[7], (st.st_size + 1, st.st_mtime_ns))                           # rewritten since the scan
    got = list(archive_files(items, data_dir))
    assert len(got) == len(items)
    assert isinstance(got[5], FileNotFoundError) and isinstance(got[8], FileChangedWhileReading)
    for (path, expected), out in zip(items, got):
        if isinstance(out, OSError):
            continue
        sha, rel = out
        assert sha == hashlib.sha256(path.read_bytes()).hexdigest() and (data_dir / rel).read_bytes() == path.read_bytes()
    assert got[0] == got[-1]                                                          # one entry for one content
    read = {hashlib.sha256(p.read_bytes()).hexdigest() for i, p in enumerate(paths) if i != 7}
    assert {p.name.split(".")[0] for p in (data_dir / "archive").rglob("*.xlsx")} == read   # each content once
    assert not list((data_dir / "archive" / "tmp").iterdir())                          # no temporary file left

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the data folder should be")
    with pytest.raises(DataDirFault):
        list(archive_files([(p, None) for p in paths[:4]], blocked))
