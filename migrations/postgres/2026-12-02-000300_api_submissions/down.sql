DROP TABLE idempotency_keys;

-- Collectors lose their grants and tokens: the old constraint has no such role.
DELETE FROM grants WHERE role = 'collector';
DELETE FROM api_tokens WHERE role = 'collector';
ALTER TABLE grants DROP CONSTRAINT grants_role_check;
ALTER TABLE grants ADD CONSTRAINT grants_role_check CHECK (role IN ('admin', 'official', 'staff'));
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check CHECK (role IN ('admin', 'official', 'staff'));
