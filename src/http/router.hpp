// Router: every route declares what it needs — "public" (no login, rate-limited), "login"
// (any signed-in user) or a permission such as "org.write". The router authenticates,
// checks CSRF on state changes and the coarse permission; handlers then check the node they
// touch with Ctx::require(perm, node). Authorization lives here and in Ctx, nowhere else.
#pragma once
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/http.hpp"
#include "http/metrics.hpp"
#include "http/ratelimit.hpp"

namespace manyi::http {

struct Grant {
  int64_t id = 0;
  std::string role;
  int64_t node_id = 0;
  std::string node_path;  // "/<id>/<id>/…/" of the granted node
  std::string node_name;
};

struct Principal {
  int64_t user_id = 0;
  int64_t session_id = 0;
  int64_t staff_id = 0;
  std::string username, display_name, csrf;
  bool must_change_password = false;
  std::vector<Grant> grants;
};

// Implemented by org: sessions, roles and the org tree.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual std::optional<Principal> authenticate(const Request& req) = 0;
  virtual bool role_has(const std::string& role, const std::string& perm) const = 0;
  // Path of a node ("/1/2/3/"), or nullopt when it does not exist.
  virtual std::optional<std::string> node_path(int64_t node_id) = 0;
};

// Runs blocking work (database reads) away from the IO threads; an asynchronous handler uses
// it for its slow cases. Whatever the work throws becomes the request's error answer.
using Offload = std::function<void(std::function<void()>)>;

class Ctx {
 public:
  Ctx(const Request& r, Authorizer& a) : req(r), auth_(a) {}
  const Request& req;
  std::map<std::string, std::string> params;
  std::optional<Principal> user;
  Offload offload;  // set by the router for asynchronous handlers

  const Principal& me() const;
  std::string param(const std::string& name) const;
  // A path parameter that must be an id; 404 otherwise.
  int64_t id_param(const std::string& name) const;
  // Query parameter "name" parsed as an id (422 when present but malformed).
  std::optional<int64_t> id_query(const std::string& name) const;

  bool can(const std::string& perm) const;                      // anywhere
  bool can(const std::string& perm, int64_t node_id);           // on this node (subtree of a grant)
  bool can_path(const std::string& perm, const std::string& node_path) const;
  // Throws 404 when the node does not exist, 403 when it is outside the user's scope.
  void require(const std::string& perm, int64_t node_id);
  void require_path(const std::string& perm, const std::string& node_path) const;
  // The ?node= filter of a list or a figure, in one place: "" without ?node=, else the node's
  // path when the caller holds any of perms on it — 422 for a malformed id, 404 when there is
  // no such node, 403 when it is outside the caller's scope. Narrow a query to it with
  // store::subtree_upper (path >= it AND path < its upper bound).
  std::string node_filter(std::initializer_list<const char*> perms);
  // The granted subtrees (paths) for a permission, nested ones removed. Empty = nothing.
  std::vector<std::string> scope_paths(const std::string& perm) const;
  Authorizer& authorizer() { return auth_; }

 private:
  Authorizer& auth_;
};


using Handler = std::function<Response(Ctx&)>;
// The answer to a request; called exactly once, from any thread.
using Reply = std::function<void(Response)>;
// A handler that answers later (e.g. when a batch commits) and must not block: it runs on an
// IO thread. Work that may block goes through Ctx::offload. Once it has passed the reply on
// (or called it), it must not throw.
using AsyncHandler = std::function<void(Ctx&, Reply)>;

// What a route accepts as a request body's Content-Type. Public state changes and the sign-in
// accept only what another site's HTML form cannot send, so a cross-site form cannot post to
// them: JSON, or for file uploads a file's own type (never a form encoding or text/plain).
enum class BodyType { any, json, file };

struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/org/nodes/{id}"
  std::string access;   // "public", "login" or a permission
  Handler fn;
  AsyncHandler afn;  // instead of fn: answers through a Reply without holding a thread
  size_t max_body = 256 * 1024;
  std::string limit_class;  // rate-limit class for public routes ("public_read", "public_write", "login")
  BodyType body = BodyType::any;  // json for public routes other than GET (415 otherwise)
  std::vector<std::string> segs;
};

class Router {
 public:
  Router(Authorizer& auth, RateLimiter& limiter, Metrics& metrics) : auth_(auth), limiter_(limiter), metrics_(metrics) {}
  Route& add(std::string method, std::string pattern, std::string access, Handler fn);
  Route& add_async(std::string method, std::string pattern, std::string access, AsyncHandler fn);
  struct Target {
    size_t max_body;   // largest body the matching route accepts (the server's parser limit)
    bool async;        // an asynchronous route: dispatch_async may run on an IO thread
    bool needs_login;  // the route needs a session (authorize() can check it before the body)
    std::optional<Response> refusal;  // answered from the headers alone; the body is not read
  };
  Target target(const std::string& method, const std::string& path) const;
  size_t max_body(const std::string& method, const std::string& path) const { return target(method, path).max_body; }
  // Decides what the headers alone can decide, before the body is read and without touching the
  // database: the route (404), the method (405) and the rate limit (429). Records the match in
  // req.admitted so that dispatch does not repeat it. Runs on an IO thread.
  Target admit(Request& req);
  // For an admitted route that needs a login: the session, CSRF and the coarse permission
  // (blocks on the database: run it on a worker). Records the principal in req.admitted.
  std::optional<Response> authorize(Request& req);
  bool matches_api(const std::string& path) const { return path.rfind("/api/", 0) == 0; }
  // Answers a request, blocking until the answer is ready (the server runs it on a worker).
  Response dispatch(const Request& req);
  // Answers through reply. Synchronous routes run their handler inline (block); asynchronous
  // ones return at once and reply later. offload runs blocking work for asynchronous handlers.
  void dispatch_async(const Request& req, Offload offload, Reply reply);
  const std::vector<Route>& routes() const { return routes_; }
  Metrics& metrics() { return metrics_; }
  // Static files and the single-page-app fallback for non-API GETs.
  void set_fallback(std::function<std::optional<Response>(const Request&)> f) { fallback_ = std::move(f); }
  // Headers for every answer (pages, API, errors, static files), computed from the request
  // before dispatch; a header the handler set itself (e.g. a page's own CSP) is kept.
  using Headers = std::vector<std::pair<std::string, std::string>>;
  void set_response_headers(std::function<Headers(const Request&)> f) { response_headers_ = std::move(f); }
  // Adds those headers (and Retry-After to a 429 or 503) to an answer made outside dispatch.
  void add_headers(const Request& req, Response& res) const;

 private:
  const Route* match(const Request& req, std::map<std::string, std::string>& params, bool& method_mismatch) const;
  // Signs the request's user in and checks CSRF and the route's coarse permission; throws Error.
  Principal check_access(const Route& route, const Request& req);
  Authorizer& auth_;
  RateLimiter& limiter_;
  Metrics& metrics_;
  std::vector<Route> routes_;
  std::function<std::optional<Response>(const Request&)> fallback_;
  std::function<Headers(const Request&)> response_headers_;
};

// True when the request's Content-Type fits what the route accepts (an empty body without a
// Content-Type fits too: nothing to misread).
bool body_type_ok(BodyType want, const Request& req);

Response error_response(int status, const std::string& code, const std::string& message,
                        const std::string& field = {});
// The answer for an exception escaping a handler (Error, JSON error, anything else: 500, logged).
Response error_from(std::exception_ptr e, const Request& req);

}  // namespace manyi::http

