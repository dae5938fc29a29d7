DROP TABLE idempotency_keys;

-- Collectors lose their grants and tokens: the old tables have no such role.
CREATE TABLE grants_without_collector (
    id        INTEGER PRIMARY KEY NOT NULL,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('admin', 'official', 'staff')),
    unit_code TEXT REFERENCES units (code),
    CHECK ((role = 'admin') = (unit_code IS NULL))
);
INSERT INTO grants_without_collector (id, user_id, role, unit_code)
SELECT id, user_id, role, unit_code FROM grants WHERE role <> 'collector';
DROP TABLE grants;
ALTER TABLE grants_without_collector RENAME TO grants;
CREATE UNIQUE INDEX grants_unique ON grants (user_id, role, COALESCE(unit_code, ''));

CREATE TABLE api_tokens_without_collector (
    id         INTEGER PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'official', 'staff')),
    unit_code  TEXT REFERENCES units (code),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK ((role = 'admin') = (unit_code IS NULL))
);
INSERT INTO api_tokens_without_collector (id, name, token_hash, role, unit_code, created_at, revoked_at)
SELECT id, name, token_hash, role, unit_code, created_at, revoked_at FROM api_tokens WHERE role <> 'collector';
DROP TABLE api_tokens;
ALTER TABLE api_tokens_without_collector RENAME TO api_tokens;
