// The working-day calendar (工作日) every SLA clock runs on, kept in the database
// (calendar_days: the holidays and make-up workdays an administrator edits or imports) and read
// as a cached snapshot (store/snapshot.hpp, token settings('calendar.config')).
#pragma once
#include <optional>
#include <string>

#include "audit/audit.hpp"
#include "core/calendar.hpp"
#include "store/db.hpp"

namespace manyi::workflow {

calendar::Calendar load_calendar(store::Tx& tx);
calendar::Calendar load_calendar(store::Db& db);
// Sets one day (workday: true 调休上班, false 放假) or, with nullopt, returns it to the default.
void set_calendar_day(store::Db& db, const audit::Actor& who, calendar::Day day, std::optional<bool> workday,
                      const std::string& name);
// Replaces the years of an import file (core/calendar_import.hpp); returns the days written.
int import_calendar(store::Db& db, const audit::Actor& who, const std::string& json_text);

}  // namespace manyi::workflow
