-- The whole tree's inbox counts (the city bureau: every open case) read each tab from its own
-- narrow index of open cases rather than testing every tab's condition on 200,000 rows:
-- the open total and the 督办/临期 levels from (level, deadline_at, status), 逾期 from
-- (deadline_at, status), 我的 from assignee_id. See CaseService::inbox_counts.
CREATE INDEX cases_open_level ON cases(level, deadline_at, status)
  WHERE status IN ('pending', 'processing', 'waiting');
CREATE INDEX cases_open_deadline ON cases(deadline_at, status)
  WHERE status IN ('pending', 'processing', 'waiting');
CREATE INDEX cases_open_assignee ON cases(assignee_id)
  WHERE status IN ('pending', 'processing', 'waiting');
