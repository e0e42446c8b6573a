"""The outbox: where units look for their answers (the data dir is kept away from the share).

    <outbox>/<unit>/             the unit's receipts (HTML) and marked copies, as in <data-dir>/receipts/<unit>/,
                                 回执汇总.html  every file the unit ever sent, its verdict, which one counts now
                                 待办.html      what the unit still owes, each due date, days left or overdue
    <outbox>/<[office] name>/    回执汇总.html, 待办.html and 催报.html for every unit; <unit>/ the same papers
                                 as each unit's folder; the office's own receipts (its filled 待核对 copies)

Every file is written atomically (a temporary dot-file renamed over it: a clerk's browser never
opens half a page) and only when what it says changed; a unit's folder holds only that unit's
papers. Pages are built from the same frames as the receipts (publish/receipts.py renders each
receipt; this module copies them and adds the two overview pages) and the days are counted from
the run's date (publish/dues.py). The outbox is the only place outside the data dir the pipeline
writes."""
from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import quote

import pandas as pd

from campaign.dates import zh_date
from publish.dues import ITEM_ORDER, KIND_ZH, Requirement, dues_frame, office_contact, requirements
from publish.files import write_many
from publish.receipt_documents import is_document
from publish.receipts import receipt_path
from publish.words import office_line
from publish.writeback import writeback_name

log = logging.getLogger("campaign.publish")

SUMMARY_PAGE = "回执汇总.html"
TODO_PAGE = "待办.html"
DUES_PAGE = "催报.html"
_STAMP = '<p class="note stamp">生成时间：'
_STYLE = """body{font-family:"Microsoft YaHei","SimSun","Noto Sans CJK SC",sans-serif;margin:2em;color:#222;
line-height:1.5}h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}.ok{color:#1a7f37}.bad{color:#c62828}
.note{color:#666}table{border-collapse:collapse;margin-top:.6em}td,th{border:1px solid #999;padding:5px 9px;
text-align:left;vertical-align:top}th{background:#eef3f8;white-space:nowrap}tr.counts td{background:#eaf6ec}
tr.rejected td:first-child{border-left:4px solid #c62828}tr.overdue td{color:#c62828}td.num{text-align:right}
td.day{white-space:nowrap}
a{color:#0563c1}"""


@dataclass
class OutboxResult:
    root: Path
    written: list[Path] = field(default_factory=list)    # files replaced or created this time
    units: int = 0                                        # unit folders kept up to date


@dataclass(frozen=True)
class OutboxMeta:
    campaign_name: str
    timezone: str
    as_of: dt.date                       # the run's date: days left are counted from it
    generated_at: dt.datetime            # local, naive
    office: Mapping[str, str]


def _v(value: Any) -> str:
    if isinstance(value, str):       # most values: no need to ask pandas whether a text is missing
        return escape(value)
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return escape(str(value))


def _given(value: Any) -> bool:
    return _v(value) != ""


def _local(ts: Any, tz: str) -> str:
    if not _given(ts):
        return ""
    local = pd.Timestamp(ts).tz_localize("UTC").tz_convert(tz)
    return f"{zh_date(local)} {local:%H:%M}"


def _arrived(sub: Mapping[str, Any]) -> pd.Timestamp | None:
    stamps = [pd.Timestamp(t) for t in (sub.get("file_mtime"), sub.get("received_at")) if _given(t)]
    return min(stamps) if stamps else None


def _page(title: str, body: str, meta: OutboxMeta) -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>\n<h1>{escape(title)}</h1>\n"
            f'<p class="note">{escape(meta.campaign_name)}</p>\n{body}\n'
            f"<p>{escape(office_line(meta.office))}</p>\n"
            f"{_STAMP}{zh_date(meta.generated_at)} {meta.generated_at:%H:%M}</p>\n</body></html>\n")


def _link(href: str, text: str) -> str:
    return f'<a href="{quote(href)}">{escape(text)}</a>'


# --- which file counts now ---------------------------------------------------------------------

def _counting(frames) -> dict[tuple[str, str, str], list[str]]:
    """(unit, sha256, inbox_path) -> the forms this file is the current data of."""
    cur = getattr(frames, "current_forms", None)
    out: dict[tuple[str, str, str], list[str]] = {}
    if cur is None or cur.empty:
        return out
    for r in cur.to_dict("records"):
        out.setdefault((r["unit"], r["sha256"], r["inbox_path"]), []).append(r["form"])
    return out


def standing(sub: Mapping[str, Any], counting: Mapping) -> tuple[bool, str]:
    """(counts now, what this file is now) in words, for the 回执汇总 row."""
    status = sub.get("status")
    if status == "duplicate":
        return False, f"与“{sub.get('duplicate_of') or ''}”相同，按同一份计"
    if is_document(sub):
        if sub.get("document_status") == "unreadable":
            return False, "无法读取，暂不计入"
        kind = sub.get("document_kind")
        if kind == "其他":
            return False, "已登记，待市处非办核定类别"
        nth = sub.get("document_nth")
        return True, f"计入{kind}" + (f"（第{int(nth)}篇）" if _given(nth) else "")
    if status == "rejected":
        return False, "退回，未采用"
    forms = counting.get((sub.get("unit"), sub.get("sha256"), sub.get("inbox_path")))
    if forms:
        return True, "当前采用：" + "、".join(sorted(forms))
    return False, "已被本单位后报的文件取代，不再采用"


_VERDICT = {"accepted": "受理", "rejected": "退回", "duplicate": "重复"}


def _verdict(sub: Mapping[str, Any]) -> tuple[str, str]:
    if is_document(sub) and sub.get("status") != "duplicate":
        return ("bad", "材料无法读取") if sub.get("document_status") == "unreadable" else ("ok", "材料已收到")
    status = sub.get("status")
    return {"accepted": "ok", "rejected": "bad"}.get(status, "note"), _VERDICT.get(status, str(status))


# --- the pages -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Row:
    """What one file's row says (a file's row is on its unit's 回执汇总 and on the office's)."""
    receipt: Path                    # where its receipt is, in <data-dir>/receipts
    copy: Path                       # where its marked copy would be, beside the receipt
    receipt_name: str | None         # linked when the receipt is there
    copy_name: str | None            # the marked copy, linked when it is there
    counts: bool
    now: str
    css: str
    verdict: str
    problems: str
    arrived: str


class _Rows:
    """Each file's row worked out once per outbox: its papers looked for, its standing and times put
    in words (a national outbox names every file twice, on its unit's page and on the office's)."""

    def __init__(self, counting, receipts_dir: Path, tz: str) -> None:
        self.counting, self.receipts_dir, self.tz = counting, receipts_dir, tz
        self._rows: dict[int, _Row] = {}     # by id(sub): the outbox holds its subs until it is written

    def of(self, sub: Mapping[str, Any]) -> _Row:
        row = self._rows.get(id(sub))
        if row is None:
            row = self._rows[id(sub)] = self._work_out(sub)
        return row

    def _work_out(self, sub: Mapping[str, Any]) -> _Row:
        page = receipt_path(self.receipts_dir, sub["unit"], sub["file_name"], sub["sha256"])
        copy = page.with_name(writeback_name(sub["file_name"], sub["sha256"]))
        counts, now = standing(sub, self.counting)
        css, verdict = _verdict(sub)
        errors, warnings = int(sub.get("error_count") or 0), int(sub.get("warning_count") or 0)
        problems = f"错误{errors}处" if errors else ""
        problems += ("，" if problems and warnings else "") + (f"提示{warnings}处" if warnings else "")
        return _Row(page, copy, page.name if page.is_file() else None,
                    copy.name if sub.get("status") != "duplicate" and copy.is_file() else None,
                    counts, now, css, verdict, problems, _local(_arrived(sub), self.tz))


def _summary_rows(subs: list[Mapping[str, Any]], rows: _Rows, prefix=lambda s: "", with_unit: bool = False) -> str:
    out = []
    for n, sub in enumerate(subs, 1):
        row = rows.of(sub)
        at = prefix(sub)
        receipt = _link(at + row.receipt_name, "回执") if row.receipt_name else ""
        marked = _link(at + row.copy_name, "标注副本") if row.copy_name else ""
        klass = "counts" if row.counts else ("rejected" if sub.get("status") == "rejected" else "")
        unit = f"<td>{_v(sub['unit'])}</td>" if with_unit else ""
        out.append(f'<tr class="{klass}" data-file="{_v(sub["file_name"])}" data-status="{_v(sub.get("status"))}" '
                   f'data-counts="{"yes" if row.counts else "no"}"><td class="num">{n}</td>{unit}'
                   f"<td class=\"day\">{row.arrived}</td><td>{_v(sub['file_name'])}</td>"
                   f'<td class="{row.css}">{escape(row.verdict)}</td><td>{escape(row.problems or "无")}</td>'
                   f"<td>{escape(row.now)}</td><td>{receipt}</td><td>{marked}</td></tr>")
    head = (f"<tr><th>序号</th>{'<th>单位</th>' if with_unit else ''}<th>收到时间</th><th>文件</th><th>结果</th>"
            "<th>问题</th><th>目前</th><th>回执</th><th>标注副本</th></tr>")
    return f"<table>{head}{''.join(out)}</table>"


def _current_line(unit: str, reqs: list[Requirement]) -> str:
    forms = [r for r in reqs if r.unit == unit and r.item.startswith("附件")]
    bits = [f"{r.item}：{r.what.removeprefix('已受理（当前采用 ').removesuffix('）')}" if r.done else f"{r.item}：尚无"
            for r in forms]
    return "当前采用的报表——" + "；".join(bits) + "。" if bits else ""


def unit_summary_page(unit: str, subs: list[Mapping[str, Any]], counting, reqs: list[Requirement],
                      receipts_dir: Path, meta: OutboxMeta, rows: _Rows | None = None) -> str:
    """回执汇总.html of one unit: every file it sent, newest first, its verdict and whether it counts now.
    rows: the outbox's rows worked out so far (default: worked out for this page)."""
    ordered = sorted(subs, key=lambda s: (_arrived(s) or pd.Timestamp.min, str(s.get("inbox_path"))), reverse=True)
    if ordered:
        body = (f"<p>报送单位：{escape(unit)}。共收到 {len(ordered)} 个文件（最新的在前）。绿色底的行是目前采用（计入）的文件；"
                f"每个文件的回执写明问题所在的表、行、栏目和单元格。</p>\n<p>{escape(_current_line(unit, reqs))}</p>\n"
                + _summary_rows(ordered, rows or _Rows(counting, receipts_dir, meta.timezone)))
    else:
        body = f"<p>报送单位：{escape(unit)}。尚未收到本单位的文件。</p>"
    body += f'\n<p>本单位还需报送的事项见 {_link(TODO_PAGE, TODO_PAGE)}。</p>'
    return _page(f"报送回执汇总 — {unit}", body, meta)


def _requirement_rows(reqs: list[Requirement], done: bool) -> str:
    rows = []
    for r in reqs:
        klass = "overdue" if not done and r.days_left < 0 else ""
        rows.append(f'<tr class="{klass}" data-item="{_v(r.item)}" data-due="{r.due.isoformat()}" '
                    f'data-days="{r.days_left}" data-done="{"yes" if r.done else "no"}"><td>{_v(r.item)}</td>'
                    f'<td>{_v(r.what)}</td><td class="day">{zh_date(r.due)}</td>'
                    + ("" if done else f'<td class="day">{escape(r.when)}</td>') + "</tr>")
    head = "<tr><th>事项</th><th>情况</th><th>截止日期</th>" + ("" if done else "<th>剩余/逾期</th>") + "</tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def unit_todo_page(unit: str, reqs: list[Requirement], meta: OutboxMeta) -> str:
    """待办.html of one unit: what it still owes (most urgent first), then what it has done."""
    mine = [r for r in reqs if r.unit == unit]
    owed = sorted((r for r in mine if not r.done), key=lambda r: r.days_left)
    done = [r for r in mine if r.done]
    when = f"截至{zh_date(meta.as_of)}（数据日期）"
    if owed:
        body = (f'<p class="bad"><strong>{escape(when)}，{escape(unit)}还有 {len(owed)} 项报送事项未完成'
                f"（最紧迫的在前）：</strong></p>\n" + _requirement_rows(owed, done=False))
    else:
        body = f'<p class="ok"><strong>{escape(when)}，{escape(unit)}已完成全部报送事项，目前没有待办。</strong></p>'
    if done:
        body += "\n<h2>已完成</h2>\n" + _requirement_rows(done, done=True)
    body += (f"\n<p>报表的截止日期和实施方案、工作动态信息、总结报告的报送要求由{escape(meta.office.get('name') or '市处非办')}"
             f"规定；每个文件的处理结果见 {_link(SUMMARY_PAGE, SUMMARY_PAGE)}。</p>")
    return _page(f"待办事项 — {unit}", body, meta)


def office_dues_page(frames, meta: OutboxMeta, reqs: list[Requirement] | None = None) -> str:
    """催报.html: the 催报清单 of the working workbook, as a page (reqs: requirements(frames, as_of), if known)."""
    frame = dues_frame(frames, meta.as_of, meta.office, reqs)
    rows = []
    for n, r in enumerate(frame.to_dict("records"), 1):
        klass = "overdue" if r["days_left"] < 0 else ""
        rows.append(f'<tr class="{klass}" data-unit="{_v(r["unit"])}" data-days="{r["days_left"]}">'
                    f'<td class="num">{n}</td><td>{_link(str(r["unit"]) + "/" + TODO_PAGE, str(r["unit"]))}</td>'
                    f"<td>{_v(r['kind_zh'])}</td><td class=\"day\">{zh_date(r['first_due'])}</td>"
                    f"<td class=\"day\">{_v(r['when'])}</td><td>{'<br>'.join(_v(x) for x in r['owed_lines'])}</td><td>{_v(r['filler'])}</td><td>{_v(r['phone'])}</td></tr>")
    when = f"截至{zh_date(meta.as_of)}（数据日期）"
    if rows:
        body = (f"<p>{escape(when)}，尚有 {len(rows)} 个单位有未完成的报送事项，按紧迫程度排列（已逾期的在前）。"
                f"填报人、电话取自该单位最近一份报表的落款。催报联系人：{escape(office_contact(meta.office))}。</p>\n"
                "<table><tr><th>序号</th><th>单位</th><th>类别</th><th>最近截止日期</th><th>剩余/逾期</th>"
                "<th>待报事项（截止日期）</th><th>填报人</th><th>电话</th></tr>" + "".join(rows) + "</table>")
    else:
        body = f'<p class="ok">{escape(when)}，各单位均已完成全部报送事项。</p>'
    return _page("催报清单", body, meta)


def office_todo_page(units: list[str], kinds: Mapping[str, str], reqs: list[Requirement], meta: OutboxMeta) -> str:
    """待办.html of the office: every unit × every requirement, done or days left."""
    cell: dict[tuple[str, str], Requirement] = {(r.unit, r.item): r for r in reqs}
    items = [i for i in ITEM_ORDER if any(r.item == i for r in reqs)]
    rows = []
    for unit in units:
        tds = []
        for item in items:
            r = cell.get((unit, item))
            if r is None:
                tds.append('<td class="note">—</td>')
            elif r.done:
                tds.append('<td class="ok">已完成</td>')
            else:
                tds.append(f'<td class="{"bad" if r.days_left < 0 else ""}" title="{_v(r.what)}">'
                           f"{_v(r.what)}<br>{escape(r.when)}</td>")
        rows.append(f"<tr><td>{_link(unit + '/' + TODO_PAGE, unit)}</td><td>{_v(KIND_ZH.get(kinds.get(unit), ''))}</td>"
                    + "".join(tds) + "</tr>")
    dues = {i: next((r.due for r in reqs if r.item == i), None) for i in items}
    head = ("<tr><th>单位</th><th>类别</th>"
            + "".join(f"<th>{escape(i)}<br><span class='note'>{zh_date(dues[i]) + '截止' if dues[i] else ''}</span></th>"
                      for i in items) + "</tr>")
    body = (f"<p>截至{zh_date(meta.as_of)}（数据日期），各单位的报送事项。“—”：该类单位不需报送。"
            f"按紧迫程度排列的清单见 {_link(DUES_PAGE, DUES_PAGE)}。</p>\n<table>{head}{''.join(rows)}</table>")
    return _page("各单位待办事项", body, meta)


def office_summary_page(units: list[str], subs: list[Mapping[str, Any]], counting, receipts_dir: Path,
                        meta: OutboxMeta, rows: _Rows | None = None) -> str:
    """回执汇总.html of the office: every unit's files (registry units first, then other folders)."""
    order = {u: i for i, u in enumerate(units)}
    ordered = sorted(subs, key=lambda s: (order.get(s["unit"], len(order)), s["unit"],
                                          -(_arrived(s) or pd.Timestamp.min).value))
    folder = {s["unit"]: receipt_path(Path("."), s["unit"], "x", "0" * 8).parent.name for s in ordered}
    body = (f"<p>共收到 {len(ordered)} 个文件（按单位，最新的在前）。绿色底的行是目前采用（计入）的文件。</p>\n"
            + _summary_rows(ordered, rows or _Rows(counting, receipts_dir, meta.timezone),
                            prefix=lambda s: folder[s["unit"]] + "/", with_unit=True))
    return _page("报送回执汇总（全部单位）", body, meta)


# --- writing ---------------------------------------------------------------------------------------

def _unstamped(html: str) -> str:
    head, mark, tail = html.rpartition(_STAMP)
    return head + mark + tail.partition("</p>")[2] if mark else html


def _put_page(path: Path, html: str, pending: list) -> None:
    """Queue a page for writing when it says something new (its generation time aside)."""
    try:
        if _unstamped(path.read_text(encoding="utf-8")) == _unstamped(html):
            return
    except (OSError, UnicodeDecodeError):
        pass
    pending.append((path, html.encode("utf-8"), None))


def _mirror(src: Path, dsts: list[Path], pending: list) -> None:
    """Queue a copy of a receipt or marked copy at each destination where it is new or changed (same
    size and mtime: the same file); the source is read once for all of them."""
    try:
        s = src.stat()
    except OSError:
        return
    data = None
    for dst in dsts:
        try:
            d = dst.stat()
            if d.st_size == s.st_size and d.st_mtime_ns == s.st_mtime_ns:
                continue
        except OSError:
            pass
        if data is None:
            data = src.read_bytes()
        pending.append((dst, data, (s.st_atime_ns, s.st_mtime_ns)))


_CHUNK = 256   # files held in memory before they are written: the outbox's memory stays flat in N


def _write_pending(pending: list, written: list[Path]) -> None:
    """Write the queued files, each atomically, a few at a time (publish.files.write_many: the fsyncs
    overlap — a national outbox is thousands of small files); a mirrored paper keeps its source's times.
    Only the papers are fsynced: one is compared by size and mtime, so a copy a crash left empty must
    not survive; a page is compared by what it says and rebuilt on every run, so it needs no fsync."""
    write_many((path, data) for path, data, times in pending if times is not None)
    write_many(((path, data) for path, data, times in pending if times is None), durable=False)
    for path, _, times in pending:
        if times is not None:
            os.utime(path, ns=times)
        written.append(path)
    pending.clear()


def _papers_of(subs: Iterable[Mapping[str, Any]], rows: _Rows) -> list[Path]:
    out = []
    for sub in subs:
        row = rows.of(sub)
        out.append(row.receipt)
        if sub.get("status") != "duplicate":
            out.append(row.copy)
    return out


@dataclass
class UnitFolders:
    """A share of the registry units, with what their folders are built from: written by the flow's
    process, or by a worker of a national night's pool (so every field pickles)."""
    units: list[str]
    subs: dict[str, list[dict]]             # unit -> its files (frames.submissions rows)
    reqs: dict[str, list[Requirement]]      # unit -> what it owes
    counting: dict                          # which file counts now, for these units' files (_counting)
    receipts_dir: Path
    outbox: Path
    office_dir: Path
    meta: OutboxMeta
    seen: set[str] | None


def write_unit_folders(share: UnitFolders, rows: _Rows | None = None) -> list[Path]:
    """Every unit's folder of the share, and its copy in the office's folder: the files written.
    rows: the outbox's rows when the flow's process writes the share (the office's page names the same files)."""
    rows = rows or _Rows(share.counting, share.receipts_dir, share.meta.timezone)
    pending: list = []
    written: list[Path] = []
    for unit in share.units:
        mine, my_reqs = share.subs.get(unit, []), share.reqs.get(unit, [])
        folder = receipt_path(share.outbox, unit, "x", "0" * 8).parent
        pages = {SUMMARY_PAGE: unit_summary_page(unit, mine, share.counting, my_reqs, share.receipts_dir, share.meta,
                                                 rows),
                 TODO_PAGE: unit_todo_page(unit, my_reqs, share.meta)}
        papers = _papers_of(mine, rows) if share.seen is None or unit in share.seen else []
        targets = (folder, share.office_dir / folder.name)   # the unit's own folder, and its copy in the office's
        for paper in papers:
            _mirror(paper, [target / paper.name for target in targets], pending)
        for target in targets:
            for name, html in pages.items():
                _put_page(target / name, html, pending)
        if len(pending) >= _CHUNK:
            _write_pending(pending, written)
    _write_pending(pending, written)
    return written


_SHARE_UNITS = 64   # units per share of a pool: small enough that the workers finish together


def write_outbox(frames, receipts_dir: Path, outbox: Path, units: list[str], kinds: Mapping[str, str],
                 meta: OutboxMeta, seen: set[str] | None = None, pool=None) -> OutboxResult:
    """Bring the outbox up to date: every registry unit's folder (its papers when `seen` is None or
    names it; its 回执汇总 and 待办 always: the days left change with the date), and the office's.
    receipts_dir: <data-dir>/receipts, where the receipts and marked copies were just written.
    pool: an executor (flows/outbox.py starts one for a national night) whose workers write the unit
    folders while this process writes the office's pages; a share it fails on is written here."""
    outbox, receipts_dir = Path(outbox), Path(receipts_dir)
    result = OutboxResult(outbox)
    office = meta.office.get("name") or "市处非办"
    subs = frames.submissions.to_dict("records") if frames.submissions is not None else []
    by_unit: dict[str, list[dict]] = {}
    for sub in subs:
        by_unit.setdefault(sub["unit"], []).append(sub)
    counting = _counting(frames)
    rows = _Rows(counting, receipts_dir, meta.timezone)
    reqs = requirements(frames, meta.as_of)
    reqs_of: dict[str, list[Requirement]] = {}     # each unit's own: its pages never scan the whole list
    for r in reqs:
        reqs_of.setdefault(r.unit, []).append(r)
    office_dir = outbox / receipt_path(Path("."), office, "x", "0" * 8).parent.name

    def share(chunk: list[str]) -> UnitFolders:
        mine = set(chunk)
        return UnitFolders(chunk, {u: by_unit[u] for u in chunk if u in by_unit},
                           {u: reqs_of[u] for u in chunk if u in reqs_of},
                           {k: v for k, v in counting.items() if k[0] in mine} if pool is not None else counting,
                           receipts_dir, outbox, office_dir, meta, seen)

    shares = [share(units[i:i + _SHARE_UNITS]) for i in range(0, len(units), _SHARE_UNITS)]
    drawn = None
    if pool is not None and shares:
        try:
            drawn = pool.map(write_unit_folders, shares)
        except Exception as exc:   # noqa: BLE001 — a pool that cannot take them: every share is written here
            log.warning("the outbox worker processes did not start (%s); writing the unit folders here",
                        type(exc).__name__)
    pending: list = []
    # folders that are no registry unit (UNKNOWN_UNIT receipts) and the office's own receipts: the office's folder
    for unit, mine in by_unit.items():
        if unit in kinds or (seen is not None and unit not in seen):
            continue
        for paper in _papers_of(mine, rows):
            where = office_dir if unit == office else office_dir / paper.parent.name
            _mirror(paper, [where / paper.name], pending)
    _put_page(office_dir / SUMMARY_PAGE, office_summary_page(units, [s for s in subs if s["unit"] != office],
                                                             counting, receipts_dir, meta, rows), pending)
    _put_page(office_dir / TODO_PAGE, office_todo_page(units, kinds, reqs, meta), pending)
    _put_page(office_dir / DUES_PAGE, office_dues_page(frames, meta, reqs), pending)
    office_written: list[Path] = []
    _write_pending(pending, office_written)
    done = 0
    if drawn is not None:
        try:
            for paths in drawn:
                result.written += paths
                done += 1
        except Exception as exc:   # noqa: BLE001 — a worker lost: its shares are written here (writes are idempotent)
            log.warning("the outbox worker processes failed (%s); writing the %d unit shares left here",
                        type(exc).__name__, len(shares) - done)
    for left in shares[done:]:
        result.written += write_unit_folders(left, rows)
    result.written += office_written
    result.units = len(units)
    return result
