CREATE TABLE daily_counts (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    day             DATE NOT NULL,
    question_id     TEXT NOT NULL,
    value           TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, day, question_id, value)
);

CREATE TABLE daily_responses (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    day             DATE NOT NULL,
    channel         TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, day, channel)
);

INSERT INTO daily_counts
SELECT unit_code, form_version_id, start, question_id, value, count FROM answer_counts WHERE period = 'day';
INSERT INTO daily_responses
SELECT unit_code, form_version_id, start, channel, count FROM response_counts WHERE period = 'day';

DROP TABLE answer_counts;
DROP TABLE response_counts;
