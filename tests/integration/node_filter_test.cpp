// Every list and figure that takes ?node= narrows it the same way (http::Ctx::node_filter): the
// caller's own unit is served, another hospital's is 403, a node that does not exist is 404 and
// a malformed id is 422 naming the field — whichever endpoint is asked.
#include <gtest/gtest.h>

#include "support/testing.hpp"

namespace {
using namespace manyi::testing;

class NodeFilter : public DemoServerTest {};

TEST_P(NodeFilter, OneRuleForEveryList) {
  auto h1 = as("hosp1");
  const std::vector<std::string> lists = {
      "/api/v1/cases?",
      "/api/v1/cases/stats?",
      "/api/v1/case-reports/stats?",
      "/api/v1/case-reports/counts?",
      "/api/v1/staff?",
      "/api/v1/users?",
      "/api/v1/points?",
      "/api/v1/ratings/reviews?",
      "/api/v1/ratings/reviews/counts?",
      "/api/v1/audit?",
      "/api/v1/followups/tasks?",
      "/api/v1/followups/counts?",
  };
  std::string own = node("H001"), other = node("H002");
  for (auto& base : lists) {
    SCOPED_TRACE(base);
    auto mine = h1.get(base + "node=" + own);
    EXPECT_EQ(mine.status, 200) << mine.body;
    auto theirs = h1.get(base + "node=" + other);
    EXPECT_EQ(theirs.status, 403) << theirs.body;
    EXPECT_EQ(theirs.js()["error"]["code"], "forbidden") << theirs.body;
    auto none = h1.get(base + "node=987654321987");
    EXPECT_EQ(none.status, 404) << none.body;
    auto bad = h1.get(base + "node=abc");
    EXPECT_EQ(bad.status, 422) << bad.body;
    EXPECT_EQ(bad.js()["error"]["field"], "node") << bad.body;
  }
}

INSTANTIATE_TEST_SUITE_P(Db, NodeFilter, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
}  // namespace
