-- How many dossiers (hồ sơ) each unit received per month, from the one-stop software or a
-- file: the weights of the `weighted` roll-up and the population N of sample targets.
-- Tickets issued are not dossiers and are kept apart.
CREATE TABLE dossiers (
    unit_code  TEXT NOT NULL REFERENCES units (code),
    month      DATE NOT NULL,
    received   BIGINT NOT NULL CHECK (received >= 0),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_code, month)
);
