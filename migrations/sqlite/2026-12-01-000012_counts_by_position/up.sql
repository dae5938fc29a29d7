-- Tallies keep their counts by position instead of by name: `counts` becomes a JSON array
-- whose n-th number counts the n-th key of the form version's `count_keys`, a JSON array
-- of the keys as before ("question=value", "question=*", "@=channel"). The keys only ever
-- grow: a key gets the next position when it is first counted. A row is about a fifth of
-- its size and is added up without a key to look up per count (a range of days reads
-- thousands of rows). The table is also kept in key order (WITHOUT ROWID), the field
-- before the first day, so that a unit's days of one field lie together on disk and are
-- read as one range.
ALTER TABLE form_versions ADD COLUMN count_keys TEXT NOT NULL DEFAULT '[]';

CREATE TEMP TABLE count_positions AS
SELECT form_version_id, key,
       ROW_NUMBER() OVER (PARTITION BY form_version_id ORDER BY key) - 1 AS position
FROM (SELECT DISTINCT t.form_version_id, e.key FROM tallies t, json_each(t.counts) e);
CREATE UNIQUE INDEX temp.count_positions_by_key ON count_positions (form_version_id, key);

UPDATE form_versions SET count_keys = (
    SELECT json_group_array(key ORDER BY position) FROM count_positions p
    WHERE p.form_version_id = form_versions.id)
WHERE id IN (SELECT form_version_id FROM count_positions);

CREATE TABLE tallies_new (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    field           TEXT NOT NULL,
    responses       BIGINT NOT NULL,
    counts          TEXT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, field, start)
) WITHOUT ROWID;

-- Each row's counts in position order, with a zero for each position it has no count
-- for (the hex of zeroblob(n) is n times '00', made n times '0,'). CROSS JOIN keeps the
-- row's own counts the outer loop: the other way round costs ten times as long.
INSERT INTO tallies_new
SELECT t.unit_code, t.form_version_id, t.period, t.start, t.field, t.responses,
       '[' || COALESCE((
           SELECT group_concat(replace(hex(zeroblob(placed.gap)), '00', '0,') || placed.value, ','
                               ORDER BY placed.position)
           FROM (SELECT e.value AS value, p.position AS position,
                        p.position - 1 - COALESCE(LAG(p.position) OVER (ORDER BY p.position), -1) AS gap
                 FROM json_each(t.counts) e
                 CROSS JOIN count_positions p ON p.form_version_id = t.form_version_id AND p.key = e.key) placed
       ), '') || ']'
FROM tallies t;

DROP TABLE tallies;
ALTER TABLE tallies_new RENAME TO tallies;
DROP TABLE count_positions;
