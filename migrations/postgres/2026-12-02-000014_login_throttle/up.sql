-- Failed sign-ins per subject: an account, a network address, or an account from one
-- address (account e-mails and addresses only as an HMAC). Each attempt claims its place
-- with one conditional update before the password is checked, so parallel guesses are
-- counted exactly; past a few failures each next attempt waits longer (a growing delay,
-- not a lock).
CREATE TABLE login_throttle (
    subject      TEXT PRIMARY KEY NOT NULL,
    failures     BIGINT NOT NULL,
    last_attempt TIMESTAMP NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle (last_attempt);

-- Accounts and addresses (one HMAC of both) that signed in successfully: there the owner
-- is not slowed by other people's guesses at the account.
CREATE TABLE known_sign_ins (
    subject   TEXT PRIMARY KEY NOT NULL,
    last_seen TIMESTAMP NOT NULL
);

DROP TABLE login_failures;
