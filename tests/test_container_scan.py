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


# --------------------------------------------------------------------------------------
# members inflated from the bytes (small and sound) or by zipfile (large, odd or corrupt)

def _recompressed(data: bytes, compression: int, data_descriptor: bool = False) -> bytes:
    """The same members written again with another compression (or streamed: sizes after the data)."""
    out = io.BytesIO()
    target = _Unseekable(out) if data_descriptor else out
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(target, "w", compression) as zout:
        for info in zin.infolist():
            with zout.open(info.filename, "w") as fh:
                fh.write(zin.read(info))
    return out.getvalue()


class _Unseekable(io.RawIOBase):
    """A pipe-like sink: zipfile then writes each member's sizes in a data descriptor (flag 0x08)."""
    def __init__(self, sink):
        self.sink = sink

    def writable(self):
        return True

    def write(self, b):
        return self.sink.write(b)

    def seekable(self):
        return False


@pytest.mark.parametrize("how", ["stored", "bzip2", "lzma", "streamed"])
def test_every_compression_is_scanned_alike(book, how):
    data = {"stored": lambda: _recompressed(book, zipfile.ZIP_STORED),
            "bzip2": lambda: _recompressed(book, zipfile.ZIP_BZIP2),
            "lzma": lambda: _recompressed(book, zipfile.ZIP_LZMA),
            "streamed": lambda: _recompressed(book, zipfile.ZIP_DEFLATED, data_descriptor=True)}[how]()
    if how == "streamed":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert all(i.flag_bits & 0x08 for i in zf.infolist())
    want = workbook_scan(book, LIMIT)[1]
    got = workbook_scan(data, LIMIT)[1]
    assert {k: (s.max_row, s.max_col) for k, s in got.items()} == {k: (s.max_row, s.max_col) for k, s in want.items()}


def test_a_corrupt_non_xml_member_is_named(book):
    """A picture is neither XML nor a sheet, yet it is inflated to its end: its CRC is checked."""
    data = rewrite_zip(book, {}, add={"xl/media/image1.png": bytes(range(256)) * 64})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("xl/media/image1.png")
    raw = bytearray(data)
    raw[info.header_offset + 30 + len(info.filename) + len(info.extra) + 20] ^= 0x5A
    with pytest.raises(WorkbookError) as exc:
        workbook_scan(bytes(raw), LIMIT)
    assert exc.value.issue.rule == "UNREADABLE_FILE" and "xl/media/image1.png" in exc.value.issue.message


def test_a_non_xml_member_counts_towards_the_inflated_limit(book):
    picture = bytes(range(256)) * 4096          # 1 MiB that deflates to a few KB
    data = rewrite_zip(book, {}, add={"xl/media/image1.png": picture})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        total = sum(i.file_size for i in zf.infolist())
    workbook_scan(data, total)
    with pytest.raises(WorkbookError) as exc:
        workbook_scan(data, total - 1)
    assert exc.value.issue.rule == "FILE_TOO_LARGE" and exc.value.issue.value == str(total)


def _understated(data: bytes, member: str, size: int) -> bytes:
    """The central directory says `member` inflates to `size` bytes (it inflates to more)."""
    raw = bytearray(data)
    i = raw.rfind(b"PK\x01\x02")
    while i >= 0:
        n = int.from_bytes(raw[i + 28:i + 30], "little")
        if bytes(raw[i + 46:i + 46 + n]) == member.encode():
            raw[i + 24:i + 28] = size.to_bytes(4, "little")
            return bytes(raw)
        i = raw.rfind(b"PK\x01\x02", 0, i)
    raise AssertionError(member)


def test_a_sheet_list_understating_its_size_is_not_inflated_whole(book):
    """workbook.xml padded to 60 MB that says 200 bytes: read up to its declared size, refused as corrupt."""
    import tracemalloc

    padded = rewrite_zip(book, {"xl/workbook.xml": lambda x: x.replace(b"</workbook>", b" " * 60_000_000 + b"</workbook>")})
    data = _understated(padded, "xl/workbook.xml", 200)
    tracemalloc.start()
    try:
        with pytest.raises(WorkbookError) as exc:
            workbook_scan(data, LIMIT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert exc.value.issue.rule == "UNREADABLE_FILE" and "xl/workbook.xml" in exc.value.issue.message
    assert peak < 20_000_000
