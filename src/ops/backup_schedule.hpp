// Scheduled online backups for `manyi serve` (--backup-dir, --backup-at, --backup-keep): a thread
// of its own wakes at each schedule slot, claims the slot in the database (so that of several
// instances sharing one database only one backs it up), writes the backup with write_backup and
// deletes the oldest of its own files beyond the newest `keep`. A failure is logged and counted;
// the server goes on. Request handling never waits for it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/db.hpp"

namespace manyi::ops {

struct BackupSchedule {
  std::string dir;             // empty = no scheduled backups
  std::string at = "02:30";    // daily, local time (Asia/Shanghai, UTC+8)
  int keep = 7;                // newest backups kept; older ones this feature wrote are deleted
  int every_seconds = 0;       // > 0: a slot every this many seconds instead of daily (tests, drills)
};

// Minutes after local midnight for "HH:MM"; throws invalid("backup-at") otherwise.
int parse_backup_at(const std::string& at);
// The start (UTC ms) of the schedule slot that contains `now_ms`, and of the next one.
int64_t slot_start(const BackupSchedule& s, int64_t now_ms);
int64_t next_slot(const BackupSchedule& s, int64_t now_ms);
// The file name of the backup of a slot: manyi-backup-YYYYMMDD-HHMMSS.db (.dump on PostgreSQL),
// local time of the slot's start.
std::string backup_file_name(int64_t slot_ms, store::Backend backend);
// Whether a file name is one this feature writes (the only files retention deletes).
bool is_scheduled_backup_name(const std::string& name);
// Deletes the oldest scheduled backups in `dir` beyond the newest `keep`; returns their names.
std::vector<std::string> apply_retention(const std::string& dir, int keep);
// Claims the slot for this instance: true when no instance has backed up this slot (or a later one).
bool claim_slot(store::Db& db, int64_t slot_ms);

class BackupScheduler {
 public:
  BackupScheduler(store::Db& db, BackupSchedule s);
  ~BackupScheduler();  // stops: waits for a backup in progress, then the thread ends
  void start();
  // manyi_backup_* lines for /metrics.
  std::string metrics_text() const;

 private:
  void loop();
  void run_slot(int64_t slot_ms);

  store::Db& db_;
  BackupSchedule s_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<int64_t> successes_{0}, failures_{0}, skipped_{0}, last_success_ms_{0}, last_bytes_{0};
  std::atomic<double> last_seconds_{0};
};

}  // namespace manyi::ops
