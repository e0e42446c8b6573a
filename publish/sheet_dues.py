"""The 催报清单 sheet of the working workbook: the units that still owe something, most urgent first,
with what, the due dates and days left or overdue (as of the data date), the 填报人 and 电话 of each
unit's latest footer to call, and the office's contact. Rows from publish/dues.py; hooked into
build_workbook with one line, right after the forms."""
from __future__ import annotations

from campaign.dates import zh_date
from publish.dues import dues_frame, office_contact
from publish.tables import Col, table

SHEET_DUES = "催报清单"


def dues_sheet(ws, frames, meta) -> None:
    frame = dues_frame(frames, meta.data_date, meta.office)
    cols = [Col("序号", "_n", "int", 5), Col("单位", "unit", width=16), Col("类别", "kind_zh", width=8),
            Col("最近截止日期", "first_due", "date", 15), Col("剩余/逾期", "when", width=11),
            Col("待报事项（截止日期）", "owed", width=60), Col("填报人", "filler", width=9),
            Col("电话", "phone", width=13), Col("市处非办联系人", "office", width=18)]
    frame = frame.assign(_n=range(1, len(frame) + 1))
    note = (f"截至{zh_date(meta.data_date)}（数据日期），尚有{len(frame)}个单位有未完成的报送事项，按紧迫程度排列"
            f"（已逾期的在前，逾期越久越靠前；其次截止日期越近越靠前）。报表截止日期与各项报送要求见配置文件；"
            f"填报人、电话取自该单位最近一份报表的落款。催报联系人：{office_contact(meta.office)}。"
            if len(frame) else f"截至{zh_date(meta.data_date)}（数据日期），各单位均已完成全部报送事项。")
    table(ws, "催报清单（尚未完成报送的单位）", note, cols, frame, meta.timezone, meta.data_date)
