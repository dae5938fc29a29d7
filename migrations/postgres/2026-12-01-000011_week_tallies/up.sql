-- Tallies per week (Monday to Sunday) too, so that the ragged ends of a range of days
-- read a week's row instead of seven days'; the weeks summed from the days already
-- counted.
ALTER TABLE tallies DROP CONSTRAINT tallies_period_check;
ALTER TABLE tallies ADD CONSTRAINT tallies_period_check
    CHECK (period IN ('day', 'week', 'month', 'quarter', 'year'));

INSERT INTO tallies
SELECT w.unit_code, w.form_version_id, 'week', w.week, w.field, w.total,
       (SELECT COALESCE(jsonb_object_agg(key, n), '{}')::text FROM (
            SELECT e.key, SUM(e.value::bigint) AS n
            FROM tallies d, jsonb_each_text(d.counts::jsonb) e
            WHERE d.unit_code = w.unit_code AND d.form_version_id = w.form_version_id
              AND d.period = 'day' AND d.field = w.field
              AND d.start BETWEEN w.week AND w.week + 6
            GROUP BY e.key) AS summed)
FROM (SELECT unit_code, form_version_id, field, date_trunc('week', start)::date AS week,
             SUM(responses)::bigint AS total
      FROM tallies WHERE period = 'day' GROUP BY 1, 2, 3, 4) w;
