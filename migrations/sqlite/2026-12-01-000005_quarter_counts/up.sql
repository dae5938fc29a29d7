-- Counts per quarter as well, so that a quarter's report reads one period per unit,
-- question and value instead of three months. SQLite cannot change a CHECK constraint in
-- place: each table is rebuilt with the wider one, then the quarters are summed from the
-- months.
CREATE TABLE answer_counts_new (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    question_id     TEXT NOT NULL,
    value           TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, question_id, value)
) WITHOUT ROWID;
INSERT INTO answer_counts_new SELECT * FROM answer_counts;
DROP TABLE answer_counts;
ALTER TABLE answer_counts_new RENAME TO answer_counts;

CREATE TABLE response_counts_new (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    channel         TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, channel)
) WITHOUT ROWID;
INSERT INTO response_counts_new SELECT * FROM response_counts;
DROP TABLE response_counts;
ALTER TABLE response_counts_new RENAME TO response_counts;

INSERT INTO answer_counts
SELECT unit_code, form_version_id, 'quarter',
       date(start, '-' || ((CAST(strftime('%m', start) AS INTEGER) - 1) % 3) || ' months'),
       question_id, value, SUM(count)
FROM answer_counts WHERE period = 'month' GROUP BY 1, 2, 4, 5, 6;
INSERT INTO response_counts
SELECT unit_code, form_version_id, 'quarter',
       date(start, '-' || ((CAST(strftime('%m', start) AS INTEGER) - 1) % 3) || ' months'),
       channel, SUM(count)
FROM response_counts WHERE period = 'month' GROUP BY 1, 2, 4, 5;
