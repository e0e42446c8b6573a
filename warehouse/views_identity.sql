-- Company identity across units (issue 16): the views over schema_identity.sql's tables.

-- match_decisions_current: the decision in force per pair (the latest; match_decisions keeps all).
CREATE OR REPLACE VIEW match_decisions_current AS
SELECT key_a, key_b, decision, decided_by, decided_at, note, source
FROM (SELECT *, row_number() OVER (PARTITION BY key_a, key_b ORDER BY decided_at DESC, seq DESC) AS rn
      FROM (SELECT *, rowid AS seq FROM match_decisions))
WHERE rn = 1;

-- company_candidates: pairs of ledger companies that may be one company, for the office to decide
-- (`campaign match same|different KEY_A KEY_B`). Found at every consolidation (transforms/identity.py);
-- a pair with a decision stays listed with it. Only keys still reported are shown.
--   key_a, key_b      the two company keys (key_a < key_b)
--   name_a, name_b    each key's spelling as most often typed; units_a, units_b its reporters
--   reason            in Chinese: what is alike, what differs (place, legal form, brackets, branch ...)
--   score             0-100, the 字号 (trade name) weighted 3:1 over the 行业 words
--   decision          open | same | different; decided_by, decided_at (UTC) when decided
CREATE OR REPLACE VIEW company_candidates AS
WITH spelled AS (
    SELECT company_key, first(company_name ORDER BY n DESC, company_name) AS name,
           list(DISTINCT unit ORDER BY unit) AS units
    FROM (SELECT company_key, company_name, unit, count(*) OVER (PARTITION BY company_key, company_name) AS n
          FROM risk_reports)
    GROUP BY company_key
)
SELECT c.key_a, c.key_b, a.name AS name_a, b.name AS name_b, a.units AS units_a, b.units AS units_b,
       c.reason, c.score, coalesce(d.decision, 'open') AS decision,
       d.decided_by, d.decided_at
FROM identity_candidates c
JOIN spelled a ON a.company_key = c.key_a
JOIN spelled b ON b.company_key = c.key_b
LEFT JOIN match_decisions_current d ON d.key_a = c.key_a AND d.key_b = c.key_b;

-- company_aliases: every company key merged into another's ledger row: alias_key (as reported),
-- company_key (the ledger row's key), how (人工认定为同一企业 | 统一社会信用代码相同（…）),
-- alias_names (the spellings typed under the alias), alias_units (who reported it so).
CREATE OR REPLACE VIEW company_aliases AS
SELECT i.company_key AS alias_key, i.ledger_key AS company_key, i.how,
       list(DISTINCT r.company_name ORDER BY r.company_name) AS alias_names,
       list(DISTINCT r.unit ORDER BY r.unit) AS alias_units
FROM company_identity i
JOIN risk_reports r ON r.company_key = i.company_key
WHERE i.company_key <> i.ledger_key
GROUP BY ALL;

-- credit_code_conflicts: one name, two or more different valid 统一社会信用代码 (flagged for
-- review: a mistyped code, or two companies of one name). codes, and who gave which.
CREATE OR REPLACE VIEW credit_code_conflicts AS
SELECT company_key, list(DISTINCT credit_code ORDER BY credit_code) AS codes,
       string_agg(unit || '：' || credit_code, '；' ORDER BY unit) AS given_by
FROM risk_reports
WHERE credit_code IS NOT NULL
GROUP BY company_key
HAVING count(DISTINCT credit_code) > 1;
