-- Patient and public feedback (群众满意度): the forms engine (versioned templates), collection
-- points, ratings with their integrity review, satisfaction rollups, targets and follow-up
-- visits (回访). Shipped survey templates are inserted by the application on first start
-- (templates/surveys/*.json, embedded in the binary), not here.
-- The raw ratings table has only its time-ordered primary key: figures come from rollups,
-- lists from the smaller comments and review tables (see docs/architecture.md).

-- Forms: a template holds an editable draft; publishing freezes it as a new version.
CREATE TABLE form_templates (
  id BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,                      -- survey | checklist | scorecard
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  owner_node_id BIGINT,                    -- NULL: shipped, shared by every unit
  owner_path TEXT {{COLLATE_C}} NOT NULL DEFAULT '',
  draft TEXT NOT NULL,                     -- JSON definition being edited
  current_version_id BIGINT,               -- newest published version
  copied_from BIGINT,
  active INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX form_templates_code ON form_templates(code);

CREATE TABLE form_versions (
  id BIGINT PRIMARY KEY,
  template_id BIGINT NOT NULL REFERENCES form_templates(id),
  version INTEGER NOT NULL,
  definition TEXT NOT NULL,                -- immutable JSON
  published_at BIGINT NOT NULL,
  published_by BIGINT
);
CREATE UNIQUE INDEX form_versions_tv ON form_versions(template_id, version);

-- Collection points (采集点): an org node or a staff member rated through a QR code.
CREATE TABLE collection_points (
  id BIGINT PRIMARY KEY,
  code TEXT NOT NULL,                      -- unguessable, printed in the QR code
  node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  unit_id BIGINT NOT NULL REFERENCES org_nodes(id),
  staff_id BIGINT REFERENCES staff(id),
  name TEXT NOT NULL,
  template_id BIGINT NOT NULL REFERENCES form_templates(id),
  active INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX collection_points_code ON collection_points(code);
CREATE INDEX collection_points_node ON collection_points(node_id);
CREATE INDEX collection_points_unit ON collection_points(unit_id, id);

-- Ratings: append-only responses. status valid | suspect | rejected; only valid ones count.
-- No foreign keys and no secondary index: intake speed (see ENGINEERING.md, measured 10x).
CREATE TABLE ratings (
  id BIGINT PRIMARY KEY,
  point_id BIGINT NOT NULL,
  node_id BIGINT NOT NULL,
  unit_id BIGINT NOT NULL,
  staff_id BIGINT,
  template_id BIGINT NOT NULL,
  form_version_id BIGINT NOT NULL,
  channel TEXT NOT NULL,                   -- qr | kiosk | web | followup | opinion_box | phone
  overall INTEGER NOT NULL,                -- 1 非常不满意 … 5 非常满意
  answers TEXT NOT NULL DEFAULT '',
  score DOUBLE PRECISION,
  comment TEXT NOT NULL DEFAULT '',
  phone_enc {{BLOB}},
  phone_mask TEXT NOT NULL DEFAULT '',
  device TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  net TEXT NOT NULL DEFAULT '',
  elapsed_ms BIGINT,
  status TEXT NOT NULL,
  flags TEXT NOT NULL DEFAULT '',
  day INTEGER NOT NULL,                    -- local date yyyymmdd (Asia/Shanghai)
  created_at BIGINT NOT NULL,
  entered_by BIGINT,
  case_id BIGINT
);

-- Ratings with a comment, for the comments list and its export (keyset paging on rating_id).
CREATE TABLE rating_comments (
  rating_id BIGINT PRIMARY KEY,
  node_id BIGINT NOT NULL,
  unit_id BIGINT NOT NULL,
  overall INTEGER NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  comment TEXT NOT NULL,
  phone_mask TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rating_comments_unit ON rating_comments(unit_id, rating_id);

-- The review queue of suspect ratings (and appeals against valid ones).
CREATE TABLE rating_reviews (
  rating_id BIGINT PRIMARY KEY,
  node_id BIGINT NOT NULL,
  unit_id BIGINT NOT NULL,
  flags TEXT NOT NULL,
  state TEXT NOT NULL,                     -- pending | accepted | rejected
  reason TEXT NOT NULL DEFAULT '',
  reviewed_by BIGINT,
  reviewed_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX rating_reviews_queue ON rating_reviews(unit_id, state, rating_id);

-- Counters per node x dimension x period x template, updated in the rating's transaction.
-- period: yyyymmdd for a day, yyyymm for a whole month (both kept, so a year is 12 rows per node). dimension 'overall' is the overall
-- rating. A node's figure sums the rows of the nodes in its subtree (join on org_nodes.path).
CREATE TABLE rating_rollups (
  node_id BIGINT NOT NULL,
  dimension TEXT NOT NULL,
  period INTEGER NOT NULL,
  template_id BIGINT NOT NULL,
  n BIGINT NOT NULL,
  c1 BIGINT NOT NULL,
  c2 BIGINT NOT NULL,
  c3 BIGINT NOT NULL,
  c4 BIGINT NOT NULL,
  c5 BIGINT NOT NULL,
  total BIGINT NOT NULL,
  PRIMARY KEY (node_id, dimension, period, template_id)
);

-- The same counters summed per institution and every node above it (county, city, …), so a
-- figure for such a node reads its own rows instead of summing hundreds of departments. A
-- rating adds to its unit (nearest institution) and the unit's ancestors, in the same statement
-- batch as rating_rollups. `manyi rollups rebuild` recomputes it (after moving an institution).
CREATE TABLE rating_rollups_tree (
  node_id BIGINT NOT NULL,
  dimension TEXT NOT NULL,
  period INTEGER NOT NULL,
  template_id BIGINT NOT NULL,
  n BIGINT NOT NULL,
  c1 BIGINT NOT NULL,
  c2 BIGINT NOT NULL,
  c3 BIGINT NOT NULL,
  c4 BIGINT NOT NULL,
  c5 BIGINT NOT NULL,
  total BIGINT NOT NULL,
  PRIMARY KEY (node_id, dimension, period, template_id)
);

-- Browsers (device ids) of staff who signed in to the console: their ratings are suspect.
CREATE TABLE staff_devices (
  device TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  staff_id BIGINT,
  marked_at BIGINT NOT NULL
);

-- Satisfaction targets per node (inherited by the subtree); defaults 90%, windows 85%.
CREATE TABLE satisfaction_targets (
  node_id BIGINT PRIMARY KEY REFERENCES org_nodes(id),
  target DOUBLE PRECISION NOT NULL,
  followup_target DOUBLE PRECISION,
  updated_at BIGINT NOT NULL,
  updated_by BIGINT
);

-- Follow-up visits (回访) of discharged patients.
CREATE TABLE followup_tasks (
  id BIGINT PRIMARY KEY,
  unit_id BIGINT NOT NULL,
  node_id BIGINT NOT NULL,                 -- the department
  name_enc {{BLOB}} NOT NULL,
  name_mask TEXT NOT NULL,
  phone_enc {{BLOB}} NOT NULL,
  phone_mask TEXT NOT NULL,
  phone_hash TEXT NOT NULL,
  discharge_day INTEGER NOT NULL,          -- yyyymmdd
  due_day INTEGER NOT NULL,                -- yyyymmdd
  status TEXT NOT NULL,                    -- pending | reached | not_reached | refused | unreachable
  attempts INTEGER NOT NULL DEFAULT 0,
  rating_id BIGINT,
  note TEXT NOT NULL DEFAULT '',
  handled_by BIGINT,
  handled_at BIGINT,
  created_at BIGINT NOT NULL,
  created_by BIGINT
);
CREATE INDEX followup_tasks_unit ON followup_tasks(unit_id, due_day, id);
CREATE UNIQUE INDEX followup_tasks_patient ON followup_tasks(node_id, phone_hash, discharge_day)
