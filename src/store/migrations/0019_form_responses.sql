-- Form responses (forms engine): submitted checklists and scorecards — inspections, scored
-- evaluations — other than the public ratings, which keep their own fast table. A response is
-- immutable: it keeps the template version it was scored against, the answers, a note per
-- item, the result per item and the totals; there is no update or delete. A later
-- correction is a new response.
CREATE TABLE form_responses (
  id BIGINT PRIMARY KEY,
  template_id BIGINT NOT NULL REFERENCES form_templates(id),
  version_id BIGINT NOT NULL REFERENCES form_versions(id),
  kind TEXT NOT NULL,                      -- checklist | scorecard (the template's)
  node_id BIGINT NOT NULL REFERENCES org_nodes(id),  -- the unit the response is about
  node_path TEXT {{COLLATE_C}} NOT NULL,
  subject TEXT NOT NULL DEFAULT '',        -- optional: a window, a ward, a record number
  submitted_by BIGINT,
  submitted_at BIGINT NOT NULL,
  answers TEXT NOT NULL,                   -- JSON {"<item>": value | {"na": true}}
  notes TEXT NOT NULL,                     -- JSON {"<item>": "note"}
  result TEXT NOT NULL,                    -- JSON: the score with one result per item
  score DOUBLE PRECISION NOT NULL,
  percentage DOUBLE PRECISION NOT NULL,
  grade TEXT NOT NULL DEFAULT '',
  vetoed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX form_responses_path ON form_responses(node_path, id);
CREATE INDEX form_responses_template ON form_responses(template_id, id);

-- Photo evidence per item (一项一证): the files are attachments owned by ('form_response',
-- response id) (table attachments, migration 0018); this says which item each one shows.
CREATE TABLE form_response_photos (
  attachment_id BIGINT PRIMARY KEY,
  response_id BIGINT NOT NULL REFERENCES form_responses(id),
  item_id TEXT NOT NULL
);
CREATE INDEX form_response_photos_response ON form_response_photos(response_id, item_id);
