-- History (issue 17): every published night kept, keyed by its data date (the campaign night the
-- published workbook stands for: the publish step's --date / its meta date). warehouse/history.py
-- writes a night's rows in the same transaction as its publish record (published_nights) and the
-- workbook is written inside that transaction: a night is here exactly when its workbook was
-- published. A rerun of the same night replaces its rows. Nothing here is ever rebuilt from the
-- current data: an old night keeps what was published that night, whatever is reprocessed later.
-- No primary keys on the long tables: rows are appended night by night (DuckDB's zone maps find a
-- night's rows; an index would grow in memory with the nights).

-- published_nights: the publish record, one row per data date, with the night's ledger totals
-- (the trend charts read these instead of summing every night's ledger again).
CREATE TABLE IF NOT EXISTS published_nights (
    data_date      DATE PRIMARY KEY,
    previous_date  DATE,            -- the published night before it: night_changes compares with it (NULL: first night)
    run_id         VARCHAR,
    published_at   TIMESTAMP NOT NULL,   -- UTC, the last (re)publish of this night
    fingerprint    VARCHAR,         -- publish.fingerprint of the workbook written
    workbook       VARCHAR,         -- publish/summary_<data date>.xlsx
    companies      INTEGER,         -- risk ledger: companies, and its totals (each company once)
    ledger_amount  DECIMAL(18,2),
    ledger_people  DECIMAL(18,2),
    ledger_unpaid  DECIMAL(18,2),
    qualifying_counties INTEGER,
    units_owing    INTEGER          -- registry units with some required form without current data
);

-- hist_city_stats: city_stats of the night, both scopes, every row (合计 rows included).
CREATE TABLE IF NOT EXISTS hist_city_stats (
    data_date DATE NOT NULL, scope VARCHAR, section VARCHAR, grp VARCHAR, item VARCHAR,
    is_added BOOLEAN, is_total BOOLEAN, row_order BIGINT, n_units BIGINT,
    screened DECIMAL(18,2), problem_count DECIMAL(18,2), people DECIMAL(18,2), amount DECIMAL(18,2),
    rectified DECIMAL(18,2), cleaned DECIMAL(18,2), prosecuted DECIMAL(18,2), unremediated DECIMAL(18,2),
    main_problems VARCHAR, measures VARCHAR, unremediated_reason VARCHAR
);

-- hist_risk_ledger: risk_ledger of the night, one row per company.
CREATE TABLE IF NOT EXISTS hist_risk_ledger (
    data_date DATE NOT NULL, company_key VARCHAR, company_name VARCHAR, reporting_units VARCHAR[],
    n_units BIGINT, n_reports BIGINT, cross_province BOOLEAN,
    amount DECIMAL(18,2), people DECIMAL(18,2), unpaid DECIMAL(18,2),
    disagreement BOOLEAN, risk_score INTEGER, risk_rank BIGINT
);

-- hist_risk_reports: risk_reports of the night, every unit's own row (which unit changed what).
CREATE TABLE IF NOT EXISTS hist_risk_reports (
    data_date DATE NOT NULL, unit VARCHAR, unit_kind VARCHAR, company_key VARCHAR, company_name VARCHAR,
    amount DECIMAL(18,2), people DECIMAL(18,2), unpaid DECIMAL(18,2), cross_province BOOLEAN,
    refund_status VARCHAR, outcome VARCHAR, file_name VARCHAR, row_no INTEGER
);

-- hist_county_qualification: county_qualification of the night.
CREATE TABLE IF NOT EXISTS hist_county_qualification (
    data_date DATE NOT NULL, county VARCHAR, criminal_cases DECIMAL(18,2), over_50_case BOOLEAN,
    over_20_petition BOOLEAN, qualifies BOOLEAN, reported BOOLEAN, file_name VARCHAR, footer_date DATE
);

-- hist_reporting_status: reporting_status of the night (+ the current file's sha256).
CREATE TABLE IF NOT EXISTS hist_reporting_status (
    data_date DATE NOT NULL, unit VARCHAR, unit_kind VARCHAR, form VARCHAR, received BOOLEAN, files BIGINT,
    last_received_at TIMESTAMP, status VARCHAR, current_file VARCHAR, current_sha256 VARCHAR,
    first_accepted_on DATE, on_time BOOLEAN
);

-- hist_submissions: every file received as of the night, with its verdict and whether it was current.
CREATE TABLE IF NOT EXISTS hist_submissions (
    data_date DATE NOT NULL, unit VARCHAR, file_name VARCHAR, inbox_path VARCHAR, sha256 VARCHAR,
    status VARCHAR, error_count BIGINT, is_current BOOLEAN
);

-- hist_night_changes: what changed on each night against the published night before it, computed
-- when the night is published (and again when a night is published between it and its previous one).
CREATE TABLE IF NOT EXISTS hist_night_changes (
    data_date DATE NOT NULL, seq INTEGER, kind VARCHAR, unit VARCHAR, subject VARCHAR, field VARCHAR,
    before VARCHAR, after VARCHAR, delta DECIMAL(18,2), note VARCHAR, weight DOUBLE
);
