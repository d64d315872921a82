#include "inspect/periods.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace manyi::inspect {
namespace {

Slot make(std::string key, calendar::Day from, calendar::Day to, const calendar::Calendar& cal) {
  Slot s{std::move(key), from, to, calendar::day_start(from), 0};
  calendar::Day last = to;
  while (last >= from && !cal.is_workday(last)) --last;
  if (last < from) last = to;
  s.due_at = calendar::day_start(last + 1) - 1;
  return s;
}

// ISO week: the week's Thursday decides its year; week 1 holds the year's first Thursday.
Slot week_of(calendar::Day today, const calendar::Calendar& cal) {
  calendar::Day monday = today - (calendar::weekday(today) - 1);
  calendar::Day thursday = monday + 3;
  int year = calendar::year_of(thursday);
  int week = (thursday - calendar::make_day(year, 1, 1)) / 7 + 1;
  return make(fmt::format("{:04d}-W{:02d}", year, week), monday, monday + 6, cal);
}

Slot month_of(int y, int m, const calendar::Calendar& cal) {
  calendar::Day from = calendar::make_day(y, m, 1);
  calendar::Day next = m == 12 ? calendar::make_day(y + 1, 1, 1) : calendar::make_day(y, m + 1, 1);
  return make(fmt::format("{:04d}-{:02d}", y, m), from, next - 1, cal);
}

Slot quarter_of(int y, int q, const calendar::Calendar& cal) {
  calendar::Day from = calendar::make_day(y, (q - 1) * 3 + 1, 1);
  calendar::Day next = q == 4 ? calendar::make_day(y + 1, 1, 1) : calendar::make_day(y, q * 3 + 1, 1);
  return make(fmt::format("{:04d}-Q{}", y, q), from, next - 1, cal);
}

}  // namespace

std::optional<Slot> slot_at(const std::string& cadence, calendar::Day today, const calendar::Calendar& cal,
                            calendar::Day window_from, calendar::Day window_to) {
  int y, m, d;
  calendar::civil_of(today, y, m, d);
  if (cadence == "daily") {
    if (!cal.is_workday(today)) return std::nullopt;
    return make(calendar::format_date(today), today, today, cal);
  }
  if (cadence == "weekly") return week_of(today, cal);
  if (cadence == "monthly") return month_of(y, m, cal);
  if (cadence == "quarterly") return quarter_of(y, (m - 1) / 3 + 1, cal);
  if (cadence == "once") {
    if (today < window_from || today > window_to) return std::nullopt;
    return make("once", window_from, window_to, cal);
  }
  return std::nullopt;
}

std::optional<Slot> slot_of(const std::string& cadence, const std::string& key, const calendar::Calendar& cal,
                            calendar::Day window_from, calendar::Day window_to) {
  if (cadence == "once") {
    if (key != "once") return std::nullopt;
    return make("once", window_from, window_to, cal);
  }
  int y = 0, n = 0;
  char tail = 0;
  if (cadence == "daily") {
    auto day = calendar::parse_date(key);
    if (!day) return std::nullopt;
    return make(key, *day, *day, cal);
  }
  if (cadence == "weekly") {
    if (key.size() != 8 || std::sscanf(key.c_str(), "%4d-W%2d%c", &y, &n, &tail) != 2 || n < 1 || n > 53)
      return std::nullopt;
    // The Monday of week 1 is the Monday of the week holding 4 January.
    calendar::Day jan4 = calendar::make_day(y, 1, 4);
    calendar::Day monday = jan4 - (calendar::weekday(jan4) - 1) + (n - 1) * 7;
    auto s = week_of(monday, cal);
    if (s.key != key) return std::nullopt;
    return s;
  }
  if (cadence == "monthly") {
    if (key.size() != 7 || std::sscanf(key.c_str(), "%4d-%2d%c", &y, &n, &tail) != 2 || n < 1 || n > 12)
      return std::nullopt;
    return month_of(y, n, cal);
  }
  if (cadence == "quarterly") {
    if (key.size() != 7 || std::sscanf(key.c_str(), "%4d-Q%1d%c", &y, &n, &tail) != 2 || n < 1 || n > 4)
      return std::nullopt;
    return quarter_of(y, n, cal);
  }
  return std::nullopt;
}

}  // namespace manyi::inspect
