"""publish.copy_save saves a workbook as openpyxl's own save does — every zip entry the same name,
order, attributes, compression, size, CRC and bytes; only the clock's dates may differ — its
worksheets written in memory (it replaces an openpyxl internal: this pins it to the pinned
openpyxl), on client workbooks loaded, marked and given a 问题清单 as a marked copy is."""
from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from publish.copy_load import load_xlsx
from publish.copy_save import save_xlsx
from tests.test_copy_load import client_files


def entries(data: bytes) -> list:
    """Each entry as the zip holds it (its date aside), in order, with its compressed bytes as stored."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            packed = (info.compress_size, info.CRC, stored(data, info))
            body = z.read(info)
            if info.filename == "docProps/core.xml":        # dated by the clock (the save; the load if none)
                body, packed = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", body), None
            out.append((info.filename, info.external_attr, info.create_system, info.flag_bits, info.compress_type,
                        info.file_size, packed, body))
    return out


def stored(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The entry's compressed bytes (after its local header: 30 bytes, its name and its extra field)."""
    at = info.header_offset
    start = at + 30 + int.from_bytes(data[at + 26:at + 28], "little") + int.from_bytes(data[at + 28:at + 30], "little")
    return data[start:start + info.compress_size]


def theirs(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def marked(data: bytes):
    """The workbook as a marked copy leaves it: a cell filled and commented on each sheet, a sheet added."""
    wb = load_xlsx(data)
    for ws in wb.worksheets:
        cell = ws.cell(row=3, column=2)
        if not isinstance(cell, openpyxl.cell.cell.MergedCell):
            cell.fill = PatternFill("solid", fgColor="FFC7CE")
            cell.comment = Comment("错误：金额不能为负数", "市处非办")
    wb.create_sheet("问题清单", 0)["A1"] = "文件：有错"
    return wb


@pytest.mark.parametrize("name,data", client_files(), ids=lambda v: v if isinstance(v, str) else "")
def test_saved_as_openpyxl_saves_it(name, data):
    mine = save_xlsx(marked(data))     # a workbook saved once (a save sets what a second save writes)
    assert entries(mine) == entries(theirs(marked(data))), name
    assert any(n.startswith("xl/worksheets/sheet") for n, *_ in entries(mine)), name


def test_a_workbook_built_here_and_read_back():
    """A workbook openpyxl builds (the grid fallback of a marked copy) saves the same way and opens."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "单位"
    wb.create_sheet("附件2").append(["甲公司", 12.5, "=SUM(B1:B1)"])
    mine = save_xlsx(wb)
    assert entries(mine) == entries(theirs(wb))
    back = openpyxl.load_workbook(io.BytesIO(mine))
    assert back["附件2"]["C1"].value == "=SUM(B1:B1)" and back.active["A1"].value == "单位"
