// LoginThrottle: sign-in throttling that charges failures, never successes.
// - Per client address (in memory, http::RateLimiter class "login"): a bucket of failures
//   (--login-burst, refilled at --login-rate per second). While it is empty every sign-in from
//   the address is refused unchecked; a success takes nothing, so a shift signing in through
//   one NAT address is never slowed down by its own successes.
// - Per user name (in the database, table login_failures, shared by instances): after
//   kFreeFailures consecutive failures each further attempt must wait kFirstDelayMs, doubling
//   with every failure, capped at kMaxDelayMs. Attempts during the wait are refused unchecked
//   and not counted. Names of accounts that do not exist are counted the same way, so the
//   answers never tell whether an account exists.
// - The usual address: attempts from the address of the account's last successful sign-in
//   are counted under their own key (name + address), so failures from elsewhere cannot keep
//   the user out at their usual place; guesses from that address are as expensive as any.
// A success clears the name's keys.
#pragma once
#include <cstdint>
#include <string>

#include "http/ratelimit.hpp"
#include "store/db.hpp"

namespace manyi::org {

class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr int64_t kFirstDelayMs = 30 * 1000;
  static constexpr int64_t kMaxDelayMs = 15 * 60 * 1000;
  // The wait after `failures` consecutive failures (0 below kFreeFailures).
  static int64_t delay_ms(int failures);
  // The key counting attempts on `username` from `ip` given the account's usual address.
  static std::string key(const std::string& username, const std::string& ip, const std::string& usual_ip);

  LoginThrottle(store::Db& db, http::RateLimiter& limiter) : db_(db), limiter_(limiter) {}
  // Throws 429 too_many_attempts (with Retry-After) when the attempt may not be checked now.
  void check(const std::string& key, const std::string& ip, int64_t now_ms);
  // Counts a failure against the address bucket; the key's count is bumped inside tx.
  void failed(store::Tx& tx, const std::string& username, const std::string& key, const std::string& ip,
              int64_t now_ms);
  // Forgets the failures of a name (every key of it), inside tx.
  static void succeeded(store::Tx& tx, const std::string& username);

 private:
  store::Db& db_;
  http::RateLimiter& limiter_;
};

}  // namespace manyi::org
