-- Whether the unit's indices may be read by anyone at /public/units/{code} (off until an
-- administrator turns it on).
ALTER TABLE units ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;
