-- A public 不满意 / 非常不满意 rating is stored with case_pending = 1 and answered once durable;
-- its bad-review case is opened right after, in a transaction of its own (FeedbackService's
-- case opener), which sets case_id and clears the flag. A restart opens whatever is still
-- pending, so no bad review is left without its case. A failed opening clears the flag and
-- leaves case_id NULL (a handler can open one by hand from the rating).
ALTER TABLE ratings ADD COLUMN case_pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ratings_case_pending ON ratings(id) WHERE case_pending = 1;
