// Working-day calendar: date arithmetic in Asia/Shanghai, holidays and make-up workdays,
// deadlines "within N working days" and the SLA clock that stops on days off.
#include "core/calendar.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

using namespace manyi::calendar;

namespace {

Day D(const char* s) {
  auto d = parse_date(s);
  EXPECT_TRUE(d.has_value()) << s;
  return d.value_or(0);
}
// Local (UTC+8) wall time on a date.
int64_t at(const char* date, int h, int m = 0) { return day_start(D(date)) + (h * 60 + m) * 60'000LL; }

// The 2026 arrangement as announced (国务院办公厅关于2026年部分节假日安排的通知).
Calendar cn2026() {
  Calendar c;
  auto hol = [&](const char* from, const char* to, const char* name) {
    for (Day d = D(from); d <= D(to); ++d) c.set(d, {false, name});
  };
  hol("2026-01-01", "2026-01-03", "元旦");
  hol("2026-02-15", "2026-02-23", "春节");
  hol("2026-04-04", "2026-04-06", "清明节");
  hol("2026-05-01", "2026-05-05", "劳动节");
  hol("2026-06-19", "2026-06-21", "端午节");
  hol("2026-09-25", "2026-09-27", "中秋节");
  hol("2026-10-01", "2026-10-07", "国庆节");
  for (auto w : {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"})
    c.set(D(w), {true, "调休上班"});
  return c;
}

}  // namespace

TEST(CalendarDates, ParseAndFormatRoundTrip) {
  for (auto s : {"1970-01-01", "2024-02-29", "2026-02-14", "2026-12-31", "2100-03-01"}) EXPECT_EQ(format_date(D(s)), s);
  EXPECT_EQ(D("1970-01-01"), 0);
  EXPECT_EQ(make_day(2026, 11, 22), D("2026-11-22"));
  EXPECT_EQ(year_of(D("2026-12-31")), 2026);
  EXPECT_EQ(year_of(D("2027-01-01")), 2027);
}

TEST(CalendarDates, RejectsWhatIsNotADate) {
  for (auto s : {"2026-02-30", "2025-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-1-05", "26-01-05",
                 "2026/01/05", "2026-01-05T", "", "abcd-ef-gh", "1969-12-31"})
    EXPECT_FALSE(parse_date(s).has_value()) << s;
}

TEST(CalendarDates, WeekdaysAndLocalDays) {
  EXPECT_EQ(weekday(D("1970-01-01")), 4);  // Thursday
  EXPECT_EQ(weekday(D("2026-11-22")), 7);  // Sunday
  EXPECT_EQ(weekday(D("2026-02-16")), 1);  // Monday
  // 2026-01-01 16:30 UTC is already 2 January in Shanghai.
  int64_t utc = day_start(D("2026-01-01")) + 8 * 3'600'000LL + (16 * 60 + 30) * 60'000LL;
  EXPECT_EQ(format_date(day_of(utc)), "2026-01-02");
  EXPECT_EQ(day_of(day_start(D("2026-03-01"))), D("2026-03-01"));
  EXPECT_EQ(day_of(day_start(D("2026-03-01")) - 1), D("2026-02-28"));
}

TEST(CalendarWorkdays, WeekendsOffUnlessMadeUp) {
  Calendar plain;
  EXPECT_TRUE(plain.is_workday(D("2026-02-13")));   // Friday
  EXPECT_FALSE(plain.is_workday(D("2026-02-14")));  // Saturday
  auto c = cn2026();
  EXPECT_TRUE(c.is_workday(D("2026-02-14")));   // Saturday, 调休上班
  EXPECT_FALSE(c.is_workday(D("2026-02-16")));  // Monday in 春节
  EXPECT_FALSE(c.is_workday(D("2026-10-01")));
  EXPECT_TRUE(c.is_workday(D("2026-10-10")));
  EXPECT_EQ(c.count_workdays(D("2026-01-01"), D("2026-12-31")), 248);
  EXPECT_EQ(plain.count_workdays(D("2026-01-01"), D("2026-12-31")), 261);
}

TEST(CalendarDeadline, FiveWorkingDaysFromAFriday) {
  Calendar plain;
  // Received Friday 20 Nov 2026 at 15:00: the day of receipt does not count.
  int64_t dl = plain.deadline_after(at("2026-11-20", 15), 5);
  EXPECT_EQ(format_date(day_of(dl)), "2026-11-27");
  EXPECT_EQ(dl, day_start(D("2026-11-28")) - 1);  // the last millisecond of that day
  EXPECT_EQ(plain.deadline_after(at("2026-11-20", 15), 0), day_start(D("2026-11-21")) - 1);
  // Received on a Saturday: Monday is the first working day.
  EXPECT_EQ(format_date(day_of(plain.deadline_after(at("2026-11-21", 9), 1))), "2026-11-23");
}

TEST(CalendarDeadline, SpringFestivalAndMakeUpWorkdays) {
  auto c = cn2026();
  // Friday 13 Feb: Sat 14 is worked (1), 15–23 off, then 24, 25, 26, 27.
  EXPECT_EQ(format_date(day_of(c.deadline_after(at("2026-02-13", 10), 5))), "2026-02-27");
  // Without the calendar it would have been Friday 20 Feb, in the middle of the holiday.
  EXPECT_EQ(format_date(day_of(Calendar().deadline_after(at("2026-02-13", 10), 5))), "2026-02-20");
  // National Day: Wed 30 Sep → 8, 9, Sat 10 (worked), 12, 13 Oct.
  EXPECT_EQ(format_date(day_of(c.deadline_after(at("2026-09-30", 18), 5))), "2026-10-13");
  // Ten working days across 中秋 and 国庆.
  EXPECT_EQ(format_date(day_of(c.deadline_after(at("2026-09-21", 9), 10))), "2026-10-12");
}

TEST(CalendarClock, WorkingTimeStopsOnDaysOff) {
  Calendar plain;
  // Friday noon → Monday noon: 12 h of Friday + 12 h of Monday.
  EXPECT_EQ(plain.working_ms(at("2026-11-20", 12), at("2026-11-23", 12)), 24 * 3'600'000LL);
  EXPECT_EQ(plain.working_ms(at("2026-11-21", 0), at("2026-11-23", 0)), 0);  // a weekend
  EXPECT_EQ(plain.working_ms(at("2026-11-23", 12), at("2026-11-23", 10)), 0);
  auto c = cn2026();
  EXPECT_EQ(c.working_ms(at("2026-02-14", 0), at("2026-02-25", 0)), 2 * kDayMs);  // 14 Feb and 24 Feb
}

TEST(CalendarClock, AddingWorkingTimeInvertsMeasuring) {
  auto c = cn2026();
  int64_t t0 = at("2026-02-12", 16, 45);
  for (int64_t ms : std::vector<int64_t>{0, 1, 3'600'000, kDayMs, 3 * kDayMs + 12345, 9 * kDayMs}) {
    int64_t t1 = c.add_working_ms(t0, ms);
    EXPECT_EQ(c.working_ms(t0, t1), ms) << ms;
  }
  // One working day after Friday 13 Feb 10:00 is Saturday 14 Feb 10:00 (worked); two is 24 Feb.
  EXPECT_EQ(c.add_working_ms(at("2026-02-13", 10), kDayMs), at("2026-02-14", 10));
  EXPECT_EQ(c.add_working_ms(at("2026-02-13", 10), 2 * kDayMs), at("2026-02-24", 10));
  // Starting on a day off, the clock starts at the next workday.
  EXPECT_EQ(c.add_working_ms(at("2026-02-16", 10), 0), at("2026-02-24", 0));
}

TEST(CalendarTemplate, ShippedFileMatchesTheAnnouncement) {
  // The template shipped for import carries the same 2026 arrangement as the tests above.
  std::ifstream f(std::string(MANYI_SOURCE_DIR) + "/templates/calendar/cn-public-holidays.json");
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  auto text = ss.str();
  for (auto s : {"\"2026-02-14\"", "\"2026-02-15\"", "\"2026-02-23\"", "\"2026-10-10\"", "\"2025-01-26\""})
    EXPECT_NE(text.find(s), std::string::npos) << s;
}
