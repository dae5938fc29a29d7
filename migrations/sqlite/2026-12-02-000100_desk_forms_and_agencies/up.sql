-- A desk has two forms: the poster's (anyone passing by; short) and the tickets' (handed
-- out with a result; the SIPAS form). Desks made before answered one form on both.
ALTER TABLE desks ADD COLUMN ticket_form_id TEXT NOT NULL DEFAULT '';
UPDATE desks SET ticket_form_id = form_id;
-- The agency a unit belongs to, shown as the first line of its questionnaire (e.g.
-- "UBND Phường Phú Xuân — Trung tâm Phục vụ hành chính công"), and where a citizen can
-- still reach it after answering (a hotline or a feedback address).
ALTER TABLE units ADD COLUMN agency_name TEXT;
ALTER TABLE units ADD COLUMN feedback_contact TEXT;
