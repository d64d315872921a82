// The demo's rectification ledger (src/demo/demo_rectify.cpp) on each database: items in every
// state, some overdue and escalated, one per demo case marked 需整改, each item's history ending
// in its state, and the real clock back afterwards.
#include <gtest/gtest.h>

#include <chrono>

#include "cases/data_key.hpp"
#include "core/clock.hpp"
#include "demo/demo.hpp"
#include "demo/demo_cases.hpp"
#include "demo/demo_feedback.hpp"
#include "demo/demo_rectify.hpp"
#include "org/service.hpp"
#include "rectify/model.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class DemoLedger : public ::testing::TestWithParam<std::string> {};

TEST_P(DemoLedger, ItemsInEveryStateSomeOverdueAndOnePerCaseNeedingRectification) {
  TempDb t(GetParam());
  auto db = t.open_migrated();
  cases::keys::load(*db, cases::keys::default_key_file(t.url()));
  org::OrgService org(*db);
  demo::create_org(org);
  auto f = demo::create_feedback(org, 0);
  demo::create_cases(org, f.bad_reviews, 300);
  auto s = demo::create_rectifications(org, 400);
  auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  EXPECT_LT(std::abs(now_ms() - wall), 60'000) << "the real clock is back";
  auto count = [&](const std::string& sql, const store::Params& p = {}) {
    return store::scalar_i64(db->query(sql, p)).value_or(0);
  };
  EXPECT_EQ(s.items, count("SELECT COUNT(*) FROM rectifications"));
  EXPECT_GT(s.from_cases, 0);
  EXPECT_EQ(s.from_cases, count("SELECT COUNT(*) FROM cases WHERE needs_rectification = 1"));
  EXPECT_EQ(s.from_cases, count("SELECT COUNT(*) FROM rectifications WHERE source IN ('complaint', 'bad_review')"));
  for (auto& l : rectify::statuses())
    EXPECT_GT(count("SELECT COUNT(*) FROM rectifications WHERE status = ?", {l.code}), 0) << l.code;
  EXPECT_GT(s.overdue, 0);
  EXPECT_GT(s.escalations, 0);
  EXPECT_GT(count("SELECT COUNT(*) FROM rectifications WHERE public = 1"), 0);
  EXPECT_GT(count("SELECT COUNT(*) FROM rectifications WHERE redo_count > 0"), 0);
  EXPECT_GT(count("SELECT COUNT(*) FROM rectifications WHERE hazard = 1"), 0);
  // Each item's history ends in its state.
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications r WHERE r.status <> (SELECT e.status FROM rectification_events e "
                  "WHERE e.item_id = r.id ORDER BY e.at DESC, e.id DESC LIMIT 1)"),
            0);
}

INSTANTIATE_TEST_SUITE_P(Db, DemoLedger, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
