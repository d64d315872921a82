#include "org/login_throttle.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace manyi::org {

namespace {
Error too_many(int64_t wait_ms) {
  int secs = static_cast<int>(std::max<int64_t>(1, (wait_ms + 999) / 1000));
  // One message for every throttled attempt: it says nothing about the account (the wait is
  // in Retry-After).
  Error e(429, "too_many_attempts", "too many failed sign-in attempts; please wait and retry");
  e.retry_after(secs);
  return e;
}
constexpr char kSep = '\x1f';  // cannot occur in a user name
}  // namespace

int64_t LoginThrottle::delay_ms(int failures) {
  if (failures < kFreeFailures) return 0;
  int doublings = std::min(failures - kFreeFailures, 20);
  return std::min(kMaxDelayMs, kFirstDelayMs << doublings);
}

std::string LoginThrottle::key(const std::string& username, const std::string& ip, const std::string& usual_ip) {
  if (!usual_ip.empty() && ip == usual_ip) return username + kSep + ip;
  return username;
}

void LoginThrottle::check(const std::string& key, const std::string& ip, int64_t now_ms) {
  if (int wait = limiter_.wait("login", ip, now_ms)) throw too_many(wait * 1000LL);
  auto r = db_.query("SELECT until_ms FROM login_failures WHERE name = ?", {key});
  if (!r.empty() && r[0].i64(0) > now_ms) throw too_many(r[0].i64(0) - now_ms);
}

void LoginThrottle::failed(store::Tx& tx, const std::string& username, const std::string& key, const std::string& ip,
                           int64_t now_ms) {
  limiter_.take("login", ip, now_ms);
  // Counted in the database, atomically: parallel attempts cannot each see a stale count.
  auto f = tx.query(
      "INSERT INTO login_failures(name, username, failures, until_ms, last_ms) VALUES (?, ?, 1, 0, ?) "
      "ON CONFLICT(name) DO UPDATE SET failures = login_failures.failures + 1, last_ms = excluded.last_ms "
      "RETURNING failures",
      {key, username, now_ms});
  int failures = f.empty() ? 1 : static_cast<int>(f[0].i64(0));
  if (int64_t d = delay_ms(failures)) tx.exec("UPDATE login_failures SET until_ms = ? WHERE name = ?", {now_ms + d, key});
  // Rows idle for a day carry no delay any more; drop them so guessed names do not pile up.
  tx.exec("DELETE FROM login_failures WHERE last_ms < ?", {now_ms - 24LL * 3600 * 1000});
}

void LoginThrottle::succeeded(store::Tx& tx, const std::string& username) {
  tx.exec("DELETE FROM login_failures WHERE username = ?", {username});
}

}  // namespace manyi::org
