"""The config file's schema: every section, key, type and range, checked when the file is loaded.

A typo must not silently switch a check off (`sum_tolerance = "-0.005"`, `run_lock_wait_secnds`,
`[operation]`): the first mistake found is one line naming the file, the key and the value, and
the command exits 2 (campaign.errors.InputError) before anything runs.

To add a key: one `Key(...)` line in its section of SCHEMA. To add a section: one entry in SCHEMA
(a dict of keys), or in OPEN_SECTIONS while its keys are still being settled."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from campaign.errors import InputError

FORM_CODES = ("附件1", "附件2", "附件3")


@dataclass(frozen=True)
class Key:
    """One config key: its type ("str", "int", "number", "decimal", "date", "bool", "list[str]"),
    whether it must be present, and its allowed range or values."""
    kind: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None
    nonempty: bool = False          # a string or list that may not be empty
    check: Callable[[Any], str | None] | None = None   # further rule: an error text, or None


def _timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except Exception:
        return "not a time zone name (e.g. Asia/Shanghai)"
    return None


def _extensions(values: list[str]) -> str | None:
    bad = [v for v in values if not v.startswith(".") or v != v.lower()]
    return f"extensions are written lower-case with their dot, e.g. \".xlsx\" (got {bad})" if bad else None


def _forms(values: list[str]) -> str | None:
    bad = [v for v in values if v not in FORM_CODES]
    return f"forms are {list(FORM_CODES)} (got {bad})" if bad else None


def _unit_names(values: list[str]) -> str | None:
    bad = [v for v in values if not v.strip() or "/" in v or "\\" in v or v.startswith(".") or v != v.strip()]
    return f"a unit is a folder name: not empty, no '/', no leading dot or spaces (got {bad})" if bad else None


def _clock(value: str) -> str | None:
    """"08:00": a time of day, HH:MM."""
    try:
        dt.time.fromisoformat(value)
    except ValueError:
        return 'must be a time of day, "HH:MM" (e.g. "08:00")'
    return None if len(value) == 5 else 'must be a time of day, "HH:MM" (e.g. "08:00")'


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekdays(values: list[str]) -> str | None:
    bad = [v for v in values if v.strip().lower()[:3] not in WEEKDAYS or len(v.strip()) < 3]
    return f"weekdays are Mon, Tue, Wed, Thu, Fri, Sat, Sun (got {bad})" if bad else None


SCHEMA: dict[str, dict[str, Key]] = {
    "campaign": {
        "name": Key("str", required=True, nonempty=True),
        "timezone": Key("str", required=True, check=_timezone),
        "mobilisation_start": Key("date"),
        "mobilisation_end": Key("date"),
        "screening_start": Key("date", required=True),
        "screening_end": Key("date", required=True),
        "forms_due": Key("date", required=True),
    },
    "schedule": {
        "hour": Key("int", min=0, max=23),
        "minute": Key("int", min=0, max=59),
    },
    "paths": {
        "inbox": Key("str", required=True, nonempty=True),
        "data_dir": Key("str", required=True, nonempty=True),
        "outbox": Key("str", nonempty=True),      # receipts, 回执汇总, 待办 where units look (default: beside the inbox)
    },
    "intake_schedule": {             # `campaign serve` runs `campaign intake` in office hours (cli/intake_schedule.py)
        "enabled": Key("bool"),
        "every_minutes": Key("int", min=1, max=60, check=lambda v: None if 60 % v == 0 else
                             "must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)"),
        "start": Key("str", check=lambda v: _clock(v)),
        "end": Key("str", check=lambda v: _clock(v)),
        "weekdays": Key("list[str]", nonempty=True, check=lambda v: _weekdays(v)),
    },
    "intake": {
        "settle_seconds": Key("number", required=True, min=0),
        "accepted_extensions": Key("list[str]", required=True, nonempty=True, check=_extensions),
        "legacy_extensions": Key("list[str]", required=True, check=_extensions),
        "temporary_suffixes": Key("list[str]", required=True),
        "max_file_bytes": Key("int", required=True, min=1),
        "max_uncompressed_bytes": Key("int", required=True, min=1),
        "max_cells": Key("int", min=1),
    },
    "operations": {
        "run_lock_wait_seconds": Key("number", min=0),
        "retries": Key("int", min=0, max=20),
        "retry_delay_seconds": Key("number", min=0),
        "check_window_hours": Key("number", min=1),     # `campaign status --check`: a completed run this recent
    },
    "execution": {
        "task_runner": Key("str", choices=("threads", "dask")),
        "dask_address": Key("str"),
        "parse_workers": Key("int", min=0),
        "parallel_min_files": Key("int", min=1),
        "chunk_files": Key("int", min=1),
        "batch_files": Key("int", min=1),
    },
    "validation": {
        "sum_tolerance": Key("decimal", required=True, min=0),
        "amount_per_person_max": Key("decimal", min=0),   # 万元 per person above this: flagged (money in 元?)
    },
    "risk": {
        "people_high": Key("number", required=True, min=0),
        "people_medium": Key("number", required=True, min=0),
        "unpaid_high": Key("number", required=True, min=0),
        "unpaid_medium": Key("number", required=True, min=0),
        "cross_province_points": Key("number", required=True, min=0),
        "multi_reporter_points": Key("number", required=True, min=0),
    },
    "publish": {
        "detail_units_max": Key("int", min=0),   # 分单位明细 lists each unit's rows up to this many units
    },
    "office": {                      # the city office's contact line, printed in footers and receipts
        "name": Key("str"),
        "contact": Key("str"),
        "phone": Key("str"),
        "email": Key("str"),
    },
    "documents": {
        "extensions": Key("list[str]", required=True, check=_extensions),
        "max_file_bytes": Key("int", min=1),
        "max_uncompressed_bytes": Key("int", min=1),
        "max_pdf_pages": Key("int", min=1),
        "read_seconds": Key("number", min=1),
    },
    "identity": {
        "home_province": Key("str", check=lambda v: None if len(v) == 2 and v.isdigit() else
                             'two digits of the administrative code, e.g. "34" (安徽)'),
        "min_score": Key("number", min=0, max=100),
        "min_trade_score": Key("number", min=0, max=100),
        "min_industry_score": Key("number", min=0, max=100),
        "pair_branch_with_head": Key("bool"),
    },
    "units": {
        "counties": Key("list[str]", required=True, check=_unit_names),
        "departments": Key("list[str]", required=True, check=_unit_names),
        "required_forms": Key("table", required=True),       # checked by REQUIRED_FORMS below
    },
}
REQUIRED_FORMS = {"county": Key("list[str]", required=True, nonempty=True, check=_forms),
                  "department": Key("list[str]", required=True, nonempty=True, check=_forms)}
REQUIRED_SECTIONS = ("campaign", "paths", "intake", "validation", "risk", "units")

# Sections whose nested shape is checked by their own reader when the config is loaded
# ([obligations]: campaign.obligations, called from load_config).
OPEN_SECTIONS = ("obligations",)


def _type_error(key: Key, value: Any) -> str | None:
    kind = key.kind
    if kind == "str":
        return None if isinstance(value, str) else "must be a string (in quotes)"
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "int":
        return None if isinstance(value, int) and not isinstance(value, bool) else "must be a whole number"
    if kind == "number":
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "must be a number"
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return 'must be a decimal number, e.g. "0.005"'
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            return 'must be a decimal number, e.g. "0.005"'
        return None if d.is_finite() else 'must be a finite decimal number, e.g. "0.005"'
    if kind == "date":
        if isinstance(value, dt.datetime) or not isinstance(value, (dt.date, str)):
            return "must be a date, YYYY-MM-DD"
        if isinstance(value, str):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return "must be a date, YYYY-MM-DD"
        return None
    if kind == "list[str]":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else 'must be a list of strings, e.g. ["a", "b"]'
    if kind == "table":
        return None if isinstance(value, dict) else "must be a table"
    raise AssertionError(kind)


def _numeric(key: Key, value: Any) -> float | Decimal | None:
    if key.kind == "decimal":
        return Decimal(str(value).strip())
    if key.kind in ("int", "number"):
        return value
    return None


def _value_error(key: Key, value: Any) -> str | None:
    problem = _type_error(key, value)
    if problem:
        return problem
    if key.choices is not None and value not in key.choices:
        return f"must be one of {list(key.choices)}"
    if key.nonempty and len(value) == 0:
        return "may not be empty"
    n = _numeric(key, value)
    if n is not None:
        if key.min is not None and n < key.min:
            return f"must be ≥ {key.min:g}"
        if key.max is not None and n > key.max:
            return f"must be ≤ {key.max:g}"
    return key.check(value) if key.check else None


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _check_table(source: Path, section: str, table: Any, keys: dict[str, Key]) -> None:
    if not isinstance(table, dict):
        raise InputError(f"config {source}: [{section}] must be a table (a [{section}] section), got {table!r}")
    for name in table:
        if name not in keys:
            raise InputError(f"config {source}: [{section}] {name} = {_toml(table[name])}: unknown key "
                             f"(known: {', '.join(sorted(keys))})")
    for name, key in keys.items():
        if name not in table:
            if key.required:
                raise InputError(f"config {source}: [{section}] {name} is missing")
            continue
        problem = _value_error(key, table[name])
        if problem:
            raise InputError(f"config {source}: [{section}] {name} = {_toml(table[name])}: {problem}")


def _toml(value) -> str:
    """A value as it is written in the file (2018-07-30, "text", 2.5), not as Python shows it."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    return repr(value)


def _fail(source: Path, where: str, problem: str) -> None:
    raise InputError(f"config {source}: {where}: {problem}")


def validate(raw: dict[str, Any], source: Path) -> None:
    """Raise InputError (one line: file, key, value, what is expected) at the first mistake."""
    known = set(SCHEMA) | set(OPEN_SECTIONS)
    for section in raw:
        if section not in known:
            raise InputError(f"config {source}: unknown section [{section}] (known: {', '.join(sorted(known))})")
    for section in REQUIRED_SECTIONS:
        if section not in raw:
            raise InputError(f"config {source}: section [{section}] is missing")
    for section, keys in SCHEMA.items():
        if section in raw:
            _check_table(source, section, raw[section], keys)
    for section in OPEN_SECTIONS:
        if section in raw and not isinstance(raw[section], dict):
            raise InputError(f"config {source}: [{section}] must be a table, got {raw[section]!r}")
    _check_table(source, "units.required_forms", raw["units"]["required_forms"], REQUIRED_FORMS)
    _cross_checks(raw, source)


def _cross_checks(raw: dict[str, Any], source: Path) -> None:
    """Rules between keys: the calendar in order, the registry without duplicates, medium ≤ high."""
    c = raw["campaign"]
    start, end, due = _date(c["screening_start"]), _date(c["screening_end"]), _date(c["forms_due"])
    if end < start:
        _fail(source, f"[campaign] screening_end = {end}", f"is before screening_start = {start} (a reversed window)")
    if not start <= due <= end:
        _fail(source, f"[campaign] forms_due = {due}", f"must lie inside the screening window {start} .. {end}")
    if "mobilisation_start" in c and "mobilisation_end" in c:
        m0, m1 = _date(c["mobilisation_start"]), _date(c["mobilisation_end"])
        if m1 < m0:
            _fail(source, f"[campaign] mobilisation_end = {m1}", f"is before mobilisation_start = {m0}")
    if "mobilisation_end" in c and _date(c["mobilisation_end"]) > start:
        _fail(source, f"[campaign] mobilisation_end = {_date(c['mobilisation_end'])}",
              f"is after screening_start = {start}")
    sched = raw.get("intake_schedule") or {}
    if "start" in sched and "end" in sched and dt.time.fromisoformat(sched["end"]) <= dt.time.fromisoformat(sched["start"]):
        _fail(source, f"[intake_schedule] end = {_toml(sched['end'])}", f"must be after start = {_toml(sched['start'])}")
    units = raw["units"]
    seen: dict[str, str] = {}
    for kind in ("counties", "departments"):
        for unit in units[kind]:
            if unit in seen:
                _fail(source, f"[units] {kind} = … {unit!r} …",
                      f"duplicate unit (already listed in {seen[unit]}); each unit is listed once")
            seen[unit] = kind
    risk = raw["risk"]
    for what in ("people", "unpaid"):
        if risk[f"{what}_medium"] > risk[f"{what}_high"]:
            _fail(source, f"[risk] {what}_medium = {risk[what + '_medium']!r}",
                  f"must be ≤ {what}_high = {risk[what + '_high']!r}")
