// The foundation API through a real `manyi serve` on the demo organisation, on SQLite and on
// PostgreSQL: sign-in, sessions and CSRF, throttling, the org tree, staff import, users and
// grants, and the first-sign-in password change.
#include <gtest/gtest.h>

#include <set>

#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

bool error_shape(const HttpResponse& r, const std::string& code) {
  auto j = r.js();
  return j.is_object() && j.contains("error") && j["error"].value("code", "") == code &&
         j["error"].contains("message") && j["error"]["message"].is_string() && !j["error"]["message"].get<std::string>().empty();
}

class Api : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = demo_db_url(GetParam());
    db_ = store::open(url_);
  }
  int64_t count(const std::string& sql, const store::Params& p = {}) {
    return store::scalar_i64(db_->query(sql, p)).value_or(-1);
  }
  std::string node(const std::string& code) {
    return std::to_string(count("SELECT id FROM org_nodes WHERE code = ?", {code}));
  }
  std::string user_id(const std::string& name) {
    return std::to_string(count("SELECT id FROM users WHERE username = ?", {name}));
  }
  std::string url_;
  std::unique_ptr<store::Db> db_;
};

}  // namespace

TEST_P(Api, LoginSetsAStrictHttpOnlyCookieAndReturnsCsrfAndUser) {
  ServerProcess srv(url_);
  auto c = srv.client();
  auto r = c.login("bureau");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.js();
  EXPECT_TRUE(j["csrf_token"].is_string());
  EXPECT_GE(j["csrf_token"].get<std::string>().size(), 20u);
  EXPECT_EQ(j["user"]["username"], "bureau");
  EXPECT_EQ(j["user"]["grants"][0]["role"], "bureau_admin");
  EXPECT_EQ(j["user"]["grants"][0]["node_name"], "市卫生健康局");
  EXPECT_TRUE(j["user"]["permissions"].is_array());
  std::string cookie = r.headers["set-cookie"];
  EXPECT_EQ(cookie.rfind("manyi_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(r.headers["cache-control"], "no-store");
  // The token is stored hashed only.
  EXPECT_EQ(count("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", {c.cookie}), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'bureau'"), 1);

  auto me = c.get("/api/v1/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.js()["user"]["username"], "bureau");
  EXPECT_EQ(me.js()["csrf_token"], c.csrf);
}

TEST_P(Api, WrongPasswordAndUnknownUserGetTheSame401) {
  ServerProcess srv(url_);
  auto c = srv.client();
  auto bad = c.login("bureau", "Wrong-pass-1");
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(error_shape(bad, "invalid_credentials")) << bad.body;
  EXPECT_EQ(bad.headers.count("set-cookie"), 0u);
  auto nobody = c.login("nobody-here", "Wrong-pass-1");
  EXPECT_EQ(nobody.status, 401);
  EXPECT_EQ(nobody.js()["error"]["message"], bad.js()["error"]["message"]);  // no user enumeration
  auto empty = c.post("/api/v1/auth/login", {{"username", "bureau"}});
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(empty.js()["error"]["field"], "password");
  EXPECT_EQ(c.get("/api/v1/me").status, 401);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed'"), 1);
}

TEST_P(Api, StateChangesNeedTheCsrfHeader) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("bureau").status, 200);
  int64_t before = count("SELECT COUNT(*) FROM org_nodes");
  json body = {{"parent_id", node("H001")}, {"kind", "department"}, {"code", "H001-CSRF"}, {"name", "测试科"}};
  c.send_csrf = false;
  auto r = c.post("/api/v1/org/nodes", body);
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(error_shape(r, "csrf_failed")) << r.body;
  c.send_csrf = true;
  std::string real = c.csrf;
  c.csrf = "not-the-token";
  EXPECT_TRUE(error_shape(c.post("/api/v1/org/nodes", body), "csrf_failed"));
  // Another session's token does not work either.
  auto other = srv.client();
  ASSERT_EQ(other.login("bureau").status, 200);
  c.csrf = other.csrf;
  EXPECT_EQ(c.post("/api/v1/org/nodes", body).status, 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM org_nodes"), before);
  // Reads need no token; the right one works.
  c.send_csrf = false;
  EXPECT_EQ(c.get("/api/v1/org/nodes").status, 200);
  c.send_csrf = true;
  c.csrf = real;
  EXPECT_EQ(c.post("/api/v1/org/nodes", body).status, 201);
  EXPECT_EQ(count("SELECT COUNT(*) FROM org_nodes"), before + 1);
}

TEST_P(Api, LogoutEndsTheSession) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("hosp1").status, 200);
  std::string token = c.cookie;
  auto other = srv.client();  // a second session of the same user survives
  ASSERT_EQ(other.login("hosp1").status, 200);
  c.send_csrf = false;
  EXPECT_EQ(c.request("POST", "/api/v1/auth/logout").status, 403);  // logout is a state change too
  c.send_csrf = true;
  auto out = c.request("POST", "/api/v1/auth/logout");
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos) << out.headers["set-cookie"];
  c.cookie = token;  // replaying the old cookie
  auto me = c.get("/api/v1/me");
  EXPECT_EQ(me.status, 401);
  EXPECT_TRUE(error_shape(me, "unauthenticated"));
  EXPECT_EQ(other.get("/api/v1/me").status, 200);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.logout'"), 1);
}

TEST_P(Api, AccountLocksAfterFiveFailures) {
  ServerProcess srv(url_);
  auto c = srv.client();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.login("hosp2", "Wrong-pass-1").status, 401) << i;
  auto locked = c.login("hosp2");  // right password, but locked now
  EXPECT_EQ(locked.status, 429);
  EXPECT_TRUE(error_shape(locked, "too_many_attempts")) << locked.body;
  EXPECT_FALSE(locked.headers["retry-after"].empty());
  EXPECT_LE(std::stoi("0" + locked.headers["retry-after"]), 30);
  EXPECT_GT(count("SELECT until_ms FROM login_failures WHERE name = 'hosp2'"), 0);
  // Other accounts are not affected.
  EXPECT_EQ(srv.client().login("hosp1").status, 200);
  // A success before the limit resets the count.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.login("dept", "Wrong-pass-1").status, 401);
  EXPECT_EQ(c.login("dept").status, 200);
  EXPECT_EQ(count("SELECT COUNT(*) FROM login_failures WHERE username = 'dept'"), 0);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.login("dept", "Wrong-pass-1").status, 401);
  EXPECT_EQ(c.login("dept").status, 200);
}

// Failed sign-ins are limited per address; successes cost nothing (the old rule charged every
// attempt, so this test used to expect the fourth attempt after one success to be refused).
TEST_P(Api, SignInsAreLimitedPerAddress) {
  ServerProcess srv(url_, {"--login-rate", "0.01", "--login-burst", "3"});
  auto c = srv.client();
  EXPECT_EQ(c.login("bureau", "Wrong-pass-1").status, 401);
  EXPECT_EQ(c.login("hosp2").status, 200);
  EXPECT_EQ(c.login("hosp2").status, 200);
  EXPECT_EQ(c.login("hosp1", "Wrong-pass-1").status, 401);
  EXPECT_EQ(c.login("nobody-here", "Wrong-pass-1").status, 401);
  auto r = c.login("bureau");
  EXPECT_EQ(r.status, 429);
  EXPECT_TRUE(error_shape(r, "too_many_attempts")) << r.body;
  EXPECT_FALSE(r.headers["retry-after"].empty());
  // The per-address limit is not an account lock.
  EXPECT_EQ(count("SELECT COUNT(*) FROM login_failures WHERE name = 'bureau' AND until_ms > 0"), 0);
}

TEST_P(Api, OrgTreeCreateRenameMoveDeactivate) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("bureau").status, 200);
  std::string h1 = node("H001"), h2 = node("H002");
  auto r = c.post("/api/v1/org/nodes", {{"parent_id", h1}, {"kind", "department"}, {"code", "H001-TST"}, {"name", "测试科"}});
  ASSERT_EQ(r.status, 201) << r.body;
  std::string dept = r.js()["id"];
  EXPECT_EQ(r.js()["parent_id"], h1);
  EXPECT_EQ(r.js()["depth"], count("SELECT depth FROM org_nodes WHERE code = 'H001'") + 1);
  auto p = c.post("/api/v1/org/nodes", {{"parent_id", dept}, {"kind", "point"}, {"code", "H001-TST-1"}, {"name", "测试窗口"}});
  ASSERT_EQ(p.status, 201) << p.body;
  std::string point = p.js()["id"];

  auto dup = c.post("/api/v1/org/nodes", {{"parent_id", h1}, {"kind", "department"}, {"code", "H001-TST"}, {"name", "重复"}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_TRUE(error_shape(dup, "duplicate_code"));
  EXPECT_EQ(dup.js()["error"]["field"], "code");
  auto rank = c.post("/api/v1/org/nodes", {{"parent_id", dept}, {"kind", "institution"}, {"code", "BAD-1"}, {"name", "倒挂"}});
  EXPECT_EQ(rank.status, 422);
  EXPECT_EQ(rank.js()["error"]["field"], "kind");

  auto detail = c.get("/api/v1/org/nodes/" + point);
  ASSERT_EQ(detail.status, 200);
  auto path = detail.js()["path"];
  ASSERT_GE(path.size(), 3u);
  EXPECT_EQ(path[path.size() - 2]["id"], dept);
  EXPECT_EQ(path[path.size() - 3]["name"], "市第一人民医院");
  auto kids = c.get("/api/v1/org/nodes?parent=" + dept);
  ASSERT_EQ(kids.status, 200);
  ASSERT_EQ(kids.js()["items"].size(), 1u);
  EXPECT_EQ(kids.js()["items"][0]["code"], "H001-TST-1");
  auto found = c.get("/api/v1/org/search?q=%E6%B5%8B%E8%AF%95");  // 测试
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(found.js()["items"].size(), 2u);

  auto ren = c.patch("/api/v1/org/nodes/" + dept, {{"name", "测试医学科"}, {"code", "H001-TST2"}});
  ASSERT_EQ(ren.status, 200) << ren.body;
  EXPECT_EQ(ren.js()["name"], "测试医学科");
  EXPECT_EQ(ren.js()["code"], "H001-TST2");

  // Not under its own subtree; not a department under a point.
  auto self = c.post("/api/v1/org/nodes/" + dept + "/move", {{"parent_id", point}});
  EXPECT_EQ(self.status, 422);
  EXPECT_EQ(self.js()["error"]["field"], "parent_id");
  EXPECT_EQ(c.post("/api/v1/org/nodes/" + dept + "/move", {{"parent_id", dept}}).status, 422);
  EXPECT_EQ(c.post("/api/v1/org/nodes/" + h1 + "/move", {{"parent_id", dept}}).status, 422);
  EXPECT_EQ(c.post("/api/v1/org/nodes/" + node("CITY") + "/move", {{"parent_id", h1}}).status, 422);

  // A staff member in the department follows it to H002.
  auto s = c.post("/api/v1/staff", {{"employee_no", "TST-1"}, {"name", "移动测试"}, {"category", "doctor"}, {"node_id", point}});
  ASSERT_EQ(s.status, 201) << s.body;
  auto mv = c.post("/api/v1/org/nodes/" + dept + "/move", {{"parent_id", h2}});
  ASSERT_EQ(mv.status, 200) << mv.body;
  EXPECT_EQ(mv.js()["parent_id"], h2);
  auto h2_path = db_->query("SELECT path FROM org_nodes WHERE code = 'H002'")[0].str(0);
  auto moved = db_->query("SELECT path, depth FROM org_nodes WHERE id = ?", {std::stoll(point)});
  EXPECT_EQ(moved[0].str(0), h2_path + dept + "/" + point + "/");
  EXPECT_EQ(moved[0].i64(1), count("SELECT depth FROM org_nodes WHERE code = 'H002'") + 2);
  EXPECT_EQ(count("SELECT unit_id FROM staff WHERE employee_no = 'TST-1'"), std::stoll(h2));
  // hosp1 lost it, hosp2 sees it.
  auto hosp1 = srv.client();
  ASSERT_EQ(hosp1.login("hosp1").status, 200);
  EXPECT_EQ(hosp1.get("/api/v1/org/nodes/" + point).status, 403);
  auto hosp2 = srv.client();
  ASSERT_EQ(hosp2.login("hosp2").status, 200);
  EXPECT_EQ(hosp2.get("/api/v1/org/nodes/" + point).status, 200);

  // Deactivation: children first; nothing under a deactivated node; never deleted.
  auto busy = c.patch("/api/v1/org/nodes/" + dept, {{"active", false}});
  EXPECT_EQ(busy.status, 409);
  EXPECT_TRUE(error_shape(busy, "has_active_children"));
  EXPECT_EQ(c.patch("/api/v1/org/nodes/" + point, {{"active", false}}).status, 200);
  auto off = c.patch("/api/v1/org/nodes/" + dept, {{"active", false}});
  ASSERT_EQ(off.status, 200);
  EXPECT_EQ(off.js()["active"], false);
  auto under = c.post("/api/v1/org/nodes", {{"parent_id", dept}, {"kind", "point"}, {"code", "H001-TST-2"}, {"name", "窗口"}});
  EXPECT_EQ(under.status, 422);
  EXPECT_EQ(c.patch("/api/v1/org/nodes/" + point, {{"active", true}}).status, 409);  // parent first
  EXPECT_EQ(c.patch("/api/v1/org/nodes/" + node("CITY"), {{"active", false}}).status, 422);
  EXPECT_EQ(count("SELECT COUNT(*) FROM org_nodes WHERE id = ?", {std::stoll(dept)}), 1);
  for (auto a : {"org.node.create", "org.node.update", "org.node.move", "org.node.deactivate"})
    EXPECT_GE(count("SELECT COUNT(*) FROM audit_log WHERE action = ? AND username = 'bureau'", {std::string(a)}), 1) << a;
}

TEST_P(Api, UnitAdminManagesOnlyItsOwnSubtree) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("hosp1").status, 200);
  auto roots = c.get("/api/v1/org/nodes");
  ASSERT_EQ(roots.status, 200);
  ASSERT_EQ(roots.js()["items"].size(), 1u);
  EXPECT_EQ(roots.js()["items"][0]["code"], "H001");
  auto r = c.post("/api/v1/org/nodes", {{"parent_id", node("H001")}, {"kind", "department"}, {"code", "H001-NEW"}, {"name", "新科室"}});
  EXPECT_EQ(r.status, 201) << r.body;
  // Renaming its own institution is fine; switching it off is decided one level up.
  EXPECT_EQ(c.patch("/api/v1/org/nodes/" + node("H001"), {{"name", "市第一人民医院"}}).status, 200);
  EXPECT_EQ(c.patch("/api/v1/org/nodes/" + node("H001"), {{"active", false}}).status, 403);
  // Moving a department out to another institution needs rights there.
  EXPECT_EQ(c.post("/api/v1/org/nodes/" + node("H001-NEW") + "/move", {{"parent_id", node("H002")}}).status, 403);
  auto found = c.get("/api/v1/org/search?q=H00");
  ASSERT_EQ(found.status, 200);
  for (auto& n : json(found.js()["items"])) EXPECT_EQ(n["code"].get<std::string>().rfind("H001", 0), 0u) << n.dump();
  auto staff = c.get("/api/v1/staff?limit=500");
  ASSERT_EQ(staff.status, 200);
  for (auto& s : json(staff.js()["items"])) EXPECT_EQ(s["employee_no"].get<std::string>().rfind("H001", 0), 0u);
}

TEST_P(Api, StaffListPagesWithACursorInScope) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("hosp1").status, 200);
  std::string path = db_->query("SELECT path FROM org_nodes WHERE code = 'H001'")[0].str(0);
  std::string upper = path;
  upper.back() = '0';
  int64_t expected = count(
      "SELECT COUNT(*) FROM staff s JOIN org_nodes n ON n.id = s.node_id WHERE n.path >= ? AND n.path < ?",
      {path, upper});
  ASSERT_GT(expected, 100);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto r = c.get("/api/v1/staff?limit=70" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    for (auto& s : json(r.js()["items"])) EXPECT_TRUE(seen.insert(s["id"].get<std::string>()).second);
    ++pages;
    if (r.js()["next_cursor"].is_null()) break;
    cursor = r.js()["next_cursor"];
    ASSERT_LT(pages, 100);
  }
  EXPECT_EQ(static_cast<int64_t>(seen.size()), expected);
  auto nk = c.get("/api/v1/staff?node=" + node("H001-NK") + "&category=nurse&limit=500");
  ASSERT_EQ(nk.status, 200);
  EXPECT_EQ(static_cast<int64_t>(nk.js()["items"].size()),
            count("SELECT COUNT(*) FROM staff WHERE node_id = ? AND category = 'nurse'", {std::stoll(node("H001-NK"))}));
  EXPECT_EQ(c.get("/api/v1/staff?limit=501").status, 422);
  EXPECT_EQ(c.get("/api/v1/staff?limit=0").status, 422);
  EXPECT_EQ(c.get("/api/v1/staff?cursor=abc").status, 422);
  EXPECT_EQ(c.get("/api/v1/staff?node=abc").status, 422);
}

TEST_P(Api, StaffCreateUpdateAndDuplicates) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("hosp1").status, 200);
  auto r = c.post("/api/v1/staff", {{"employee_no", "N-1"}, {"name", "新员工"}, {"category", "nurse"}, {"title", "护师"}, {"node_id", node("H001-NK")}});
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = r.js()["id"];
  EXPECT_EQ(r.js()["node_name"], "内科");
  auto dup = c.post("/api/v1/staff", {{"employee_no", "N-1"}, {"name", "重复"}, {"category", "nurse"}, {"node_id", node("H001-WK")}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.js()["error"]["field"], "employee_no");
  auto up = c.patch("/api/v1/staff/" + id, {{"title", "主管护师"}, {"node_id", node("H001-WK")}, {"active", false}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.js()["title"], "主管护师");
  EXPECT_EQ(up.js()["node_name"], "外科");
  EXPECT_EQ(up.js()["active"], false);
  EXPECT_EQ(c.patch("/api/v1/staff/" + id, {{"category", "surgeon"}}).js()["error"]["field"], "category");
  EXPECT_EQ(c.get("/api/v1/staff/" + id).js()["title"], "主管护师");
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.update' AND entity_id = ?", {std::stoll(id)}), 1);
}

TEST_P(Api, StaffImportRejectsAllOnABadRowOrKeepsTheValidOnes) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("hosp1").status, 200);
  std::string csv =
      "\xEF\xBB\xBF"
      "employee_no,name,category,title,node_code\r\n"
      "IMP-1,导入甲,doctor,主治医师,H001-NK\r\n"
      "IMP-2,导入乙,surgeon,,H001-NK\r\n"
      "IMP-3,\"王, 五\",nurse,护师,H001-WK\r\n"
      "IMP-4,导入丁,nurse,,H002-NK\r\n"
      "IMP-1,导入戊,nurse,,H001-NK\r\n";
  int64_t before = count("SELECT COUNT(*) FROM staff");
  auto r = c.request("POST", "/api/v1/staff/import", csv, {{"Content-Type", "text/csv"}});
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_TRUE(error_shape(r, "import_rejected")) << r.body;
  auto errors = r.js()["errors"];
  ASSERT_EQ(errors.size(), 3u) << r.body;
  EXPECT_EQ(errors[0]["row"], 3);
  EXPECT_EQ(errors[0]["field"], "category");
  EXPECT_EQ(errors[1]["row"], 5);
  EXPECT_EQ(errors[1]["field"], "node_code");  // H002 is not in hosp1's scope
  EXPECT_EQ(errors[2]["row"], 6);
  EXPECT_EQ(errors[2]["field"], "employee_no");
  EXPECT_EQ(r.js()["imported"], 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM staff"), before);

  auto ok = c.request("POST", "/api/v1/staff/import?mode=valid_rows", csv, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.js()["imported"], 2);
  EXPECT_EQ(ok.js()["errors"].size(), 3u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM staff"), before + 2);
  auto names = db_->query("SELECT name FROM staff WHERE employee_no = 'IMP-3'");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0].str(0), "王, 五");
  // Importing again: every row is now a duplicate.
  auto again = c.request("POST", "/api/v1/staff/import?mode=valid_rows", csv, {{"Content-Type", "text/csv"}});
  EXPECT_EQ(again.js()["imported"], 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM staff"), before + 2);
  EXPECT_EQ(c.request("POST", "/api/v1/staff/import?mode=some", csv).status, 422);
  auto header = c.request("POST", "/api/v1/staff/import", "name,employee_no\nx,y\n");
  EXPECT_EQ(header.status, 422);
  EXPECT_EQ(header.js()["error"]["code"], "missing_column");  // names the missing column
  EXPECT_EQ(header.js()["error"]["field"], "category");
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.import' AND username = 'hosp1'"), 1);
}

TEST_P(Api, UsersAndGrantsWithinTheUnit) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("hosp1").status, 200);
  auto weak = c.post("/api/v1/users", {{"username", "nk_head"}, {"display_name", "内科 护士长"}, {"password", "password"}, {"node_id", node("H001-NK")}});
  EXPECT_EQ(weak.status, 422);
  EXPECT_EQ(weak.js()["error"]["field"], "password");
  auto r = c.post("/api/v1/users", {{"username", "nk_head"}, {"display_name", "内科 护士长"}, {"password", "Nurse-pass-1"},
                                    {"node_id", node("H001-NK")}, {"must_change_password", false}});
  ASSERT_EQ(r.status, 201) << r.body;
  std::string uid = r.js()["id"];
  EXPECT_EQ(c.post("/api/v1/users", {{"username", "nk_head"}, {"display_name", "x"}, {"password", "Nurse-pass-1"}, {"node_id", node("H001-NK")}}).status, 409);
  auto g = c.post("/api/v1/users/" + uid + "/grants", {{"role", "dept_head"}, {"node_id", node("H001-NK")}});
  ASSERT_EQ(g.status, 201) << g.body;
  std::string gid = g.js()["id"];
  EXPECT_EQ(c.post("/api/v1/users/" + uid + "/grants", {{"role", "dept_head"}, {"node_id", node("H001-NK")}}).status, 409);
  EXPECT_EQ(c.post("/api/v1/users/" + uid + "/grants", {{"role", "staff"}, {"node_id", node("H001-NK")}}).status, 201);
  EXPECT_EQ(c.post("/api/v1/users/" + uid + "/grants", {{"role", "handler"}, {"node_id", node("H001")}}).status, 201);
  // A unit admin cannot hand out bureau rights, nor anything above or beside its unit.
  auto boss = c.post("/api/v1/users/" + uid + "/grants", {{"role", "bureau_admin"}, {"node_id", node("H001")}});
  EXPECT_EQ(boss.status, 403);
  EXPECT_TRUE(error_shape(boss, "forbidden"));
  EXPECT_EQ(c.post("/api/v1/users/" + uid + "/grants", {{"role", "unit_admin"}, {"node_id", node("CITY")}}).status, 403);
  EXPECT_EQ(c.post("/api/v1/users/" + uid + "/grants", {{"role", "inspector"}, {"node_id", node("H001")}}).status, 201);
  EXPECT_EQ(c.post("/api/v1/users/" + uid + "/grants", {{"role", "dept_head"}, {"node_id", node("H002-NK")}}).status, 403);
  EXPECT_EQ(c.post("/api/v1/users/" + uid + "/grants", {{"role", "root"}, {"node_id", node("H001")}}).status, 422);

  auto u = srv.client();
  auto login = u.login("nk_head", "Nurse-pass-1");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.js()["user"]["grants"].size(), 4u);
  EXPECT_EQ(u.get("/api/v1/staff?node=" + node("H001-NK")).status, 200);

  auto list = c.get("/api/v1/users?limit=500");
  ASSERT_EQ(list.status, 200);
  std::set<std::string> names;
  for (auto& x : json(list.js()["items"])) names.insert(x["username"]);
  EXPECT_TRUE(names.count("nk_head"));
  EXPECT_TRUE(names.count("hosp1"));
  EXPECT_FALSE(names.count("hosp2"));
  EXPECT_FALSE(names.count("bureau"));
  EXPECT_EQ(c.get("/api/v1/users/" + user_id("hosp2")).status, 403);

  EXPECT_EQ(c.del("/api/v1/users/" + uid + "/grants/" + gid).status, 204);
  EXPECT_EQ(c.del("/api/v1/users/" + uid + "/grants/" + gid).status, 404);
  EXPECT_EQ(count("SELECT COUNT(*) FROM role_grants WHERE user_id = ?", {std::stoll(uid)}), 3);
  // Deactivation signs the user out at once.
  EXPECT_EQ(c.patch("/api/v1/users/" + uid, {{"active", false}}).status, 200);
  EXPECT_EQ(u.get("/api/v1/me").status, 401);
  EXPECT_EQ(u.login("nk_head", "Nurse-pass-1").status, 401);
  EXPECT_EQ(c.patch("/api/v1/users/" + user_id("hosp1"), {{"active", false}}).status, 422);  // not yourself
  for (auto a : {"user.create", "user.grant", "user.revoke", "user.deactivate"})
    EXPECT_GE(count("SELECT COUNT(*) FROM audit_log WHERE action = ? AND username = 'hosp1'", {std::string(a)}), 1) << a;
}

// A bureau admin whose home node lies inside H001 is still out of hosp1's reach: resetting
// its password or switching it off would hand hosp1 the bureau's rights.
TEST_P(Api, UnitAdminCannotTakeOverAMorePowerfulAccount) {
  ServerProcess srv(url_);
  auto b = srv.client();
  ASSERT_EQ(b.login("bureau").status, 200);
  auto r = b.post("/api/v1/users", {{"username", "boss"}, {"display_name", "驻院督导"}, {"password", "Strong-pw-17"},
                                    {"node_id", node("H001")}, {"must_change_password", false}});
  ASSERT_EQ(r.status, 201) << r.body;
  std::string boss = r.js()["id"];
  ASSERT_EQ(b.post("/api/v1/users/" + boss + "/grants", {{"role", "bureau_admin"}, {"node_id", node("CITY")}}).status, 201);
  auto c = srv.client();
  ASSERT_EQ(c.login("hosp1").status, 200);
  EXPECT_EQ(c.get("/api/v1/users/" + boss).status, 200);  // it is a user of the unit
  EXPECT_EQ(c.post("/api/v1/users/" + boss + "/password", {{"password", "Taken-over-1"}}).status, 403);
  EXPECT_EQ(c.patch("/api/v1/users/" + boss, {{"active", false}}).status, 403);
  auto grants = c.get("/api/v1/users/" + boss).js()["grants"];
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(c.del("/api/v1/users/" + boss + "/grants/" + grants[0]["id"].get<std::string>()).status, 403);
  EXPECT_EQ(srv.client().login("boss", "Strong-pw-17").status, 200);
  // The bureau can.
  EXPECT_EQ(b.post("/api/v1/users/" + boss + "/password", {{"password", "Reset-pass-2"}}).status, 204);
  auto after = srv.client().login("boss", "Reset-pass-2");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.js()["user"]["must_change_password"], true);  // an admin reset forces a change
}

TEST_P(Api, MustChangePasswordAllowsOnlyMePasswordAndLogout) {
  ServerProcess srv(url_);
  std::string out;
  ASSERT_EQ(run_manyi({"--db", url_, "user", "add", "--username", "newbie", "--display-name", "新用户", "--password",
                       "Start-pass-9", "--node", "H001-NK", "--role", "dept_head", "--must-change"},
                      &out),
            0)
      << out;
  auto c = srv.client();
  auto r = c.login("newbie", "Start-pass-9");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["user"]["must_change_password"], true);
  EXPECT_EQ(c.get("/api/v1/me").status, 200);
  for (auto path : {"/api/v1/org/nodes", "/api/v1/staff", "/api/v1/roles"}) {
    auto x = c.get(path);
    EXPECT_EQ(x.status, 403) << path;
    EXPECT_TRUE(error_shape(x, "password_change_required")) << path << x.body;
  }
  auto same = c.post("/api/v1/auth/password", {{"old_password", "Start-pass-9"}, {"new_password", "Start-pass-9"}});
  EXPECT_EQ(same.status, 422);
  EXPECT_EQ(same.js()["error"]["field"], "new_password");
  auto wrong = c.post("/api/v1/auth/password", {{"old_password", "Nope-pass-9"}, {"new_password", "Better-pass-10"}});
  EXPECT_EQ(wrong.status, 422);
  EXPECT_EQ(wrong.js()["error"]["field"], "old_password");
  auto weak = c.post("/api/v1/auth/password", {{"old_password", "Start-pass-9"}, {"new_password", "newbie-Pass-1"}});
  EXPECT_EQ(weak.status, 422);  // contains the username
  EXPECT_EQ(c.post("/api/v1/auth/password", {{"old_password", "Start-pass-9"}, {"new_password", "Better-pass-10"}}).status, 204);
  EXPECT_EQ(c.get("/api/v1/org/nodes").status, 200);
  EXPECT_EQ(c.get("/api/v1/me").js()["user"]["must_change_password"], false);
  EXPECT_EQ(srv.client().login("newbie", "Start-pass-9").status, 401);
  EXPECT_EQ(srv.client().login("newbie", "Better-pass-10").status, 200);
  // Until changed, signing out works too.
  ASSERT_EQ(run_manyi({"--db", url_, "user", "passwd", "--username", "newbie", "--password", "Temp-pass-11", "--must-change"}, &out), 0) << out;
  auto d = srv.client();
  ASSERT_EQ(d.login("newbie", "Temp-pass-11").status, 200);
  EXPECT_EQ(d.get("/api/v1/staff").status, 403);
  EXPECT_EQ(d.request("POST", "/api/v1/auth/logout").status, 204);
}

TEST_P(Api, RolesListsEveryRoleWithChineseNames) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("staff").status, 200);
  auto r = c.get("/api/v1/roles");
  ASSERT_EQ(r.status, 200);
  std::map<std::string, std::string> names;
  for (auto& x : json(r.js()["items"])) names[x["code"]] = x["name_zh"];
  EXPECT_EQ(names["bureau_admin"], "卫健局管理员");
  EXPECT_EQ(names["unit_admin"], "单位管理员");
  EXPECT_GE(names.size(), 6u);
  // The staff role reads nothing of the org.
  EXPECT_EQ(c.get("/api/v1/org/nodes").status, 403);
  EXPECT_EQ(c.get("/api/v1/me").js()["user"]["staff_id"].is_string(), true);
}

INSTANTIATE_TEST_SUITE_P(Db, Api, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
