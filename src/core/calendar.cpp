#include "core/calendar.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace manyi::calendar {

namespace {
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
}  // namespace

// Howard Hinnant's civil calendar algorithms.
void civil_of(Day day, int& y, int& m, int& d) {
  int64_t z = day;
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yy + (m <= 2));
}

Day make_day(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<Day>(era * 146097 + static_cast<int64_t>(doe) - 719468);
}

Day day_of(int64_t utc_ms) { return static_cast<Day>(floor_div(utc_ms + kLocalOffsetMs, kDayMs)); }
int64_t day_start(Day d) { return static_cast<int64_t>(d) * kDayMs - kLocalOffsetMs; }
int weekday(Day d) {
  // 1970-01-01 was a Thursday (4).
  int64_t w = (static_cast<int64_t>(d) + 3) % 7;
  if (w < 0) w += 7;
  return static_cast<int>(w) + 1;
}

std::optional<Day> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  auto num = [&](size_t at, size_t len) {
    int v = 0;
    for (size_t i = at; i < at + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap)) return std::nullopt;
  return make_day(y, m, d);
}

std::string format_date(Day day) {
  int y, m, d;
  civil_of(day, y, m, d);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

int year_of(Day day) {
  int y, m, d;
  civil_of(day, y, m, d);
  return y;
}

bool Calendar::is_workday(Day d) const {
  auto it = overrides_.find(d);
  if (it != overrides_.end()) return it->second.workday;
  return weekday(d) <= 5;
}

int64_t Calendar::deadline_after(int64_t from_ms, int n) const {
  Day d = day_of(from_ms);
  for (int left = n; left > 0;) {
    ++d;
    if (is_workday(d)) --left;
  }
  return day_start(d + 1) - 1;
}

int64_t Calendar::working_ms(int64_t a, int64_t b) const {
  if (b <= a) return 0;
  int64_t total = 0;
  for (Day d = day_of(a), last = day_of(b - 1); d <= last; ++d) {
    if (!is_workday(d)) continue;
    int64_t lo = std::max(a, day_start(d)), hi = std::min(b, day_start(d + 1));
    total += hi - lo;
  }
  return total;
}

int64_t Calendar::add_working_ms(int64_t t, int64_t ms) const {
  Day d = day_of(t);
  int64_t at = t;
  while (true) {
    if (is_workday(d)) {
      int64_t room = day_start(d + 1) - at;
      if (ms <= room) return at + ms;
      ms -= room;
    }
    ++d;
    at = day_start(d);
  }
}

int64_t Calendar::extend_for_pause(int64_t deadline_ms, int64_t paused_at, int64_t resumed_at,
                                   Day first_counting) const {
  if (resumed_at <= paused_at) return deadline_ms;
  const Day due = day_of(deadline_ms);
  const Day from = std::max(day_of(paused_at), first_counting), to = day_of(resumed_at - 1);
  int owed = 0;  // counting days the pause took
  for (Day d = from; d <= std::min(to, due); ++d) owed += is_workday(d);
  Day d = due;
  while (owed > 0) {
    ++d;
    if (is_workday(d) && !(d >= from && d <= to)) --owed;
  }
  return deadline_ms + (day_start(d) - day_start(due));
}

int Calendar::count_workdays(Day a, Day b) const {
  int n = 0;
  for (Day d = a; d <= b; ++d) n += is_workday(d);
  return n;
}

}  // namespace manyi::calendar
