"""The container check's cheaper paths (transforms/grid.py) refuse and find exactly what they did.

The sheet list is read with expat directly (it was defusedxml's pure-Python tree); cells are
counted and their r attributes found by single regex passes. Files are written by xlsxwriter as a
client writes them, then edited by zip surgery where a hostile or odd file is needed."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.client_writers import xlsxwriter_bytes
from tests.test_reliability_support import rewrite_zip
from transforms.grid import _count_cells, _CELL_REF, workbook_scan
from transforms.sheet import WorkbookError

LIMIT = 10_000_000
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.fixture(scope="module")
def book() -> bytes:
    return xlsxwriter_bytes({"附件1": ([["标题"], [None, 1, 2]], []), "草稿": ([["x", None, 3]], [])})


def _strip_decl(xml: bytes) -> bytes:
    return re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)


def test_sheets_are_keyed_by_their_names(book):
    kind, scans = workbook_scan(book, LIMIT)
    assert kind == "xlsx" and list(scans) == ["附件1", "草稿"]
    assert [(s.max_row, s.max_col) for s in scans.values()] == [(1, 2), (0, 2)]


def test_dtd_in_the_workbook_relationships_is_refused_before_any_member_is_read(book):
    data = rewrite_zip(book, {"xl/_rels/workbook.xml.rels": lambda x: XXE + _strip_decl(x)})
    with pytest.raises(WorkbookError) as exc:
        workbook_scan(data, LIMIT)
    assert exc.value.issue.rule == "XML_ENTITIES" and exc.value.issue.value == "xl/workbook.xml"


def test_dtd_in_a_utf16_workbook_xml_is_refused(book):
    """No byte pattern sees '<!DOCTYPE' in UTF-16: the parser itself refuses the declaration."""
    def utf16(xml: bytes) -> bytes:
        text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + _strip_decl(xml).decode()
        return text.encode("utf-16")
    data = rewrite_zip(book, {"xl/workbook.xml": utf16})
    with pytest.raises(WorkbookError) as exc:
        workbook_scan(data, LIMIT)
    assert exc.value.issue.rule == "XML_ENTITIES" and exc.value.issue.value == "xl/workbook.xml"


def test_a_prefixed_workbook_xml_still_names_the_sheets(book):
    """Some writers prefix the spreadsheetml namespace (x:workbook, x:sheet): names are compared locally."""
    def prefixed(xml: bytes) -> bytes:
        xml = xml.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                          b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
        return re.sub(rb"<(/?)(?!\?)(\w+)([ />])", rb"<\1x:\2\3", xml)
    data = rewrite_zip(book, {"xl/workbook.xml": prefixed})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert b"<x:sheet " in zf.read("xl/workbook.xml")
    assert list(workbook_scan(data, LIMIT)[1]) == ["附件1", "草稿"]


def test_a_malformed_sheet_list_falls_back_to_scanning_every_xml_part(book):
    data = rewrite_zip(book, {"xl/workbook.xml": lambda x: x.replace(b"</workbook>", b"")})
    keys = set(workbook_scan(data, LIMIT)[1])
    assert {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/styles.xml"} <= keys and "附件1" not in keys


def test_cells_and_references_are_found_whatever_the_whitespace():
    """<c followed by a space, tab, newline, CR, '>' or '/'; r = 'B7' with spaces and single quotes."""
    xml = (b"<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c><c\tr = 'B7' ><v>2</v></c>"
           b"<c\nr=\"C3\"/><c\r\n r=' D2 '><v>3</v></c><col r=\"Z9\"/><cfRule/><c><v>4</v></c></row></sheetData>")
    assert _count_cells(xml) == 5
    assert _CELL_REF.findall(xml) == [(b"A", b"1"), (b"B", b"7"), (b"C", b"3"), (b"D", b"2"), (b"Z", b"9")]
    assert _CELL_REF.findall(b'<c r="A1"/><c xr="B2"/><c\tr="C3"/>') == [(b"A", b"1"), (b"C", b"3")]


def test_a_far_value_after_tabs_is_still_too_large(book):
    """The extent check's fast path reads r attributes however they are spaced."""
    def far(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b"<row r=\"1048576\"><c\tr = 'XFD1048576'\tt=\"n\"><v>1</v></c></row></sheetData>")
    data = rewrite_zip(book, {"xl/worksheets/sheet2.xml": far})
    with pytest.raises(WorkbookError) as exc:
        workbook_scan(data, LIMIT)
    assert (exc.value.issue.rule, exc.value.issue.sheet, exc.value.issue.cell) == ("SHEET_TOO_LARGE", "草稿", "XFD1048576")
