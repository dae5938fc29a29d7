CREATE TABLE tallies_old (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    field           TEXT NOT NULL,
    responses       BIGINT NOT NULL,
    counts          TEXT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, field)
);
INSERT INTO tallies_old
SELECT t.unit_code, t.form_version_id, t.period, t.start, t.field, t.responses,
       (SELECT json_group_object(k.value, c.value ORDER BY k.value)
        FROM json_each(t.counts) c
        JOIN json_each((SELECT count_keys FROM form_versions v WHERE v.id = t.form_version_id)) k
          ON k.key = c.key
        WHERE c.value <> 0)
FROM tallies t;
DROP TABLE tallies;
ALTER TABLE tallies_old RENAME TO tallies;
ALTER TABLE form_versions DROP COLUMN count_keys;
