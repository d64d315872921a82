#include "cases/data_key.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cases/pii.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace manyi::cases::keys {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_key_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077))
    spdlog::warn("data key file {} can be read by other users (mode {:o}); run: chmod 600 {}", path,
                 st.st_mode & 0777, path);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return pii::key_from_hex(ss.str());
  } catch (const Error&) {
    throw Error(500, "bad_data_key", "data key file " + path + " must hold 64 hex digits");
  }
}

void fsync_dir(const std::string& path) {
  auto dir = fs::path(path).parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Writes the key (hex, mode 0600) to a temporary file beside `path` and fsyncs it; returns its name.
std::string write_temp(const std::string& path, const std::string& key) {
  if (auto dir = fs::path(path).parent_path(); !dir.empty()) fs::create_directories(dir);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(500, "data_key_file", "cannot create data key file " + tmp + ": " + std::strerror(errno));
  std::string text = pii::key_to_hex(key) + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    throw Error(500, "data_key_file", "cannot write data key file " + tmp);
  }
  return tmp;
}

// Creates `path` with the key unless it exists already (another process won): returns the key in the file.
std::string create_key_file(const std::string& path, const std::string& key) {
  std::string tmp = write_temp(path, key);
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && err != EEXIST)
    throw Error(500, "data_key_file", "cannot create data key file " + path + ": " + std::strerror(err));
  fsync_dir(path);
  return rc == 0 ? key : *read_key_file(path);
}

void replace_key_file(const std::string& path, const std::string& key) {
  std::string tmp = write_temp(path, key);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error(500, "data_key_file", "cannot write data key file " + path + ": " + std::strerror(errno));
  }
  fsync_dir(path);
}

// A setting's value ("" when absent), read through a database or inside a transaction.
template <class Source>
std::string setting(Source& from, const char* key) {
  auto r = from.query("SELECT value FROM settings WHERE key = ?", {std::string(key)});
  return r.empty() ? std::string() : r[0].str(0);
}

void put_setting(store::Tx& tx, const char* key, const std::string& value) {
  tx.exec("INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
          "SET value = excluded.value, updated_at = excluded.updated_at",
          {std::string(key), value, now_ms()});
}

// One sealed column: its table, the column, and (when it holds a phone) where its hash lives
// to recompute with the new key's phone-hash key: a column of the same row, or (for ratings) the
// rating_phones index, upserted so that ratings stored before that index existed join it.
// `json_phone` means the sealed text is the case's {"name","phone"} JSON, not the bare number.
struct Sealed {
  const char* table;
  const char* column;
  const char* hash_column;  // nullptr when none
  bool json_phone;
  const char* hash_upsert = nullptr;  // binds (hash, id)
};
constexpr Sealed kSealed[] = {
    {"cases", "complainant_enc", "phone_hash", true},
    {"followup_tasks", "name_enc", nullptr, false},
    {"followup_tasks", "phone_enc", "phone_hash", false},
    {"ratings", "phone_enc", nullptr, false,
     "INSERT INTO rating_phones(rating_id, phone_hash, node_id) SELECT id, ?, node_id FROM ratings WHERE id = ? "
     "ON CONFLICT (rating_id) DO UPDATE SET phone_hash = excluded.phone_hash"},
};

// Re-seals every sealed value with `to` (a fresh nonce even when the keys are equal) and
// recomputes the phone hashes; keyset pages of 500 rows keep memory flat on large tables.
int64_t reseal_all(store::Tx& tx, const std::string& from, const std::string& to) {
  int64_t n = 0;
  for (const auto& s : kSealed) {
    int64_t after = std::numeric_limits<int64_t>::min();
    for (;;) {
      auto rows = tx.query(fmt::format("SELECT id, {} FROM {} WHERE {} IS NOT NULL AND id > ? ORDER BY id LIMIT 500",
                                       s.column, s.table, s.column),
                           {after});
      if (rows.empty()) break;
      for (const auto& r : rows) {
        after = r.i64(0);
        std::string plain = pii::open(from, r.str(1));
        store::Params p{store::Blob{pii::seal(to, plain)}};
        std::string set = fmt::format("{} = ?", s.column);
        if (s.hash_column) {
          std::string phone = plain;
          if (s.json_phone) {
            auto j = nlohmann::json::parse(plain, nullptr, false);
            phone = j.is_object() ? j.value("phone", "") : "";
          }
          set += fmt::format(", {} = ?", s.hash_column);
          p.emplace_back(pii::phone_hash(to, phone));
        }
        p.emplace_back(after);
        tx.exec(fmt::format("UPDATE {} SET {} WHERE id = ?", s.table, set), p);
        if (s.hash_upsert)
          if (auto hash = pii::phone_hash(to, plain); !hash.empty()) tx.exec(s.hash_upsert, {hash, after});
        ++n;
      }
    }
  }
  return n;
}

Rotated rotate_from(store::Db& db, const std::string& old_key, const std::string& key_file, const audit::Actor& who,
                    bool drop_legacy) {
  Rotated out;
  out.key_file = key_file;
  out.old_id = pii::key_id(old_key);
  std::string fresh = pii::new_key();
  out.new_id = pii::key_id(fresh);
  std::string pending = key_file + ".new";
  replace_key_file(pending, fresh);
  db.write([&](store::Tx& tx) {
    out.resealed = reseal_all(tx, old_key, fresh);
    put_setting(tx, "pii.key_id", out.new_id);
    if (drop_legacy) tx.exec("DELETE FROM settings WHERE key = 'pii.key'");
    audit::record(tx, who,
                  {"data_key.rotate", "data_key", 0, 0, "", out.old_id, out.new_id,
                   fmt::format("更换数据密钥，重新加密了 {} 项个人信息", out.resealed)});
  });
  if (::rename(pending.c_str(), key_file.c_str()) != 0)
    throw Error(500, "data_key_file", "the data was re-sealed with the key in " + pending +
                                          " but it could not be renamed to " + key_file + ": rename it by hand");
  fsync_dir(key_file);
  pii::install_key(fresh);
  return out;
}

}  // namespace

std::string default_key_file(const std::string& db_url) {
  if (db_url.rfind("sqlite:", 0) == 0) return db_url.substr(7) + ".key";
  return "manyi-data.key";
}

void export_key(const std::string& key_file, const std::string& out) {
  const char* env = std::getenv("MANYI_DATA_KEY");
  auto key = env && *env ? std::optional(pii::key_from_hex(env)) : read_key_file(key_file);
  if (!key) throw Error(500, "no_data_key", "no data key in MANYI_DATA_KEY or " + key_file);
  replace_key_file(out, *key);
}

std::string stored_key_id(store::Db& db) { return setting(db, "pii.key_id"); }

Loaded load(store::Db& db, const std::string& key_file) {
  Loaded out;
  const char* env = std::getenv("MANYI_DATA_KEY");
  bool from_env = env && *env;
  std::string stored = setting(db, "pii.key_id");
  std::string legacy = setting(db, "pii.key");
  std::string pending_file = key_file + ".new";

  std::optional<std::string> key;
  if (from_env) {
    key = pii::key_from_hex(env);
    out.source = "MANYI_DATA_KEY";
  } else {
    key = read_key_file(key_file);
    out.source = key_file;
    // A rotation that stopped between its commit and the rename: the new file is the right one.
    if (!stored.empty() && (!key || pii::key_id(*key) != stored)) {
      if (auto pending = read_key_file(pending_file); pending && pii::key_id(*pending) == stored) {
        if (::rename(pending_file.c_str(), key_file.c_str()) != 0)
          throw Error(500, "data_key_file", "cannot rename " + pending_file + " to " + key_file);
        fsync_dir(key_file);
        spdlog::warn("data key: finished an interrupted rotation ({} is now {})", pending_file, key_file);
        key = pending;
      }
    } else if (key && fs::exists(pending_file)) {
      ::unlink(pending_file.c_str());  // a rotation that did not commit
    }
  }

  if (key && !stored.empty() && pii::key_id(*key) != stored)
    throw Error(500, "data_key_mismatch",
                fmt::format("数据密钥与数据库不符 — the data key from {} (id {}) is not the one this database's personal "
                            "data is sealed with (id {}); use that key (copy the key file from the first instance, or "
                            "set MANYI_DATA_KEY)",
                            out.source, pii::key_id(*key), stored));
  if (key && !legacy.empty() && pii::key_from_hex(legacy) != *key)
    throw Error(500, "data_key_mismatch",
                "数据密钥与数据库不符 — this database's personal data is sealed with the key an older version kept in "
                "the database, not with the key from " + out.source + "; unset MANYI_DATA_KEY (or remove " + key_file +
                    ") for the first start so the key can be moved out");
  if (!key) {
    if (!stored.empty())
      throw Error(500, "no_data_key",
                  fmt::format("缺少数据密钥 — this database's personal data is sealed with data key id {}, which is "
                              "neither in MANYI_DATA_KEY nor in {}; copy the key file from where it is kept",
                              stored, key_file));
    if (!legacy.empty()) {
      key = pii::key_from_hex(legacy);
    } else {
      key = create_key_file(key_file, pii::new_key());
      out.created = true;
      spdlog::info("data key: created {} (mode 0600); keep a copy apart from the database and its backups", key_file);
    }
  }
  pii::install_key(*key);

  if (!legacy.empty() && !from_env) {
    // An older version kept the key in the settings table, so every copy of the database carries
    // it: seal everything with a new key that lives only in the key file.
    auto r = rotate_from(db, *key, key_file, audit::Actor{0, "system", "local"}, true);
    out.moved_out = true;
    out.key_id = r.new_id;
    spdlog::warn("data key: moved out of the database into {} and re-sealed {} values; backups made before today "
                 "still hold the old key",
                 key_file, r.resealed);
    return out;
  }
  if (stored.empty() || !legacy.empty()) {
    // First start of this database with this version: phone hashes get their own key.
    db.write([&](store::Tx& tx) {
      // Another instance may be storing another key's id at the same moment: the first wins.
      if (tx.exec("INSERT INTO settings(key, value, updated_at) VALUES ('pii.key_id', ?, ?) ON CONFLICT (key) DO NOTHING",
                  {pii::key_id(*key), now_ms()}) == 0 &&
          setting(tx, "pii.key_id") != pii::key_id(*key))
        throw Error(500, "data_key_mismatch", "another instance started on this database with another data key at the "
                                              "same time; start one instance first, then copy its key file");
      reseal_all(tx, *key, *key);
      tx.exec("DELETE FROM settings WHERE key = 'pii.key'");
    });
  }
  out.key_id = pii::key_id(*key);
  return out;
}

Rotated rotate(store::Db& db, const std::string& key_file, const audit::Actor& who) {
  load(db, key_file);
  return rotate_from(db, pii::data_key(), key_file, who, false);
}

}  // namespace manyi::cases::keys
