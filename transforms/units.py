"""The measuring units a form is filled in: its 单位 line and units written into header labels.

The notice fixes them (附件1 单位：个、人、万元; 附件2 单位：人、万元; 注5: 2 decimals). A unit that
fills amounts in 元 (or 千元, 亿元), or people in 万人, writes figures 10,000× off that nobody
would notice in a city total. They are never rescaled silently and never read as 万元: the form is
rejected naming the cell and saying what to do (MONEY_UNIT, PEOPLE_UNIT). Units nobody wrote down
are caught afterwards by a plausibility flag (plausibility.py).

Pure: cell texts in, issues out.
"""
from __future__ import annotations

import re
from typing import Any

from campaign.forms import MONEY, PEOPLE, Form
from transforms.sheet import Sheet, cell_ref
from transforms.issues import Issue, error
from transforms.text import normalize_label

MONEY_UNIT, PEOPLE_UNIT = "万元", "人"
# "单位：个、人、元" / "金额单位：元" / "（单位：万元）" — but not 填报单位：田家庵区 (the unit's name)
_UNIT_LINE = re.compile(r"(?<!填报)(?<!报送)(?<!填表)(?<!牵头)(?<!责任)(?<!上报)(?:金额|计量)?单位[:：]?(.*)")
_SCALED = r"(?:十|百|千|万|十万|百万|千万|亿|万亿)?"
_MONEY = re.compile(rf"({_SCALED}(?:人民币)?元|美元)")
_PEOPLE = re.compile(rf"({_SCALED}人)(?!民币)(?!次)")
# a header label with its unit in brackets: 涉及金额（元）, 涉及人数(人)
_HEADER_UNIT = re.compile(rf"[(（](?:单位[:：]?)?({_SCALED}(?:人民币)?元|美元|{_SCALED}人|个|家|户|件|起|人次)[)）]$")


def split_header_unit(label: str) -> tuple[str, str | None]:
    """A normalised header label without a bracketed unit at its end, and that unit."""
    m = _HEADER_UNIT.search(label)
    return (label[:m.start()], m.group(1)) if m else (label, None)


def units_in(text: str) -> tuple[str | None, str | None]:
    """(money unit, people unit) named by a 单位 line; None where it names none."""
    m = _UNIT_LINE.search(normalize_label(text))
    if not m:
        return None, None
    rest = m.group(1)
    money, people = _MONEY.search(rest), _PEOPLE.search(rest)
    return (money.group(1) if money else None), (people.group(1) if people else None)


def _has_money(form: Form) -> bool:
    return any(c.kind == MONEY for c in form.columns)


def unit_line_issues(sheet: Sheet, grid: list[list[Any]], form: Form, title_row: int, header_top: int,
                     where: dict) -> list[Issue]:
    """Issues of the 单位 line(s) between the title and the header (the title row included)."""
    out = []
    for r in range(max(title_row, 0), header_top):
        for c, value in enumerate(grid[r]):
            if type(value) is not str or "单位" not in value:
                continue
            money, people = units_in(value)
            written = " ".join(value.split())
            if money and money != MONEY_UNIT and _has_money(form):
                out.append(_money_issue(form, f"单位行写的是“{written}”", cell_ref(r, c), money, where))
            if people and people != PEOPLE_UNIT:
                out.append(_people_issue(form, f"单位行写的是“{written}”", cell_ref(r, c), people, where))
    return out


def header_unit_issues(form: Form, header_units: dict[str, tuple[str, str]], where: dict) -> list[Issue]:
    """Issues of units written into header labels: column name -> (unit, header cell)."""
    out = []
    for col in form.columns:
        if col.name not in header_units:
            continue
        unit, cell = header_units[col.name]
        if col.kind == MONEY and unit != MONEY_UNIT:
            out.append(_money_issue(form, f"“{col.label}”栏的表头写的是“{col.label}（{unit}）”", cell, unit, where))
        elif col.kind == PEOPLE and unit != PEOPLE_UNIT:
            out.append(_people_issue(form, f"“{col.label}”栏的表头写的是“{col.label}（{unit}）”", cell, unit, where))
    return out


def _money_issue(form: Form, said: str, cell: str, unit: str, where: dict) -> Issue:
    return error("MONEY_UNIT",
                 f"{form.code}{said}：金额按“{unit}”填报。本表金额一律以万元为单位、保留2位小数（注5），"
                 f"系统不会自动换算。请把金额换算为万元（如 {_example(unit)}）并把单位改为“万元”后重新报送。"
                 f" Money is filled in {unit}, not 万元: convert to 万元 with 2 decimals.",
                 cell=cell, value=unit, **where)


def _people_issue(form: Form, said: str, cell: str, unit: str, where: dict) -> Issue:
    return error("PEOPLE_UNIT",
                 f"{form.code}{said}：涉及人数按“{unit}”填报。涉及人数一律以“人”为单位填写整数，"
                 f"系统不会自动换算。请换算为人数（如 1.2万人 填 12000）后重新报送。"
                 f" People are counted in {unit}, not 人: fill whole persons.",
                 cell=cell, value=unit, **where)


_EXAMPLES = {"元": "1234567 元 填 123.46", "千元": "12345 千元 填 1234.50", "亿元": "1.5 亿元 填 15000.00",
             "百万元": "12 百万元 填 1200.00"}


def _example(unit: str) -> str:
    return _EXAMPLES.get(unit, "按实际金额折算")
