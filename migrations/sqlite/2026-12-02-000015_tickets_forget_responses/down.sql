-- The link to the response cannot come back: answered tickets are closed as revoked, so
-- they still take no second answer.
CREATE TABLE tickets_linked (
    id             INTEGER PRIMARY KEY NOT NULL,
    code           TEXT NOT NULL UNIQUE,
    desk_id        BIGINT NOT NULL REFERENCES desks (id),
    procedure_code TEXT,
    dossier_code   TEXT,
    issued_at      TIMESTAMP NOT NULL,
    issued_day     DATE NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    response_id    BIGINT UNIQUE REFERENCES responses (id),
    procedure_field TEXT,
    UNIQUE (desk_id, dossier_code)
);
INSERT INTO tickets_linked (id, code, desk_id, procedure_code, dossier_code, issued_at, issued_day,
                            expires_at, revoked_at, response_id, procedure_field)
SELECT id, code, desk_id, procedure_code, dossier_code, issued_at, issued_day, expires_at,
       CASE WHEN answered THEN COALESCE(revoked_at, issued_at) ELSE revoked_at END, NULL, procedure_field
FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_linked RENAME TO tickets;
CREATE INDEX tickets_field_day ON tickets (procedure_field, issued_day) WHERE procedure_field IS NOT NULL;
