// The demo's year of inspections (src/demo/demo_inspect.cpp) on each database, as a person
// evaluating the product would find it: plans of every kind (明查, 暗访, 自查; monthly and
// quarterly; each shipped checklist but one), inspections in each of the last 12 months, vetoes
// (a red envelope in a covert visit), covert results not yet published and hidden from the
// hospital, the current period's coverage below target, ledger items that link back to their
// inspection and are worked like the rest of the ledger, figure series that agree with the
// rows, and the real clock back afterwards.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "cases/data_key.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "demo/demo.hpp"
#include "demo/demo_feedback.hpp"
#include "demo/demo_inspect.hpp"
#include "demo/demo_rectify.hpp"
#include "forms/service.hpp"
#include "inspect/service.hpp"
#include "metrics/series.hpp"
#include "org/service.hpp"
#include "rectify/service.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class DemoInspections : public ::testing::TestWithParam<std::string> {};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// First UTC ms of the local month `back` months before the current one (0: the current one).
int64_t month_start(int back, int* yyyymm = nullptr) {
  int y = 0, m = 0, d = 0;
  calendar::civil_of(calendar::day_of(wall_ms()), y, m, d);
  int ym = y * 12 + (m - 1) - back;
  if (yyyymm) *yyyymm = (ym / 12) * 100 + ym % 12 + 1;
  return calendar::day_start(calendar::make_day(ym / 12, ym % 12 + 1, 1));
}

TEST_P(DemoInspections, AYearOfPlansTasksAndFindingsAsAPersonWouldSeeThem) {
  TempDb t(GetParam());
  auto db = t.open_migrated();
  cases::keys::load(*db, cases::keys::default_key_file(t.url()));
  org::OrgService org(*db);
  demo::create_org(org);
  demo::create_feedback(org, 0);
  demo::create_rectifications(org, 100);
  auto s = demo::create_inspections(org, 12);
  EXPECT_LT(std::abs(now_ms() - wall_ms()), 60'000) << "the real clock is back";
  auto count = [&](const std::string& sql, const store::Params& p = {}) {
    return store::scalar_i64(db->query(sql, p)).value_or(-1);
  };
  forms::FormService forms(*db);
  rectify::RectifyService ledger(*db);
  inspect::InspectService svc(*db, forms, ledger);
  inspect::Grants system{{0, "system", "local"}, "system", {}, true};
  auto hosp1 = demo::inspect_grants(org, "hosp1");
  auto h001 = org.node_by_code("H001").value();

  // Plans of each kind.
  EXPECT_EQ(s.plans, 6);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_plans"), 6);
  EXPECT_GT(count("SELECT COUNT(*) FROM inspection_plans WHERE covert = 1"), 0) << "暗访";
  EXPECT_GT(count("SELECT COUNT(*) FROM inspection_plans WHERE covert = 0 AND self_inspection = 0"), 0) << "明查";
  EXPECT_GT(count("SELECT COUNT(*) FROM inspection_plans WHERE self_inspection = 1"), 0) << "自查";
  EXPECT_GT(count("SELECT COUNT(*) FROM inspection_plans WHERE cadence = 'monthly'"), 0);
  EXPECT_GT(count("SELECT COUNT(*) FROM inspection_plans WHERE cadence = 'quarterly'"), 0);
  for (const char* code : {"window-check", "ethics-covert", "hygiene-check", "fire-safety", "admin-round", "medical-record"})
    EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_plans WHERE template_id = ?", {forms.by_code(code)->id}), 1) << code;
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_plans p JOIN inspection_plan_inspectors i ON i.plan_id = p.id "
                  "JOIN users u ON u.id = i.user_id WHERE p.covert = 1 AND u.username = 'supervisor'"),
            1)
      << "the 社会监督员 visits covertly";
  EXPECT_GT(count("SELECT COUNT(*) FROM inspections i JOIN users u ON u.id = i.inspector_id WHERE u.username = "
                  "'supervisor'"),
            0);

  // Inspections in each of the last 12 months, most on time and some late; tasks left undone.
  for (int back = 1; back <= 12; ++back)
    EXPECT_GT(count("SELECT COUNT(*) FROM inspections WHERE created_at >= ? AND created_at < ?",
                    {month_start(back), month_start(back - 1)}),
              5)
        << back << " months ago";
  EXPECT_EQ(s.inspections, count("SELECT COUNT(*) FROM inspections"));
  EXPECT_GT(s.late, 0);
  EXPECT_LT(s.late * 5, s.inspections) << "most are done by their due date";
  EXPECT_GT(count("SELECT COUNT(*) FROM inspection_tasks WHERE status <> 'done' AND due_at < ?", {month_start(0)}), 0)
      << "a few tasks of past periods were never done";
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_tasks t JOIN inspections i ON i.id = t.inspection_id WHERE "
                  "t.status = 'done' AND t.done_at = i.created_at"),
            count("SELECT COUNT(*) FROM inspection_tasks WHERE status = 'done'"));

  // Answers are realistic: most items full marks, some not applicable, deductions with notes.
  auto scores = db->query("SELECT AVG(score), MIN(score) FROM inspections WHERE vetoed = 0");
  EXPECT_GT(scores[0].f64(0), 85);
  EXPECT_LT(scores[0].f64(1), 95);
  EXPECT_GT(count("SELECT COUNT(*) FROM inspection_findings WHERE note IS NOT NULL"), 0);
  EXPECT_GT(count("SELECT COUNT(*) FROM form_responses WHERE answers LIKE '%\"na\"%'"), 0);

  // A few vetoes a year, a red envelope (红包) in a covert visit among them.
  EXPECT_GE(s.vetoed, 1);
  EXPECT_LT(s.vetoed, 20);
  EXPECT_GT(count("SELECT COUNT(*) FROM inspection_findings f JOIN inspections i ON i.id = f.inspection_id "
                  "WHERE f.kind = 'veto' AND f.item_id = 'red_envelope' AND i.covert = 1 AND i.vetoed = 1"),
            0);

  // Most covert results are published; the latest are not yet, and the hospital cannot see them.
  int64_t covert = count("SELECT COUNT(*) FROM inspections WHERE covert = 1");
  int64_t unpublished = count("SELECT COUNT(*) FROM inspections WHERE covert = 1 AND published_at IS NULL");
  EXPECT_EQ(s.unpublished, unpublished);
  EXPECT_GT(unpublished, 0);
  EXPECT_LT(unpublished * 3, covert);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspections WHERE covert = 0 AND published_at IS NULL"), 0);
  for (auto& r : db->query("SELECT id FROM inspections WHERE covert = 1 AND published_at IS NULL")) {
    auto x = svc.find(r.i64(0)).value();
    EXPECT_FALSE(svc.visible(hosp1, x)) << x.code;
    EXPECT_EQ(error_of([&] { svc.get(hosp1, x.id); }).status(), 404) << x.code;
  }
  int seen_covert = 0, seen = 0;
  int64_t cursor = 0;
  do {
    for (auto& x : svc.list(hosp1, 0, "", cursor, 500, &cursor)) {
      ++seen;
      EXPECT_TRUE(x.published_at) << x.code << " is listed to hosp1 before it is published";
      EXPECT_EQ(x.node_path.rfind(h001.path, 0), 0u) << x.code << " of another hospital is listed to hosp1";
      if (x.covert) {
        ++seen_covert;
        EXPECT_FALSE(svc.planner_side(hosp1, x)) << "the hospital is not told who visited";
      }
    }
  } while (cursor);
  EXPECT_GT(seen_covert, 0) << "hosp1 sees its published covert results";
  EXPECT_EQ(seen, count("SELECT COUNT(*) FROM inspections WHERE published_at IS NOT NULL AND node_path LIKE ?",
                        {h001.path + "%"}))
      << "hosp1 sees the published results of its hospital (its own plans' are overt), nothing else";

  // The coverage board: the current period is short of its target somewhere, the plans' boards
  // show the current period, and their counts are the tasks'.
  int below = 0;
  for (auto& r : db->query("SELECT id FROM inspection_plans ORDER BY id")) {
    auto p = svc.find_plan(r.i64(0)).value();
    auto c = svc.coverage(system, p.id, std::nullopt);
    EXPECT_EQ(c.total, count("SELECT COUNT(*) FROM inspection_tasks WHERE plan_id = ? AND period = ?", {p.id, c.period}));
    EXPECT_EQ(c.done, count("SELECT COUNT(*) FROM inspection_tasks WHERE plan_id = ? AND period = ? AND status = 'done'",
                            {p.id, c.period}));
    EXPECT_EQ(c.done + c.due + c.overdue, c.total);
    auto open_now = db->query("SELECT MIN(starts_at), MAX(due_at) FROM inspection_tasks WHERE plan_id = ? AND period = ?",
                              {p.id, c.period});
    EXPECT_LE(open_now[0].i64(0), now_ms()) << p.name << ": the board shows the current period";
    EXPECT_GE(open_now[0].i64(1), month_start(0)) << p.name << ": the board shows the current period";
    if (c.rate < p.target) ++below;
  }
  EXPECT_GT(below, 0);

  // The ledger: every item from an inspection links back to its inspection (source_ref = its
  // code, the finding pointing at the item), and these items are worked like the others.
  int64_t from_inspections = count("SELECT COUNT(*) FROM rectifications WHERE source IN ('inspection', 'self_inspection')");
  EXPECT_GT(from_inspections, 20);
  EXPECT_EQ(s.items, from_inspections);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications r JOIN inspection_findings f ON f.rectification_id = r.id "
                  "JOIN inspections i ON i.id = f.inspection_id WHERE r.source_ref = i.code AND r.unit_id = i.node_id "
                  "AND r.source_id = f.id"),
            from_inspections);
  EXPECT_GT(count("SELECT COUNT(*) FROM rectifications WHERE source = 'self_inspection'"), 0) << "内科自查";
  for (const char* st : {"closed", "rectifying", "submitted"})
    EXPECT_GT(count("SELECT COUNT(*) FROM rectifications WHERE source IN ('inspection', 'self_inspection') AND status = ?",
                    {std::string(st)}),
              0)
        << st;
  EXPECT_GT(count("SELECT COUNT(*) FROM rectifications WHERE source IN ('inspection', 'self_inspection') AND "
                  "redo_count > 0"),
            0)
      << "some redone (重新整改)";
  EXPECT_GT(count("SELECT COUNT(*) FROM rectifications WHERE source IN ('inspection', 'self_inspection') AND status "
                  "IN ('pending', 'rectifying', 'submitted') AND deadline_at < ?",
                  {now_ms()}),
            0)
      << "some overdue";
  EXPECT_GT(count("SELECT COUNT(*) FROM rectifications WHERE source = 'inspection' AND hazard = 1"), 0)
      << "消防 findings are 隐患";
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspections WHERE confirmed_at IS NOT NULL AND published_at IS NULL"), 0);

  // The figure series agree with the rows, month by month.
  auto city = org.node_by_code("CITY").value();
  int from = 0, to = 0;
  month_start(12, &from);
  month_start(0, &to);
  auto score = metrics::series::trend(*db, city.id, "inspect.score", from, to);
  auto cover = metrics::series::trend(*db, city.id, "inspect.coverage", from, to);
  ASSERT_EQ(score.size(), 13u);
  ASSERT_EQ(cover.size(), 13u);
  for (int back = 12, i = 0; back >= 0; --back, ++i) {
    int64_t a = month_start(back), b = back ? month_start(back - 1) : INT64_MAX;
    EXPECT_EQ(score[i].second.n, count("SELECT COUNT(*) FROM inspections WHERE published_at IS NOT NULL AND "
                                       "created_at >= ? AND created_at < ?",
                                       {a, b}))
        << score[i].first;
    EXPECT_EQ(cover[i].second.den, count("SELECT COUNT(*) FROM inspection_tasks WHERE starts_at >= ? AND starts_at < ?",
                                         {a, b}))
        << cover[i].first;
    EXPECT_EQ(cover[i].second.num, count("SELECT COUNT(*) FROM inspection_tasks WHERE status = 'done' AND starts_at "
                                         ">= ? AND starts_at < ?",
                                         {a, b}))
        << cover[i].first;
  }
}

INSTANTIATE_TEST_SUITE_P(Db, DemoInspections, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
