// The authorization walk: every registered route × every demo role × an in-scope and an
// out-of-scope target, against a real `manyi serve` on each database.
//
// The route table comes from constructing manyi::App (the same registration code the server
// runs), so a route added anywhere is walked without touching this file. What it checks:
//   - every route declares "public", "login" or a permission some role has; public and
//     "login" routes are allow-listed here, so a new one fails until it is reviewed;
//   - without a session every non-public route answers 401;
//   - a role lacking a route's declared permission gets 403;
//   - a unit-scoped role (hosp1, hosp2, dept, handler, staff) never gets 2xx on a route that
//     targets another institution (path params, query node=…, body node_id/parent_id/…), and
//     no 2xx answer it gets ever contains an id or the name of the other institution;
//   - nothing answers 5xx.
// Path params are mapped to entity kinds by name and by the segment before them ({id} after
// "staff" is a staff id, after "users" a user id, after "nodes" a node id); unknown params get
// a row of the table named by the segment when it has a node column, else a random id.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <set>

#include "app/app.hpp"
#include "org/roles.hpp"
#include "support/testing.hpp"
#include "store/subtree.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

struct RouteInfo {
  std::string method, pattern, access;
};

std::vector<RouteInfo> route_table() {
  TempDb tmp("sqlite");
  tmp.open_migrated();
  Config cfg;
  cfg.db_url = tmp.url();
  App app(cfg);
  std::vector<RouteInfo> out;
  for (auto& r : app.router->routes()) out.push_back({r.method, r.pattern, r.access});
  return out;
}

std::set<std::string> all_permissions() {
  std::set<std::string> s;
  for (auto& r : org::roles()) s.insert(r.permissions.begin(), r.permissions.end());
  return s;
}

// Reviewed public routes: no login. A new public route must be added here after review
// (size limit, rate-limit class, what it reveals).
bool reviewed_public(const RouteInfo& r) {
  static const std::set<std::string> exact = {"GET /healthz", "GET /metrics", "POST /api/v1/auth/login",
                                              // public mobile pages: rating (QR), complaint form, case tracking,
                                              // 整改情况公示 (names no one: its items come from the public API)
                                              "GET /f/{code}", "GET /c", "GET /t", "GET /g",
                                              // 整改公示: GET only (public_read), ?unit=<org code>;
                                              // only items marked public, without names, phones
                                              // or source references (integration_rectify_http_test)
                                              "GET /api/v1/public/rectifications"};
  if (exact.count(r.method + " " + r.pattern)) return true;
  return r.pattern.rfind("/api/v1/public/", 0) == 0;
}

// Reviewed "login" routes: any signed-in user, no node scope. They must only touch the
// caller's own things. A new one must be added here after review.
bool reviewed_login(const RouteInfo& r) {
  static const std::set<std::string> exact = {"POST /api/v1/auth/logout", "GET /api/v1/me",
                                              "POST /api/v1/auth/password", "GET /api/v1/roles",
                                              // reference data shared by every unit
                                              "GET /api/v1/cases/categories", "GET /api/v1/calendar",
                                              "GET /api/v1/calendar/deadline",
                                              // marks the caller's own browser as a staff device
                                              "POST /api/v1/devices/mark",
                                              // the home page's to-do counts: each part is counted
                                              // in the caller's own scope of its permission, and
                                              // the staff figures are the caller's own
                                              "GET /api/v1/me/todo",
                                              // 登录设备: the caller's own sessions only (a
                                              // session of another user is 404, tested in
                                              // integration_signin_test)
                                              "GET /api/v1/me/sessions", "DELETE /api/v1/me/sessions/{id}",
                                              "POST /api/v1/me/sessions/end-others",
                                              // stored form responses: the permission is per form
                                              // kind (form.<kind>.submit / .read) and is checked
                                              // on the response's unit in the handler (outside it:
                                              // 403 on submit, 404 on read, filtered lists;
                                              // integration_forms_responses_test)
                                              "POST /api/v1/forms/responses", "GET /api/v1/forms/responses",
                                              "GET /api/v1/forms/responses/{id}",
                                              "POST /api/v1/forms/responses/{id}/photos",
                                              "GET /api/v1/forms/responses/{id}/photos/{pid}",
                                              // an inspection and its photos: visible to its
                                              // inspector, to inspection.read on the plan's owner
                                              // unit, and to the inspected unit once published;
                                              // 404 otherwise (integration_inspect_http_test)
                                              "GET /api/v1/inspections/{id}",
                                              "GET /api/v1/inspections/{id}/photos/{pid}"};
  return exact.count(r.method + " " + r.pattern) > 0;
}

std::vector<std::string> segments(const std::string& p) {
  std::vector<std::string> out;
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    out.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}
bool is_param(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }
bool has_params(const std::string& pattern) {
  for (auto& s : segments(pattern))
    if (is_param(s)) return true;
  return false;
}

// The entities of one institution the walk uses as targets.
struct Side {
  std::string unit_code;  // H001 / H002
  int64_t unit = 0, node = 0, staff = 0, user = 0;
  std::string path;                    // the institution's path
  std::set<std::string> markers;       // quoted ids and the name: must not leak to the other side
};

class Walk : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = demo_db_url(GetParam());
    db_ = store::open(url_);
    side_[0] = load_side("H001", "H001-NK", "dept");
    side_[1] = load_side("H002", "H002-NK", "hosp2");
  }

  Side load_side(const std::string& unit, const std::string& dept, const std::string& username) {
    Side s;
    s.unit_code = unit;
    auto u = db_->query("SELECT id, path, name FROM org_nodes WHERE code = ?", {unit});
    EXPECT_FALSE(u.empty());
    s.unit = u[0].i64(0);
    s.path = u[0].str(1);
    s.markers.insert(u[0].str(2));
    s.node = store::scalar_i64(db_->query("SELECT id FROM org_nodes WHERE code = ?", {dept})).value_or(0);
    s.staff = store::scalar_i64(db_->query("SELECT MIN(id) FROM staff WHERE node_id = ?", {s.node})).value_or(0);
    s.user = store::scalar_i64(db_->query("SELECT id FROM users WHERE username = ?", {username})).value_or(0);
    std::string up = store::subtree_upper(s.path);
    for (auto& r : db_->query("SELECT id FROM org_nodes WHERE path >= ? AND path < ?", {s.path, up}))
      s.markers.insert("\"" + std::to_string(r.i64(0)) + "\"");
    for (auto& r : db_->query(
             "SELECT s.id FROM staff s JOIN org_nodes n ON n.id = s.node_id WHERE n.path >= ? AND n.path < ?",
             {s.path, up}))
      s.markers.insert("\"" + std::to_string(r.i64(0)) + "\"");
    for (auto& r : db_->query(
             "SELECT u.id FROM users u JOIN org_nodes n ON n.id = u.node_id WHERE n.path >= ? AND n.path < ?",
             {s.path, up}))
      s.markers.insert("\"" + std::to_string(r.i64(0)) + "\"");
    EXPECT_TRUE(s.unit && s.node && s.staff && s.user) << unit;
    return s;
  }

  // An id of a row of `table` that belongs to side s, or 0.
  int64_t row_of(const std::string& seg, const Side& s) {
    if (tables_.empty()) {
      auto r = db_->backend() == store::Backend::sqlite
                   ? db_->query("SELECT name FROM sqlite_master WHERE type = 'table'")
                   : db_->query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
      for (auto& row : r) tables_.push_back(row.str(0));
    }
    // "cases" → cases, "points" → collection_points, "tasks" → followup_tasks, …
    std::vector<std::string> candidates;
    std::string singular = seg.size() > 1 && seg.back() == 's' ? seg.substr(0, seg.size() - 1) : seg;
    for (auto& t : tables_) {
      // The walk must not revoke the grants or sessions it walks with.
      if (t == "role_grants" || t == "sessions" || t == "users" || t == "audit_log") continue;
      auto ends = [&](const std::string& x) { return t.size() > x.size() && t.compare(t.size() - x.size() - 1, std::string::npos, "_" + x) == 0; };
      if (t == seg || t == singular) candidates.insert(candidates.begin(), t);
      else if (ends(seg) || ends(singular)) candidates.push_back(t);
    }
    for (std::string table : candidates) {
      if (table.empty() || !std::all_of(table.begin(), table.end(), [](char c) { return std::isalnum(c) || c == '_'; }))
        continue;
      store::Result cols;
      try {
        cols = db_->query("SELECT * FROM " + table + " WHERE 1=0");
      } catch (...) {
        continue;
      }
      for (const char* c : {"node_id", "unit_id", "owner_node_id", "owner_unit_id", "point_id", "org_node_id"}) {
        if (std::find(cols.columns.begin(), cols.columns.end(), c) == cols.columns.end()) continue;
        if (std::find(cols.columns.begin(), cols.columns.end(), "id") == cols.columns.end()) continue;
        auto r = db_->query("SELECT t.id FROM " + table + " t JOIN org_nodes n ON n.id = t." + c +
                                " WHERE n.path >= ? AND n.path < ? ORDER BY t.id LIMIT 1",
                            {s.path, store::subtree_upper(s.path)});
        if (auto id = store::scalar_i64(r)) return *id;
      }
    }
    return 0;
  }

  // The request path for a route pattern with its params substituted for side s.
  std::string fill(const std::string& pattern, const Side& s) {
    auto segs = segments(pattern);
    std::string out;
    std::string prev;
    for (auto& seg : segs) {
      out += "/";
      if (!is_param(seg)) {
        out += seg;
        prev = seg;
        continue;
      }
      std::string name = seg.substr(1, seg.size() - 2);
      int64_t id = 0;
      auto kind = [&](const std::string& n, const std::string& p) -> std::string {
        if (n == "node_id" || n == "parent_id" || n == "unit_id" || n == "node" || n == "unit") return "node";
        if (n == "staff_id" || n == "staff") return "staff";
        if (n == "user_id" || n == "user") return "user";
        if (n == "id") {
          if (p.find("staff") != std::string::npos) return "staff";
          if (p.find("user") != std::string::npos) return "user";
          if (p == "nodes" || p == "org" || p == "units") return "node";
        }
        return "";
      }(name, prev);
      if (kind == "node") id = s.node;
      else if (kind == "staff") id = s.staff;
      else if (kind == "user") id = s.user;
      else if ((id = row_of(prev, s))) resolved_.insert(prev + "/{" + name + "}");
      if (!id) id = 987654321012345LL;  // some id that names nothing
      out += std::to_string(id);
    }
    return out;
  }

  std::string query_for(const Side& s) {
    std::string n = std::to_string(s.node);
    return "node=" + n + "&parent=" + n + "&unit=" + std::to_string(s.unit) + "&node_id=" + n +
           "&staff=" + std::to_string(s.staff) + "&user=" + std::to_string(s.user);
  }
  json body_for(const Side& s) {
    return {{"node_id", std::to_string(s.node)},   {"parent_id", std::to_string(s.unit)},
            {"unit_id", std::to_string(s.unit)},   {"owner_node_id", std::to_string(s.unit)},
            {"point_id", std::to_string(s.node)},  {"staff_id", std::to_string(s.staff)},
            {"user_id", std::to_string(s.user)},   {"target_node_id", std::to_string(s.node)}};
  }

  std::string url_;
  std::unique_ptr<store::Db> db_;
  Side side_[2];
  std::set<std::string> resolved_;
  std::vector<std::string> tables_;  // unknown params that found a real row of the target unit
};

bool is_error_shape(const HttpResponse& r) {
  auto j = r.js();
  return j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("code") &&
         j["error"]["code"].is_string() && j["error"].contains("message") && j["error"]["message"].is_string();
}

}  // namespace

TEST(AuthzRoutes, EveryRouteDeclaresKnownAccess) {
  auto perms = all_permissions();
  auto routes = route_table();
  ASSERT_GT(routes.size(), 15u);
  for (auto& r : routes) {
    SCOPED_TRACE(r.method + " " + r.pattern);
    bool known = r.access == "public" || r.access == "login" || perms.count(r.access);
    EXPECT_TRUE(known) << "access '" << r.access << "' is neither public, login nor a permission of any role "
                       << "(add it to src/org/roles.cpp)";
    if (r.access == "public") {
      EXPECT_TRUE(reviewed_public(r)) << "new public route: review it (body limit, rate-limit class, what it "
                                         "reveals) and add it to reviewed_public() in this test";
    }
    if (r.access == "login") {
      EXPECT_TRUE(reviewed_login(r)) << "new 'login' route (no permission, no node scope): declare a permission "
                                        "or review it and add it to reviewed_login() in this test";
    }
  }
}

TEST(AuthzRoutes, RouteTableHasNoDuplicates) {
  std::set<std::string> seen;
  for (auto& r : route_table()) EXPECT_TRUE(seen.insert(r.method + " " + r.pattern).second) << r.pattern;
}

TEST_P(Walk, UnauthenticatedGets401OnEveryNonPublicRoute) {
  ServerProcess srv(url_);
  auto c = srv.client();
  int checked = 0;
  for (auto& r : route_table()) {
    if (r.access == "public") continue;
    std::string path = fill(r.pattern, side_[0]);
    auto res = c.request(r.method, path + "?" + query_for(side_[0]), r.method == "GET" ? "" : body_for(side_[0]).dump());
    EXPECT_EQ(res.status, 401) << r.method << " " << path << ": " << res.body;
    EXPECT_TRUE(is_error_shape(res)) << r.method << " " << path << ": " << res.body;
    if (res.status == 401) { EXPECT_EQ(res.js()["error"]["code"], "unauthenticated"); }
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

TEST_P(Walk, EveryRoleOnEveryRouteInAndOutOfScope) {
  ServerProcess srv(url_);
  auto routes = route_table();
  // GETs first, then changes; the caller's own logout is walked last.
  std::stable_sort(routes.begin(), routes.end(),
                   [](const RouteInfo& a, const RouteInfo& b) { return (a.method != "GET") < (b.method != "GET"); });

  struct RoleCase {
    std::string user, role;
    int home;  // 0: H001 side, 1: H002 side, -1: the whole city (no out-of-scope)
  };
  const std::vector<RoleCase> roles = {{"bureau", "bureau_admin", -1}, {"inspector", "inspector", -1},
                                       {"hosp1", "unit_admin", 0},     {"hosp2", "unit_admin", 1},
                                       {"dept", "dept_head", 0},       {"handler", "handler", 0},
                                       {"staff", "staff", 0}};
  int requests = 0, denied_out = 0;
  for (auto& rc : roles) {
    SCOPED_TRACE("role " + rc.user);
    auto c = srv.client();
    ASSERT_EQ(c.login(rc.user).status, 200);
    for (auto& r : routes) {
      if (r.access == "public") continue;
      if (r.pattern == "/api/v1/auth/logout") continue;
      for (int variant = 0; variant < 2; ++variant) {  // 0 in scope, 1 out of scope
        int side = rc.home < 0 ? variant : (variant == 0 ? rc.home : 1 - rc.home);
        bool out_of_scope = rc.home >= 0 && variant == 1;
        const Side& s = side_[side];
        std::string path = fill(r.pattern, s) + "?" + query_for(s);
        std::string body = r.method == "GET" ? "" : body_for(s).dump();
        auto res = c.request(r.method, path, body);
        ++requests;
        std::string what = r.method + " " + path + " (" + r.access + ") → " + std::to_string(res.status) + " " +
                           res.body.substr(0, 300);
        EXPECT_LT(res.status, 500) << what;
        EXPECT_NE(res.status, 401) << what;
        if (res.status >= 400) { EXPECT_TRUE(is_error_shape(res)) << what; }
        if (r.access != "login" && !org::role_has(rc.role, r.access)) {
          EXPECT_EQ(res.status, 403) << "role lacks " << r.access << ": " << what;
          if (res.status == 403) { EXPECT_EQ(res.js()["error"]["code"], "forbidden") << what; }
        }
        if (out_of_scope) {
          bool targeted = has_params(r.pattern) || (r.method != "GET" && r.access != "login");
          if (targeted) {
            EXPECT_FALSE(res.status >= 200 && res.status < 300) << "out-of-scope target answered: " << what;
            ++denied_out;
          }
        }
        if (rc.home >= 0 && res.status >= 200 && res.status < 300) {
          for (auto& m : side_[1 - rc.home].markers)
            EXPECT_EQ(res.body.find(m), std::string::npos)
                << rc.user << " saw " << m << " of " << side_[1 - rc.home].unit_code << " in " << what;
        }
      }
    }
    // The session survived the walk; logout ends it.
    EXPECT_EQ(c.get("/api/v1/me").status, 200);
    EXPECT_EQ(c.request("POST", "/api/v1/auth/logout").status, 204);
    EXPECT_EQ(c.get("/api/v1/me").status, 401);
  }
  std::cout << "walked " << routes.size() << " routes: " << requests << " requests, " << denied_out
            << " out-of-scope targets refused; params resolved to real rows: ";
  for (auto& r : resolved_) std::cout << r << " ";
  std::cout << "\n";
  EXPECT_GT(requests, 200);
  EXPECT_GT(denied_out, 20);
}

// A targeted spot check that the walk's generic bodies cannot make: full, valid requests from
// hosp1 against H002's things are refused, and nothing changes.
TEST_P(Walk, Hosp1CannotChangeH002WithValidRequests) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("hosp1").status, 200);
  const Side& h2 = side_[1];
  auto n = std::to_string(h2.node), u = std::to_string(h2.unit);
  auto count = [&](const std::string& sql) { return store::scalar_i64(db_->query(sql)).value_or(-1); };
  int64_t nodes = count("SELECT COUNT(*) FROM org_nodes"), staff = count("SELECT COUNT(*) FROM staff"),
          users = count("SELECT COUNT(*) FROM users"), grants = count("SELECT COUNT(*) FROM role_grants");
  EXPECT_EQ(c.post("/api/v1/org/nodes", {{"parent_id", u}, {"kind", "department"}, {"code", "X-1"}, {"name", "新科室"}}).status, 403);
  EXPECT_EQ(c.patch("/api/v1/org/nodes/" + n, {{"name", "改名"}}).status, 403);
  EXPECT_EQ(c.patch("/api/v1/org/nodes/" + n, {{"active", false}}).status, 403);
  EXPECT_EQ(c.post("/api/v1/org/nodes/" + n + "/move", {{"parent_id", std::to_string(side_[0].unit)}}).status, 403);
  EXPECT_EQ(c.post("/api/v1/org/nodes/" + std::to_string(side_[0].node) + "/move", {{"parent_id", u}}).status, 403);
  EXPECT_EQ(c.post("/api/v1/staff", {{"employee_no", "Z9"}, {"name", "张三"}, {"category", "doctor"}, {"node_id", n}}).status, 403);
  EXPECT_EQ(c.patch("/api/v1/staff/" + std::to_string(h2.staff), {{"name", "李四"}}).status, 403);
  EXPECT_EQ(c.patch("/api/v1/staff/" + std::to_string(side_[0].staff), {{"node_id", n}}).status, 403);
  EXPECT_EQ(c.request("POST", "/api/v1/staff/import", "employee_no,name,category,title,node_code\nZ8,王五,doctor,,H002-NK\n").status, 422);
  // The imports' node parameter and templates stay within the caller's units.
  EXPECT_EQ(c.request("POST", "/api/v1/staff/import?node=" + u, "工号,姓名,类别,科室\nZ7,王五,医师,内科\n").status, 403);
  EXPECT_EQ(c.get("/api/v1/staff/import/template?node=" + u).status, 403);
  EXPECT_EQ(c.request("POST", "/api/v1/followups/import?node=" + u, "姓名,手机号,出院科室,出院日期\n王五,13800001111,内科,2025-01-02\n").status, 403);
  EXPECT_EQ(c.get("/api/v1/followups/import/template?node=" + u).status, 403);
  EXPECT_EQ(c.post("/api/v1/users", {{"username", "x_h2"}, {"display_name", "X"}, {"password", "Abcdefg-123"}, {"node_id", n}}).status, 403);
  EXPECT_EQ(c.patch("/api/v1/users/" + std::to_string(h2.user), {{"active", false}}).status, 403);
  EXPECT_EQ(c.post("/api/v1/users/" + std::to_string(h2.user) + "/password", {{"password", "Abcdefg-123"}}).status, 403);
  EXPECT_EQ(c.post("/api/v1/users/" + std::to_string(h2.user) + "/grants", {{"role", "dept_head"}, {"node_id", std::to_string(side_[0].node)}}).status, 403);
  auto hosp1_id = store::scalar_i64(db_->query("SELECT id FROM users WHERE username = 'hosp1'")).value_or(0);
  EXPECT_EQ(c.post("/api/v1/users/" + std::to_string(hosp1_id) + "/grants", {{"role", "unit_admin"}, {"node_id", u}}).status, 403);
  auto staff_user = store::scalar_i64(db_->query("SELECT id FROM users WHERE username = 'staff'")).value_or(0);
  EXPECT_EQ(c.post("/api/v1/users/" + std::to_string(staff_user) + "/grants", {{"role", "dept_head"}, {"node_id", n}}).status, 403);
  auto g = c.get("/api/v1/staff?node=" + n);
  EXPECT_EQ(g.status, 403);
  EXPECT_EQ(c.get("/api/v1/users?node=" + n).status, 403);
  EXPECT_EQ(c.get("/api/v1/audit?node=" + n).status, 403);
  EXPECT_EQ(c.get("/api/v1/org/nodes?parent=" + u).status, 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM org_nodes"), nodes);
  EXPECT_EQ(count("SELECT COUNT(*) FROM staff"), staff);
  EXPECT_EQ(count("SELECT COUNT(*) FROM users"), users);
  EXPECT_EQ(count("SELECT COUNT(*) FROM role_grants"), grants);
  auto name = db_->query("SELECT name, active FROM org_nodes WHERE id = ?", {h2.node});
  EXPECT_EQ(name[0].str(0), "内科");
  EXPECT_EQ(name[0].i64(1), 1);
}

// The pickers' lookups (指派, 责任人, node search): a unit-scoped role asking about another
// hospital's case gets 404, and a search never returns another hospital's nodes or people.
TEST_P(Walk, PickerLookupsStayInsideTheCallersHospital) {
  ServerProcess srv(url_);
  auto pub = srv.client();
  auto made = pub.post("/api/v1/public/cases", {{"type", "complaint"}, {"unit", "H002"}, {"content", "排队太久"},
                                                {"phone", "13800001111"}});
  ASSERT_EQ(made.status, 201) << made.body;
  auto bureau = srv.client();
  ASSERT_EQ(bureau.login("bureau").status, 200);
  auto found = bureau.get("/api/v1/cases?code=" + made.js()["tracking_code"].get<std::string>());
  ASSERT_EQ(found.js()["items"].size(), 1u) << found.body;
  std::string theirs = found.js()["items"][0]["id"];
  for (const char* user : {"hosp1", "handler", "dept"}) {
    SCOPED_TRACE(user);
    auto c = srv.client();
    ASSERT_EQ(c.login(user).status, 200);
    auto a = c.get("/api/v1/cases/" + theirs + "/assignees");
    EXPECT_TRUE(a.status == 403 || a.status == 404) << a.body;
    auto st = c.get("/api/v1/cases/" + theirs + "/staff");
    EXPECT_TRUE(st.status == 403 || st.status == 404) << st.body;
    for (const char* q : {"%E5%86%85%E7%A7%91", "H002", "%E5%B8%82%E4%B8%AD%E5%8C%BB%E9%99%A2", "H"})  // 内科, 市中医院
      for (const char* perm : {"", "&perm=case.dispatch", "&perm=case.handle", "&perm=org.read"}) {
        auto r = c.get(std::string("/api/v1/org/search?q=") + q + perm);
        ASSERT_EQ(r.status, 200) << r.body;
        for (auto& m : side_[1].markers) EXPECT_EQ(r.body.find(m), std::string::npos) << user << " saw " << m << " searching " << q << perm;
      }
  }
  // The bureau's own search reaches 市中医院 (the check above can fail).
  auto all = bureau.get("/api/v1/org/search?q=H002");
  EXPECT_NE(all.body.find("\"" + std::to_string(side_[1].unit) + "\""), std::string::npos) << all.body;
}

INSTANTIATE_TEST_SUITE_P(Db, Walk, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
