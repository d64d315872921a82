-- Episodes (事件) of held ratings (docs/feedback-integrity.md): a burst rule's hold names the
-- burst it belongs to — the rule, its key (network and point, network and unit, device, phone
-- and day: only as a hash) and the window's start, folded into one time-ordered id that the
-- integrity tracker computes when the rule fires (no query). The review queue groups by it and
-- a reviewer decides a whole Wi-Fi farm in one action. Ratings held by a rule of their own
-- (too_fast, no_timing, staff_device) and rows from before this migration have none (NULL).
ALTER TABLE rating_reviews ADD COLUMN episode_id BIGINT;
ALTER TABLE rating_reviews ADD COLUMN episode_rule TEXT NOT NULL DEFAULT '';
CREATE INDEX rating_reviews_episode ON rating_reviews(episode_id, rating_id);
