"""Read queries over the documented views: what the published workbook and the flows show.

Every function takes an open connection and returns a DataFrame (or a dict of figures);
nothing here writes. Units are listed in registry order (the config file's order)."""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd


@dataclass
class SummaryFrames:
    """Everything the summary workbook and the receipts are built from."""
    city_stats: pd.DataFrame
    unit_stats: pd.DataFrame
    risk_ledger: pd.DataFrame
    risk_reports: pd.DataFrame
    county_qualification: pd.DataFrame
    reporting_status: pd.DataFrame
    validation_issues: pd.DataFrame
    submissions: pd.DataFrame
    # the documents room (warehouse/documents.py): documents, obligations and the 考评
    documents: pd.DataFrame = field(default_factory=pd.DataFrame)
    obligations: pd.DataFrame = field(default_factory=pd.DataFrame)
    assessment: pd.DataFrame = field(default_factory=pd.DataFrame)
    assessment_flags: pd.DataFrame = field(default_factory=pd.DataFrame)
    company_candidates: pd.DataFrame = field(default_factory=pd.DataFrame)     # open pairs (疑似同一企业)
    credit_code_conflicts: pd.DataFrame = field(default_factory=pd.DataFrame)  # one name, several codes
    # history (warehouse/history.py), filled by the publish step once the night is recorded
    night_changes: pd.DataFrame = field(default_factory=pd.DataFrame)   # tonight vs the previous published night
    night_series: pd.DataFrame = field(default_factory=pd.DataFrame)    # one row per published night so far
    # what units still owe (warehouse/dues.py): latest footers (填报人, 电话), the file of each current form
    contacts: pd.DataFrame = field(default_factory=pd.DataFrame)
    current_forms: pd.DataFrame = field(default_factory=pd.DataFrame)


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def city_stats(con) -> pd.DataFrame:
    return _df(con, "SELECT * FROM city_stats ORDER BY scope, row_order")


def unit_stats(con, units: list[str]) -> pd.DataFrame:
    return _df(con, """SELECT unit, unit_kind, section, grp, item, is_added, screened, problem_count, people, amount,
                              rectified, cleaned, prosecuted, unremediated, main_problems, file_name
                       FROM unit_stats ORDER BY list_position(?, unit), row_order""", [units])


def risk_ledger(con) -> pd.DataFrame:
    """The ledger worst first, with what each unit reported (the ledger keeps the largest figures)."""
    return _df(con, """
        SELECT l.*, (SELECT string_agg(r.unit || '：' || printf('%.2f', r.amount) || '万元/' || printf('%.0f', r.people)
                                       || '人/未兑付' || printf('%.2f', r.unpaid) || '/' ||
                                       CASE WHEN r.cross_province THEN '跨省' ELSE '不跨省' END ||
                                       CASE WHEN r.company_key <> l.company_key       -- merged: as that unit named it
                                            THEN '（报为“' || r.company_name || '”）' ELSE '' END, '；'
                                       ORDER BY r.unit_kind, r.unit)
                     FROM risk_reports r LEFT JOIN company_identity i ON i.company_key = r.company_key
                     WHERE coalesce(i.ledger_key, r.company_key) = l.company_key) AS reports
        FROM risk_ledger l ORDER BY l.risk_rank""")


def company_candidates(con) -> pd.DataFrame:
    """The open candidate pairs, best first (the 疑似同一企业 sheet)."""
    return _df(con, """SELECT * FROM company_candidates WHERE decision = 'open'
                       ORDER BY score DESC, key_a, key_b""")


def credit_code_conflicts(con) -> pd.DataFrame:
    return _df(con, "SELECT * FROM credit_code_conflicts ORDER BY company_key")


def risk_reports(con, units: list[str]) -> pd.DataFrame:
    return _df(con, "SELECT * FROM risk_reports ORDER BY list_position(?, unit), row_no", [units])


def county_qualification(con, units: list[str]) -> pd.DataFrame:
    return _df(con, "SELECT * FROM county_qualification ORDER BY list_position(?, county)", [units])


def reporting_status(con, units: list[str]) -> pd.DataFrame:
    return _df(con, "SELECT * FROM reporting_status ORDER BY list_position(?, unit), form", [units])


def validation_issues(con, units: list[str]) -> pd.DataFrame:
    return _df(con, """SELECT i.unit, i.file_name, s.status, i.form, i.sheet, i.cell, i.rule, i.severity, i.value,
                              i.message, i.sha256
                       FROM validation_issues i
                       LEFT JOIN (SELECT DISTINCT unit, sha256, status FROM submissions WHERE status <> 'duplicate') s
                              USING (unit, sha256)
                       ORDER BY coalesce(list_position(?, i.unit), 9999), i.unit, i.file_name, i.seq""", [units])


def submissions(con, units: list[str]) -> pd.DataFrame:
    return _df(con, """SELECT * FROM submissions
                       ORDER BY coalesce(list_position(?, unit), 9999), unit, received_at, inbox_path""", [units])


def headline(con) -> dict:
    """The figures the consolidate flow logs: the counties' 合计 per section and the ledger in brief."""
    totals = {section: {"screened": float(s), "problem_count": float(p), "people": float(pe), "amount": float(a)}
              for section, s, p, pe, a in con.execute(
                  """SELECT section, screened, problem_count, people, amount FROM city_stats
                     WHERE scope = 'counties' AND is_total ORDER BY row_order""").fetchall()}
    companies, multi, cross = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE n_units >= 2), count(*) FILTER (WHERE cross_province) FROM risk_ledger"
    ).fetchone()
    qualifying = [c for (c,) in con.execute("SELECT county FROM county_qualification WHERE qualifies ORDER BY county").fetchall()]
    missing = con.execute("SELECT count(*) FROM reporting_status WHERE current_file IS NULL").fetchone()[0]
    return {"counties_totals": totals, "companies": companies, "multi_reporter_companies": multi,
            "cross_province_companies": cross, "qualifying_counties": qualifying, "forms_without_current_data": missing}
