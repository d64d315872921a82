// Retroactive holding through the intake path on both databases (docs/feedback-integrity.md):
// when a burst rule fires, the earlier ratings of the burst become suspect in the firing
// rating's transaction and leave the rollups; accepting them on review returns them exactly
// once. After every step the rollups (per node and per institution tree, day and month) equal
// a brute-force recount of the valid ratings in the ratings table.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>
#include <tuple>

#include "core/clock.hpp"
#include "core/id.hpp"
#include "core/error.hpp"
#include "feedback/service.hpp"
#include "forms/service.hpp"
#include "metrics/satisfaction.hpp"
#include "org/service.hpp"
#include "support/testing.hpp"

using namespace manyi;

namespace {

class IntegrityHolds : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb = std::make_unique<manyi::testing::TempDb>(GetParam());
    db = tdb->open_migrated();
    org = std::make_unique<org::OrgService>(*db);
    forms = std::make_unique<forms::FormService>(*db);
    svc = std::make_unique<feedback::FeedbackService>(*db, *org, *forms);
    T0 = now_ms() - 3600'000;  // within the day a restart replays
    auto root = org->create_root(sys, "bureau", "B", "局");
    auto county = org->create_node(sys, root.id, "county", "C", "县局");
    auto inst = org->create_node(sys, county.id, "institution", "H", "医院");
    for (int i = 0; i < 5; ++i) {
      auto dept = org->create_node(sys, inst.id, "department", "H-D" + std::to_string(i), "科室" + std::to_string(i));
      points.push_back(svc->create_point(sys, dept.id, 0, "", 0));
    }
  }
  feedback::Submitted rate(size_t point, int overall, const std::string& device, const std::string& ip, int64_t at) {
    feedback::NewRating r;
    r.overall = overall;
    r.device = device;
    r.ip = ip;
    r.elapsed_ms = 9000;
    r.at_ms = at;
    return svc->submit_public(*svc->lookup(points[point].code), r);
  }
  std::string status(int64_t id) { return svc->rating(id)->status; }
  int64_t count(const std::string& sql) { return store::scalar_i64(db->query(sql)).value_or(-1); }
  bool wait_for(const std::string& sql, int64_t want) {
    for (int i = 0; i < 1000; ++i) {
      if (count(sql) == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // (node, dimension, period, template) -> n, c1..c5, total; rows counting nothing left out.
  using Key = std::tuple<int64_t, std::string, int64_t, int64_t>;
  using Counts = std::array<int64_t, 7>;
  std::map<Key, Counts> table(const std::string& name) {
    std::map<Key, Counts> out;
    for (auto& r : db->query("SELECT node_id, dimension, period, template_id, n, c1, c2, c3, c4, c5, total FROM " + name)) {
      Counts c;
      for (size_t i = 0; i < 7; ++i) c[i] = r.i64(4 + i);
      if (c != Counts{}) out[{r.i64(0), r.str(1), r.i64(2), r.i64(3)}] = c;
    }
    return out;
  }
  // The rollups recounted from the valid ratings (overall only: these ratings answer nothing else).
  void expect_rollups_match_a_recount(const std::string& when) {
    std::map<Key, Counts> rows, tree;
    for (auto& r : db->query("SELECT node_id, unit_id, template_id, day, overall FROM ratings WHERE status = 'valid'")) {
      int64_t node = r.i64(0), tmpl = r.i64(2), day = r.i64(3);
      int level = static_cast<int>(r.i64(4));
      auto bump = [&](Counts& c) {
        c[0] += 1;
        c[static_cast<size_t>(level)] += 1;
        c[6] += level;
      };
      for (int64_t period : {day, day / 100}) {
        bump(rows[{node, "overall", period, tmpl}]);
        for (int64_t t : metrics::tree_nodes(org->node(node)->path, r.i64(1))) bump(tree[{t, "overall", period, tmpl}]);
      }
    }
    EXPECT_EQ(table("rating_rollups"), rows) << when;
    EXPECT_EQ(table("rating_rollups_tree"), tree) << when;
  }

  audit::Actor sys{0, "test", ""};
  int64_t T0 = 0;
  std::unique_ptr<manyi::testing::TempDb> tdb;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<org::OrgService> org;
  std::unique_ptr<forms::FormService> forms;
  std::unique_ptr<feedback::FeedbackService> svc;
  std::vector<feedback::Point> points;
};
}  // namespace

TEST_P(IntegrityHolds, ADeviceBurstIsHeldFromItsFirstRatingAndReleasedOnce) {
  // Honest ratings around it, from other devices and networks.
  for (int i = 0; i < 12; ++i)
    rate(static_cast<size_t>(i % 5), 3 + i % 3, "dev-honest-" + std::to_string(i),
         "198.51." + std::to_string(i) + ".7", T0 + i * 1000);
  std::vector<int64_t> burst;
  for (int i = 0; i < 3; ++i) {
    auto out = rate(static_cast<size_t>(i), 5, "dev-stuffer-1", "203.0.113.9", T0 + 60'000 + i * 20'000);
    EXPECT_EQ(out.status, "valid");
    burst.push_back(out.id);
  }
  expect_rollups_match_a_recount("before the hold");
  auto fourth = rate(3, 5, "dev-stuffer-1", "203.0.113.9", T0 + 120'000);
  EXPECT_EQ(fourth.status, "suspect");
  for (auto id : burst) {
    auto r = svc->rating(id);
    EXPECT_EQ(r->status, "suspect");
    EXPECT_EQ(r->flags, "device_burst");
    EXPECT_EQ(r->review_state, "pending");
  }
  EXPECT_EQ(svc->review_count({"/"}, "", "pending"), 4);
  expect_rollups_match_a_recount("after the hold");
  // Accepting returns each to the figures once; a second accept is refused.
  svc->review(sys, burst[0], "accept", "核实为真实患者");
  expect_rollups_match_a_recount("after one release");
  try {
    svc->review(sys, burst[0], "accept", "再次通过");
    ADD_FAILURE() << "accepted twice";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "not_pending");
  }
  svc->review(sys, burst[1], "reject", "刷评");
  svc->review(sys, burst[2], "accept", "核实为真实患者");
  expect_rollups_match_a_recount("after the review");
  // A rating a reviewer accepted is not held again by a later burst of the same device.
  rate(4, 5, "dev-stuffer-1", "203.0.113.9", T0 + 125'000);
  EXPECT_EQ(status(burst[0]), "valid");
  EXPECT_EQ(status(burst[2]), "valid");
  expect_rollups_match_a_recount("after a later burst");
}

TEST_P(IntegrityHolds, AWifiFarmIsHeldWholeAndARestartRemembersWhatIsHeld) {
  std::vector<int64_t> farm;
  for (int i = 0; i < 5; ++i)
    farm.push_back(rate(1, 5, "dev-farm-" + std::to_string(i), "203.0.113." + std::to_string(10 + i), T0 + i * 30'000).id);
  expect_rollups_match_a_recount("before the farm is seen");
  auto sixth = rate(1, 5, "dev-farm-5", "203.0.113.15", T0 + 150'000);
  EXPECT_EQ(sixth.status, "suspect");
  EXPECT_EQ(sixth.flags, std::vector<std::string>{"wifi_farm"});
  for (auto id : farm) EXPECT_EQ(svc->rating(id)->flags, "wifi_farm");
  expect_rollups_match_a_recount("after the farm is held");
  // A restarted server warms its windows: the farm goes on held, nothing counted twice.
  svc = std::make_unique<feedback::FeedbackService>(*db, *org, *forms);
  auto seventh = rate(1, 5, "dev-farm-6", "203.0.113.16", T0 + 180'000);
  EXPECT_EQ(seventh.status, "suspect");
  // ...and names the same episode (it is computed from the rule's key and the window's start).
  EXPECT_EQ(count("SELECT COUNT(DISTINCT episode_id) FROM rating_reviews"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rating_reviews WHERE episode_id IS NULL"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE status = 'suspect'"), 7);
  expect_rollups_match_a_recount("after a restart");
  // Other points of the unit, from the same network, are not part of it.
  EXPECT_EQ(rate(2, 5, "dev-farm-7", "203.0.113.17", T0 + 190'000).status, "valid");
}

TEST_P(IntegrityHolds, ADeviceRefusedAgainAndAgainLosesItsAcceptedRating) {
  auto accepted = rate(0, 5, "dev-hammer-1", "198.51.100.4", T0);
  EXPECT_EQ(accepted.status, "valid");
  for (int i = 1; i <= 5; ++i) {
    try {
      rate(0, 5, "dev-hammer-1", "198.51.100.4", T0 + i * 5000);
      ADD_FAILURE() << "duplicate accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "already_rated");
    }
  }
  ASSERT_TRUE(wait_for("SELECT COUNT(*) FROM ratings WHERE status = 'suspect'", 1));
  EXPECT_EQ(svc->rating(accepted.id)->flags, "dup_refusals");
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings"), 1);  // the refusals stored nothing
  expect_rollups_match_a_recount("after the refusals");
}

// The rating that fires the rule fails to be stored (the database refuses it): the windows
// still count it, so the earlier ratings it named are held all the same, by a later batch.
TEST_P(IntegrityHolds, TheBurstIsHeldEvenWhenTheRatingThatFiredFailsToBeStored) {
  db->write([&](store::Tx& tx) {
    if (tx.backend() == store::Backend::sqlite) {
      tx.exec("CREATE TRIGGER poison BEFORE INSERT ON ratings WHEN NEW.comment = 'poison' "
              "BEGIN SELECT RAISE(ABORT, 'poisoned rating'); END");
    } else {
      tx.exec("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.comment = 'poison' THEN "
              "RAISE EXCEPTION 'poisoned rating'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
      tx.exec("CREATE TRIGGER poison BEFORE INSERT ON ratings FOR EACH ROW EXECUTE FUNCTION poison()");
    }
  });
  std::vector<int64_t> burst;
  for (int i = 0; i < 3; ++i) burst.push_back(rate(static_cast<size_t>(i), 5, "dev-stuffer-2", "203.0.113.20", T0 + i * 20'000).id);
  feedback::NewRating r;
  r.overall = 5;
  r.device = "dev-stuffer-2";
  r.ip = "203.0.113.20";
  r.elapsed_ms = 9000;
  r.at_ms = T0 + 60'000;
  r.comment = "poison";
  EXPECT_ANY_THROW(svc->submit_public(*svc->lookup(points[3].code), r));
  ASSERT_TRUE(wait_for("SELECT COUNT(*) FROM ratings WHERE status = 'suspect'", 3));
  for (auto id : burst) EXPECT_EQ(svc->rating(id)->flags, "device_burst");
  expect_rollups_match_a_recount("after the hold");
}

// ---- episodes (事件): one burst, one row of the queue, decided at once ----

// The episode each rating's review row names.
static std::map<int64_t, int64_t> episodes_of(store::Db& db, const std::vector<int64_t>& ids) {
  std::map<int64_t, int64_t> out;
  for (auto id : ids)
    out[id] = store::scalar_i64(db.query("SELECT episode_id FROM rating_reviews WHERE rating_id = ?", {id})).value_or(0);
  return out;
}

TEST_P(IntegrityHolds, AWifiFarmIsOneEpisodeDecidedInOneAction) {
  // Honest ratings at other points, and one too-fast rating held by a rule of its own.
  for (int i = 0; i < 6; ++i)
    rate(static_cast<size_t>(2 + i % 3), 4 + i % 2, "dev-honest-" + std::to_string(i), "198.51." + std::to_string(i) + ".7",
         T0 + i * 1000);
  std::vector<int64_t> farm;
  for (int i = 0; i < 8; ++i)  // the 6th fires the rule (holding the 5 before it); 7th and 8th are later ones
    farm.push_back(rate(1, 5, "dev-farm-" + std::to_string(i), "203.0.113." + std::to_string(10 + i), T0 + 60'000 + i * 30'000).id);
  feedback::NewRating fast;
  fast.overall = 5;
  fast.device = "dev-quick";
  fast.ip = "192.0.2.1";
  fast.elapsed_ms = 200;
  fast.at_ms = T0 + 5000;
  auto quick = svc->submit_public(*svc->lookup(points[4].code), fast);
  EXPECT_EQ(quick.status, "suspect");
  auto eps = episodes_of(*db, farm);
  int64_t ep = eps[farm[0]];
  ASSERT_NE(ep, 0);
  for (auto id : farm) EXPECT_EQ(eps[id], ep) << "rating " << id << " is in another episode";
  // Its time is the window's start: the farm's first rating.
  EXPECT_EQ(id_time_ms(ep), T0 + 60'000);
  EXPECT_EQ(episodes_of(*db, {quick.id})[quick.id], 0);  // a rule of its own: no episode
  auto list = svc->review_episodes({"/"}, "", "pending", 0, 50);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, ep);
  EXPECT_EQ(list[0].rule, "wifi_farm");
  EXPECT_EQ(list[0].n, 8);
  EXPECT_EQ(list[0].pending, 8);
  EXPECT_EQ(list[0].top, 8);
  EXPECT_EQ(list[0].point_count, 1);
  EXPECT_EQ(list[0].points, std::vector<std::string>{points[1].name});
  EXPECT_EQ(list[0].units, std::vector<std::string>{"医院"});
  EXPECT_EQ(list[0].first_at, T0 + 60'000);
  EXPECT_EQ(list[0].last_at, T0 + 60'000 + 7 * 30'000);
  EXPECT_EQ(svc->review_queue({"/"}, "", "pending", 0, 50, ep).size(), 8u);
  expect_rollups_match_a_recount("after the farm is held");

  // One of them decided alone first: the episode's decision leaves it alone.
  svc->review(sys, farm[2], "reject", "单条驳回");
  auto d = svc->review_episode(sys, {"/"}, ep, "accept", "核实为义诊活动现场的真实患者");
  EXPECT_EQ(d.decided, 7);
  EXPECT_EQ(d.skipped, 1);
  EXPECT_EQ(d.status, "valid");
  for (auto id : farm) EXPECT_EQ(status(id), id == farm[2] ? "rejected" : "valid");
  EXPECT_EQ(status(quick.id), "suspect");  // not part of it
  expect_rollups_match_a_recount("after the episode is accepted");
  // Audited once, with the count.
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.episode.accept'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.rating.accept'"), 0);
  // Nothing left to decide: refused, and the figures do not move.
  EXPECT_EQ(manyi::testing::error_of([&] { svc->review_episode(sys, {"/"}, ep, "accept", "再次通过"); }).code(),
            "not_pending");
  EXPECT_EQ(manyi::testing::error_of([&] { svc->review_episode(sys, {"/"}, ep, "reject", "x"); }).field(), "reason");
  EXPECT_EQ(manyi::testing::error_of([&] { svc->review_episode(sys, {"/"}, ep, "maybe", "理由充分"); }).field(), "decision");
  expect_rollups_match_a_recount("after the refused repeat");
  EXPECT_TRUE(svc->review_episodes({"/"}, "", "pending", 0, 50).empty());
  EXPECT_EQ(svc->review_episodes({"/"}, "", "", 0, 50).size(), 1u);

  // A second farm, later, at another point: another episode, rejected whole.
  std::vector<int64_t> second;
  for (int i = 0; i < 7; ++i)
    second.push_back(rate(0, 5, "dev-farm2-" + std::to_string(i), "203.0.114." + std::to_string(i), T0 + 900'000 + i * 10'000).id);
  auto eps2 = episodes_of(*db, second);
  EXPECT_NE(eps2[second[0]], ep);
  auto r = svc->review_episode(sys, {"/"}, eps2[second[0]], "reject", "同一网络刷评");
  EXPECT_EQ(r.decided, 7);
  for (auto id : second) EXPECT_EQ(status(id), "rejected");
  expect_rollups_match_a_recount("after the second farm is rejected");
}

TEST_P(IntegrityHolds, AnotherInstitutionsReviewerSeesNothingOfAnEpisode) {
  auto hospital = *org->node(org->node(points[0].node_id)->parent_id);
  auto other = org->create_node(sys, hospital.parent_id, "institution", "H2", "二院");
  std::vector<int64_t> farm;
  for (int i = 0; i < 6; ++i)
    farm.push_back(rate(1, 5, "dev-farm-" + std::to_string(i), "203.0.113." + std::to_string(10 + i), T0 + i * 30'000).id);
  int64_t ep = episodes_of(*db, {farm[0]})[farm[0]];
  ASSERT_NE(ep, 0);
  std::vector<std::string> theirs{other.path};
  EXPECT_TRUE(svc->review_episodes(theirs, "", "pending", 0, 50).empty());
  EXPECT_TRUE(svc->review_queue(theirs, "", "pending", 0, 50, ep).empty());
  EXPECT_EQ(manyi::testing::error_of([&] { svc->review_episode(sys, theirs, ep, "reject", "越权驳回"); }).status(), 404);
  for (auto id : farm) EXPECT_EQ(status(id), "suspect");
  // The hospital's own reviewer sees and decides it.
  std::vector<std::string> ours{hospital.path};
  EXPECT_EQ(svc->review_episodes(ours, "", "pending", 0, 50).size(), 1u);
  EXPECT_EQ(svc->review_episode(sys, ours, ep, "reject", "刷评").decided, 6);
  expect_rollups_match_a_recount("after the hospital's decision");
}

INSTANTIATE_TEST_SUITE_P(Db, IntegrityHolds, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
