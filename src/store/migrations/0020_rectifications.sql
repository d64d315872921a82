-- The rectification ledger (整改台账): one row per item, whatever its source (inspection
-- finding, substantiated complaint or bad review, self-inspection, supervision, indicator,
-- manual entry or import), updated as it moves; its history is rectification_events (the
-- workflow engine's timeline shape, as case_events). unit_* is the owner unit (责任单位: an
-- institution or a department), inst_id the institution at or above it (the ladder's "unit").
-- The SLA clock's points are plain columns (workflow::Clock); next_check_at is when the
-- escalation scan must look next (NULL once closed or cancelled). ext_* is a pending extension
-- request. Sized for 1 M items (200 k open) across a province: every list, count and scan
-- reads a subtree of unit_path (COLLATE C, ranges as store/subtree.hpp) from an index.
CREATE TABLE rectifications (
  id BIGINT PRIMARY KEY,
  code TEXT NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES org_nodes(id),
  unit_path TEXT {{COLLATE_C}} NOT NULL,
  inst_id BIGINT NOT NULL,
  responsible TEXT,
  responsible_user_id BIGINT,
  source TEXT NOT NULL,
  source_ref TEXT,
  source_id BIGINT,
  category TEXT,
  problem TEXT NOT NULL,
  cause TEXT,
  measures TEXT,
  hazard INTEGER NOT NULL DEFAULT 0,
  severity TEXT,
  funds TEXT,
  contingency TEXT,
  status TEXT NOT NULL,
  limit_days INTEGER NOT NULL,
  started_at BIGINT NOT NULL,
  warn_at BIGINT NOT NULL,
  deadline_at BIGINT NOT NULL,
  supervise_at BIGINT NOT NULL,
  level INTEGER NOT NULL DEFAULT 0,
  next_check_at BIGINT,
  redo_count INTEGER NOT NULL DEFAULT 0,
  ext_until TEXT,
  ext_reason TEXT,
  ext_requested_at BIGINT,
  ext_by BIGINT,
  public INTEGER NOT NULL DEFAULT 0,
  created_by BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  closed_at BIGINT,
  verified_by TEXT
);
CREATE UNIQUE INDEX rectifications_code ON rectifications(code);
-- Lists of a subtree, newest first (keyset on id).
CREATE INDEX rectifications_unit ON rectifications(unit_path, id);
-- Counts by status of a subtree, read from the index alone.
CREATE INDEX rectifications_counts ON rectifications(unit_path, status);
-- Open items only (the WHERE written as RectifyService's kOpenSql, so SQLite uses it): the
-- overdue count and filter of a subtree from the index alone. A separate count, because one
-- GROUP BY with a CASE over the open predicate took 2.5 s at 1 M items for the city on SQLite;
-- these two take ~0.45 s and ~0.1 s (a hospital: a few ms).
CREATE INDEX rectifications_open ON rectifications(unit_path, deadline_at, status)
  WHERE (status = 'pending' OR status = 'rectifying' OR status = 'submitted');
-- Lists by status (the verification queue: submitted) of a subtree.
CREATE INDEX rectifications_status ON rectifications(status, unit_path, id);
-- The escalation scan: items whose next check is due.
CREATE INDEX rectifications_check ON rectifications(next_check_at);
-- The item a case (or another source row) opened.
CREATE INDEX rectifications_source ON rectifications(source_id, source);
-- The public page of a unit: only public items.
CREATE INDEX rectifications_public ON rectifications(unit_path, id) WHERE public = 1;

-- Append-only history (workflow::Timeline: table rectification_events, column item_id).
CREATE TABLE rectification_events (
  id BIGINT PRIMARY KEY,
  item_id BIGINT NOT NULL REFERENCES rectifications(id),
  at BIGINT NOT NULL,
  actor_id BIGINT,
  actor_name TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  status TEXT NOT NULL,
  node_id BIGINT,
  note TEXT NOT NULL DEFAULT '',
  public INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rectification_events_item ON rectification_events(item_id, id);
