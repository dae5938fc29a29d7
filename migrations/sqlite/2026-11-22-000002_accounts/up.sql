-- People who sign in: staff, officials, administrators.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    language      TEXT NOT NULL DEFAULT 'vi',
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    -- Bumped when the password changes or the user is disabled: older sessions end.
    session_epoch BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- What a user may do where. An admin grant has no unit: admins may do everything.
CREATE TABLE grants (
    id        INTEGER PRIMARY KEY NOT NULL,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('admin', 'official', 'staff')),
    unit_code TEXT REFERENCES units (code),
    CHECK ((role = 'admin') = (unit_code IS NULL))
);
CREATE UNIQUE INDEX grants_unique ON grants (user_id, role, COALESCE(unit_code, ''));

-- Tokens for other programs (the one-stop software, data teams); only a hash is kept.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'official', 'staff')),
    unit_code  TEXT REFERENCES units (code),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK ((role = 'admin') = (unit_code IS NULL))
);

-- Keys the application makes for itself (the cookie-signing key), shared by every replica.
CREATE TABLE app_secrets (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Failed sign-ins, per account and per (hashed) address, for the sign-in limit.
CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY NOT NULL,
    subject   TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, failed_at);
