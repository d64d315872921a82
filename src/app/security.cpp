#include "app/security.hpp"

#include <algorithm>
#include <cctype>

#include "app/app.hpp"
#include "http/csp.hpp"
#include "http/server.hpp"

namespace manyi {

namespace {
bool trusted(const Config& cfg, const std::string& ip) {
  for (auto& c : cfg.trusted_proxies)
    if (http::in_cidr(ip, c)) return true;
  return false;
}

// Did a trusted proxy hand us this request? The server resolved remote_ip from the socket peer
// and, for a trusted peer, from X-Forwarded-For (the right-most untrusted hop); this repeats
// that walk. A client that is not a proxy can at most claim HTTPS for its own answer.
bool via_trusted_proxy(const Config& cfg, const http::Request& req) {
  if (cfg.trusted_proxies.empty()) return false;
  if (trusted(cfg, req.remote_ip)) return true;
  std::string xff = req.header("x-forwarded-for");
  if (xff.empty()) return false;
  size_t end = xff.size();
  for (;;) {
    size_t comma = end == 0 ? std::string::npos : xff.rfind(',', end - 1);
    size_t begin = comma == std::string::npos ? 0 : comma + 1;
    std::string hop = xff.substr(begin, end - begin);
    hop.erase(0, std::min(hop.size(), hop.find_first_not_of(' ')));
    while (!hop.empty() && hop.back() == ' ') hop.pop_back();
    if (!hop.empty() && !trusted(cfg, hop)) return hop == req.remote_ip;
    if (comma == std::string::npos) return false;
    end = comma;
  }
}
}  // namespace

bool request_is_https(const Config& cfg, const http::Request& req) {
  if (cfg.public_url.rfind("https://", 0) == 0) return true;
  std::string proto = req.header("x-forwarded-proto");
  for (auto& c : proto) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return proto == "https" && via_trusted_proxy(cfg, req);
}

void install_security_headers(App& app) {
  const std::string csp = http::csp_policy();
  app.router->set_response_headers([&app, csp](const http::Request& req) {
    http::Router::Headers h = {{"Content-Security-Policy", csp},
                               {"X-Frame-Options", "DENY"},
                               {"Referrer-Policy", "same-origin"}};
    if (request_is_https(app.cfg, req)) h.emplace_back("Strict-Transport-Security", "max-age=31536000");
    return h;
  });
}

}  // namespace manyi
