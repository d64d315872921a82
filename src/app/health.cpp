#include "app/health.hpp"

#include <chrono>

#include "core/clock.hpp"
#include "store/db.hpp"

namespace manyi {

HealthMonitor::HealthMonitor(store::Db& db, int64_t interval_ms, int64_t stale_after_ms)
    : db_(db), interval_ms_(interval_ms), stale_after_ms_(stale_after_ms) {
  check();
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stop_; })) {
      lock.unlock();
      check();
      lock.lock();
    }
  });
}

HealthMonitor::~HealthMonitor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HealthMonitor::check() {
  bool ok = db_.ping();
  last_ok_ = ok;
  if (!ok) return;
  try {
    schema_ = store::schema_version(db_);
  } catch (...) {
  }
  ok_at_ = now_ms();
}

HealthMonitor::State HealthMonitor::state() const {
  State s;
  s.checked_at_ms = ok_at_.load();
  s.schema = schema_.load();
  s.db_ok = last_ok_.load() && now_ms() - s.checked_at_ms <= stale_after_ms_;
  return s;
}

}  // namespace manyi
