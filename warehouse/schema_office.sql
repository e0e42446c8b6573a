-- The office's decisions taken in Excel (publish/review_workbook.py → a filled 待核对 copy in the office's
-- own inbox folder → flows/office.py): which file and row decided what, when, and what came of it.
--   kind      pair (company pair: subject 'key_a | key_b') | document (subject 'unit | sha256')
--   decision  same | different | a document kind; outcome applied | refused (note says why) | invalid
CREATE TABLE IF NOT EXISTS office_decisions (
    sha256      VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    sheet       VARCHAR,
    row_no      INTEGER,
    kind        VARCHAR NOT NULL,
    subject     VARCHAR NOT NULL,
    decision    VARCHAR,
    outcome     VARCHAR NOT NULL,
    note        VARCHAR,
    applied_at  TIMESTAMP NOT NULL
);
