CREATE TABLE answers (
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id, value)
);
INSERT INTO answers
SELECT responses.id, pair ->> 0, pair ->> 1
FROM responses, json_array_elements(responses.answers::json) AS pair;
ALTER TABLE responses DROP COLUMN answers;
