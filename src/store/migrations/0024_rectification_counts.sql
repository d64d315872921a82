-- The ledger's counts per node of the org tree (整改台账 at a province's scale): for every item,
-- one count at its owner unit and at each node above it, by status and by whether it is overdue
-- as the escalation scan last found it (open and level >= 2). RectifyService changes them in
-- the transaction that inserts or changes an item, so the figures of any scope are a few rows
-- (one per status) of its top nodes instead of a count over the subtree's items — which took
-- ~0.55 s for a city of 1 M items on SQLite. Items whose deadline passed since the last scan
-- are counted from the escalation index (next_check_at), so the overdue figure is exact.
CREATE TABLE rectification_counts (
  node_id BIGINT NOT NULL,
  status TEXT NOT NULL,
  overdue INTEGER NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (node_id, status, overdue)
);
-- The items already there: each unit's counts added at every node whose subtree holds it
-- (RectifyService::rebuild_counts runs the same statement after a bulk load).
INSERT INTO rectification_counts(node_id, status, overdue, n)
SELECT o.id, g.status, g.overdue, SUM(g.n)
FROM (SELECT unit_path, status,
             CASE WHEN level >= 2 AND status IN ('pending', 'rectifying', 'submitted') THEN 1 ELSE 0 END AS overdue,
             COUNT(*) AS n
      FROM rectifications
      GROUP BY unit_path, status,
               CASE WHEN level >= 2 AND status IN ('pending', 'rectifying', 'submitted') THEN 1 ELSE 0 END) g
JOIN org_nodes o ON g.unit_path LIKE o.path || '%'
GROUP BY o.id, g.status, g.overdue;
