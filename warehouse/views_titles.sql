-- form_titles: every form found in a received file with its title as the unit wrote it: the unit's
-- name and the as-of date the title carried (NULL title: recognised by its header alone).
CREATE OR REPLACE VIEW form_titles AS
SELECT sf.unit, rf.file_name, sf.form, sf.sheet, sf.title, sf.title_unit, sf.as_of, sf.footer_date, rf.status,
       sf.sha256
FROM submission_forms sf
JOIN received_files rf ON rf.unit = sf.unit AND rf.sha256 = sf.sha256;
