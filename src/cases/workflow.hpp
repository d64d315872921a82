// A complaint as a workflow-engine item (src/workflow/): its declared state machine, its
// escalation ladder, its time limit and the mapping of its SLA clock to the case row. This is
// the whole of what the engine needs to know about cases; CaseService takes every action
// through it.
#pragma once
#include "cases/model.hpp"
#include "workflow/clock.hpp"
#include "workflow/ladder.hpp"
#include "workflow/machine.hpp"

namespace manyi::cases {

// States: pending 待受理, processing 办理中, waiting 暂停（待补充） (open); replied 已答复,
// closed 已办结, rejected 不予受理, merged 已合并. Actions as in CaseService, each with the
// states it is taken from, its permission on the owning unit and its note.
const workflow::Machine& machine();
// 1 临期预警 → the owning unit; 2 逾期 → the institution (and the owning department, in-app);
// 3 逾期督办 → the bureau above the institution. Through the outbox as well.
const workflow::Ladder& ladder();
// The limit of a case: its own sla_days (set from the type's reply_days, or multi_days when
// several departments handle it, and kept when the type's setting changes later), with the
// type's warning share and supervision delay.
workflow::Limit limit_of(const Case& c, const Sla& s);

// The case's clock: its current period starts at the receipt or the latest reopening.
workflow::Clock clock_of(const Case& c);
// Writes a clock back into the case, and when the escalation scan must look again.
void put_clock(Case& c, const workflow::Clock& k);
// A new period (intake, reopening, a changed limit): deadline, warning and supervision points.
void schedule_period(Case& c, const Sla& s, const calendar::Calendar& cal);
// When the escalation scan must look at the case again (none while closed or paused).
void set_next_check(Case& c);

}  // namespace manyi::cases
