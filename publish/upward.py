"""The upward report (上报_<data date>.xlsx, 上报_latest.xlsx): what the office signs and sends to the
province — only the city's 附件1 (counties, 属地), 附件2 and 附件3 in the official layout, nothing
internal (no departments' comparison sheet, no 考评, no per-unit problems). Printing the file
prints exactly these forms: each one page wide in A4 landscape, header rows repeated, pages
numbered per form, the footer and notes kept with the last rows (publish.official, printing).

The same drawing functions fill the first sheets of the working workbook (publish.workbook)."""
from __future__ import annotations

from openpyxl import Workbook

from campaign.dates import zh_date
from publish.workbook import (SHEET_CITY, SHEET_FORM2, SHEET_FORM3, PublishMeta, draw_form1, draw_form2,
                              draw_form3, drawn_sheet)
from warehouse.queries import SummaryFrames

UPWARD_SHEETS = (SHEET_CITY, SHEET_FORM2, SHEET_FORM3)


def build_upward(frames: SummaryFrames, meta: PublishMeta) -> Workbook:
    """The three forms, each on its own sheet, in the notice's order; opens on 附件1. Write-only,
    to be saved once: each form is drawn on a scratch sheet and replayed (as in the working
    workbook: 附件2 of a province is thousands of rows, and openpyxl's own writer took longer to
    save them than to draw them); each sheet keeps its drawing (`drawn`) for the working workbook."""
    wb = Workbook(write_only=True)
    wb.properties.title = f"{meta.campaign_name} 上报 {zh_date(meta.data_date)}"
    wb.properties.creator = "campaign nightly"
    drawn_sheet(wb, SHEET_CITY, draw_form1, frames, "counties", meta, as_drawn=True)
    drawn_sheet(wb, SHEET_FORM2, draw_form2, frames, meta, as_drawn=True)
    drawn_sheet(wb, SHEET_FORM3, draw_form3, frames, meta, as_drawn=True)
    wb.active = 0
    return wb
