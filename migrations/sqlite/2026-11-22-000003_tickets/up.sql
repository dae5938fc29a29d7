-- Single-use survey codes, each bound to a desk and, optionally, a procedure and a dossier.
CREATE TABLE tickets (
    id             INTEGER PRIMARY KEY NOT NULL,
    code           TEXT NOT NULL UNIQUE,
    desk_id        BIGINT NOT NULL REFERENCES desks (id),
    procedure_code TEXT,
    -- The dossier number (mã hồ sơ): only to give the one-stop software the same ticket
    -- again; never shown next to answers or comments.
    dossier_code   TEXT,
    issued_at      TIMESTAMP NOT NULL,
    issued_day     DATE NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    -- Set, once, in the transaction that stores the answer: a ticket has one response.
    response_id    BIGINT UNIQUE REFERENCES responses (id),
    UNIQUE (desk_id, dossier_code)
);

-- Tickets issued per desk and local day, and how many of them were answered (counted on
-- the day they were issued, so a period's response rate is that of its own tickets).
CREATE TABLE ticket_counts (
    desk_id  BIGINT NOT NULL REFERENCES desks (id),
    day      DATE NOT NULL,
    issued   BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    PRIMARY KEY (desk_id, day)
) WITHOUT ROWID;
