DROP INDEX login_failures_subject;
DROP TABLE login_failures;
DROP TABLE app_secrets;
DROP TABLE api_tokens;
DROP INDEX grants_unique;
DROP TABLE grants;
DROP TABLE users;
