UPDATE tallies t SET counts = (
    SELECT COALESCE(jsonb_object_agg(k.key, c.value::bigint), '{}')::text
    FROM jsonb_array_elements_text(t.counts::jsonb) WITH ORDINALITY AS c(value, at)
    JOIN jsonb_array_elements_text((SELECT count_keys FROM form_versions v WHERE v.id = t.form_version_id)::jsonb)
         WITH ORDINALITY AS k(key, at) ON k.at = c.at
    WHERE c.value <> '0');
ALTER TABLE form_versions DROP COLUMN count_keys;
ALTER TABLE tallies DROP CONSTRAINT tallies_pkey;
ALTER TABLE tallies ADD PRIMARY KEY (unit_code, form_version_id, period, start, field);
