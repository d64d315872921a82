// The calendar file an administrator imports (POST /api/v1/calendar/import, the shipped
// templates/calendar/*.json): {"years": {"2026": {"holidays": [{name, from, to}], "workdays":
// ["2026-02-14", …]}}}. Parsing only (outside input: a bad file is a 422 naming the field);
// workflow::import_calendar writes what this returns.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "core/calendar.hpp"

namespace manyi::calendar {

struct ImportDay {
  int year = 0;
  Day day = 0;
  bool workday = false;  // 调休上班 (true) or a holiday (false)
  std::string name;
};
struct Import {
  std::set<int> years;          // the years the file replaces
  std::vector<ImportDay> days;  // every override, each date once
};

Import parse_import(const std::string& json_text);

}  // namespace manyi::calendar
