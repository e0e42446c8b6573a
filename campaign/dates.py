"""The data date of a run: the campaign night a published workbook stands for.

One small module so that every command checks a typed date the same way (before anything
runs) and every sheet, footer and file name shows the date in one style."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

import pandas as pd

from campaign.errors import InputError

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")   # ASCII digits: \d takes ２０１８ too


def parse_date_arg(text: str | dt.date | None, option: str = "--date") -> dt.date | None:
    """A YYYY-MM-DD argument as a date; None stays None. A bad date is the user's mistake:
    InputError with one line naming the option and what is expected."""
    if text is None or isinstance(text, dt.date):
        return text.date() if isinstance(text, dt.datetime) else text
    value = str(text).strip()
    if not _ISO.fullmatch(value):
        raise InputError(f"{option} {text!r}: expected a date as YYYY-MM-DD, e.g. 2018-07-20")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:   # 2018-13-45, 2018-02-30
        raise InputError(f"{option} {text!r}: no such day ({exc}); write it as YYYY-MM-DD") from None


def zh_date(value: dt.date | dt.datetime) -> str:
    """The one date style of everything a clerk reads: 2018年7月20日 (as the forms' 年 月 日 footer)."""
    return f"{value.year}年{value.month}月{value.day}日"


ZH_DATE_FORMAT = 'yyyy"年"m"月"d"日"'              # the same style for date cells
ZH_DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'


def newest_arrival(arrivals: Iterable[Any], tz: str) -> dt.date | None:
    """The local date of the newest of some UTC arrival timestamps (None if there are none)."""
    stamps = [pd.Timestamp(a) for a in arrivals if a is not None and not pd.isna(a)]
    if not stamps:
        return None
    newest = max(stamps)
    newest = newest.tz_localize("UTC") if newest.tzinfo is None else newest.tz_convert("UTC")
    return newest.tz_convert(tz).date()


def default_data_date(newest: dt.date | None, start: dt.date, end: dt.date, today: dt.date) -> dt.date:
    """The date of the newest data received (today when nothing arrived yet), clipped to the
    screening window: a hand run months later still stands for the campaign's last night."""
    day = newest or today
    return min(max(day, start), end)
