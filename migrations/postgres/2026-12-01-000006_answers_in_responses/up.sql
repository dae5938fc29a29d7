-- A response's structured answers move into the response row, as a JSON array of
-- [question, value] pairs (one pair per chosen option). They are only ever written and
-- read whole (reports read the counts), and one row per response instead of one per
-- answer makes a million-row paper import write 1,000,000 rows instead of 36,000,000.
ALTER TABLE responses ADD COLUMN answers TEXT NOT NULL DEFAULT '[]';
UPDATE responses SET answers = pairs.answers
FROM (
    SELECT response_id, json_agg(json_build_array(question_id, value) ORDER BY question_id, value)::text AS answers
    FROM answers GROUP BY response_id
) AS pairs
WHERE pairs.response_id = responses.id;
DROP TABLE answers;
