// Working-day calendar (工作日): China's public holidays and make-up workdays (调休上班) are
// data an administrator edits, never code. A Calendar holds the overrides for a span of dates;
// any date without one is a workday Monday to Friday. Dates are local to Asia/Shanghai
// (UTC+8, no daylight saving); instants are UTC epoch milliseconds. SLA clocks run only on
// workdays: a case's time limit, warning point, pauses and extensions are all measured here.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace manyi::calendar {

using Day = int32_t;  // local days since 1970-01-01
inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int64_t kLocalOffsetMs = 8 * 3'600'000;  // Asia/Shanghai

Day day_of(int64_t utc_ms);         // the local date of an instant
int64_t day_start(Day d);           // first UTC ms of a local date
int weekday(Day d);                 // 1 = Monday … 7 = Sunday
Day make_day(int y, int m, int d);  // civil date -> Day (no validation)
void civil_of(Day day, int& y, int& m, int& d);  // Day -> civil date
// Strict "YYYY-MM-DD" with a real calendar date; nullopt otherwise.
std::optional<Day> parse_date(std::string_view s);
std::string format_date(Day d);
int year_of(Day d);

struct Override {
  bool workday = false;  // true: a weekend day that is worked (调休上班); false: a day off (holiday)
  std::string name;      // 春节, 国庆节 …
};

class Calendar {
 public:
  void set(Day d, Override o) { overrides_[d] = std::move(o); }
  const std::map<Day, Override>& overrides() const { return overrides_; }
  bool is_workday(Day d) const;

  // The last millisecond of the n-th workday after the local date of `from` (the day a case
  // is received does not count; n = 0 means the end of that same day). "Feedback within 5
  // working days" of a complaint received on a Friday ends on the following Friday.
  int64_t deadline_after(int64_t from_ms, int n) const;
  // Workday time inside [a, b): the SLA clock's elapsed time. 0 when b <= a.
  int64_t working_ms(int64_t a, int64_t b) const;
  // The instant at which `ms` of workday time has run from t (ms >= 0). If t falls on a day
  // off, the clock starts at the next workday.
  int64_t add_working_ms(int64_t t, int64_t ms) const;
  // Workdays in the local dates [a, b] (inclusive).
  int count_workdays(Day a, Day b) const;
  // A deadline set in working days (自受理之日起 N 个工作日) after a pause [paused_at, resumed_at):
  // the working days the pause touched (a partly covered day counts as one) that counted toward
  // the limit — from `first_counting` up to the deadline's own day — are made up after the
  // deadline, skipping the days the pause still covers there. A pause on a day that does not
  // count (the day of receipt, a day off, a day after the deadline) extends nothing. The time
  // of day of the deadline is kept (the end of a working day stays the end of one).
  int64_t extend_for_pause(int64_t deadline_ms, int64_t paused_at, int64_t resumed_at, Day first_counting) const;

 private:
  std::map<Day, Override> overrides_;
};

}  // namespace manyi::calendar
