// Satisfaction targets kept in the generic metric targets (series satisfaction.rate and
// satisfaction.followup, metrics/targets.hpp) as the console sees them through
// /api/v1/satisfaction/targets, on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include "support/testing.hpp"

class SatisfactionTargetsHttp : public manyi::testing::DemoServerTest {};

TEST_P(SatisfactionTargetsHttp, FollowUpOnlyKeepsTheRateInForceAndBothAreInherited) {
  auto bureau = as("bureau");
  auto put = [&](manyi::testing::HttpClient& c, const std::string& code, const manyi::testing::json& body) {
    auto r = c.request("PUT", "/api/v1/satisfaction/targets/" + node(code), body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.js();
  };
  auto item = [&](const std::string& code) {
    auto j = bureau.get("/api/v1/satisfaction/targets?node=" + node(code)).js();
    return j["items"][0];
  };
  EXPECT_DOUBLE_EQ(item("H001-SFC")["target"].get<double>(), 0.85);  // a window's default
  // Only the follow-up target given: the rate in force (the default 90%) becomes H001's own.
  auto r = put(bureau, "H001", {{"followup_target", 0.8}});
  EXPECT_EQ(r.dump(), manyi::testing::json({{"followup_target", 0.8}, {"node_id", node("H001")}, {"target", 0.9}}).dump());
  EXPECT_EQ(count("SELECT COUNT(*) FROM metric_targets WHERE node_id = ? AND series = 'satisfaction.rate' AND target = 0.9",
                  {std::stoll(node("H001"))}),
            1);
  // Both are inherited down the tree, the explicit rate above a window over its default.
  EXPECT_DOUBLE_EQ(item("H001-SFC")["target"].get<double>(), 0.9);
  EXPECT_DOUBLE_EQ(item("H001-SFC")["followup_target"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(item("H002")["followup_target"].get<double>(), 1.0);  // another hospital: the default
  // A department's own rate leaves the inherited follow-up target alone; the rate given later
  // keeps the follow-up target set before.
  auto h1 = as("hosp1");
  r = put(h1, "H001-NK", {{"target", 0.95}});
  EXPECT_DOUBLE_EQ(r["followup_target"].get<double>(), 0.8);
  put(h1, "H001-SFC", {{"target", 0.7}, {"followup_target", 0.6}});
  r = put(h1, "H001-SFC", {{"target", 0.75}});
  EXPECT_DOUBLE_EQ(r["followup_target"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(r["target"].get<double>(), 0.75);
  // Another hospital's scope is refused.
  EXPECT_EQ(h1.request("PUT", "/api/v1/satisfaction/targets/" + node("H002-EK"), R"({"target":0.5})").status, 403);
  EXPECT_DOUBLE_EQ(item("H002-EK")["target"].get<double>(), 0.9);
}

INSTANTIATE_TEST_SUITE_P(Db, SatisfactionTargetsHttp, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
