-- Company identity across units (issue 16): decisions, candidates and the merges they make.
-- transforms/identity.py computes candidates and groups; warehouse/identity.py writes them at
-- every consolidation; views_identity.sql shows them; risk_ledger (views.sql) merges by them.

-- 统一社会信用代码 of each 附件2 row (a valid code, else NULL) on warehouses made before it existed.
ALTER TABLE form2_rows ADD COLUMN IF NOT EXISTS credit_code VARCHAR;

-- The office's decisions, every one kept (who, when): the latest per pair is in force.
-- Written by `campaign match same|different|import`; never touched by a rerun or a reprocess.
CREATE TABLE IF NOT EXISTS match_decisions (
    key_a      VARCHAR NOT NULL,      -- the two company keys, key_a < key_b
    key_b      VARCHAR NOT NULL,
    decision   VARCHAR NOT NULL,      -- same | different
    decided_by VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL,    -- UTC
    note       VARCHAR,
    source     VARCHAR NOT NULL       -- cli | import:<file name>
);

-- Pairs of ledger companies that may be one (found at the last consolidation), and every
-- decided pair whose two keys are still reported.
CREATE TABLE IF NOT EXISTS identity_candidates (
    key_a  VARCHAR NOT NULL,
    key_b  VARCHAR NOT NULL,
    score  DECIMAL(5,1) NOT NULL,     -- 0-100, 字号 weighted 3:1 over 行业 words (rapidfuzz ratio)
    reason VARCHAR NOT NULL,          -- in Chinese: what is alike and what differs
    PRIMARY KEY (key_a, key_b)
);

-- Every reported company key and the key of the ledger row it is counted in (itself unless merged).
CREATE TABLE IF NOT EXISTS company_identity (
    company_key VARCHAR PRIMARY KEY,
    ledger_key  VARCHAR NOT NULL,
    how         VARCHAR                -- why it is merged: 人工认定为同一企业 | 统一社会信用代码相同（…）
);
