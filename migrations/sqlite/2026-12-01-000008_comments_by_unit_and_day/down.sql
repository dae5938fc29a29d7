CREATE TABLE text_answers_old (
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id)
) WITHOUT ROWID;
INSERT INTO text_answers_old SELECT response_id, question_id, body FROM text_answers;
DROP TABLE text_answers;
ALTER TABLE text_answers_old RENAME TO text_answers;
