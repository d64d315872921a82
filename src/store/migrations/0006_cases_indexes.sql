-- The inbox counts (GET /api/v1/case-reports/counts) over open cases only, measured at 1 million
-- cases with 200,000 open (bench/README.md, Cases): the visibility rule is an OR over three
-- path columns, which made SQLite collect and fetch every row of the scope through three
-- indexes (1 s for a hospital, 10 s for the bureau). The count now runs as disjoint branches
-- (owner in scope; subject in scope, owner not; transfer target only), each read from one of
-- these partial covering indexes without touching the table. Only open cases are in them.
CREATE INDEX cases_open_owner ON cases(owner_path, sensitive, status, level, deadline_at, assignee_id, node_path, transfer_to_path)
  WHERE status IN ('pending', 'processing', 'waiting');
CREATE INDEX cases_open_node ON cases(node_path, sensitive, status, level, deadline_at, assignee_id, owner_path, transfer_to_path)
  WHERE status IN ('pending', 'processing', 'waiting');

-- The overdue tab pages newest first through open cases only: an id-ordered index of them,
-- covering the visibility and overdue terms, so a small scope's last page does not walk every
-- older case (a department's last overdue page at 1 million cases: 440 ms -> 1 ms).
CREATE INDEX cases_open_id ON cases(id, sensitive, owner_path, node_path, transfer_to_path, status, deadline_at)
  WHERE status IN ('pending', 'processing', 'waiting');
