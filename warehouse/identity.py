"""Company identity in the warehouse: read the reported companies and the office's decisions,
write the candidates and the merges (transforms/identity.py decides them), record decisions.

Tables in schema_identity.sql; the views over them in views_identity.sql; risk_ledger merges by
company_identity. Decisions live in match_decisions, which no rerun or reprocess touches."""
from __future__ import annotations

import csv
import datetime as dt
import io
import time
from dataclasses import dataclass

import duckdb

from campaign.errors import InputError
from transforms.identity import Company, IdentitySettings, UnionFind, find_candidates, pair_score, resolve
from transforms.text import company_key
from warehouse.db import transaction

DECISIONS = ("same", "different")
CSV_COLUMNS = ["key_a", "key_b", "decision", "decided_by", "decided_at", "note", "name_a", "name_b"]


def reported_companies(con: duckdb.DuckDBPyConnection) -> tuple[list[Company], dict[str, tuple]]:
    """Every company key in risk_reports: spelling, reporters, valid codes; and its weight (units, reports)."""
    rows = con.execute("""
        SELECT company_key, first(company_name ORDER BY n DESC, company_name) AS name,
               list(DISTINCT unit ORDER BY unit) AS units, list(DISTINCT credit_code) FILTER (WHERE credit_code IS NOT NULL),
               count(DISTINCT unit), sum(n)
        FROM (SELECT *, count(*) OVER (PARTITION BY company_key, company_name) AS n FROM risk_reports)
        GROUP BY company_key""").fetchall()
    companies = [Company(k, name, tuple(units), frozenset(codes or ())) for k, name, units, codes, _, _ in rows]
    return companies, {k: (n_units, n) for k, _, _, _, n_units, n in rows}


def current_decisions(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute("SELECT key_a, key_b, decision FROM match_decisions_current ORDER BY decided_at").fetchall()


@dataclass
class IdentityFigures:
    companies: int
    candidates: int
    open: int
    merged_keys: int
    code_conflicts: int
    refused: int
    seconds: float


def refresh_identity(con: duckdb.DuckDBPyConnection, settings: IdentitySettings) -> IdentityFigures:
    """Recompute company_identity and identity_candidates from tonight's reports and every decision."""
    start = time.perf_counter()
    companies, weight = reported_companies(con)
    decisions = current_decisions(con)
    same = [(a, b) for a, b, d in decisions if d == "same"]
    different = [(a, b) for a, b, d in decisions if d == "different"]
    ident = resolve(companies, same, different, weight)
    found = find_candidates(companies, settings, ident.ledger_key)
    keys = {c.key for c in companies}
    pairs = {(c.key_a, c.key_b): (c.score, c.reason) for c in found}
    for a, b, _ in decisions:          # a decided pair stays listed while both keys are reported
        if a in keys and b in keys and (a, b) not in pairs:
            pairs[(a, b)] = (pair_score(a, b), "市处非办人工比对")
    with transaction(con):
        con.execute("DELETE FROM company_identity")
        if ident.ledger_key:
            ks = sorted(ident.ledger_key)
            con.execute("INSERT INTO company_identity SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
                        "unnest(?::VARCHAR[])", [ks, [ident.ledger_key[k] for k in ks], [ident.how.get(k) for k in ks]])
        con.execute("DELETE FROM identity_candidates")
        if pairs:
            ps = sorted(pairs)
            con.execute("INSERT INTO identity_candidates SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
                        "unnest(?::DOUBLE[])::DECIMAL(5,1), unnest(?::VARCHAR[])",
                        [[a for a, _ in ps], [b for _, b in ps], [pairs[p][0] for p in ps], [pairs[p][1] for p in ps]])
    n_open = con.execute("SELECT count(*) FROM company_candidates WHERE decision = 'open'").fetchone()[0]
    merged = sum(1 for k, ledger in ident.ledger_key.items() if k != ledger)
    return IdentityFigures(len(companies), len(pairs), n_open, merged, len(ident.code_conflicts),
                           len(ident.refused), round(time.perf_counter() - start, 3))


# --------------------------------------------------------------------------------------
# decisions

def _pair(a: str, b: str) -> tuple[str, str]:
    a, b = company_key(a), company_key(b)
    if not a or not b:
        raise InputError("a company key is empty: give both keys as `campaign match list` shows them")
    if a == b:
        raise InputError(f"both keys are “{a}”: a decision needs two different companies")
    return (a, b) if a < b else (b, a)


def _known_keys(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {k for (k,) in con.execute("SELECT DISTINCT company_key FROM risk_reports").fetchall()}


def check_decision(decided: list[tuple[str, str, str]], a: str, b: str, decision: str) -> None:
    """Refuse a decision that contradicts the ones in force (union-find over the `same` decisions):
    `same` across a `different`, or `different` between two keys that `same` decisions join."""
    rest = [(x, y, d) for x, y, d in decided if (x, y) != (a, b)]
    uf = UnionFind()
    for x, y, d in rest:
        if d == "same":
            uf.union(x, y)
    if decision == "different" and uf.find(a) == uf.find(b):
        raise InputError(f"“{a}” and “{b}” are one company through earlier `same` decisions; "
                         f"record `different` on the pair that joins them first (campaign match list --decided)")
    if decision == "same":
        ra, rb = uf.find(a), uf.find(b)
        for x, y, d in rest:
            if d == "different" and {uf.find(x), uf.find(y)} == {ra, rb}:
                raise InputError(f"“{a}” and “{b}” would join “{x}” and “{y}”, decided different; "
                                 f"change that decision first")


def record_decision(con: duckdb.DuckDBPyConnection, a: str, b: str, decision: str, by: str,
                    note: str | None = None, source: str = "cli", at: dt.datetime | None = None,
                    check_known: bool = True) -> tuple[str, str]:
    if decision not in DECISIONS:
        raise InputError(f"decision must be same or different, not {decision!r}")
    a, b = _pair(a, b)
    if check_known:
        known = _known_keys(con)
        missing = [k for k in (a, b) if k not in known]
        if missing:
            raise InputError(f"no company with key “{missing[0]}” in the ledger's reports "
                             f"(keys as in `campaign match list` or risk_reports.company_key)")
    check_decision(current_decisions(con), a, b, decision)
    con.execute("INSERT INTO match_decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (a, b, decision, by, at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), note, source))
    return a, b


def export_csv(con: duckdb.DuckDBPyConnection) -> str:
    """Every decision in force as CSV (UTF-8 with BOM, so Excel shows the Chinese)."""
    rows = con.execute("""
        SELECT d.key_a, d.key_b, d.decision, d.decided_by, strftime(d.decided_at, '%Y-%m-%dT%H:%M:%S'), d.note,
               (SELECT min(company_name) FROM risk_reports r WHERE r.company_key = d.key_a),
               (SELECT min(company_name) FROM risk_reports r WHERE r.company_key = d.key_b)
        FROM match_decisions_current d
        ORDER BY d.decided_at, d.key_a, d.key_b""").fetchall()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    w.writerows(rows)
    return "\ufeff" + buf.getvalue()


def import_csv(con: duckdb.DuckDBPyConnection, text: str, file_name: str, by: str) -> tuple[int, int]:
    """Record the decisions of a CSV (as export_csv writes it; name_a/name_b are ignored), all or none.
    A row equal to the decision in force is skipped. Returns (recorded, unchanged)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    need = {"key_a", "key_b", "decision"}
    if not reader.fieldnames or not need <= set(reader.fieldnames):
        raise InputError(f"{file_name}: the header must name key_a, key_b and decision (as `campaign match export` writes)")
    in_force = {(a, b): d for a, b, d in current_decisions(con)}
    recorded = unchanged = 0
    with transaction(con):
        for line, row in enumerate(reader, 2):
            decision = (row.get("decision") or "").strip()
            if decision not in DECISIONS:
                raise InputError(f"{file_name} line {line}: decision must be same or different, not {decision!r}")
            try:
                a, b = _pair(row["key_a"] or "", row["key_b"] or "")
            except InputError as exc:
                raise InputError(f"{file_name} line {line}: {exc}") from None
            if in_force.get((a, b)) == decision:
                unchanged += 1
                continue
            at = None   # the decision's own time, unless it changes one in force: then now (it must win)
            if (row.get("decided_at") or "").strip() and (a, b) not in in_force:
                try:
                    at = dt.datetime.fromisoformat(row["decided_at"].strip())
                except ValueError:
                    raise InputError(f"{file_name} line {line}: decided_at {row['decided_at']!r} is not "
                                     f"YYYY-MM-DDTHH:MM:SS") from None
            try:
                record_decision(con, a, b, decision, (row.get("decided_by") or "").strip() or by,
                                (row.get("note") or "").strip() or None, f"import:{file_name}",
                                at=at, check_known=False)
            except InputError as exc:
                raise InputError(f"{file_name} line {line}: {exc}") from None
            in_force[(a, b)] = decision
            recorded += 1
    return recorded, unchanged
