#include "store/postgres.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include <poll.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "store/sqlite.hpp"  // apply_migrations

namespace manyi::store {

void run_pg_dump(const std::string& url, const std::string& path) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    std::string m = err ? err : "cannot parse the database URL";
    if (err) PQfreemem(err);
    throw Error(400, "bad_db_url", m, "db");
  }
  std::string conninfo, password;
  for (auto* o = opts; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    if (std::strcmp(o->keyword, "password") == 0) {
      password = o->val;
      continue;
    }
    std::string v;
    for (const char* c = o->val; *c; ++c) {
      if (*c == '\\' || *c == '\'') v += '\\';
      v += *c;
    }
    conninfo += fmt::format("{}{}='{}'", conninfo.empty() ? "" : " ", o->keyword, v);
  }
  PQconninfoFree(opts);
  const char* bin = std::getenv("MANYI_PG_DUMP");
  std::string exe = bin && *bin ? bin : "pg_dump";
  std::string tmp = path + ".partial";
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("cannot start pg_dump");
  if (pid == 0) {
    if (!password.empty()) setenv("PGPASSWORD", password.c_str(), 1);
    std::string file_arg = "--file=" + tmp, db_arg = "--dbname=" + conninfo;
    execlp(exe.c_str(), exe.c_str(), "--format=custom", "--no-password", file_arg.c_str(), db_arg.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(WIFEXITED(status) && WEXITSTATUS(status) == 127
                                 ? exe + " was not found (install postgresql-client-15 or set MANYI_PG_DUMP)"
                                 : "pg_dump failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                       "); the backup was not written");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write the backup to " + path);
}


std::string pg_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  bool in_str = false, in_ident = false;  // '…' literals and "…" identifiers
  for (char c : sql) {
    if (c == '\'' && !in_ident) in_str = !in_str;
    if (c == '"' && !in_str) in_ident = !in_ident;
    if (c == '?' && !in_str && !in_ident) {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700,
              kFloat8 = 701, kNumeric = 1700;

std::string hex_decode(const char* s, size_t n) {
  std::string out;
  if (n < 2 || s[0] != '\\' || s[1] != 'x') return std::string(s, n);
  auto h = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  out.reserve((n - 2) / 2);
  for (size_t i = 2; i + 1 < n; i += 2) out += static_cast<char>(h(s[i]) << 4 | h(s[i + 1]));
  return out;
}

[[noreturn]] void fail(PGresult* r, PGconn* c, std::string_view sql) {
  std::string state = r && PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "";
  std::string msg = one_line(r ? PQresultErrorMessage(r) : PQerrorMessage(c));
  if (r) PQclear(r);
  // The connection is gone or the server is going away: the database is unavailable, not the
  // request at fault (503 with Retry-After; the pool replaces the connection).
  if ((c && PQstatus(c) == CONNECTION_BAD) || state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" ||
      state == "57P03")
    throw Error(503, "database_unavailable", "the database is unavailable; please retry shortly (" + msg + ")");
  if (state == "23505") throw Error(409, "duplicate", "a record with the same key already exists: " + msg);
  if (state.rfind("23", 0) == 0) throw Error(409, "constraint_violation", msg);
  throw std::runtime_error(fmt::format("postgres [{}]: {} in: {}", state, msg, sql.substr(0, 200)));
}

// Server notices (WARNING and up, see client_min_messages) as one structured log line each,
// instead of libpq's default of printing them to stderr as they come, lines and all.
void log_notice(void*, const char* message) { spdlog::warn("postgresql notice: {}", one_line(message ? message : "")); }

class PgConn {
 public:
  explicit PgConn(const std::string& url) {
    c_ = PQconnectdb(url.c_str());
    PQsetNoticeProcessor(c_, log_notice, nullptr);
    if (PQstatus(c_) != CONNECTION_OK) {
      std::string m = PQerrorMessage(c_);
      PQfinish(c_);
      while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
      throw Error(503, "database_unavailable", "cannot connect to PostgreSQL: " + one_line(m));
    }
    PQclear(PQexec(c_, "SET client_min_messages=warning"));
  }
  ~PgConn() { PQfinish(c_); }
  PGconn* raw() { return c_; }
  bool ok() { return PQstatus(c_) == CONNECTION_OK; }
  // Reconnects; true when the connection works again.
  bool reset() {
    PQreset(c_);
    if (!ok()) return false;
    PQclear(PQexec(c_, "SET client_min_messages=warning"));
    return true;
  }

  // Parameters in libpq's text form (blobs binary).
  struct Bound {
    std::vector<std::string> text;
    std::vector<const char*> vals;
    std::vector<int> lens, fmts;
    explicit Bound(const Params& params) : text(params.size()), vals(params.size()), lens(params.size()), fmts(params.size()) {
      for (size_t i = 0; i < params.size(); ++i) {
        const Value& v = params[i];
        if (auto p = std::get_if<int64_t>(&v)) text[i] = std::to_string(*p);
        else if (auto p = std::get_if<double>(&v)) text[i] = fmt::format("{}", *p);
        else if (auto p = std::get_if<std::string>(&v)) text[i] = *p;
        else if (auto p = std::get_if<Blob>(&v)) {
          vals[i] = p->bytes.data();
          lens[i] = static_cast<int>(p->bytes.size());
          fmts[i] = 1;
          continue;
        } else {
          vals[i] = nullptr;
          continue;
        }
        vals[i] = text[i].c_str();
        lens[i] = static_cast<int>(text[i].size());
      }
    }
  };

  Result run(std::string_view sql, const Params& params) {
    std::string q = pg_placeholders(sql);
    Bound b(params);
    PGresult* r = PQexecParams(c_, q.c_str(), static_cast<int>(params.size()), nullptr, b.vals.data(), b.lens.data(),
                               b.fmts.data(), 0);
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(r, c_, sql);
    return convert(r);
  }

  // Sends every statement in pipeline mode and waits once; throws the first error.
  void run_pipeline(const std::vector<std::pair<std::string, Params>>& stmts) {
    if (stmts.empty()) return;
    if (PQenterPipelineMode(c_) != 1) fail(nullptr, c_, "enter pipeline mode");
    std::vector<std::string> queries;
    queries.reserve(stmts.size());
    for (auto& [sql, params] : stmts) {
      queries.push_back(pg_placeholders(sql));
      Bound b(params);
      if (PQsendQueryParams(c_, queries.back().c_str(), static_cast<int>(params.size()), nullptr, b.vals.data(),
                            b.lens.data(), b.fmts.data(), 0) != 1) {
        PQexitPipelineMode(c_);
        fail(nullptr, c_, sql);
      }
    }
    if (PQpipelineSync(c_) != 1) fail(nullptr, c_, "pipeline sync");
    PGresult* first_error = nullptr;
    std::string error_sql;
    size_t idx = 0;
    for (;;) {
      PGresult* r = PQgetResult(c_);
      if (!r) {  // end of one statement's results
        ++idx;
        continue;
      }
      auto st = PQresultStatus(r);
      if (st == PGRES_PIPELINE_SYNC) {
        PQclear(r);
        break;
      }
      if (st == PGRES_FATAL_ERROR && !first_error) {
        first_error = r;
        error_sql = idx < stmts.size() ? stmts[idx].first : "";
        continue;
      }
      PQclear(r);
    }
    PQexitPipelineMode(c_);
    if (first_error) fail(first_error, c_, error_sql);
  }

  Result convert(PGresult* r) {
    Result res;
    int nf = PQnfields(r), nt = PQntuples(r);
    std::vector<Oid> types(nf);
    for (int f = 0; f < nf; ++f) {
      res.columns.emplace_back(PQfname(r, f));
      types[f] = PQftype(r, f);
    }
    res.rows.reserve(nt);
    for (int t = 0; t < nt; ++t) {
      Row row;
      row.v.reserve(nf);
      for (int f = 0; f < nf; ++f) {
        if (PQgetisnull(r, t, f)) {
          row.v.emplace_back(nullptr);
          continue;
        }
        const char* s = PQgetvalue(r, t, f);
        int len = PQgetlength(r, t, f);
        switch (types[f]) {
          case kInt2: case kInt4: case kInt8: case kOid: row.v.emplace_back(static_cast<int64_t>(std::strtoll(s, nullptr, 10))); break;
          case kFloat4: case kFloat8: case kNumeric: row.v.emplace_back(std::strtod(s, nullptr)); break;
          case kBool: row.v.emplace_back(static_cast<int64_t>(s[0] == 't')); break;
          case kBytea: row.v.emplace_back(Blob{hex_decode(s, len)}); break;
          default: row.v.emplace_back(std::string(s, len));
        }
      }
      res.rows.push_back(std::move(row));
    }
    const char* aff = PQcmdTuples(r);
    res.affected = aff && *aff ? std::strtoll(aff, nullptr, 10) : 0;
    PQclear(r);
    return res;
  }

  void plain(const char* sql) {
    PGresult* r = PQexec(c_, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, c_, sql);
    PQclear(r);
  }

  void copy_in(std::string_view table, const std::vector<std::string>& columns, const std::vector<Params>& rows) {
    std::string sql = fmt::format("COPY {}({}) FROM STDIN", table, fmt::join(columns, ","));
    PGresult* r = PQexec(c_, sql.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) fail(r, c_, sql);
    PQclear(r);
    std::string buf;
    auto esc = [&](std::string_view s) {
      for (char ch : s) {
        switch (ch) {
          case '\\': buf += "\\\\"; break;
          case '\t': buf += "\\t"; break;
          case '\n': buf += "\\n"; break;
          case '\r': buf += "\\r"; break;
          default: buf += ch;
        }
      }
    };
    for (auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) buf += '\t';
        const Value& v = row[i];
        if (auto p = std::get_if<int64_t>(&v)) buf += std::to_string(*p);
        else if (auto p = std::get_if<double>(&v)) buf += fmt::format("{}", *p);
        else if (auto p = std::get_if<std::string>(&v)) esc(*p);
        else if (auto p = std::get_if<Blob>(&v)) {
          buf += "\\\\x";
          static const char* hx = "0123456789abcdef";
          for (unsigned char ch : p->bytes) {
            buf += hx[ch >> 4];
            buf += hx[ch & 15];
          }
        } else buf += "\\N";
      }
      buf += '\n';
      if (buf.size() > (1 << 20)) {
        if (PQputCopyData(c_, buf.data(), static_cast<int>(buf.size())) != 1) fail(nullptr, c_, sql);
        buf.clear();
      }
    }
    if (!buf.empty() && PQputCopyData(c_, buf.data(), static_cast<int>(buf.size())) != 1) fail(nullptr, c_, sql);
    if (PQputCopyEnd(c_, nullptr) != 1) fail(nullptr, c_, sql);
    while ((r = PQgetResult(c_)) != nullptr) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        PGresult* rest;
        while ((rest = PQgetResult(c_)) != nullptr) PQclear(rest);
        fail(r, c_, sql);
      }
      PQclear(r);
    }
  }

 private:
  PGconn* c_ = nullptr;
};

class PgTx : public Tx {
 public:
  PgTx(PgConn& c, const std::atomic<bool>& notify_paused) : c_(c), notify_paused_(notify_paused) {}
  Backend backend() const override { return Backend::postgres; }
  Result query(std::string_view sql, const Params& p) override {
    flush();
    return c_.run(sql, p);
  }
  int64_t exec(std::string_view sql, const Params& p) override {
    flush();
    return c_.run(sql, p).affected;
  }
  void exec_deferred(std::string_view sql, const Params& p) override { pending_.emplace_back(std::string(sql), p); }
  void insert_rows(std::string_view table, const std::vector<std::string>& columns,
                   const std::vector<Params>& rows) override {
    flush();
    if (!rows.empty()) c_.copy_in(table, columns, rows);
  }
  // Sends the deferred statements, with COMMIT appended when commit is true: one round trip.
  void flush(bool commit = false) {
    if (commit) pending_.emplace_back("COMMIT", Params{});
    if (pending_.empty()) return;
    auto stmts = std::move(pending_);
    pending_.clear();
    if (stmts.size() == 1) {
      c_.run(stmts[0].first, stmts[0].second);
      return;
    }
    c_.run_pipeline(stmts);
  }
  void discard() { pending_.clear(); }
  void notify(std::string_view channel, std::string_view payload) override {
    if (notify_paused_.load(std::memory_order_relaxed)) return;
    pending_.emplace_back("SELECT pg_notify(?, ?)", Params{std::string(channel), std::string(payload)});
  }

 private:
  PgConn& c_;
  const std::atomic<bool>& notify_paused_;
  std::vector<std::pair<std::string, Params>> pending_;
};

// LISTEN on a connection of its own, read by a thread of its own; made anew when it is lost.
// Every 10 s it also asks how full the server's notification queue is and pauses this
// instance's notify() over half full (a listener somewhere that stopped reading would otherwise
// fill it, and then every transaction that notifies would fail).
class PgListener : public Listener {
 public:
  PgListener(std::string url, const std::string& channel, Db::OnMessage on_message, Db::OnGap on_gap,
             std::atomic<bool>& notify_paused)
      : url_(std::move(url)),
        channel_(channel),
        on_message_(std::move(on_message)),
        on_gap_(std::move(on_gap)),
        notify_paused_(notify_paused) {
    connect();  // listening before the constructor returns, when the database is there
    thread_ = std::thread([this] { run(); });
  }
  ~PgListener() override {
    stop_ = true;
    thread_.join();
    if (c_) PQfinish(c_);
  }

 private:
  bool connect() {
    if (c_) PQfinish(c_);
    c_ = PQconnectdb(url_.c_str());
    PQsetNoticeProcessor(c_, log_notice, nullptr);
    if (PQstatus(c_) == CONNECTION_OK) {
      char* ident = PQescapeIdentifier(c_, channel_.c_str(), channel_.size());
      // Named, so an operator (and a test) can tell it in pg_stat_activity.
      std::string sql = std::string("SET application_name = 'manyi listener'; LISTEN ") + (ident ? ident : "");
      if (ident) PQfreemem(ident);
      PGresult* r = PQexec(c_, sql.c_str());
      bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (ok) return true;
    }
    spdlog::warn("listen {}: {}", channel_, one_line(PQerrorMessage(c_)));
    PQfinish(c_);
    c_ = nullptr;
    return false;
  }
  void check_queue() {
    PGresult* r = PQexec(c_, "SELECT pg_notification_queue_usage()");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
      double usage = std::strtod(PQgetvalue(r, 0, 0), nullptr);
      bool pause = usage > 0.5;
      if (pause != notify_paused_.exchange(pause))
        spdlog::warn("notification queue {:.0f}% full: this instance's messages to other instances {}", usage * 100,
                     pause ? "paused" : "resumed");
    }
    PQclear(r);
  }
  void run() {
    int64_t heard = now_ms(), checked = 0;
    while (!stop_) {
      if (!c_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        if (stop_ || !connect()) continue;
        spdlog::info("listen {}: connection made anew; messages after {} may have been missed", channel_, heard);
        on_gap_(heard);
      }
      pollfd p{PQsocket(c_), POLLIN, 0};
      int n = ::poll(&p, 1, 200);
      if (n < 0 && errno != EINTR) break;
      if (PQconsumeInput(c_) != 1 || PQstatus(c_) != CONNECTION_OK) {
        spdlog::warn("listen {}: connection lost: {}", channel_, one_line(PQerrorMessage(c_)));
        PQfinish(c_);
        c_ = nullptr;
        continue;
      }
      while (PGnotify* m = PQnotifies(c_)) {
        try {
          on_message_(m->extra ? std::string_view(m->extra) : std::string_view());
        } catch (const std::exception& e) {
          spdlog::error("listen {}: message not handled: {}", channel_, e.what());
        }
        PQfreemem(m);
      }
      heard = now_ms();
      if (heard - checked >= 10000) {
        checked = heard;
        check_queue();
      }
    }
  }

  std::string url_, channel_;
  Db::OnMessage on_message_;
  Db::OnGap on_gap_;
  std::atomic<bool>& notify_paused_;
  PGconn* c_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

thread_local Tx* current_tx = nullptr;

class PgDb : public Db {
 public:
  explicit PgDb(std::string url) : url_(std::move(url)) {
    // Pool size: MANYI_PG_POOL, else 8 per core (at least 8). Several instances on one server
    // need instances × pool ≤ max_connections − reserved (docs/operations.md).
    size_ = std::max(8u, std::thread::hardware_concurrency() * 8);
    if (const char* v = std::getenv("MANYI_PG_POOL"); v && std::atoi(v) > 0) size_ = std::atoi(v);
    if (const char* v = std::getenv("MANYI_PG_POOL_WAIT_MS"); v && std::atoi(v) > 0) wait_ms_ = std::atoi(v);
    free_.push_back(std::make_unique<PgConn>(url_));  // fail fast on a bad URL
    total_ = 1;
  }

  Backend backend() const override { return Backend::postgres; }
  std::string url() const override { return url_; }

  Result query(std::string_view sql, const Params& params) override {
    if (current_tx) return current_tx->query(sql, params);
    auto c = acquire();
    Guard g{this, std::move(c)};
    try {
      return g.c->run(sql, params);
    } catch (const Error& e) {
      if (e.status() == 503) ++unavailable_;
      // A pooled connection that died (the server restarted) fails once, here: a read is safe
      // to repeat, on the connection made anew.
      if (g.c->ok() || !g.c->reset()) throw;
      return g.c->run(sql, params);
    }
  }

  void write(const std::function<void(Tx&)>& fn) override {
    if (current_tx) {
      fn(*current_tx);
      return;
    }
    ++queued_;
    auto c = acquire();
    --queued_;
    Guard g{this, std::move(c)};
    for (int attempt = 0;; ++attempt) {
      PgTx tx(*g.c, notify_paused_);
      try {
        g.c->plain("BEGIN");
      } catch (const Error&) {
        ++unavailable_;
        // Nothing reached the database yet: a connection that died meanwhile is made anew and
        // the transaction starts over, once.
        if (attempt > 0 || g.c->ok() || !g.c->reset()) throw;
        g.c->plain("BEGIN");
      }
      try {
        current_tx = &tx;
        fn(tx);
        current_tx = nullptr;
        tx.flush(true);  // deferred statements and COMMIT in one round trip
        ++commits_;
        ++jobs_;
        return;
      } catch (const std::runtime_error& e) {
        current_tx = nullptr;
        PQclear(PQexec(g.c->raw(), "ROLLBACK"));
        std::string m = e.what();
        bool retry = (m.find("[40001]") != std::string::npos || m.find("[40P01]") != std::string::npos) && attempt < 3;
        if (!retry) throw;
      } catch (...) {
        current_tx = nullptr;
        PQclear(PQexec(g.c->raw(), "ROLLBACK"));
        throw;
      }
    }
  }

  int migrate_to(int version) override {
    // Serialise concurrent migrators (several instances starting at once).
    auto c = acquire();
    Guard g{this, std::move(c)};
    g.c->run("SELECT pg_advisory_lock(815001)", {});
    int n = 0;
    try {
      n = apply_migrations(*this, [](const std::string& sql) {
        std::string s = sql;
        for (size_t p; (p = s.find("{{BLOB}}")) != std::string::npos;) s.replace(p, 8, "BYTEA");
        for (size_t p; (p = s.find("{{COLLATE_C}}")) != std::string::npos;) s.replace(p, 13, "COLLATE \"C\"");
        return s;
      }, version);
    } catch (...) {
      g.c->run("SELECT pg_advisory_unlock(815001)", {});
      throw;
    }
    g.c->run("SELECT pg_advisory_unlock(815001)", {});
    return n;
  }

  Stats stats() override {
    std::lock_guard lk(mu_);
    Stats s;
    s.readers_total = total_;
    s.readers_busy = total_ - static_cast<int>(free_.size());
    s.writer_queue = queued_.load();
    s.commits = commits_.load();
    s.write_jobs = jobs_.load();
    s.pool_waits = waits_.load();
    s.pool_timeouts = timeouts_.load();
    s.db_errors = unavailable_.load();
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

  // Runs pg_dump (custom format) into path. The password, if the URL has one, goes to pg_dump
  // through PGPASSWORD, never on its command line; MANYI_PG_DUMP names another pg_dump binary.
  void backup_to(const std::string& path) override { run_pg_dump(url_, path); }

  std::unique_ptr<Listener> listen(const std::string& channel, OnMessage on_message, OnGap on_gap) override {
    return std::make_unique<PgListener>(url_, channel, std::move(on_message), std::move(on_gap), notify_paused_);
  }

 private:
  struct Guard {
    PgDb* d;
    std::unique_ptr<PgConn> c;
    ~Guard() { d->release(std::move(c)); }
  };

  std::unique_ptr<PgConn> acquire() {
    std::unique_lock lk(mu_);
    for (;;) {
      if (!free_.empty()) {
        auto c = std::move(free_.back());
        free_.pop_back();
        lk.unlock();
        if (!c->ok()) c->reset();
        return c;
      }
      if (total_ < size_) {
        ++total_;
        lk.unlock();
        try {
          return std::make_unique<PgConn>(url_);
        } catch (...) {
          std::lock_guard l2(mu_);
          --total_;
          throw;
        }
      }
      // All connections busy: wait for one, for a while, then answer 503 rather than queue forever.
      ++waits_;
      if (!cv_.wait_for(lk, std::chrono::milliseconds(wait_ms_), [&] { return !free_.empty() || total_ < size_; })) {
        ++timeouts_;
        throw Error(503, "database_busy", "every database connection is busy; please retry shortly");
      }
    }
  }
  void release(std::unique_ptr<PgConn> c) {
    {
      std::lock_guard lk(mu_);
      if (PQtransactionStatus(c->raw()) != PQTRANS_IDLE) PQclear(PQexec(c->raw(), "ROLLBACK"));
      free_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  std::string url_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> free_;
  int total_ = 0;
  int size_ = 16;
  int wait_ms_ = 5000;
  std::atomic<int64_t> queued_{0}, commits_{0}, jobs_{0}, waits_{0}, timeouts_{0}, unavailable_{0};
  std::atomic<bool> notify_paused_{false};
};

}  // namespace

std::unique_ptr<Db> open_postgres(const std::string& url) { return std::make_unique<PgDb>(url); }

}  // namespace manyi::store
