// The server's scheduled jobs (the escalation scan, the outbox delivery, the recovery of
// bad-review cases left unopened, and the jobs of capabilities to come). A job runs every
// interval on a thread of its own, and only on the instance that holds its lease in the
// database (table job_leases): instances sharing one PostgreSQL database never run the same
// job at the same time. The holder renews the lease at each run; when it stops it gives the
// lease up, and when it dies another instance takes the job over once the lease has run out
// (three intervals and ten seconds). A job that works through rows claims them with
// store::claim, so even two runs that overlap never handle one row twice.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "jobs/periodic.hpp"
#include "store/db.hpp"

namespace manyi::jobs {

// One run of a job, at `now` (ms since the epoch, the product clock). An exception is logged
// and counted; the job runs again at its next interval.
using Job = std::function<void(int64_t now)>;

class Scheduler {
 public:
  explicit Scheduler(store::Db& db);
  ~Scheduler();  // stop()
  // Runs `fn` every `interval` (the first run one interval after this call: at start-up the
  // server may still be migrating) while this instance holds the lease of `name`.
  void every(const std::string& name, std::chrono::milliseconds interval, Job fn);
  // Stops every job (waiting for runs in progress) and gives their leases up.
  void stop();
  // This instance's name in the leases: host, process and a random part.
  const std::string& holder() const { return holder_; }
  // manyi_job_* lines for /metrics.
  std::string metrics_text() const;

  // Takes or renews the lease of `name` for `holder` until `until`: true when it is held by
  // `holder` afterwards (free, expired at `now`, or already its own).
  static bool take_lease(store::Db& db, const std::string& name, const std::string& holder, int64_t now, int64_t until);

 private:
  struct Entry {
    std::string name;
    std::chrono::milliseconds interval{};
    Job fn;
    std::atomic<int64_t> runs{0}, failures{0}, not_held{0};
    std::atomic<bool> held{false};
    std::unique_ptr<Periodic> loop;
  };
  void tick(Entry& e);

  store::Db& db_;
  std::string holder_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace manyi::jobs
