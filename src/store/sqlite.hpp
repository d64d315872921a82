// SQLite backend: WAL, synchronous=FULL, one writer thread with group commit (each job in
// its own SAVEPOINT, one COMMIT for the batch, callers released after it), a pool of readers.
#pragma once
#include <memory>
#include <string>

#include "store/db.hpp"

namespace manyi::store {
std::unique_ptr<Db> open_sqlite(const std::string& path);
// Applies the migrations newer than the database and at most `up_to`, each in its own transaction.
int apply_migrations(Db& db, const std::function<std::string(const std::string&)>& dialect, int up_to);
}  // namespace manyi::store
