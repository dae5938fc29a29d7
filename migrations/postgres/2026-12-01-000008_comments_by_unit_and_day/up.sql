-- Comments carry the unit, form version and day of their response, with an index, so
-- that the latest comments of a province's year are found among its comments, not by
-- reading every response of that year.
ALTER TABLE text_answers ADD COLUMN unit_code TEXT REFERENCES units (code);
ALTER TABLE text_answers ADD COLUMN form_version_id BIGINT REFERENCES form_versions (id);
ALTER TABLE text_answers ADD COLUMN day DATE;
UPDATE text_answers SET unit_code = r.unit_code, form_version_id = r.form_version_id, day = r.day
FROM responses r WHERE r.id = text_answers.response_id;
ALTER TABLE text_answers ALTER COLUMN unit_code SET NOT NULL;
ALTER TABLE text_answers ALTER COLUMN form_version_id SET NOT NULL;
ALTER TABLE text_answers ALTER COLUMN day SET NOT NULL;
CREATE INDEX text_answers_unit_day ON text_answers (unit_code, day, form_version_id);
