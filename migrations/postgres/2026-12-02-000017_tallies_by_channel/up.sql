-- Tallies by channel: a form's official figure counts only some channels (tickets, paper,
-- kiosks), so every row now belongs to one channel, the last part of its key. Counts are
-- kept as a bigint[] by position, which PostgreSQL adds natively. The old rows cannot be
-- split by channel: the table is made anew, and sipas recounts it from the stored
-- responses when it next starts (the row in `pending_recounts` asks for that; about a
-- minute per million responses).
DROP TABLE tallies;
CREATE TABLE tallies (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    period          TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'quarter', 'year')),
    field           TEXT NOT NULL,
    start           DATE NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('desk_qr', 'ticket', 'paper', 'kiosk', 'api')),
    responses       BIGINT NOT NULL,
    counts          BIGINT[] NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, period, field, start, channel)
);
UPDATE form_versions SET count_keys = '[]';

CREATE TABLE pending_recounts (
    name TEXT PRIMARY KEY NOT NULL
);
INSERT INTO pending_recounts (name) VALUES ('tallies');
