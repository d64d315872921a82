// Db: the one storage contract, implemented by SQLite (embedded default) and PostgreSQL
// (scale-out). Portable SQL uses `?` placeholders; each backend translates. Reads go to a
// pool of readers; writes run inside a transaction and return only after COMMIT is durable.
// SQLite has a single writer thread with group commit; PostgreSQL a connection pool.
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace manyi::store {

enum class Backend { sqlite, postgres };

struct Blob {
  std::string bytes;
};
using Value = std::variant<std::nullptr_t, int64_t, double, std::string, Blob>;
using Params = std::vector<Value>;
// An optional reference column: 0 (no id) is stored as NULL.
inline Value id_or_null(int64_t v) { return v ? Value(v) : Value(nullptr); }

struct Row {
  std::vector<Value> v;
  bool null(size_t i) const { return std::holds_alternative<std::nullptr_t>(v.at(i)); }
  int64_t i64(size_t i) const;        // integers; numeric text is converted; NULL -> 0
  double f64(size_t i) const;         // NULL -> 0
  std::string str(size_t i) const;    // NULL -> ""; numbers are formatted
  std::optional<int64_t> opt_i64(size_t i) const { return null(i) ? std::nullopt : std::optional(i64(i)); }
  std::optional<std::string> opt_str(size_t i) const { return null(i) ? std::nullopt : std::optional(str(i)); }
};

struct Result {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  int64_t affected = 0;
  bool empty() const { return rows.empty(); }
  size_t size() const { return rows.size(); }
  const Row& operator[](size_t i) const { return rows.at(i); }
  auto begin() const { return rows.begin(); }
  auto end() const { return rows.end(); }
};

// Statements inside one transaction.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual Backend backend() const = 0;
  virtual Result query(std::string_view sql, const Params& params = {}) = 0;
  virtual int64_t exec(std::string_view sql, const Params& params = {}) = 0;  // rows affected
  // A statement whose result is not needed (inserts, counter upserts). PostgreSQL queues it and
  // sends the queue in pipeline mode — one round trip — before the next query or with COMMIT;
  // SQLite runs it at once. Errors surface at the latest when the transaction commits.
  virtual void exec_deferred(std::string_view sql, const Params& params = {}) { exec(sql, params); }
  // Bulk insert of many rows: COPY on PostgreSQL, one prepared statement on SQLite.
  virtual void insert_rows(std::string_view table, const std::vector<std::string>& columns,
                           const std::vector<Params>& rows) = 0;
  // A message to the instances listening on `channel` (Db::listen), sent when this transaction
  // commits and never if it rolls back. PostgreSQL: NOTIFY (payload under 8,000 bytes), skipped
  // while the server's notification queue is over half full (a listener that stopped reading
  // must not fail writes); SQLite serves one process: nothing to send.
  virtual void notify(std::string_view channel, std::string_view payload) {
    (void)channel;
    (void)payload;
  }
};

// While it lives, a Db::listen subscription delivers messages; destroying it stops its thread.
class Listener {
 public:
  virtual ~Listener() = default;
};

struct Stats {
  int readers_total = 0;
  int readers_busy = 0;
  int64_t writer_queue = 0;
  int64_t commits = 0;
  int64_t write_jobs = 0;
  int64_t pool_waits = 0;      // PostgreSQL: requests that waited for a free connection
  int64_t pool_timeouts = 0;   // … and gave up (503 database_busy)
  int64_t db_errors = 0;       // PostgreSQL: statements that failed for the database's sake (503s)
};

class Db {
 public:
  virtual ~Db() = default;
  virtual Backend backend() const = 0;
  // Read-only statement on a reader connection.
  virtual Result query(std::string_view sql, const Params& params = {}) = 0;
  // Runs fn in a transaction and returns after the commit is durable. If fn throws, its
  // changes are rolled back and the exception propagates; nothing else is affected.
  virtual void write(const std::function<void(Tx&)>& fn) = 0;
  // The same without waiting: done(nullptr) once the commit is durable, done(error) when fn
  // threw or the commit failed; done runs on a database thread and must not call write().
  // SQLite queues it (the writer goes on with the next transaction while this one's WAL is
  // synced); the default runs it here and now.
  using Done = std::function<void(std::exception_ptr)>;
  virtual void write_async(std::function<void(Tx&)> fn, Done done) {
    std::exception_ptr e;
    try {
      write(fn);
    } catch (...) {
      e = std::current_exception();
    }
    done(e);
  }
  // The same for work that may wait: SQLite runs it when no other write is queued (or once it
  // has waited 200 ms), so it does not delay latency-bound writes; the default is write_async.
  virtual void write_background(std::function<void(Tx&)> fn, Done done) { write_async(std::move(fn), std::move(done)); }
  // Applies pending migrations; returns the number applied. Idempotent.
  int migrate() { return migrate_to(std::numeric_limits<int>::max()); }
  // The same, only up to schema `version` (tests build a database at an older schema with it).
  virtual int migrate_to(int version) = 0;
  virtual Stats stats() = 0;
  // Cheap reachability check for /healthz.
  virtual bool ping() = 0;
  // Online backup to a file (SQLite only).
  virtual void backup_to(const std::string& path) = 0;
  virtual std::string url() const = 0;
  // Every message a committed transaction sent on `channel` (Tx::notify), this instance's
  // included, to on_message on a thread of the listener's own, in commit order. Listening has
  // started when this returns (or, when the database cannot be reached, the listener keeps
  // trying). When the listening connection was lost and made anew, on_gap(since_ms) runs first:
  // messages sent after since_ms may have been missed. nullptr where there is no one else to
  // hear (SQLite).
  using OnMessage = std::function<void(std::string_view)>;
  using OnGap = std::function<void(int64_t since_ms)>;
  virtual std::unique_ptr<Listener> listen(const std::string& channel, OnMessage on_message, OnGap on_gap) {
    (void)channel;
    (void)on_message;
    (void)on_gap;
    return nullptr;
  }
};

// "sqlite:PATH" (or a path ending in .db) or "postgresql://…" / "postgres://…".
std::unique_ptr<Db> open(const std::string& url);

// Current schema version in the database (0 when empty) and the newest this binary knows.
int schema_version(Db& db);
int known_schema_version();
// For commands that only read (audit verify, backup, listings): refuses a schema other than the
// one this binary knows, without writing anything (they run on standbys and as read-only roles).
void require_current_schema(Db& db);
// The database URL with any password replaced by "***", for logs and messages.
std::string redacted_url(const std::string& url);

// A LIKE pattern matching text that contains `q` literally (%, _ and \ escaped); use it as
// `col LIKE ? ESCAPE '\'`.
std::string contains_pattern(const std::string& q);

// Helper: the one-row result's first column, or nullopt.
std::optional<int64_t> scalar_i64(const Result& r);

}  // namespace manyi::store
