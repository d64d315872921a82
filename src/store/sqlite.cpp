#include "store/sqlite.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "core/error.hpp"
#include "store/sqlite_vfs.hpp"

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
    if (sqlite3_open_v2(path.c_str(), &db_, flags, combining_vfs()) != SQLITE_OK) {
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
      enter_wal();
      exec_plain("PRAGMA synchronous=FULL");
      exec_plain("PRAGMA wal_autocheckpoint=4000");
    }
  }
  ~Conn() {
    for (auto& [k, s] : cache_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  sqlite3* raw() { return db_; }

  // WAL mode is stored in the file, so only the first connection to a new file changes it. The
  // change needs the file to itself, and SQLite answers SQLITE_BUSY at once (without its busy
  // handler) when another connection opening the same new file holds a lock: processes or threads
  // opening one new database together would fail at random. Wait for them as the busy timeout
  // would.
  void enter_wal() {
    for (int waited_ms = 0;; waited_ms += 5) {
      sqlite3_stmt* st = nullptr;
      int rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &st, nullptr);
      if (rc == SQLITE_OK) rc = sqlite3_step(st);
      std::string mode = rc == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(st, 0)) : "";
      sqlite3_finalize(st);
      if (rc == SQLITE_ROW && mode == "wal") return;
      int code = sqlite3_extended_errcode(db_) & 0xff;
      if ((rc == SQLITE_ROW || code == SQLITE_BUSY || code == SQLITE_LOCKED) && waited_ms < 10000) {
        sqlite3_sleep(5);
        continue;
      }
      throw std::runtime_error("sqlite: cannot enter WAL mode (" + (rc == SQLITE_ROW ? "mode " + mode
                                                                                     : std::string(sqlite3_errmsg(db_))) +
                               ")");
    }
  }

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
    auto it = cache_.find(sql);  // heterogeneous lookup: no copy of the SQL text
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
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
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
    // Checkpoints copy the WAL back into the database file. SQLite runs them inside the commit
    // that crosses the threshold, which stalls every queued write for tens of milliseconds; here
    // a thread of its own runs them (PASSIVE: never blocks the writer or the readers), woken by
    // the writer's WAL hook. Only a WAL far past the threshold is checkpointed in the commit.
    checkpoint_conn_ = std::make_unique<Conn>(path_, false);
    writer_conn_->exec_plain("PRAGMA wal_autocheckpoint=0");
    sqlite3_wal_hook(writer_conn_->raw(), &SqliteDb::wal_hook, this);
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
    syncer_ = std::thread([this] { syncer_loop(); });
    writer_ = std::thread([this] { writer_loop(); });
  }
  ~SqliteDb() override {
    {
      std::lock_guard lk(qmu_);
      stop_ = true;
    }
    qcv_.notify_all();
    writer_.join();  // then the syncer drains and stops
    syncer_.join();
    {
      std::lock_guard lk(cmu_);
      cstop_ = true;
    }
    ccv_.notify_all();
    checkpointer_.join();
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
    std::promise<void> done;
    auto fut = done.get_future();
    auto job = std::make_unique<Job>();
    job->borrowed = &fn;
    job->done = [&done](std::exception_ptr e) {
      if (e) done.set_exception(e);
      else done.set_value();
    };
    submit(std::move(job));
    fut.get();  // rethrows the job's exception
  }

  void write_async(std::function<void(Tx&)> fn, Done done) override {
    auto job = std::make_unique<Job>();
    job->owned = std::move(fn);
    job->done = std::move(done);
    submit(std::move(job));
  }

  void write_background(std::function<void(Tx&)> fn, Done done) override {
    auto job = std::make_unique<Job>();
    job->owned = std::move(fn);
    job->done = std::move(done);
    job->queued_at = std::chrono::steady_clock::now();
    job->background = true;
    submit(std::move(job));
  }

  int migrate_to(int version) override {
    return apply_migrations(*this, [](const std::string& sql) {
      std::string s = sql;
      for (size_t p; (p = s.find("{{BLOB}}")) != std::string::npos;) s.replace(p, 8, "BLOB");
      for (size_t p; (p = s.find("{{COLLATE_C}}")) != std::string::npos;) s.replace(p, 13, "");
      return s;
    }, version);
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
    // All pages in one step: the step reads one snapshot (in WAL mode writers go on meanwhile).
    // Copying in chunks would release the snapshot between them, and every commit by the server
    // in between would restart the copy: under steady writes it might never finish.
    int rc;
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
      sqlite3_sleep(5);
    sqlite3_backup_finish(b);
    int err = sqlite3_errcode(dest);
    sqlite3_close(dest);
    if (rc != SQLITE_DONE || err != SQLITE_OK) throw std::runtime_error("backup failed");
  }

 private:
  struct Job {
    std::function<void(Tx&)> owned;                    // write_async
    const std::function<void(Tx&)>* borrowed = nullptr;  // write (the caller waits)
    Done done;
    bool background = false;  // write_background: runs when nothing else waits (or has waited long)
    std::chrono::steady_clock::time_point queued_at;
    void run(Tx& tx) { borrowed ? (*borrowed)(tx) : owned(tx); }
  };
  static constexpr auto kBackgroundMaxWait = std::chrono::milliseconds(200);
  using Jobs = std::vector<std::unique_ptr<Job>>;

  void submit(std::unique_ptr<Job> job) {
    {
      std::lock_guard lk(qmu_);
      if (stop_) throw Error(503, "shutting_down", "the database is closing");
      (job->background ? background_ : queue_).push_back(std::move(job));
      ++queued_;
    }
    qcv_.notify_one();
  }

  static void finish(Job& j, std::exception_ptr e) {
    try {
      j.done(e);
    } catch (const std::exception& ex) {
      spdlog::error("sqlite write completion failed: {}", ex.what());
    }
  }

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

  static constexpr int kCheckpointPages = 4000;       // ~16 MB of WAL: checkpoint
  static constexpr int kCheckpointInlinePages = 64000;  // ~256 MB: the checkpointer is behind, copy now
  static constexpr int kCheckpointLeftover = 256;       // frames the writer's final pass may copy
  static constexpr int kCheckpointPasses = 8;

  // Called by the writer after each commit with the WAL's size in pages. The checkpointer copies
  // the bulk of the frames; once it has, the next commit copies the few frames added meanwhile
  // itself, so that every frame is in the database and the next transaction starts the WAL over
  // (a checkpoint running beside a busy writer alone never catches up, and the WAL would grow).
  static int wal_hook(void* self, sqlite3* db, const char*, int pages) {
    auto* d = static_cast<SqliteDb*>(self);
    if (pages < kCheckpointPages) return SQLITE_OK;
    int state = d->cstate_.load();
    if (state == kIdle) {
      {
        std::lock_guard lk(d->cmu_);
        d->cstate_ = kRunning;
      }
      d->ccv_.notify_one();
    } else if (state == kDone || pages >= kCheckpointInlinePages) {
      WalSyncMode real(false);  // a checkpoint syncs the WAL before copying it into the database
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      if (state == kDone) d->cstate_ = kIdle;
    }
    return SQLITE_OK;
  }

  void checkpoint_loop() {
    pthread_setname_np(pthread_self(), "db-checkpoint");
    for (;;) {
      {
        std::unique_lock lk(cmu_);
        ccv_.wait(lk, [&] { return cstop_ || cstate_ == kRunning; });
        if (cstop_) return;
      }
      // A pass copies the frames committed when it began; while the writer appends, pass after
      // pass until one finds few new frames, so the writer's own final pass (wal_hook) copies
      // only a few (its cost is then mostly two fsyncs, whatever the WAL's size).
      for (int pass = 0, prev = -1; pass < kCheckpointPasses; ++pass) {
        int log = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
          spdlog::warn("sqlite checkpoint: {}", sqlite3_errmsg(checkpoint_conn_->raw()));
          break;
        }
        ++checkpoints_;
        if (rc == SQLITE_BUSY || (prev >= 0 && log - prev <= kCheckpointLeftover)) break;
        prev = log;
      }
      cstate_ = kDone;
    }
  }

  // One transaction for every job waiting (group commit), each job in its savepoint so a
  // failing one is rolled back alone (a job alone in its transaction needs none). The COMMIT
  // writes the WAL without syncing it; the syncer thread syncs it and only then completes the
  // jobs, while this thread already writes the next transaction.
  void writer_loop() {
    pthread_setname_np(pthread_self(), "db-writer");
    SqliteTx tx(*writer_conn_);
    current_writer_tx = &tx;
    Jobs batch;
    std::vector<std::exception_ptr> errors;
    for (;;) {
      {
        std::unique_lock lk(qmu_);
        qcv_.wait(lk, [&] { return stop_ || !queue_.empty() || !background_.empty(); });
        if (queue_.empty() && background_.empty() && stop_) break;
        // A background job runs alone, when nothing else waits or once it has waited long.
        if (!background_.empty() &&
            (queue_.empty() || std::chrono::steady_clock::now() - background_.front()->queued_at > kBackgroundMaxWait)) {
          batch.push_back(std::move(background_.front()));
          background_.pop_front();
        } else {
          while (!queue_.empty() && batch.size() < 1024) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
          }
        }
      }
      errors.assign(batch.size(), nullptr);
      std::exception_ptr commit_error;
      try {
        writer_conn_->exec_plain("BEGIN IMMEDIATE");
        // A job alone in its transaction needs no savepoint (under one, SQLite copies every page
        // the job changes to a sub-journal first): a failure rolls the transaction back.
        const bool alone = batch.size() == 1;
        for (size_t i = 0; i < batch.size(); ++i) {
          if (!alone) writer_conn_->exec_plain("SAVEPOINT job");
          try {
            batch[i]->run(tx);
            if (!alone) writer_conn_->exec_plain("RELEASE job");
          } catch (...) {
            errors[i] = std::current_exception();
            if (!alone) {
              writer_conn_->exec_plain("ROLLBACK TO job");
              writer_conn_->exec_plain("RELEASE job");
            }
          }
        }
        if (alone && errors[0]) {
          writer_conn_->exec_plain("ROLLBACK");
        } else {
          WalSyncMode deferred(true);
          writer_conn_->exec_plain("COMMIT");
          ++commits_;
        }
      } catch (...) {
        commit_error = std::current_exception();
        sqlite3_exec(writer_conn_->raw(), "ROLLBACK", nullptr, nullptr, nullptr);
      }
      jobs_ += static_cast<int64_t>(batch.size());
      queued_ -= static_cast<int64_t>(batch.size());
      Jobs committed;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (errors[i] || commit_error) finish(*batch[i], errors[i] ? errors[i] : commit_error);
        else committed.push_back(std::move(batch[i]));
      }
      batch.clear();
      if (!committed.empty()) {
        {
          std::lock_guard lk(smu_);
          for (auto& j : committed) synced_queue_.push_back(std::move(j));
        }
        scv_.notify_one();
      }
    }
    current_writer_tx = nullptr;
    {
      std::lock_guard lk(smu_);
      sstop_ = true;
    }
    scv_.notify_one();
  }

  // Makes committed transactions durable: one fdatasync of the WAL for all of them, then
  // completes their jobs.
  void syncer_loop() {
    pthread_setname_np(pthread_self(), "db-sync");
    Jobs jobs;
    for (;;) {
      {
        std::unique_lock lk(smu_);
        scv_.wait(lk, [&] { return sstop_ || !synced_queue_.empty(); });
        if (synced_queue_.empty() && sstop_) break;
        std::swap(jobs, synced_queue_);
      }
      std::exception_ptr err;
      try {
        sync_wal();
      } catch (...) {
        err = std::current_exception();
      }
      for (auto& j : jobs) finish(*j, err);
      jobs.clear();
    }
    if (wal_fd_ >= 0) ::close(wal_fd_);
  }

  void sync_wal() {
    std::string wal = path_ + "-wal";
    struct stat st {};
    if (::stat(wal.c_str(), &st) != 0) {
      if (errno == ENOENT) return;  // no WAL (not in WAL mode): the commit synced itself
      throw std::runtime_error(fmt::format("sqlite: cannot stat {}: {}", wal, std::strerror(errno)));
    }
    if (wal_fd_ < 0 || st.st_ino != wal_ino_) {
      if (wal_fd_ >= 0) ::close(wal_fd_);
      wal_fd_ = ::open(wal.c_str(), O_RDWR | O_CLOEXEC);
      if (wal_fd_ < 0) throw std::runtime_error(fmt::format("sqlite: cannot open {}: {}", wal, std::strerror(errno)));
      wal_ino_ = st.st_ino;
      // A new WAL file: make its directory entry durable too.
      auto slash = path_.find_last_of('/');
      std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
      int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
      }
    }
    if (::fdatasync(wal_fd_) != 0)
      throw std::runtime_error(fmt::format("sqlite: fdatasync {}: {}", wal, std::strerror(errno)));
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
  std::deque<std::unique_ptr<Job>> queue_, background_;
  bool stop_ = false;
  std::atomic<int64_t> queued_{0}, commits_{0}, jobs_{0}, checkpoints_{0};

  std::thread syncer_;
  std::mutex smu_;
  std::condition_variable scv_;
  Jobs synced_queue_;
  bool sstop_ = false;
  int wal_fd_ = -1;
  ino_t wal_ino_ = 0;

  std::unique_ptr<Conn> checkpoint_conn_;
  std::thread checkpointer_;
  std::mutex cmu_;
  std::condition_variable ccv_;
  static constexpr int kIdle = 0, kRunning = 1, kDone = 2;
  std::atomic<int> cstate_{kIdle};
  bool cstop_ = false;
};

}  // namespace

std::unique_ptr<Db> open_sqlite(const std::string& path) {
  if (path.empty()) throw bad_request("bad_db_url", "sqlite path is empty", "db");
  return std::make_unique<SqliteDb>(path);
}

}  // namespace manyi::store
