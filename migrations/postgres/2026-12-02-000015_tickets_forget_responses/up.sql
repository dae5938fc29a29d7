-- A ticket no longer names the response that answered it: its dossier number (mã hồ sơ)
-- must not lead to anyone's answers or comment. It keeps only that it was answered.
ALTER TABLE tickets ADD COLUMN answered BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE tickets SET answered = TRUE WHERE response_id IS NOT NULL;
ALTER TABLE tickets DROP COLUMN response_id;
