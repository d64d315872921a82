#include "core/clock.hpp"

#include <chrono>

namespace manyi {
namespace {
std::atomic<int64_t> fake{0};
}
int64_t now_ms() {
  int64_t f = fake.load(std::memory_order_relaxed);
  if (f) return f;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}
void set_fake_now_ms(int64_t ms) { fake.store(ms); }
}  // namespace manyi
