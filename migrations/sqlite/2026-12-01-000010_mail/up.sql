-- Digests each official chooses: 'none', 'weekly' or 'monthly'.
ALTER TABLE users ADD COLUMN digest TEXT NOT NULL DEFAULT 'none' CHECK (digest IN ('none', 'weekly', 'monthly'));

-- Rules that send an alert when a unit's figures cross them, once per rule and period:
-- 'below' (an index under `threshold` with n ≥ min_n this month), 'drop' (an index down
-- more than `threshold` points since last month), 'comments' (more than `threshold`
-- comments this week), 'burst' (a desk with more than `threshold` responses within an
-- hour today: what ballot-stuffing looks like).
CREATE TABLE alert_rules (
    id         INTEGER PRIMARY KEY NOT NULL,
    unit_code  TEXT NOT NULL REFERENCES units (code),
    form_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('below', 'drop', 'comments', 'burst')),
    -- The index a 'below' or 'drop' rule watches; NULL: the form's headline ('drop':
    -- every index).
    index_id   TEXT,
    threshold  DOUBLE PRECISION NOT NULL,
    min_n      BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);

-- Mail waiting to go, and what became of it. A mail is queued in the same transaction
-- as what caused it; `dedup_key` makes queueing the same digest or alert twice (a check
-- run again, two replicas) a no-op. A worker claims a mail until `claimed_until`, so two
-- never send it at once, and retries a failure after `next_attempt_at`.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY NOT NULL,
    dedup_key       TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('digest', 'alert')),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    last_error      TEXT,
    sent_at         TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;

-- A desk's responses of the last hour, for 'burst' rules.
CREATE INDEX responses_desk_time ON responses (desk_id, submitted_at) WHERE desk_id IS NOT NULL;
