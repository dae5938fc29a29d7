-- The comment inbox: where each comment stands in its unit's handling. No row is «mới»
-- (new); «đã tiếp nhận» (received) and «đã xử lý» (handled) keep who set them and when.
-- The person is kept by name as well, so the record outlives their account. Comments
-- stay anonymous: nothing here says who wrote one.
CREATE TABLE comment_statuses (
    response_id     BIGINT NOT NULL,
    question_id     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('new', 'received', 'handled')),
    changed_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    changed_by_name TEXT NOT NULL,
    changed_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (response_id, question_id),
    FOREIGN KEY (response_id, question_id) REFERENCES text_answers (response_id, question_id) ON DELETE CASCADE
);
CREATE INDEX comment_statuses_status ON comment_statuses (status);
