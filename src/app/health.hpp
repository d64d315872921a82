// Health as a load balancer asks for it (GET /healthz): answered on the I/O thread from what a
// monitor thread learns once a second (the database answers SELECT 1; the schema version), so
// a health check never waits behind queued requests or for a database connection, and a busy
// instance is not taken for a dead one. The database counts as unreachable when no check has
// succeeded for `stale_after_ms` (5 s).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include "jobs/periodic.hpp"
#include "store/db.hpp"

namespace manyi {

class HealthMonitor {
 public:
  struct State {
    bool db_ok = false;
    int schema = 0;
    int64_t checked_at_ms = 0;  // last successful check
  };
  explicit HealthMonitor(store::Db& db, int64_t interval_ms = 1000, int64_t stale_after_ms = 5000);
  ~HealthMonitor();
  State state() const;

 private:
  void check();
  store::Db& db_;
  int64_t interval_ms_, stale_after_ms_;
  std::atomic<int64_t> ok_at_{0};
  std::atomic<int> schema_{0};
  std::atomic<bool> last_ok_{false};
  std::unique_ptr<jobs::Periodic> loop_;  // last: stops first
};

}  // namespace manyi
