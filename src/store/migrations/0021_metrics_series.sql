-- Generic metric series (metrics engine): counters per node × series × period, and targets
-- inherited down the org tree. A series is named "<domain>.<name>" (cases.on_time,
-- rectify.on_time, satisfaction.rate …). See docs/architecture.md, "Metrics".

-- A node's own counters: n observations, their sum, and a rate's numerator and denominator.
-- period: yyyymmdd for a day and yyyymm for the whole month (both kept, as rating_rollups).
-- Written in the writer's transaction; the source that `rollups rebuild` recomputes the tree
-- table from after a node moves.
CREATE TABLE metric_rollups (
  node_id BIGINT NOT NULL,
  series TEXT NOT NULL,
  period INTEGER NOT NULL,
  n BIGINT NOT NULL,
  sum DOUBLE PRECISION NOT NULL,
  num BIGINT NOT NULL,
  den BIGINT NOT NULL,
  PRIMARY KEY (node_id, series, period)
);

-- The same counters summed over each node's whole subtree (the node itself and everything
-- below it): a write adds to the node and every ancestor, so a figure for any node — a
-- department or the province — reads one row per period range, never a join over the subtree.
CREATE TABLE metric_rollups_tree (
  node_id BIGINT NOT NULL,
  series TEXT NOT NULL,
  period INTEGER NOT NULL,
  n BIGINT NOT NULL,
  sum DOUBLE PRECISION NOT NULL,
  num BIGINT NOT NULL,
  den BIGINT NOT NULL,
  PRIMARY KEY (node_id, series, period)
);

-- Targets (目标值) per node and series from a month on (yyyymm; 0 = from the beginning). A node
-- without a row of its own takes its nearest ancestor's; the newest row not after the month
-- asked for applies.
CREATE TABLE metric_targets (
  node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  series TEXT NOT NULL,
  effective_from INTEGER NOT NULL,
  target DOUBLE PRECISION NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by BIGINT,
  PRIMARY KEY (series, node_id, effective_from)
);

-- Satisfaction targets move onto the generic table: the rate target as satisfaction.rate and
-- the follow-up (回访) target, where one was set, as satisfaction.followup.
INSERT INTO metric_targets(node_id, series, effective_from, target, updated_at, updated_by)
  SELECT node_id, 'satisfaction.rate', 0, target, updated_at, updated_by FROM satisfaction_targets;
INSERT INTO metric_targets(node_id, series, effective_from, target, updated_at, updated_by)
  SELECT node_id, 'satisfaction.followup', 0, followup_target, updated_at, updated_by FROM satisfaction_targets
  WHERE followup_target IS NOT NULL;
DROP TABLE satisfaction_targets;
