-- Attachments (附件) owned by any work item: (owner_kind, owner_id) names the owner — 'case'
-- for a complaint's files, 'form_response' for an inspection's photo evidence, and the items
-- to come. Images and PDFs only (sniffed from the bytes, never the client's claim), kept in the
-- database so they are backed up with their owner and written in the same transaction as the
-- owner's history entry. uploader is the name the history shows (群众 for the public); the
-- case attachments of 0005 move here unchanged.
CREATE TABLE attachments (
  id BIGINT PRIMARY KEY,
  owner_kind TEXT NOT NULL,
  owner_id BIGINT NOT NULL,
  event_id BIGINT,
  uploaded_by BIGINT,
  uploader TEXT NOT NULL,
  source TEXT NOT NULL,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  data {{BLOB}} NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX attachments_owner ON attachments(owner_kind, owner_id, id);
INSERT INTO attachments(id, owner_kind, owner_id, event_id, uploaded_by, uploader, source, name, content_type, size,
                        sha256, data, created_at)
SELECT a.id, 'case', a.case_id, a.event_id, a.uploaded_by, COALESCE(e.actor_name, ''), a.source, a.name,
       a.content_type, a.size, a.sha256, a.data, a.created_at
FROM case_attachments a LEFT JOIN case_events e ON e.id = a.event_id;
DROP TABLE case_attachments;
