// A rectification item (整改事项) as the workflow engine's second client (src/workflow/): its
// declared state machine, escalation ladder, time limits and the mapping of its SLA clock to
// the item row. RectifyService takes every action through these.
#pragma once
#include <optional>
#include <string>

#include "core/calendar.hpp"
#include "rectify/model.hpp"
#include "workflow/clock.hpp"
#include "workflow/ladder.hpp"
#include "workflow/machine.hpp"
#include "workflow/timeline.hpp"

namespace manyi::rectify {

// pending 未开始 → start → rectifying 整改中 → submit → submitted 待验收 → verify → closed 已销号,
// or redo → rectifying again (new deadline); cancel (撤销) from any open state. Extensions are
// requested by the owner (rectification.handle) before the deadline and decided by an
// inspector (rectification.verify).
const workflow::Machine& machine();
// 1 整改临期 → the owner unit; 2 整改逾期 → the institution (and the owner, in-app);
// 3 逾期督办 → the unit above the institution. Through the outbox as well.
const workflow::Ladder& ladder();
// The item's history: table rectification_events, column item_id.
const workflow::Timeline& timeline();

inline constexpr int kDefaultDays = 15;      // 15 working days
inline constexpr int kHazardMajorDays = 5;   // 隐患 (major)
inline constexpr int kHazardGeneralDays = 10;  // 隐患 (general)
// The limit in working days of a new item: 15, or for a 隐患 by its severity.
int limit_days(bool hazard, const std::optional<std::string>& severity);
// The clock's rules for a limit: warned at 70% of the working time, supervised 3 working days
// after the deadline.
workflow::Limit limit_of(int days);

workflow::Clock clock_of(const Item& it);
// Writes a clock back into the item, and when the escalation scan must look again.
void put_clock(Item& it, const workflow::Clock& k);
// A new period starting at `now` (creation, 重新整改): the limit's deadline on the calendar, or
// the end of `until` when given (a date not before today).
void schedule(Item& it, int64_t now, std::optional<calendar::Day> until, const calendar::Calendar& cal);
// A deadline moved to the end of `until` (an approved extension, a manager's edit) keeping the
// period's start; the level never goes above what `now` has reached.
void move_deadline(Item& it, calendar::Day until, int64_t now, const calendar::Calendar& cal);

}  // namespace manyi::rectify
