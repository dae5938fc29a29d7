-- Answers sent by other programs (`POST /api/v1/responses`): a retry with the same
-- `Idempotency-Key` stores nothing new. The key, hashed with who sent it, is claimed in
-- the transaction that stores the response (a second claim waits for the first to commit);
-- the request's hash tells a retry from a different request that reuses the key.
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
-- provincial portal, a kiosk app).
ALTER TABLE grants DROP CONSTRAINT grants_role_check;
ALTER TABLE grants ADD CONSTRAINT grants_role_check
    CHECK (role IN ('admin', 'official', 'staff', 'collector'));
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('admin', 'official', 'staff', 'collector'));
