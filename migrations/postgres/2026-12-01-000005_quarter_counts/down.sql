DELETE FROM answer_counts WHERE period = 'quarter';
DELETE FROM response_counts WHERE period = 'quarter';
ALTER TABLE answer_counts DROP CONSTRAINT answer_counts_period_check;
ALTER TABLE answer_counts ADD CONSTRAINT answer_counts_period_check
    CHECK (period IN ('day', 'month', 'year'));
ALTER TABLE response_counts DROP CONSTRAINT response_counts_period_check;
ALTER TABLE response_counts ADD CONSTRAINT response_counts_period_check
    CHECK (period IN ('day', 'month', 'year'));
