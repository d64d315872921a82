// Raw request bytes up to and through routing: Beast's parser (with the server's header
// limit), the Request the server makes of the line and headers (decoded path, query,
// lower-case headers, the client address behind trusted proxies), Router::admit (route,
// method, rate limit, body limit) and, for an admitted request, the body-type check and
// dispatch (sign-in checks answer 401 without a database).
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/json.hpp"
#include "http/request_head.hpp"
#include "http/router.hpp"

using namespace manyi;
namespace bhttp = boost::beast::http;

namespace {
struct NoSessions : http::Authorizer {
  std::optional<http::Principal> authenticate(const http::Request&) override { return std::nullopt; }
  bool role_has(const std::string&, const std::string&) const override { return false; }
  std::optional<std::string> node_path(int64_t) override { return std::nullopt; }
};

struct World {
  NoSessions auth;
  http::RateLimiter limiter;
  http::Metrics metrics;
  http::Router router{auth, limiter, metrics};
  std::vector<http::Cidr> proxies = {http::parse_cidr("10.0.0.0/8"), http::parse_cidr("::1/128")};
  World() {
    limiter.configure("public_read", {1e9, 1e9});
    limiter.configure("public_write", {1e9, 1e9});
    auto echo = [](http::Ctx& c) {
      std::string out = c.req.path;
      for (auto& [k, v] : c.params) out += k + "=" + c.param(k);
      (void)c.req.cookie("manyi_session");
      return http::Response::text(200, out);
    };
    // The shapes of the real table: public and signed-in routes, parameters, body limits.
    for (const char* p : {"/api/v1/public/points/{code}", "/f/{code}", "/api/v1/public/cases/{code}",
                          "/api/v1/public/receipts/{receipt}", "/api/v1/public/units",
                          "/api/v1/public/units/{code}/departments", "/healthz"})
      r("GET", p, "public", echo).limit_class = "public_read";
    for (const char* p : {"/api/v1/public/ratings", "/api/v1/public/cases", "/api/v1/public/cases/{code}/callback"}) {
      auto& rt = r("POST", p, "public", echo);
      rt.limit_class = "public_write";
      rt.body = http::BodyType::json;
      rt.max_body = 16 * 1024;
    }
    r("POST", "/api/v1/public/cases/{code}/attachments", "public", echo).body = http::BodyType::file;
    r("POST", "/api/v1/auth/login", "public", echo).body = http::BodyType::json;
    for (const char* p : {"/api/v1/me", "/api/v1/cases", "/api/v1/cases/{id}", "/api/v1/org/nodes/{id}/children"})
      r("GET", p, "login", echo);
    r("POST", "/api/v1/staff/import", "org.write", echo).max_body = 8 << 20;
    r("PUT", "/api/v1/calendar/days/{date}", "calendar.write", echo);
    router.set_fallback([](const http::Request& q) -> std::optional<http::Response> {
      if (q.path == "/") return http::Response::text(200, "index");
      return std::nullopt;
    });
  }
  http::Route& r(const char* m, const char* p, const char* access, http::Handler h) {
    return router.add(m, p, access, std::move(h));
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World w;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  boost::asio::const_buffer buf(data, size);
  while (buf.size() && !parser.is_done()) {
    size_t n = parser.put(buf, ec);
    if (ec == bhttp::error::need_more) break;
    if (ec || n == 0) break;
    buf += n;
  }
  if (!parser.is_header_done()) return 0;
  (void)parser.get().keep_alive();
  (void)parser.content_length();
  http::Request req = http::request_head(parser.get());
  req.remote_ip = http::forwarded_client(size % 2 ? "10.1.2.3" : "203.0.113.9", parser.get(), w.proxies);
  auto target = w.router.admit(req);
  if (target.refusal) {
    if (target.refusal->status < 400 || target.refusal->status > 499) std::abort();
    return 0;
  }
  // What routing lets through is text: path parameters and query values go to the database
  // as such (PostgreSQL refuses bytes that are not UTF-8; regression seed non-utf8-path.http).
  for (auto& [k, v] : req.admitted.params)
    if (!jv::valid_text(v)) std::abort();
  for (auto& [k, v] : req.query)
    if (!jv::valid_text(k) || !jv::valid_text(v)) std::abort();
  if (parser.is_done()) req.body = parser.get().body();
  if (req.admitted.route && !http::body_type_ok(req.admitted.route->body, req)) return 0;
  auto res = w.router.dispatch(req);
  if (res.status >= 500) std::abort();
  return 0;
}
