-- Every version of every form ever used: responses point at the exact version they
-- answered, and the source keeps old versions readable after the file changed.
CREATE TABLE form_versions (
    id            INTEGER PRIMARY KEY NOT NULL,
    form_id       TEXT NOT NULL,
    label         TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    source        TEXT NOT NULL,
    registered_at TIMESTAMP NOT NULL,
    UNIQUE (form_id, content_hash)
);

-- One submitted questionnaire. Anonymous: no name, address, IP or user agent.
CREATE TABLE responses (
    id               INTEGER PRIMARY KEY NOT NULL,
    form_version_id  BIGINT NOT NULL REFERENCES form_versions (id),
    unit_code        TEXT NOT NULL REFERENCES units (code),
    desk_id          BIGINT REFERENCES desks (id),
    channel          TEXT NOT NULL,
    procedure_code   TEXT,
    submitted_at     TIMESTAMP NOT NULL,
    day              DATE NOT NULL,
    -- The token of the page that was submitted: a retried POST finds it taken.
    submission_token TEXT UNIQUE
);
CREATE INDEX responses_unit_day ON responses (unit_code, day);

-- Structured answers: an option value or a number; one row per chosen option.
CREATE TABLE answers (
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id, value)
) WITHOUT ROWID;

-- Free-text answers (comments), kept apart from everything that could identify a dossier.
CREATE TABLE text_answers (
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id)
) WITHOUT ROWID;

-- What reports read instead of raw answers, updated in the response's transaction:
-- how many answers per unit, form version, local day, question and value ('*' counts
-- the respondents who answered the question at all).
CREATE TABLE daily_counts (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    day             DATE NOT NULL,
    question_id     TEXT NOT NULL,
    value           TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, day, question_id, value)
) WITHOUT ROWID;

-- Responses per unit, form version, local day and channel.
CREATE TABLE daily_responses (
    unit_code       TEXT NOT NULL REFERENCES units (code),
    form_version_id BIGINT NOT NULL REFERENCES form_versions (id),
    day             DATE NOT NULL,
    channel         TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (unit_code, form_version_id, day, channel)
) WITHOUT ROWID;
