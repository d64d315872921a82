// The home page's to-do (GET /api/v1/me/todo) against a real `manyi serve` on each database:
// for handler, dept, hosp1, hosp2 and bureau every count equals the number of rows of the list
// it links to (all pages) and the inbox badge of the same queue; parts a role may not see are
// null; a staff member sees their own and their department's ratings of the month.
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "metrics/satisfaction.hpp"
#include "store/db.hpp"
#include "support/testing.hpp"
#include "core/period.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class TodoHttp : public DemoServerTest {
 protected:
  // Every row of a cursor-paged list.
  int64_t rows(HttpClient& c, const std::string& path) {
    int64_t n = 0;
    std::string cursor;
    for (int page = 0; page < 200; ++page) {
      auto r = c.get(path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=500" +
                     (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << path << " " << r.body;
      if (r.status != 200) return -1;
      auto j = r.js();
      n += static_cast<int64_t>(j["items"].size());
      if (j["next_cursor"].is_null()) return n;
      cursor = j["next_cursor"];
    }
    return -1;
  }
  int64_t user_id(const std::string& name) {
    return db->query("SELECT id FROM users WHERE username = ?", {name})[0].i64(0);
  }
  static std::string days_ago(int n) {
    int d = period::add_days(period::local_day(now_ms()), -n);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d / 10000, d / 100 % 100, d % 100);
    return buf;
  }
};

TEST_P(TodoHttp, EachCountEqualsTheListItLinksTo) {
  // Work in every queue: six complaints about H001's 内科, some taken by the handler — one still open, one closed (the closed one is no longer the handler's work: the
  // 我的 badge said 1 while its tab listed 2) — warned, overdue, supervised and waiting ones.
  auto reg = as("handler");
  // The demo's own cases already assigned to the handler (its worked cases leave some open).
  int64_t mine0 = reg.get("/api/v1/me/todo").js()["cases"]["mine"].get<int64_t>();
  int64_t hosp2_mine0 = as("hosp2").get("/api/v1/me/todo").js()["cases"]["mine"].get<int64_t>();
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i) {
    auto made = reg.post("/api/v1/cases", {{"type", "complaint"}, {"channel", "hotline"}, {"node_id", node("H001-NK")},
                                           {"content", "候诊时间太长，护士态度不好 " + std::to_string(i)}});
    ASSERT_EQ(made.status, 201) << made.body;
    ids.push_back(std::stoll(std::string(made.js()["id"])));
  }
  int64_t now = now_ms(), day = 86400000, handler = user_id("handler");
  auto set = [&](size_t i, const std::string& assignments, store::Params p) {
    p.push_back(ids[i]);
    db->write([&](store::Tx& tx) { tx.exec("UPDATE cases SET " + assignments + " WHERE id = ?", p); });
  };
  // Registered by the handler, a case is theirs at first: make them nobody's but two.
  for (size_t i = 0; i < ids.size(); ++i) set(i, "assignee_id = NULL", {});
  set(0, "status = 'processing', assignee_id = ?, level = 1, deadline_at = ?", {handler, now + day});
  set(1, "status = 'closed', assignee_id = ?, closed_at = ?", {handler, now});
  set(2, "status = 'processing', level = 2, deadline_at = ?", {now - day});
  set(3, "status = 'waiting', level = 2, deadline_at = ?", {now - day});
  set(4, "level = 3, deadline_at = ?", {now - 2 * day});
  set(5, "level = 1, deadline_at = ?", {now + 2 * day});
  // Follow-up calls: due 3 days ago (still open), today, and in 5 days (not yet due) — on top
  // of the demo's own.
  auto due_today = [&](const std::string& user) {
    return as(user).get("/api/v1/me/todo").js()["followups"]["due_today"].get<int64_t>();
  };
  auto overdue = [&](const std::string& user) {
    return as(user).get("/api/v1/me/todo").js()["followups"]["overdue"].get<int64_t>();
  };
  int64_t handler0 = due_today("handler"), dept0 = due_today("dept"), bureau0 = due_today("bureau"),
          hosp2_0 = due_today("hosp2"), handler_late0 = overdue("handler");
  auto h1 = as("hosp1");
  std::string csv = "name,phone,department,discharge_date\n王大明,13800001111,H001-NK," + days_ago(10) +
                    "\n李小红,13800002222,H001-NK," + days_ago(7) + "\n赵小刚,13800003333,H001-WK," + days_ago(2) +
                    "\n张外院,13800004444,H001-NK," + days_ago(7) + "\n";
  auto imp = h1.request("POST", "/api/v1/followups/import?node=" + node("H001") + "&days=7", csv, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(imp.status, 200) << imp.body;
  ASSERT_EQ(imp.js()["imported"], 4);

  struct Want {
    std::string user;
    bool cases, reviews, followups;
  };
  for (auto& w : std::vector<Want>{{"handler", true, false, true},
                                   {"dept", true, false, true},
                                   {"hosp1", true, true, true},
                                   {"hosp2", true, true, true},
                                   {"bureau", true, true, true}}) {
    SCOPED_TRACE(w.user);
    auto c = as(w.user);
    auto r = c.get("/api/v1/me/todo");
    ASSERT_EQ(r.status, 200) << r.body;
    auto todo = r.js();
    ASSERT_EQ(todo["cases"].is_object(), w.cases) << r.body;
    ASSERT_EQ(todo["reviews"].is_object(), w.reviews) << r.body;
    ASSERT_EQ(todo["followups"].is_object(), w.followups) << r.body;
    EXPECT_TRUE(todo["staff"].is_null()) << r.body;
    // The inbox tabs (CaseInboxView: ?tab=mine → queue=mine, …) and their badges.
    auto badges = c.get("/api/v1/case-reports/counts").js();
    for (auto q : {"mine", "due_soon", "overdue", "supervised"}) {
      int64_t n = todo["cases"][q];
      EXPECT_EQ(rows(c, std::string("/api/v1/cases?queue=") + q), n) << q;
      EXPECT_EQ(badges[q], n) << q;
    }
    if (w.reviews) {
      int64_t n = todo["reviews"]["pending"];
      EXPECT_EQ(rows(c, "/api/v1/ratings/reviews?state=pending"), n);
      EXPECT_EQ(c.get("/api/v1/ratings/reviews/counts").js()["pending"], n);
    }
    if (w.followups) {
      // 今日应访 and 逾期未访 link to ?due=today and ?due=overdue (SatFollowupView).
      int64_t n = todo["followups"]["due_today"], late = todo["followups"]["overdue"];
      EXPECT_EQ(rows(c, "/api/v1/followups/tasks?status=open&due=today"), n);
      EXPECT_EQ(rows(c, "/api/v1/followups/tasks?status=open&due=overdue"), late);
      auto counts = c.get("/api/v1/followups/counts").js();
      EXPECT_EQ(counts["due_today"], n);
      EXPECT_EQ(counts["overdue"], late);
    }
  }
  // The fixture's work, seen by whom it belongs to.
  auto handler_todo = as("handler").get("/api/v1/me/todo").js();
  EXPECT_EQ(handler_todo["cases"]["mine"], mine0 + 1);  // the closed case is done
  EXPECT_GE(handler_todo["cases"]["due_soon"], 2);
  EXPECT_GE(handler_todo["cases"]["overdue"], 2);  // not the waiting one (its clock is paused)
  EXPECT_GE(handler_todo["cases"]["supervised"], 1);
  // 内科: two due today and one overdue, which is not 今日应访 (was: due_today counted all three,
  // overdue ones included); 外科's not yet.
  EXPECT_EQ(handler_todo["followups"]["due_today"], handler0 + 2);
  EXPECT_EQ(handler_todo["followups"]["overdue"], handler_late0 + 1);
  EXPECT_EQ(due_today("dept"), dept0 + 2);
  // Another hospital sees none of H001's work.
  auto h2 = as("hosp2").get("/api/v1/me/todo").js();
  EXPECT_EQ(h2["cases"]["mine"], hosp2_mine0);
  EXPECT_EQ(h2["followups"]["due_today"], hosp2_0);  // none of H001's calls
  auto h2_cases = as("hosp2").get("/api/v1/cases?queue=overdue&limit=500").body;
  for (auto id : ids) EXPECT_EQ(h2_cases.find(std::to_string(id)), std::string::npos);
  auto b = as("bureau").get("/api/v1/me/todo").js();
  EXPECT_GE(b["cases"]["overdue"], handler_todo["cases"]["overdue"]);
  EXPECT_EQ(b["followups"]["due_today"], bureau0 + 2);
  // The queue names are checked.
  auto bad = as("handler").get("/api/v1/cases?queue=everything");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.js()["error"]["field"], "queue");
}

TEST_P(TodoHttp, StaffSeeTheirOwnAndTheirDepartmentsRatings) {
  auto c = as("staff");
  auto r = c.get("/api/v1/me/todo");
  ASSERT_EQ(r.status, 200) << r.body;
  auto todo = r.js();
  EXPECT_TRUE(todo["cases"].is_null());
  EXPECT_TRUE(todo["reviews"].is_null());
  EXPECT_TRUE(todo["followups"].is_null());
  ASSERT_TRUE(todo["staff"].is_object()) << r.body;
  EXPECT_FALSE(std::string(todo["staff"]["name"]).empty());
  EXPECT_EQ(todo["staff"]["node_name"], "内科");
  EXPECT_EQ(todo["staff"]["own"]["n"], 0);  // the demo has no personal points
  ASSERT_TRUE(todo["staff"]["department"].is_object());
  int day = period::local_day(now_ms());
  // The department's valid ratings of the month, as the raw table has them.
  auto want = db->query(
      "SELECT COUNT(*) FROM ratings r JOIN org_nodes n ON n.id = r.node_id JOIN org_nodes d ON d.code = 'H001-NK' "
      "WHERE r.status = 'valid' AND r.day >= ? AND (n.path = d.path OR n.path LIKE d.path || '%')",
      {int64_t{day / 100 * 100 + 1}});
  EXPECT_EQ(todo["staff"]["department"]["n"], want[0].i64(0));
  // A rating of the staff member's own point counts for them.
  auto staff_id = db->query("SELECT staff_id FROM users WHERE username = 'staff'")[0].i64(0);
  auto pt = db->query(
      "SELECT p.code FROM collection_points p JOIN org_nodes n ON n.id = p.node_id WHERE n.code = 'H001-NK' LIMIT 1");
  ASSERT_FALSE(pt.empty());
  db->write([&](store::Tx& tx) { tx.exec("UPDATE collection_points SET staff_id = ? WHERE code = ?", {staff_id, pt[0].str(0)}); });
  start({"--public-rate", "100", "--public-burst", "500"});  // a fresh point cache
  auto pub = server->client();
  auto made = pub.post("/api/v1/public/ratings",
                       {{"point", pt[0].str(0)}, {"overall", 5}, {"device", "dev-todo-staff-1"}, {"elapsed_ms", 15000}});
  ASSERT_EQ(made.status, 201) << made.body;
  auto after = as("staff").get("/api/v1/me/todo").js();
  EXPECT_EQ(after["staff"]["own"]["n"], 1) << after.dump();
  EXPECT_EQ(after["staff"]["own"]["satisfied"], 1);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Db, TodoHttp, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
