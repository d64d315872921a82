// Working-day calendar: date arithmetic in Asia/Shanghai, holidays and make-up workdays,
// deadlines "within N working days" and the SLA clock that stops on days off.
#include "core/calendar.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
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

// ---- pauses of deadlines set in working days (自受理之日起 N 个工作日) ----
namespace {

// The shipped calendar template (2025 and 2026), read here without the server's importer.
Calendar shipped() {
  std::ifstream f(std::string(MANYI_SOURCE_DIR) + "/templates/calendar/cn-public-holidays.json");
  std::stringstream ss;
  ss << f.rdbuf();
  auto doc = nlohmann::json::parse(ss.str());
  Calendar c;
  for (auto& [year, y] : doc["years"].items()) {
    for (auto& h : y["holidays"])
      for (Day d = D(h["from"].get<std::string>().c_str()); d <= D(h["to"].get<std::string>().c_str()); ++d)
        c.set(d, {false, h["name"].get<std::string>()});
    for (auto& w : y["workdays"]) c.set(D(w.get<std::string>().c_str()), {true, "调休上班"});
  }
  return c;
}

struct Pause {
  int64_t from, to;  // [from, to)
};

// The reference, day by day: the Nth day after the day of receipt that is a working day and
// that no pause touched at all. The deadline is the end of that day.
int64_t reference_deadline(const Calendar& c, int64_t received, int n, const std::vector<Pause>& pauses) {
  auto touched = [&](Day d) {
    for (auto& p : pauses)
      if (p.from < day_start(d + 1) && p.to > day_start(d)) return true;
    return false;
  };
  Day d = day_of(received);
  for (int left = n; left > 0;) {
    ++d;
    if (c.is_workday(d) && !touched(d)) --left;
  }
  return day_start(d + 1) - 1;
}

// What the case service does: the deadline from the receipt, then each pause on its resumption,
// not counting the day of receipt nor the day an earlier pause was resumed.
int64_t paused_deadline(const Calendar& c, int64_t received, int n, const std::vector<Pause>& pauses) {
  int64_t dl = c.deadline_after(received, n);
  Day first = day_of(received) + 1;
  for (auto& p : pauses) {
    dl = c.extend_for_pause(dl, p.from, p.to, first);
    first = std::max(first, day_of(p.to - 1) + 1);
  }
  return dl;
}

}  // namespace

TEST(CalendarPause, ThePausesOfTheDefectReport) {
  auto c = cn2026();
  // Received Monday 2 March 09:00, 5 working days: Monday 9 March, end of the day.
  int64_t recv = at("2026-03-02", 9);
  ASSERT_EQ(c.deadline_after(recv, 5), day_start(D("2026-03-10")) - 1);
  // Paused 10:00–16:00 on Wednesday 4 March: one working day more, still the end of a day.
  EXPECT_EQ(paused_deadline(c, recv, 5, {{at("2026-03-04", 10), at("2026-03-04", 16)}}), day_start(D("2026-03-11")) - 1);
  // A pause on the day of receipt extends nothing; nor does one over a weekend.
  EXPECT_EQ(paused_deadline(c, recv, 5, {{at("2026-03-02", 10), at("2026-03-02", 16)}}), day_start(D("2026-03-10")) - 1);
  EXPECT_EQ(paused_deadline(c, recv, 5, {{at("2026-03-07", 8), at("2026-03-08", 20)}}), day_start(D("2026-03-10")) - 1);
  // 16:00 Tuesday to 09:00 Wednesday touches two working days.
  EXPECT_EQ(paused_deadline(c, recv, 5, {{at("2026-03-03", 16), at("2026-03-04", 9)}}), day_start(D("2026-03-12")) - 1);
  // Resumed and paused again the same day: that day is taken once.
  EXPECT_EQ(paused_deadline(c, recv, 5, {{at("2026-03-03", 9), at("2026-03-03", 10)}, {at("2026-03-03", 14), at("2026-03-03", 15)}}),
            day_start(D("2026-03-11")) - 1);
  // Received Friday 13 Feb: Sat 14 (worked), 24, 25, 26, 27. A pause over the whole Spring
  // Festival touches only the 14th and the 24th among the counting days.
  int64_t fri = at("2026-02-13", 10);
  EXPECT_EQ(paused_deadline(c, fri, 5, {{at("2026-02-14", 15), at("2026-02-24", 8)}}), day_start(D("2026-03-03")) - 1);
}

TEST(CalendarPause, AgreesWithTheDayByDayReferenceOver2025And2026) {
  auto c = shipped();
  ASSERT_FALSE(c.is_workday(D("2025-01-28")));  // 春节 2025 is in the template
  ASSERT_TRUE(c.is_workday(D("2026-02-14")));   // and the 2026 make-up workday
  std::mt19937 rng(20261206);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int64_t hour = 3'600'000, minute = 60'000;
  int checked = 0, moved = 0;
  for (Day day = D("2025-01-01"); day <= D("2026-11-30"); day += 1) {
    for (int n : {1, 5, 10, 15}) {
      int64_t recv = day_start(day) + pick(0, 23) * hour + pick(0, 59) * minute;
      std::vector<Pause> pauses;
      int64_t t = recv;
      for (int k = pick(1, 3); k > 0; --k) {
        // Start later the same day, or some days on; last part of a day, whole days, or spans
        // of up to two weeks (across weekends and holidays).
        int64_t from = pick(0, 3) == 0 ? t + pick(0, 5) * hour : day_start(day_of(t) + pick(1, 9)) + pick(0, 23) * hour;
        int64_t to;
        switch (pick(0, 3)) {
          case 0: to = from + pick(1, 6) * hour + pick(0, 59) * minute; break;    // part of a day
          case 1: from = day_start(day_of(from)); to = day_start(day_of(from) + pick(1, 3)); break;  // whole days
          case 2: to = day_start(day_of(from) + pick(1, 14)) + pick(0, 23) * hour; break;  // a span
          default: to = from + pick(1, 600) * minute; break;  // may end just after midnight
        }
        if (from < t) from = t;
        if (to <= from) to = from + minute;
        pauses.push_back({from, to});
        t = to + pick(0, 2) * hour;
      }
      int64_t want = reference_deadline(c, recv, n, pauses);
      int64_t got = paused_deadline(c, recv, n, pauses);
      ASSERT_EQ(format_date(day_of(got)), format_date(day_of(want)))
          << "received " << format_date(day) << " n=" << n << " pauses=" << pauses.size();
      ASSERT_EQ(got, want);  // the end of that working day
      ASSERT_TRUE(c.is_workday(day_of(got)));
      ++checked;
      moved += got != c.deadline_after(recv, n);
    }
  }
  EXPECT_GT(checked, 2500);
  EXPECT_GT(moved, checked / 3);  // most generated pauses do move the deadline
}
