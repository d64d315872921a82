#include "core/period.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "core/calendar.hpp"
#include "core/error.hpp"

namespace manyi::period {

namespace {
// Dates are counted on the calendar's local days (core/calendar.hpp).
int64_t serial(int ymd) { return calendar::make_day(ymd / 10000, ymd / 100 % 100, ymd % 100); }
int ymd_of(int64_t days) {
  int y, m, d;
  calendar::civil_of(static_cast<calendar::Day>(days), y, m, d);
  return y * 10000 + m * 100 + d;
}
int days_in_month(int y, int m) {
  return static_cast<int>(serial((m == 12 ? y + 1 : y) * 10000 + (m == 12 ? 1 : m + 1) * 100 + 1) -
                          serial(y * 10000 + m * 100 + 1));
}
std::optional<int> parse_ymd(const std::string& s) {
  int y, m, d;
  char tail;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
    return std::nullopt;
  return y * 10000 + m * 100 + d;
}
std::string fmt_day(int ymd) { return fmt::format("{:04d}-{:02d}-{:02d}", ymd / 10000, ymd / 100 % 100, ymd % 100); }
}  // namespace

std::optional<int> parse_day(const std::string& s) { return parse_ymd(s); }

int local_day(int64_t utc_ms) { return ymd_of(calendar::day_of(utc_ms)); }
int64_t day_start_ms(int ymd) { return calendar::day_start(static_cast<calendar::Day>(serial(ymd))); }
int add_days(int ymd, int days) { return ymd_of(serial(ymd) + days); }
int month_of(int ymd) { return ymd / 100; }
int add_months(int ym, int months) {
  int idx = (ym / 100) * 12 + (ym % 100 - 1) + months;
  return (idx / 12) * 100 + idx % 12 + 1;
}

Period month_period(int y, int m) {
  return {y * 10000 + m * 100 + 1, y * 10000 + m * 100 + days_in_month(y, m), fmt::format("{:04d}-{:02d}", y, m)};
}
Period quarter_period(int y, int q) {
  int m0 = (q - 1) * 3 + 1;
  return {y * 10000 + m0 * 100 + 1, y * 10000 + (m0 + 2) * 100 + days_in_month(y, m0 + 2), fmt::format("{}-Q{}", y, q)};
}
Period year_period(int y) { return {y * 10000 + 101, y * 10000 + 1231, std::to_string(y)}; }

Period custom_period(const std::string& from, const std::string& to) {
  auto a = parse_ymd(from);
  if (!a) throw invalid("from", "from must be a date YYYY-MM-DD");
  auto b = parse_ymd(to);
  if (!b) throw invalid("to", "to must be a date YYYY-MM-DD");
  if (*b < *a) throw invalid("to", "to must not be before from");
  if (serial(*b) - serial(*a) > 3 * 366) throw invalid("to", "a custom period spans at most three years");
  return {*a, *b, fmt_day(*a) + " ~ " + fmt_day(*b)};
}

Period parse_period(const std::function<std::string(const std::string&)>& get, int64_t now) {
  std::string kind = get("period");
  int today = local_day(now);
  auto year_of = [&](const std::string& field, const std::string& s) {
    int y = 0;
    if (s.size() < 4 || std::sscanf(s.c_str(), "%4d", &y) != 1 || y < 2000 || y > 2100)
      throw invalid(field, field + " is not valid");
    return y;
  };
  if (kind.empty()) {
    if (!get("from").empty() || !get("to").empty()) kind = "custom";
    else if (!get("quarter").empty()) kind = "quarter";
    else if (!get("year").empty()) kind = "year";
    else kind = "month";
  }
  if (kind == "month") {
    std::string s = get("month");
    if (s.empty()) return month_period(today / 10000, today / 100 % 100);
    int y = year_of("month", s), m = 0;
    char tail;
    if (s.size() != 7 || s[4] != '-' || std::sscanf(s.c_str() + 5, "%2d%c", &m, &tail) != 1 || m < 1 || m > 12)
      throw invalid("month", "month must be YYYY-MM");
    return month_period(y, m);
  }
  if (kind == "quarter") {
    std::string s = get("quarter");
    if (s.empty()) return quarter_period(today / 10000, (today / 100 % 100 - 1) / 3 + 1);
    int y = year_of("quarter", s);
    if (s.size() != 7 || s[4] != '-' || (s[5] != 'Q' && s[5] != 'q') || s[6] < '1' || s[6] > '4')
      throw invalid("quarter", "quarter must be YYYY-Qn");
    return quarter_period(y, s[6] - '0');
  }
  if (kind == "year") {
    std::string s = get("year");
    if (s.empty()) return year_period(today / 10000);
    if (s.size() != 4) throw invalid("year", "year must be YYYY");
    return year_period(year_of("year", s));
  }
  if (kind == "custom") return custom_period(get("from"), get("to"));
  throw invalid("period", "period must be month, quarter, year or custom");
}

std::vector<std::pair<int, int>> period_ranges(const Period& p) {
  std::vector<std::pair<int, int>> out;
  int d = p.from;
  // Leading days up to the first whole month.
  auto month_end = [](int ymd) { return ymd / 100 * 100 + days_in_month(ymd / 10000, ymd / 100 % 100); };
  if (d % 100 != 1) {
    int e = std::min(month_end(d), p.to);
    out.emplace_back(d, e);
    d = add_days(e, 1);
  }
  int first_month = 0, last_month = 0;
  while (d <= p.to && month_end(d) <= p.to) {
    if (!first_month) first_month = d / 100;
    last_month = d / 100;
    d = add_days(month_end(d), 1);
  }
  if (first_month) out.emplace_back(first_month, last_month);
  if (d <= p.to) out.emplace_back(d, p.to);
  return out;
}


}  // namespace manyi::period
