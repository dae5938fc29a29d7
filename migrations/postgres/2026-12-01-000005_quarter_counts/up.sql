-- Counts per quarter as well, so that a quarter's report reads one period per unit,
-- question and value instead of three months; the quarters are summed from the months.
ALTER TABLE answer_counts DROP CONSTRAINT answer_counts_period_check;
ALTER TABLE answer_counts ADD CONSTRAINT answer_counts_period_check
    CHECK (period IN ('day', 'month', 'quarter', 'year'));
ALTER TABLE response_counts DROP CONSTRAINT response_counts_period_check;
ALTER TABLE response_counts ADD CONSTRAINT response_counts_period_check
    CHECK (period IN ('day', 'month', 'quarter', 'year'));

INSERT INTO answer_counts
SELECT unit_code, form_version_id, 'quarter', date_trunc('quarter', start)::date, question_id, value, SUM(count)
FROM answer_counts WHERE period = 'month' GROUP BY 1, 2, 4, 5, 6;
INSERT INTO response_counts
SELECT unit_code, form_version_id, 'quarter', date_trunc('quarter', start)::date, channel, SUM(count)
FROM response_counts WHERE period = 'month' GROUP BY 1, 2, 4, 5;
