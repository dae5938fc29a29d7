-- Answers sent by other programs (`POST /api/v1/responses`): a retry with the same
-- `Idempotency-Key` stores nothing new. The key, hashed with who sent it, is claimed in
-- the transaction that stores the response; the request's hash tells a retry from a
-- different request that reuses the key.
CREATE TABLE idempotency_keys (
    key_hash     TEXT PRIMARY KEY NOT NULL,
    request_hash TEXT NOT NULL,
    -- Set in the same transaction as the claim; never seen empty by another one.
    response_id  BIGINT REFERENCES responses (id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL
);
-- Keys are forgotten after a day (a retry comes within minutes), so that a key never ties
-- a response to whatever the sender chose as its key for longer.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- A fourth role, `collector`: a program that submits answers for a unit's subtree (a
-- provincial portal, a kiosk app). SQLite cannot change a CHECK, so both tables are rebuilt.
CREATE TABLE grants_with_collector (
    id        INTEGER PRIMARY KEY NOT NULL,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('admin', 'official', 'staff', 'collector')),
    unit_code TEXT REFERENCES units (code),
    CHECK ((role = 'admin') = (unit_code IS NULL))
);
INSERT INTO grants_with_collector (id, user_id, role, unit_code)
SELECT id, user_id, role, unit_code FROM grants;
DROP TABLE grants;
ALTER TABLE grants_with_collector RENAME TO grants;
CREATE UNIQUE INDEX grants_unique ON grants (user_id, role, COALESCE(unit_code, ''));

CREATE TABLE api_tokens_with_collector (
    id         INTEGER PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'official', 'staff', 'collector')),
    unit_code  TEXT REFERENCES units (code),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK ((role = 'admin') = (unit_code IS NULL))
);
INSERT INTO api_tokens_with_collector (id, name, token_hash, role, unit_code, created_at, revoked_at)
SELECT id, name, token_hash, role, unit_code, created_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_with_collector RENAME TO api_tokens;
