DELETE FROM answer_counts WHERE period = 'quarter';
DELETE FROM response_counts WHERE period = 'quarter';

CREATE TABLE answer_counts_old (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'year')),
    start           DATE NOT NULL,
    question_id     TEXT NOT NULL,
    value           TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, question_id, value)
) WITHOUT ROWID;
INSERT INTO answer_counts_old SELECT * FROM answer_counts;
DROP TABLE answer_counts;
ALTER TABLE answer_counts_old RENAME TO answer_counts;

CREATE TABLE response_counts_old (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'year')),
    start           DATE NOT NULL,
    channel         TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, channel)
) WITHOUT ROWID;
INSERT INTO response_counts_old SELECT * FROM response_counts;
DROP TABLE response_counts;
ALTER TABLE response_counts_old RENAME TO response_counts;
