ALTER TABLE units DROP COLUMN feedback_contact;
ALTER TABLE units DROP COLUMN agency_name;
ALTER TABLE desks DROP COLUMN ticket_form_id;
