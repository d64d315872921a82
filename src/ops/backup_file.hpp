// One backup, written the one way both `manyi backup` and the server's schedule use: the
// database's online copy (Db::backup_to — SQLite's backup API, pg_dump's custom format on
// PostgreSQL) into a temporary name beside the target, checked, then renamed into place, so a
// file under the final name is always a complete, checked backup.
#pragma once
#include <cstdint>
#include <string>

#include "store/db.hpp"

namespace manyi::ops {

struct BackupWritten {
  std::string path;
  int64_t bytes = 0;
  double seconds = 0;
};

// Writes the backup to `out` (replacing a file of that name). Throws std::runtime_error, leaving
// no file under `out` and no temporary file, when the copy or its check fails.
BackupWritten write_backup(store::Db& db, const std::string& out);

// "ok", or what SQLite's PRAGMA integrity_check found wrong with the database file `path`
// (opened read-write: a WAL-mode file needs its -shm; its -wal and -shm are gone on close).
std::string sqlite_integrity(const std::string& path);

// fsync of the directory holding `path`, so a rename into it is durable.
void fsync_parent(const std::string& path);

}  // namespace manyi::ops
