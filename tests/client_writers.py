"""Write the test grids (tests/builders.py) the way other clients do: xlsxwriter (formulas saved
with a cached value of 0, its default), xlwt (a real BIFF8 .xls) and odfpy (a real .ods).

A grid is (cells, merged) as the builders return it; `formulas` maps (row, col) to a formula
text ('=SUM(D5:D18)') written instead of the value at that cell."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from transforms.sheet import cell_ref

Grid = tuple[list[list], list]


def _plain(v):
    return float(v) if isinstance(v, Decimal) else v


def total_formulas(cells: list[list], first_col: int, last_col: int, first_data_row: int) -> dict[tuple[int, int], str]:
    """=SUM(...) for every numeric cell of each 合计 row over the rows since the previous 合计
    (a client that writes its totals as formulas)."""
    out, start = {}, first_data_row
    for r, row in enumerate(cells):
        if r < first_data_row:
            continue
        if any(v == "合计" for v in row[:first_col]):
            for c in range(first_col, last_col + 1):
                if c < len(row) and isinstance(row[c], (int, float, Decimal)) and not isinstance(row[c], bool):
                    out[(r, c)] = f"=SUM({cell_ref(start, c)}:{cell_ref(r - 1, c)})"
            start = r + 1
    return out


def xlsxwriter_bytes(sheets: dict[str, Grid], formulas: dict[str, dict[tuple[int, int], str]] | None = None,
                     values: dict[str, dict[tuple[int, int], float]] | None = None) -> bytes:
    """An .xlsx written by xlsxwriter. A formula's cached value is 0 (xlsxwriter's default) unless
    `values` gives one."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, (cells, merged) in sheets.items():
        ws = wb.add_worksheet(name)
        fs = (formulas or {}).get(name, {})
        vs = (values or {}).get(name, {})
        covered = set()
        for r0, c0, r1, c1 in merged:
            if (r0, c0) != (r1, c1):
                v = cells[r0][c0] if r0 < len(cells) and c0 < len(cells[r0]) else None
                ws.merge_range(r0, c0, r1, c1, None)
                if v is not None:
                    _xw_write(ws, r0, c0, v, date_fmt)
                covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
        for r, row in enumerate(cells):
            for c, v in enumerate(row):
                if (r, c) in covered:
                    continue
                if (r, c) in fs:
                    ws.write_formula(r, c, fs[(r, c)], None, vs.get((r, c), 0))
                elif v is not None and v != "":
                    _xw_write(ws, r, c, v, date_fmt)
    wb.close()
    return buf.getvalue()


def _xw_write(ws, r, c, v, date_fmt):
    if isinstance(v, str):
        ws.write_string(r, c, v)
    elif isinstance(v, (dt.date, dt.datetime)):
        ws.write_datetime(r, c, v if isinstance(v, dt.datetime) else dt.datetime.combine(v, dt.time()), date_fmt)
    else:
        ws.write_number(r, c, _plain(v))


def xls_bytes(sheets: dict[str, Grid], hidden_rows: dict[str, list[int]] | None = None,
              values: dict[str, dict[tuple[int, int], object]] | None = None) -> bytes:
    """A real BIFF8 .xls written by xlwt (what older Excel / WPS save), merges applied."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, (cells, merged) in sheets.items():
        ws = wb.add_sheet(name, cell_overwrite_ok=True)
        vs = (values or {}).get(name, {})
        covered = set()
        for r0, c0, r1, c1 in merged:
            if (r0, c0) != (r1, c1):
                v = cells[r0][c0] if r0 < len(cells) and c0 < len(cells[r0]) else None
                ws.write_merge(r0, r1, c0, c1, _plain(v) if v is not None else "")
                covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(cells):
            for c, v in enumerate(row):
                v = vs.get((r, c), v)
                if (r, c) in covered or v is None or v == "":
                    continue
                if isinstance(v, (dt.date, dt.datetime)):
                    ws.write(r, c, v, date_style)
                else:
                    ws.write(r, c, _plain(v))
        for (r, c), v in vs.items():          # values outside the grid (a stray cell far away)
            if r >= len(cells) or c >= len(cells[r]):
                ws.write(r, c, _plain(v))
        for r in (hidden_rows or {}).get(name, []):
            ws.row(r).hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ods_bytes(sheets: dict[str, Grid], formulas: dict[str, dict[tuple[int, int], str]] | None = None,
              cached: dict[str, dict[tuple[int, int], float]] | None = None,
              hidden_rows: dict[str, list[int]] | None = None) -> bytes:
    """A real .ods written by odfpy: merged ranges as spans over covered cells; formulas in
    OpenFormula (of:=SUM([.D5:.D18])) with the cached value given (0 by default)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableRowProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    hidden_style = Style(name="hiddenrow", family="table-row")
    hidden_style.addElement(TableRowProperties())
    doc.automaticstyles.addElement(hidden_style)
    for name, (cells, merged) in sheets.items():
        fs = (formulas or {}).get(name, {})
        cs = (cached or {}).get(name, {})
        hidden = set((hidden_rows or {}).get(name, []))
        spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merged if (r0, c0) != (r1, c1)}
        covered = {(r, c) for r0, c0, r1, c1 in merged for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - set(spans)
        table = Table(name=name)
        width = max((len(row) for row in cells), default=0)
        for r, row in enumerate(cells):
            tr = TableRow(visibility="collapse") if r in hidden else TableRow()
            for c in range(width):
                v = row[c] if c < len(row) else None
                if (r, c) in covered:
                    tr.addElement(CoveredTableCell())
                    continue
                kw = {}
                if (r, c) in spans:
                    kw = {"numberrowsspanned": spans[(r, c)][0], "numbercolumnsspanned": spans[(r, c)][1]}
                if (r, c) in fs:
                    value = cs.get((r, c), 0)
                    cell = TableCell(valuetype="float", value=value, formula="of:" + _odf(fs[(r, c)]), **kw)
                    cell.addElement(P(text=str(value)))
                elif v is None or v == "":
                    cell = TableCell(**kw)
                elif isinstance(v, str):
                    cell = TableCell(valuetype="string", **kw)
                    for line in v.split("\n"):
                        cell.addElement(P(text=line))
                elif isinstance(v, (dt.date, dt.datetime)):
                    cell = TableCell(valuetype="date", datevalue=v.isoformat(), **kw)
                    cell.addElement(P(text=v.isoformat()))
                else:
                    cell = TableCell(valuetype="float", value=_plain(v), **kw)
                    cell.addElement(P(text=str(_plain(v))))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def _odf(formula: str) -> str:
    """'=SUM(D5:D18)+E3' -> '=SUM([.D5:.D18])+[.E3]' (OpenFormula references)."""
    import re
    text = re.sub(r"\b([A-Z]{1,3}\d+):([A-Z]{1,3}\d+)\b", r"[.\1:.\2]", formula)
    return re.sub(r"(?<![.\w])([A-Z]{1,3}\d+)(?![\w\]:])", r"[.\1]", text)
