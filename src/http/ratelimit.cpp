#include "http/ratelimit.hpp"

#include <algorithm>
#include <cmath>

namespace manyi::http {

void RateLimiter::configure(const std::string& cls, Limit l) { limits_[cls] = l; }
bool RateLimiter::has_class(const std::string& cls) const { return limits_.count(cls) > 0; }

int RateLimiter::take(const std::string& cls, const std::string& key, int64_t now_ms) {
  return use(cls, key, now_ms, Use::take);
}
int RateLimiter::wait(const std::string& cls, const std::string& key, int64_t now_ms) {
  return use(cls, key, now_ms, Use::look);
}
int RateLimiter::charge(const std::string& cls, const std::string& key, int64_t now_ms) {
  return use(cls, key, now_ms, Use::charge);
}

int RateLimiter::use(const std::string& cls, const std::string& key, int64_t now_ms, Use how) {
  auto lit = limits_.find(cls);
  if (lit == limits_.end()) return 0;
  const Limit& l = lit->second;
  uint64_t k = key_hash({cls, key});
  Shard& sh = shards_[key_shard(k, kShards)];
  std::lock_guard lk(sh.mu);
  if (now_ms - sh.last_sweep > 60000 && sh.buckets.size() > 10000) {
    // Drop buckets that have refilled completely; they carry no information.
    for (auto it = sh.buckets.begin(); it != sh.buckets.end();) {
      if (it.value().tokens + (now_ms - it.value().at_ms) / 1000.0 * l.per_second >= l.burst) it = sh.buckets.erase(it);
      else ++it;
    }
    sh.last_sweep = now_ms;
  }
  auto [it, inserted] = sh.buckets.try_emplace(k, Bucket{l.burst, now_ms});
  Bucket& b = it.value();
  if (!inserted) {
    b.tokens = std::min(l.burst, b.tokens + (now_ms - b.at_ms) / 1000.0 * l.per_second);
    b.at_ms = now_ms;
  }
  if (b.tokens >= 1.0) {
    if (how != Use::look) b.tokens -= 1.0;
    return 0;
  }
  if (how == Use::charge) b.tokens = std::max(-l.burst, b.tokens - 1.0);
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / l.per_second)));
}

}  // namespace manyi::http
