-- The six partial indexes of open cases (0006, 0008) were declared WHERE status IN (three
-- values). SQLite evaluates a partial index's WHERE for every row it inserts or updates, and it
-- codes an IN list of more than two constants as an ephemeral table built on each statement
-- execution: six of them for every case a bad review opens. The same test written as an OR of
-- equalities is a few comparisons (the case opener: ~10% less CPU per case, bench/README.md).
-- Queries that should use these indexes repeat this WHERE exactly (cases::kOpenSql): SQLite
-- uses a partial index only when the query's WHERE contains the index's (PostgreSQL proves it
-- from either form).
DROP INDEX cases_open_owner;
DROP INDEX cases_open_node;
DROP INDEX cases_open_id;
DROP INDEX cases_open_level;
DROP INDEX cases_open_deadline;
DROP INDEX cases_open_assignee;
CREATE INDEX cases_open_owner ON cases(owner_path, sensitive, status, level, deadline_at, assignee_id, node_path, transfer_to_path)
  WHERE (status = 'pending' OR status = 'processing' OR status = 'waiting');
CREATE INDEX cases_open_node ON cases(node_path, sensitive, status, level, deadline_at, assignee_id, owner_path, transfer_to_path)
  WHERE (status = 'pending' OR status = 'processing' OR status = 'waiting');
CREATE INDEX cases_open_id ON cases(id, sensitive, owner_path, node_path, transfer_to_path, status, deadline_at)
  WHERE (status = 'pending' OR status = 'processing' OR status = 'waiting');
CREATE INDEX cases_open_level ON cases(level, deadline_at, status)
  WHERE (status = 'pending' OR status = 'processing' OR status = 'waiting');
CREATE INDEX cases_open_deadline ON cases(deadline_at, status)
  WHERE (status = 'pending' OR status = 'processing' OR status = 'waiting');
CREATE INDEX cases_open_assignee ON cases(assignee_id)
  WHERE (status = 'pending' OR status = 'processing' OR status = 'waiting');
