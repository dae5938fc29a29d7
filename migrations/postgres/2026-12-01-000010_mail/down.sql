DROP INDEX responses_desk_time;
DROP TABLE outbox;
DROP TABLE alert_rules;
ALTER TABLE users DROP COLUMN digest;
