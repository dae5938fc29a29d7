DROP TABLE daily_responses;
DROP TABLE daily_counts;
DROP TABLE text_answers;
DROP TABLE answers;
DROP INDEX responses_unit_day;
DROP TABLE responses;
DROP TABLE form_versions;
