#include "http/router.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <set>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace manyi::http {

namespace {
std::vector<std::string> split_path(const std::string& p) {
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
// A user who must change the password may only see who they are, change it, or sign out.
bool allowed_before_password_change(const Route& r) {
  return (r.method == "GET" && r.pattern == "/api/v1/me") ||
         (r.method == "POST" && (r.pattern == "/api/v1/auth/password" || r.pattern == "/api/v1/auth/logout"));
}
}  // namespace

Response error_response(int status, const std::string& code, const std::string& message, const std::string& field) {
  Response r;
  r.status = status;
  r.body = error_body(code, message, field);
  return r;
}

// ---- Ctx ----
const Principal& Ctx::me() const {
  if (!user) throw Error(401, "unauthenticated", "please sign in");
  return *user;
}
std::string Ctx::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}
int64_t Ctx::id_param(const std::string& name) const {
  int64_t id = parse_id(param(name));
  if (!id) throw not_found(name);
  return id;
}
std::optional<int64_t> Ctx::id_query(const std::string& name) const {
  auto v = req.q(name);
  if (!v) return std::nullopt;
  int64_t id = parse_id(*v);
  if (!id) throw invalid(name, name + " must be an id");
  return id;
}
bool Ctx::can(const std::string& perm) const {
  if (!user) return false;
  for (auto& g : user->grants)
    if (auth_.role_has(g.role, perm)) return true;
  return false;
}
bool Ctx::can_path(const std::string& perm, const std::string& node_path) const {
  if (!user) return false;
  for (auto& g : user->grants)
    if (auth_.role_has(g.role, perm) && node_path.compare(0, g.node_path.size(), g.node_path) == 0) return true;
  return false;
}
bool Ctx::can(const std::string& perm, int64_t node_id) {
  auto p = auth_.node_path(node_id);
  return p && can_path(perm, *p);
}
void Ctx::require_path(const std::string& perm, const std::string& node_path) const {
  if (!can_path(perm, node_path)) throw forbidden("this belongs to a unit outside your scope");
}
void Ctx::require(const std::string& perm, int64_t node_id) {
  auto p = auth_.node_path(node_id);
  if (!p) throw not_found("org node");
  require_path(perm, *p);
}
std::string Ctx::node_filter(std::initializer_list<const char*> perms) {
  auto id = id_query("node");
  if (!id) return "";
  auto p = auth_.node_path(*id);
  if (!p) throw not_found("org node");
  for (auto perm : perms)
    if (can_path(perm, *p)) return *p;
  throw forbidden("this belongs to a unit outside your scope");
}
std::vector<std::string> Ctx::scope_paths(const std::string& perm) const {
  std::set<std::string> all;
  if (user)
    for (auto& g : user->grants)
      if (auth_.role_has(g.role, perm)) all.insert(g.node_path);
  std::vector<std::string> out;
  for (auto& p : all) {  // sorted: an ancestor comes before its descendants
    bool nested = false;
    for (auto& q : out)
      if (p.compare(0, q.size(), q) == 0) nested = true;
    if (!nested) out.push_back(p);
  }
  return out;
}

// The headers every answer carries (security headers) unless the handler set its own, the
// request's id, and a Retry-After on every "come back later" answer.
static void add_common_headers(Response& res, const Router::Headers& common, const std::string& request_id) {
  auto has = [&res](const std::string& name) {
    for (auto& [k, v] : res.headers)
      if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          }))
        return true;
    return false;
  };
  for (auto& [k, v] : common)
    if (!has(k)) res.header(k, v);
  if ((res.status == 429 || res.status == 503) && !has("Retry-After")) res.header("Retry-After", "1");
  if (!request_id.empty()) res.header("X-Request-Id", request_id);
}

// ---- Router ----
void Router::add_headers(const Request& req, Response& res) const {
  add_common_headers(res, response_headers_ ? response_headers_(req) : Headers{}, req.request_id);
}

Route& Router::add(std::string method, std::string pattern, std::string access, Handler fn) {
  if (access.empty()) throw std::logic_error("route " + pattern + " declares no access");
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.access = std::move(access);
  r.fn = std::move(fn);
  r.segs = split_path(r.pattern);
  if (r.access == "public") {
    r.limit_class = r.method == "GET" ? "public_read" : "public_write";
    if (r.method != "GET") r.body = BodyType::json;
  }
  routes_.push_back(std::move(r));
  return routes_.back();
}

Route& Router::add_async(std::string method, std::string pattern, std::string access, AsyncHandler fn) {
  auto& r = add(std::move(method), std::move(pattern), std::move(access), nullptr);
  r.afn = std::move(fn);
  return r;
}

const Route* Router::match(const Request& req, std::map<std::string, std::string>& params, bool& method_mismatch) const {
  // Split the path in place (views into req.path), compare without allocating, and build the
  // parameters only for the winning route.
  std::string_view path = req.path;
  std::vector<std::string_view> segs;
  for (size_t i = 1; i <= path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    segs.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  const Route* best = nullptr;
  int best_literals = -1;
  for (auto& r : routes_) {
    if (r.segs.size() != segs.size()) continue;
    int literals = 0;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& s = r.segs[i];
      if (s.size() > 2 && s.front() == '{' && s.back() == '}') ok = !segs[i].empty();
      else if (s == segs[i]) ++literals;
      else ok = false;
    }
    if (!ok) continue;
    bool same_method = r.method == req.method || (req.method == "HEAD" && r.method == "GET");
    if (!same_method) {
      method_mismatch = true;
      continue;
    }
    if (literals > best_literals) {
      best = &r;
      best_literals = literals;
    }
  }
  if (best)
    for (size_t i = 0; i < segs.size(); ++i) {
      const auto& s = best->segs[i];
      if (s.size() > 2 && s.front() == '{' && s.back() == '}') params[s.substr(1, s.size() - 2)] = std::string(segs[i]);
    }
  return best;
}

Router::Target Router::target(const std::string& method, const std::string& path) const {
  Request req;
  req.method = method;
  req.path = path;
  std::map<std::string, std::string> p;
  bool mm = false;
  auto r = match(req, p, mm);
  return r ? Target{r->max_body, static_cast<bool>(r->afn), r->access != "public", std::nullopt}
           : Target{64 * 1024, false, false, std::nullopt};
}

Router::Target Router::admit(Request& req) {
  auto t0 = std::chrono::steady_clock::now();
  auto refuse = [&](Response res, const std::string& label) {
    metrics_.observe(req.method, label, res.status,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    add_headers(req, res);
    return Target{64 * 1024, false, false, std::move(res)};
  };
  // Path parameters and query values are text all the way to the database (PostgreSQL refuses
  // bytes that are not UTF-8): a target that decodes to anything else is refused here.
  if (!jv::valid_text(req.path) || req.path.find_first_of("\r\n\t") != std::string::npos)
    return refuse(error_response(400, "bad_request", "the request path is not valid UTF-8 text"), "unmatched");
  for (auto& [k, v] : req.query)
    if (!jv::valid_text(k) || !jv::valid_text(v)) {
      std::string field = jv::valid_text(k) ? k : "query";
      return refuse(error_response(422, "invalid_field", "query parameter " + field + " is not valid UTF-8 text", field),
                    "unmatched");
    }
  bool method_mismatch = false;
  const Route* route = match(req, req.admitted.params, method_mismatch);
  if (!route) {
    // Static files and the console's fallback are decided by dispatch (no body to protect).
    if (!matches_api(req.path) && (req.method == "GET" || req.method == "HEAD") && fallback_)
      return Target{64 * 1024, false, false, std::nullopt};
    if (method_mismatch)
      return refuse(error_response(405, "method_not_allowed", req.method + " is not allowed on " + req.path),
                    "unmatched");
    return refuse(error_response(404, "not_found", "no such route: " + req.path), "unmatched");
  }
  if (!route->limit_class.empty()) {
    if (int wait = limiter_.take(route->limit_class, req.remote_ip, now_ms())) {
      Response res = error_response(429, "rate_limited", "too many requests; please retry later");
      res.header("Retry-After", std::to_string(wait));
      return refuse(std::move(res), route->pattern);
    }
  }
  req.admitted.route = route;
  return Target{route->max_body, static_cast<bool>(route->afn), route->access != "public", std::nullopt};
}

std::optional<Response> Router::authorize(Request& req) {
  const Route* route = req.admitted.route;
  if (!route || route->access == "public") return std::nullopt;
  try {
    req.admitted.user = std::make_shared<const Principal>(check_access(*route, req));
    return std::nullopt;
  } catch (...) {
    Response res = error_from(std::current_exception(), req);
    metrics_.observe(req.method, route->pattern, res.status, 0);
    add_headers(req, res);
    return res;
  }
}

Principal Router::check_access(const Route& route, const Request& req) {
  std::optional<Principal> user;
  if (req.admitted.user) user = *req.admitted.user;
  else user = auth_.authenticate(req);
  if (!user) throw Error(401, "unauthenticated", "please sign in");
  if (req.method != "GET" && req.method != "HEAD") {
    if (req.header("x-csrf-token") != user->csrf || user->csrf.empty())
      throw Error(403, "csrf_failed", "missing or wrong CSRF token (X-CSRF-Token header)");
  }
  if (user->must_change_password && !allowed_before_password_change(route))
    throw Error(403, "password_change_required", "please change your password first");
  if (route.access != "login") {
    bool allowed = false;
    for (auto& g : user->grants) allowed = allowed || auth_.role_has(g.role, route.access);
    if (!allowed) throw Error(403, "forbidden", "your role does not allow this (" + route.access + ")");
  }
  return std::move(*user);
}

bool body_type_ok(BodyType want, const Request& req) {
  if (want == BodyType::any) return true;
  std::string ct = req.header("content-type");
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  ct.erase(0, std::min(ct.size(), ct.find_first_not_of(' ')));
  for (auto& c : ct) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ct.empty()) return req.body.empty();
  if (want == BodyType::json) return ct == "application/json";
  // A file's own type; the three a plain HTML form can send are refused.
  return ct != "application/x-www-form-urlencoded" && ct != "multipart/form-data" && ct != "text/plain";
}

Response error_from(std::exception_ptr e, const Request& req) {
  try {
    std::rethrow_exception(e);
  } catch (const Error& e) {
    Response res = error_response(e.status(), e.code(), e.what(), e.field());
    // Unavailable for a moment (database restarting, server busy, throttled): say when to come back.
    if (e.retry_after() > 0) res.header("Retry-After", std::to_string(e.retry_after()));
    else if (e.status() == 503) res.header("Retry-After", "1");
    if (e.status() >= 500)
      spdlog::warn("{} {} [req {}]: {} {}", req.method, req.path, req.request_id, e.code(), one_line(e.what()));
    return res;
  } catch (const nlohmann::json::exception& e) {
    return error_response(400, "bad_request", std::string("invalid JSON value: ") + e.what());
  } catch (const std::exception& e) {
    spdlog::error("{} {} [req {}]: {}", req.method, req.path, req.request_id, one_line(e.what()));
  } catch (...) {
    spdlog::error("{} {} [req {}]: unknown exception", req.method, req.path, req.request_id);
  }
  return error_response(500, "internal_error", "internal error; it has been logged");
}

Response Router::dispatch(const Request& req) {
  std::promise<Response> answer;
  auto fut = answer.get_future();
  dispatch_async(req, [](std::function<void()> fn) { fn(); }, [&answer](Response r) { answer.set_value(std::move(r)); });
  return fut.get();
}

void Router::dispatch_async(const Request& req, Offload offload, Reply reply) {
  auto t0 = std::chrono::steady_clock::now();
  std::map<std::string, std::string> params;
  bool method_mismatch = false;
  // A request admitted by the server before its body was read is matched and rate-limited.
  const Route* route = req.admitted.route;
  if (route) params = req.admitted.params;
  else route = match(req, params, method_mismatch);
  bool rate_checked = req.admitted.route != nullptr;
  // Records the request's metrics and answers, once: a late throw after an asynchronous
  // handler has replied is logged, not answered twice.
  struct Once {
    std::atomic<bool> done{false};
    Reply reply;
    std::string method, label, request_id;
    Headers headers;
  };
  auto once = std::make_shared<Once>();
  if (response_headers_) once->headers = response_headers_(req);
  once->reply = std::move(reply);
  once->method = req.method;
  once->request_id = req.request_id;
  once->label = route ? route->pattern : "unmatched";
  Reply finish = [this, t0, once](Response res) {
    if (once->done.exchange(true)) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    metrics_.observe(once->method, once->label, res.status, secs);
    add_common_headers(res, once->headers, once->request_id);
    once->reply(std::move(res));
  };
  try {
    if (!route) {
      if (!matches_api(req.path) && (req.method == "GET" || req.method == "HEAD") && fallback_) {
        if (auto f = fallback_(req)) {
          once->label = "static";
          return finish(std::move(*f));
        }
      }
      if (method_mismatch) throw Error(405, "method_not_allowed", req.method + " is not allowed on " + req.path);
      throw Error(404, "not_found", "no such route: " + req.path);
    }
    if (!body_type_ok(route->body, req))
      throw Error(415, "unsupported_media_type",
                  route->body == BodyType::json ? "this endpoint accepts only Content-Type: application/json"
                                                : "send the file with its own Content-Type",
                  "Content-Type");
    Ctx ctx(req, auth_);
    ctx.params = std::move(params);
    if (!route->limit_class.empty() && !rate_checked) {
      if (int wait = limiter_.take(route->limit_class, req.remote_ip, now_ms())) {
        Response res = error_response(429, "rate_limited", "too many requests; please retry later");
        res.header("Retry-After", std::to_string(wait));
        return finish(std::move(res));
      }
    }
    if (route->access != "public") ctx.user = check_access(*route, req);
    if (!route->afn) return finish(route->fn(ctx));
    ctx.offload = [offload = std::move(offload), finish, &req](std::function<void()> work) {
      offload([work = std::move(work), finish, &req] {
        try {
          work();
        } catch (...) {
          finish(error_from(std::current_exception(), req));
        }
      });
    };
    route->afn(ctx, finish);
  } catch (...) {
    finish(error_from(std::current_exception(), req));
  }
}

}  // namespace manyi::http
