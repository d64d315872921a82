#include "jobs/scheduler.hpp"

#include "core/clock.hpp"
#include "core/id.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace manyi::jobs {

namespace {
std::string instance_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return fmt::format("{}:{}:{}", host, getpid(), new_id() % 1000000);
}

int64_t lease_ms(std::chrono::milliseconds interval) { return 3 * interval.count() + 10000; }
}  // namespace

Scheduler::Scheduler(store::Db& db) : db_(db), holder_(instance_name()) {}

Scheduler::~Scheduler() { stop(); }

bool Scheduler::take_lease(store::Db& db, const std::string& name, const std::string& holder, int64_t now,
                           int64_t until) {
  bool held = false;
  db.write([&](store::Tx& tx) {
    held = tx.exec("UPDATE job_leases SET holder = ?, until_ms = ? WHERE name = ? AND (holder = ? OR until_ms < ?)",
                   {holder, until, name, holder, now}) == 1;
    if (!held)
      held = tx.exec("INSERT INTO job_leases(name, holder, until_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                     {name, holder, until}) == 1;
  });
  return held;
}

void Scheduler::every(const std::string& name, std::chrono::milliseconds interval, Job fn) {
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->interval = interval;
  e->fn = std::move(fn);
  Entry* raw = e.get();
  std::lock_guard lk(mu_);
  entries_.push_back(std::move(e));
  raw->loop = std::make_unique<Periodic>("job-" + name, interval, [this, raw] { tick(*raw); });
}

void Scheduler::tick(Entry& e) {
  int64_t now = now_ms();
  try {
    bool held = take_lease(db_, e.name, holder_, now, now + lease_ms(e.interval));
    if (held != e.held.exchange(held))
      spdlog::info("job {}: {} on this instance ({})", e.name, held ? "runs" : "runs elsewhere", holder_);
    if (!held) {
      ++e.not_held;
      return;
    }
  } catch (const std::exception& ex) {
    ++e.failures;
    spdlog::warn("job {}: lease not taken: {}", e.name, ex.what());
    return;
  }
  std::string error;
  try {
    e.fn(now);
  } catch (const std::exception& ex) {
    error = ex.what();
    ++e.failures;
    spdlog::warn("job {} failed: {}", e.name, error);
  }
  ++e.runs;
  try {
    db_.write([&](store::Tx& tx) {
      tx.exec("UPDATE job_leases SET runs = runs + 1, last_run_at = ?, last_error = ? WHERE name = ? AND holder = ?",
              {now, error.substr(0, 500), e.name, holder_});
    });
  } catch (const std::exception& ex) {
    spdlog::warn("job {}: run not recorded: {}", e.name, ex.what());
  }
}

void Scheduler::stop() {
  std::lock_guard lk(mu_);
  for (auto& e : entries_) {
    if (!e->loop) continue;
    e->loop->stop();
    e->loop.reset();
    if (!e->held.exchange(false)) continue;
    try {  // given up, so that another instance takes the job over at its next run
      db_.write([&](store::Tx& tx) {
        tx.exec("UPDATE job_leases SET until_ms = 0 WHERE name = ? AND holder = ?", {e->name, holder_});
      });
    } catch (const std::exception& ex) {
      spdlog::warn("job {}: lease not given up: {}", e->name, ex.what());
    }
  }
}

std::string Scheduler::metrics_text() const {
  std::lock_guard lk(mu_);
  std::string runs = "# TYPE manyi_job_runs_total counter\n", failures = "# TYPE manyi_job_failures_total counter\n",
              held = "# TYPE manyi_job_lease_held gauge\n";
  for (auto& e : entries_) {
    runs += fmt::format("manyi_job_runs_total{{job=\"{}\"}} {}\n", e->name, e->runs.load());
    failures += fmt::format("manyi_job_failures_total{{job=\"{}\"}} {}\n", e->name, e->failures.load());
    held += fmt::format("manyi_job_lease_held{{job=\"{}\"}} {}\n", e->name, e->held.load() ? 1 : 0);
  }
  return runs + failures + held;
}

}  // namespace manyi::jobs
