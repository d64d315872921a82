// `manyi restore` for SQLite: puts a backup in place of the database of a stopped installation.
// Refuses while a server has the database open (ops::InstanceLock), when the backup fails
// SQLite's integrity check, when it is not a Manyi database or is newer than this binary, and
// when the data key available (--key, MANYI_DATA_KEY or the key file) is not the one the backup's
// personal data is sealed with. Keeps the current file and its -wal/-shm (and a replaced key
// file) beside it, named with the time; runs the migrations so an older backup is upgraded.
#pragma once
#include <string>

namespace manyi::ops {

struct RestoreRequest {
  std::string db_url;    // sqlite:PATH (anything else is refused, pointing at pg_restore)
  std::string from;      // the backup file
  std::string key;       // optional: a key file to put in place (backup --with-key wrote it as BACKUP.key)
  std::string key_file;  // where the server reads the key (--data-key-file or its default)
};

// Restores and returns one line saying what was done. Throws Error on refusal.
std::string restore_sqlite(const RestoreRequest& r);

}  // namespace manyi::ops
