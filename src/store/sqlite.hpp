// SQLite backend: WAL, synchronous=FULL, one writer thread with group commit (each job in
// its own SAVEPOINT, one COMMIT for the batch, callers released after it), a pool of readers.
#pragma once
#include <memory>
#include <string>

#include "store/db.hpp"

namespace manyi::store {
std::unique_ptr<Db> open_sqlite(const std::string& path);
int apply_migrations(Db& db, const std::function<std::string(const std::string&)>& dialect);
}  // namespace manyi::store
