CREATE TABLE answer_counts (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    question_id     TEXT NOT NULL,
    value           TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, question_id, value)
) WITHOUT ROWID;

CREATE TABLE response_counts (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    channel         TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, channel)
) WITHOUT ROWID;

-- The rows of field '' count every response.
INSERT INTO answer_counts
SELECT t.unit_code, t.form_version_id, t.period, t.start,
       substr(e.key, 1, instr(e.key, '=') - 1), substr(e.key, instr(e.key, '=') + 1), SUM(e.value)
FROM tallies t, json_each(t.counts) e
WHERE t.field = '' AND e.key NOT LIKE '@=%'
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO response_counts
SELECT t.unit_code, t.form_version_id, t.period, t.start, substr(e.key, 3), SUM(e.value)
FROM tallies t, json_each(t.counts) e
WHERE t.field = '' AND e.key LIKE '@=%'
GROUP BY 1, 2, 3, 4, 5;

DROP TABLE tallies;
DROP INDEX tickets_field_day;
ALTER TABLE tickets DROP COLUMN procedure_field;
ALTER TABLE responses DROP COLUMN procedure_field;
ALTER TABLE text_answers DROP COLUMN procedure_field;
