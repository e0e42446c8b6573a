"""What a receipt says about a document (实施方案, 工作动态信息, 总结报告): “已收到：工作动态信息（第2篇）”."""
from __future__ import annotations

from typing import Any, Mapping

import pandas as pd


def _present(value: Any) -> bool:
    if value is None:
        return False
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


def is_document(sub: Mapping[str, Any]) -> bool:
    return _present(sub.get("document_kind"))


def document_verdict(sub: Mapping[str, Any]) -> tuple[str, str] | None:
    """(css class, verdict) for a document's receipt; None for a duplicate (the usual text)."""
    status = sub.get("document_status")
    title = sub.get("document_title")
    about = f"标题“{title}”" if _present(title) else ""
    if _present(sub.get("document_date")):
        day = pd.Timestamp(sub["document_date"])
        about += ("，" if about else "") + f"日期 {day.year}年{day.month}月{day.day}日"   # the one date style
    if status == "unreadable":
        reason = sub.get("document_reason")
        return "bad", (f"材料无法读取：{reason if _present(reason) else '文件损坏'}。本材料暂不计入报送要求，"
                       "请用 Word 或 WPS 打开确认后重新保存（或另存为 PDF）再报送。")
    if status != "accepted":
        return None
    kind = sub["document_kind"]
    if kind == "其他":
        return "note", f"已收到：材料（类别：其他{'，' + about if about else ''}）。如为实施方案、工作动态信息或总结报告，市处非办将核定类别。"
    nth = sub.get("document_nth")
    count = f"（第{int(nth)}篇）" if _present(nth) else ""
    return "ok", f"已收到：{kind}{count}{'，' + about if about else ''}。"


def document_next_step(sub: Mapping[str, Any]) -> str:
    """What happens next for a document: what it counts for (never a workbook superseding it)."""
    status, kind = sub.get("document_status"), sub.get("document_kind")
    if sub.get("status") == "duplicate":
        return "本材料与已收到的材料相同，无需处理。"
    if status == "unreadable":
        return "本材料暂不计入报送要求；重新保存后再报送即可。"
    if kind == "其他" or not _present(kind):
        return "本材料已登记；市处非办核定类别后，计入相应的报送要求。"
    return f"本材料已登记，计入“{kind}”的报送要求，无需处理。"
