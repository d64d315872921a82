// Auth: login with throttling of failures (org/login_throttle.hpp: per name in the database,
// per address in memory),
// database-backed sessions with idle and absolute timeouts, CSRF tokens, and the
// http::Authorizer the router uses (role → permission, node paths).
#pragma once
#include <optional>
#include <string>

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
};

class Auth : public http::Authorizer {
 public:
  Auth(OrgService& org, http::RateLimiter& limiter, AuthOptions opts = {})
      : org_(org), throttle_(org.db(), limiter), opts_(opts) {}

  LoginResult login(const std::string& username, const std::string& password, const std::string& ip,
                    const std::string& user_agent);
  void logout(const http::Principal& p);
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
