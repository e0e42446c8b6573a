-- Documented views: the stable interface for analysts, scripts and the published workbook.

-- current_forms: per unit and form, the submission that is the unit's current data: its latest
-- accepted file by footer date, then file modification time (a rejected file never replaces
-- an accepted one; a duplicate is never a candidate).
CREATE OR REPLACE VIEW current_forms AS
SELECT unit, form, sha256, inbox_path, file_name, footer_date, file_mtime
FROM (
    SELECT sf.unit, sf.form, sf.sha256, rf.inbox_path, rf.file_name, sf.footer_date, rf.file_mtime,
           row_number() OVER (PARTITION BY sf.unit, sf.form
                              ORDER BY sf.footer_date DESC NULLS LAST, rf.file_mtime DESC NULLS LAST,
                                       rf.received_at DESC, rf.inbox_path DESC) AS rn
    FROM submission_forms sf
    JOIN received_files rf ON rf.unit = sf.unit AND rf.sha256 = sf.sha256 AND rf.status = 'accepted'
    WHERE sf.counts
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
