// Auth: login with throttling of failures (org/login_throttle.hpp: per name in the database,
// per address in memory),
// database-backed sessions with idle and absolute timeouts, CSRF tokens, and the
// http::Authorizer the router uses (role → permission, node paths).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "http/ratelimit.hpp"
#include "org/login_throttle.hpp"
#include "http/router.hpp"
#include "org/service.hpp"

namespace manyi::org {

struct AuthOptions {
  int64_t idle_timeout_ms = 2LL * 3600 * 1000;
  int64_t absolute_timeout_ms = 12LL * 3600 * 1000;
  bool secure_cookie = false;                    // always mark the cookie Secure
};

struct LoginResult {
  std::string token;  // cookie value
  http::Principal principal;
  int64_t other_sessions = 0;  // the user's other sessions still open after this sign-in
};

// One of a user's open sessions, as the user sees it on 登录设备.
struct SessionInfo {
  int64_t id = 0;
  std::string ip, user_agent;
  int64_t created_at = 0, last_seen = 0;
  bool current = false;
};

class Auth : public http::Authorizer {
 public:
  Auth(OrgService& org, http::RateLimiter& limiter, AuthOptions opts = {})
      : org_(org), throttle_(org.db(), limiter), opts_(opts) {}

  // end_others: revoke the user's other sessions in the same transaction (结束其他设备上的登录).
  LoginResult login(const std::string& username, const std::string& password, const std::string& ip,
                    const std::string& user_agent, bool end_others = false);
  void logout(const http::Principal& p);
  // The caller's open sessions (not ended, not timed out), newest first; at most 100.
  std::vector<SessionInfo> sessions_of(const http::Principal& p);
  // Ends one of the caller's own sessions; false when it is not theirs or not open.
  bool end_session(const http::Principal& p, int64_t session_id, const std::string& ip);
  // Ends all the caller's sessions but the current one; returns how many.
  int64_t end_other_sessions(const http::Principal& p, const std::string& ip);
  // https: the request reached us over HTTPS (app/security.hpp) — the cookie gets Secure.
  std::string session_cookie(const std::string& token, bool https) const;
  std::string clear_cookie(bool https) const;
  std::optional<http::Principal> principal_for_token(const std::string& token);

  // http::Authorizer
  std::optional<http::Principal> authenticate(const http::Request& req) override;
  bool role_has(const std::string& role, const std::string& perm) const override;
  std::optional<std::string> node_path(int64_t node_id) override;

  const AuthOptions& options() const { return opts_; }

 private:
  OrgService& org_;
  LoginThrottle throttle_;
  AuthOptions opts_;
};

std::string random_token(size_t bytes = 32);

}  // namespace manyi::org
