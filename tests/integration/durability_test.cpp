// Durability: every write the server acknowledged survives SIGKILL, on SQLite and PostgreSQL;
// SIGTERM lets in-flight requests finish and exits 0. The soak (SoakKillRestartUnderMixedLoad)
// repeats kill/restart rounds under mixed load: MANYI_SOAK_ROUNDS rounds (2 by default;
// bench/soak.sh runs 20 and more).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class Durability : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { url_ = demo_db_url(GetParam()); }
  std::string node(store::Db& db, const std::string& code) {
    return std::to_string(store::scalar_i64(db.query("SELECT id FROM org_nodes WHERE code = ?", {code})).value_or(0));
  }
  std::string url_;
};

}  // namespace

TEST_P(Durability, AcknowledgedWritesSurviveSigkill) {
  std::string nk;
  {
    auto db = store::open(url_);
    nk = node(*db, "H001-NK");
  }
  std::set<std::string> acked;  // staff ids answered 201
  std::mutex mu;
  {
    ServerProcess srv(url_);
    auto base = srv.client();
    ASSERT_EQ(base.login("hosp1").status, 200);
    const int threads = 6, per_thread = 40;
    std::vector<std::thread> ts;
    std::atomic<int> failures{0};
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        HttpClient c = base;
        for (int i = 0; i < per_thread; ++i) {
          auto r = c.post("/api/v1/staff", {{"employee_no", "D" + std::to_string(t) + "-" + std::to_string(i)},
                                            {"name", "持久" + std::to_string(t * 1000 + i)},
                                            {"category", "nurse"},
                                            {"node_id", nk}});
          if (r.status != 201) {
            ++failures;
            continue;
          }
          std::lock_guard lk(mu);
          acked.insert(r.js()["id"].get<std::string>());
        }
      });
    }
    for (auto& t : ts) t.join();
    srv.kill9();  // right after the last answer: no chance to flush anything
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(acked.size(), static_cast<size_t>(threads * per_thread));
  }
  ServerProcess again(url_);
  auto c = again.client();
  ASSERT_EQ(c.login("hosp1").status, 200);
  int found = 0;
  for (auto& id : acked) {
    auto r = c.get("/api/v1/staff/" + id);
    if (r.status == 200) ++found;
    else ADD_FAILURE() << "acknowledged staff " << id << " lost: " << r.status;
  }
  EXPECT_EQ(found, static_cast<int>(acked.size()));
  auto db = store::open(url_);
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM staff WHERE employee_no LIKE 'D%-%'")).value_or(0),
            static_cast<int64_t>(acked.size()));
  // Each write was audited in the same transaction.
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.create'")).value_or(0),
            static_cast<int64_t>(acked.size()));
}

// Writers keep going while the server is killed: whatever was acknowledged is there; what was
// not may or may not be, but nothing half-written (a staff row without its audit entry).
TEST_P(Durability, KillDuringAStreamOfWrites) {
  std::string nk;
  {
    auto db = store::open(url_);
    nk = node(*db, "H001-NK");
  }
  std::set<std::string> acked;
  std::mutex mu;
  {
    ServerProcess srv(url_);
    auto base = srv.client();
    ASSERT_EQ(base.login("hosp1").status, 200);
    std::atomic<bool> stop{false};
    std::atomic<int> count{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t) {
      ts.emplace_back([&, t] {
        HttpClient c = base;
        for (int i = 0; !stop; ++i) {
          try {
            auto r = c.post("/api/v1/staff", {{"employee_no", "K" + std::to_string(t) + "-" + std::to_string(i)},
                                              {"name", "流写"},
                                              {"category", "doctor"},
                                              {"node_id", nk}});
            if (r.status == 201) {
              std::lock_guard lk(mu);
              acked.insert(r.js()["id"].get<std::string>());
              ++count;
            }
          } catch (const std::exception&) {
            return;  // the server is gone
          }
        }
      });
    }
    while (count < 120) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    srv.kill9();
    stop = true;
    for (auto& t : ts) t.join();
  }
  auto db = store::open(url_);
  // The rows and their audit entries in one statement, one snapshot: on PostgreSQL a COMMIT the
  // killed server had already sent may still complete while the test reads (a second query saw
  // 122 audited rows against 121 stored).
  std::set<std::string> stored;
  int64_t audited = 0;
  for (auto& r : db->query("SELECT s.id, CASE WHEN EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'staff.create' "
                           "AND a.entity_id = s.id) THEN 1 ELSE 0 END FROM staff s WHERE s.employee_no LIKE 'K%-%'")) {
    stored.insert(std::to_string(r.i64(0)));
    audited += r.i64(1);
  }
  for (auto& id : acked) EXPECT_TRUE(stored.count(id)) << "acknowledged staff " << id << " lost";
  EXPECT_GE(stored.size(), acked.size());
  EXPECT_EQ(audited, static_cast<int64_t>(stored.size()));
  // The restarted server serves the same data, and the audit chain is intact.
  ServerProcess again(url_);
  EXPECT_EQ(again.client().get("/healthz").status, 200);
  std::string out;
  EXPECT_EQ(run_manyi({"--db", url_, "audit", "verify"}, &out), 0) << out;
}

TEST_P(Durability, SigtermFinishesInFlightRequestsAndExitsZero) {
  std::unique_ptr<ServerProcess> started;
  {
    ProductionHashing slow;  // what production signs in with
    started = std::make_unique<ServerProcess>(url_);
  }
  ServerProcess& srv = *started;
  auto base = srv.client();
  ASSERT_EQ(base.login("hosp1").status, 200);
  // A user whose password this server hashes, at the production cost: argon2id over 64 MiB.
  auto db = store::open(url_);
  auto made = base.post("/api/v1/users", {{"username", "slowsign"}, {"display_name", "终止测试"},
                                          {"password", "Slow-sign-8"}, {"node_id", node(*db, "H001")},
                                          {"must_change_password", false}});
  ASSERT_EQ(made.status, 201) << made.body;
  auto stored = db->query("SELECT password_hash FROM users WHERE username = 'slowsign'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].str(0).rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u) << stored[0].str(0);
  // Sign-ins are slow on purpose (argon2id, two at a time): seven of them keep the server busy
  // for about a second. A bulk import rides along.
  std::string csv = "employee_no,name,category,title,node_code\n";
  for (int i = 0; i < 3000; ++i) csv += "T" + std::to_string(i) + ",终止测试,nurse,,H001-NK\n";
  std::vector<std::thread> ts;
  std::atomic<int> ok{0}, done{0};
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&, i] {
      try {
        auto c = srv.client();
        auto r = i == 0 ? HttpClient(base).request("POST", "/api/v1/staff/import", csv) : c.login("slowsign", "Slow-sign-8");
        if (r.status == 200) ++ok;
        else ADD_FAILURE() << "in-flight request answered " << r.status << " " << r.body.substr(0, 200);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "in-flight request lost: " << e.what();
      }
      ++done;
    });
  }
  // SIGTERM once all eight are being handled (what "in flight" means: a request the server has
  // read). Waiting a fixed time instead lost a request on a loaded machine: one not yet sent when
  // the signal came was refused, as it should be.
  // Each request is then either answered or in flight. `done` is read before the gauge: a
  // request counted done is no longer in flight, so none is counted twice.
  auto watcher = srv.client();
  auto received = [&] {
    int answered = done.load();
    return answered + metric(watcher, "manyi_http_requests_in_flight") - 1;  // not this request
  };
  for (int i = 0; i < 2000 && received() < 8; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GT(metric(watcher, "manyi_http_requests_in_flight"), 1) << "nothing left in flight to finish";
  int rc = srv.terminate();
  for (auto& t : ts) t.join();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM staff WHERE name = '终止测试'")).value_or(0), 3000);
}

TEST_P(Durability, RestartOnTheSameDatabaseKeepsSessions) {
  std::string cookie, csrf;
  {
    ServerProcess srv(url_);
    auto c = srv.client();
    ASSERT_EQ(c.login("bureau").status, 200);
    cookie = c.cookie;
    csrf = c.csrf;
    EXPECT_EQ(srv.terminate(), 0);
  }
  ServerProcess again(url_);
  auto c = again.client();
  c.cookie = cookie;
  c.csrf = csrf;
  auto me = c.get("/api/v1/me");
  EXPECT_EQ(me.status, 200);  // sessions live in the database, not in the process
  EXPECT_EQ(me.js()["user"]["username"], "bureau");
}

namespace {

const std::vector<std::string> kSoakLimits = {"--rating-net-rate", "100000", "--rating-net-burst", "100000",
                                              "--rating-device-rate", "100000", "--rating-device-burst", "100000",
                                              "--public-rate", "100000", "--public-burst", "100000"};

// What the server acknowledged in the soak, by kind.
struct Acked {
  std::mutex mu;
  std::set<std::string> ratings, cases, staff;  // rating ids, 查询码, staff ids
  size_t total() const { return ratings.size() + cases.size() + staff.size(); }
};

// Structural checks after a kill: SQLite's own integrity and foreign-key checks; on PostgreSQL
// no invalid index or unvalidated constraint, and no row whose (single-column) foreign key
// points at nothing.
void expect_database_sound(store::Db& db, bool sqlite) {
  if (sqlite) {
    auto ic = db.query("PRAGMA integrity_check");
    ASSERT_FALSE(ic.empty());
    EXPECT_EQ(ic[0].str(0), "ok");
    auto fk = db.query("PRAGMA foreign_key_check");
    for (auto& r : fk) ADD_FAILURE() << "foreign key broken: " << r.str(0) << " rowid " << r.str(1) << " -> " << r.str(2);
    return;
  }
  EXPECT_EQ(store::scalar_i64(db.query("SELECT COUNT(*) FROM pg_index WHERE NOT indisvalid OR NOT indisready")).value_or(-1), 0);
  EXPECT_EQ(store::scalar_i64(db.query("SELECT COUNT(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                                       "WHERE n.nspname = current_schema() AND NOT c.convalidated"))
                .value_or(-1),
            0);
  auto fks = db.query(
      "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname FROM pg_constraint c "
      "JOIN pg_namespace n ON n.oid = c.connamespace "
      "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
      "JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] "
      "WHERE c.contype = 'f' AND n.nspname = current_schema() AND array_length(c.conkey, 1) = 1");
  EXPECT_FALSE(fks.empty());
  for (auto& f : fks) {
    std::string t = f.str(0), col = f.str(1), rt = f.str(2), rcol = f.str(3);
    auto orphans = store::scalar_i64(db.query("SELECT COUNT(*) FROM " + t + " x WHERE x." + col + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + rt + " y WHERE y." + rcol + " = x." + col + ")"));
    EXPECT_EQ(orphans.value_or(-1), 0) << t << "." << col << " -> " << rt << "." << rcol;
  }
}

int soak_rounds() {
  const char* v = std::getenv("MANYI_SOAK_ROUNDS");
  int n = v ? std::atoi(v) : 0;
  return n > 0 ? n : 2;
}

}  // namespace

// Kill/restart rounds under mixed load: public ratings, public complaints and staff writes
// from the console run together; the server is SIGKILLed at a different point of each round.
// After every round every acknowledged write of every round so far is there, the database is
// structurally sound (SQLite integrity_check and foreign_key_check; PostgreSQL indexes,
// constraints and foreign keys), each staff row has its audit entry, and `manyi audit verify`
// passes. It prints "soak <db>: R rounds, N acknowledged writes (…), lost L".
TEST_P(Durability, SoakKillRestartUnderMixedLoad) {
  const bool sqlite = GetParam() == "sqlite";
  const int rounds = soak_rounds();
  std::string nk, point;
  {
    auto db = store::open(url_);
    nk = node(*db, "H001-NK");
    auto p = db->query("SELECT p.code FROM collection_points p JOIN org_nodes n ON n.id = p.node_id "
                       "WHERE n.code = 'H001-NK' AND p.active = 1 ORDER BY p.id LIMIT 1");
    ASSERT_FALSE(p.empty()) << "the demo has a collection point in H001-NK";
    point = p[0].str(0);
  }
  Acked acked;
  size_t lost = 0;
  for (int round = 0; round < rounds; ++round) {
    {
      ServerProcess srv(url_, kSoakLimits);
      auto staff_client = srv.client();
      ASSERT_EQ(staff_client.login("hosp1").status, 200);
      std::atomic<bool> stop{false};
      std::atomic<int> count{0};
      std::vector<std::thread> ts;
      // kind 0, 1: public raters; 2: a public complainant; 3: a staff administrator.
      for (int t = 0; t < 4; ++t) {
        ts.emplace_back([&, t] {
          HttpClient c = t == 3 ? staff_client : srv.client();
          for (int i = 0; !stop; ++i) {
            std::string tag = std::to_string(round) + "-" + std::to_string(t) + "-" + std::to_string(i);
            try {
              if (t < 2) {
                auto r = c.post("/api/v1/public/ratings", {{"point", point},
                                                           {"overall", 1 + (i % 5)},
                                                           {"device", "soak-dev-" + tag},
                                                           {"elapsed_ms", 15000},
                                                           {"comment", "浸泡测试 " + tag}});
                if (r.status != 201) continue;
                std::lock_guard lk(acked.mu);
                acked.ratings.insert(r.js()["id"].get<std::string>());
              } else if (t == 2) {
                auto r = c.post("/api/v1/public/cases", {{"type", "complaint"},
                                                         {"unit", "H001"},
                                                         {"point", "H001-NK"},
                                                         {"content", "浸泡测试投诉 " + tag},
                                                         {"name", "浸泡"},
                                                         {"phone", "1391234" + std::to_string(1000 + i % 9000)}});
                if (r.status != 201) continue;
                std::lock_guard lk(acked.mu);
                acked.cases.insert(r.js()["tracking_code"].get<std::string>());
              } else {
                auto r = c.post("/api/v1/staff", {{"employee_no", "S" + tag},
                                                  {"name", "浸泡" + tag},
                                                  {"category", "nurse"},
                                                  {"node_id", nk}});
                if (r.status != 201) continue;
                std::lock_guard lk(acked.mu);
                acked.staff.insert(r.js()["id"].get<std::string>());
              }
              ++count;
            } catch (const std::exception&) {
              return;  // the server is gone
            }
          }
        });
      }
      // A different moment each round: after 40 to 160 acknowledged writes.
      const int kill_at = 40 + (round * 37) % 121;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (count < kill_at && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      srv.kill9();
      stop = true;
      for (auto& t : ts) t.join();
      EXPECT_GE(count.load(), kill_at) << "round " << round << ": the server answered too few writes";
    }
    // Every write acknowledged so far, in every round, is there.
    auto db = store::open(url_);
    std::set<std::string> ratings, cases, staff;
    for (auto& r : db->query("SELECT id FROM ratings WHERE comment LIKE '浸泡测试 %'")) ratings.insert(std::to_string(r.i64(0)));
    for (auto& r : db->query("SELECT tracking_code FROM cases WHERE content LIKE '浸泡测试投诉 %'")) cases.insert(r.str(0));
    for (auto& r : db->query("SELECT id FROM staff WHERE employee_no LIKE 'S%-%-%'")) staff.insert(std::to_string(r.i64(0)));
    size_t missing = 0;
    for (auto& id : acked.ratings) missing += !ratings.count(id);
    for (auto& code : acked.cases) missing += !cases.count(code);
    for (auto& id : acked.staff) missing += !staff.count(id);
    lost = missing;
    EXPECT_EQ(missing, 0u) << "round " << round << ": acknowledged writes lost";
    // Nothing half-written: each staff row with its audit entry (same transaction).
    EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM staff s WHERE s.employee_no LIKE 'S%-%-%' AND NOT EXISTS "
                                          "(SELECT 1 FROM audit_log a WHERE a.action = 'staff.create' AND a.entity_id = s.id)"))
                  .value_or(-1),
              0);
    expect_database_sound(*db, sqlite);
    db.reset();
    std::string out;
    EXPECT_EQ(run_manyi({"--db", url_, "audit", "verify"}, &out), 0) << "round " << round << ": " << out;
    if (::testing::Test::HasFailure()) break;
  }
  std::cout << "soak " << GetParam() << ": " << rounds << " rounds, " << acked.total() << " acknowledged writes ("
            << acked.ratings.size() << " public ratings, " << acked.cases.size() << " public complaints, "
            << acked.staff.size() << " staff), lost " << lost << std::endl;
  EXPECT_GT(acked.ratings.size(), 0u);
  EXPECT_GT(acked.cases.size(), 0u);
  EXPECT_GT(acked.staff.size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Db, Durability, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
