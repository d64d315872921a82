#include "store/sqlite.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/error.hpp"

namespace manyi::store {
namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view sql) {
  int code = sqlite3_extended_errcode(db);
  std::string msg = sqlite3_errmsg(db);
  if ((code & 0xff) == SQLITE_CONSTRAINT) {
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
      throw Error(409, "duplicate", "a record with the same key already exists: " + msg);
    throw Error(409, "constraint_violation", msg);
  }
  throw std::runtime_error(fmt::format("sqlite: {} in: {}", msg, sql.substr(0, 200)));
}

class Conn {
 public:
  explicit Conn(const std::string& path, bool readonly) {
    int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open sqlite database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
    exec_plain("PRAGMA foreign_keys=ON");
    exec_plain("PRAGMA cache_size=-65536");
    exec_plain("PRAGMA temp_store=MEMORY");
    exec_plain("PRAGMA mmap_size=1073741824");
    if (!readonly) {
      exec_plain("PRAGMA journal_mode=WAL");
      exec_plain("PRAGMA synchronous=FULL");
      exec_plain("PRAGMA wal_autocheckpoint=4000");
    }
  }
  ~Conn() {
    for (auto& [k, s] : cache_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  sqlite3* raw() { return db_; }

  void exec_plain(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "?";
      sqlite3_free(err);
      if ((sqlite3_extended_errcode(db_) & 0xff) == SQLITE_CONSTRAINT) fail(db_, sql);
      throw std::runtime_error("sqlite: " + m + " in: " + sql.substr(0, 200));
    }
  }

  sqlite3_stmt* prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st, nullptr) !=
        SQLITE_OK)
      fail(db_, sql);
    if (cache_.size() > 512) {
      for (auto& [k, s] : cache_) sqlite3_finalize(s);
      cache_.clear();
    }
    cache_.emplace(std::string(sql), st);
    return st;
  }

  Result run(std::string_view sql, const Params& params) {
    sqlite3_stmt* st = prepare(sql);
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{st};
    int n = sqlite3_bind_parameter_count(st);
    if (n != static_cast<int>(params.size()))
      throw std::runtime_error(fmt::format("sqlite: {} parameters given, {} expected in: {}", params.size(), n, sql));
    for (int i = 0; i < n; ++i) {
      const Value& v = params[i];
      int rc = SQLITE_OK;
      if (auto p = std::get_if<int64_t>(&v)) rc = sqlite3_bind_int64(st, i + 1, *p);
      else if (auto p = std::get_if<double>(&v)) rc = sqlite3_bind_double(st, i + 1, *p);
      else if (auto p = std::get_if<std::string>(&v))
        rc = sqlite3_bind_text(st, i + 1, p->data(), static_cast<int>(p->size()), SQLITE_STATIC);
      else if (auto p = std::get_if<Blob>(&v))
        rc = sqlite3_bind_blob(st, i + 1, p->bytes.data(), static_cast<int>(p->bytes.size()), SQLITE_STATIC);
      else rc = sqlite3_bind_null(st, i + 1);
      if (rc != SQLITE_OK) fail(db_, sql);
    }
    Result res;
    int cols = sqlite3_column_count(st);
    for (int c = 0; c < cols; ++c) res.columns.emplace_back(sqlite3_column_name(st, c));
    for (;;) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(db_, sql);
      Row row;
      row.v.reserve(cols);
      for (int c = 0; c < cols; ++c) {
        switch (sqlite3_column_type(st, c)) {
          case SQLITE_INTEGER: row.v.emplace_back(static_cast<int64_t>(sqlite3_column_int64(st, c))); break;
          case SQLITE_FLOAT: row.v.emplace_back(sqlite3_column_double(st, c)); break;
          case SQLITE_TEXT:
            row.v.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)),
                                           sqlite3_column_bytes(st, c)));
            break;
          case SQLITE_BLOB: {
            const char* b = static_cast<const char*>(sqlite3_column_blob(st, c));
            row.v.emplace_back(Blob{std::string(b ? b : "", sqlite3_column_bytes(st, c))});
            break;
          }
          default: row.v.emplace_back(nullptr);
        }
      }
      res.rows.push_back(std::move(row));
    }
    res.affected = sqlite3_changes64(db_);
    return res;
  }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class SqliteTx : public Tx {
 public:
  explicit SqliteTx(Conn& c) : c_(c) {}
  Backend backend() const override { return Backend::sqlite; }
  Result query(std::string_view sql, const Params& p) override { return c_.run(sql, p); }
  int64_t exec(std::string_view sql, const Params& p) override { return c_.run(sql, p).affected; }
  void insert_rows(std::string_view table, const std::vector<std::string>& columns,
                   const std::vector<Params>& rows) override {
    std::string sql = fmt::format("INSERT INTO {}({}) VALUES (", table, fmt::join(columns, ","));
    for (size_t i = 0; i < columns.size(); ++i) sql += i ? ",?" : "?";
    sql += ")";
    for (auto& r : rows) c_.run(sql, r);
  }

 private:
  Conn& c_;
};

thread_local Tx* current_writer_tx = nullptr;

class SqliteDb : public Db {
 public:
  explicit SqliteDb(std::string path) : path_(std::move(path)) {
    writer_conn_ = std::make_unique<Conn>(path_, false);
    unsigned n = std::max(4u, std::thread::hardware_concurrency() * 4);
    for (unsigned i = 0; i < n; ++i) readers_.push_back(std::make_unique<Conn>(path_, false));
    for (auto& r : readers_) {
      r->exec_plain("PRAGMA query_only=1");
      free_.push_back(r.get());
    }
    writer_ = std::thread([this] { writer_loop(); });
  }
  ~SqliteDb() override {
    {
      std::lock_guard lk(qmu_);
      stop_ = true;
    }
    qcv_.notify_all();
    writer_.join();
  }

  Backend backend() const override { return Backend::sqlite; }
  std::string url() const override { return "sqlite:" + path_; }

  Result query(std::string_view sql, const Params& params) override {
    if (current_writer_tx) return current_writer_tx->query(sql, params);  // read own writes
    Conn* c = acquire();
    struct Release {
      SqliteDb* d;
      Conn* c;
      ~Release() { d->release(c); }
    } rel{this, c};
    return c->run(sql, params);
  }

  void write(const std::function<void(Tx&)>& fn) override {
    if (current_writer_tx) {  // nested write from inside a job: same transaction
      fn(*current_writer_tx);
      return;
    }
    Job job{&fn, {}};
    auto fut = job.done.get_future();
    {
      std::lock_guard lk(qmu_);
      queue_.push_back(&job);
      ++queued_;
    }
    qcv_.notify_one();
    fut.get();  // rethrows the job's exception
  }

  int migrate() override {
    return apply_migrations(*this, [](const std::string& sql) {
      std::string s = sql;
      for (size_t p; (p = s.find("{{BLOB}}")) != std::string::npos;) s.replace(p, 8, "BLOB");
      for (size_t p; (p = s.find("{{COLLATE_C}}")) != std::string::npos;) s.replace(p, 13, "");
      return s;
    });
  }

  Stats stats() override {
    Stats s;
    std::lock_guard lk(pmu_);
    s.readers_total = static_cast<int>(readers_.size());
    s.readers_busy = static_cast<int>(readers_.size() - free_.size());
    s.writer_queue = queued_.load();
    s.commits = commits_.load();
    s.write_jobs = jobs_.load();
    return s;
  }

  bool ping() override {
    try {
      query("SELECT 1", {});
      return true;
    } catch (...) {
      return false;
    }
  }

  void backup_to(const std::string& path) override {
    sqlite3* dest = nullptr;
    if (sqlite3_open(path.c_str(), &dest) != SQLITE_OK) {
      sqlite3_close(dest);
      throw std::runtime_error("cannot open backup file " + path);
    }
    Conn src(path_, false);
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", src.raw(), "main");
    if (!b) {
      std::string m = sqlite3_errmsg(dest);
      sqlite3_close(dest);
      throw std::runtime_error("backup failed: " + m);
    }
    int rc;
    while ((rc = sqlite3_backup_step(b, 1024)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
      sqlite3_sleep(5);
    sqlite3_backup_finish(b);
    int err = sqlite3_errcode(dest);
    sqlite3_close(dest);
    if (rc != SQLITE_DONE || err != SQLITE_OK) throw std::runtime_error("backup failed");
  }

 private:
  struct Job {
    const std::function<void(Tx&)>* fn;
    std::promise<void> done;
  };

  Conn* acquire() {
    std::unique_lock lk(pmu_);
    pcv_.wait(lk, [&] { return !free_.empty(); });
    Conn* c = free_.back();
    free_.pop_back();
    return c;
  }
  void release(Conn* c) {
    {
      std::lock_guard lk(pmu_);
      free_.push_back(c);
    }
    pcv_.notify_one();
  }

  void writer_loop() {
    SqliteTx tx(*writer_conn_);
    current_writer_tx = &tx;
    std::vector<Job*> batch;
    std::vector<std::exception_ptr> errors;
    for (;;) {
      {
        std::unique_lock lk(qmu_);
        qcv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty() && stop_) break;
        while (!queue_.empty() && batch.size() < 1024) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      errors.assign(batch.size(), nullptr);
      std::exception_ptr commit_error;
      try {
        writer_conn_->exec_plain("BEGIN IMMEDIATE");
        for (size_t i = 0; i < batch.size(); ++i) {
          writer_conn_->exec_plain("SAVEPOINT job");
          try {
            (*batch[i]->fn)(tx);
            writer_conn_->exec_plain("RELEASE job");
          } catch (...) {
            errors[i] = std::current_exception();
            writer_conn_->exec_plain("ROLLBACK TO job");
            writer_conn_->exec_plain("RELEASE job");
          }
        }
        writer_conn_->exec_plain("COMMIT");
        ++commits_;
      } catch (...) {
        commit_error = std::current_exception();
        sqlite3_exec(writer_conn_->raw(), "ROLLBACK", nullptr, nullptr, nullptr);
      }
      jobs_ += static_cast<int64_t>(batch.size());
      queued_ -= static_cast<int64_t>(batch.size());
      for (size_t i = 0; i < batch.size(); ++i) {
        if (errors[i]) batch[i]->done.set_exception(errors[i]);
        else if (commit_error) batch[i]->done.set_exception(commit_error);
        else batch[i]->done.set_value();
      }
      batch.clear();
    }
    current_writer_tx = nullptr;
  }

  std::string path_;
  std::unique_ptr<Conn> writer_conn_;
  std::vector<std::unique_ptr<Conn>> readers_;
  std::vector<Conn*> free_;
  std::mutex pmu_;
  std::condition_variable pcv_;

  std::thread writer_;
  std::mutex qmu_;
  std::condition_variable qcv_;
  std::deque<Job*> queue_;
  bool stop_ = false;
  std::atomic<int64_t> queued_{0}, commits_{0}, jobs_{0};
};

}  // namespace

std::unique_ptr<Db> open_sqlite(const std::string& path) {
  if (path.empty()) throw bad_request("bad_db_url", "sqlite path is empty", "db");
  return std::make_unique<SqliteDb>(path);
}

}  // namespace manyi::store
