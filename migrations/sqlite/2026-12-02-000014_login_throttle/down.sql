CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY NOT NULL,
    subject   TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, failed_at);
DROP TABLE known_sign_ins;
DROP TABLE login_throttle;
