// Bad input through a real server: malformed JSON, wrong types, missing fields, oversize
// bodies, invalid UTF-8, unknown routes and wrong methods. Each gets a 4xx in the documented
// shape {"error":{"code","message"[,"field"]}}, never a 5xx, and nothing is stored.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

struct Expect {
  int status;
  std::string code, field;
};

void check(const HttpResponse& r, const Expect& e, const std::string& what) {
  EXPECT_EQ(r.status, e.status) << what << " → " << r.body.substr(0, 300);
  auto j = r.js();
  ASSERT_TRUE(j.is_object() && j.contains("error")) << what << " → " << r.body.substr(0, 300);
  EXPECT_EQ(j["error"].value("code", ""), e.code) << what << " → " << r.body.substr(0, 300);
  EXPECT_FALSE(j["error"].value("message", "").empty()) << what;
  if (!e.field.empty()) {
    EXPECT_EQ(j["error"].value("field", ""), e.field) << what << " → " << r.body.substr(0, 300);
  }
  EXPECT_NE(r.headers.count("content-type") ? r.headers.at("content-type").find("application/json") : std::string::npos,
            std::string::npos)
      << what;
}


class BadInput : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = demo_db_url(GetParam());
    db_ = store::open(url_);
  }
  std::string snapshot() {
    std::string s;
    for (auto t : {"org_nodes", "staff", "users", "role_grants", "sessions", "audit_log"})
      s += std::string(t) + "=" + std::to_string(store::scalar_i64(db_->query(std::string("SELECT COUNT(*) FROM ") + t)).value_or(-1)) + " ";
    s += "names=" + db_->query("SELECT COALESCE(MAX(name), '') || COUNT(DISTINCT name) FROM org_nodes")[0].str(0);
    return s;
  }
  std::string node(const std::string& code) {
    return std::to_string(store::scalar_i64(db_->query("SELECT id FROM org_nodes WHERE code = ?", {code})).value_or(0));
  }
  std::string url_;
  std::unique_ptr<store::Db> db_;
};

}  // namespace

TEST_P(BadInput, EveryBadRequestGetsA4xxInTheDocumentedShapeAndStoresNothing) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("bureau").status, 200);
  std::string h1 = node("H001"), nk = node("H001-NK");
  std::string staff_id = std::to_string(
      store::scalar_i64(db_->query("SELECT MIN(id) FROM staff WHERE node_id = ?", {std::stoll(nk)})).value_or(0));
  std::string before = snapshot();

  struct Case {
    std::string method, path, body;
    Expect e;
  };
  const std::string N = "/api/v1/org/nodes";
  auto node_body = [&](json patch) {
    json j = {{"parent_id", h1}, {"kind", "department"}, {"code", "BAD-1"}, {"name", "坏科室"}};
    for (auto& [k, v] : patch.items()) {
      if (v.is_null()) j.erase(k);
      else j[k] = v;
    }
    return j.dump();
  };
  std::vector<Case> cases = {
      // malformed JSON
      {"POST", N, "{", {400, "malformed_json", ""}},
      {"POST", N, "{\"parent_id\": }", {400, "malformed_json", ""}},
      {"POST", N, "[1,2,3]", {400, "malformed_json", ""}},
      {"POST", N, "\"just a string\"", {400, "malformed_json", ""}},
      {"POST", N, "null", {400, "malformed_json", ""}},
      {"POST", N, "", {400, "empty_body", ""}},
      {"POST", N, "{\"a\":1} trailing", {400, "malformed_json", ""}},
      {"POST", N, "{\"name\":\"x\",}", {400, "malformed_json", ""}},
      // invalid UTF-8 inside JSON strings: stray byte, overlong '/', encoded surrogate, lone \u surrogate
      {"POST", N, node_body({{"name", "ok"}}).replace(node_body({{"name", "ok"}}).find("ok"), 2, "\xff\xfe"), {400, "malformed_json", ""}},
      {"POST", N, node_body({{"name", "ok"}}).replace(node_body({{"name", "ok"}}).find("ok"), 2, "\xc0\xaf"), {400, "malformed_json", ""}},
      {"POST", N, node_body({{"name", "ok"}}).replace(node_body({{"name", "ok"}}).find("ok"), 2, "\xed\xa0\x80"), {400, "malformed_json", ""}},
      {"POST", N, node_body({{"name", "ok"}}).replace(node_body({{"name", "ok"}}).find("ok"), 2, "\\ud800"), {400, "malformed_json", ""}},
      // control characters are valid JSON but not valid text
      {"POST", N, node_body({{"name", "a\x01" "b"}}), {422, "invalid_field", "name"}},
      {"POST", N, node_body({{"name", "a\x7f" "b"}}), {422, "invalid_field", "name"}},
      // wrong types
      {"POST", N, node_body({{"parent_id", true}}), {422, "invalid_field", "parent_id"}},
      {"POST", N, node_body({{"parent_id", 1.5}}), {422, "invalid_field", "parent_id"}},
      {"POST", N, node_body({{"parent_id", "abc"}}), {422, "invalid_field", "parent_id"}},
      {"POST", N, node_body({{"parent_id", "-5"}}), {422, "invalid_field", "parent_id"}},
      {"POST", N, node_body({{"parent_id", "99999999999999999999"}}), {422, "invalid_field", "parent_id"}},
      {"POST", N, node_body({{"parent_id", json::array({h1})}}), {422, "invalid_field", "parent_id"}},
      {"POST", N, node_body({{"name", 5}}), {422, "invalid_field", "name"}},
      {"POST", N, node_body({{"name", json::object()}}), {422, "invalid_field", "name"}},
      {"POST", N, node_body({{"kind", "galaxy"}}), {422, "invalid_field", "kind"}},
      {"POST", N, node_body({{"code", "has space"}}), {422, "invalid_field", "code"}},
      {"POST", N, node_body({{"code", std::string(40, 'A')}}), {422, "invalid_field", "code"}},
      {"POST", N, node_body({{"name", std::string(101 * 3, 'x')}}), {422, "invalid_field", "name"}},
      {"POST", N, node_body({{"name", "   "}}), {422, "invalid_field", "name"}},
      // missing fields
      {"POST", N, node_body({{"name", nullptr}}), {422, "invalid_field", "name"}},
      {"POST", N, node_body({{"parent_id", nullptr}}), {422, "invalid_field", "parent_id"}},
      {"POST", N, "{}", {422, "invalid_field", "parent_id"}},
      {"POST", N, node_body({{"parent_id", "987654321987"}}), {422, "invalid_field", "parent_id"}},
      // other routes
      {"PATCH", N + "/" + h1, "{\"active\": \"yes\"}", {422, "invalid_field", "active"}},
      {"PATCH", N + "/" + h1, "{\"name\": \"\"}", {422, "invalid_field", "name"}},
      {"POST", N + "/" + nk + "/move", "{\"parent_id\": null}", {422, "invalid_field", "parent_id"}},
      {"POST", "/api/v1/staff", json{{"employee_no", "B1"}, {"name", "某"}, {"category", "chef"}, {"node_id", nk}}.dump(), {422, "invalid_field", "category"}},
      {"POST", "/api/v1/staff", json{{"employee_no", 12}, {"name", "某"}, {"category", "doctor"}, {"node_id", nk}}.dump(), {422, "invalid_field", "employee_no"}},
      {"POST", "/api/v1/staff", json{{"name", "某"}, {"category", "doctor"}, {"node_id", nk}}.dump(), {422, "invalid_field", "employee_no"}},
      {"PATCH", "/api/v1/staff/" + staff_id, json{{"node_id", "0"}}.dump(), {422, "invalid_field", "node_id"}},
      {"POST", "/api/v1/users", json{{"username", "a b"}, {"display_name", "x"}, {"password", "Abcdef-12"}, {"node_id", nk}}.dump(), {422, "invalid_field", "username"}},
      {"POST", "/api/v1/users", json{{"username", "ab"}, {"display_name", "x"}, {"password", "short"}, {"node_id", nk}}.dump(), {422, "invalid_field", "password"}},
      {"POST", "/api/v1/users", json{{"username", "abc"}, {"display_name", "x"}, {"password", "Abcdef-12"}, {"node_id", nk}, {"must_change_password", "no"}}.dump(), {422, "invalid_field", "must_change_password"}},
      {"POST", "/api/v1/auth/login", "{\"username\": 1, \"password\": \"x\"}", {422, "invalid_field", "username"}},
      {"POST", "/api/v1/auth/login", "not json", {400, "malformed_json", ""}},
      // neither UTF-8 nor GB18030 text, and an empty file: coded file errors (shown in Chinese by code)
      {"POST", "/api/v1/staff/import", "employee_no,name,category,title,node_code\nX1,\xff\xfe,doctor,,H001-NK\n", {422, "unsupported_file", "file"}},
      {"POST", "/api/v1/staff/import", "", {422, "empty_file", "file"}},
      // query strings
      {"GET", "/api/v1/staff?limit=abc", "", {422, "invalid_field", "limit"}},
      {"GET", "/api/v1/staff?limit=1e3", "", {422, "invalid_field", "limit"}},
      {"GET", "/api/v1/staff?node=-1", "", {422, "invalid_field", "node"}},
      {"GET", "/api/v1/audit?from=yesterday", "", {422, "invalid_field", "from"}},
      {"GET", "/api/v1/org/nodes?parent=x", "", {422, "invalid_field", "parent"}},
      {"GET", "/api/v1/org/search?q=" + std::string(150, 'a'), "", {422, "invalid_field", "q"}},
      // unknown routes and ids
      {"GET", "/api/v1/nope", "", {404, "not_found", ""}},
      {"POST", "/api/v1/nope", "{}", {404, "not_found", ""}},
      {"GET", "/api/v2/org/nodes", "", {404, "not_found", ""}},
      {"GET", N + "/abc", "", {404, "not_found", ""}},
      {"GET", N + "/123456789", "", {404, "not_found", ""}},
      {"GET", "/api/v1/staff/123456789", "", {404, "not_found", ""}},
      {"GET", "/api/v1/users/0", "", {404, "not_found", ""}},
      {"GET", N + "/" + h1 + "/extra/segments", "", {404, "not_found", ""}},
      // a NUL is not text: refused before routing (RequestTargetsThatAreNotUtf8TextAre4xx)
      {"GET", "/api/v1/org/nodes/%00", "", {400, "bad_request", ""}},
      // wrong methods
      {"DELETE", N, "", {405, "method_not_allowed", ""}},
      {"PUT", N + "/" + h1, "{}", {405, "method_not_allowed", ""}},
      {"POST", "/api/v1/me", "{}", {405, "method_not_allowed", ""}},
      {"GET", "/api/v1/auth/login", "", {405, "method_not_allowed", ""}},
  };
  for (auto& k : cases) {
    auto r = c.request(k.method, k.path, k.body);
    check(r, k.e, k.method + " " + k.path.substr(0, 80) + " " + k.body.substr(0, 80));
  }
  EXPECT_EQ(snapshot(), before);
}

TEST_P(BadInput, OversizeBodiesGet413) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("bureau").status, 200);
  std::string before = snapshot();
  std::string big = "{\"name\":\"" + std::string(300 * 1024, 'x') + "\"}";
  auto r = c.request("POST", "/api/v1/org/nodes", big);
  check(r, {413, "body_too_large", ""}, "300 KiB node");
  // The import route takes 4 MiB, not more.
  std::string csv = "employee_no,name,category,title,node_code\n";
  while (csv.size() < 5 * 1024 * 1024) csv += "Z1,某某,doctor,,H001-NK\n";
  check(c.request("POST", "/api/v1/staff/import", csv), {413, "body_too_large", ""}, "5 MiB import");
  // An unknown route is refused from its path, before its body is read.
  check(c.request("POST", "/api/v1/nope", std::string(100 * 1024, 'x')), {404, "not_found", ""}, "100 KiB to nowhere");
  // Unauthenticated too: the limit applies before anything else.
  auto anon = srv.client();
  check(anon.request("POST", "/api/v1/auth/login", big), {413, "body_too_large", ""}, "300 KiB login");
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(c.get("/healthz").status, 200);  // the server is fine
}

// A request target whose decoded path or query is not UTF-8 text is refused before any
// handler: path parameters and query values reach the database as text, and PostgreSQL
// refused the bytes with an error the server answered 500 (GET /f/%FF, a point code of
// %FF%FE). Found by probing what the HTTP fuzz target lets through to routing.
TEST_P(BadInput, RequestTargetsThatAreNotUtf8TextAre4xx) {
  ServerProcess srv(url_);
  auto c = srv.client();
  for (std::string path : {"/api/v1/public/points/%FF%FE", "/f/%FF", "/api/v1/public/units/%C0%AF/departments",
                           "/api/v1/public/cases/AB%FFCD3456", "/api/v1/public/receipts/1.%ED%A0%80",
                           "/f/P%00001", "/%FF"})
    check(c.get(path), {400, "bad_request", ""}, "GET " + path);
  check(c.get("/api/v1/public/units?q=%FF"), {422, "invalid_field", "q"}, "GET units?q=%FF");
  check(c.get("/c?unit=%FF%FE"), {422, "invalid_field", "unit"}, "GET /c?unit=%FF%FE");
  check(c.get("/api/v1/public/cases/AB12CD3456?phone_last4=%FF"), {422, "invalid_field", "phone_last4"},
        "GET case?phone_last4=%FF");
  // Text that is valid UTF-8 still gets through (a search for 医院 finds the demo's hospitals).
  auto ok = c.get("/api/v1/public/units?q=%E5%8C%BB%E9%99%A2");
  EXPECT_EQ(ok.status, 200) << ok.body.substr(0, 200);
  // The server carries on.
  EXPECT_EQ(c.get("/healthz").status, 200);
}

// Header text the server keeps is made storable: a sign-in whose User-Agent is not UTF-8 was
// answered 500 on PostgreSQL (the session row keeps the agent as text).
TEST_P(BadInput, SignInWithAUserAgentThatIsNotUtf8) {
  ServerProcess srv(url_);
  auto c = srv.client();
  auto r = c.request("POST", "/api/v1/auth/login", R"({"username":"hosp1","password":"Manyi-demo-1"})",
                     {{"Content-Type", "application/json"}, {"User-Agent", "Mozilla \xff\xfe 微信"}});
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
  auto ua = db_->query("SELECT user_agent FROM sessions ORDER BY created_at DESC LIMIT 1");
  ASSERT_FALSE(ua.empty());
  EXPECT_EQ(ua[0].str(0), "Mozilla  微信");
}

TEST_P(BadInput, DeeplyNestedJsonIsRejectedWithoutCrashing) {
  ServerProcess srv(url_);
  auto c = srv.client();
  ASSERT_EQ(c.login("bureau").status, 200);
  std::string deep = "{\"name\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto r = c.request("POST", "/api/v1/org/nodes", deep);
  EXPECT_GE(r.status, 400);
  EXPECT_LT(r.status, 500);
  std::string unclosed = "{\"name\":" + std::string(200000, '[');
  auto u = c.request("POST", "/api/v1/org/nodes", unclosed);
  EXPECT_EQ(u.status, 400);
  EXPECT_EQ(c.get("/healthz").status, 200);
}

TEST_P(BadInput, MalformedHttpGets400AndTheServerCarriesOn) {
  ServerProcess srv(url_);
  std::string garbage = raw_exchange(srv.port(), true, "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(garbage.find("400"), std::string::npos) << garbage;
  EXPECT_NE(garbage.find("\"error\""), std::string::npos) << garbage;
  std::string huge_header = raw_exchange(srv.port(), true, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                                         std::string(40000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge_header.rfind("HTTP/1.1 4", 0), 0u) << huge_header.substr(0, 200);
  std::string bad_length = raw_exchange(srv.port(), true, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}");
  EXPECT_EQ(bad_length.rfind("HTTP/1.1 400", 0), 0u) << bad_length.substr(0, 200);
  EXPECT_EQ(srv.client().get("/healthz").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Db, BadInput, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
