// The integrity windows shared by two real `manyi serve` instances on one PostgreSQL database
// (docs/feedback-integrity.md, "Several instances"): a Wi-Fi farm that a load balancer spreads
// over both — three ratings each, under the farm's threshold of five on either alone — is held
// whole, in one episode, and leaves the figures; a device that rated at one instance is refused
// as a duplicate at the other; when both instances' sharing connections are cut, the burst
// stored meanwhile is read back from the ratings table and held all the same. SQLite serves one
// process, so these run on PostgreSQL only (the single-instance rules run on both databases in
// feedback_http_test, review_episodes_http_test and integrity_holds_test).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/clock.hpp"
#include "core/period.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;
using namespace std::chrono_literals;

namespace {

class SharedWindowsHttp : public DemoServerTest {
 protected:
  SharedWindowsHttp() { start_in_setup = false; }
  void SetUp() override {
    if (GetParam() != "postgres") GTEST_SKIP() << "one SQLite database is served by one instance";
    DemoServerTest::SetUp();
    // The per-address limits are raised: every rating of these tests comes from this machine.
    const std::vector<std::string> args = {"--rating-net-rate",    "1000", "--rating-net-burst", "1000",
                                           "--rating-device-rate", "1000", "--rating-device-burst", "1000",
                                           "--public-rate",        "1000", "--public-burst",      "1000"};
    start(args);
    other = std::make_unique<ServerProcess>(url, args);
  }
  // A department's first point (not a staff member's): its code and node.
  std::pair<std::string, int64_t> dept_point(const std::string& dept_code) {
    auto r = db->query("SELECT p.code, p.node_id FROM collection_points p JOIN org_nodes n ON n.id = p.node_id "
                       "WHERE n.code = ? AND p.active = 1 AND p.staff_id IS NULL ORDER BY p.id LIMIT 1",
                       {dept_code});
    return r.empty() ? std::pair<std::string, int64_t>{} : std::pair{r[0].str(0), r[0].i64(1)};
  }
  static json top(const std::string& code, const std::string& device) {
    return {{"point", code}, {"overall", 5}, {"elapsed_ms", 9000}, {"device", device}};
  }
  static int64_t heard(const ServerProcess& s) { return metric(s.client(), "manyi_integrity_shared_total{event=\"heard\"}"); }
  // Posts a rating; with `wait`, returns once the other instance has heard of it (a burst at
  // a person's pace: the test does not race the message).
  std::string rate(ServerProcess& at, ServerProcess& peer, const json& body, bool wait = true) {
    int64_t before = heard(peer);
    auto r = at.client().post("/api/v1/public/ratings", body);
    EXPECT_EQ(r.status, 201) << r.body;
    if (wait)
      for (int i = 0; i < 250 && heard(peer) <= before; ++i) std::this_thread::sleep_for(20ms);
    return r.status == 201 ? r.js()["id"].get<std::string>() : "";
  }
  bool all_held(const std::vector<std::string>& ids, const std::string& flag) {
    for (int i = 0; i < 500; ++i) {
      int64_t n = 0;
      for (auto& id : ids)
        n += count("SELECT COUNT(*) FROM ratings WHERE id = ? AND status = 'suspect' AND flags LIKE ?",
                   {std::stoll(id), "%" + flag + "%"});
      if (n == static_cast<int64_t>(ids.size())) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  int64_t rollup_n(int64_t node) {
    return count("SELECT COALESCE(SUM(n), 0) FROM rating_rollups WHERE node_id = ? AND dimension = 'overall' AND period = ?",
                 {node, int64_t{period::local_day(now_ms())}});
  }
  std::unique_ptr<ServerProcess> other;
};

TEST_P(SharedWindowsHttp, AFarmSpreadOverTwoInstancesIsHeldWholeInOneEpisode) {
  auto [code, node] = dept_point("H001-GK");
  ASSERT_FALSE(code.empty());
  int64_t counted = rollup_n(node);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    bool on_a = i % 2 == 0;
    ids.push_back(rate(on_a ? *server : *other, on_a ? *other : *server, top(code, "dev-lbfarm-" + std::to_string(1000 + i))));
  }
  ASSERT_TRUE(all_held(ids, "wifi_farm")) << "a farm of six over two instances was not held whole";
  std::string in;
  for (auto& id : ids) in += (in.empty() ? "" : ",") + id;
  EXPECT_EQ(count("SELECT COUNT(DISTINCT episode_id) FROM rating_reviews WHERE rating_id IN (" + in + ")"), 1)
      << "one farm, one episode to decide";
  EXPECT_EQ(count("SELECT COUNT(*) FROM rating_reviews WHERE rating_id IN (" + in + ")"), 6);
  // None of it counts: the point's figure for today is what it was (each rating held once,
  // though both instances saw the threshold crossed).
  for (int i = 0; i < 50 && rollup_n(node) != counted; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rollup_n(node), counted);
  int64_t held_a = metric(server->client(), "manyi_integrity_shared_total{event=\"held\"}");
  int64_t held_b = metric(other->client(), "manyi_integrity_shared_total{event=\"held\"}");
  EXPECT_GE(held_a + held_b, 1) << "no instance held anything on what it heard";

  // A device that rated at one instance is refused at the other.
  auto [code2, node2] = dept_point("H001-NK");
  ASSERT_FALSE(code2.empty());
  rate(*server, *other, top(code2, "dev-lbtwice-1"));
  auto again = other->client().post("/api/v1/public/ratings", top(code2, "dev-lbtwice-1"));
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.js()["error"]["code"], "already_rated");
}

TEST_P(SharedWindowsHttp, WhatTheSharingConnectionMissedIsReadBack) {
  auto [code, node] = dept_point("H001-EK");
  ASSERT_FALSE(code.empty());
  // Both instances' listening connections are cut (a network fault, a PostgreSQL restart)...
  EXPECT_EQ(count("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND application_name = 'manyi listener'"),
            2);
  // ... and the farm comes at once, before they are back: nothing of it is heard as a message.
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    bool on_a = i % 2 == 0;
    ids.push_back(rate(on_a ? *server : *other, on_a ? *other : *server, top(code, "dev-lbgap-" + std::to_string(1000 + i)),
                       false));
  }
  ASSERT_TRUE(all_held(ids, "wifi_farm")) << "the burst stored while the instances were cut off was not held";
  // Each instance came back once (the first one back may have held the farm already).
  const std::string reconnected = "manyi_integrity_shared_total{event=\"reconnected\"}";
  auto both_back = [&] { return metric(server->client(), reconnected) == 1 && metric(other->client(), reconnected) == 1; };
  for (int i = 0; i < 500 && !both_back(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(metric(server->client(), reconnected), 1);
  EXPECT_EQ(metric(other->client(), reconnected), 1);
  // And they hear each other again.
  auto [code2, node2] = dept_point("H001-NK");
  rate(*other, *server, top(code2, "dev-lbgap-after"));
  EXPECT_EQ(server->client().post("/api/v1/public/ratings", top(code2, "dev-lbgap-after")).status, 409);
}

INSTANTIATE_TEST_SUITE_P(Db, SharedWindowsHttp, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);

}  // namespace
