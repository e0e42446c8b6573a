"""publish.copy_load binds merged cells the way openpyxl's own load does (it replaces an openpyxl
internal: this pins it to the pinned openpyxl) — the same cells, the same style lists in the same
order, the same saved workbook — on workbooks written as clients write them."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from publish.copy_load import load_xlsx
from tests.builders import company, form1_grid, form1_values, form2_grid, form3_grid, workbook_bytes
from tests.client_writers import xlsxwriter_bytes
from tests.helpers import SHARED_FIXTURES


def state(wb) -> list:
    """Everything the merged-cell binding touches: each cell's kind, style ids and value, the
    ranges, and the workbook's style lists (whose order the saved styles follow)."""
    out = [wb.sheetnames, list(wb._borders), list(wb._protections), list(wb._fonts), list(wb._fills),
           list(wb._alignments), list(wb._cell_styles)]
    for ws in wb.worksheets:
        out.append(sorted((str(r), list(vars(r)), r.title, r.start_cell.coordinate, type(r.start_cell).__name__)
                          for r in ws.merged_cells.ranges))
        out.append({k: (type(c).__name__, None if c._style is None else tuple(c._style), c.value)
                    for k, c in sorted(ws._cells.items())})
    return out


def saved(wb) -> dict:
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}   # core.xml: the save's time


def bordered_merges() -> bytes:
    """xlsxwriter merges with every kind of border a clerk draws: all round, only some sides, a
    bottom-right cell drawn otherwise than the top-left or alone, unlocked cells, a single row and column,
    a range with no format at all, two ranges sharing formats (the steps openpyxl repeats)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("附件1")
    box = wb.add_format({"border": 1})
    thick_top = wb.add_format({"top": 2, "left": 1, "bold": True})
    corner = wb.add_format({"right": 5, "bottom": 6, "diag_type": 1, "diag_border": 1})
    unlocked = wb.add_format({"border": 2, "locked": False, "bg_color": "#DDEEFF"})
    ws.merge_range("A1:F1", "标题", thick_top)
    ws.merge_range("A2:A5", "竖", box)
    ws.merge_range("B2:D4", 12.5, box)
    ws.write_blank("D4", None, corner)                       # the bottom-right drawn otherwise
    ws.merge_range("E2:F3", "未锁", unlocked)
    ws.merge_range("B6:F6", None, box)
    ws.merge_range("B8:C9", "", wb.add_format({}))
    ws.write_blank("C9", None, corner)                       # only the bottom-right drawn
    ws.merge_range("E8:F9", "同上", box)                     # the same steps again
    ws.merge_range("A11:C11", "角", corner)
    ws2 = wb.add_worksheet("附件2")
    ws2.merge_range("A1:C2", "另一表", box)
    ws2.merge_range("D1:D3", "部分", thick_top)
    wb.close()
    return buf.getvalue()


def client_files() -> list[tuple[str, bytes]]:
    grids = {"附件1": form1_grid(form1_values(seed=3), totals={"重点领域": {"amount": 1}}),
             "附件2": form2_grid([company("甲公司"), company("乙公司", amount="-5.00")]),
             "附件3": form3_grid("凤台县")}
    files = [("xlsxwriter borders", bordered_merges()), ("openpyxl forms", workbook_bytes(grids)),
             ("xlsxwriter forms", xlsxwriter_bytes(grids))]
    for p in sorted((SHARED_FIXTURES / "inbox").rglob("*.xlsx")):
        data = p.read_bytes()
        try:                               # the fixtures' broken files (no zip, cut short) are not loaded
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                z.getinfo("xl/workbook.xml")
        except (zipfile.BadZipFile, KeyError):
            continue
        files.append((p.name, data))
    return files


@pytest.mark.parametrize("name,data", client_files(), ids=lambda v: v if isinstance(v, str) else "")
def test_merged_cells_bound_as_openpyxl_binds_them(name, data):
    theirs = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False)
    ours = load_xlsx(data)
    assert any(ws.merged_cells.ranges for ws in ours.worksheets), name
    assert state(ours) == state(theirs), name
    assert saved(ours) == saved(theirs), name


def test_the_reader_is_swapped_back():
    from openpyxl.reader import excel, strings
    from openpyxl.worksheet import _reader

    theirs = (excel.WorksheetReader, _reader.iterparse, strings.iterparse, _reader.Text, _reader.MergeCells,
              _reader.coordinate_to_tuple)

    def swapped_back():
        return all(a is b for a, b in zip(theirs, (excel.WorksheetReader, _reader.iterparse, strings.iterparse,
                                                   _reader.Text, _reader.MergeCells, _reader.coordinate_to_tuple)))

    load_xlsx(bordered_merges())
    assert swapped_back()
    with pytest.raises(zipfile.BadZipFile, match="not a zip file"):
        load_xlsx(b"not a workbook")
    assert swapped_back()
    from openpyxl.cell.text import Text
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet.merge import MergeCells
    from openpyxl.xml.functions import iterparse
    assert theirs == (_reader.WorksheetReader, iterparse, iterparse, Text, MergeCells, coordinate_to_tuple)


def _with_sheet1(data: bytes, change) -> bytes:
    """The workbook with xl/worksheets/sheet1.xml replaced by change(its bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, change(body) if info.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


@pytest.mark.parametrize("name,data", client_files()[:3], ids=lambda v: v if isinstance(v, str) else "")
def test_parts_are_parsed_into_the_same_events(name, data):
    """copy_load.iterparse (the C parser for a plain part) yields what openpyxl's own iterparse
    yields: the same tags, attributes, text and tails, worksheets and shared strings alike."""
    from openpyxl.xml.functions import iterparse as theirs

    from publish.copy_load import _plain, iterparse

    def events(parse, body):
        return [(event, el.tag, dict(el.attrib), el.text, el.tail) for event, el in parse(io.BytesIO(body))]

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet") or n == "xl/sharedStrings.xml"]
        assert any(n.startswith("xl/worksheets/") for n in parts), name
        for part in parts:
            body = z.read(part)
            assert _plain(body), part
            assert events(iterparse, body) == events(theirs, body), part


def test_a_part_with_a_doctype_is_refused_as_openpyxl_refuses_it():
    """An entity declared under a DOCTYPE (a 'billion laughs' sheet) goes through defusedxml and is
    refused; a UTF-16 part (where a DOCTYPE could hide from a byte search) is parsed by defusedxml too."""
    from defusedxml import EntitiesForbidden

    from publish.copy_load import _plain

    data = bordered_merges()
    laughs = _with_sheet1(data, lambda b: b.replace(
        b"?>", b'?><!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>', 1))
    for load in (lambda: openpyxl.load_workbook(io.BytesIO(laughs)), lambda: load_xlsx(laughs)):
        with pytest.raises(ValueError, match="could not read worksheets") as refused:   # openpyxl's wrapper
            load()
        assert isinstance(refused.value.__cause__, EntitiesForbidden)
    utf16 = _with_sheet1(data, lambda b: b.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
                         .encode("utf-16"))
    with zipfile.ZipFile(io.BytesIO(utf16)) as z:
        assert not _plain(z.read("xl/worksheets/sheet1.xml"))
    assert state(load_xlsx(utf16)) == state(openpyxl.load_workbook(io.BytesIO(utf16)))
    assert not _plain(b'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet/>')
    assert _plain(b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?><worksheet/>')


INLINE_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>凤台县甲公司</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t/></is></c>'
    '<c r="C1" t="inlineStr"><is><t xml:space="preserve">  两端有空格 </t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><r><rPr><b/></rPr><t>粗</t></r><r><t>体</t></r></is></c>'
    '<c r="B2" t="inlineStr"><is><t>寿县</t><rPh sb="0" eb="1"><t>しょう</t></rPh></is></c>'
    '<c r="C2" t="inlineStr"><is><t>前</t><r><t>后</t></r></is></c></row>'
    '<row r="3"><c r="A3" t="inlineStr"/><c r="B3" t="inlineStr"><is/></c>'
    '<c r="C3" t="inlineStr"><f>1+1</f><is><t>2</t></is></c>'
    '<c r="D3" t="inlineStr" s="1"><is><t>=SUM(A1:A2)</t></is></c></row>'
    '</sheetData><mergeCells count="1"><mergeCell ref="E1:F2"/></mergeCells></worksheet>').encode()


def test_inline_strings_read_as_openpyxl_reads_them():
    """Every form of <is> a client writes (plain, empty, spaces kept, rich runs, phonetic text, a
    formula beside it) gives the cell openpyxl's own load gives; the plain ones by the short path."""
    from openpyxl.cell.text import Text
    from openpyxl.worksheet import _reader

    from publish import copy_load

    data = _with_sheet1(bordered_merges(), lambda _: INLINE_SHEET)
    theirs = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False)
    ours = load_xlsx(data)
    assert state(ours) == state(theirs)
    assert saved(ours) == saved(theirs)
    sheet = ours.worksheets[0]
    assert [sheet[c].value for c in ("A1", "B1", "C1", "A2", "B2", "C2")] == \
        ["凤台县甲公司", "", "  两端有空格 ", "粗体", "寿县", "前后"]
    assert _reader.Text is Text                      # swapped back
    from xml.etree import ElementTree
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    for body in ('<is xmlns="{0}"><t>a</t></is>', '<is xmlns="{0}"><t/></is>',
                 '<is xmlns="{0}"><t>a<b/>c</t></is>'):
        node = ElementTree.fromstring(body.format(ns))
        assert copy_load._InlineText.from_tree(node).content == Text.from_tree(node).content


@pytest.mark.parametrize("merges", [
    '<mergeCell ref="E1:F2"/><mergeCell ref="A5:C5"/><mergeCell ref="H3:H9"/>',     # the plain form
    '<mergeCell ref="$E$1:$F$2"/><mergeCell ref="A5:C5"/>',                          # absolute
    '<mergeCell ref="e1:f2"/>', '<mergeCell ref="E1"/>', '<mergeCell ref="E1:F2" extra="1"/>',
    '<mergeCell ref="A5:C5"/><x:other xmlns:x="urn:x"/>', '',
])
def test_merge_lists_read_as_openpyxl_reads_them(merges):
    """Plain and other <mergeCells> bind the same merged cells as openpyxl's own load."""
    sheet = INLINE_SHEET.replace(b'<mergeCells count="1"><mergeCell ref="E1:F2"/></mergeCells>',
                                 f"<mergeCells>{merges}</mergeCells>".encode())
    data = _with_sheet1(bordered_merges(), lambda _: sheet)
    try:
        theirs = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False)
    except Exception as exc:           # what openpyxl refuses is refused the same way
        with pytest.raises(type(exc)):
            load_xlsx(data)
        return
    ours = load_xlsx(data)
    assert state(ours) == state(theirs)
    assert saved(ours) == saved(theirs)
    if merges.startswith('<mergeCell ref="E1:F2"/>'):       # the plain form takes the short path
        from xml.etree import ElementTree

        from publish.copy_load import _MergeList
        node = ElementTree.fromstring(sheet).find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCells")
        assert [tuple(b) for b in _MergeList.from_tree(node).mergeCell] == [(5, 1, 6, 2), (1, 5, 3, 5), (8, 3, 8, 9)]


@pytest.mark.parametrize("ref", ["C2:A1", "A1:B1048577", "A2:A1"])
def test_a_bad_merged_range_is_refused_as_openpyxl_refuses_it(ref):
    from openpyxl.worksheet import _reader
    from openpyxl.worksheet.merge import MergeCells

    sheet = INLINE_SHEET.replace(b'ref="E1:F2"', f'ref="{ref}"'.encode())
    data = _with_sheet1(bordered_merges(), lambda _: sheet)
    with pytest.raises(ValueError) as theirs:
        openpyxl.load_workbook(io.BytesIO(data))
    with pytest.raises(ValueError) as ours:
        load_xlsx(data)
    assert str(ours.value) == str(theirs.value) and type(ours.value.__cause__) is type(theirs.value.__cause__)
    assert _reader.MergeCells is MergeCells            # swapped back
