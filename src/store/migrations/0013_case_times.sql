-- Case times (docs/architecture.md, "Case times"): the receipt time (received_at, 受理时间 /
-- the public 提交时间) is set once at intake and never changes. A reopening (重办) is its own
-- period: reopened_at is when the latest one began, and the deadline, warning and supervision
-- points of a reopened case run from it. first_replied_at / first_late keep the first answer
-- to the original receipt, which 平均办理时长 and 按时答复率 measure; replied_at / late stay the
-- answer of the current period (reset by a reopening).
ALTER TABLE cases ADD COLUMN reopened_at BIGINT;
ALTER TABLE cases ADD COLUMN first_replied_at BIGINT;
ALTER TABLE cases ADD COLUMN first_late INTEGER NOT NULL DEFAULT 0;
-- Before this migration a reopening overwrote received_at; the original receipt is the case's
-- creation (cases are received when filed) and the first answer the earliest reply entry;
-- whether that answer was late is unknown (its deadline was overwritten) and left 0.
UPDATE cases SET reopened_at = received_at, received_at = created_at WHERE reopen_count > 0;
UPDATE cases SET first_replied_at = replied_at, first_late = late WHERE replied_at IS NOT NULL AND reopen_count = 0;
UPDATE cases SET first_replied_at = (SELECT MIN(e.at) FROM case_events e WHERE e.case_id = cases.id AND e.action = 'reply')
  WHERE reopen_count > 0;
-- Wrong last-four-digit guesses on the public tracking page per case (one fixed window at a
-- time): checked with the per-address rate limit, so one 查询码 cannot be tried without end.
CREATE TABLE case_track_failures (
  case_id BIGINT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_start BIGINT NOT NULL
);
