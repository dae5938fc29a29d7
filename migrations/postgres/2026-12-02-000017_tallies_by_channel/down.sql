-- Back to one row for all channels together, its counts a JSON array by position. The
-- responses per channel ("@=channel" counts) do not come back: the older version then
-- shows no breakdown by channel.
ALTER TABLE tallies RENAME TO tallies_by_channel;
ALTER INDEX tallies_pkey RENAME TO tallies_by_channel_pkey;
-- Constraints keep their names when their table is renamed: out of the way of the new ones.
ALTER TABLE tallies_by_channel RENAME CONSTRAINT tallies_period_check TO tallies_by_channel_period_check;
CREATE TABLE tallies (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    field           TEXT NOT NULL,
    responses       BIGINT NOT NULL,
    counts          TEXT NOT NULL,
    CONSTRAINT tallies_pkey PRIMARY KEY (unit_code, form_version_id, period, field, start)
);
INSERT INTO tallies
SELECT t.unit_code, t.form_version_id, t.period, t.start, t.field, SUM(t.responses)::bigint,
       (SELECT COALESCE(jsonb_agg(summed.total ORDER BY summed.at), '[]')::text
        FROM (SELECT c.at, SUM(c.count)::bigint AS total
              FROM tallies_by_channel u, unnest(u.counts) WITH ORDINALITY AS c(count, at)
              WHERE (u.unit_code, u.form_version_id, u.period, u.field, u.start)
                  = (t.unit_code, t.form_version_id, t.period, t.field, t.start)
              GROUP BY c.at) AS summed)
FROM tallies_by_channel t
GROUP BY t.unit_code, t.form_version_id, t.period, t.field, t.start;
DROP TABLE tallies_by_channel;
DROP TABLE pending_recounts;
