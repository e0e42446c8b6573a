"""A form's title as units write it: "田家庵区涉嫌非法集资风险专项排查情况统计表（截至2018年7月15日）".

The printed title alone (perhaps after 附件N) is a title wherever it stands. A cell that holds the
title with more around it — the unit's name before it, an as-of date or 更正 after it, brackets,
or a title typed with a character dropped or changed — is only a *candidate*: it becomes a title
when the form's header follows below it (transforms.parse confirms that), so a sentence that
merely mentions a form ("详见重点风险线索统计表") never opens a form. What the title carries besides
the form's title (the unit's name, the as-of date) is kept with the form.

Pure: text in, a TitleMatch out.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from campaign.forms import FORMS, Form
from transforms.text import normalize_label, parse_date

_TITLES = {f.code: normalize_label(f.title) for f in FORMS}
_ATTACHMENT = re.compile(r"附件\s*[\d一二三]*\s*[:：.、\-]?")
_BRACKETS = "()（）[]【】〔〕<>《》「」『』{}"
_PUNCT = " :：,，.。、;；-—_/"
_SENTENCE = re.compile(r"[,。;!?]")   # after NFKC: ，；！？ are , ; ! ?
# a title is a short line: anything much longer is a sentence that mentions a form
_MAX_EXTRA = 40
# a title typed with a character dropped or changed ("涉嫌非法集资风险排查情况统计表"): after NFKC and
# without spaces it still aligns with the printed title this closely (rapidfuzz partial ratio, 0-100)
_FUZZY_MIN = 80


@dataclass(frozen=True)
class TitleMatch:
    form: Form
    exact: bool               # the printed title alone (or after 附件N): a title wherever it stands
    written: str              # the cell as written, spaces collapsed
    unit: str | None = None   # what stands before the title: the unit's name as the unit wrote it
    note: str | None = None   # what stands after it (an as-of date, 更正, ...), brackets removed
    as_of: dt.date | None = None   # a date in the note (截至2018年7月15日)


def _strip(text: str) -> str:
    return text.strip(_BRACKETS + _PUNCT)


def _decoration(text: str) -> str | None:
    """What a title carries besides the form's title, without 附件N marks, brackets or separators."""
    text = _strip(_ATTACHMENT.sub("", text))
    return text or None


@lru_cache(maxsize=1 << 16)   # every text cell of every sheet is looked at; most texts repeat across files
def match_title(text: str) -> TitleMatch | None:
    """The form whose title this cell holds, or None."""
    key = normalize_label(text)
    if not key or len(key) > max(len(t) for t in _TITLES.values()) + 2 * _MAX_EXTRA:
        return None
    written = " ".join(text.split())
    bare = _ATTACHMENT.sub("", key, count=1) if key.startswith("附件") else key
    for form in FORMS:
        if _strip(bare) == _TITLES[form.code]:
            return TitleMatch(form, True, written)
    for form in FORMS:
        at = key.find(_TITLES[form.code])
        if at >= 0:
            return _around(form, written, key[:at], key[at + len(_TITLES[form.code]):])
    if "表" not in key and "统计" not in key:   # the fuzzy look costs more: only texts that could be a title
        return None
    best = None
    for form in FORMS:
        title = _TITLES[form.code]
        if len(key) <= len(title) + 2:   # the title alone, mistyped
            score, start, end = fuzz.ratio(title, key), 0, len(key)
        else:                            # the title, mistyped, among other words
            got = fuzz.partial_ratio_alignment(title, key)
            score, start, end = got.score, got.dest_start, got.dest_end
            # the window is as long as the title: move its edges onto the title's first and last words
            head, tail = key.find(title[:2], max(0, start - 3)), key.rfind(title[-2:], 0, end + 3)
            start = head if 0 <= head <= start + 3 else start
            end = tail + 2 if tail >= 0 and tail + 2 >= end - 3 else end
        if score >= _FUZZY_MIN and (best is None or score > best[0]):
            best = (score, form, start, end)
    if best is None:
        return None
    _, form, start, end = best
    return _around(form, written, key[:start], key[end:])


def _around(form: Form, written: str, before: str, after: str) -> TitleMatch | None:
    if len(before) > _MAX_EXTRA or len(after) > _MAX_EXTRA or _SENTENCE.search(before + after):
        return None   # a sentence that mentions the form
    note = _decoration(after)
    as_of = parse_date(note) if note else None
    return TitleMatch(form, False, written, unit=_decoration(before), note=note, as_of=as_of)


def title_like(text: object) -> bool:
    """A cell that reads like a table's title (shown to a unit whose file holds no form we know)."""
    if type(text) is not str:
        return False
    key = normalize_label(text)
    return 4 <= len(key) <= 60 and ("表" in key or "统计" in key or "情况" in key)
