// RateLimiter: token buckets keyed by (class, key) — client address, device id or account.
// Classes are configured with a rate per second and a burst; unknown classes are unlimited.
// Buckets live in this process; with several instances each enforces its own share. A bucket
// is keyed by a keyed 64-bit hash of (class, key) in an open-addressing map: a flood of fresh
// device ids costs no heap string per request.
#pragma once
#include <tsl/robin_map.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/keyhash.hpp"

namespace manyi::http {

class RateLimiter {
 public:
  struct Limit {
    double per_second;
    double burst;
  };
  void configure(const std::string& cls, Limit l);
  // Takes a token; returns 0 when allowed, otherwise the seconds to wait (>= 1).
  int take(const std::string& cls, const std::string& key, int64_t now_ms);
  // The seconds take() would ask to wait now, without taking a token (0 = a token is there).
  // For limits that charge only some outcomes (sign-in failures): check first, take after.
  int wait(const std::string& cls, const std::string& key, int64_t now_ms);
  // Like take(), but an empty bucket still loses the token, down to a debt of one burst: a key
  // that keeps going stays refused until it has been quiet long enough to pay the debt back.
  int charge(const std::string& cls, const std::string& key, int64_t now_ms);
  bool has_class(const std::string& cls) const;

 private:
  struct Bucket {
    double tokens;
    int64_t at_ms;
  };
  static constexpr int kShards = 16;
  enum class Use { take, look, charge };
  int use(const std::string& cls, const std::string& key, int64_t now_ms, Use how);
  struct Shard {
    std::mutex mu;
    tsl::robin_map<uint64_t, Bucket, KeyHashIdentity> buckets;
    int64_t last_sweep = 0;
  };
  std::map<std::string, Limit> limits_;
  Shard shards_[kShards];
};

}  // namespace manyi::http
