-- Administrative units: a tree of any depth (province → commune, ministry → office).
CREATE TABLE units (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parent_code TEXT REFERENCES units (code),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (parent_code IS NULL OR parent_code <> code)
);
CREATE INDEX units_parent_code ON units (parent_code);

-- Reception desks of a unit; `code` is the reusable desk code printed on its poster.
CREATE TABLE desks (
    id         INTEGER PRIMARY KEY NOT NULL,
    unit_code  TEXT NOT NULL REFERENCES units (code),
    name       TEXT NOT NULL,
    code       TEXT NOT NULL UNIQUE,
    form_id    TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (unit_code, name)
);
