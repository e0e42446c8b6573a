"""Print set-up of every published sheet: A4 landscape, one page wide, at a scale a clerk can read.

Every sheet prints one page wide (fitToWidth): a column's printed width depends on the font the
application has (a column 10 characters wide is ~55 pt in Excel with Calibri, ~71 pt in
LibreOffice where Calibri falls back to DejaVu Sans), and a fixed scale spilled the last columns
onto pages of their own under a wider font. Legibility comes from the columns instead: they are
chosen so that the sheet fits at MIN_SCALE or more under Excel's metric (10 pt body text x 80 %
= 8 pt on paper; analyst-only columns left out, long fingerprints shortened); `scale` records
that figure. The footer numbers the pages ("第 1 页 共 3 页") and carries the data date; header
rows repeat on every page. The official forms (form_setup) also plan their page breaks."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from campaign.dates import zh_date

MIN_SCALE = 80                  # percent: 10 pt text prints at 8 pt
PAGE_FOOTER = "第 &P 页 共 &N 页"
# an official form counts its own pages: &N is the whole print job's in LibreOffice (and Excel printing
# the whole workbook), "第 1 页 共 13 页" on a 4-page 附件1; the form's breaks are planned (plan_breaks),
# so its page count is known
FORM_PAGE_FOOTER = "第 &P 页 共 {pages} 页"
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
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0      # one page wide, as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
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


def form_setup(ws, widths: Iterable[float], title_rows: str, label: str, last_row: int) -> int:
    """An official form prints like the paper one: A4 landscape, one page wide whatever the font
    (fitToWidth: a font with wider digits or characters makes the columns wider in points, and a
    fixed scale then spilled the last columns onto pages of their own), header rows repeated,
    pages numbered per sheet from 1, the print area ending at the form's last note. Returns the
    highest scale an application may choose, for planning the page breaks (plan_breaks)."""
    widths = list(widths)
    page_setup(ws, widths, title_rows, None, label)
    ws.page_setup.firstPageNumber, ws.page_setup.useFirstPageNumber = 1, True   # 第 1 页 on every form
    ws.print_area = f"A1:{get_column_letter(len(widths))}{last_row}"
    return widest_scale(widths)


def narrowest_points(width: float) -> float:
    """The narrowest a column `width` characters wide prints at 100 % under a common font: Excel's
    Calibri 11 (7 px a digit + 5 px padding at 96 dpi, 0.75 pt a pixel). LibreOffice with Noto CJK
    measured 6.25 pt a character (fitToWidth chose 76 % for 附件1), DejaVu-like fonts wider still."""
    return 5.25 * width + 3.75


def widest_scale(widths: Iterable[float]) -> int:
    """The largest scale (≤ 100 %) fitToWidth may choose: the page breaks are planned at it, so that
    under any font a page holds the rows planned for it (a wider font: a smaller scale, room left
    at the bottom of a page), never more — no page breaks of the application's own."""
    total = sum(narrowest_points(w) for w in widths) or 1.0
    return int(min(100, -(-_PRINTABLE_PT * 100 // total)))


def plan_breaks(heights: dict[int, float], first: int, last: int, scale: int, repeated: float,
                above: float, keep: list[tuple[int, int]]) -> list[int]:
    """Manual page breaks for the body rows first..last (heights in points). `above`: the height
    of the rows before `first` on page 1 (title, header); `repeated`: the print-title rows on every
    later page. A block in `keep` (a section with its 合计, the last rows with the footer and notes)
    starts a new page when it would not fit on the current one but fits on a page of its own.
    A page never ends before holding a body row: no header-only page, no page of repeated titles
    alone. Returns the rows a page starts at."""
    page = printable_height(scale) * 0.96           # a little slack: applications round heights
    blocks: dict[int, int] = {}
    for a, b in keep:
        blocks[a] = max(blocks.get(a, a), b)
    used, rows_on_page, breaks = above, 0, []
    for r in range(first, last + 1):
        h = heights.get(r, 15.0)
        block = sum(heights.get(x, 15.0) for x in range(r, blocks[r] + 1)) if r in blocks else h
        if rows_on_page and ((used + block > page and block <= page - repeated) or used + h > page):
            breaks.append(r)
            used, rows_on_page = repeated, 0
        used += h
        rows_on_page += 1
    return breaks


def break_before(ws, row: int) -> None:
    """A manual page break above `row` (1-based): the section starting there begins a page."""
    if ws.row_breaks is None:
        ws.row_breaks = RowBreak()
    ws.row_breaks.append(Break(id=row - 1))
