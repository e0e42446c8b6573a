-- Documented views: the stable interface for analysts, scripts and the published workbook.

-- campaign_calendar: the config file's campaign dates and time zone, one row (reporting_status, current_forms).
CREATE TABLE IF NOT EXISTS campaign_calendar (
    timezone        VARCHAR NOT NULL,
    screening_start DATE,
    screening_end   DATE,
    forms_due       DATE
);

-- current_forms: per unit and form, the submission that is the unit's current data: its latest
-- accepted file by effective date, then file modification time (a rejected file never replaces
-- an accepted one; a duplicate is never a candidate). effective_date = the footer date, or, for
-- a file without one (or with one outside the campaign year), its arrival date: the local date
-- (campaign time zone) of its modification time. So an undated resend that arrived after an
-- older dated file wins, and a dated file wins over an undated one that arrived before that date.
CREATE OR REPLACE VIEW current_forms AS
SELECT unit, form, sha256, inbox_path, file_name, footer_date, file_mtime, effective_date
FROM (
    SELECT *, row_number() OVER (PARTITION BY unit, form
                                 ORDER BY effective_date DESC, arrived_at DESC, received_at DESC, inbox_path DESC) AS rn
    FROM (
        SELECT sf.unit, sf.form, sf.sha256, rf.inbox_path, rf.file_name, sf.footer_date, rf.file_mtime,
               rf.received_at, coalesce(rf.file_mtime, rf.received_at) AS arrived_at,
               coalesce(sf.footer_date,
                        CAST(timezone(coalesce(cal.timezone, 'UTC'),
                                      coalesce(rf.file_mtime, rf.received_at) AT TIME ZONE 'UTC') AS DATE)) AS effective_date
        FROM submission_forms sf
        JOIN received_files rf ON rf.unit = sf.unit AND rf.sha256 = sf.sha256 AND rf.status = 'accepted'
        LEFT JOIN (SELECT timezone FROM campaign_calendar LIMIT 1) cal ON true
        WHERE sf.counts
    )
)
WHERE rn = 1;

-- submissions: one row per file received.
CREATE OR REPLACE VIEW submissions AS
SELECT rf.unit, rf.file_name, rf.inbox_path, rf.sha256, rf.received_at, rf.file_mtime, rf.status,
       CASE WHEN rf.status = 'duplicate' THEN 0 ELSE coalesce(i.errors, 0) END   AS error_count,
       CASE WHEN rf.status = 'duplicate' THEN 0 ELSE coalesce(i.warnings, 0) END AS warning_count,
       rf.status = 'accepted' AND EXISTS (
           SELECT 1 FROM current_forms c
           WHERE c.unit = rf.unit AND c.sha256 = rf.sha256 AND c.inbox_path = rf.inbox_path) AS is_current,
       rf.duplicate_of, rf.archive_path, rf.run_id
FROM received_files rf
LEFT JOIN (
    SELECT unit, sha256, count(*) FILTER (WHERE severity = 'error') AS errors,
           count(*) FILTER (WHERE severity = 'warning') AS warnings
    FROM issues GROUP BY unit, sha256
) i ON i.unit = rf.unit AND i.sha256 = rf.sha256;

-- validation_issues: every problem, with the file and the cell.
CREATE OR REPLACE VIEW validation_issues AS
SELECT unit, file_name, form, sheet, cell, rule, severity, value, message, sha256, seq
FROM issues;

-- unit_stats: the current 附件1 rows of every unit (counts and money as DECIMAL(18,2)).
CREATE OR REPLACE VIEW unit_stats AS
SELECT f.unit, r.unit_kind, f.section, f.grp, f.item, f.is_added, f.row_order,
       f.screened, f.problem_count, f.people, f.amount, f.rectified, f.cleaned, f.prosecuted, f.unremediated,
       f.main_problems, f.measures, f.unremediated_reason, f.remarks, c.file_name
FROM form1_rows f
JOIN current_forms c ON c.unit = f.unit AND c.sha256 = f.sha256 AND c.form = '附件1'
JOIN registry_units r ON r.unit = f.unit;

-- ==========================================================================================
-- Consolidation: what the city office sends upward (issue 3).
-- Tables copied from the config file / campaign/forms.py at every run by warehouse/settings.py
-- come first: the views below read them, and this file must run on its own (db.init_schema).
-- ==========================================================================================

-- form1_layout: the printed rows of 附件1 in printed order (from campaign/forms.py), so that
-- city_stats lists every printed row even when no unit of a scope has sent 附件1 yet.
CREATE TABLE IF NOT EXISTS form1_layout (
    row_order INTEGER PRIMARY KEY,
    section   VARCHAR NOT NULL,
    grp       VARCHAR,
    item      VARCHAR NOT NULL
);

-- risk_thresholds: the config file's [risk] section, one row (risk_ledger's score).
CREATE TABLE IF NOT EXISTS risk_thresholds (
    people_high           DECIMAL(18,2),   -- 涉及人数 >= this: + high_points
    people_medium         DECIMAL(18,2),   -- ... >= this: + medium_points
    unpaid_high           DECIMAL(18,2),   -- 未兑付资金 (万元) >= this: + high_points
    unpaid_medium         DECIMAL(18,2),   -- ... >= this: + medium_points
    high_points           INTEGER,
    medium_points         INTEGER,
    cross_province_points INTEGER,         -- 是否跨省 = 是
    multi_reporter_points INTEGER          -- reported by two or more units
);

-- city_stats: 附件1 summed city-wide, one row per (scope, section, grp, item).
--   scope 'counties'    = sum over the counties' current 附件1 (属地 principle: the city's figure);
--   scope 'departments' = sum over the member departments' current 附件1, shown beside, never added in.
-- Every printed row is listed (0 when nobody reported it); a row a unit added (注2) is kept under
-- its own label (is_added) after the printed rows of its section, in the scope that reported it.
-- Each section ends with a 合计 row (item '合计', is_total) computed here from the rows above it:
-- filter `NOT is_total` before summing further. Text columns list each phrase units wrote once,
-- the most often written first.
CREATE OR REPLACE VIEW city_stats AS
WITH scopes(scope, unit_kind) AS (VALUES ('counties', 'county'), ('departments', 'department')),
reported AS (
    SELECT s.scope, u.section, u.grp, u.item, min(u.row_order) AS unit_order, count(DISTINCT u.unit) AS n_units,
           sum(u.screened) AS screened, sum(u.problem_count) AS problem_count, sum(u.people) AS people,
           sum(u.amount) AS amount, sum(u.rectified) AS rectified, sum(u.cleaned) AS cleaned,
           sum(u.prosecuted) AS prosecuted, sum(u.unremediated) AS unremediated
    FROM unit_stats u JOIN scopes s USING (unit_kind)
    GROUP BY ALL
),
texts_long AS (   -- the three text columns, one line per unit and column (UNPIVOT drops NULLs)
    UNPIVOT (SELECT s.scope, u.section, u.grp, u.item, u.unit, u.main_problems, u.measures, u.unremediated_reason
             FROM unit_stats u JOIN scopes s USING (unit_kind))
    ON main_problems, measures, unremediated_reason INTO NAME col VALUE txt
),
phrases AS (      -- '超范围经营、设资金池' -> one phrase per line, with how many units wrote it
    SELECT scope, section, grp, item, col, phrase, count(DISTINCT unit) AS n
    FROM (SELECT *, trim(unnest(string_split_regex(txt, '[、，,；;]'))) AS phrase FROM texts_long)
    WHERE phrase <> ''
    GROUP BY ALL
),
texts AS (        -- each phrase once, the most often written first
    SELECT scope, section, grp, item,
           string_agg(phrase, '、' ORDER BY n DESC, phrase) FILTER (WHERE col = 'main_problems') AS main_problems,
           string_agg(phrase, '、' ORDER BY n DESC, phrase) FILTER (WHERE col = 'measures') AS measures,
           string_agg(phrase, '、' ORDER BY n DESC, phrase) FILTER (WHERE col = 'unremediated_reason') AS unremediated_reason
    FROM phrases
    GROUP BY ALL
),
keys AS (   -- printed rows in every scope, plus the rows units added, where they were added
    SELECT s.scope, l.section, l.grp, l.item, l.row_order AS printed_order
    FROM form1_layout l CROSS JOIN scopes s
    UNION ALL
    SELECT r.scope, r.section, r.grp, r.item, NULL
    FROM reported r
    WHERE NOT EXISTS (SELECT 1 FROM form1_layout l
                      WHERE l.section = r.section AND l.item = r.item AND l.grp IS NOT DISTINCT FROM r.grp)
),
section_order AS (
    SELECT section, min(row_order) AS pos FROM form1_layout GROUP BY section
),
detail AS (
    SELECT k.scope, k.section, k.grp, k.item, k.printed_order IS NULL AS is_added, false AS is_total,
           coalesce(k.printed_order, r.unit_order) AS pos, coalesce(r.n_units, 0) AS n_units,
           CAST(coalesce(r.screened, 0) AS DECIMAL(18,2)) AS screened,
           CAST(coalesce(r.problem_count, 0) AS DECIMAL(18,2)) AS problem_count,
           CAST(coalesce(r.people, 0) AS DECIMAL(18,2)) AS people,
           CAST(coalesce(r.amount, 0) AS DECIMAL(18,2)) AS amount,
           CAST(coalesce(r.rectified, 0) AS DECIMAL(18,2)) AS rectified,
           CAST(coalesce(r.cleaned, 0) AS DECIMAL(18,2)) AS cleaned,
           CAST(coalesce(r.prosecuted, 0) AS DECIMAL(18,2)) AS prosecuted,
           CAST(coalesce(r.unremediated, 0) AS DECIMAL(18,2)) AS unremediated,
           t.main_problems, t.measures, t.unremediated_reason
    FROM keys k
    LEFT JOIN reported r ON r.scope = k.scope AND r.section = k.section AND r.item = k.item
                        AND r.grp IS NOT DISTINCT FROM k.grp
    LEFT JOIN texts t ON t.scope = k.scope AND t.section = k.section AND t.item = k.item
                     AND t.grp IS NOT DISTINCT FROM k.grp
),
totals AS (   -- 合计: computed from the rows, never copied from a form
    SELECT scope, section, NULL AS grp, '合计' AS item, false AS is_added, true AS is_total, NULL AS pos,
           (SELECT count(DISTINCT u.unit) FROM unit_stats u JOIN scopes s2 USING (unit_kind)
            WHERE s2.scope = d.scope) AS n_units,
           sum(screened), sum(problem_count), sum(people), sum(amount),
           sum(rectified), sum(cleaned), sum(prosecuted), sum(unremediated),
           NULL, NULL, NULL
    FROM detail d
    GROUP BY scope, section
)
SELECT scope, section, grp, item, is_added, is_total,
       row_number() OVER (PARTITION BY scope ORDER BY coalesce(o.pos, 999999), x.section, x.is_total, x.is_added,
                                                      x.pos, x.item) AS row_order,
       n_units, screened, problem_count, people, amount, rectified, cleaned, prosecuted, unremediated,
       main_problems, measures, unremediated_reason
FROM (SELECT * FROM detail UNION ALL SELECT * FROM totals) x
LEFT JOIN section_order o USING (section);

-- risk_reports: every current 附件2 row of every unit, with the unit's own figures
-- (company_key = the normalised name the ledger matches on).
CREATE OR REPLACE VIEW risk_reports AS
SELECT f.unit, r.unit_kind, f.company_key, f.company_name, f.industry, f.fundraising_mode, f.internet,
       f.amount, f.people, f.unpaid, f.cross_province, f.measures, f.refund_status, f.outcome,
       f.province_notice, f.remarks, c.file_name, f.sheet, f.row_no, f.credit_code
FROM form2_rows f
JOIN current_forms c ON c.unit = f.unit AND c.sha256 = f.sha256 AND c.form = '附件2'
JOIN registry_units r ON r.unit = f.unit
WHERE coalesce(f.company_key, '') <> '';

-- risk_ledger: the cross-region ledger, one row per company (company_key) over all units' current 附件2.
--   company_name     the spelling typed most often (tie: the one equal to the key, then sort order)
--   reporting_units  every unit that reported it (counties first); n_units, n_reports
--   cross_province   any reporter says 是
--   amount, people, unpaid  the LARGEST figure any unit reported: each company is counted once in
--                    city totals, at its worst reported size (risk_reports keeps every unit's own figure)
--   disagreement     the reporters' amount / people / unpaid / cross_province are not all equal
--   risk_score       points from risk_thresholds (people, unpaid, cross-province, several reporters)
--   risk_rank        1 = worst: score, then unpaid, people, amount, company_key
--   aliases          the other company keys merged into this row (company_identity: the office's
--                    `campaign match same` decisions and shared 统一社会信用代码; views_identity.sql)
--   credit_code      the valid 统一社会信用代码(s) its reporters gave ('、'-joined), NULL if none
CREATE OR REPLACE VIEW risk_ledger AS
WITH reports AS (   -- each report under the key of the ledger row it counts in
    SELECT r.* REPLACE (coalesce(i.ledger_key, r.company_key) AS company_key), r.company_key AS reported_key,
           row_number() OVER (PARTITION BY coalesce(i.ledger_key, r.company_key), r.unit ORDER BY r.company_key) AS unit_seq
    FROM risk_reports r LEFT JOIN company_identity i ON i.company_key = r.company_key
),
spellings AS (
    SELECT company_key, company_name, count(*) AS n FROM reports GROUP BY ALL
),
companies AS (
    SELECT company_key,
           list(DISTINCT reported_key ORDER BY reported_key) FILTER (WHERE reported_key <> company_key) AS aliases,
           string_agg(DISTINCT credit_code, '、' ORDER BY credit_code) AS credit_code,
           list(unit ORDER BY unit_kind, unit) FILTER (WHERE unit_seq = 1) AS reporting_units,
           count(DISTINCT unit) AS n_units, count(*) AS n_reports,
           coalesce(bool_or(cross_province), false) AS cross_province,
           max(amount) AS amount, max(people) AS people, max(unpaid) AS unpaid,
           count(DISTINCT amount) > 1 OR count(DISTINCT people) > 1 OR count(DISTINCT unpaid) > 1
               OR count(DISTINCT cross_province) > 1 AS disagreement
    FROM reports
    GROUP BY company_key
),
scored AS (
    SELECT c.*,
           coalesce(CASE WHEN c.people >= t.people_high THEN t.high_points
                         WHEN c.people >= t.people_medium THEN t.medium_points END, 0)
         + coalesce(CASE WHEN c.unpaid >= t.unpaid_high THEN t.high_points
                         WHEN c.unpaid >= t.unpaid_medium THEN t.medium_points END, 0)
         + coalesce(CASE WHEN c.cross_province THEN t.cross_province_points END, 0)
         + coalesce(CASE WHEN c.n_units >= 2 THEN t.multi_reporter_points END, 0) AS risk_score
    FROM companies c
    LEFT JOIN risk_thresholds t ON true
)
SELECT s.company_key,
       (SELECT first(sp.company_name ORDER BY sp.n DESC, sp.company_name = sp.company_key DESC, sp.company_name)
        FROM spellings sp WHERE sp.company_key = s.company_key) AS company_name,
       s.reporting_units, s.n_units, s.n_reports, s.cross_province, s.amount, s.people, s.unpaid,
       s.disagreement, s.risk_score,
       row_number() OVER (ORDER BY s.risk_score DESC, s.unpaid DESC, s.people DESC, s.amount DESC,
                                   s.company_key) AS risk_rank,
       coalesce(s.aliases, []::VARCHAR[]) AS aliases, s.credit_code
FROM scored s;

-- county_qualification: 无非法集资区县, computed per registry county from its current 附件3:
-- qualifies = 0 criminal cases AND 否 to both questions. A county with no current (accepted)
-- 附件3 is listed with reported = false, NULL figures and qualifies = false (not proven).
CREATE OR REPLACE VIEW county_qualification AS
SELECT r.unit AS county, f.criminal_cases, f.over_50_case, f.over_20_petition,
       coalesce(f.criminal_cases = 0 AND NOT f.over_50_case AND NOT f.over_20_petition, false) AS qualifies,
       f.unit IS NOT NULL AS reported, c.file_name, c.footer_date, f.remarks
FROM registry_units r
LEFT JOIN current_forms c ON c.unit = r.unit AND c.form = '附件3'
LEFT JOIN (SELECT *, row_number() OVER (PARTITION BY unit, sha256 ORDER BY row_no) AS rn FROM form3_rows) f
       ON f.unit = c.unit AND f.sha256 = c.sha256 AND f.rn = 1
WHERE r.unit_kind = 'county';

-- reporting_status: every registry unit x each form it must send (registry_units.required_forms).
--   received          some file carrying the form arrived (accepted or rejected). A file that could
--                     not be read at all counts, as rejected, for every form of its unit.
--   files             how many such files; last_received_at (UTC) the latest arrival
--   status            of the latest file carrying the form: accepted | rejected | missing (none)
--   current_file      the file whose data is current (NULL: nothing accepted yet)
--   first_accepted_on the local date the first accepted file carrying the form arrived
--   on_time           first_accepted_on <= campaign_calendar.forms_due; false when nothing was
--                     accepted and the due date has passed; NULL when nothing yet and not yet due.
-- Arrival = the earlier of the file's modification time and when the pipeline first saw it: the
-- nightly scan sees a file up to a day late, and a replayed inbox keeps its original times. The
-- footer date is NOT used for timeliness: the unit types it, it does not prove delivery.
CREATE OR REPLACE VIEW reporting_status AS
WITH cal AS (SELECT * FROM campaign_calendar LIMIT 1),
required AS (
    SELECT unit, unit_kind, unnest(required_forms) AS form FROM registry_units
),
carried AS (
    SELECT rf.unit, sf.form, rf.file_name, rf.status, rf.received_at, rf.file_mtime
    FROM received_files rf
    JOIN submission_forms sf ON sf.unit = rf.unit AND sf.sha256 = rf.sha256
    WHERE (rf.status = 'accepted' AND sf.counts) OR (rf.status = 'rejected' AND sf.row_count > 0)
    UNION ALL
    SELECT rf.unit, q.form, rf.file_name, rf.status, rf.received_at, rf.file_mtime
    FROM received_files rf JOIN required q ON q.unit = rf.unit
    WHERE rf.status = 'rejected'
      AND NOT EXISTS (SELECT 1 FROM submission_forms sf WHERE sf.unit = rf.unit AND sf.sha256 = rf.sha256)
      AND NOT EXISTS (SELECT 1 FROM document_files d WHERE d.unit = rf.unit AND d.sha256 = rf.sha256)   -- a document
),
arrivals AS (
    SELECT c.*, least(coalesce(c.file_mtime, c.received_at), c.received_at) AS arrived_at,
           CAST(timezone(coalesce((SELECT timezone FROM cal), 'UTC'),
                         least(coalesce(c.file_mtime, c.received_at), c.received_at) AT TIME ZONE 'UTC') AS DATE) AS arrived_on
    FROM carried c
),
per_form AS (
    SELECT q.unit, q.unit_kind, q.form, count(a.file_name) AS files, max(a.arrived_at) AS last_received_at,
           first(a.status ORDER BY a.arrived_at DESC, a.file_name DESC) AS last_status,
           min(a.arrived_on) FILTER (WHERE a.status = 'accepted') AS first_accepted_on
    FROM required q
    LEFT JOIN arrivals a ON a.unit = q.unit AND a.form = q.form
    GROUP BY ALL
)
SELECT p.unit, p.unit_kind, p.form, p.files > 0 AS received, p.files, p.last_received_at,
       coalesce(p.last_status, 'missing') AS status, cf.file_name AS current_file,
       cf.footer_date AS current_footer_date, p.first_accepted_on, cal.forms_due,
       CASE WHEN p.first_accepted_on IS NOT NULL THEN p.first_accepted_on <= cal.forms_due
            WHEN CAST(timezone(cal.timezone, now()) AS DATE) > cal.forms_due THEN false
       END AS on_time
FROM per_form p
LEFT JOIN current_forms cf ON cf.unit = p.unit AND cf.form = p.form
LEFT JOIN cal ON true;

-- runs: one row per pipeline run (nightly, or ingest/reprocess started by hand): when it started
-- and ended (UTC), its outcome (running | completed | failed), the files it saw and their
-- verdicts, the workbook it published and, for a failed run, why.
CREATE OR REPLACE VIEW runs AS
SELECT run_id, flow, started_at, finished_at, outcome,
       date_diff('second', started_at, finished_at) AS seconds,
       files_seen, accepted, rejected, duplicates, skipped, published_file, message, inbox
FROM run_log
ORDER BY started_at DESC;
