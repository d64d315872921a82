#include "ops/backup_file.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace manyi::ops {
namespace fs = std::filesystem;

std::string sqlite_integrity(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return "cannot open: " + m;
  }
  sqlite3_busy_timeout(db, 10000);
  std::string out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) != SQLITE_OK) {
    out = sqlite3_errmsg(db);  // not a database at all ("file is not a database")
  } else {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      auto t = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      if (!out.empty()) out += "; ";
      out += t ? t : "";
    }
    if (rc != SQLITE_DONE) out = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

void fsync_parent(const std::string& path) {
  auto dir = fs::path(path).parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

namespace {

void fsync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path + " to sync it");
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot sync " + path);
}

// pg_dump's custom format starts with "PGDMP"; anything else is not a dump pg_restore reads.
void check_pg_dump(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[5] = {};
  in.read(magic, 5);
  if (in.gcount() != 5 || std::string(magic, 5) != "PGDMP")
    throw std::runtime_error("the pg_dump output " + path + " is not a custom-format dump");
}

void remove_temp(const std::string& tmp) {
  std::error_code ec;
  for (auto ext : {"", "-wal", "-shm", ".partial"}) fs::remove(tmp + ext, ec);
}

}  // namespace

BackupWritten write_backup(store::Db& db, const std::string& out) {
  auto t0 = std::chrono::steady_clock::now();
  std::string tmp = out + ".tmp";
  remove_temp(tmp);  // a leftover of an interrupted run
  try {
    db.backup_to(tmp);
    if (db.backend() == store::Backend::sqlite) {
      std::string check = sqlite_integrity(tmp);
      if (check != "ok") throw std::runtime_error("the copy failed its integrity check: " + check);
    } else {
      check_pg_dump(tmp);
    }
    fsync_file(tmp);
    if (std::rename(tmp.c_str(), out.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp + " to " + out);
  } catch (...) {
    remove_temp(tmp);
    throw;
  }
  fsync_parent(out);
  BackupWritten w;
  w.path = out;
  w.bytes = static_cast<int64_t>(fs::file_size(out));
  w.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return w;
}

}  // namespace manyi::ops
