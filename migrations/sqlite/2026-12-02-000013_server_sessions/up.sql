-- A sign-in is a row here, found by a hash of the random identifier its cookie carries.
-- Signing out deletes the row, so a copied cookie stops working at once on every replica;
-- a new password or a disabled account deletes every row of the user.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The rows replace the epoch that ended every older session at once.
ALTER TABLE users DROP COLUMN session_epoch;
