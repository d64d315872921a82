// Which processes have a SQLite database open for serving: every `manyi serve` on a SQLite file
// holds a shared flock(2) on DB.lock beside it for as long as it runs (the kernel drops it when
// the process dies, however it dies), and `manyi restore` takes it exclusively, so it refuses
// while any server runs and no server starts while it replaces the file. flock locks do not
// interact with SQLite's own fcntl locks. PostgreSQL needs none (restore is pg_restore's job).
#pragma once
#include <optional>
#include <string>

namespace manyi::ops {

// The file of a SQLite URL as store::open reads it ("sqlite:PATH", or a bare PATH ending in .db);
// nullopt for PostgreSQL.
std::optional<std::string> sqlite_path(const std::string& db_url);

class InstanceLock {
 public:
  InstanceLock() = default;
  InstanceLock(InstanceLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&&) = delete;
  ~InstanceLock();
  // For `serve`: a shared lock on the lock file of a SQLite URL (nothing for PostgreSQL). It
  // waits while a restore holds the lock.
  static InstanceLock serving(const std::string& db_url);
  // For `restore`: the exclusive lock on DB_PATH.lock; throws Error(409, "database_in_use")
  // naming the lock file when a server holds it.
  static InstanceLock exclusive(const std::string& db_path);
  static std::string lock_file(const std::string& db_path) { return db_path + ".lock"; }

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace manyi::ops
