"""Receipts for reporting units: one small HTML page per file received, in Chinese.

`receipts/<unit>/<file stem>_<sha256[:8]>.html`: accepted / rejected / duplicate / superseded,
and every problem with its sheet and cell. Pure builder (rows in, HTML out) plus a writer that
writes each page atomically, and only when what it says changed (not its generation time).
Every value is HTML-escaped: file names and cell values come from the units."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from publish.files import write_many
from publish.receipt_documents import document_next_step, document_verdict, is_document
from warehouse.queries import SummaryFrames

from campaign.dates import zh_date
from publish.words import SEVERITY_SHORT, expected, explanation, form_name, given, office_line

_STYLE = """body{font-family:"Microsoft YaHei","SimSun","Noto Sans CJK SC",sans-serif;margin:2em;color:#222;
line-height:1.5}h1{font-size:1.3em}.ok{color:#1a7f37}.bad{color:#c62828}.note{color:#666}.next{font-size:1.05em}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #999;padding:6px 10px;text-align:left;
vertical-align:top}th{background:#eef3f8;white-space:nowrap}
td:nth-child(2),td:nth-child(3){min-width:6em}td:nth-child(4){min-width:4em}td:nth-child(7){min-width:12em}
td:nth-child(9){min-width:8em}td:nth-child(8){min-width:5em;max-width:14em;overflow-wrap:anywhere}
tr.error td:first-child{border-left:4px solid #c62828}tr.warning td:first-child{border-left:4px solid #e0a800}"""
_STAMP = '<p class="note">回执生成时间：'     # followed by the time, the page's last line
_STAMP_END = "</p>"


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
    """A UTC warehouse timestamp as local time text, in the one date style."""
    if ts is None or pd.isna(ts):
        return ""
    local = pd.Timestamp(ts).tz_localize("UTC").tz_convert(tz)
    return f"{zh_date(local)} {local:%H:%M}"


def _arrival(sub: Mapping[str, Any], tz: str) -> str:
    """'7月13日': the local date a file arrived (the earlier of its modification and first sight)."""
    stamps = [pd.Timestamp(t) for t in (sub.get("file_mtime"), sub.get("received_at")) if t is not None and not pd.isna(t)]
    if not stamps:
        return ""
    day = min(stamps).tz_localize("UTC").tz_convert(tz)
    return f"{day.month}月{day.day}日"


def next_steps(sub: Mapping[str, Any], current: list[tuple[str, str, str]]) -> str:
    """What happens next, in words. current: (form, file name, arrival '7月13日') the unit's
    current data per form (other files than this one)."""
    status = sub.get("status")
    if is_document(sub):   # a document counts for its kind: no workbook ever supersedes it
        return document_next_step(sub)
    others = [c for c in current if c[1] != sub.get("file_name")]
    if status == "rejected":
        if not others:
            return "本文件未采用；本单位目前没有被采用的报表，请按下表更正后尽快重新报送整个文件。"
        files = {}
        for form, name, when in others:
            files.setdefault((name, when), []).append(form)
        if len(files) == 1:
            (name, when), _ = next(iter(files.items()))
            using = f"当前采用的仍是 {name}（{when}报送）"
        else:
            using = "当前采用的仍是 " + "，".join(f"{'、'.join(forms)}：{name}（{when}报送）"
                                              for (name, when), forms in files.items())
        return f"本文件未采用，{using}。请按下表更正后重新报送整个文件。"
    if status == "duplicate":
        return "本文件与已收到的文件相同，无需处理。"
    if bool(sub.get("is_current")):
        if sub.get("warning_count"):
            return "本文件已采用。下表所列提示不影响受理，请今后填报时注意。"
        return "本文件已采用，无需处理。"
    if others:
        return "本文件已受理，但当前采用的是后报的 " + "、".join(sorted({c[1] for c in others})) + "，本文件不再采用。"
    return "本文件已受理，但已被本单位后报的文件取代，不再采用。"


def office_next_step(sub: Mapping[str, Any]) -> str:
    """The office's own filled 待核对 copy (flows/office.py): what was done with it."""
    if sub.get("status") == "duplicate":
        return "本文件与已收到的文件相同，无需处理。"
    if sub.get("status") == "rejected":
        return "本文件未能作为待核对工作簿读取，请在当晚的待核对工作簿中填写后重新放入本办的文件夹。"
    return "已按下表处理本办的核对结果：企业判定自本次汇总起生效，材料类别计入相应的报送要求。"


def receipt_html(sub: Mapping[str, Any], issues: list[Mapping[str, Any]], campaign_name: str,
                 generated_at: dt.datetime, tz: str = "Asia/Shanghai", *, places: Mapping | None = None,
                 office: Mapping | None = None, next_step: str | None = None,
                 marked_copy: str | None = None) -> str:
    """One file's receipt, in Chinese: verdict, what happens next, every problem with its form,
    row, column (printed labels) and cell, and the office's contact line. places: (sheet, cell)
    -> {'column', 'row'}; marked_copy: the write-back workbook's file name beside this page."""
    places = places or {}
    css, verdict = verdict_text(sub)
    rows = []
    for n, i in enumerate(issues, 1):
        place = places.get((i.get("sheet"), i.get("cell"))) or {}
        sheet, at = (v if given(v) else None for v in (i.get("sheet"), i.get("cell")))
        cell = f"{_v(sheet)} {_v(at)}".strip() if sheet or at else "整个文件"
        rows.append(
            f'<tr class="{_v(i.get("severity"))}" data-rule="{_v(i.get("rule"))}"><td>{n}</td><td>{_v(form_name(i.get("form")))}</td>'
            f"<td>{_v(place.get('row'))}</td><td>{_v(place.get('column'))}</td><td>{cell}</td>"
            f"<td>{_v(SEVERITY_SHORT.get(i.get('severity'), i.get('severity')))}</td><td>{_v(explanation(i))}</td>"
            f"<td>{_v(i.get('value'))}</td><td>{_v(expected(i))}</td></tr>")
    table = ("<table><tr><th>序号</th><th>表</th><th>行</th><th>栏目</th><th>工作表 单元格</th><th>级别</th>"
             "<th>问题</th><th>填写内容</th><th>应当怎样</th></tr>" + "".join(rows) + "</table>"
             ) if issues else "<p>未发现问题。</p>"
    fix = ("可在这份副本中直接更正后重新报送。" if sub.get("status") == "rejected"
           else "提示不影响本次受理；如需更正，可在这份副本中修改后再报送。")
    copy = (f"<p>已将贵单位的文件复制一份，在每个有问题的单元格标了颜色并加了批注：<strong>{_v(marked_copy)}</strong>"
            f"（与本回执在同一文件夹，第一张工作表“问题清单”列出全部问题）。{fix}</p>"
            ) if marked_copy else ""
    errors, warnings = int(sub.get("error_count") or 0), int(sub.get("warning_count") or 0)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>报送回执 {_v(sub.get('file_name'))}</title>
<style>{_STYLE}</style></head><body>
<h1>报送回执</h1>
<p class="note">{_v(campaign_name)}</p>
<p>报送单位：{_v(sub.get('unit'))}<br>文件：{_v(sub.get('file_name'))}<br>
收到时间：{_local(sub.get('received_at'), tz)}<br>查询编号：{_v(str(sub.get('sha256') or '')[:12])}（向市处非办询问本文件时请提供）</p>
<p class="{css}"><strong>{escape(verdict)}</strong></p>
<p class="next">{escape(next_step or next_steps(sub, []))}</p>
<p>错误 {errors} 处，提示 {warnings} 处。</p>
{copy}{table}
<p>{escape(office_line(office))}</p>
{_STAMP}{_local_naive(generated_at)}</p>
</body></html>
"""


RECEIPT_STEM_BYTES = 120    # of the sender's file name in a receipt's name: the whole stays far below 255 bytes


@lru_cache(maxsize=1 << 14)   # a national night asks for each unit's folder name thousands of times
def safe_part(text: str, max_bytes: int) -> str:
    """A name part that is one path component, printable and bounded in bytes."""
    from intake.names import bounded

    text = "".join("_" if ch in '/\\\0' or not ch.isprintable() else ch for ch in text).strip(". ") or "_"
    return bounded(text, max_bytes)


def _local_naive(value: dt.datetime) -> str:
    return f"{zh_date(value)} {value:%H:%M}"


def receipt_path(receipts_dir: Path, unit: str, file_name: str, sha256: str) -> Path:
    """receipts/<unit>/<file stem>_<sha8>.html: a unit or file name can never climb out of receipts/,
    and a long name (76 CJK characters, 255 ASCII bytes) is cut to a bounded stem."""
    return (Path(receipts_dir) / safe_part(Path(unit).name, 150)
            / f"{safe_part(Path(file_name).stem, RECEIPT_STEM_BYTES)}_{sha256[:8]}.html")


def receipt_paths(frames: SummaryFrames, receipts_dir: Path) -> list[Path]:
    """Where the receipt of every file received is."""
    subs = frames.submissions
    return [receipt_path(receipts_dir, u, f, h) for u, f, h in zip(subs["unit"], subs["file_name"], subs["sha256"])]


def _unstamped(html: str) -> str:
    head, mark, tail = html.rpartition(_STAMP)
    return head + mark + tail.partition(_STAMP_END)[2]


def _unchanged(path: Path, html: str) -> bool:
    """The receipt at `path` says the same as `html`, apart from when it was generated."""
    try:
        return _unstamped(path.read_text(encoding="utf-8")) == _unstamped(html)
    except (OSError, UnicodeDecodeError):
        return False


def current_files(frames: SummaryFrames, tz: str) -> dict[str, list[tuple[str, str, str]]]:
    """unit -> [(form, current file name, its arrival '7月13日')] from the reporting status."""
    subs = frames.submissions
    arrival: dict[tuple[str, str], str] = {}
    for sub in subs[subs["status"] == "accepted"].to_dict("records"):
        arrival.setdefault((sub["unit"], sub["file_name"]), _arrival(sub, tz))
    out: dict[str, list[tuple[str, str, str]]] = {}
    for row in frames.reporting_status.to_dict("records"):
        name = row.get("current_file")
        if name is not None and not pd.isna(name):
            out.setdefault(row["unit"], []).append((row["form"], name, arrival.get((row["unit"], name), "")))
    return out


def write_receipts(frames: SummaryFrames, receipts_dir: Path, campaign_name: str,
                   generated_at: dt.datetime, tz: str = "Asia/Shanghai", force: bool = False,
                   staging=None, *, office: Mapping | None = None, files: Mapping | None = None,
                   writebacks: Mapping | None = None) -> list[Path]:
    """One receipt per file received, each written atomically when its content changed (every
    one with `force`). Returns the paths written. files: sha256 -> publish.places.FilePlaces
    (the problems' places in words); writebacks: sha256 -> the marked copy's file name."""
    issues = frames.validation_issues
    by_file = {k: g.to_dict("records") for k, g in issues.groupby(["unit", "sha256"])} if len(issues) else {}
    current = current_files(frames, tz)
    files, writebacks = files or {}, writebacks or {}
    changed: list[tuple[Path, bytes]] = []
    for sub in frames.submissions.to_dict("records"):
        found = [] if sub["status"] == "duplicate" else by_file.get((sub["unit"], sub["sha256"]), [])
        fp = files.get(sub["sha256"])
        places = {(i.get("sheet"), i.get("cell")): fp.place(i.get("sheet"), i.get("cell")) for i in found} if fp else {}
        path = receipt_path(receipts_dir, sub["unit"], sub["file_name"], sub["sha256"])
        html = receipt_html(sub, found, campaign_name, generated_at, tz, places=places, office=office,
                            next_step=(office_next_step(sub) if sub["unit"] == (office or {}).get("name")
                                       else next_steps(sub, current.get(sub["unit"], []))),
                            marked_copy=None if sub["status"] == "duplicate" else writebacks.get(sub["sha256"]))
        if force or not _unchanged(path, html):
            changed.append((path, html.encode("utf-8")))
    return write_many(changed, staging)
