-- The counts reports read, one row per unit, form version, period and procedure field
-- (lĩnh vực) instead of one per question and value. Every response counts in the rows
-- of field '' (all responses), and also in its field's rows when it names one.
-- `counts` is a JSON object: "question=value" → how many responses chose that value
-- ("question=*": how many answered the question), "@=channel" → how many came through
-- that channel; `responses` is how many there were. A submission adds to four rows (its
-- day, month, quarter and year), an import of a million responses writes hundreds of
-- thousands of rows instead of 8 million, and a report reads one row per unit and period.
CREATE TABLE tallies (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    field           TEXT NOT NULL,
    responses       BIGINT NOT NULL,
    counts          TEXT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, field)
);

INSERT INTO tallies
SELECT r.unit_code, r.form_version_id, r.period, r.start, '', r.total,
       (SELECT json_group_object(key, count) FROM (
            SELECT a.question_id || '=' || a.value AS key, a.count FROM answer_counts a
            WHERE a.unit_code = r.unit_code AND a.form_version_id = r.form_version_id
              AND a.period = r.period AND a.start = r.start
            UNION ALL
            SELECT '@=' || c.channel, c.count FROM response_counts c
            WHERE c.unit_code = r.unit_code AND c.form_version_id = r.form_version_id
              AND c.period = r.period AND c.start = r.start
            ORDER BY 1))
FROM (SELECT unit_code, form_version_id, period, start, SUM(count) AS total
      FROM response_counts GROUP BY 1, 2, 3, 4) r;

DROP TABLE answer_counts;
DROP TABLE response_counts;

-- The procedure's field, where the one-stop software gave it with the ticket or the
-- paper form carried it; comments carry it too, to be narrowed by it like their unit.
ALTER TABLE tickets ADD COLUMN procedure_field TEXT;
ALTER TABLE responses ADD COLUMN procedure_field TEXT;
ALTER TABLE text_answers ADD COLUMN procedure_field TEXT;
CREATE INDEX tickets_field_day ON tickets (procedure_field, issued_day) WHERE procedure_field IS NOT NULL;
