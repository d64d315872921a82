// Sign-in and response security through a real `manyi serve` on the demo organisation, on
// SQLite and PostgreSQL: successes are never throttled (a shift behind one address), failures
// are (per address, per name, progressively), answers do not tell whether an account exists,
// every 429 says when to retry, public and sign-in endpoints take only JSON, and every answer
// carries the security headers (HSTS and the Secure cookie only over HTTPS).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "org/service.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;
namespace fs = std::filesystem;

namespace {

class SignIn : public DemoServerTest {
 protected:
  SignIn() { start_in_setup = false; }
  static std::string code(const HttpResponse& r) {
    auto j = r.js();
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }
  // A sign-in as if from `ip` (the server trusts X-Forwarded-For from 127.0.0.1 in these tests).
  static HttpResponse login_from(HttpClient& c, const std::string& ip, const std::string& user, const std::string& pw) {
    return c.request("POST", "/api/v1/auth/login", json{{"username", user}, {"password", pw}}.dump(),
                     {{"X-Forwarded-For", ip}});
  }
};

}  // namespace

// 100 different users sign in from one address at once (a shift behind one NAT address at
// 8:00) with the default per-address limit: all get in. Failures are still limited per
// address and per account.
TEST_P(SignIn, HundredSignInsFromOneAddressInABurstAllSucceed) {
  // The production per-address limit (the test client's default is generous). Passwords are
  // hashed at the minimum cost in every test (tests/support: MANYI_TEST_FAST_HASH).
  start({"--public-rate", "100", "--public-burst", "500", "--login-rate", "0.2", "--login-burst", "10"});
  auto admin = server->client();
  ASSERT_EQ(admin.login("hosp1").status, 200);
  std::string ward = node("H001-NK");
  for (int i = 0; i < 100; ++i) {
    auto r = admin.post("/api/v1/users", {{"username", "nurse" + std::to_string(i)}, {"display_name", "护士"},
                                          {"password", "Shift-pass-8"}, {"node_id", ward},
                                          {"must_change_password", false}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::vector<int> status(100, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t)
    threads.emplace_back([&, t] {
      for (int i = t * 10; i < t * 10 + 10; ++i) {
        auto c = server->client();
        status[i] = c.login("nurse" + std::to_string(i), "Shift-pass-8").status;
      }
    });
  for (auto& th : threads) th.join();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(status[i], 200) << "nurse" << i;
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login'"), 101);

  // Per account: five failures, then the account waits (even with the right password).
  auto c = server->client();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.login("nurse1", "Wrong-pass-1").status, 401) << i;
  auto held = c.login("nurse1", "Shift-pass-8");
  EXPECT_EQ(held.status, 429);
  EXPECT_EQ(code(held), "too_many_attempts");
  // Per address: ten failures in all (default --login-burst, one forgiven every 5 s while this
  // runs), then the address waits.
  HttpResponse addr;
  int failures = 5;
  for (int i = 0; i < 20 && addr.status != 429; ++i) {
    addr = c.login("nurse" + std::to_string(10 + i), "Wrong-pass-1");
    if (addr.status == 401) ++failures;
  }
  EXPECT_GE(failures, 10);
  EXPECT_LE(failures, 14);
  EXPECT_EQ(addr.status, 429);
  EXPECT_EQ(code(addr), "too_many_attempts");
  EXPECT_FALSE(addr.headers["retry-after"].empty());
}

// Unknown user, wrong password and deactivated account: the same status, code and message,
// each after one full password check; a throttled name answers the same whether or not an
// account has it.
TEST_P(SignIn, AnswersDoNotTellWhetherAnAccountExists) {
  // The production hashing cost, for the accounts and for the server's unknown-user check.
  const std::string hash = org::hash_password_production("Manyi-demo-1");
  db->write([&](store::Tx& tx) {
    tx.exec("UPDATE users SET active = 0 WHERE username = 'staff'");
    tx.exec("UPDATE users SET password_hash = ? WHERE username IN ('hosp1', 'staff')", {hash});
  });
  {
    ProductionHashing slow;
    start({"--login-burst", "100"});
  }
  auto c = server->client();
  auto timed = [&](const std::string& user) {
    double best = 1e9;
    HttpResponse r;
    for (int i = 0; i < 3; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      r = c.login(user, "Wrong-pass-1");
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return std::make_pair(r, best);
  };
  auto [wrong, t_wrong] = timed("hosp1");
  auto [unknown, t_unknown] = timed("no-such-user");
  auto [off, t_off] = timed("staff");
  for (auto* r : {&wrong, &unknown, &off}) {
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->body, wrong.body);
  }
  EXPECT_EQ(code(wrong), "invalid_credentials");
  // The same timing class: every answer waited for one production-cost password check (an
  // answer without one takes about a millisecond, a hundred times less). Compared with each
  // other, not with a fixed time: how long a hash takes depends on the machine and its load.
  EXPECT_LT(std::max({t_wrong, t_unknown, t_off}) / std::min({t_wrong, t_unknown, t_off}), 3.0)
      << t_wrong << " " << t_unknown << " " << t_off;

  for (int i = 0; i < 3; ++i) {
    c.login("hosp1", "Wrong-pass-1");
    c.login("no-such-user", "Wrong-pass-1");
  }
  auto held_real = c.login("hosp1");
  auto held_ghost = c.login("no-such-user", "Wrong-pass-1");
  EXPECT_EQ(held_real.status, 429);
  EXPECT_EQ(held_real.body, held_ghost.body);
  EXPECT_EQ(code(held_real), "too_many_attempts");
  EXPECT_FALSE(held_real.headers["retry-after"].empty());
  EXPECT_FALSE(held_ghost.headers["retry-after"].empty());
}

// A flood of failures against an account from other addresses holds the account there, but
// its user still signs in from the address of their last sign-in.
TEST_P(SignIn, UsualAddressPassesAFloodFromOtherAddresses) {
  start({"--trusted-proxy", "127.0.0.1/32"});
  auto c = server->client();
  ASSERT_EQ(login_from(c, "10.20.30.40", "dept", "Manyi-demo-1").status, 200);
  for (int i = 0; i < 30; ++i) login_from(c, "198.51.100." + std::to_string(i), "dept", "Wrong-pass-" + std::to_string(i));
  EXPECT_EQ(login_from(c, "203.0.113.9", "dept", "Manyi-demo-1").status, 429);
  auto home = login_from(c, "10.20.30.40", "dept", "Manyi-demo-1");
  EXPECT_EQ(home.status, 200) << home.body;
}

// Every 429 says when to come back: the router's public limits (a flood of public writes and
// of public reads; the rating intake's own limits are tested in feedback_http_test) and the
// sign-in throttle.
TEST_P(SignIn, Every429CarriesRetryAfter) {
  start({"--public-rate", "0.01", "--public-burst", "2", "--login-rate", "0.01", "--login-burst", "1"});
  auto pub = server->client();
  HttpResponse last;
  for (int i = 0; i < 3; ++i) last = pub.post("/api/v1/public/cases", json::object());
  EXPECT_EQ(last.status, 429) << last.body;
  EXPECT_EQ(code(last), "rate_limited");
  EXPECT_GE(std::stoi("0" + last.headers["retry-after"]), 1);
  last = HttpResponse{};
  for (int i = 0; i < 2000 && last.status != 429; ++i) last = pub.get("/api/v1/public/cases/options");
  EXPECT_EQ(last.status, 429);
  EXPECT_GE(std::stoi("0" + last.headers["retry-after"]), 1);
  auto c = server->client();
  EXPECT_EQ(c.login("bureau", "Wrong-pass-1").status, 401);
  auto held = c.login("bureau");
  EXPECT_EQ(held.status, 429);
  EXPECT_GE(std::stoi("0" + held.headers["retry-after"]), 1);
}

// Public endpoints and the sign-in take JSON only (an upload takes the file's own type):
// another site's HTML form cannot post to them.
TEST_P(SignIn, PublicAndSignInEndpointsAcceptOnlyJson) {
  start();
  auto c = server->client();
  std::string creds = R"({"username":"bureau","password":"Manyi-demo-1"})";
  int64_t sessions = count("SELECT COUNT(*) FROM sessions");
  for (std::string type : {"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"}) {
    auto r = c.request("POST", "/api/v1/auth/login", creds, {{"Content-Type", type}});
    EXPECT_EQ(r.status, 415) << type;
    EXPECT_EQ(code(r), "unsupported_media_type") << type;
    EXPECT_EQ(r.js()["error"]["field"], "Content-Type");
    EXPECT_EQ(c.request("POST", "/api/v1/public/cases", "{}", {{"Content-Type", type}}).status, 415) << type;
    EXPECT_EQ(c.request("POST", "/api/v1/public/ratings", "{}", {{"Content-Type", type}}).status, 415) << type;
    EXPECT_EQ(c.request("POST", "/api/v1/public/cases/X/attachments?phone_last4=1234&name=a.png", "x",
                        {{"Content-Type", type}}).status, 415) << type;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM sessions"), sessions);
  // JSON (with a charset) is fine; an image upload passes to the route (404: no such case).
  EXPECT_EQ(c.request("POST", "/api/v1/auth/login", creds, {{"Content-Type", "application/json; charset=utf-8"}}).status,
            200);
  EXPECT_EQ(c.request("POST", "/api/v1/public/cases/X/attachments?phone_last4=1234&name=a.png", "x",
                      {{"Content-Type", "image/png"}}).status, 404);
  // Signed-in routes are not affected (CSRF protects them).
  EXPECT_NE(c.request("POST", "/api/v1/auth/logout", "", {}).status, 415);
}

// CSP, framing and referrer headers on API answers, errors, console files and public pages;
// each public page's inline script carries the nonce its CSP names. No HSTS over plain HTTP.
TEST_P(SignIn, SecurityHeadersOnEveryPageAndApiAnswer) {
  fs::path web = fs::temp_directory_path() / ("manyi-signin-web-" + std::to_string(getpid()));
  fs::create_directories(web);
  std::ofstream(web / "index.html") << "<!doctype html><title>console</title><script type=module src=/assets/a.js></script>";
  start({"--web", web.string()});
  auto c = server->client();
  std::string point = db->query("SELECT code FROM collection_points LIMIT 1")[0].str(0);
  for (const std::string& path : std::vector<std::string>{"/api/v1/me", "/healthz", "/", "/cases/inbox", "/api/v1/nope",
                                                          "/f/" + point, "/c", "/t"}) {
    auto r = c.get(path);
    SCOPED_TRACE(path);
    EXPECT_NE(r.headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos);
    std::string csp = r.headers["content-security-policy"];
    EXPECT_TRUE(csp.find("object-src 'none'") != std::string::npos || csp.rfind("default-src 'none'", 0) == 0) << csp;
    EXPECT_EQ(r.headers["x-frame-options"], "DENY");
    // The rating page /f/ keeps its stricter no-referrer (a point code must not leak on).
    EXPECT_TRUE(r.headers["referrer-policy"] == "same-origin" || r.headers["referrer-policy"] == "no-referrer");
    EXPECT_EQ(r.headers.count("strict-transport-security"), 0u);
    if (path == "/" || path.rfind("/api", 0) == 0 || path == "/healthz" || path == "/cases/inbox") {
      EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
    }
  }
  for (const std::string& path : std::vector<std::string>{"/f/" + point, "/c", "/t"}) {
    auto r = c.get(path);
    SCOPED_TRACE(path);
    std::string csp = r.headers["content-security-policy"];
    auto at = csp.find("'nonce-");
    ASSERT_NE(at, std::string::npos) << csp;
    std::string nonce = csp.substr(at + 7, csp.find('\'', at + 7) - at - 7);
    EXPECT_NE(r.body.find("<script nonce=\"" + nonce + "\""), std::string::npos);
    EXPECT_EQ(r.body.find("<script>"), std::string::npos);
    EXPECT_NE(c.get(path).headers["content-security-policy"], csp);  // fresh per answer
  }
  fs::remove_all(web);
}

// HTTPS: with an https:// public URL, or from a trusted proxy saying X-Forwarded-Proto: https,
// the session cookie is Secure and answers carry HSTS; a client that is no proxy cannot say so.
TEST_P(SignIn, SecureCookieAndHstsOnlyOverHttps) {
  start({"--public-url", "https://manyi.example.gov.cn"});
  {
    auto c = server->client();
    auto r = c.login("bureau");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.headers["set-cookie"].find("; Secure"), std::string::npos) << r.headers["set-cookie"];
    EXPECT_NE(r.headers["strict-transport-security"].find("max-age="), std::string::npos);
  }
  start({"--trusted-proxy", "127.0.0.1/32"});
  {
    auto c = server->client();
    auto plain = c.login("bureau");
    EXPECT_EQ(plain.headers["set-cookie"].find("Secure"), std::string::npos);
    EXPECT_EQ(plain.headers.count("strict-transport-security"), 0u);
    auto r = c.request("POST", "/api/v1/auth/login", R"({"username":"bureau","password":"Manyi-demo-1"})",
                       {{"X-Forwarded-Proto", "https"}, {"X-Forwarded-For", "10.9.8.7"}});
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.headers["set-cookie"].find("; Secure"), std::string::npos);
    EXPECT_FALSE(r.headers["strict-transport-security"].empty());
  }
  start();  // no trusted proxy: the header is the client's word only
  {
    auto c = server->client();
    auto r = c.request("POST", "/api/v1/auth/login", R"({"username":"bureau","password":"Manyi-demo-1"})",
                       {{"X-Forwarded-Proto", "https"}});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["set-cookie"].find("Secure"), std::string::npos);
    EXPECT_EQ(r.headers.count("strict-transport-security"), 0u);
  }
}

// 登录设备: a user sees their own open sessions (this one marked), ends another one — which is
// then signed out — or all but this one, and can end the others when signing in again. Another
// user's session cannot be ended (404), and each ending is audited.
TEST_P(SignIn, AUserSeesAndEndsTheirOwnSessions) {
  start();
  auto phone = server->client(), desk = server->client(), other = server->client();
  auto first = phone.request("POST", "/api/v1/auth/login", json{{"username", "handler"}, {"password", "Manyi-demo-1"}}.dump(),
                             {{"User-Agent", "Mozilla/5.0 (iPhone) MicroMessenger/8.0"}});
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.js()["other_sessions"], 0);
  auto sc = first.headers["set-cookie"];
  phone.cookie = sc.substr(sc.find('=') + 1, sc.find(';') - sc.find('=') - 1);
  phone.csrf = first.js()["csrf_token"];
  auto second = desk.login("handler");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.js()["other_sessions"], 1);
  ASSERT_EQ(other.login("dept").status, 200);

  auto list = desk.get("/api/v1/me/sessions");
  ASSERT_EQ(list.status, 200) << list.body;
  auto items = list.js()["items"];
  ASSERT_EQ(items.size(), 2u) << list.body;  // only handler's own
  std::string phone_session;
  int current = 0;
  for (auto& s : items) {
    if (s["current"].get<bool>()) ++current;
    else phone_session = s["id"];
    EXPECT_EQ(s["ip"], "127.0.0.1");
  }
  EXPECT_EQ(items[1]["user_agent"], "Mozilla/5.0 (iPhone) MicroMessenger/8.0");  // newest first
  EXPECT_EQ(current, 1);
  ASSERT_FALSE(phone_session.empty());

  // dept cannot end handler's session; handler ends the phone's.
  EXPECT_EQ(other.del("/api/v1/me/sessions/" + phone_session).status, 404);
  EXPECT_EQ(phone.get("/api/v1/me").status, 200);
  EXPECT_EQ(desk.del("/api/v1/me/sessions/" + phone_session).status, 204);
  EXPECT_EQ(phone.get("/api/v1/me").status, 401);
  EXPECT_EQ(desk.del("/api/v1/me/sessions/" + phone_session).status, 404);  // already ended
  EXPECT_EQ(desk.get("/api/v1/me/sessions").js()["items"].size(), 1u);

  // Signing in again elsewhere with 结束其他设备上的登录 ends the desk's session.
  auto third = server->client();
  auto r = third.request("POST", "/api/v1/auth/login",
                         json{{"username", "handler"}, {"password", "Manyi-demo-1"}, {"end_other_sessions", true}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["other_sessions"], 0);
  EXPECT_EQ(desk.get("/api/v1/me").status, 401);
  EXPECT_EQ(other.get("/api/v1/me").status, 200);  // another user's session is untouched

  // End all others from the sessions page.
  ASSERT_EQ(phone.login("handler").status, 200);
  auto fourth = server->client();
  ASSERT_EQ(fourth.login("handler").status, 200);
  ASSERT_EQ(third.login("handler").status, 200);  // keeps a fresh cookie for `third`
  auto ended = third.post("/api/v1/me/sessions/end-others", json::object());
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_GE(ended.js()["ended"].get<int>(), 2);
  EXPECT_EQ(phone.get("/api/v1/me").status, 401);
  EXPECT_EQ(fourth.get("/api/v1/me").status, 401);
  EXPECT_EQ(third.get("/api/v1/me").status, 200);
  EXPECT_EQ(third.get("/api/v1/me/sessions").js()["items"].size(), 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.session.end' AND username = 'handler'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sessions.end_others' AND username = 'handler'"),
            2);
  EXPECT_EQ(third.post("/api/v1/me/sessions/end-others", json::object()).js()["ended"], 0);
}

INSTANTIATE_TEST_SUITE_P(Db, SignIn, ::testing::ValuesIn(backends()), backend_name);
