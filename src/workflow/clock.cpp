#include "workflow/clock.hpp"

#include <algorithm>
#include <cmath>

namespace manyi::workflow {

int64_t Clock::warn_point(const Limit& limit, const calendar::Calendar& cal) const {
  int64_t span = cal.working_ms(started_at, deadline_at);
  return cal.add_working_ms(started_at, static_cast<int64_t>(std::llround(limit.warn_ratio * span)));
}

void Clock::schedule(const Limit& limit, const calendar::Calendar& cal) {
  deadline_at = cal.deadline_after(started_at, limit.days);
  warn_at = warn_point(limit, cal);
  supervise_at = cal.deadline_after(deadline_at, limit.supervise_after_days);
}

int Clock::level_at(int64_t now) const {
  return now >= supervise_at ? 3 : now >= deadline_at ? 2 : now >= warn_at ? 1 : 0;
}

std::optional<int64_t> Clock::next_check(bool open) const {
  if (!open || paused_at) return std::nullopt;
  if (level == 0) return warn_at;
  if (level == 1) return deadline_at;
  if (level == 2) return supervise_at;
  return std::nullopt;
}

void Clock::settle(int64_t now) { level = std::min(level, level_at(now)); }

void Clock::resume(int64_t now, calendar::Day first_counting, const calendar::Calendar& cal) {
  deadline_at = cal.extend_for_pause(deadline_at, *paused_at, now, first_counting);
  supervise_at = cal.extend_for_pause(supervise_at, *paused_at, now, first_counting);
  // The warning point is a share of the limit in working time: it keeps working-time
  // arithmetic (the clock did not run meanwhile), never past the deadline.
  warn_at = std::min(cal.add_working_ms(warn_at, cal.working_ms(*paused_at, now)), deadline_at);
  paused_at.reset();
  settle(now);
}

void Clock::extend(int days, const Limit& limit, const calendar::Calendar& cal, int64_t now) {
  deadline_at = cal.deadline_after(deadline_at, days);
  warn_at = warn_point(limit, cal);
  supervise_at = cal.deadline_after(deadline_at, limit.supervise_after_days);
  settle(now);
}

void Clock::set_deadline(int64_t now, int days, const calendar::Calendar& cal) {
  deadline_at = cal.deadline_after(now, days);
  warn_at = std::min(warn_at, deadline_at);
  supervise_at = std::min(supervise_at, deadline_at);
}

}  // namespace manyi::workflow
