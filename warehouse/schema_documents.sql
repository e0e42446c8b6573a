-- Documents (notice 六（四）): what each document a unit sent says about itself, the kinds ops
-- set by hand, and the obligations of the config file. Documents are also in received_files
-- (archived, content-addressed, duplicates detected like every file); these tables add what a
-- document is. See warehouse/views_documents.sql for the documented views.

-- One row per document content of a unit (a duplicate shares its original's row).
CREATE TABLE IF NOT EXISTS document_files (
    unit          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    format        VARCHAR NOT NULL,         -- docx | pdf | ofd | doc | wps | txt (by content where it can be told)
    read_status   VARCHAR NOT NULL,         -- read | by_name (.doc/.wps) | unreadable
    kind_by_rule  VARCHAR NOT NULL,         -- 实施方案 | 工作动态信息 | 总结报告 | 其他
    sure          BOOLEAN NOT NULL,         -- false: 其他 because the rules could not tell
    title         VARCHAR,                  -- first heading, else the file name's stem
    doc_date      DATE,                     -- date in the text (落款, else title line)
    pages         INTEGER,                  -- .pdf
    characters    INTEGER,                  -- characters of text read
    reason        VARCHAR,                  -- why it could not be read
    PRIMARY KEY (unit, sha256)
);

-- Kinds set by ops (`campaign documents classify FILE KIND`): never touched by reruns or reprocess.
CREATE TABLE IF NOT EXISTS document_kinds_by_hand (
    unit          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    file_name     VARCHAR,                  -- as named when it was classified
    set_at        TIMESTAMP NOT NULL,       -- UTC
    PRIMARY KEY (unit, sha256)
);

-- The config file's [obligations], one row per unit kind x obligation (copied at every run).
CREATE TABLE IF NOT EXISTS document_obligations (
    unit_kind     VARCHAR NOT NULL,         -- county | department
    obligation    VARCHAR NOT NULL,         -- the document kind it asks for
    required      INTEGER NOT NULL,         -- at least this many documents of the kind
    window_start  DATE,                     -- documents arriving before this do not count (NULL: any)
    window_end    DATE,                     -- ... nor after this (NULL: any)
    due           DATE NOT NULL,            -- the required-th document must have arrived by then
    with_forms    BOOLEAN NOT NULL,         -- also the unit's required forms accepted by `due`
    PRIMARY KEY (unit_kind, obligation)
);
