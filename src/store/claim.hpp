// Claiming due rows: a scan that works through rows (escalations due, ratings whose case is
// still to open) must not have two instances sharing a PostgreSQL database work the same row.
// SQLite has one writer, so a transaction there already owns every row it reads.
#pragma once
#include "store/db.hpp"

#include <string>

namespace manyi::store {

// The SELECT with the clause that locks the rows it returns for this transaction. `skip`: rows
// another transaction holds are left out (a scan takes what is free and moves on); otherwise the
// statement waits for them (one row that must be decided once, under its lock).
inline std::string claim(const Tx& tx, std::string select_sql, bool skip = true) {
  if (tx.backend() == Backend::postgres) select_sql += skip ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE";
  return select_sql;
}

}  // namespace manyi::store
