-- Responses keep the time they were sent to the minute only: reports need the day, alerts
-- the hour, and seconds would help match an answer with a proxy's or the one-stop
-- software's logs.
UPDATE responses SET submitted_at = date_trunc('minute', submitted_at);
