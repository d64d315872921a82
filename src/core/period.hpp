// Periods and local dates (Asia/Shanghai, UTC+8, no daylight saving) for every figure the
// product reports: a month, a quarter, a year or a custom span of days, as the bureau's
// reports count them. Local dates are yyyymmdd integers and months yyyymm, the keys of the
// rollups.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace manyi::period {

// Local dates as yyyymmdd integers; months as yyyymm.
struct Period {
  int from = 0, to = 0;  // inclusive days
  std::string label;     // "2025-03", "2025-Q1", "2025", "2025-03-01 ~ 2025-03-15"
};
Period month_period(int year, int month);
Period quarter_period(int year, int quarter);
Period year_period(int year);
// from/to "YYYY-MM-DD" inclusive; throws invalid(field) on bad dates or a span over 3 years.
Period custom_period(const std::string& from, const std::string& to);
// Parses ?period=month|quarter|year|custom with month=YYYY-MM, quarter=YYYY-Qn, year=YYYY,
// from/to=YYYY-MM-DD. Missing: the current month. get(name) returns "" when absent.
Period parse_period(const std::function<std::string(const std::string&)>& get, int64_t now_ms);
// Rollup key ranges covering the period: whole months as yyyymm, other days as yyyymmdd.
std::vector<std::pair<int, int>> period_ranges(const Period& p);

std::optional<int> parse_day(const std::string& s);  // YYYY-MM-DD -> yyyymmdd (nullopt if not a date)
int local_day(int64_t utc_ms);                 // yyyymmdd in Asia/Shanghai
int64_t day_start_ms(int yyyymmdd);            // first UTC ms of that local date
int add_days(int yyyymmdd, int days);
int month_of(int yyyymmdd);                    // yyyymm
int add_months(int yyyymm, int months);

}  // namespace manyi::period
