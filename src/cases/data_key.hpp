// Where the data key lives and how it changes. The key that seals personal data (cases/pii.hpp)
// is never stored in the database it protects: it comes from MANYI_DATA_KEY (64 hex digits)
// or from a key file beside the database — `<file>.key` next to a SQLite file, `manyi-data.key`
// in the working directory for PostgreSQL, or --data-key-file — created on first start with
// mode 0600. The database keeps only the key's fingerprint (settings 'pii.key_id'), so a server
// given another key refuses to start instead of sealing new data with it.
//
// Rotation writes the new key to `<key file>.new`, re-seals every sealed column and re-hashes
// every phone hash in one transaction, then renames the file into place; a start-up after a
// crash in between picks whichever of the two files matches the database.
#pragma once
#include <cstdint>
#include <string>

#include "audit/audit.hpp"
#include "store/db.hpp"

namespace manyi::cases::keys {

// The default key file for a database URL.
std::string default_key_file(const std::string& db_url);

struct Loaded {
  std::string source;  // "MANYI_DATA_KEY" or the key file's path
  std::string key_id;
  bool created = false;   // a new key was generated (a new database)
  bool moved_out = false; // the key was in the database (older versions) and was replaced
};

// Finds the key, checks it against the database, installs it (pii::install_key) and, on the
// first start of a database made by an older version, moves the key out of it. Throws
// Error(500, "no_data_key" | "data_key_mismatch" | "bad_data_key") with what to do.
Loaded load(store::Db& db, const std::string& key_file);

struct Rotated {
  std::string old_id, new_id, key_file;
  int64_t resealed = 0;  // sealed values re-encrypted
};

// Generates a new key, re-seals everything and installs it. Every other instance must be
// stopped first (they hold the old key). Audited as data_key.rotate.
Rotated rotate(store::Db& db, const std::string& key_file, const audit::Actor& who);

// Copies the key in force (MANYI_DATA_KEY or the key file) to `out`, mode 0600 (backup --with-key).
void export_key(const std::string& key_file, const std::string& out);

// The fingerprint of the key the database is sealed with ("" before the first start).
std::string stored_key_id(store::Db& db);

}  // namespace manyi::cases::keys
