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
                              draw_form3)
from warehouse.queries import SummaryFrames

UPWARD_SHEETS = (SHEET_CITY, SHEET_FORM2, SHEET_FORM3)


def build_upward(frames: SummaryFrames, meta: PublishMeta) -> Workbook:
    """The three forms, each on its own sheet, in the notice's order; opens on 附件1."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"{meta.campaign_name} 上报 {zh_date(meta.data_date)}"
    wb.properties.creator = "campaign nightly"
    draw_form1(wb.create_sheet(SHEET_CITY), frames, "counties", meta)
    draw_form2(wb.create_sheet(SHEET_FORM2), frames, meta)
    draw_form3(wb.create_sheet(SHEET_FORM3), frames, meta)
    wb.active = 0
    return wb
