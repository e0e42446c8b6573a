-- Documents, obligations and the 考评 (assessment): documented views (docs/warehouse.md "Documents views").
-- Arrival = the earlier of the file's modification time and when the pipeline first saw it, as in
-- reporting_status; local dates are in campaign_calendar.timezone.

-- documents: one row per document received (duplicates included, with status 'duplicate').
--   kind           the hand classification if ops set one, else the rule's (classified_by)
--   doc_date       the date written in the document (落款, else title line), else its arrival date
--   date_source    text | arrival
--   status         accepted (counted against the obligations) | unreadable (recorded, not counted:
--                  `reason` says why) | duplicate (the same bytes as an earlier file of the unit)
--   nth            for a counted document: its number among the unit's documents of that kind, by arrival
CREATE OR REPLACE VIEW documents AS
WITH cal AS (SELECT coalesce((SELECT timezone FROM campaign_calendar LIMIT 1), 'UTC') AS tz),
base AS (
    SELECT rf.unit, r.unit_kind, rf.file_name, rf.inbox_path, rf.sha256, rf.received_at, rf.file_mtime,
           least(coalesce(rf.file_mtime, rf.received_at), rf.received_at) AS arrived_at,
           coalesce(h.kind, d.kind_by_rule) AS kind, d.kind_by_rule,
           CASE WHEN h.kind IS NOT NULL THEN 'hand' ELSE 'rule' END AS classified_by, d.sure,
           d.doc_date AS text_date, d.title, d.format, d.pages, d.characters, d.read_status, d.reason,
           CASE rf.status WHEN 'duplicate' THEN 'duplicate' WHEN 'rejected' THEN 'unreadable' ELSE 'accepted' END
               AS status,
           rf.duplicate_of, rf.archive_path
    FROM received_files rf
    JOIN document_files d ON d.unit = rf.unit AND d.sha256 = rf.sha256
    LEFT JOIN document_kinds_by_hand h ON h.unit = rf.unit AND h.sha256 = rf.sha256
    LEFT JOIN registry_units r ON r.unit = rf.unit
),
dated AS (
    SELECT b.*, CAST(timezone(cal.tz, b.arrived_at AT TIME ZONE 'UTC') AS DATE) AS arrived_on FROM base b, cal
)
SELECT unit, unit_kind, file_name, kind, coalesce(text_date, arrived_on) AS doc_date,
       CASE WHEN text_date IS NOT NULL THEN 'text' ELSE 'arrival' END AS date_source,
       received_at, arrived_at, arrived_on, title, format, pages, characters, classified_by, kind_by_rule, sure,
       sha256, status, read_status, reason, duplicate_of, inbox_path, archive_path,
       CASE WHEN status = 'accepted' THEN
           row_number() OVER (PARTITION BY unit, kind, status = 'accepted' ORDER BY arrived_at, inbox_path) END AS nth
FROM dated;

-- obligations: one row per registry unit x obligation of its kind (config [obligations]).
--   required / received   documents of the kind asked for / counted (accepted, arrived in the window)
--   met                   received >= required, and (with_forms) every required form accepted
--   first_at / last_at    the first / last counted document's arrival (UTC)
--   due                   the required-th document (and, with_forms, the forms) must have arrived by then
--   on_time               met by the due date; false when not met and the due date has passed;
--                         NULL while not met and not yet due
CREATE OR REPLACE VIEW obligations AS
WITH cal AS (SELECT * FROM campaign_calendar LIMIT 1),
req AS (
    SELECT r.unit, r.unit_kind, o.obligation, o.required, o.window_start, o.window_end, o.due, o.with_forms
    FROM registry_units r JOIN document_obligations o ON o.unit_kind = r.unit_kind
),
per AS (
    SELECT q.unit, q.unit_kind, q.obligation, q.required, q.window_start, q.window_end, q.due, q.with_forms,
           count(d.file_name) AS received, min(d.arrived_at) AS first_at, max(d.arrived_at) AS last_at,
           list(d.arrived_on ORDER BY d.arrived_on) FILTER (WHERE d.arrived_on IS NOT NULL) AS arrivals,
           string_agg(d.file_name, '；' ORDER BY d.arrived_at) AS files
    FROM req q
    LEFT JOIN documents d ON d.unit = q.unit AND d.kind = q.obligation AND d.status = 'accepted'
         AND (q.window_start IS NULL OR d.arrived_on >= q.window_start)
         AND (q.window_end IS NULL OR d.arrived_on <= q.window_end)
    GROUP BY ALL
),
forms AS (
    SELECT unit, count(*) AS forms_required, count(current_file) AS forms_accepted,
           CASE WHEN count(current_file) = count(*) THEN max(first_accepted_on) END AS forms_accepted_on
    FROM reporting_status GROUP BY unit
),
judged AS (
    SELECT p.*, coalesce(f.forms_required, 0) AS forms_required, coalesce(f.forms_accepted, 0) AS forms_accepted,
           f.forms_accepted_on,
           p.received >= p.required
               AND (NOT p.with_forms OR coalesce(f.forms_accepted, 0) = coalesce(f.forms_required, 0)) AS met,
           CASE WHEN p.with_forms THEN greatest(p.arrivals[p.required], f.forms_accepted_on)
                ELSE p.arrivals[p.required] END AS met_on
    FROM per p LEFT JOIN forms f ON f.unit = p.unit
)
SELECT j.unit, j.unit_kind, j.obligation, j.required, j.received, j.met, j.first_at, j.last_at, j.due,
       CASE WHEN j.met AND j.met_on IS NOT NULL THEN j.met_on <= j.due
            WHEN CAST(timezone(coalesce(cal.timezone, 'UTC'), now()) AS DATE) > j.due THEN false
       END AS on_time,
       j.with_forms, j.forms_accepted, j.forms_required, j.window_start, j.window_end, j.files
FROM judged j LEFT JOIN cal ON true;

-- assessment_flags: the data-quality flags of the city's own rules, one row per unit and flag,
-- each with its reason in Chinese (the figures are the unit's current forms).
CREATE OR REPLACE VIEW assessment_flags AS
WITH f1 AS (
    SELECT unit, sum(screened) AS screened, sum(problem_count) AS problems, sum(prosecuted) AS prosecuted,
           sum(screened + problem_count + people + amount + rectified + cleaned + prosecuted + unremediated) AS all_numbers
    FROM unit_stats GROUP BY unit
),
f2 AS (
    SELECT unit, count(DISTINCT company_key) AS leads,
           count(*) FILTER (WHERE outcome LIKE '%立案%' OR measures LIKE '%立案%') AS leads_prosecuted
    FROM risk_reports GROUP BY unit
)
SELECT q.county AS unit, 'QUALIFIES_WITH_CASES' AS flag,
       '附件3填报为符合“无非法集资区、县”条件（今年刑事立案0起），但'
       || concat_ws('，', CASE WHEN coalesce(f1.prosecuted, 0) > 0
                              THEN '附件1报告立案查处机构' || CAST(CAST(f1.prosecuted AS BIGINT) AS VARCHAR) || '个' END,
                          CASE WHEN coalesce(f2.leads_prosecuted, 0) > 0
                              THEN '附件2有' || CAST(f2.leads_prosecuted AS VARCHAR) || '条线索已立案' END)
       || '，与实际风险和案件情况不符' AS reason
FROM county_qualification q
LEFT JOIN f1 ON f1.unit = q.county LEFT JOIN f2 ON f2.unit = q.county
WHERE q.qualifies AND (coalesce(f1.prosecuted, 0) > 0 OR coalesce(f2.leads_prosecuted, 0) > 0)
UNION ALL
SELECT q.county, 'CASES_BELOW_PROSECUTED',
       '附件3今年非法集资刑事立案数' || CAST(CAST(q.criminal_cases AS BIGINT) AS VARCHAR) || '起，少于附件1立案查处机构数'
       || CAST(CAST(f1.prosecuted AS BIGINT) AS VARCHAR) || '个'
FROM county_qualification q JOIN f1 ON f1.unit = q.county
WHERE q.reported AND q.criminal_cases > 0 AND f1.prosecuted > q.criminal_cases
UNION ALL
SELECT unit, 'FORM1_ALL_ZERO', '附件1各项数字全部为0（排查机构数量为0），排查可能不扎实、不深入'
FROM f1 WHERE all_numbers = 0
UNION ALL
SELECT f2.unit, 'LEADS_GT_PROBLEMS',
       '附件2报送重点风险线索' || CAST(f2.leads AS VARCHAR) || '条，多于附件1问题机构数量合计'
       || CAST(CAST(coalesce(f1.problems, 0) AS BIGINT) AS VARCHAR) || '个'
FROM f2 LEFT JOIN f1 ON f1.unit = f2.unit
WHERE f1.unit IS NOT NULL AND f2.leads > f1.problems;

-- assessment (考评): one row per registry unit.
--   obligations_met / obligations_required, missing (the kinds not yet met), obligations_late (met late
--   or overdue); forms_accepted / forms_required and forms_on_time (reporting_status); rejected_files
--   (workbooks and documents); resubmissions (sends of a form after its first: reporting_status.files - 1,
--   summed over the forms); documents (counted); flags and flag_reasons (assessment_flags);
--   complete = every obligation met and every required form accepted.
CREATE OR REPLACE VIEW assessment AS
WITH o AS (
    SELECT unit, count(*) AS obligations_required, count(*) FILTER (WHERE met) AS obligations_met,
           string_agg(obligation, '、' ORDER BY obligation) FILTER (WHERE NOT met) AS missing,
           string_agg(obligation, '、' ORDER BY obligation) FILTER (WHERE on_time = false) AS obligations_late
    FROM obligations GROUP BY unit
),
s AS (
    SELECT unit, count(*) AS forms_required, count(current_file) AS forms_accepted,
           count(*) FILTER (WHERE on_time) AS forms_on_time, sum(greatest(files - 1, 0)) AS resubmissions
    FROM reporting_status GROUP BY unit
),
rj AS (SELECT unit, count(*) AS rejected_files FROM received_files WHERE status = 'rejected' GROUP BY unit),
d AS (SELECT unit, count(*) AS documents FROM documents WHERE status = 'accepted' GROUP BY unit),
fl AS (SELECT unit, count(*) AS flags, string_agg(reason, '；' ORDER BY flag) AS flag_reasons
       FROM assessment_flags GROUP BY unit)
SELECT r.unit, r.unit_kind,
       coalesce(o.obligations_met, 0) AS obligations_met, coalesce(o.obligations_required, 0) AS obligations_required,
       o.missing, o.obligations_late,
       coalesce(s.forms_accepted, 0) AS forms_accepted, coalesce(s.forms_required, 0) AS forms_required,
       coalesce(s.forms_on_time, 0) AS forms_on_time,
       coalesce(rj.rejected_files, 0) AS rejected_files, CAST(coalesce(s.resubmissions, 0) AS BIGINT) AS resubmissions,
       coalesce(d.documents, 0) AS documents,
       coalesce(fl.flags, 0) AS flags, fl.flag_reasons,
       coalesce(o.obligations_met, 0) = coalesce(o.obligations_required, 0)
           AND coalesce(s.forms_accepted, 0) = coalesce(s.forms_required, 0) AS complete
FROM registry_units r
LEFT JOIN o ON o.unit = r.unit LEFT JOIN s ON s.unit = r.unit LEFT JOIN rj ON rj.unit = r.unit
LEFT JOIN d ON d.unit = r.unit LEFT JOIN fl ON fl.unit = r.unit;
