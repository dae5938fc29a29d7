-- Tallies keep their counts by position instead of by name: `counts` becomes a JSON array
-- whose n-th number counts the n-th key of the form version's `count_keys`, a JSON array
-- of the keys as before ("question=value", "question=*", "@=channel"). The keys only ever
-- grow: a key gets the next position when it is first counted. A row is about a fifth of
-- its size and is added up without a key to look up per count (a range of days reads
-- thousands of rows). The key puts the field before the first day, so that a unit's days
-- of one field are read as one range.
ALTER TABLE tallies DROP CONSTRAINT tallies_pkey;
ALTER TABLE tallies ADD PRIMARY KEY (unit_code, form_version_id, period, field, start);
ALTER TABLE form_versions ADD COLUMN count_keys TEXT NOT NULL DEFAULT '[]';

CREATE TEMP TABLE count_positions AS
SELECT form_version_id, key,
       (ROW_NUMBER() OVER (PARTITION BY form_version_id ORDER BY key) - 1)::integer AS position
FROM (SELECT DISTINCT t.form_version_id, e.key FROM tallies t, jsonb_each_text(t.counts::jsonb) e) AS keys;
CREATE UNIQUE INDEX ON count_positions (form_version_id, key);

UPDATE form_versions v SET count_keys = (
    SELECT jsonb_agg(key ORDER BY position)::text FROM count_positions p
    WHERE p.form_version_id = v.id)
WHERE id IN (SELECT form_version_id FROM count_positions);

-- Each row's counts in position order, with a zero for each position it has no count for.
UPDATE tallies t SET counts = '[' || COALESCE((
    SELECT string_agg(repeat('0,', placed.gap) || placed.value, ',' ORDER BY placed.position)
    FROM (SELECT e.value, p.position,
                 p.position - 1 - COALESCE(LAG(p.position) OVER (ORDER BY p.position), -1) AS gap
          FROM jsonb_each_text(t.counts::jsonb) e
          JOIN count_positions p ON p.form_version_id = t.form_version_id AND p.key = e.key) AS placed
), '') || ']';

DROP TABLE count_positions;
