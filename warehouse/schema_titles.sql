-- What a form's title carried as the unit wrote it (transforms/titles.py): "田家庵区涉嫌非法集资风险
-- 专项排查情况统计表（截至2018年7月15日）" is 附件1 with title_unit 田家庵区 and as_of 2018-07-15.
-- NULL title: the form was recognised by its header alone (warning TITLE_MISSING).
ALTER TABLE submission_forms ADD COLUMN IF NOT EXISTS title VARCHAR;
ALTER TABLE submission_forms ADD COLUMN IF NOT EXISTS title_unit VARCHAR;
ALTER TABLE submission_forms ADD COLUMN IF NOT EXISTS as_of DATE;
