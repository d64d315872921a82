// The audit log end to end: changes made over HTTP are chained; `manyi audit verify` passes,
// then names the row after someone edits or deletes rows directly in the database; the API
// filters by node, user and period and shows a unit admin only its own subtree.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class Audit : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = demo_db_url(GetParam());
    db_ = store::open(url_);
  }
  std::string node(const std::string& code) {
    return std::to_string(store::scalar_i64(db_->query("SELECT id FROM org_nodes WHERE code = ?", {code})).value_or(0));
  }
  std::string path(const std::string& id) {
    return db_->query("SELECT path FROM org_nodes WHERE id = ?", {std::stoll(id)})[0].str(0);
  }
  int64_t max_seq() { return store::scalar_i64(db_->query("SELECT MAX(seq) FROM audit_log")).value_or(0); }
  // Makes a few changes in H001 and H002 through the API.
  void make_changes(ServerProcess& srv) {
    auto b = srv.client();
    ASSERT_EQ(b.login("bureau").status, 200);
    auto dept = b.post("/api/v1/org/nodes", {{"parent_id", node("H002")}, {"kind", "department"}, {"code", "H002-AUD"}, {"name", "审计科"}});
    ASSERT_EQ(dept.status, 201) << dept.body;
    // A user and a grant of its own (the demo's grants lie far back behind its worked cases).
    auto u = b.post("/api/v1/users", {{"username", "aud_head"}, {"display_name", "审计科 科长"}, {"password", "Audit-pass-1"},
                                      {"node_id", dept.js()["id"]}, {"must_change_password", false}});
    ASSERT_EQ(u.status, 201) << u.body;
    auto g = b.post("/api/v1/users/" + u.js()["id"].get<std::string>() + "/grants", {{"role", "dept_head"}, {"node_id", dept.js()["id"]}});
    ASSERT_EQ(g.status, 201) << g.body;
    auto h = srv.client();
    ASSERT_EQ(h.login("hosp1").status, 200);
    ASSERT_EQ(h.post("/api/v1/staff", {{"employee_no", "AUD-1"}, {"name", "审计甲"}, {"category", "doctor"}, {"node_id", node("H001-NK")}}).status, 201);
    ASSERT_EQ(h.patch("/api/v1/org/nodes/" + node("H001-NK"), {{"name", "内科（大内科）"}}).status, 200);
    ASSERT_EQ(h.request("POST", "/api/v1/auth/logout").status, 204);
  }
  std::string verify(int* rc) {
    std::string out;
    *rc = run_manyi({"--db", url_, "audit", "verify"}, &out);
    return out;
  }
  std::string url_;
  std::unique_ptr<store::Db> db_;
};

}  // namespace

TEST_P(Audit, VerifyPassesThenNamesAnEditedRow) {
  {
    ServerProcess srv(url_);
    make_changes(srv);
  }
  int rc = -1;
  std::string out = verify(&rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("intact"), std::string::npos) << out;
  int64_t n = max_seq();
  ASSERT_GT(n, 10);
  // Who, when, from where, what: the staff creation by hosp1.
  auto row = db_->query("SELECT username, ip, entity, node_id, after_digest, at FROM audit_log WHERE action = 'staff.create'");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].str(0), "hosp1");
  EXPECT_EQ(row[0].str(1), "127.0.0.1");
  EXPECT_EQ(row[0].str(2), "staff");
  EXPECT_EQ(std::to_string(row[0].i64(3)), node("H001-NK"));
  EXPECT_EQ(row[0].str(4).size(), 64u);
  EXPECT_GT(row[0].i64(5), 1'700'000'000'000);

  int64_t victim = n - 2;
  db_->write([&](store::Tx& tx) {
    EXPECT_EQ(tx.exec("UPDATE audit_log SET detail = 'nothing happened here' WHERE seq = ?", {victim}), 1);
  });
  out = verify(&rc);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("BROKEN"), std::string::npos) << out;
  EXPECT_NE(out.find("seq " + std::to_string(victim) + ":"), std::string::npos) << out;
  EXPECT_EQ(out.find("seq " + std::to_string(victim - 1) + ":"), std::string::npos) << out;  // its predecessor is fine
}

TEST_P(Audit, EditingWhoOrWhenIsDetectedToo) {
  {
    ServerProcess srv(url_);
    make_changes(srv);
  }
  int rc = -1;
  int64_t a = 5, b = 9, c = max_seq() - 1;
  db_->write([&](store::Tx& tx) {
    tx.exec("UPDATE audit_log SET username = 'someone_else' WHERE seq = ?", {a});
    tx.exec("UPDATE audit_log SET at = at - 86400000 WHERE seq = ?", {b});
    // Rewriting a row's own hash hides nothing: the next row no longer links to it.
    tx.exec("UPDATE audit_log SET hash = '0000000000000000000000000000000000000000000000000000000000000000' WHERE seq = ?", {c});
  });
  std::string out = verify(&rc);
  EXPECT_EQ(rc, 3) << out;
  for (int64_t s : {a, b, c, c + 1}) EXPECT_NE(out.find("seq " + std::to_string(s) + ":"), std::string::npos) << s << "\n" << out;
}

TEST_P(Audit, DeletedRowsAreNamed) {
  {
    ServerProcess srv(url_);
    make_changes(srv);
  }
  int rc = -1;
  int64_t n = max_seq(), mid = n / 2;
  db_->write([&](store::Tx& tx) { EXPECT_EQ(tx.exec("DELETE FROM audit_log WHERE seq = ?", {mid}), 1); });
  std::string out = verify(&rc);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("seq " + std::to_string(mid) + ".." + std::to_string(mid) + ": missing"), std::string::npos) << out;
  // Deleting the newest rows is caught by the chain's head.
  db_->write([&](store::Tx& tx) { tx.exec("DELETE FROM audit_log WHERE seq >= ?", {n - 1}); });
  out = verify(&rc);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("seq " + std::to_string(n - 1) + ".." + std::to_string(n) + ": missing at the end"), std::string::npos)
      << out;
}

TEST_P(Audit, TheChainStaysIntactUnderConcurrentWriters) {
  {
    ServerProcess srv(url_);
    auto base = srv.client();
    ASSERT_EQ(base.login("hosp1").status, 200);
    std::vector<std::thread> ts;
    for (int t = 0; t < 6; ++t)
      ts.emplace_back([&, t] {
        HttpClient c = base;
        for (int i = 0; i < 15; ++i)
          EXPECT_EQ(c.post("/api/v1/staff", {{"employee_no", "CC" + std::to_string(t) + "-" + std::to_string(i)},
                                             {"name", "并发"}, {"category", "nurse"}, {"node_id", node("H001-NK")}})
                        .status,
                    201);
      });
    for (auto& t : ts) t.join();
  }
  int rc = -1;
  std::string out = verify(&rc);
  EXPECT_EQ(rc, 0) << out;
  // No gaps, no forks: seq runs 1..n and every row links to the one before.
  auto n = max_seq();
  EXPECT_EQ(store::scalar_i64(db_->query("SELECT COUNT(*) FROM audit_log")).value_or(0), n);
  EXPECT_EQ(store::scalar_i64(db_->query("SELECT COUNT(*) FROM audit_log a JOIN audit_log b ON b.seq = a.seq + 1 "
                                          "WHERE b.prev_hash <> a.hash")).value_or(-1),
            0);
}

TEST_P(Audit, ApiFiltersByNodeUserAndPeriod) {
  ServerProcess srv(url_);
  make_changes(srv);
  auto b = srv.client();
  ASSERT_EQ(b.login("bureau").status, 200);
  auto all = b.get("/api/v1/audit?limit=500");
  ASSERT_EQ(all.status, 200) << all.body;
  auto items = all.js()["items"];
  ASSERT_GT(items.size(), 10u);
  // Newest first, with who/when/what.
  EXPECT_GT(items[0]["seq"].get<int64_t>(), items[1]["seq"].get<int64_t>());
  std::set<std::string> actions;
  for (auto& i : items) actions.insert(i["action"]);
  for (auto a : {"staff.create", "org.node.create", "org.node.update", "auth.login", "auth.logout", "user.grant"})
    EXPECT_TRUE(actions.count(a)) << a;

  // By node: everything in H001's subtree, nothing else.
  std::string h1path = path(node("H001"));
  auto by_node = b.get("/api/v1/audit?limit=500&node=" + node("H001"));
  ASSERT_EQ(by_node.status, 200);
  auto bn = by_node.js()["items"];
  ASSERT_FALSE(bn.empty());
  for (auto& i : bn) EXPECT_EQ(path(i["node_id"]).rfind(h1path, 0), 0u) << i.dump();
  bool saw_h2 = false;
  for (auto& i : bn) saw_h2 |= i["detail"] == "审计科";
  EXPECT_FALSE(saw_h2);

  // By user, by name or by id.
  auto by_user = b.get("/api/v1/audit?limit=500&user=hosp1");
  ASSERT_EQ(by_user.status, 200);
  auto bu = by_user.js()["items"];
  ASSERT_GE(bu.size(), 4u);  // login, staff, rename, logout
  for (auto& i : bu) EXPECT_EQ(i["username"], "hosp1");
  std::string hosp1_id = bu[0]["user_id"];
  EXPECT_EQ(b.get("/api/v1/audit?limit=500&user=" + hosp1_id).js()["items"].size(), bu.size());
  EXPECT_TRUE(json(b.get("/api/v1/audit?user=nobody").js()["items"]).empty());

  // By period: [from, to) in epoch milliseconds.
  int64_t at = bu[1]["at"];
  auto by_time = b.get("/api/v1/audit?limit=500&from=" + std::to_string(at) + "&to=" + std::to_string(at + 1));
  ASSERT_EQ(by_time.status, 200);
  auto bt = by_time.js()["items"];
  ASSERT_FALSE(bt.empty());
  for (auto& i : bt) EXPECT_EQ(i["at"].get<int64_t>(), at);
  EXPECT_TRUE(json(b.get("/api/v1/audit?from=4102444800000").js()["items"]).empty());  // the future
  EXPECT_EQ(b.get("/api/v1/audit?from=abc").status, 422);

  // Paging with the cursor: no overlaps, no gaps.
  std::set<int64_t> seqs;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    auto p = b.get("/api/v1/audit?limit=37" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(p.status, 200);
    for (auto& i : json(p.js()["items"])) EXPECT_TRUE(seqs.insert(i["seq"].get<int64_t>()).second);
    if (p.js()["next_cursor"].is_null()) break;
    cursor = p.js()["next_cursor"];
  }
  EXPECT_EQ(static_cast<int64_t>(seqs.size()),
            store::scalar_i64(db_->query("SELECT COUNT(*) FROM audit_log a JOIN org_nodes n ON n.id = a.node_id")).value_or(-1));
  EXPECT_EQ(*seqs.rbegin(), items[0]["seq"].get<int64_t>());
}

TEST_P(Audit, AUnitAdminSeesOnlyItsSubtree) {
  ServerProcess srv(url_);
  make_changes(srv);
  auto h = srv.client();
  ASSERT_EQ(h.login("hosp1").status, 200);
  auto r = h.get("/api/v1/audit?limit=500");
  ASSERT_EQ(r.status, 200);
  auto items = r.js()["items"];
  ASSERT_FALSE(items.empty());
  std::string h1path = path(node("H001"));
  bool own = false;
  for (auto& i : items) {
    EXPECT_EQ(path(i["node_id"]).rfind(h1path, 0), 0u) << i.dump();
    EXPECT_NE(i["username"], "hosp2");
    EXPECT_NE(i["detail"], "审计科");
    own |= i["action"] == "staff.create";
  }
  EXPECT_TRUE(own);
  EXPECT_EQ(h.get("/api/v1/audit?node=" + node("H002")).status, 403);
  EXPECT_EQ(h.get("/api/v1/audit?node=" + node("CITY")).status, 403);
  EXPECT_EQ(h.get("/api/v1/audit?node=" + node("H001-NK")).status, 200);
  // Filtering by another unit's user shows nothing of theirs.
  EXPECT_TRUE(json(h.get("/api/v1/audit?user=bureau&limit=500").js()["items"]).empty() ||
              [&] {
                for (auto& i : json(h.get("/api/v1/audit?user=bureau&limit=500").js()["items"]))
                  if (path(i["node_id"]).rfind(h1path, 0) != 0) return false;
                return true;
              }());
  // Roles without audit.read get 403.
  for (auto who : {"dept", "handler", "staff", "inspector"}) {
    auto c = srv.client();
    ASSERT_EQ(c.login(who).status, 200);
    EXPECT_EQ(c.get("/api/v1/audit").status, 403) << who;
  }
}

INSTANTIATE_TEST_SUITE_P(Db, Audit, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
