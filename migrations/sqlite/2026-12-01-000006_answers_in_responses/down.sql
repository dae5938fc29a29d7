CREATE TABLE answers (
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id, value)
) WITHOUT ROWID;
INSERT INTO answers
SELECT responses.id, json_extract(pair.value, '$[0]'), json_extract(pair.value, '$[1]')
FROM responses, json_each(responses.answers) AS pair;
ALTER TABLE responses DROP COLUMN answers;
