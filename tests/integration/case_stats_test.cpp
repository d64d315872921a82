// Case statistics are computed once (src/cases/stats.cpp) for GET /api/v1/cases/stats, the
// statistics page (GET /api/v1/case-reports/stats) and its workbook (stats.xlsx), on each
// database against the demo's worked cases: the routes agree with each other for every role,
// the breakdown adds up to the totals, the handling time is measured on the working calendar,
// and the workbook's summary says what the page says.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cases/service.hpp"
#include "workflow/calendar_store.hpp"
#include "core/calendar.hpp"
#include "core/table_file.hpp"
#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class CaseStats : public DemoServerTest {};

TEST_P(CaseStats, TheTotalsRouteAndTheStatisticsPageAgreeForEveryRole) {
  for (const char* user : {"bureau", "hosp1", "hosp2", "dept", "handler"}) {
    auto c = as(user);
    auto totals = c.get("/api/v1/cases/stats");
    auto page = c.get("/api/v1/case-reports/stats");  // no period: every visible case
    ASSERT_EQ(totals.status, 200) << user << " " << totals.body;
    ASSERT_EQ(page.status, 200) << user << " " << page.body;
    auto a = totals.js(), b = page.js();
    for (const char* k : {"total", "open", "overdue", "warning", "replied", "on_time_rate", "callbacks", "satisfied",
                          "basically_satisfied", "unsatisfied", "satisfaction_rate", "by_status"})
      EXPECT_EQ(a[k], b[k]) << user << ": " << k;
  }
  EXPECT_GT(as("bureau").get("/api/v1/cases/stats").js()["total"].get<int64_t>(), 100);
}

TEST_P(CaseStats, TheBreakdownAddsUpAndHandlingTimeRunsOnTheWorkingCalendar) {
  auto s = as("bureau").get("/api/v1/case-reports/stats").js();
  int64_t total = s["total"].get<int64_t>();
  ASSERT_EQ(total, count("SELECT COUNT(*) FROM cases"));  // the city bureau sees every case
  for (const char* list : {"by_unit", "by_department"})
    for (const char* k : {"count", "overdue", "replied", "reopened", "handled", "callbacks"}) {
      int64_t sum = 0;
      for (auto& x : s[list]) sum += x[k].get<int64_t>();
      EXPECT_EQ(sum, s[k == std::string("count") ? "total" : k].get<int64_t>()) << list << "." << k;
    }
  for (const char* list : {"by_type", "by_category"}) {
    int64_t sum = 0;
    for (auto& x : s[list]) sum += x["count"].get<int64_t>();
    EXPECT_EQ(sum, total) << list;
  }
  // 平均办理时长: receipt to first answer in working days, averaged over the answered cases.
  auto cal = workflow::load_calendar(*db);
  double days = 0;
  int64_t n = 0;
  for (auto& r : db->query("SELECT received_at, first_replied_at FROM cases WHERE first_replied_at IS NOT NULL")) {
    days += static_cast<double>(cal.working_ms(r.i64(0), r.i64(1))) / calendar::kDayMs;
    ++n;
  }
  ASSERT_GT(n, 100);
  EXPECT_EQ(s["replied"].get<int64_t>(), n);
  EXPECT_NEAR(s["avg_handling_days"].get<double>(), days / static_cast<double>(n), 1e-9);
}

TEST_P(CaseStats, TheWorkbookSummarySaysWhatThePageSays) {
  auto hosp1 = as("hosp1");
  std::string period = "?from=2000-01-01&to=2100-12-31";
  auto s = hosp1.get("/api/v1/case-reports/stats" + period).js();
  auto x = hosp1.get("/api/v1/case-reports/stats.xlsx" + period);
  ASSERT_EQ(x.status, 200) << x.body.substr(0, 200);
  auto rows = table::read_xlsx(x.body);  // the first sheet: 概况
  ASSERT_GE(rows.size(), 10u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"指标", "数值"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"统计周期", "2000-01-01 至 2100-12-31"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"案件总数", std::to_string(s["total"].get<int64_t>())}));
  EXPECT_EQ(rows[4], (std::vector<std::string>{"已超期", std::to_string(s["overdue"].get<int64_t>())}));
  EXPECT_EQ(rows[5], (std::vector<std::string>{"按时答复率", fmt::format("{:.1f}%", s["on_time_rate"].get<double>() * 100)}));
  EXPECT_EQ(rows[6], (std::vector<std::string>{"平均办理时长（工作日）",
                                               fmt::format("{:.1f}", s["avg_handling_days"].get<double>())}));
  EXPECT_EQ(rows[9], (std::vector<std::string>{"回访数", std::to_string(s["callbacks"].get<int64_t>())}));
}

INSTANTIATE_TEST_SUITE_P(Db, CaseStats, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
