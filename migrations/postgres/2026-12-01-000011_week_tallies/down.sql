DELETE FROM tallies WHERE period = 'week';
ALTER TABLE tallies DROP CONSTRAINT tallies_period_check;
ALTER TABLE tallies ADD CONSTRAINT tallies_period_check
    CHECK (period IN ('day', 'month', 'quarter', 'year'));
