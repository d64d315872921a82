#include "ops/restore.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "cases/data_key.hpp"
#include "cases/pii.hpp"
#include "core/error.hpp"
#include "metrics/satisfaction.hpp"
#include "ops/backup_file.hpp"
#include "ops/instance_lock.hpp"
#include "store/db.hpp"
#include "core/period.hpp"

namespace manyi::ops {
namespace fs = std::filesystem;
namespace pii = cases::pii;
namespace {

struct BackupFacts {
  int schema = 0;
  std::string key_id;      // settings 'pii.key_id' ("" when never started or from an older version)
  bool legacy_key = false;  // an older version kept the key itself in the database
};

// Reads what restore needs from a checked copy of the backup (plain SQLite, nothing written).
BackupFacts read_facts(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw invalid("from", "the backup cannot be opened as a SQLite database");
  }
  auto text = [&](const char* sql, bool* ok) -> std::optional<std::string> {
    sqlite3_stmt* st = nullptr;
    *ok = sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK;
    std::optional<std::string> out;
    if (*ok && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  };
  BackupFacts f;
  bool ok = false;
  auto v = text("SELECT MAX(version) FROM schema_migrations", &ok);
  if (!ok || !v) {
    sqlite3_close(db);
    throw invalid("from", "the backup is not a Manyi database (it has no schema_migrations)");
  }
  f.schema = std::atoi(v->c_str());
  f.key_id = text("SELECT value FROM settings WHERE key = 'pii.key_id'", &ok).value_or("");
  f.legacy_key = text("SELECT value FROM settings WHERE key = 'pii.key'", &ok).has_value();
  sqlite3_close(db);
  return f;
}

std::string read_key_hex(const std::string& path, const char* field) {
  std::ifstream in(path);
  if (!in) throw invalid(field, "cannot read the key file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return pii::key_from_hex(ss.str());
  } catch (const Error&) {
    throw invalid(field, "the key file " + path + " must hold 64 hex digits");
  }
}

void write_key_file(const std::string& path, const std::string& key) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(500, "data_key_file", "cannot create " + tmp);
  std::string text = pii::key_to_hex(key) + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error(500, "data_key_file", "cannot write the data key file " + path);
  }
  fsync_parent(path);
}

// Local (UTC+8) time for the names of the files kept aside: 20261207-041500.
std::string stamp() {
  int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  int64_t sod = ((now / 1000 + 8 * 3600) % 86400 + 86400) % 86400;
  return fmt::format("{:08d}-{:02d}{:02d}{:02d}", period::local_day(now), sod / 3600, sod / 60 % 60, sod % 60);
}

}  // namespace

std::string restore_sqlite(const RestoreRequest& r) {
  auto sqlite_file = sqlite_path(r.db_url);
  if (!sqlite_file)
    throw Error(400, "restore_not_sqlite",
                "manyi restore restores SQLite databases only; on PostgreSQL restore the pg_dump backup with "
                "pg_restore into a new database as docs/operations.md (Backup and restore, PostgreSQL) describes, "
                "then point --db at it",
                "db");
  const std::string& path = *sqlite_file;
  if (!fs::is_regular_file(r.from)) throw invalid("from", "no backup file " + r.from);
  std::error_code same_ec;
  if (fs::equivalent(r.from, path, same_ec))
    throw invalid("from", "the backup is the database itself");

  auto lock = InstanceLock::exclusive(path);  // held until the restored database is migrated

  // Check a copy, not the original: what is checked is exactly what is put in place.
  std::string tmp = path + ".restore-tmp";
  auto drop_tmp = [&] {
    std::error_code ec;
    for (auto ext : {"", "-wal", "-shm"}) fs::remove(tmp + ext, ec);
  };
  drop_tmp();
  fs::copy_file(r.from, tmp, fs::copy_options::overwrite_existing);
  BackupFacts facts;
  try {
    std::string check = sqlite_integrity(tmp);
    if (check != "ok") throw Error(422, "backup_damaged", "the backup failed its integrity check: " + check, "from");
    facts = read_facts(tmp);
    if (facts.schema > store::known_schema_version())
      throw Error(422, "schema_too_new",
                  fmt::format("the backup's schema {} is newer than this binary knows ({}); restore it with the "
                              "version of manyi that wrote it",
                              facts.schema, store::known_schema_version()),
                  "from");
    // The key the restored server will use: --key, else MANYI_DATA_KEY or the key file.
    const char* env = std::getenv("MANYI_DATA_KEY");
    bool from_env = env && *env;
    std::optional<std::string> key;
    std::string source;
    if (!r.key.empty()) {
      key = read_key_hex(r.key, "key");
      source = r.key;
      if (from_env && pii::key_from_hex(env) != *key)
        throw Error(409, "data_key_mismatch",
                    "MANYI_DATA_KEY is set to another key than " + r.key + "; unset it or set it to that key", "key");
    } else if (from_env) {
      key = pii::key_from_hex(env);
      source = "MANYI_DATA_KEY";
    } else if (fs::exists(r.key_file)) {
      key = read_key_hex(r.key_file, "data-key-file");
      source = r.key_file;
    }
    if (!facts.key_id.empty()) {
      if (!key)
        throw Error(409, "no_data_key",
                    fmt::format("缺少数据密钥 — the backup's personal data is sealed with data key id {}, which is "
                                "neither in MANYI_DATA_KEY nor in {}; give the key with --key (backup --with-key "
                                "wrote it as BACKUP.key)",
                                facts.key_id, r.key_file),
                    "key");
      if (pii::key_id(*key) != facts.key_id)
        throw Error(409, "data_key_mismatch",
                    fmt::format("数据密钥与备份不符 — the key from {} (id {}) is not the one the backup's personal data "
                                "is sealed with (id {}); give that key with --key",
                                source, pii::key_id(*key), facts.key_id),
                    "key");
    }
  } catch (...) {
    drop_tmp();
    throw;
  }

  // Keep what is there now, then put the backup in place with one rename.
  std::string ts = stamp();
  std::string aside = path + ".before-restore-" + ts;
  bool had_db = fs::exists(path);
  for (auto ext : {"", "-wal", "-shm"})
    if (fs::exists(path + ext)) fs::rename(path + ext, aside + ext);
  fs::rename(tmp, path);
  fsync_parent(path);

  std::string key_note;
  if (!r.key.empty()) {
    std::string key = read_key_hex(r.key, "key");
    bool same = fs::exists(r.key_file) && read_key_hex(r.key_file, "data-key-file") == key;
    if (!same) {
      if (fs::exists(r.key_file)) {
        fs::rename(r.key_file, r.key_file + ".before-restore-" + ts);
        key_note = fmt::format("; data key put in {} (the previous one kept as {}.before-restore-{})", r.key_file,
                               r.key_file, ts);
      } else {
        key_note = "; data key put in " + r.key_file;
      }
      write_key_file(r.key_file, key);
    }
  }

  auto db = store::open(r.db_url);
  int applied = db->migrate();
  auto loaded = cases::keys::load(*db, r.key_file);
  return fmt::format("restored {} from {} (integrity ok; schema {} -> {}, {} migration(s) applied; data key id {}{}); {}",
                     path, r.from, facts.schema, store::schema_version(*db), applied, loaded.key_id, key_note,
                     had_db ? "the previous database is kept as " + aside
                            : "there was no database before");
}

}  // namespace manyi::ops
