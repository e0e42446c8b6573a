"""Applying the office's filled 待核对 rows (transforms/office_review.py) to the warehouse.

A company pair is recorded exactly as `campaign match same|different` records it (identity.record_decision,
source 'office'), a document kind as `campaign documents classify` sets it; each row, applied or
not, is kept in office_decisions with its file, row and time. Later files are applied after earlier
ones, so when two filled copies disagree the later one is in force (and its row says whose decision
it replaced)."""
from __future__ import annotations

import datetime as dt

import duckdb

from campaign.errors import InputError
from transforms.office_review import OfficeDecision
from warehouse.documents import set_kind_by_hand
from warehouse.identity import record_decision

_PAIR_WORDS = {"same": "同一企业", "different": "不同企业"}


def _earlier(con, kind: str, subject: str, sha256: str) -> tuple | None:
    return con.execute("""SELECT file_name, row_no, decision FROM office_decisions
                          WHERE kind = ? AND subject = ? AND outcome = 'applied' AND sha256 <> ?
                          ORDER BY applied_at DESC LIMIT 1""", [kind, subject, sha256]).fetchone()


def apply_decisions(con: duckdb.DuckDBPyConnection, decisions: list[OfficeDecision], sha256: str, file_name: str,
                    by: str, now: dt.datetime) -> list[tuple[str, str, str]]:
    """Apply every row; returns (outcome, where, what) per row for the office's receipt."""
    out = []
    for d in decisions:
        subject = " | ".join(d.subject)
        where = f"工作表“{d.sheet}”第{d.row}行"
        note, outcome = None, "applied"
        if d.value is None:
            outcome, note = "invalid", f"“{d.written}”不是可选的值，未处理"
        else:
            earlier = _earlier(con, d.kind, subject, sha256)
            try:
                if d.kind == "pair":
                    record_decision(con, d.subject[0], d.subject[1], d.value, by, note=f"{file_name} {where}",
                                    source="office", at=now)
                    what = f"“{d.subject[0]}”与“{d.subject[1]}”：{_PAIR_WORDS[d.value]}"
                else:
                    unit, sha = d.subject
                    known = con.execute("SELECT file_name FROM documents WHERE unit = ? AND sha256 = ? LIMIT 1",
                                        [unit, sha]).fetchone()
                    if known is None:
                        raise InputError(f"没有找到{unit}的这份材料")
                    set_kind_by_hand(con, unit, sha, d.value, known[0], now)
                    what = f"{unit}《{known[0]}》：{d.value}"
                if earlier and earlier[2] != d.value:
                    note = f"与较早的《{earlier[0]}》第{earlier[1]}行（{_PAIR_WORDS.get(earlier[2], earlier[2])}）不同，以本文件为准"
            except InputError as exc:
                outcome, note, what = "refused", str(exc), subject
        con.execute("INSERT INTO office_decisions VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [sha256, file_name, d.sheet, d.row, d.kind, subject, d.value, outcome, note, now])
        if outcome == "applied":
            out.append(("applied", where, what + (f"（{note}）" if note else "")))
        else:
            out.append((outcome, where, f"{subject}：{note}"))
    return out
