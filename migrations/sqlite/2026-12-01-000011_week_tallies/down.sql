CREATE TABLE tallies_old (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'month', 'quarter', 'year')),
    start           DATE NOT NULL,
    field           TEXT NOT NULL,
    responses       BIGINT NOT NULL,
    counts          TEXT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, start, field)
);
INSERT INTO tallies_old SELECT * FROM tallies WHERE period <> 'week';
DROP TABLE tallies;
ALTER TABLE tallies_old RENAME TO tallies;
