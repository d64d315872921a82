#include "app/health.hpp"

#include <chrono>

#include "jobs/periodic.hpp"

#include "core/clock.hpp"
#include "store/db.hpp"

namespace manyi {

HealthMonitor::HealthMonitor(store::Db& db, int64_t interval_ms, int64_t stale_after_ms)
    : db_(db), interval_ms_(interval_ms), stale_after_ms_(stale_after_ms) {
  check();
  loop_ = std::make_unique<jobs::Periodic>("health", std::chrono::milliseconds(interval_ms_), [this] { check(); });
}

HealthMonitor::~HealthMonitor() = default;

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
