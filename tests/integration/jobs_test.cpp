// The scheduler (src/jobs/): a job runs on one instance at a time, the one holding its lease
// in the database; it passes to another instance when its holder stops (at once) or dies (when
// the lease runs out). Two real `manyi serve` processes on one PostgreSQL database take each
// escalation step of a due case exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/clock.hpp"
#include "jobs/scheduler.hpp"
#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;
using namespace std::chrono_literals;

namespace {

class Jobs : public ::testing::TestWithParam<std::string> {};

// Polls `done` every 20 ms for at most `limit`; true once it holds.
template <class F>
bool within(std::chrono::milliseconds limit, F done) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace

TEST_P(Jobs, ALeaseIsHeldByOneHolderUntilItRunsOut) {
  TempDb tmp(GetParam());
  auto db = tmp.open_migrated();
  const int64_t t = 1'000'000;
  EXPECT_TRUE(jobs::Scheduler::take_lease(*db, "scan", "a", t, t + 1000));
  EXPECT_FALSE(jobs::Scheduler::take_lease(*db, "scan", "b", t + 10, t + 1010)) << "taken while held";
  EXPECT_TRUE(jobs::Scheduler::take_lease(*db, "scan", "a", t + 500, t + 1500)) << "not renewed by its holder";
  EXPECT_FALSE(jobs::Scheduler::take_lease(*db, "scan", "b", t + 1200, t + 2200)) << "the renewal was lost";
  EXPECT_TRUE(jobs::Scheduler::take_lease(*db, "scan", "b", t + 1501, t + 2501)) << "not taken once run out";
  EXPECT_FALSE(jobs::Scheduler::take_lease(*db, "scan", "a", t + 1600, t + 2600));
  EXPECT_TRUE(jobs::Scheduler::take_lease(*db, "other", "a", t + 1600, t + 2600)) << "leases are per job";
}

// Two schedulers on one database (two instances): the job runs on one only; when that one stops
// it gives the lease up and the other runs the job from its next interval on.
TEST_P(Jobs, AJobRunsOnOneInstanceAndPassesToAnotherWhenItStops) {
  TempDb tmp(GetParam());
  auto db = tmp.open_migrated();
  std::atomic<int> ran_a{0}, ran_b{0};
  auto a = std::make_unique<jobs::Scheduler>(*db);
  jobs::Scheduler b(*db);
  a->every("tick", 20ms, [&](int64_t) { ++ran_a; });
  std::this_thread::sleep_for(60ms);  // a takes the lease first
  b.every("tick", 20ms, [&](int64_t) { ++ran_b; });
  std::this_thread::sleep_for(400ms);
  EXPECT_GE(ran_a.load(), 5);
  EXPECT_EQ(ran_b.load(), 0) << "both instances ran the job";
  a->stop();
  int a_runs = ran_a.load();
  EXPECT_TRUE(within(2000ms, [&] { return ran_b.load() >= 3; })) << "the job did not pass on when its holder stopped";
  EXPECT_EQ(ran_a.load(), a_runs) << "a stopped scheduler ran its job";
  // What each ran is recorded with the lease, every run once. A run is recorded after it
  // returns: b is stopped first (its last run recorded) before the count is read.
  b.stop();
  auto row = db->query("SELECT holder, runs FROM job_leases WHERE name = 'tick'");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].str(0), b.holder());
  EXPECT_EQ(row[0].i64(1), a_runs + ran_b.load());
}

// A run that throws is counted and logged; the job runs again at its next interval.
TEST_P(Jobs, AFailingRunIsCountedAndTheJobGoesOn) {
  TempDb tmp(GetParam());
  auto db = tmp.open_migrated();
  std::atomic<int> ran{0};
  jobs::Scheduler s(*db);
  s.every("flaky", 20ms, [&](int64_t) {
    if (++ran == 1) throw std::runtime_error("receiver down");
  });
  EXPECT_TRUE(within(2000ms, [&] { return ran.load() >= 3; }));
  s.stop();
  auto text = s.metrics_text();
  EXPECT_NE(text.find("manyi_job_failures_total{job=\"flaky\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("manyi_job_lease_held{job=\"flaky\"} 0\n"), std::string::npos) << "stopped but still held";
}

INSTANTIATE_TEST_SUITE_P(Db, Jobs, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

// Two servers on one PostgreSQL database, both scanning case deadlines every 100 ms: a case past
// its supervision time is raised through 临期预警, 逾期 and 督办 once each (one event and one
// notice per step), by whichever instance holds the scan's lease; the other never runs it. When
// the holder is killed, the other takes the scan over once the lease has run out, and the next
// due case is raised once too.
TEST(JobsOnPostgres, TwoInstancesTakeEachEscalationStepOnce) {
  std::string url = demo_db_url("postgres");
  auto db = store::open(url);
  auto unit = std::to_string(store::scalar_i64(db->query("SELECT id FROM org_nodes WHERE code = 'H001-SFC'")).value_or(0));
  // A complaint registered by the complaint office on the given server.
  auto open_case = [&](ServerProcess& on) {
    auto handler = on.client();
    EXPECT_EQ(handler.login("handler").status, 200);
    auto made = handler.post("/api/v1/cases", {{"type", "complaint"}, {"channel", "hotline"}, {"node_id", unit},
                                               {"content", "收费处多收了挂号费"}, {"complainant_phone", "13800000001"}});
    EXPECT_EQ(made.status, 201) << made.body;
    return made.status == 201 ? std::stoll(made.js()["id"].get<std::string>()) : 0;
  };
  // Makes the case due: every step of its ladder in the past, none taken yet.
  auto make_due = [&](int64_t id) {
    int64_t now = now_ms();
    db->write([&](store::Tx& tx) {
      tx.exec("UPDATE cases SET level = 0, warn_at = ?, deadline_at = ?, supervise_at = ?, next_check_at = ?, "
              "paused_at = NULL WHERE id = ?",
              {now - 300'000, now - 200'000, now - 100'000, now - 1, id});
    });
    return now;
  };
  auto steps = [&](int64_t id, int64_t since) {
    return store::scalar_i64(db->query(
                                 "SELECT COUNT(*) FROM case_events WHERE case_id = ? AND action = 'escalate' AND at >= ?",
                                 {id, since}))
        .value_or(-1);
  };
  auto supervise_notices = [&](int64_t id, int64_t since) {
    return store::scalar_i64(db->query("SELECT COUNT(*) FROM notifications WHERE kind = 'case.supervise' AND link = ? "
                                       "AND created_at >= ?",
                                       {"/cases/" + std::to_string(id), since}))
        .value_or(-1);
  };
  auto level = [&](int64_t id) {
    return store::scalar_i64(db->query("SELECT level FROM cases WHERE id = ?", {id})).value_or(-1);
  };

  const std::vector<std::string> args = {"--case-scan-interval", "100"};
  auto a = std::make_unique<ServerProcess>(url, args);
  ServerProcess b(url, args);
  int64_t first = open_case(b);
  int64_t since = make_due(first);
  ASSERT_TRUE(within(10s, [&] { return level(first) == 3; })) << "not escalated; level " << level(first);
  std::this_thread::sleep_for(500ms);  // several more scans on both instances
  EXPECT_EQ(steps(first, since), 3);
  EXPECT_EQ(supervise_notices(first, since), 1);

  const std::string held = "manyi_job_lease_held{job=\"case-escalation\"}";
  const std::string runs = "manyi_job_runs_total{job=\"case-escalation\"}";
  int64_t held_a = metric(a->client(), held), held_b = metric(b.client(), held);
  EXPECT_EQ(held_a + held_b, 1) << "the scan's lease is held by " << held_a + held_b << " instances";
  ServerProcess& holder = held_a == 1 ? *a : b;
  ServerProcess& other = held_a == 1 ? b : *a;
  EXPECT_GE(metric(holder.client(), runs), 3);
  EXPECT_EQ(metric(other.client(), runs), 0) << "both instances ran the scan";

  // The holder dies without giving the lease up: the other takes the scan over once it runs out
  // (three intervals and ten seconds).
  bool a_held = &holder == a.get();
  holder.kill9();
  ServerProcess& survivor = a_held ? b : *a;
  int64_t second = open_case(survivor);
  int64_t since2 = make_due(second);
  ASSERT_TRUE(within(20s, [&] { return level(second) == 3; })) << "the survivor never took the scan over";
  EXPECT_EQ(metric(survivor.client(), held), 1);
  EXPECT_EQ(steps(second, since2), 3);
  EXPECT_EQ(supervise_notices(second, since2), 1);
}
