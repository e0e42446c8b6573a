-- History views (issue 17): every published night's figures, with data_date, and what changed.
-- The tables behind them are in schema_history.sql, written by warehouse/history.py.

-- city_stats_history: city_stats of every published night (both scopes, every row, 合计 included).
CREATE OR REPLACE VIEW city_stats_history AS
SELECT * FROM hist_city_stats;

-- risk_ledger_history: risk_ledger of every published night, one row per night and company.
CREATE OR REPLACE VIEW risk_ledger_history AS
SELECT * FROM hist_risk_ledger;

-- risk_reports_history: every unit's own 附件2 row as it stood on every published night.
CREATE OR REPLACE VIEW risk_reports_history AS
SELECT * FROM hist_risk_reports;

-- county_qualification_history: 无非法集资区县 of every published night.
CREATE OR REPLACE VIEW county_qualification_history AS
SELECT * FROM hist_county_qualification;

-- reporting_status_history: reporting_status (unit x form) of every published night.
CREATE OR REPLACE VIEW reporting_status_history AS
SELECT * FROM hist_reporting_status;

-- submissions_history: every file received as of each published night, its verdict and is_current.
CREATE OR REPLACE VIEW submissions_history AS
SELECT * FROM hist_submissions;

-- night_changes: what changed on each published night against the published night before it
-- (published_nights.previous_date; the first night is compared with nothing, so everything is new).
--   kind     city_figure | ledger_entered | ledger_left | ledger_figure | report_added | report_removed
--            | report_figure | qualification | submission_new | submission_rejected
--            | submission_superseded | submission_verdict | unit_completed | unit_owes
--   unit     the unit whose report made the change (ledger_figure: every unit whose report of the
--            company changed that night; city_figure: the units whose current 附件1 changed)
--   subject  the company, the 附件1 row (scope/section/item), the county or the file
--   field    the column that changed (the views' column names); before / after as text
--   delta    after - before for figures (万元, 人, 个); note: the change in Chinese
-- Rows of a night are in the order of the workbook's 今日变化 sheet (seq): by kind, biggest moves first.
CREATE OR REPLACE VIEW night_changes AS
SELECT data_date, kind, unit, subject, field, before, after, note, delta, seq
FROM hist_night_changes
ORDER BY data_date, seq;

-- risk_ledger_trajectory: each company's ledger figures night by night, with the change since the
-- company's previous night in the ledger and since the first night it appeared.
CREATE OR REPLACE VIEW risk_ledger_trajectory AS
SELECT data_date, company_key, company_name, reporting_units, n_units, cross_province,
       amount, people, unpaid, risk_score, risk_rank,
       lag(data_date) OVER w AS previous_date,
       amount - lag(amount) OVER w AS amount_change,
       people - lag(people) OVER w AS people_change,
       unpaid - lag(unpaid) OVER w AS unpaid_change,
       first_value(data_date) OVER w AS first_date,
       unpaid - first_value(unpaid) OVER w AS unpaid_since_first,
       count(*) OVER (PARTITION BY company_key) AS nights
FROM hist_risk_ledger
WINDOW w AS (PARTITION BY company_key ORDER BY data_date);
