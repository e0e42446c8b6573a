"""History (issue 17): every published night kept in the warehouse, and what changed since the last one.

`record_night` copies tonight's consolidated views (city_stats, risk_ledger, risk_reports,
county_qualification, reporting_status, submissions) into the hist_* tables under the night's
data date, writes the publish record (published_nights) and computes the night's changes against
the published night before it (hist_night_changes, the view night_changes). A rerun of a night
replaces that night's rows. The cost of a night depends on tonight's rows only: the other nights
are neither read nor rewritten (the changes read one previous night; the trend reads one row of
totals per night). `PublishedNight` holds it all in one transaction that the publish step commits
only once the workbook is written (flows/publish.py).
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from campaign.forms import FOCUS_AREAS, FOCUS_BEHAVIOURS, FORM1, FORM2, FORM3
from warehouse import db

HERE = Path(__file__).parent

# What each night keeps: the view, and the columns copied (the hist_* table's columns after data_date).
SNAPSHOTS = {
    "hist_city_stats": ("city_stats", "scope, section, grp, item, is_added, is_total, row_order, n_units, screened, "
                        "problem_count, people, amount, rectified, cleaned, prosecuted, unremediated, main_problems, "
                        "measures, unremediated_reason"),
    "hist_risk_ledger": ("risk_ledger", "company_key, company_name, reporting_units, n_units, n_reports, "
                         "cross_province, amount, people, unpaid, disagreement, risk_score, risk_rank"),
    "hist_risk_reports": ("risk_reports", "unit, unit_kind, company_key, company_name, amount, people, unpaid, "
                          "cross_province, refund_status, outcome, file_name, row_no"),
    "hist_county_qualification": ("county_qualification", "county, criminal_cases, over_50_case, over_20_petition, "
                                  "qualifies, reported, file_name, footer_date"),
    "hist_reporting_status": ("reporting_status r LEFT JOIN current_forms c ON c.unit = r.unit AND c.form = r.form",
                              "r.unit, r.unit_kind, r.form, r.received, r.files, r.last_received_at, r.status, "
                              "r.current_file, c.sha256, r.first_accepted_on, r.on_time"),
    "hist_submissions": ("submissions", "unit, file_name, inbox_path, sha256, status, error_count, is_current"),
}

F1_FIGURES = [c.name for c in FORM1.totalled_columns]
F2_FIGURES = ["amount", "people", "unpaid"]
_WHOLE = {"个", "人", "起"}
# field -> (Chinese label, unit word) for the notes
LABELS: dict[str, tuple[str, str]] = {
    **{c.name: (f"{c.parent}{c.label}" if c.label == "机构数量" else c.label,
                "人" if c.name == "people" else ("万元" if c.name == "amount" else "个"))
       for c in FORM1.totalled_columns},
    "unpaid": (FORM2.column("unpaid").label, "万元"), "cross_province": (FORM2.column("cross_province").label, ""),
    "refund_status": (FORM2.column("refund_status").label, ""), "outcome": (FORM2.column("outcome").label, ""),
    "criminal_cases": (FORM3.column("criminal_cases").label, "起"),
    "over_50_case": ("是否存在本地常住人口参与非法集资刑事案件达50人以上", ""),
    "over_20_petition": ("是否发生20人以上集访、闹访事件", ""),
    "qualifies": ("是否符合“无非法集资区、县”条件", ""), "reported": ("是否有有效附件3", ""),
}
SCOPE_ZH = {"counties": "县区", "departments": "市直部门"}
KIND_ORDER = ["city_figure", "ledger_entered", "ledger_left", "ledger_figure", "report_added", "report_removed",
              "report_figure", "qualification", "submission_rejected", "submission_new", "submission_superseded",
              "submission_verdict", "unit_completed", "unit_owes"]


def _labels_cte() -> str:
    rows = ", ".join(f"('{f}', '{label}', '{word}')" for f, (label, word) in LABELS.items())
    return f"labels(field, label, word) AS (VALUES {rows})"


def _txt(expr: str, kind: str) -> str:
    if kind == "num":
        return f"CAST({expr} AS VARCHAR)"
    if kind == "bool":
        return f"CASE WHEN {expr} THEN '是' WHEN NOT {expr} THEN '否' END"
    return f"CAST({expr} AS VARCHAR)"


def _long(table: str, keys: str, fields: dict[str, str], side: str) -> str:
    """One row per entity and field of one night: keys, field, num (figures) and txt (as shown)."""
    parts = []
    for name, kind in fields.items():
        num = name if kind == "num" else "CAST(NULL AS DECIMAL(18,2))"
        source = f"night_{side}_{table}" if table.startswith("hist_") else table
        parts.append(f"SELECT {keys}, '{name}' AS field, {num} AS num, {_txt(name, kind)} AS txt FROM {source}")
    return " UNION ALL ".join(parts)


def _fmt(expr: str, word: str) -> str:
    """A figure for a note: whole counts without decimals, money with its 2."""
    return (f"CASE WHEN {expr} IS NULL THEN '无' WHEN {word} IN ({', '.join(repr(w) for w in _WHOLE)}) "
            f"AND {expr} = round({expr}) THEN CAST(CAST({expr} AS BIGINT) AS VARCHAR) ELSE CAST({expr} AS VARCHAR) END")


def _signed(expr: str, word: str) -> str:
    return f"(CASE WHEN {expr} IS NOT NULL THEN (CASE WHEN {expr} > 0 THEN '+' ELSE '' END || {_fmt(expr, word)}) END)"


def _shown(num: str, txt: str, word: str) -> str:
    """A before/after value in a note: a figure formatted, an answer or text as it is, '空' for none."""
    return f"(CASE WHEN {num} IS NOT NULL THEN {_fmt(num, word)} ELSE coalesce({txt}, '空') END)"


def _units(expr: str, order: str) -> str:
    """'A、B、C' or, past five, 'A、B、C、D、E等12个单位'."""
    return (f"CASE WHEN count(*) > 5 THEN array_to_string(list({expr} ORDER BY {order})[1:5], '、') || '等' "
            f"|| count(*) || '个单位' ELSE string_agg({expr}, '、' ORDER BY {order}) END")


_REPORT_FIELDS = {"amount": "num", "people": "num", "unpaid": "num", "cross_province": "bool",
                  "refund_status": "text", "outcome": "text"}
_LEDGER_FIELDS = {"amount": "num", "people": "num", "unpaid": "num", "cross_province": "bool"}
_COUNTY_FIELDS = {"qualifies": "bool", "reported": "bool", "criminal_cases": "num", "over_50_case": "bool",
                  "over_20_petition": "bool"}


def _changes_sql() -> str:
    city_key = "scope, section, grp, item, is_total, row_order"
    moved = "(c.txt IS DISTINCT FROM p.txt)"
    return f"""
INSERT INTO hist_night_changes (data_date, seq, kind, unit, subject, field, before, after, delta, note, weight)
WITH {_labels_cte()},
rs_cur AS (SELECT * FROM night_cur_hist_reporting_status),
rs_prev AS (SELECT * FROM night_prev_hist_reporting_status),
f1_changed AS (   -- per scope: the units whose current 附件1 is another file than last night
    SELECT CASE c.unit_kind WHEN 'county' THEN 'counties' ELSE 'departments' END AS scope,
           {_units('c.unit', 'c.unit')} AS units
    FROM rs_cur c LEFT JOIN rs_prev p ON p.unit = c.unit AND p.form = c.form
    WHERE c.form = '附件1' AND c.current_sha256 IS DISTINCT FROM p.current_sha256
    GROUP BY 1
),
city_cur AS ({_long('hist_city_stats', city_key, {f: 'num' for f in F1_FIGURES}, 'cur')}),
city_prev AS ({_long('hist_city_stats', city_key, {f: 'num' for f in F1_FIGURES}, 'prev')}),
city AS (
    SELECT 'city_figure' AS kind, u.units AS unit,
           '附件1（' || CASE coalesce(c.scope, p.scope) WHEN 'counties' THEN '县区' ELSE '市直部门' END || '）'
           || coalesce(c.section, p.section) || '·' || coalesce(coalesce(c.grp, p.grp) || '·', '')
           || coalesce(c.item, p.item) AS subject,
           coalesce(c.field, p.field) AS field, coalesce(p.num, 0) AS b, coalesce(c.num, 0) AS a,
           CASE coalesce(c.scope, p.scope) WHEN 'counties' THEN 0 ELSE 1 END AS sub_order
    FROM city_cur c
    FULL JOIN city_prev p ON p.scope = c.scope AND p.section = c.section AND p.item = c.item
                         AND p.grp IS NOT DISTINCT FROM c.grp AND p.field = c.field
    LEFT JOIN f1_changed u ON u.scope = coalesce(c.scope, p.scope)
    WHERE coalesce(c.num, 0) <> coalesce(p.num, 0)
),
city_rows AS (
    SELECT kind, unit, subject, field, CAST(b AS VARCHAR) AS before, CAST(a AS VARCHAR) AS after, a - b AS delta,
           subject || '：' || l.label || ' ' || {_fmt('b', 'l.word')} || ' → ' || {_fmt('a', 'l.word')} || l.word
           || '（' || {_signed('a - b', 'l.word')} || '）' AS note,
           abs(a - b) AS weight, sub_order
    FROM city x JOIN labels l USING (field)
),
rep_cur AS (SELECT * FROM night_cur_hist_risk_reports
            QUALIFY row_number() OVER (PARTITION BY unit, company_key ORDER BY row_no) = 1),
rep_prev AS (SELECT * FROM night_prev_hist_risk_reports
             QUALIFY row_number() OVER (PARTITION BY unit, company_key ORDER BY row_no) = 1),
led_cur AS (SELECT * FROM night_cur_hist_risk_ledger),
led_prev AS (SELECT * FROM night_prev_hist_risk_ledger),
rep_long_cur AS ({_long('rep_cur', 'unit, company_key, company_name', _REPORT_FIELDS, 'cur')}),
rep_long_prev AS ({_long('rep_prev', 'unit, company_key, company_name', _REPORT_FIELDS, 'prev')}),
rep_moves AS (   -- a unit's own report of a company: a figure or answer that changed
    SELECT coalesce(c.unit, p.unit) AS unit, coalesce(c.company_key, p.company_key) AS company_key,
           coalesce(c.company_name, p.company_name) AS company_name, coalesce(c.field, p.field) AS field,
           p.num AS b, c.num AS a, p.txt AS before, c.txt AS after, c.unit IS NULL AS removed, p.unit IS NULL AS added
    FROM rep_long_cur c
    FULL JOIN rep_long_prev p ON p.unit = c.unit AND p.company_key = c.company_key AND p.field = c.field
    WHERE {moved}
),
rep_changed AS (   -- per company: the units whose report of it changed tonight
    SELECT company_key, {_units('unit', 'unit')} AS units
    FROM (SELECT DISTINCT company_key, unit FROM rep_moves) GROUP BY company_key
),
reports AS (
    SELECT CASE WHEN m.added THEN 'report_added' WHEN m.removed THEN 'report_removed' ELSE 'report_figure' END AS kind,
           m.unit, m.company_name AS subject, m.field, m.before, m.after, m.a - m.b AS delta,
           CASE WHEN m.added THEN m.unit || ' 新报送 ' || m.company_name
                WHEN m.removed THEN m.unit || ' 不再报送 ' || m.company_name
                ELSE m.unit || ' 报送的 ' || m.company_name || ' ' || l.label || '：'
                     || {_shown('m.b', 'm.before', 'l.word')} || ' → ' || {_shown('m.a', 'm.after', 'l.word')} || l.word
                     || coalesce('（' || {_signed('m.a - m.b', 'l.word')} || '）', '') END AS note,
           coalesce(abs(m.a - m.b), 0) AS weight, 0 AS sub_order
    FROM rep_moves m JOIN labels l USING (field)
    WHERE (NOT m.added AND NOT m.removed)
       OR (m.field = 'amount' AND m.company_key IN (SELECT company_key FROM led_cur)
                              AND m.company_key IN (SELECT company_key FROM led_prev))
),
led_long_cur AS ({_long('led_cur', 'company_key, company_name', _LEDGER_FIELDS, 'cur')}),
led_long_prev AS ({_long('led_prev', 'company_key, company_name', _LEDGER_FIELDS, 'prev')}),
ledger_in_out AS (
    SELECT 'ledger_entered' AS kind, array_to_string(c.reporting_units, '、') AS unit, c.company_name AS subject,
           'company_key' AS field, NULL AS before, c.company_key AS after, c.unpaid AS delta,
           '新进入风险台账：' || c.company_name || '（报送单位：' || array_to_string(c.reporting_units, '、')
           || '；涉及金额' || c.amount || '万元，涉及人数' || {_fmt('c.people', "'人'")} || '人，未兑付资金'
           || c.unpaid || '万元' || CASE WHEN c.cross_province THEN '，跨省' ELSE '' END || '）' AS note,
           coalesce(c.unpaid, 0) AS weight, 0 AS sub_order
    FROM led_cur c ANTI JOIN led_prev p USING (company_key)
    UNION ALL
    SELECT 'ledger_left', array_to_string(p.reporting_units, '、'), p.company_name, 'company_key', p.company_key, NULL,
           -p.unpaid,
           '退出风险台账：' || p.company_name || '（上一晚报送单位：' || array_to_string(p.reporting_units, '、')
           || '；未兑付资金' || p.unpaid || '万元）',
           coalesce(p.unpaid, 0), 0
    FROM led_prev p ANTI JOIN led_cur c USING (company_key)
),
ledger_moves AS (
    SELECT 'ledger_figure' AS kind, r.units AS unit, c.company_name AS subject, field, p.txt AS before,
           c.txt AS after, c.num - p.num AS delta,
           '风险台账 ' || c.company_name || ' ' || l.label || '：' || {_shown('p.num', 'p.txt', 'l.word')} || ' → '
           || {_shown('c.num', 'c.txt', 'l.word')} || l.word || coalesce('（' || {_signed('c.num - p.num', 'l.word')} || '）', '')
           || coalesce('，因 ' || r.units || ' 的报送变化', '') AS note,
           coalesce(abs(c.num - p.num), 0) AS weight, 0 AS sub_order
    FROM led_long_cur c JOIN led_long_prev p USING (company_key, field)
    JOIN labels l USING (field)
    LEFT JOIN rep_changed r USING (company_key)
    WHERE {moved}
),
cq_cur AS ({_long('hist_county_qualification', 'county', _COUNTY_FIELDS, 'cur')}),
cq_prev AS ({_long('hist_county_qualification', 'county', _COUNTY_FIELDS, 'prev')}),
counties AS (
    SELECT 'qualification' AS kind, county AS unit, county AS subject, field, p.txt AS before, c.txt AS after,
           c.num - p.num AS delta,
           county || ' ' || l.label || '：' || {_shown('p.num', 'p.txt', 'l.word').replace("'空'", "'无'")} || ' → '
           || {_shown('c.num', 'c.txt', 'l.word').replace("'空'", "'无'")} || l.word AS note,
           CASE field WHEN 'qualifies' THEN 2 WHEN 'reported' THEN 1 ELSE 0 END AS weight, 0 AS sub_order
    FROM cq_cur c LEFT JOIN cq_prev p USING (county, field)
    JOIN labels l USING (field)
    WHERE {moved} AND (p.county IS NOT NULL OR c.txt IS NOT NULL)
),
sub_cur AS (SELECT * FROM night_cur_hist_submissions),
sub_prev AS (SELECT * FROM night_prev_hist_submissions),
status_zh(status, zh) AS (VALUES ('accepted', '受理'), ('rejected', '退回'), ('duplicate', '重复')),
files AS (
    SELECT CASE WHEN p.sha256 IS NULL AND c.status = 'rejected' THEN 'submission_rejected'
                WHEN p.sha256 IS NULL THEN 'submission_new'
                WHEN c.status = 'rejected' AND p.status <> 'rejected' THEN 'submission_rejected'
                WHEN c.status <> p.status THEN 'submission_verdict'
                ELSE 'submission_superseded' END AS kind,
           c.unit, c.file_name AS subject, 'status' AS field, p.status AS before, c.status AS after,
           NULL AS delta,
           CASE WHEN p.sha256 IS NULL AND c.status = 'rejected'
                    THEN c.unit || ' 新收到文件 ' || c.file_name || '：退回（' || c.error_count || '个错误，见“校验问题”）'
                WHEN p.sha256 IS NULL
                    THEN c.unit || ' 新收到文件 ' || c.file_name || '：' || zc.zh
                         || CASE WHEN c.is_current THEN '，为当前采用数据' ELSE '' END
                WHEN c.status <> p.status
                    THEN c.unit || ' 文件 ' || c.file_name || ' 重新校验：' || zp.zh || ' → ' || zc.zh
                ELSE c.unit || ' 文件 ' || c.file_name || ' 已被更新的报送替代，不再采用' END AS note,
           0 AS weight, 0 AS sub_order
    FROM sub_cur c
    LEFT JOIN sub_prev p ON p.unit = c.unit AND p.inbox_path = c.inbox_path AND p.sha256 = c.sha256
    LEFT JOIN status_zh zc ON zc.status = c.status
    LEFT JOIN status_zh zp ON zp.status = p.status
    WHERE p.sha256 IS NULL OR c.status <> p.status
       OR (p.is_current AND NOT c.is_current AND c.status = 'accepted')
),
owed_cur AS (SELECT unit, string_agg(form, '、' ORDER BY form) FILTER (WHERE current_file IS NULL) AS owed
             FROM rs_cur GROUP BY unit),
owed_prev AS (SELECT unit, string_agg(form, '、' ORDER BY form) FILTER (WHERE current_file IS NULL) AS owed
              FROM rs_prev GROUP BY unit),
units AS (
    SELECT CASE WHEN c.owed IS NULL THEN 'unit_completed' ELSE 'unit_owes' END AS kind, c.unit, c.unit AS subject,
           'forms_owed' AS field, CASE WHEN p.unit IS NULL THEN NULL ELSE coalesce(p.owed, '') END AS before,
           coalesce(c.owed, '') AS after, NULL AS delta,
           CASE WHEN c.owed IS NULL THEN c.unit || ' 应报各表均已有有效数据'
                ELSE c.unit || ' 仍欠报：' || c.owed || coalesce('（上一晚欠报：' || nullif(p.owed, '') || '）', '') END,
           0 AS weight, 0 AS sub_order
    FROM owed_cur c LEFT JOIN owed_prev p USING (unit)
    WHERE c.owed IS NOT NULL OR p.owed IS NOT NULL OR p.unit IS NULL
),
everything AS (
    SELECT kind, unit, subject, field, before, after, delta, note, weight, sub_order FROM city_rows
    UNION ALL SELECT * FROM ledger_in_out UNION ALL SELECT * FROM ledger_moves UNION ALL SELECT * FROM reports
    UNION ALL SELECT * FROM counties UNION ALL SELECT * FROM files UNION ALL SELECT * FROM units
)
SELECT $cur, row_number() OVER (ORDER BY list_position($kinds, kind), sub_order, weight DESC, unit, subject, field),
       kind, unit, subject, field, before, after, CAST(delta AS DECIMAL(18,2)), note, CAST(weight AS DOUBLE)
FROM everything
"""


_CHANGES_SQL: str | None = None
_COMPARED = ("hist_city_stats", "hist_risk_ledger", "hist_risk_reports", "hist_county_qualification",
             "hist_reporting_status", "hist_submissions")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The history tables and views (a warehouse made before they existed gets them here)."""
    con.execute((HERE / "schema_history.sql").read_text(encoding="utf-8"))
    con.execute((HERE / "views_history.sql").read_text(encoding="utf-8"))


def compute_changes(con: duckdb.DuckDBPyConnection, night: dt.date, previous: dt.date | None) -> int:
    """(Re)compute hist_night_changes of `night` against the published night `previous` (None: nothing)."""
    global _CHANGES_SQL
    if _CHANGES_SQL is None:
        _CHANGES_SQL = _changes_sql()
    con.execute("DELETE FROM hist_night_changes WHERE data_date = ?", [night])
    # the two nights' rows first, each read once (the statement refers to them many times)
    for side, date in (("cur", night), ("prev", previous)):
        for table in _COMPARED:
            con.execute(f"CREATE OR REPLACE TEMP TABLE night_{side}_{table} AS SELECT * FROM {table} WHERE data_date = ?",
                        [date])
    con.execute(_CHANGES_SQL, {"cur": night, "kinds": KIND_ORDER})
    for side in ("cur", "prev"):
        for table in _COMPARED:
            con.execute(f"DROP TABLE night_{side}_{table}")
    return con.execute("SELECT count(*) FROM hist_night_changes WHERE data_date = ?", [night]).fetchone()[0]


def record_night(con: duckdb.DuckDBPyConnection, night: dt.date, run_id: str | None = None,
                 now: dt.datetime | None = None) -> None:
    """Keep tonight's consolidated figures under `night` (replacing that night's rows), write its
    publish record and its changes; the caller holds the transaction."""
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for table, (view, columns) in SNAPSHOTS.items():
        con.execute(f"DELETE FROM {table} WHERE data_date = ?", [night])
        con.execute(f"INSERT INTO {table} SELECT CAST(? AS DATE), {columns} FROM {view}", [night])
    previous = con.execute("SELECT max(data_date) FROM published_nights WHERE data_date < ?", [night]).fetchone()[0]
    following = con.execute("SELECT min(data_date) FROM published_nights WHERE data_date > ?", [night]).fetchone()[0]
    con.execute("""
        INSERT OR REPLACE INTO published_nights
        SELECT CAST($night AS DATE), CAST($previous AS DATE), $run_id, CAST($now AS TIMESTAMP), NULL, NULL,
               (SELECT count(*) FROM hist_risk_ledger WHERE data_date = $night),
               (SELECT coalesce(sum(amount), 0) FROM hist_risk_ledger WHERE data_date = $night),
               (SELECT coalesce(sum(people), 0) FROM hist_risk_ledger WHERE data_date = $night),
               (SELECT coalesce(sum(unpaid), 0) FROM hist_risk_ledger WHERE data_date = $night),
               (SELECT count(*) FILTER (WHERE qualifies) FROM hist_county_qualification WHERE data_date = $night),
               (SELECT count(DISTINCT unit) FILTER (WHERE current_file IS NULL) FROM hist_reporting_status
                WHERE data_date = $night)""",
                {"night": night, "previous": previous, "run_id": run_id, "now": now})
    compute_changes(con, night, previous)
    if following is not None:      # a night published between two others: the next one now follows it
        con.execute("UPDATE published_nights SET previous_date = ? WHERE data_date = ?", [night, following])
        compute_changes(con, following, night)


def set_published(con: duckdb.DuckDBPyConnection, night: dt.date, fingerprint: str | None, workbook: str | None) -> None:
    con.execute("UPDATE published_nights SET fingerprint = ?, workbook = ? WHERE data_date = ?",
                [fingerprint, workbook, night])


def changes(con: duckdb.DuckDBPyConnection, night: dt.date) -> pd.DataFrame:
    """The night's changes in sheet order."""
    return con.execute("""SELECT kind, unit, subject, field, before, after, delta, note
                          FROM hist_night_changes WHERE data_date = ? ORDER BY seq""", [night]).df()


def series(con: duckdb.DuckDBPyConnection, night: dt.date) -> pd.DataFrame:
    """One row per published night up to `night`: the counties' 合计 of 附件1 per section and the
    ledger's totals (the trend charts)."""
    per_section = ", ".join(
        f"max(c.{f}) FILTER (WHERE c.section = $s{i}) AS {f}_{i}"
        for i in (1, 2) for f in ("screened", "problem_count", "people", "amount"))
    return con.execute(f"""
        SELECT n.data_date, n.previous_date, n.companies, n.ledger_amount, n.ledger_people, n.ledger_unpaid,
               n.qualifying_counties, n.units_owing, {per_section}
        FROM published_nights n
        LEFT JOIN hist_city_stats c ON c.data_date = n.data_date AND c.scope = 'counties' AND c.is_total
        WHERE n.data_date <= $night
        GROUP BY ALL ORDER BY n.data_date""", {"night": night, "s1": FOCUS_AREAS, "s2": FOCUS_BEHAVIOURS}).df()


@dataclass
class PublishedNight:
    """One night's history in an open transaction on the warehouse (see `open_night`)."""
    con: duckdb.DuckDBPyConnection
    data_date: dt.date

    def record(self, run_id: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Write the night; return its changes and the trend series (for the workbook)."""
        record_night(self.con, self.data_date, run_id)
        return changes(self.con, self.data_date), series(self.con, self.data_date)

    def published(self, fingerprint: str | None, workbook: Path | str | None) -> None:
        set_published(self.con, self.data_date, fingerprint, None if workbook is None else str(workbook))


@contextmanager
def open_night(warehouse: Path, data_date: dt.date) -> Iterator[PublishedNight]:
    """A write connection and one transaction: COMMIT when the block ends normally (the workbook is
    written), ROLLBACK if it raises (nothing of the night is kept, its previous rows stay)."""
    con = db.connect(warehouse)
    try:
        ensure_schema(con)
        with db.transaction(con):
            yield PublishedNight(con, data_date)
    finally:
        con.close()
