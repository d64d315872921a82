// Durability: every write the server acknowledged survives SIGKILL, on SQLite and PostgreSQL;
// SIGTERM lets in-flight requests finish and exits 0.
#include <gtest/gtest.h>

#include <atomic>
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
  std::set<std::string> stored;
  for (auto& r : db->query("SELECT id FROM staff WHERE employee_no LIKE 'K%-%'")) stored.insert(std::to_string(r.i64(0)));
  for (auto& id : acked) EXPECT_TRUE(stored.count(id)) << "acknowledged staff " << id << " lost";
  EXPECT_GE(stored.size(), acked.size());
  auto audited = store::scalar_i64(db->query(
      "SELECT COUNT(*) FROM staff s WHERE s.employee_no LIKE 'K%-%' AND EXISTS "
      "(SELECT 1 FROM audit_log a WHERE a.action = 'staff.create' AND a.entity_id = s.id)"));
  EXPECT_EQ(audited.value_or(-1), static_cast<int64_t>(stored.size()));
  // The restarted server serves the same data, and the audit chain is intact.
  ServerProcess again(url_);
  EXPECT_EQ(again.client().get("/healthz").status, 200);
  std::string out;
  EXPECT_EQ(run_manyi({"--db", url_, "audit", "verify"}, &out), 0) << out;
}

TEST_P(Durability, SigtermFinishesInFlightRequestsAndExitsZero) {
  ServerProcess srv(url_);
  auto base = srv.client();
  ASSERT_EQ(base.login("hosp1").status, 200);
  // Sign-ins are slow on purpose (argon2id, two at a time): eight of them keep the server busy
  // for about a second. A bulk import rides along.
  std::string csv = "employee_no,name,category,title,node_code\n";
  for (int i = 0; i < 3000; ++i) csv += "T" + std::to_string(i) + ",终止测试,nurse,,H001-NK\n";
  std::vector<std::thread> ts;
  std::atomic<int> ok{0}, done{0};
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&, i] {
      try {
        auto c = srv.client();
        auto r = i == 0 ? HttpClient(base).request("POST", "/api/v1/staff/import", csv) : c.login("bureau");
        if (r.status == 200) ++ok;
        else ADD_FAILURE() << "in-flight request answered " << r.status << " " << r.body.substr(0, 200);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "in-flight request lost: " << e.what();
      }
      ++done;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  int rc = srv.terminate();
  for (auto& t : ts) t.join();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(ok.load(), 8);
  auto db = store::open(url_);
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

INSTANTIATE_TEST_SUITE_P(Db, Durability, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
