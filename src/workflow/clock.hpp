// The SLA clock (时限) of a work item, on the working-day calendar, as a value: the item keeps
// its fields and hands them here for every change, so each rule of time exists once.
//   period   — begins at the receipt or the latest reopening (重办); the receipt never moves;
//   deadline — 自受理之日起 N 个工作日: the end of the Nth working day after the period began;
//   warning  — a share of the limit in working time (临期预警, e.g. 60%);
//   supervision point — N working days after the deadline (逾期督办 by the level above);
//   level    — the escalation step reached: 0 running, 1 warned, 2 overdue, 3 supervised;
//   pause    — stops the clock (暂停计时): resuming moves the deadline by the working days the
//              pause took from the limit (Calendar::extend_for_pause);
//   extension— N more working days, requested before the deadline and approved above.
// The item stores deadline, warning and supervision points at every transition, so lists and
// the escalation scan read plain columns.
#pragma once
#include <cstdint>
#include <optional>

#include "core/calendar.hpp"

namespace manyi::workflow {

// The time limit of an item kind (and priority): what a Clock is scheduled by.
struct Limit {
  int days = 5;                // working days from the start of the period
  double warn_ratio = 0.6;     // the warning at this share of the limit's working time
  int supervise_after_days = 2;  // supervision this many working days after the deadline
};

struct Clock {
  int64_t started_at = 0;  // the current period began (receipt or reopening)
  int64_t warn_at = 0, deadline_at = 0, supervise_at = 0;
  std::optional<int64_t> paused_at;
  int level = 0;

  // Deadline, warning and supervision points of a period that starts at started_at.
  void schedule(const Limit& limit, const calendar::Calendar& cal);
  // The step the clock has reached at `now` (0–3); escalation never goes back on its own.
  int level_at(int64_t now) const;
  // When the escalation scan must look again: the next point not yet reached, or none while
  // the item is closed or paused.
  std::optional<int64_t> next_check(bool open) const;
  // Caps the level at what `now` has reached (after the deadline moved later).
  void settle(int64_t now);

  void pause(int64_t now) { paused_at = now; }
  // Resumes a paused clock at `now`. Working days count from first_counting (the day after the
  // period began, or after the latest resumption of this period: a day taken once is not taken
  // again).
  void resume(int64_t now, calendar::Day first_counting, const calendar::Calendar& cal);
  // An approved extension of `days` working days after the current deadline.
  void extend(int days, const Limit& limit, const calendar::Calendar& cal, int64_t now);
  // A deadline set by supervision (督办期限): `days` working days from now; the warning and
  // supervision points never fall after it.
  void set_deadline(int64_t now, int days, const calendar::Calendar& cal);

 private:
  int64_t warn_point(const Limit& limit, const calendar::Calendar& cal) const;
};

}  // namespace manyi::workflow
