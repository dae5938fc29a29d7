-- The counts reports read, kept per day and also per month and per year, so that a
-- report over a year of a big province reads one row per unit, question and value instead
-- of one per day. `period` is 'day', 'month' or 'year'; `start` its first day.
CREATE TABLE answer_counts (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'year')),
    start           DATE NOT NULL,
    question_id     TEXT NOT NULL,
    value           TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, question_id, value)
);

CREATE TABLE response_counts (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'year')),
    start           DATE NOT NULL,
    channel         TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, channel)
);

INSERT INTO answer_counts
SELECT unit_code, form_version_id, 'day', day, question_id, value, count FROM daily_counts;
INSERT INTO answer_counts
SELECT unit_code, form_version_id, 'month', date_trunc('month', day)::date, question_id, value, SUM(count)
FROM daily_counts GROUP BY 1, 2, 4, 5, 6;
INSERT INTO answer_counts
SELECT unit_code, form_version_id, 'year', date_trunc('year', day)::date, question_id, value, SUM(count)
FROM daily_counts GROUP BY 1, 2, 4, 5, 6;

INSERT INTO response_counts
SELECT unit_code, form_version_id, 'day', day, channel, count FROM daily_responses;
INSERT INTO response_counts
SELECT unit_code, form_version_id, 'month', date_trunc('month', day)::date, channel, SUM(count)
FROM daily_responses GROUP BY 1, 2, 4, 5;
INSERT INTO response_counts
SELECT unit_code, form_version_id, 'year', date_trunc('year', day)::date, channel, SUM(count)
FROM daily_responses GROUP BY 1, 2, 4, 5;

DROP TABLE daily_counts;
DROP TABLE daily_responses;
