// The periods of an inspection plan's cadence (检查周期), on the working-day calendar: which
// period a day falls in (its key, first and last day) and when its tasks are due — the end of
// the period's last working day. Pure: tested without a database.
//   daily     2026-03-02   working days only (no task on a day off)
//   weekly    2026-W10     ISO weeks, Monday to Sunday
//   monthly   2026-03
//   quarterly 2026-Q1
//   once      once         the plan's window [from, to]
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/calendar.hpp"

namespace manyi::inspect {

inline const std::vector<std::string> kCadences = {"daily", "weekly", "monthly", "quarterly", "once"};

struct Slot {
  std::string key;
  calendar::Day from = 0, to = 0;  // inclusive local dates
  int64_t starts_at = 0;           // first ms of `from`
  int64_t due_at = 0;              // last ms of the last working day in [from, to] (of `to` when none)
};

// The period of `cadence` containing `today`; nullopt on a day off for daily, and outside the
// window for once (window_from/to are its dates).
std::optional<Slot> slot_at(const std::string& cadence, calendar::Day today, const calendar::Calendar& cal,
                            calendar::Day window_from = 0, calendar::Day window_to = 0);
// The period with this key (as slot_at writes it); nullopt when the key is not one of the cadence.
std::optional<Slot> slot_of(const std::string& cadence, const std::string& key, const calendar::Calendar& cal,
                            calendar::Day window_from = 0, calendar::Day window_to = 0);

}  // namespace manyi::inspect
