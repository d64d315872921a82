#include "store/db.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/postgres.hpp"
#include "store/sqlite.hpp"

namespace manyi::store {

int64_t Row::i64(size_t i) const {
  const Value& x = v.at(i);
  if (auto p = std::get_if<int64_t>(&x)) return *p;
  if (auto p = std::get_if<double>(&x)) return static_cast<int64_t>(*p);
  if (auto p = std::get_if<std::string>(&x)) {
    int64_t out = 0;
    std::from_chars(p->data(), p->data() + p->size(), out);
    return out;
  }
  return 0;
}

double Row::f64(size_t i) const {
  const Value& x = v.at(i);
  if (auto p = std::get_if<double>(&x)) return *p;
  if (auto p = std::get_if<int64_t>(&x)) return static_cast<double>(*p);
  if (auto p = std::get_if<std::string>(&x)) return std::strtod(p->c_str(), nullptr);
  return 0;
}

std::string Row::str(size_t i) const {
  const Value& x = v.at(i);
  if (auto p = std::get_if<std::string>(&x)) return *p;
  if (auto p = std::get_if<int64_t>(&x)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&x)) return fmt::format("{}", *p);
  if (auto p = std::get_if<Blob>(&x)) return p->bytes;
  return {};
}

std::unique_ptr<Db> open(const std::string& url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) return open_postgres(url);
  if (url.rfind("sqlite:", 0) == 0) return open_sqlite(url.substr(7));
  if (url.size() > 3 && url.substr(url.size() - 3) == ".db") return open_sqlite(url);
  throw bad_request("bad_db_url", "database must be sqlite:PATH or postgresql://…", "db");
}

std::string contains_pattern(const std::string& q) {
  std::string like = "%";
  for (char ch : q) {
    if (ch == '%' || ch == '_' || ch == '\\') like += '\\';
    like += ch;
  }
  return like + "%";
}

std::optional<int64_t> scalar_i64(const Result& r) {
  if (r.empty() || r[0].v.empty() || r[0].null(0)) return std::nullopt;
  return r[0].i64(0);
}

int schema_version(Db& db) {
  try {
    auto r = db.query("SELECT MAX(version) FROM schema_migrations");
    return static_cast<int>(scalar_i64(r).value_or(0));
  } catch (const std::exception&) {
    return 0;
  }
}

void require_current_schema(Db& db) {
  int current = schema_version(db), known = known_schema_version();
  if (current > known)
    throw Error(500, "schema_too_new",
                fmt::format("database schema {} is newer than this binary knows ({}); upgrade manyi", current, known));
  if (current < known)
    throw Error(409, "schema_behind",
                fmt::format("database schema {} is older than this binary's ({}); run `manyi migrate` first", current,
                            known));
}

std::string redacted_url(const std::string& url) {
  // postgresql://user:secret@host/db → postgresql://user:***@host/db; also ?password=… in the query.
  std::string out = url;
  auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    auto at = out.find('@', scheme + 3);
    auto slash = out.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      auto colon = out.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    if (p > 0 && out[p - 1] != '?' && out[p - 1] != '&') continue;
    auto end = out.find('&', p);
    out.replace(p + 9, (end == std::string::npos ? out.size() : end) - p - 9, "***");
  }
  return out;
}

int known_schema_version() {
  int v = 0;
  for (auto& m : migrations()) v = std::max(v, m.version);
  return v;
}

std::vector<std::string> split_sql(const std::string& script) {
  std::vector<std::string> out;
  std::string cur;
  bool in_str = false, in_comment = false;
  for (size_t i = 0; i < script.size(); ++i) {
    char c = script[i];
    if (in_comment) {
      if (c == '\n') in_comment = false;
      continue;
    }
    if (!in_str && c == '-' && i + 1 < script.size() && script[i + 1] == '-') {
      in_comment = true;
      continue;
    }
    if (c == '\'') in_str = !in_str;
    if (c == ';' && !in_str) {
      if (cur.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (cur.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(cur);
  return out;
}

// Shared by both backends: apply every migration newer than the database, each in its own
// transaction, refusing a database newer than this binary.
int apply_migrations(Db& db, const std::function<std::string(const std::string&)>& dialect, int up_to) {
  db.write([](Tx& tx) {
    tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
  });
  int current = schema_version(db);
  if (current > known_schema_version())
    throw Error(500, "schema_too_new",
                fmt::format("database schema {} is newer than this binary knows ({}); upgrade manyi",
                            current, known_schema_version()));
  int applied = 0;
  for (auto& m : migrations()) {
    if (m.version <= current) continue;
    if (m.version > up_to) break;
    std::string sql = dialect(m.sql);
    bool done_here = false;
    db.write([&](Tx& tx) {
      // Another instance may have applied it meanwhile.
      auto r = tx.query("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", {int64_t{m.version}});
      if (scalar_i64(r).value_or(0) > 0) return;
      for (auto& stmt : split_sql(sql)) tx.exec(stmt);
      tx.exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
              {int64_t{m.version}, std::string(m.name), now_ms()});
      done_here = true;
    });
    if (done_here) ++applied;
  }
  return applied;
}

}  // namespace manyi::store
