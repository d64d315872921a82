// The console's pickers over HTTP, on each database: who may be assigned a case (指派), which
// staff may be named responsible for it (责任人), and the org node search behind every node
// picker (转办至 …). Each answers the roles that use the dialog — not only administrators —
// and never shows another institution's people or nodes.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

std::string enc(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::set<std::string> usernames(const json& page) {
  std::set<std::string> out;
  for (auto& u : page["items"]) out.insert(u["username"].get<std::string>());
  return out;
}

class CasePickers : public DemoServerTest {
 protected:
  // A case registered by the given user about a unit (owned by that unit).
  std::string open_case(const std::string& user, const std::string& unit, const std::string& content,
                        const std::string& category = "") {
    json b = {{"type", "complaint"}, {"channel", "visit"}, {"node_id", node(unit)}, {"content", content}};
    if (!category.empty()) b["category"] = category;
    auto r = as(user).post("/api/v1/cases", b);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.js().value("id", "");
  }
};

TEST_P(CasePickers, AssigneesAreExactlyWhoMayHandleTheCase) {
  std::string id = open_case("handler", "H001", "挂号排队太久，无人引导");
  auto handler = as("handler");
  auto r = handler.get("/api/v1/cases/" + id + "/assignees");
  ASSERT_EQ(r.status, 200) << r.body;
  json listed = r.js();  // kept alive: the loops below iterate over it
  // case.handle on the owner (市第一人民医院) or above: the bureau admin, the unit admin, the
  // complaint officer. Not the head of 内科 (below the owner), not 市中医院's admin.
  EXPECT_EQ(usernames(r.js()), (std::set<std::string>{"bureau", "handler", "hosp1"})) << r.body;
  for (auto& u : listed["items"]) {
    EXPECT_FALSE(u["display_name"].get<std::string>().empty());
    EXPECT_FALSE(u["node_name"].get<std::string>().empty());
  }
  // Searched by display name or username.
  EXPECT_EQ(usernames(handler.get("/api/v1/cases/" + id + "/assignees?q=" + enc("院办")).js()),
            (std::set<std::string>{"hosp1"}));
  EXPECT_EQ(usernames(handler.get("/api/v1/cases/" + id + "/assignees?q=HANDL").js()).count("handler"),
            GetParam() == "sqlite" ? 1u : 0u);  // LIKE: case-insensitive for ASCII on SQLite only
  EXPECT_EQ(usernames(handler.get("/api/v1/cases/" + id + "/assignees?q=handl").js()),
            (std::set<std::string>{"handler"}));
  EXPECT_TRUE(handler.get("/api/v1/cases/" + id + "/assignees?q=nobody").js()["items"].empty());
  EXPECT_EQ(handler.get("/api/v1/cases/" + id + "/assignees?limit=1").js()["items"].size(), 1u);
  EXPECT_EQ(handler.get("/api/v1/cases/" + id + "/assignees?limit=51").js()["error"]["field"], "limit");
  EXPECT_EQ(handler.get("/api/v1/cases/" + id + "/assignees?q=" + std::string(101, 'x')).js()["error"]["field"], "q");

  // Everyone listed can be assigned; the ones left out cannot.
  for (auto& u : listed["items"]) {
    auto a = handler.post("/api/v1/cases/" + id + "/assign", {{"user_id", u["id"]}});
    EXPECT_EQ(a.status, 200) << u["username"] << " " << a.body;
  }
  for (const char* name : {"dept", "hosp2", "staff", "inspector"}) {
    auto uid = std::to_string(count("SELECT id FROM users WHERE username = ?", {std::string(name)}));
    auto a = handler.post("/api/v1/cases/" + id + "/assign", {{"user_id", uid}});
    EXPECT_EQ(a.status, 422) << name << " " << a.body;
  }

  // A deactivated officer is no longer offered.
  auto bureau = as("bureau");
  auto made = bureau.post("/api/v1/users", {{"username", "officer2"}, {"display_name", "第二受理员"},
                                            {"password", "Xyzzy-4567"}, {"node_id", node("H001")}});
  ASSERT_EQ(made.status, 201) << made.body;
  std::string uid = made.js()["id"];
  ASSERT_EQ(bureau.post("/api/v1/users/" + uid + "/grants", {{"role", "handler"}, {"node_id", node("H001")}}).status, 201);
  EXPECT_EQ(usernames(handler.get("/api/v1/cases/" + id + "/assignees").js()).count("officer2"), 1u);
  ASSERT_EQ(bureau.patch("/api/v1/users/" + uid, {{"active", false}}).status, 200);
  EXPECT_EQ(usernames(handler.get("/api/v1/cases/" + id + "/assignees").js()).count("officer2"), 0u);

  // Once transferred to 内科 and accepted there, its head may handle it too.
  ASSERT_EQ(handler.post("/api/v1/cases/" + id + "/transfer", {{"to_node_id", node("H001-NK")}}).status, 200);
  ASSERT_EQ(as("dept").post("/api/v1/cases/" + id + "/transfer/accept", json::object()).status, 200);
  EXPECT_EQ(usernames(handler.get("/api/v1/cases/" + id + "/assignees").js()),
            (std::set<std::string>{"bureau", "dept", "handler", "hosp1"}));
}

TEST_P(CasePickers, IntegrityCaseOffersOnlyHoldersOfCaseSensitive) {
  std::string id = open_case("hosp1", "H001", "医生收受红包", "ethics");
  auto r = as("hosp1").get("/api/v1/cases/" + id + "/assignees");
  ASSERT_EQ(r.status, 200) << r.body;
  // The complaint officer lacks case.sensitive: not offered (and assign refuses them).
  EXPECT_EQ(usernames(r.js()), (std::set<std::string>{"bureau", "hosp1"})) << r.body;
}

TEST_P(CasePickers, AssigneesOfAnotherHospitalsCaseAreRefused) {
  std::string mine = open_case("handler", "H001", "门诊排队太久");
  std::string theirs = open_case("hosp2", "H002", "门诊排队太久");
  // Not visible: 404, whatever the role.
  EXPECT_EQ(as("handler").get("/api/v1/cases/" + theirs + "/assignees").status, 404);
  EXPECT_EQ(as("hosp1").get("/api/v1/cases/" + theirs + "/assignees").status, 404);
  EXPECT_EQ(as("hosp2").get("/api/v1/cases/" + mine + "/assignees").status, 404);
  // Roles that may not assign at all: 403.
  EXPECT_EQ(as("dept").get("/api/v1/cases/" + mine + "/assignees").status, 403);
  EXPECT_EQ(as("inspector").get("/api/v1/cases/" + mine + "/assignees").status, 403);
  EXPECT_EQ(as("staff").get("/api/v1/cases/" + mine + "/assignees").status, 403);
  // 市中医院's people are never listed for 市第一人民医院's case, and vice versa.
  auto h2 = as("hosp2").get("/api/v1/cases/" + theirs + "/assignees");
  ASSERT_EQ(h2.status, 200);
  EXPECT_EQ(usernames(h2.js()), (std::set<std::string>{"bureau", "hosp2"}));
  EXPECT_EQ(as("handler").get("/api/v1/cases/abc/assignees").status, 404);
  EXPECT_EQ(server->client().get("/api/v1/cases/" + mine + "/assignees").status, 401);
}

TEST_P(CasePickers, ResponsibleStaffForADepartmentHeadHandlingACase) {
  std::string id = open_case("handler", "H001", "内科护士态度差");
  ASSERT_EQ(as("handler").post("/api/v1/cases/" + id + "/transfer", {{"to_node_id", node("H001-NK")}}).status, 200);
  auto dept = as("dept");
  ASSERT_EQ(dept.post("/api/v1/cases/" + id + "/transfer/accept", json::object()).status, 200);
  // The staff list of the whole institution is not the head of 内科's to read…
  EXPECT_EQ(dept.get("/api/v1/staff?node=" + node("H001")).status, 403);
  // …but whom the finding may name (any staff of the institution) is offered for this case.
  auto r = dept.get("/api/v1/cases/" + id + "/staff?limit=50");
  ASSERT_EQ(r.status, 200) << r.body;
  json page = r.js();
  ASSERT_EQ(page["items"].size(), 50u);
  std::set<std::string> depts;
  for (auto& s : page["items"]) {
    EXPECT_EQ(s["employee_no"].get<std::string>().rfind("H001", 0), 0u) << s.dump();
    depts.insert(s["node_name"].get<std::string>());
  }
  EXPECT_GT(depts.size(), 1u);  // not only 内科
  int64_t staff_in_h001 = count("SELECT COUNT(*) FROM staff WHERE unit_id = ?", {std::stoll(node("H001"))});
  std::string some = count("SELECT COUNT(*) FROM staff WHERE unit_id = ? AND employee_no = 'H0010007'",
                           {std::stoll(node("H001"))})
                         ? "H0010007"
                         : "";
  ASSERT_GT(staff_in_h001, 50);
  ASSERT_FALSE(some.empty());
  auto one = dept.get("/api/v1/cases/" + id + "/staff?q=H0010007");
  ASSERT_EQ(one.js()["items"].size(), 1u) << one.body;
  // Naming the person found is accepted by the reply.
  auto reply = dept.post("/api/v1/cases/" + id + "/reply", {{"reply", "已核实并批评教育"}, {"outcome", "substantiated"},
                                                            {"responsible_staff_ids", {one.js()["items"][0]["id"]}}});
  EXPECT_EQ(reply.status, 200) << reply.body;
  // Other hospitals' cases: 404; roles that do not handle cases: 403.
  std::string theirs = open_case("hosp2", "H002", "态度差");
  EXPECT_EQ(dept.get("/api/v1/cases/" + theirs + "/staff").status, 404);
  EXPECT_EQ(as("handler").get("/api/v1/cases/" + theirs + "/staff").status, 404);
  EXPECT_EQ(as("inspector").get("/api/v1/cases/" + id + "/staff").status, 403);
  // 市中医院's staff never appear for 市第一人民医院's case.
  auto all = as("bureau").get("/api/v1/cases/" + id + "/staff?q=H002");
  EXPECT_TRUE(all.js()["items"].empty()) << all.body;
}

TEST_P(CasePickers, OrgSearchFindsUnexpandedNodesInScopeWithTheirPath) {
  auto hosp1 = as("hosp1");
  auto r = hosp1.get("/api/v1/org/search?q=" + enc("内科"));
  ASSERT_EQ(r.status, 200) << r.body;
  bool found = false;
  json mine = r.js();
  for (auto& n : mine["items"]) {
    EXPECT_EQ(n["code"].get<std::string>().rfind("H001", 0), 0u) << n.dump();  // never H002's
    ASSERT_FALSE(n["path"].empty());
    EXPECT_EQ(n["path"][0]["name"], "市第一人民医院") << n.dump();  // nothing above the caller's scope
    EXPECT_EQ(n["path"].back()["id"], n["id"]);
    if (n["code"] == "H001-NK") {
      found = true;
      ASSERT_EQ(n["path"].size(), 2u);
      EXPECT_EQ(n["path"][1]["name"], "内科");
    }
  }
  EXPECT_TRUE(found) << r.body;
  EXPECT_EQ(r.body.find("市中医院"), std::string::npos);

  // The bureau sees every hospital's 内科, each with its full path.
  auto all = as("bureau").get("/api/v1/org/search?q=" + enc("内科"));
  std::set<std::string> codes;
  json everything = all.js();
  for (auto& n : everything["items"]) {
    codes.insert(n["code"].get<std::string>());
    if (n["code"] == "H002-NK") {
      EXPECT_EQ(n["path"][0]["name"], "市卫生健康局");
      EXPECT_EQ(n["path"][n["path"].size() - 2]["name"], "市中医院");
    }
  }
  EXPECT_TRUE(codes.count("H001-NK") && codes.count("H002-NK")) << all.body;

  // By code; narrowed to where the caller may dispatch (转办至).
  auto by_code = as("handler").get("/api/v1/org/search?q=H001-NK&perm=case.dispatch");
  ASSERT_EQ(by_code.status, 200) << by_code.body;
  ASSERT_FALSE(by_code.js()["items"].empty());
  EXPECT_EQ(by_code.js()["items"][0]["code"], "H001-NK");
  EXPECT_TRUE(as("dept").get("/api/v1/org/search?q=" + enc("内科") + "&perm=case.dispatch").js()["items"].empty());
  EXPECT_FALSE(as("dept").get("/api/v1/org/search?q=" + enc("内科")).js()["items"].empty());
  EXPECT_TRUE(hosp1.get("/api/v1/org/search?q=H002").js()["items"].empty());

  // Limits and bad input.
  EXPECT_EQ(as("bureau").get("/api/v1/org/search?q=" + enc("科") + "&limit=5").js()["items"].size(), 5u);
  EXPECT_EQ(hosp1.get("/api/v1/org/search?q=x&limit=51").js()["error"]["field"], "limit");
  auto bad = hosp1.get("/api/v1/org/search?q=x&perm=root.everything");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.js()["error"]["field"], "perm");
  EXPECT_EQ(as("staff").get("/api/v1/org/search?q=x").status, 403);
}

INSTANTIATE_TEST_SUITE_P(Db, CasePickers, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
