"""The streamed tables (publish.stream) say exactly what openpyxl's own cells said: values, types,
number formats, styles, row heights; text is never a formula. The reference is the table as it
was written before streaming: one openpyxl cell per value through layout.write_text/write_number."""
from __future__ import annotations

import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from openpyxl.styles import Alignment

from campaign.dates import ZH_DATE_FORMAT, ZH_DATETIME_FORMAT
from publish import tables as W
from publish.meta import KIND_ZH
from publish.printing import page_setup
from publish.stream import stream_sheet
from publish.layout import NUMBER_FORMAT, write_number, write_text

TZ = "Asia/Shanghai"
TEXTS = ["plain", "=HYPERLINK(\"http://x\",\"y\")", "+86 554", "-5", "@user", " padded ", "line\nbreak\n\nagain",
         "a & b <c> \"d\" 'e'", "bell\x07and\x1fcontrol", "", None, 3.0, 2.5, "淮南市某某投资咨询有限公司" * 12,
         "x" * 40000, "#N/A", "=", "tab\tin", "\u3000全角空格\u3000"]


def reference_write(cell, value, kind: str) -> None:
    """publish/workbook.py's _write before the tables were streamed."""
    value = W.none(value)
    if value is None:
        return
    if kind == "number":
        write_number(cell, float(value), NUMBER_FORMAT)
    elif kind == "int":
        write_number(cell, int(value), "0")
    elif kind == "yesno":
        write_text(cell, W.yes_no(value))
    elif kind == "list":
        write_text(cell, "、".join(str(x) for x in value))
    elif kind == "date":
        cell.value = pd.Timestamp(value).date()
        cell.number_format = ZH_DATE_FORMAT
    elif kind == "datetime":
        cell.value = pd.Timestamp(value).tz_localize("UTC").tz_convert(TZ).tz_localize(None).to_pydatetime()
        cell.number_format = ZH_DATETIME_FORMAT
    else:
        write_text(cell, value)


def reference_table(ws, title, note, cols, frame) -> None:
    """publish/workbook.py's _table before the tables were streamed."""
    write_text(ws.cell(row=1, column=1), title)
    ws.cell(row=1, column=1).font = W.TITLE_FONT
    cols, _ = W.fitted(cols, W.column_values(frame, cols, TZ))    # the columns printed, each as wide as its numbers
    top = 2
    if note:
        write_text(ws.cell(row=2, column=1), note)
        ws.cell(row=2, column=1).font = W.BODY_FONT
        ws.cell(row=2, column=1).alignment = Alignment(vertical="center", wrap_text=True)
        ws.merged_cells.add(f"A2:{get_column_letter(len(cols))}2")
        ws.row_dimensions[2].height = 13.5 * W.text_lines(note, sum(c.width for c in cols)) + 6
        top = 3
    for c, col in enumerate(cols, 1):
        cell = ws.cell(row=top, column=c)
        write_text(cell, col.header)
        cell.font, cell.fill, cell.border, cell.alignment = W.HEAD_FONT, W.HEAD_FILL, W.BORDER, W.CENTER
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.row_dimensions[top].height = max(30, 13.5 * max(W.text_lines(c.header, c.width - 1) for c in cols) + 6)
    r = top
    for row in frame.to_dict("records"):
        r += 1
        lines = 1
        for c, col in enumerate(cols, 1):
            cell = ws.cell(row=r, column=c)
            reference_write(cell, col.key(row) if callable(col.key) else row.get(col.key), col.kind)
            number = cell.value is not None and not isinstance(cell.value, str)   # numbers and dates
            cell.font, cell.border, cell.alignment = W.BODY_FONT, W.BORDER, W.NUMBER if number else W.WRAP
            if isinstance(cell.value, str):
                lines = max(lines, W.text_lines(cell.value, col.width - 2))
        ws.row_dimensions[r].height = 13.5 * min(lines, 8) + 6 if lines > 1 else 19.5
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(cols))}{max(r, top)}"
    page_setup(ws, [c.width for c in cols], f"{top}:{top}", None, title)


def tricky_frame() -> tuple[list[W.Col], pd.DataFrame]:
    n = len(TEXTS)
    numbers = [0.0, 0.1, 1500.5, -3.25, 1e20, float("inf"), float("-inf"), np.nan, 25.0, 1 / 3, 123456789.123,
               None, 7, True, 0.005, -0.0, 99999999999999.99, 2.675, 1e-7][:n]
    frame = pd.DataFrame({
        "text": pd.Series(TEXTS, dtype=object),
        "number": pd.Series(numbers, dtype=object),
        "floats": [float(x) if x is not None and not isinstance(x, bool) else np.nan for x in numbers],
        "int": pd.array([i * 3 - 7 if i % 4 else None for i in range(n)], dtype="Int64"),
        "yesno": pd.Series([True, False, None, np.nan, 1, 0] * 4, dtype=object)[:n].to_list(),
        "list": [["大通区", "寿县"], [], ("x",), None, ["=a", "b"]] * 3 + [["c"]] * (n - 15),
        "date": [dt.date(2018, 7, 21), pd.NaT, dt.date(1900, 1, 1), dt.date(2018, 12, 31)] * 4 + [None] * (n - 16),
        "datetime": pd.to_datetime(["2018-07-20 18:30:00", None, "2018-07-21 01:02:03.456789"] * 6 + ["2018-01-01"], format="ISO8601"),
        "kind": ["county", "department", "other", None] * 4 + ["county"] * (n - 16),
    })
    cols = [W.Col("文本", "text", width=30), W.Col("金额", "number", "number"), W.Col("浮点", "floats", "number"),
            W.Col("整数", "int", "int", 8), W.Col("是否", "yesno", "yesno", 6), W.Col("列表", "list", "list", 10),
            W.Col("日期", "date", "date"), W.Col("时间", "datetime", "datetime", 17),
            W.Col("类别", lambda r: KIND_ZH.get(r["kind"]), width=10), W.Col("缺列", "no_such_column")]
    return cols, frame


def saved(wb) -> openpyxl.Workbook:
    buf = io.BytesIO()
    wb.save(buf)
    return openpyxl.load_workbook(io.BytesIO(buf.getvalue()))


def look(cell):
    return (cell.value, cell.data_type, cell.number_format, cell.quotePrefix, repr(cell.font), repr(cell.border),
            repr(cell.alignment), repr(cell.fill))


def test_streamed_table_equals_openpyxl_cells():
    cols, frame = tricky_frame()
    ref = Workbook()
    reference_table(ref.active, "标题", "说明：=不是公式", cols, frame)
    fast = Workbook(write_only=True)
    W.table(stream_sheet(fast, "Sheet"), "标题", "说明：=不是公式", cols, frame, TZ)
    a, b = saved(ref).active, saved(fast).active
    assert a.max_row == b.max_row == 3 + len(frame)
    for row_a, row_b in zip(a.iter_rows(), b.iter_rows()):
        for x, y in zip(row_a, row_b):
            assert look(x) == look(y), x.coordinate
    assert {r: d.height for r, d in a.row_dimensions.items() if d.height} == \
        {r: d.height for r, d in b.row_dimensions.items() if d.height}
    assert {k: d.width for k, d in a.column_dimensions.items()} == {k: d.width for k, d in b.column_dimensions.items()}
    assert (a.freeze_panes, a.auto_filter.ref, a.print_title_rows) == (b.freeze_panes, b.auto_filter.ref, b.print_title_rows)
    formula_like = [c for row in b.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert formula_like and all(c.data_type == "s" and c.quotePrefix for c in formula_like)


def test_empty_table_and_plain_rows_after_streamed_ones():
    cols, frame = tricky_frame()
    wb = Workbook(write_only=True)
    ws = stream_sheet(wb, "Sheet")
    assert W.table(ws, "空", None, cols, frame.iloc[0:0], TZ) == 2
    ws.append(["after"])
    sheet = saved(wb).active
    assert [c.value for c in sheet[1]][:1] == ["空"] and sheet["A3"].value == "after"
    assert sheet.auto_filter.ref == "A2:J2"


def test_characters_xml_cannot_carry_are_dropped_not_fatal():
    cols = [W.Col("文本", "text")]
    frame = pd.DataFrame({"text": ["a\uffffb\ud800c\x01d\ufffe", "\uffff", "windows\r\nline\rends"]})
    wb = Workbook(write_only=True)
    W.table(stream_sheet(wb, "Sheet"), "t", None, cols, frame, TZ)
    sheet = saved(wb).active
    assert (sheet["A3"].value, sheet["A4"].value) == ("abcd", None)
    assert sheet["A5"].value == "windows\nline\nends"            # as openpyxl itself writes a CR


def test_replayed_form_equals_the_drawn_sheet_saved_by_openpyxl():
    """publish.workbook._replay (rows rendered by stream.copied_cell) writes what openpyxl writes of
    the drawn sheet itself: every value and type (text never a formula), style, merge, height, width
    and the print area; a formula or a date goes through openpyxl's own cells; a second replay (the
    upward report's forms into the working workbook) reuses the rows only where the style ids agree."""
    from openpyxl.styles import Font, PatternFill

    from publish.workbook import _replay

    ref = Workbook()
    ws = ref.active
    ws.title = "附件2 重点风险线索"
    for r, text in enumerate(TEXTS, 1):
        write_text(ws.cell(row=r, column=1), text)
        write_number(ws.cell(row=r, column=2), [1, 2.5, -0.0, 1e-7, 123456.78, "12.5万", None][r % 7])
        ws.cell(row=r, column=3).border = W.BORDER                 # styled, empty
        ws.row_dimensions[r].height = 13.5 + r
    write_text(ws.cell(row=len(TEXTS) + 1, column=1), "windows\r\nline\rends")   # a CR read back as a CR
    ws["D1"], ws["D2"], ws["D3"] = True, "=SUM(B1:B3)", dt.date(2018, 7, 20)   # a bool; openpyxl's own cells
    ws["E4"].font, ws["E4"].fill = Font(name="黑体", bold=True), PatternFill("solid", fgColor="DDEBF7")
    ws["E4"] = "合计"
    ws.merge_cells("E4:F6")
    ws.column_dimensions["A"].width = 30
    ws.print_area = f"A1:F{len(TEXTS)}"
    expected = saved(ref)
    fast = Workbook(write_only=True)
    _replay(ws, stream_sheet(fast, ws.title), as_drawn=True)
    other = Workbook(write_only=True)
    stream_sheet(other, "先").append([W.text_cell(other.worksheets[0], "另一种样式", Font(name="楷体"))])
    _replay(ws, stream_sheet(other, ws.title))                    # replayed again, into another workbook
    fast, other = saved(fast)[ws.title], saved(other)[ws.title]     # a write-only workbook saves once
    for got in (fast, other):
        want = expected[ws.title]
        assert (got.max_row, got.max_column) == (want.max_row, want.max_column)
        for row_a, row_b in zip(want.iter_rows(), got.iter_rows()):
            for x, y in zip(row_a, row_b):
                assert look(x) == look(y), x.coordinate
        assert sorted(map(str, got.merged_cells.ranges)) == ["E4:F6"]
        assert {r: d.height for r, d in got.row_dimensions.items() if d.height} == \
            {r: d.height for r, d in want.row_dimensions.items() if d.height}
        assert got.column_dimensions["A"].width == 30
    assert fast.print_area == expected[ws.title].print_area
    assert expected[ws.title]["A2"].quotePrefix and expected[ws.title]["A2"].data_type == "s"
