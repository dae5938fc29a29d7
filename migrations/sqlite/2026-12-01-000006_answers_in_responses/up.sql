-- A response's structured answers move into the response row, as a JSON array of
-- [question, value] pairs (one pair per chosen option). They are only ever written and
-- read whole (reports read the counts), and one row per response instead of one per
-- answer makes a million-row paper import write 1,000,000 rows instead of 36,000,000.
ALTER TABLE responses ADD COLUMN answers TEXT NOT NULL DEFAULT '[]';
UPDATE responses SET answers = (
    SELECT json_group_array(json_array(question_id, value))
    FROM (SELECT question_id, value FROM answers
          WHERE answers.response_id = responses.id ORDER BY question_id, value)
) WHERE id IN (SELECT response_id FROM answers);
DROP TABLE answers;
