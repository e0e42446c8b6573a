-- Warehouse tables (DuckDB). The form-row tables (form1_rows, form2_rows, form3_rows) are
-- generated from campaign/forms.py by warehouse/db.py; money and counts are DECIMAL(18,2).
-- Timestamps are UTC.

-- The units registry, copied from the config file at every run (views join it).
CREATE TABLE IF NOT EXISTS registry_units (
    unit           VARCHAR PRIMARY KEY,
    unit_kind      VARCHAR NOT NULL,        -- county | department
    required_forms VARCHAR[] NOT NULL
);

-- Every file received: one row per (unit, path in the inbox, content hash).
CREATE TABLE IF NOT EXISTS received_files (
    unit          VARCHAR NOT NULL,         -- the folder the file sat in
    file_name     VARCHAR NOT NULL,
    inbox_path    VARCHAR NOT NULL,         -- relative to the inbox
    sha256        VARCHAR NOT NULL,
    size_bytes    BIGINT NOT NULL,
    file_mtime    TIMESTAMP,                -- the file's modification time
    received_at   TIMESTAMP NOT NULL,       -- when the pipeline first saw these bytes at this path
    run_id        VARCHAR,
    status        VARCHAR NOT NULL,         -- accepted | rejected | duplicate
    duplicate_of  VARCHAR,                  -- inbox_path of the earlier file with the same bytes
    archive_path  VARCHAR NOT NULL,         -- content-addressed copy: archive/<sha[:2]>/<sha>.<ext>
    PRIMARY KEY (unit, inbox_path, sha256)
);

-- Each form found in a received file (accepted or rejected).
CREATE TABLE IF NOT EXISTS submission_forms (
    unit          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    form          VARCHAR NOT NULL,         -- 附件1 | 附件2 | 附件3
    sheet         VARCHAR,
    filler        VARCHAR,                  -- 填报人
    phone         VARCHAR,                  -- 电话
    footer_date   DATE,                     -- 落款日期: orders resubmissions
    row_count     INTEGER NOT NULL,
    counts        BOOLEAN NOT NULL,         -- may become the unit's current data (false: ignored/blank)
    PRIMARY KEY (unit, sha256, form)
);

-- Every problem found in a file, errors and warnings.
CREATE TABLE IF NOT EXISTS issues (
    unit          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    seq           INTEGER NOT NULL,
    form          VARCHAR,
    sheet         VARCHAR,
    cell          VARCHAR,
    rule          VARCHAR NOT NULL,
    severity      VARCHAR NOT NULL,         -- error | warning
    value         VARCHAR,
    message       VARCHAR NOT NULL
);

-- Files in the inbox that are not submissions (lock files, temporaries, files still being written).
CREATE TABLE IF NOT EXISTS inbox_skips (
    run_id        VARCHAR NOT NULL,
    inbox_path    VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,         -- LOCK_FILE | TEMPORARY_FILE | STILL_WRITING | ...
    seen_at       TIMESTAMP NOT NULL
);

-- One row per pipeline run.
CREATE TABLE IF NOT EXISTS run_log (
    run_id        VARCHAR PRIMARY KEY,
    flow          VARCHAR NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    outcome       VARCHAR,                  -- running | completed | failed | interrupted
    inbox         VARCHAR,
    files_seen    INTEGER,
    accepted      INTEGER,
    rejected      INTEGER,
    duplicates    INTEGER,
    skipped       INTEGER,
    published_file VARCHAR,
    message       VARCHAR
);
