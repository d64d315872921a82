// Configuration snapshots: data that changes rarely (an administrator's edit) but that every
// request of a kind needs (the working-day calendar, case categories and time limits). Each
// edit writes a fresh random token to settings(<key>) in its transaction; readers fetch only
// the token and reuse the snapshot loaded for it, so every instance sharing a database sees an
// edit at its next transaction. Databases never edited share the token "0" (and the
// migration's identical seed data).
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "core/id.hpp"
#include "store/db.hpp"

namespace manyi::store {

template <class T>
class Snapshots {
 public:
  explicit Snapshots(std::string key) : key_(std::move(key)) {}

  // The snapshot for the database's current token; load(reader) builds a missing one.
  template <class Reader, class Load>  // Reader: Tx or Db (both have query())
  std::shared_ptr<const T> get(Reader& rd, Load&& load) {
    auto t = rd.query("SELECT value FROM settings WHERE key = ?", {key_});
    std::string token = t.empty() ? "0" : t[0].str(0);
    {
      std::lock_guard lk(mu_);
      if (auto it = cache_.find(token); it != cache_.end()) return it->second;
    }
    auto snap = std::make_shared<const T>(load(rd));
    std::lock_guard lk(mu_);
    if (cache_.size() > 32) cache_.clear();
    cache_[token] = snap;
    return snap;
  }

  // Marks the data changed, inside the editing transaction.
  void changed(Tx& tx) const {
    tx.exec(
        "INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
        "SET value = excluded.value, updated_at = excluded.updated_at",
        {key_, std::to_string(new_id()), now_ms()});
  }

 private:
  std::string key_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const T>> cache_;
};

}  // namespace manyi::store
