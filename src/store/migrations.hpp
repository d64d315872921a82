// Numbered schema migrations, embedded from src/store/migrations/NNNN_name.sql at build time.
// One portable dialect; `{{BLOB}}`, `{{COLLATE_C}}` is the only backend-specific token (BLOB / BYTEA).
#pragma once
#include <string>
#include <vector>

namespace manyi::store {
struct Migration {
  int version;
  const char* name;
  const char* sql;
};
const std::vector<Migration>& migrations();
// Splits a migration script into statements at top-level semicolons.
std::vector<std::string> split_sql(const std::string& script);
}  // namespace manyi::store
