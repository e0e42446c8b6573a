"""What each unit still owes (催报), as of a date: pure — frames in, rows out.

A unit owes every required form that has no accepted file (due `campaign.forms_due`) and every
obligation of `[obligations]` not met (实施方案, 工作动态信息 by count, 总结报告 together with the
附表), each with its due date from the config and the days left (or overdue) counted from the
run's date — the data date, or --date — never from the wall clock. The same rows feed the
催报清单 sheet (publish/sheet_dues.py), the outbox's 待办 and 催报 pages (publish/outbox.py) and
`campaign status`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from campaign.dates import zh_date

ITEM_ORDER = ("附件1", "附件2", "附件3", "实施方案", "工作动态信息", "总结报告")
KIND_ZH = {"county": "县区", "department": "市直部门"}


@dataclass(frozen=True)
class Requirement:
    unit: str
    unit_kind: str
    item: str               # 附件1 .. 附件3, 实施方案, 工作动态信息, 总结报告
    what: str               # where the unit stands, in words
    due: dt.date
    days_left: int          # due - as_of: negative when overdue
    done: bool

    @property
    def when(self) -> str:
        return when_text(self.days_left) if not self.done else ""


def when_text(days_left: int) -> str:
    if days_left > 0:
        return f"还有{days_left}天"
    if days_left == 0:
        return "今天截止"
    return f"已逾期{-days_left}天"


def _given(value: Any) -> bool:
    if value is None:
        return False
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


def _days(column: pd.Series) -> list[dt.date]:
    """A column of dates as datetime.date, converted at once (a Timestamp per row costs 3 µs each,
    18,000 rows a national night)."""
    return list(pd.to_datetime(column).dt.date)


def _form_requirements(status: pd.DataFrame, as_of: dt.date) -> list[Requirement]:
    out = []
    for r, due in zip(status.to_dict("records"), _days(status["forms_due"])):
        done = _given(r.get("current_file"))
        if done:
            what = f"已受理（当前采用 {r['current_file']}）"
        elif r.get("status") == "rejected":
            what = "已报送但被退回，请按回执逐项更正后重新报送"
        else:
            what = "尚未报送"
        out.append(Requirement(r["unit"], r["unit_kind"], r["form"], what, due, (due - as_of).days, done))
    return out


def _obligation_requirements(obligations: pd.DataFrame, as_of: dt.date) -> list[Requirement]:
    out = []
    for o, due in zip(obligations.to_dict("records"), _days(obligations["due"])):
        required, received = int(o["required"]), int(o["received"])
        with_forms = bool(o.get("with_forms"))
        if bool(o["met"]):
            what = f"已收到{received}篇" + (f"（需{required}篇）" if required > 1 else "")
        elif received < required:
            what = "尚未收到" if received == 0 and required == 1 else f"需{required}篇，已收{received}篇，尚缺{required - received}篇"
            if with_forms:
                what += "（须连同附表报送）"
        else:
            missing = int(o.get("forms_required") or 0) - int(o.get("forms_accepted") or 0)
            what = f"已收到；须连同附表报送，附表尚有{missing}张未受理，受理后方计为完成"
        out.append(Requirement(o["unit"], o["unit_kind"], o["obligation"], what, due, (due - as_of).days,
                               bool(o["met"])))
    return out


def requirements(frames, as_of: dt.date) -> list[Requirement]:
    """Every requirement of every registry unit (forms, then obligations), met or not, registry order."""
    status = frames.reporting_status if frames.reporting_status is not None else pd.DataFrame()
    obligations = getattr(frames, "obligations", None)
    reqs = _form_requirements(status, as_of) if len(status) else []
    if obligations is not None and len(obligations):
        reqs += _obligation_requirements(obligations, as_of)
    order = {u: i for i, u in enumerate(dict.fromkeys(status["unit"] if len(status) else []))}
    rank = {k: i for i, k in enumerate(ITEM_ORDER)}
    return sorted(reqs, key=lambda r: (order.get(r.unit, len(order)), r.unit, rank.get(r.item, 99), r.item))


def contact_of(frames) -> dict[str, tuple[str, str]]:
    """unit -> (填报人, 电话) of its latest footer."""
    c = getattr(frames, "contacts", None)
    if c is None or c.empty:
        return {}
    return {r["unit"]: (r["filler"] if _given(r["filler"]) else "", r["phone"] if _given(r["phone"]) else "")
            for r in c.to_dict("records")}


def office_contact(office: Mapping | None) -> str:
    """'市处非办 米冬冬 6678057'."""
    office = office or {}
    return " ".join(x for x in (office.get("name") or "市处非办", office.get("contact"), office.get("phone")) if x)


def dues_frame(frames, as_of: dt.date, office: Mapping | None = None,
               reqs: list[Requirement] | None = None) -> pd.DataFrame:
    """催报清单: one row per unit that owes something, most urgent first (the most overdue, then the
    nearest due date; registry order among equals). Columns: unit, unit_kind, kind_zh, owed (the items in
    words, each with its due date and days), first_due, days_left, when, items, filler, phone, office.
    reqs: requirements(frames, as_of) when the caller has them already."""
    reqs = [r for r in (requirements(frames, as_of) if reqs is None else reqs) if not r.done]
    people = contact_of(frames)
    by_unit: dict[str, list[Requirement]] = {}
    for r in reqs:
        by_unit.setdefault(r.unit, []).append(r)
    rows = []
    for position, (unit, items) in enumerate(by_unit.items()):
        first = min(items, key=lambda r: r.days_left)
        filler, phone = people.get(unit, ("", ""))
        rows.append({
            "unit": unit, "unit_kind": first.unit_kind, "kind_zh": KIND_ZH.get(first.unit_kind, first.unit_kind),
            "owed": "；".join(lines := [f"{r.item}：{r.what}（{zh_date(r.due)}截止，{r.when}）" for r in items]),
            "owed_lines": lines,
            "items": "、".join(r.item for r in items), "n_items": len(items),
            "first_due": first.due, "days_left": first.days_left, "when": first.when,
            "filler": filler or None, "phone": phone or None, "office": office_contact(office), "_pos": position})
    columns = ["unit", "unit_kind", "kind_zh", "owed", "owed_lines", "items", "n_items", "first_due", "days_left", "when",
               "filler", "phone", "office"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows).sort_values(["days_left", "_pos"], kind="stable")
    return frame[columns].reset_index(drop=True)


def status_lines(frames, as_of: dt.date, office: Mapping | None = None) -> list[str]:
    """`campaign status`: the 催报清单 as lines, most urgent first."""
    frame = dues_frame(frames, as_of, office)
    lines = [f"催报清单 as of {as_of}: {len(frame)} units owe something (most urgent first; "
             f"contact {office_contact(office)})"]
    for r in frame.to_dict("records"):
        who = " ".join(str(x) for x in (r["filler"], r["phone"]) if _given(x) and x) or "no footer yet"
        lines.append(f"  {r['unit']} — {r['when']} ({r['first_due']}), 填报人/电话 {who}")
        lines.append(f"    {r['owed']}")
    return lines
