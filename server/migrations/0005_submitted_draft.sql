-- The draft as it was at the latest submission, so the candidate and the reviewer can see
-- what changed since.
ALTER TABLE applications ADD COLUMN submitted_draft_json TEXT;
