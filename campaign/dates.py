"""Dates typed by a user (`--date`, `--since`): checked before anything starts."""
from __future__ import annotations

import datetime as dt
import re

from campaign.errors import InputError

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date_arg(text: str, option: str = "--date") -> dt.date:
    """YYYY-MM-DD, a real calendar day; anything else is the user's InputError (one line)."""
    value = (text or "").strip()
    if not _ISO.fullmatch(value):
        raise InputError(f"{option} {text!r}: expected a date as YYYY-MM-DD, e.g. 2018-07-21")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:   # 2018-13-45, 2018-02-30
        raise InputError(f"{option} {text!r}: no such day ({exc})") from None
