-- Case attachments (附件): images and PDFs sent with a public complaint or added by staff to a
-- case. Kept in the database, not on disk, so they are backed up and replicated with the case
-- and written in the same transaction as its history entry. content_type is what the bytes
-- were sniffed to be (never the client's claim); name is the sanitised file name shown and
-- offered on download. source is 'public' (the complainant, right after filing) or 'staff'.
-- event_id points at the case_events entry ("attach") that shows the upload on the timeline.
CREATE TABLE case_attachments (
  id BIGINT PRIMARY KEY,
  case_id BIGINT NOT NULL REFERENCES cases(id),
  event_id BIGINT,
  uploaded_by BIGINT,
  source TEXT NOT NULL,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  data {{BLOB}} NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments(case_id, id);
