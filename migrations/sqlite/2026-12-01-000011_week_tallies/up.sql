-- Tallies per week (Monday to Sunday) too, so that the ragged ends of a range of days
-- read a week's row instead of seven days'. SQLite cannot change a CHECK: the table is
-- rebuilt, and the weeks summed from the days already counted.
CREATE TABLE tallies_new (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    field           TEXT NOT NULL,
    responses       BIGINT NOT NULL,
    counts          TEXT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, field)
);
INSERT INTO tallies_new SELECT * FROM tallies;

INSERT INTO tallies_new
SELECT w.unit_code, w.form_version_id, 'week', w.week, w.field, w.total,
       (SELECT json_group_object(key, n) FROM (
            SELECT e.key AS key, SUM(e.value) AS n
            FROM tallies d, json_each(d.counts) e
            WHERE d.unit_code = w.unit_code AND d.form_version_id = w.form_version_id
              AND d.period = 'day' AND d.field = w.field
              AND d.start BETWEEN w.week AND date(w.week, '+6 days')
            GROUP BY e.key ORDER BY e.key))
FROM (SELECT unit_code, form_version_id, field,
             date(start, '-' || ((CAST(strftime('%w', start) AS INTEGER) + 6) % 7) || ' days') AS week,
             SUM(responses) AS total
      FROM tallies WHERE period = 'day' GROUP BY 1, 2, 3, 4) w;

DROP TABLE tallies;
ALTER TABLE tallies_new RENAME TO tallies;
