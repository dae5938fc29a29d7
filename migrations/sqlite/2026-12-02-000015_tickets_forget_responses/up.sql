-- A ticket no longer names the response that answered it: its dossier number (mã hồ sơ)
-- must not lead to anyone's answers or comment. It keeps only that it was answered. (SQLite
-- cannot drop a column with a constraint, so the table is rebuilt.)
CREATE TABLE tickets_answered (
    id              INTEGER PRIMARY KEY NOT NULL,
    code            TEXT NOT NULL UNIQUE,
    desk_id         BIGINT NOT NULL REFERENCES desks (id),
    procedure_code  TEXT,
    -- Only to give the one-stop software the same ticket again.
    dossier_code    TEXT,
    issued_at       TIMESTAMP NOT NULL,
    issued_day      DATE NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    procedure_field TEXT,
    -- Set, once, in the transaction that stores the answer.
    answered        BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (desk_id, dossier_code)
);
INSERT INTO tickets_answered (id, code, desk_id, procedure_code, dossier_code, issued_at, issued_day,
                              expires_at, revoked_at, procedure_field, answered)
SELECT id, code, desk_id, procedure_code, dossier_code, issued_at, issued_day,
       expires_at, revoked_at, procedure_field, response_id IS NOT NULL
FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_answered RENAME TO tickets;
CREATE INDEX tickets_field_day ON tickets (procedure_field, issued_day) WHERE procedure_field IS NOT NULL;
