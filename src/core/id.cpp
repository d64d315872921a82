#include "core/id.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>

namespace manyi {
namespace {
constexpr int64_t kEpochMs = 1577836800000LL;  // 2020-01-01T00:00:00Z
struct Generator {
  std::mutex mu;
  int64_t last_ms = 0;
  int64_t seq = 0;
  int64_t instance = [] {
    if (sodium_init() < 0) return int64_t{0};
    return static_cast<int64_t>(randombytes_uniform(1024));
  }();
};
Generator& gen() {
  static Generator g;
  return g;
}
}  // namespace

int64_t new_id() {
  auto& g = gen();
  std::lock_guard lock(g.mu);
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count() - kEpochMs;
  if (now < g.last_ms) now = g.last_ms;  // clock stepped back: stay monotonic
  if (now == g.last_ms) {
    if (++g.seq >= 4096) {
      ++now;  // borrow the next millisecond rather than spin
      g.seq = 0;
    }
  } else {
    g.seq = 0;
  }
  g.last_ms = now;
  return (now << 22) | (g.instance << 12) | g.seq;
}

int64_t id_time_ms(int64_t id) { return (id >> 22) + kEpochMs; }

int64_t id_at(int64_t unix_ms, uint64_t low) {
  return (std::max<int64_t>(unix_ms - kEpochMs, 0) << 22) | static_cast<int64_t>(low & ((uint64_t{1} << 22) - 1));
}

int64_t parse_id(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return 0;
  return v;
}

}  // namespace manyi
