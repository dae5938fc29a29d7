-- The seconds dropped cannot come back; times stay to the minute.
SELECT 1;
