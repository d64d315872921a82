// PostgreSQL backend over raw libpq: a connection pool, `?` → `$n` translation, COPY for
// bulk inserts. Several app instances may share one server.
#pragma once
#include <memory>
#include <string>

#include "store/db.hpp"

namespace manyi::store {
std::unique_ptr<Db> open_postgres(const std::string& url);
// Translates `?` placeholders (outside string literals) to `$1..$n`.
std::string pg_placeholders(std::string_view sql);
}  // namespace manyi::store
