-- Follow-up attempts (回访记录): every call attempt keeps its own outcome, note, time and
-- caller; no attempt overwrites another. callback_at is the 预约回访时间 agreed on that attempt.
CREATE TABLE followup_attempts (
  id BIGINT PRIMARY KEY,
  task_id BIGINT NOT NULL,
  outcome TEXT NOT NULL,                   -- reached | not_reached | refused | unreachable
  note TEXT NOT NULL DEFAULT '',
  callback_at BIGINT,
  rating_id BIGINT,
  case_id BIGINT,
  by_user BIGINT,
  by_name TEXT NOT NULL DEFAULT '',
  at BIGINT NOT NULL
);
CREATE INDEX followup_attempts_task ON followup_attempts(task_id, id);
-- Before this migration a task kept only its last attempt: that one becomes its first record.
INSERT INTO followup_attempts(id, task_id, outcome, note, rating_id, by_user, at)
  SELECT id, id, status, note, rating_id, handled_by, handled_at FROM followup_tasks WHERE handled_at IS NOT NULL;

-- The day a task is next to be called (应访日): its due day, or the day of the 预约回访时间 of
-- its latest attempt. 今日应访 is call_day = today, 逾期未访 call_day < today (open tasks).
-- The follow-up rate still counts a task in the period of its due_day.
ALTER TABLE followup_tasks ADD COLUMN call_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE followup_tasks ADD COLUMN callback_at BIGINT;
UPDATE followup_tasks SET call_day = due_day;
CREATE INDEX followup_tasks_call ON followup_tasks(unit_id, call_day, id);

-- Ratings that carry a phone number, by its keyed hash (cases::pii::phone_hash): the call
-- screen lists a patient's earlier ratings. Written only for ratings with a number, so intake
-- of the others is unchanged; ratings stored before this migration join it when the data key
-- re-hashes every phone (the first start of this version, and every `manyi data-key rotate`).
CREATE TABLE rating_phones (
  rating_id BIGINT PRIMARY KEY,
  phone_hash TEXT NOT NULL,
  node_id BIGINT NOT NULL
);
CREATE INDEX rating_phones_hash ON rating_phones(phone_hash, rating_id);

-- Paper forms (意见箱): the form number written on the sheet, once per collection point, so a
-- form is not entered twice. The rating's day is the date the form was filled in.
CREATE TABLE rating_forms (
  point_id BIGINT NOT NULL,
  form_no TEXT NOT NULL,
  rating_id BIGINT NOT NULL,
  PRIMARY KEY (point_id, form_no)
);
