"""Print set-up of every published sheet: A4 landscape at a scale a clerk can read.

Fitting a wide sheet onto one page width shrinks its 10 pt text below what prints legibly;
instead each sheet gets an explicit scale computed from its column widths, never below
MIN_SCALE (10 pt body text x 80 % = 8 pt on paper), and its columns are chosen so that they fit
at that scale (analyst-only columns left out, long fingerprints shortened). The footer numbers
the pages ("第 1 页 共 3 页") and carries the data date; header rows repeat on every page."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from campaign.dates import zh_date

MIN_SCALE = 80                  # percent: 10 pt text prints at 8 pt
PAGE_FOOTER = "第 &P 页 共 &N 页"
# A4 landscape, 0.5" side margins: 29.7 cm - 2.54 cm = 770 pt of printable width
_PRINTABLE_PT = 842 - 72
_PRINTABLE_HEIGHT_PT = 595 - 2 * 0.6 * 72 - 2 * 0.3 * 72   # top/bottom 0.6", header/footer space


def column_points(width: float) -> float:
    """Printed width (points, at 100 %) of a column `width` characters wide: ~5.65 pt a
    character, as measured on LibreOffice's PDF of our sheets (Excel's 7 px + 5 px padding at
    96 dpi is a little narrower)."""
    return 5.65 * width


def fit_scale(widths: Iterable[float]) -> int:
    """The largest scale (≤ 100 %) at which the columns fit one page width."""
    total = sum(column_points(w) for w in widths) or 1.0
    return int(min(100, _PRINTABLE_PT * 100 // total))


def page_setup(ws, widths: Iterable[float], title_rows: str | None, data_date: dt.date | None,
               label: str = "") -> int:
    """A4 landscape, explicit scale, repeated header rows, numbered pages. Returns the scale."""
    # a sheet too wide even at MIN_SCALE prints its last columns on further pages rather than
    # shrinking below legible (tests/test_publish_official.py keeps every sheet of ours within it)
    scale = max(MIN_SCALE, fit_scale(widths))
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.scale = scale
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = None
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = PAGE_FOOTER
    ws.oddFooter.center.size = 9
    if data_date is not None:
        ws.oddFooter.right.text = f"数据日期：{zh_date(data_date)}"
        ws.oddFooter.right.size = 9
    if label:
        ws.oddFooter.left.text = label.replace("&", "&&")
        ws.oddFooter.left.size = 9
    return scale


def printable_height(scale: int) -> float:
    """Points of sheet height one printed page holds at `scale` percent."""
    return _PRINTABLE_HEIGHT_PT * 100 / scale


def paginate(ws, first: int, last: int, scale: int, repeated: float, keep: list[tuple[int, int]],
             first_page_used: float = 0.0) -> list[int]:
    """Manual page breaks for rows first..last (their heights set): a block in `keep` (a
    section, the footer with the notes) starts a new page when it would not fit on the current
    one but fits on a page of its own; other rows break where the page is full. `repeated`: the
    print-title rows' height on every page after the first. Returns the rows a page starts at."""
    page = printable_height(scale) * 0.96           # a little slack: applications round heights
    starts = {a: b for a, b in keep}
    height = {r: ws.row_dimensions[r].height or 15.0 for r in range(first, last + 1)}
    used, breaks = first_page_used, []
    for r in range(first, last + 1):
        block = sum(height[x] for x in range(r, starts[r] + 1)) if r in starts else height[r]
        if used + block > page and used > repeated and block <= page - repeated:
            breaks.append(r)
            used = repeated
        elif used + height[r] > page and used > repeated:
            breaks.append(r)
            used = repeated
        used += height[r]
    for r in breaks:
        break_before(ws, r)
    return breaks


def break_before(ws, row: int) -> None:
    """A manual page break above `row` (1-based): the section starting there begins a page."""
    if ws.row_breaks is None:
        ws.row_breaks = RowBreak()
    ws.row_breaks.append(Break(id=row - 1))
