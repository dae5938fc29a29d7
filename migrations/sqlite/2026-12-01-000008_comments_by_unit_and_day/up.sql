-- Comments carry the unit, form version and day of their response, with an index, so
-- that the latest comments of a province's year are found among its comments, not by
-- reading every response of that year.
CREATE TABLE text_answers_new (
    response_id     BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id     TEXT NOT NULL,
    body            TEXT NOT NULL,
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    day             DATE NOT NULL,
    PRIMARY KEY (response_id, question_id)
) WITHOUT ROWID;
INSERT INTO text_answers_new
SELECT t.response_id, t.question_id, t.body, r.unit_code, r.form_version_id, r.day
FROM text_answers t JOIN responses r ON r.id = t.response_id;
DROP TABLE text_answers;
ALTER TABLE text_answers_new RENAME TO text_answers;
CREATE INDEX text_answers_unit_day ON text_answers (unit_code, day, form_version_id);
