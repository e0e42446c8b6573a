"""What each unit must send besides the forms (notice 六（四）), from the config file's [obligations].

    [obligations]
    plan_due_days = 7        # due = "plan": campaign.mobilisation_end + this many days

    [obligations.county]     # and [obligations.department]
    "实施方案" = { count = 1, due = "plan" }
    "工作动态信息" = { count = 2, from = "screening_start", to = "screening_end", due = "screening_end" }
    "总结报告" = { count = 1, due = "forms_due", with_forms = true }

`from` / `to` bound the arrival dates that count (omitted: any); `from`, `to` and `due` name a
[campaign] date (mobilisation_start, mobilisation_end, screening_start, screening_end,
forms_due), or are a date (2018-07-20); `due` may also be "plan". `with_forms`: the unit's
required forms must be accepted too (the 总结报告 goes "together with the 附表")."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from campaign.document_kinds import DEFAULT_LIMITS, EXTENSIONS, KINDS, OTHER

CAMPAIGN_DATES = ("mobilisation_start", "mobilisation_end", "screening_start", "screening_end", "forms_due")
UNIT_KINDS = ("county", "department")
_KEYS = {"count", "from", "to", "due", "with_forms"}

# the notice's defaults, used when the config file has no [obligations] section
DEFAULTS = {
    "plan_due_days": 7,
    "county": {"实施方案": {"count": 1, "due": "plan"},
               "工作动态信息": {"count": 2, "from": "screening_start", "to": "screening_end", "due": "screening_end"},
               "总结报告": {"count": 1, "due": "forms_due", "with_forms": True}},
    "department": {"实施方案": {"count": 1, "due": "plan"},
                   "工作动态信息": {"count": 1, "from": "screening_start", "to": "screening_end", "due": "screening_end"},
                   "总结报告": {"count": 1, "due": "forms_due", "with_forms": True}},
}


@dataclass(frozen=True)
class Obligation:
    unit_kind: str
    kind: str                  # the document kind asked for
    count: int
    window_start: dt.date | None
    window_end: dt.date | None
    due: dt.date
    with_forms: bool


def _date(config, value, where: str, plan: dt.date | None = None) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if value == "plan" and plan is not None:
        return plan
    if value in CAMPAIGN_DATES and value in config.raw.get("campaign", {}):
        return config.date(value)
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        names = ", ".join(CAMPAIGN_DATES + (("plan",) if plan else ()))
        raise ValueError(f"[obligations] {where} = {value!r} in {config.source}: use a date (2018-07-20) or one of {names}") from None


def obligations(config) -> list[Obligation]:
    """Every obligation of the config file (or the notice's defaults), validated."""
    raw = config.raw.get("obligations") or DEFAULTS
    days = raw.get("plan_due_days", DEFAULTS["plan_due_days"])
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 366:
        raise ValueError(f"[obligations] plan_due_days = {days!r} in {config.source}: a whole number of days 0..366")
    plan = config.date("mobilisation_end") + dt.timedelta(days=days) if "mobilisation_end" in config.raw["campaign"] \
        else config.date("screening_start")
    unknown = sorted(set(raw) - {"plan_due_days", *UNIT_KINDS})
    if unknown:
        raise ValueError(f"[obligations] in {config.source}: unknown keys {unknown}; known: plan_due_days, county, department")
    out = []
    for unit_kind in UNIT_KINDS:
        for kind, rule in (raw.get(unit_kind) or {}).items():
            where = f"{unit_kind}.{kind}"
            if kind not in KINDS or kind == OTHER:
                raise ValueError(f"[obligations.{unit_kind}] {kind!r} in {config.source}: "
                                 f"a document kind, one of {', '.join(k for k in KINDS if k != OTHER)}")
            if not isinstance(rule, dict) or set(rule) - _KEYS:
                raise ValueError(f"[obligations] {where} in {config.source}: an inline table with keys {sorted(_KEYS)}")
            count = rule.get("count", 1)
            if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
                raise ValueError(f"[obligations] {where}.count = {count!r} in {config.source}: a whole number 1..1000")
            with_forms = rule.get("with_forms", False)
            if not isinstance(with_forms, bool):
                raise ValueError(f"[obligations] {where}.with_forms = {with_forms!r} in {config.source}: true or false")
            start = _date(config, rule["from"], f"{where}.from") if "from" in rule else None
            end = _date(config, rule["to"], f"{where}.to") if "to" in rule else None
            due = _date(config, rule.get("due", "forms_due"), f"{where}.due", plan)
            if start and end and start > end:
                raise ValueError(f"[obligations] {where} in {config.source}: from {start} is after to {end}")
            out.append(Obligation(unit_kind, kind, count, start, end, due, with_forms))
    return out


def document_settings(config) -> dict:
    """The [documents] section: which extensions are documents and the reading limits."""
    raw = dict(config.raw.get("documents") or {})
    exts = raw.pop("extensions", list(EXTENSIONS))
    seconds = raw.pop("read_seconds", 60)
    unknown = sorted(set(raw) - set(DEFAULT_LIMITS))
    if unknown:
        raise ValueError(f"[documents] in {config.source}: unknown keys {unknown}")
    limits = {**DEFAULT_LIMITS, **raw}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in limits.values()):
        raise ValueError(f"[documents] in {config.source}: limits must be whole numbers > 0")
    # every format the reader reads is a document, whatever an older config file lists: a document
    # is never rejected for its format (an .ofd left out of an old list would be UNSUPPORTED_FORMAT)
    exts = tuple(dict.fromkeys([*(str(e).lower() for e in exts), *EXTENSIONS]))
    return {"extensions": exts, "limits": limits, "read_seconds": float(seconds)}
