-- The link to the response cannot come back: answered tickets are closed as revoked, so
-- they still take no second answer.
ALTER TABLE tickets ADD COLUMN response_id BIGINT UNIQUE REFERENCES responses (id);
UPDATE tickets SET revoked_at = COALESCE(revoked_at, issued_at) WHERE answered;
ALTER TABLE tickets DROP COLUMN answered;
