// Rating episodes (事件) over HTTP against a real `manyi serve` on each database
// (docs/feedback-integrity.md): a Wi-Fi farm from this machine's network is one row of the
// review queue by episode; another hospital's reviewer sees nothing of it and cannot decide it;
// bad input is refused naming the field; the hospital decides it in one action, audited once;
// the per-unit integrity figure counts it against the department.
#include <gtest/gtest.h>

#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class ReviewEpisodesHttp : public DemoServerTest {
 protected:
  ReviewEpisodesHttp() { start_in_setup = false; }
  // The first point of a department of the demo's 市第一人民医院 (a child of the hospital), not
  // a staff member's: its code, its name and the department's name.
  struct DeptPoint {
    std::string code, name, dept;
  };
  DeptPoint dept_point(const std::string& dept_code) {
    auto r = db->query("SELECT p.code, p.name, n.name FROM collection_points p JOIN org_nodes n ON n.id = p.node_id "
                       "WHERE n.code = ? AND p.active = 1 AND p.staff_id IS NULL ORDER BY p.id LIMIT 1",
                       {dept_code});
    return r.empty() ? DeptPoint{} : DeptPoint{r[0].str(0), r[0].str(1), r[0].str(2)};
  }
};

TEST_P(ReviewEpisodesHttp, AFarmIsOneEpisodeDecidedOnceInsideItsHospital) {
  start({"--rating-net-rate", "1000", "--rating-net-burst", "1000", "--rating-device-rate", "1000",
         "--rating-device-burst", "1000", "--public-rate", "1000", "--public-burst", "1000"});
  auto pub = server->client();
  auto [code, point_name, dept_name] = dept_point("H001-GK");
  ASSERT_FALSE(code.empty());
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    auto r = pub.post("/api/v1/public/ratings", {{"point", code}, {"overall", 5}, {"elapsed_ms", 9000},
                                                  {"device", "dev-episode-" + std::to_string(1000 + i)}});
    ASSERT_EQ(r.status, 201) << r.body;
    ids.push_back(r.js()["id"]);
  }
  auto h1 = as("hosp1");
  // The episode the first rating names, then its row in the queue by episode.
  std::string id = std::to_string(count("SELECT episode_id FROM rating_reviews WHERE rating_id = ?", {std::stoll(ids[0])}));
  ASSERT_GT(std::stoll(id), 0);
  auto list = h1.get("/api/v1/ratings/review-episodes?limit=100");
  ASSERT_EQ(list.status, 200) << list.body;
  json ep, listed = list.js();
  for (auto& e : listed["items"])
    if (e["id"] == id) ep = e;
  ASSERT_FALSE(ep.is_null()) << id << " " << list.body;
  EXPECT_EQ(ep["rule"], "wifi_farm");
  EXPECT_EQ(ep["points"], json::array({point_name.empty() ? dept_name : point_name}));
  EXPECT_EQ(ep["n"], 7);
  EXPECT_EQ(ep["pending"], 7);
  EXPECT_EQ(ep["top"], 7);
  EXPECT_DOUBLE_EQ(ep["top_share"].get<double>(), 1.0);
  EXPECT_EQ(ep["units"], json::array({"市第一人民医院"}));
  json rows = h1.get("/api/v1/ratings/reviews?state=all&limit=500&episode=" + id).js()["items"];
  ASSERT_EQ(rows.size(), 7u);
  for (auto& r : rows) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), r["rating_id"].get<std::string>()), ids.end());
    EXPECT_EQ(r["episode_id"], id);
  }
  // The sibling hospital: nothing of it in its queue, and it cannot decide it.
  auto h2 = as("hosp2");
  EXPECT_EQ(h2.get("/api/v1/ratings/review-episodes?state=all&limit=500").body.find(id), std::string::npos);
  EXPECT_EQ(h2.get("/api/v1/ratings/reviews?state=all&episode=" + id).js()["items"].size(), 0u);
  EXPECT_EQ(h2.post("/api/v1/ratings/review-episodes/" + id + "/review", {{"decision", "accept"}, {"reason", "越权通过"}}).status,
            404);
  // Bad input names the field and changes nothing.
  auto bad = [&](const json& body, const std::string& field) {
    auto r = h1.post("/api/v1/ratings/review-episodes/" + id + "/review", body);
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.js()["error"]["field"], field) << r.body;
  };
  bad({{"decision", "accept"}}, "reason");
  bad({{"decision", "maybe"}, {"reason", "理由充分"}}, "decision");
  bad({{"decision", "reject"}, {"reason", "x"}}, "reason");
  EXPECT_EQ(h1.get("/api/v1/ratings/reviews?episode=abc").status, 422);
  EXPECT_EQ(h1.get("/api/v1/ratings/review-episodes?state=maybe").status, 422);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rating_reviews WHERE episode_id = ? AND state = 'pending'", {std::stoll(id)}), 7);
  // One decided on its own first; then the whole episode at once.
  ASSERT_EQ(h1.post("/api/v1/ratings/" + ids[0] + "/review", {{"decision", "accept"}, {"reason", "核实为真实患者"}}).status, 200);
  auto d = h1.post("/api/v1/ratings/review-episodes/" + id + "/review", {{"decision", "reject"}, {"reason", "同一网络刷评"}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.js()["decided"], 6);
  EXPECT_EQ(d.js()["skipped"], 1);
  EXPECT_EQ(h1.get("/api/v1/ratings/" + ids[0]).js()["status"], "valid");
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_EQ(h1.get("/api/v1/ratings/" + ids[i]).js()["status"], "rejected");
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.episode.reject' AND entity_id = ?", {std::stoll(id)}),
            1);
  EXPECT_EQ(h1.post("/api/v1/ratings/review-episodes/" + id + "/review", {{"decision", "accept"}, {"reason", "再次通过"}}).status,
            409);
  // Not pending any more; listed with state=all.
  EXPECT_EQ(h1.get("/api/v1/ratings/review-episodes?limit=500").body.find(id), std::string::npos);
  EXPECT_NE(h1.get("/api/v1/ratings/review-episodes?state=all&limit=500").body.find(id), std::string::npos);
  // The integrity figure of the hospital counts them against the department.
  auto fig = h1.get("/api/v1/satisfaction/integrity");
  ASSERT_EQ(fig.status, 200) << fig.body;
  json row, figures = fig.js();
  for (auto& g : figures["groups"])
    for (auto& x : g["items"])
      if (x["name"] == dept_name) row = x;
  ASSERT_FALSE(row.is_null()) << fig.body;
  EXPECT_GE(row["rejected"].get<int64_t>(), 6);
  EXPECT_GE(row["held"].get<int64_t>(), row["rejected"].get<int64_t>());
  EXPECT_GT(row["received"].get<int64_t>(), row["held"].get<int64_t>());
  EXPECT_NEAR(row["rejected_share"].get<double>(),
              static_cast<double>(row["rejected"].get<int64_t>()) / static_cast<double>(row["received"].get<int64_t>()), 1e-9);
  // A department's reader sees it for their department only; a sibling hospital has no such row.
  auto other = h2.get("/api/v1/satisfaction/integrity");
  ASSERT_EQ(other.status, 200);
  EXPECT_EQ(other.body.find(row["node_id"].get<std::string>()), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Db, ReviewEpisodesHttp, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);

}  // namespace
