-- Inspections (明查暗访、督导检查、质控检查、隐患排查, 自查): plans that yield a task per period and
-- covered unit, the inspections done on those tasks (a checklist response of the forms engine,
-- immutable, with its template version) and their findings (every deduction and veto), which
-- the inspector confirms into the rectification ledger. See docs/architecture.md, "Inspections".

-- A plan: a checklist template, what it covers (a subtree, optionally only nodes of one kind,
-- or a list of nodes), a cadence or a one-off window, overt or covert (暗访), a coverage target
-- and its inspectors. owner_* is the planner's unit: the plan and its results are read and
-- managed from there; every covered node lies in its subtree.
CREATE TABLE inspection_plans (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  owner_node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  owner_path TEXT {{COLLATE_C}} NOT NULL,
  template_id BIGINT NOT NULL REFERENCES form_templates(id),
  scope_node_id BIGINT,                    -- coverage by subtree (NULL with a list of nodes)
  node_kind TEXT,                          -- only nodes of this kind in the subtree (NULL = all)
  node_ids TEXT NOT NULL DEFAULT '[]',     -- coverage by list: JSON ids as strings
  cadence TEXT NOT NULL,                   -- daily | weekly | monthly | quarterly | once
  window_from TEXT,                        -- once: YYYY-MM-DD
  window_to TEXT,
  covert INTEGER NOT NULL DEFAULT 0,
  self_inspection INTEGER NOT NULL DEFAULT 0,  -- 自查: the covered unit inspects itself
  target DOUBLE PRECISION NOT NULL DEFAULT 1,  -- coverage target, a share (1 = 100%)
  active INTEGER NOT NULL DEFAULT 1,
  created_by BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX inspection_plans_owner ON inspection_plans(owner_path, id);

-- The plan's inspectors (staff or 社会监督员 accounts): they see and fill in its tasks.
CREATE TABLE inspection_plan_inspectors (
  plan_id BIGINT NOT NULL REFERENCES inspection_plans(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  PRIMARY KEY (plan_id, user_id)
);
CREATE INDEX inspection_plan_inspectors_user ON inspection_plan_inspectors(user_id, plan_id);

-- A task: one plan, one period (2026-03-02, 2026-W10, 2026-03, 2026-Q1, once), one covered
-- unit; the template version current when it was made; due at the end of the period's last
-- working day. status due → done (inspected) or overdue (the scan); level and next_check_at
-- are the escalation clock (workflow::Clock). Unique (plan, period, node): generation runs
-- again and on several instances without making a task twice.
CREATE TABLE inspection_tasks (
  id BIGINT PRIMARY KEY,
  plan_id BIGINT NOT NULL REFERENCES inspection_plans(id),
  period TEXT NOT NULL,
  node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  node_path TEXT {{COLLATE_C}} NOT NULL,
  owner_path TEXT {{COLLATE_C}} NOT NULL,  -- the plan's
  version_id BIGINT NOT NULL REFERENCES form_versions(id),
  starts_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  supervise_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  level INTEGER NOT NULL DEFAULT 0,
  next_check_at BIGINT,
  inspection_id BIGINT,
  created_at BIGINT NOT NULL,
  done_at BIGINT
);
CREATE UNIQUE INDEX inspection_tasks_once ON inspection_tasks(plan_id, period, node_id);
CREATE INDEX inspection_tasks_path ON inspection_tasks(node_path, id);
CREATE INDEX inspection_tasks_owner ON inspection_tasks(owner_path, id);
CREATE INDEX inspection_tasks_check ON inspection_tasks(next_check_at);

-- An inspection: the task's one submission. response_id is the immutable checklist response
-- (form_responses: answers, notes, per-item results, template version). draft_id is the
-- client's key: the same submission sent again (a phone that lost the network) answers the
-- stored one. published_at: visible to the inspected unit from then on (at once for an overt
-- plan; a covert one when the inspector publishes). confirmed_at: findings sent to the ledger.
CREATE TABLE inspections (
  id BIGINT PRIMARY KEY,
  code TEXT NOT NULL,
  task_id BIGINT NOT NULL REFERENCES inspection_tasks(id),
  plan_id BIGINT NOT NULL REFERENCES inspection_plans(id),
  response_id BIGINT NOT NULL REFERENCES form_responses(id),
  node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  node_path TEXT {{COLLATE_C}} NOT NULL,
  owner_path TEXT {{COLLATE_C}} NOT NULL,
  inspector_id BIGINT,
  inspector_name TEXT NOT NULL,
  draft_id TEXT NOT NULL,
  covert INTEGER NOT NULL DEFAULT 0,
  score DOUBLE PRECISION NOT NULL,
  grade TEXT NOT NULL DEFAULT '',
  vetoed INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  published_at BIGINT,
  confirmed_at BIGINT
);
CREATE UNIQUE INDEX inspections_code ON inspections(code);
CREATE UNIQUE INDEX inspections_task ON inspections(task_id);
CREATE UNIQUE INDEX inspections_draft ON inspections(inspector_id, draft_id);
CREATE INDEX inspections_path ON inspections(node_path, id);
CREATE INDEX inspections_owner ON inspections(owner_path, id);

-- A finding: one deduction or veto of an inspection, kept as scored; rectification_id is the
-- ledger item it became once confirmed.
CREATE TABLE inspection_findings (
  id BIGINT PRIMARY KEY,
  inspection_id BIGINT NOT NULL REFERENCES inspections(id),
  item_id TEXT NOT NULL,
  section TEXT NOT NULL,
  label TEXT NOT NULL,
  kind TEXT NOT NULL,                      -- deduction | veto
  deduction DOUBLE PRECISION NOT NULL,
  reason TEXT NOT NULL,
  note TEXT,
  rectification_id BIGINT
);
CREATE INDEX inspection_findings_inspection ON inspection_findings(inspection_id, id);
