"""Receipts for reporting units: one small HTML page per file received, in Chinese.

`receipts/<unit>/<file stem>_<sha256[:8]>.html`: accepted / rejected / duplicate / superseded,
and every problem with its sheet and cell. Pure builder (rows in, HTML out) plus a writer that
writes each page atomically, and only when what it says changed (not its generation time).
Every value is HTML-escaped: file names and cell values come from the units."""
from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from publish.files import atomic_write
from publish.receipt_documents import document_verdict, is_document
from warehouse.queries import SummaryFrames

SEVERITY_ZH = {"error": "错误", "warning": "警告"}

_STYLE = """body{font-family:"Microsoft YaHei","SimSun",sans-serif;margin:2em;color:#222}
h1{font-size:1.3em}.ok{color:#1a7f37}.bad{color:#c62828}.note{color:#666}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #999;padding:4px 8px;text-align:left}
th{background:#eef3f8}"""
_STAMP = '<p class="note">回执生成时间：'     # followed by 'YYYY-MM-DD HH:MM', the page's last line
_STAMP_LEN = len("2018-07-21 02:00")


def _v(value: Any) -> str:
    """Escaped text of a value; empty for missing values."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return escape(str(value))


def verdict_text(sub: Mapping[str, Any]) -> tuple[str, str]:
    """(css class, the one-line verdict in Chinese) of one submission row."""
    status = sub.get("status")
    if is_document(sub) and (doc := document_verdict(sub)):   # 实施方案 / 工作动态信息 / 总结报告
        return doc
    if status == "rejected":
        return "bad", "退回：文件存在以下错误，整份文件未予采用。请逐项更正后重新报送整个文件。"
    if status == "duplicate":
        return "note", f"重复：与已收到的文件“{sub.get('duplicate_of') or ''}”内容完全相同，按同一份报送处理，无需再次报送。"
    if bool(sub.get("is_current")):
        return "ok", "已受理：本文件数据为本单位当前采用的数据。"
    return "note", "已受理，但已被本单位后报的文件取代（以落款日期为准，其次为文件修改时间），当前不采用。"


def _local(ts: Any, tz: str) -> str:
    """A UTC warehouse timestamp as local time text."""
    if ts is None or pd.isna(ts):
        return ""
    return f"{pd.Timestamp(ts).tz_localize('UTC').tz_convert(tz):%Y-%m-%d %H:%M}"


def receipt_html(sub: Mapping[str, Any], issues: list[Mapping[str, Any]], campaign_name: str,
                 generated_at: dt.datetime, tz: str = "Asia/Shanghai") -> str:
    css, verdict = verdict_text(sub)
    rows = "".join(
        f"<tr><td>{_v(i.get('form'))}</td><td>{_v(i.get('sheet'))}</td><td>{_v(i.get('cell'))}</td>"
        f"<td>{_v(SEVERITY_ZH.get(i.get('severity'), i.get('severity')))}</td><td>{_v(i.get('rule'))}</td>"
        f"<td>{_v(i.get('value'))}</td><td>{_v(i.get('message'))}</td></tr>" for i in issues)
    table = ("<table><tr><th>表</th><th>工作表</th><th>单元格</th><th>级别</th><th>规则</th><th>填写内容</th>"
             f"<th>问题说明</th></tr>{rows}</table>") if issues else "<p>未发现问题。</p>"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>报送回执 {_v(sub.get('file_name'))}</title>
<style>{_STYLE}</style></head><body>
<h1>报送回执</h1>
<p class="note">{_v(campaign_name)}</p>
<p>报送单位：{_v(sub.get('unit'))}<br>文件：{_v(sub.get('file_name'))}<br>
收到时间：{_local(sub.get('received_at'), tz)}<br>文件指纹（SHA-256）：{_v(sub.get('sha256'))}</p>
<p class="{css}"><strong>{escape(verdict)}</strong></p>
<p>错误 {_v(sub.get('error_count'))} 处，警告 {_v(sub.get('warning_count'))} 处。</p>
{table}
{_STAMP}{generated_at:%Y-%m-%d %H:%M}。如有疑问请联系市处非办。</p>
</body></html>
"""


def receipt_path(receipts_dir: Path, unit: str, file_name: str, sha256: str) -> Path:
    # Path(...).name: a unit or file name can never climb out of receipts/
    return Path(receipts_dir) / Path(unit).name / f"{Path(file_name).stem}_{sha256[:8]}.html"


def receipt_paths(frames: SummaryFrames, receipts_dir: Path) -> list[Path]:
    """Where the receipt of every file received is."""
    subs = frames.submissions
    return [receipt_path(receipts_dir, u, f, h) for u, f, h in zip(subs["unit"], subs["file_name"], subs["sha256"])]


def _unstamped(html: str) -> str:
    head, mark, tail = html.rpartition(_STAMP)
    return head + mark + tail[_STAMP_LEN:]


def _unchanged(path: Path, html: str) -> bool:
    """The receipt at `path` says the same as `html`, apart from when it was generated."""
    try:
        return _unstamped(path.read_text(encoding="utf-8")) == _unstamped(html)
    except (OSError, UnicodeDecodeError):
        return False


def write_receipts(frames: SummaryFrames, receipts_dir: Path, campaign_name: str,
                   generated_at: dt.datetime, tz: str = "Asia/Shanghai", force: bool = False) -> list[Path]:
    """One receipt per file received, each written atomically when its content changed (every
    one with `force`). Returns the paths written."""
    issues = frames.validation_issues
    by_file = {k: g.to_dict("records") for k, g in issues.groupby(["unit", "sha256"])} if len(issues) else {}
    written = []
    for sub in frames.submissions.to_dict("records"):
        found = [] if sub["status"] == "duplicate" else by_file.get((sub["unit"], sub["sha256"]), [])
        path = receipt_path(receipts_dir, sub["unit"], sub["file_name"], sub["sha256"])
        html = receipt_html(sub, found, campaign_name, generated_at, tz)
        if force or not _unchanged(path, html):
            written.append(atomic_write(path, html.encode("utf-8")))
    return written
