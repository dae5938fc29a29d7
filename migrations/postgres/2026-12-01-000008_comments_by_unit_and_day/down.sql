DROP INDEX text_answers_unit_day;
ALTER TABLE text_answers DROP COLUMN unit_code;
ALTER TABLE text_answers DROP COLUMN form_version_id;
ALTER TABLE text_answers DROP COLUMN day;
