#include "ops/backup_schedule.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>

#include "core/error.hpp"
#include "metrics/satisfaction.hpp"
#include "ops/backup_file.hpp"
#include "core/period.hpp"

namespace manyi::ops {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kLocalOffsetMs = 8 * 3600000;  // Asia/Shanghai, no daylight saving
constexpr const char* kSlotSetting = "backup.last_slot";

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const std::regex& name_pattern() {
  static const std::regex re(R"(^manyi-backup-\d{8}-\d{6}\.(db|dump)$)");
  return re;
}

}  // namespace

int parse_backup_at(const std::string& at) {
  static const std::regex re(R"(^([01]\d|2[0-3]):([0-5]\d)$)");
  std::smatch m;
  if (!std::regex_match(at, m, re)) throw invalid("backup-at", "--backup-at must be HH:MM (local time), e.g. 02:30");
  return std::stoi(m[1]) * 60 + std::stoi(m[2]);
}

int64_t slot_start(const BackupSchedule& s, int64_t now) {
  if (s.every_seconds > 0) {
    int64_t step = int64_t{s.every_seconds} * 1000;
    return now / step * step;
  }
  int64_t at = int64_t{parse_backup_at(s.at)} * 60000;
  int64_t today = period::day_start_ms(period::local_day(now)) + at;
  return today <= now ? today : today - 86400000;
}

int64_t next_slot(const BackupSchedule& s, int64_t now) {
  return slot_start(s, now) + (s.every_seconds > 0 ? int64_t{s.every_seconds} * 1000 : 86400000);
}

std::string backup_file_name(int64_t slot_ms, store::Backend backend) {
  int64_t local_s = (slot_ms + kLocalOffsetMs) / 1000;
  int ymd = period::local_day(slot_ms);
  int64_t sod = ((local_s % 86400) + 86400) % 86400;
  return fmt::format("manyi-backup-{:08d}-{:02d}{:02d}{:02d}.{}", ymd, sod / 3600, sod / 60 % 60, sod % 60,
                     backend == store::Backend::sqlite ? "db" : "dump");
}

bool is_scheduled_backup_name(const std::string& name) { return std::regex_match(name, name_pattern()); }

std::vector<std::string> apply_retention(const std::string& dir, int keep) {
  std::vector<std::string> ours;
  for (auto& e : fs::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (e.is_regular_file() && is_scheduled_backup_name(name)) ours.push_back(name);
  }
  // The name is the slot's local time: newest last in name order, whatever the files' mtimes.
  std::sort(ours.begin(), ours.end());
  std::vector<std::string> removed;
  if (keep < 1 || static_cast<int>(ours.size()) <= keep) return removed;
  for (size_t i = 0; i + keep < ours.size(); ++i) {
    std::error_code ec;
    if (fs::remove(fs::path(dir) / ours[i], ec)) removed.push_back(ours[i]);
    else if (ec) spdlog::warn("backup retention: cannot delete {}: {}", ours[i], ec.message());
  }
  return removed;
}

bool claim_slot(store::Db& db, int64_t slot_ms) {
  // Zero-padded, so text order is number order on both databases. The UPDATE's row lock (or
  // SQLite's single writer) lets exactly one claim of a slot through.
  std::string value = fmt::format("{:020d}", slot_ms);
  bool claimed = false;
  db.write([&](store::Tx& tx) {
    tx.exec("INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
            {std::string(kSlotSetting), fmt::format("{:020d}", 0), int64_t{0}});
    claimed = tx.exec("UPDATE settings SET value = ?, updated_at = ? WHERE key = ? AND value < ?",
                      {value, wall_ms(), std::string(kSlotSetting), value}) == 1;
  });
  return claimed;
}

BackupScheduler::BackupScheduler(store::Db& db, BackupSchedule s) : db_(db), s_(std::move(s)) {
  if (s_.keep < 1) throw invalid("backup-keep", "--backup-keep must be at least 1");
  if (s_.every_seconds < 0) throw invalid("backup-every-seconds", "--backup-every-seconds must not be negative");
  if (s_.every_seconds == 0) parse_backup_at(s_.at);
  fs::create_directories(s_.dir);
}

BackupScheduler::~BackupScheduler() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackupScheduler::start() {
  spdlog::info("scheduled backups to {}: {}, keeping the newest {}", s_.dir,
               s_.every_seconds > 0 ? fmt::format("every {} s", s_.every_seconds) : "daily at " + s_.at + " (UTC+8)",
               s_.keep);
  thread_ = std::thread([this] { loop(); });
}

void BackupScheduler::loop() {
  pthread_setname_np(pthread_self(), "backup");
  for (;;) {
    int64_t slot = next_slot(s_, wall_ms());
    {
      std::unique_lock lk(mu_);
      auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(slot));
      // Waits in short steps so a changed wall clock (NTP step) is noticed.
      while (!stop_ && wall_ms() < slot)
        cv_.wait_until(lk, std::min(when, std::chrono::system_clock::now() + std::chrono::seconds(30)));
      if (stop_) return;
    }
    run_slot(slot);
  }
}

void BackupScheduler::run_slot(int64_t slot_ms) {
  std::string name = backup_file_name(slot_ms, db_.backend());
  try {
    if (!claim_slot(db_, slot_ms)) {
      ++skipped_;
      spdlog::info("scheduled backup {}: taken by another instance", name);
      return;
    }
    auto w = write_backup(db_, (fs::path(s_.dir) / name).string());
    successes_++;
    last_success_ms_ = wall_ms();
    last_bytes_ = w.bytes;
    last_seconds_ = w.seconds;
    spdlog::info("scheduled backup written: {} ({} bytes, {:.2f} s)", w.path, w.bytes, w.seconds);
    for (auto& old : apply_retention(s_.dir, s_.keep)) spdlog::info("scheduled backup deleted (retention): {}", old);
  } catch (const std::exception& e) {
    ++failures_;
    spdlog::error("scheduled backup {} failed: {}", name, e.what());
  }
}

std::string BackupScheduler::metrics_text() const {
  return fmt::format(
      "# TYPE manyi_backup_success_total counter\nmanyi_backup_success_total {}\n"
      "# TYPE manyi_backup_failures_total counter\nmanyi_backup_failures_total {}\n"
      "# TYPE manyi_backup_skipped_total counter\nmanyi_backup_skipped_total {}\n"
      "# TYPE manyi_backup_last_success_timestamp_seconds gauge\nmanyi_backup_last_success_timestamp_seconds {}\n"
      "# TYPE manyi_backup_last_size_bytes gauge\nmanyi_backup_last_size_bytes {}\n"
      "# TYPE manyi_backup_last_duration_seconds gauge\nmanyi_backup_last_duration_seconds {:.3f}\n",
      successes_.load(), failures_.load(), skipped_.load(), last_success_ms_.load() / 1000, last_bytes_.load(),
      last_seconds_.load());
}

}  // namespace manyi::ops
