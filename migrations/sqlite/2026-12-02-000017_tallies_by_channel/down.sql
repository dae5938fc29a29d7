-- Back to one row for all channels together, its counts a JSON array by position (summed
-- by sipas's `sipas_counts_json`). The responses per channel ("@=channel" counts) do not
-- come back: the older version then shows no breakdown by channel.
CREATE TABLE tallies_together (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    field           TEXT NOT NULL,
    responses       BIGINT NOT NULL,
    counts          TEXT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, field, start)
) WITHOUT ROWID;
INSERT INTO tallies_together
SELECT unit_code, form_version_id, period, start, field, SUM(responses), sipas_counts_json(counts)
FROM tallies
GROUP BY unit_code, form_version_id, period, field, start;
DROP TABLE tallies;
ALTER TABLE tallies_together RENAME TO tallies;
DROP TABLE pending_recounts;
