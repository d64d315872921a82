// The store contract, one suite for both backends (SQLite and PostgreSQL): typed values,
// transactions that roll back on exceptions, group-commit isolation, bulk inserts, migrations
// and the portable-SQL helpers.
#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <condition_variable>
#include <future>
#include <mutex>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <unistd.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/postgres.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::store;
using namespace manyi::testing;

namespace {

class Store : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tmp_ = std::make_unique<TempDb>(GetParam());
    db_ = tmp_->open_migrated();
    std::string blob = db_->backend() == Backend::sqlite ? "BLOB" : "BYTEA";
    db_->write([&](Tx& tx) {
      tx.exec("CREATE TABLE t (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT, b " + blob + ")");
    });
  }
  void TearDown() override {
    db_.reset();
    tmp_.reset();
  }
  int64_t count(const std::string& where = "1=1") {
    return scalar_i64(db_->query("SELECT COUNT(*) FROM t WHERE " + where)).value_or(-1);
  }
  std::unique_ptr<TempDb> tmp_;
  std::unique_ptr<Db> db_;
};

std::string all_bytes() {
  std::string b;
  for (int i = 0; i < 256; ++i) b += static_cast<char>(i);
  return b;
}

const std::string kNasty = "满意 😀 tab\there\nnew line\r\\back\\slash 'single' \"double\" \\N ? $1 ;";

}  // namespace

TEST_P(Store, TypedValuesRoundTrip) {
  struct R {
    int64_t id;
    Value i, d, s, b;
  };
  std::vector<R> rows = {
      {1, int64_t{INT64_MAX}, 1e300, std::string("满意"), Blob{all_bytes()}},
      {2, int64_t{INT64_MIN}, -0.5, std::string(kNasty), Blob{std::string("\0\0x", 3)}},
      {3, int64_t{0}, 1e-300, std::string(""), Blob{""}},
      {4, nullptr, nullptr, nullptr, nullptr},
      {5, int64_t{-1}, 3.141592653589793, std::string(10000, 'x'), Blob{std::string(100000, '\xff')}},
  };
  db_->write([&](Tx& tx) {
    for (auto& r : rows) EXPECT_EQ(tx.exec("INSERT INTO t(id, i, d, s, b) VALUES (?, ?, ?, ?, ?)", {r.id, r.i, r.d, r.s, r.b}), 1);
  });
  auto res = db_->query("SELECT id, i, d, s, b FROM t ORDER BY id");
  ASSERT_EQ(res.size(), rows.size());
  EXPECT_EQ(res.columns, (std::vector<std::string>{"id", "i", "d", "s", "b"}));
  for (size_t k = 0; k < rows.size(); ++k) {
    SCOPED_TRACE(k);
    const Row& got = res[k];
    EXPECT_EQ(got.i64(0), rows[k].id);
    EXPECT_TRUE(std::holds_alternative<int64_t>(got.v[0]));
    for (int c = 1; c <= 4; ++c) EXPECT_EQ(got.null(c), k == 3) << "column " << c;
    if (k == 3) {
      EXPECT_FALSE(got.opt_i64(1).has_value());
      EXPECT_FALSE(got.opt_str(3).has_value());
      EXPECT_EQ(got.i64(1), 0);
      EXPECT_EQ(got.str(3), "");
      continue;
    }
    EXPECT_EQ(got.i64(1), std::get<int64_t>(rows[k].i));
    EXPECT_TRUE(std::holds_alternative<int64_t>(got.v[1]));
    EXPECT_TRUE(std::holds_alternative<double>(got.v[2]));
    EXPECT_EQ(got.f64(2), std::get<double>(rows[k].d));  // exact, not approximately
    EXPECT_TRUE(std::holds_alternative<std::string>(got.v[3]));
    EXPECT_EQ(got.str(3), std::get<std::string>(rows[k].s));
    ASSERT_TRUE(std::holds_alternative<Blob>(got.v[4]));
    EXPECT_EQ(std::get<Blob>(got.v[4]).bytes, std::get<Blob>(rows[k].b).bytes);
  }
  // Parameters of every type work in WHERE clauses too.
  EXPECT_EQ(scalar_i64(db_->query("SELECT id FROM t WHERE s = ?", {kNasty})).value_or(0), 2);
  EXPECT_EQ(scalar_i64(db_->query("SELECT id FROM t WHERE i = ?", {int64_t{INT64_MAX}})).value_or(0), 1);
  EXPECT_EQ(scalar_i64(db_->query("SELECT id FROM t WHERE d = ?", {3.141592653589793})).value_or(0), 5);
  EXPECT_EQ(scalar_i64(db_->query("SELECT id FROM t WHERE b = ?", {Blob{all_bytes()}})).value_or(0), 1);
  EXPECT_EQ(scalar_i64(db_->query("SELECT COUNT(*) FROM t WHERE i IS NULL")).value_or(0), 1);
}

TEST_P(Store, RowConversions) {
  auto r = db_->query("SELECT 42, 'x', '123', 2.5");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i64(0), 42);
  EXPECT_EQ(r[0].str(0), "42");
  EXPECT_EQ(r[0].f64(0), 42.0);
  EXPECT_EQ(r[0].i64(2), 123);  // numeric text converts
  EXPECT_EQ(r[0].f64(3), 2.5);
  EXPECT_EQ(r[0].str(3), "2.5");
  EXPECT_EQ(scalar_i64(Result{}), std::nullopt);
  // Aggregates read the same way on both (COUNT is int8 on PostgreSQL, SUM numeric).
  db_->write([](Tx& tx) {
    for (int64_t k = 1; k <= 3; ++k) tx.exec("INSERT INTO t(id, i) VALUES (?, ?)", {k, k * 10});
  });
  auto agg = db_->query("SELECT COUNT(*), SUM(i), MAX(i), AVG(i) FROM t");
  EXPECT_EQ(agg[0].i64(0), 3);
  EXPECT_EQ(agg[0].i64(1), 60);
  EXPECT_EQ(agg[0].i64(2), 30);
  EXPECT_EQ(agg[0].f64(3), 20.0);
}

TEST_P(Store, ExecCountsRowsAndReturningAndUpsertWork) {
  db_->write([](Tx& tx) {
    for (int64_t k = 1; k <= 5; ++k) tx.exec("INSERT INTO t(id, i) VALUES (?, ?)", {k, k});
    EXPECT_EQ(tx.exec("UPDATE t SET i = i + 1 WHERE id > ?", {int64_t{2}}), 3);
    EXPECT_EQ(tx.exec("UPDATE t SET i = 0 WHERE id > 100"), 0);
    auto r = tx.query("UPDATE t SET i = i * 2 WHERE id = ? RETURNING i", {int64_t{5}});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].i64(0), 12);
    tx.exec("INSERT INTO t(id, i) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET i = t.i + excluded.i", {int64_t{1}, int64_t{100}});
    EXPECT_EQ(tx.exec("DELETE FROM t WHERE id = ?", {int64_t{4}}), 1);
  });
  EXPECT_EQ(scalar_i64(db_->query("SELECT i FROM t WHERE id = 1")).value_or(0), 101);
  EXPECT_EQ(count(), 4);
}

TEST_P(Store, WriteRollsBackEverythingOnException) {
  db_->write([](Tx& tx) { tx.exec("INSERT INTO t(id, s) VALUES (1, 'kept')"); });
  EXPECT_THROW(db_->write([](Tx& tx) {
                 tx.exec("INSERT INTO t(id, s) VALUES (2, 'gone')");
                 tx.exec("UPDATE t SET s = 'changed' WHERE id = 1");
                 tx.insert_rows("t", {"id", "s"}, {{int64_t{3}, std::string("bulk")}, {int64_t{4}, std::string("bulk")}});
                 throw std::runtime_error("boom");
               }),
               std::runtime_error);
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(db_->query("SELECT s FROM t WHERE id = 1")[0].str(0), "kept");
  // The domain's Error keeps its status, code and field through write().
  try {
    db_->write([](Tx& tx) {
      tx.exec("INSERT INTO t(id) VALUES (5)");
      throw invalid("name", "bad name");
    });
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.field(), "name");
  }
  // A failing statement inside the job, the job catches nothing: rolled back as a whole.
  try {
    db_->write([](Tx& tx) {
      tx.exec("INSERT INTO t(id) VALUES (6)");
      tx.exec("INSERT INTO t(id) VALUES (1)");  // duplicate key
    });
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 409);
    EXPECT_EQ(e.code(), "duplicate");
  }
  EXPECT_EQ(count(), 1);
  // And the database is usable afterwards.
  db_->write([](Tx& tx) { tx.exec("INSERT INTO t(id) VALUES (7)"); });
  EXPECT_EQ(count(), 2);
}

TEST_P(Store, NestedWriteJoinsTheOuterTransactionAndReadsOwnWrites) {
  EXPECT_THROW(db_->write([&](Tx& tx) {
                 tx.exec("INSERT INTO t(id) VALUES (1)");
                 db_->write([](Tx& inner) { inner.exec("INSERT INTO t(id) VALUES (2)"); });
                 // db.query inside a write sees the transaction's own rows.
                 EXPECT_EQ(scalar_i64(db_->query("SELECT COUNT(*) FROM t")).value_or(0), 2);
                 throw std::runtime_error("undo both");
               }),
               std::runtime_error);
  EXPECT_EQ(count(), 0);
  db_->write([&](Tx& tx) {
    tx.exec("INSERT INTO t(id) VALUES (1)");
    db_->write([](Tx& inner) { inner.exec("INSERT INTO t(id) VALUES (2)"); });
  });
  EXPECT_EQ(count(), 2);
}

TEST_P(Store, DeferredStatementsRunInOrderAndFailTheirTransaction) {
  db_->write([](Tx& tx) {
    for (int64_t k = 1; k <= 50; ++k) tx.exec_deferred("INSERT INTO t(id, i) VALUES (?, ?)", {k, k});
    // A read flushes what was deferred.
    EXPECT_EQ(scalar_i64(tx.query("SELECT COUNT(*) FROM t")).value_or(0), 50);
    tx.exec_deferred("UPDATE t SET i = i + 1000 WHERE id = ?", {int64_t{1}});
    tx.exec_deferred("UPDATE t SET i = i * 2 WHERE id = ?", {int64_t{1}});
  });
  EXPECT_EQ(scalar_i64(db_->query("SELECT i FROM t WHERE id = 1")).value_or(0), 2002);
  // An error in a deferred statement surfaces by commit and undoes the whole job.
  try {
    db_->write([](Tx& tx) {
      tx.exec_deferred("INSERT INTO t(id) VALUES (100)");
      tx.exec_deferred("INSERT INTO t(id) VALUES (1)");  // duplicate
      tx.exec_deferred("INSERT INTO t(id) VALUES (101)");
    });
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "duplicate");
  }
  EXPECT_EQ(count("id >= 100"), 0);
  db_->write([](Tx& tx) { tx.exec_deferred("INSERT INTO t(id) VALUES (102)"); });
  EXPECT_EQ(count("id >= 100"), 1);
}

// Many threads write at once (SQLite batches them into one commit, each job in a savepoint);
// the jobs that throw — after writing — leave nothing, and their neighbours are all there.
TEST_P(Store, AFailingJobDoesNotAffectItsNeighbours) {
  const int threads = 16, per = 40;
  std::atomic<int> thrown{0}, dup{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int k = 0; k < per; ++k) {
        int64_t id = t * 1000 + k + 1;
        try {
          db_->write([&](Tx& tx) {
            tx.exec("INSERT INTO t(id, i) VALUES (?, ?)", {id, int64_t{t}});
            tx.exec("UPDATE t SET s = 'touched' WHERE id = ?", {id});
            if (k % 7 == 3) throw std::runtime_error("job fails after writing");
            if (k % 11 == 5) tx.exec("INSERT INTO t(id) VALUES (?)", {id});  // fails: duplicate
          });
        } catch (const Error& e) {
          if (e.code() == "duplicate") ++dup;
        } catch (const std::runtime_error&) {
          ++thrown;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  int expected_fail = 0, expected_dup = 0;
  std::set<int64_t> want;
  for (int t = 0; t < threads; ++t)
    for (int k = 0; k < per; ++k) {
      if (k % 7 == 3) ++expected_fail;
      else if (k % 11 == 5) ++expected_dup;
      else want.insert(t * 1000 + k + 1);
    }
  EXPECT_EQ(thrown.load(), expected_fail);
  EXPECT_EQ(dup.load(), expected_dup);
  std::set<int64_t> got;
  for (auto& r : db_->query("SELECT id, s FROM t")) {
    got.insert(r.i64(0));
    EXPECT_EQ(r.str(1), "touched");
  }
  EXPECT_EQ(got, want);
  auto st = db_->stats();
  EXPECT_GE(st.write_jobs, static_cast<int64_t>(want.size()));
  EXPECT_GT(st.commits, 0);
  EXPECT_EQ(st.writer_queue, 0);
}

// write_async: every job is answered exactly once — after its commit, with nothing when it
// committed and with its own error when it threw — and a failing job leaves its neighbours in
// the same transaction alone. A completion may queue further writes (the rating flusher's
// retries do).
TEST_P(Store, WriteAsyncAnswersOnceAfterTheCommit) {
  const int jobs = 300;
  std::mutex mu;
  std::condition_variable cv;
  int answered = 0, failed = 0, followups = 0;
  std::vector<int> calls(jobs, 0);
  std::set<int64_t> seen_committed;
  for (int k = 0; k < jobs; ++k) {
    int64_t id = k + 1;
    db_->write_async(
        [id, k](Tx& tx) {
          tx.exec("INSERT INTO t(id, i) VALUES (?, ?)", {id, int64_t{k}});
          if (k % 9 == 4) throw Error(422, "bad_row", "this job fails");
        },
        [&, id, k](std::exception_ptr e) {
          bool committed = !e;
          // A committed job's row is readable from any connection when it is answered.
          if (committed) {
            auto r = db_->query("SELECT i FROM t WHERE id = ?", {id});
            EXPECT_EQ(r.size(), 1u) << "job " << k << " answered before its row was visible";
          }
          if (k == 0) {  // a completion that queues another write
            db_->write_async([](Tx& tx) { tx.exec("INSERT INTO t(id, s) VALUES (100000, 'follow-up')"); },
                             [&](std::exception_ptr e2) {
                               EXPECT_FALSE(e2);
                               std::lock_guard lk(mu);
                               ++followups;
                               cv.notify_all();
                             });
          }
          std::lock_guard lk(mu);
          ++calls[static_cast<size_t>(k)];
          ++answered;
          if (!committed) {
            ++failed;
            try {
              std::rethrow_exception(e);
            } catch (const Error& err) {
              EXPECT_EQ(err.code(), "bad_row");
            }
          } else {
            seen_committed.insert(id);
          }
          cv.notify_all();
        });
  }
  std::unique_lock lk(mu);
  ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(30), [&] { return answered == jobs && followups == 1; }));
  for (int k = 0; k < jobs; ++k) EXPECT_EQ(calls[static_cast<size_t>(k)], 1) << "job " << k;
  int expected_failed = 0;
  for (int k = 0; k < jobs; ++k) expected_failed += k % 9 == 4;
  EXPECT_EQ(failed, expected_failed);
  EXPECT_EQ(count("id < 100000"), jobs - expected_failed);
  EXPECT_EQ(count("id < 100000 AND i % 9 = 4"), 0);
  EXPECT_EQ(static_cast<int>(seen_committed.size()), jobs - expected_failed);
  EXPECT_EQ(count("id = 100000"), 1);
}

// Background writes (the bad-review case opener's) commit like any other, and a steady stream
// of other writes cannot hold one back for long.
TEST_P(Store, BackgroundWritesCommitEvenUnderASteadyStream) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> next{1};
  std::vector<std::thread> stream;
  for (int k = 0; k < 8; ++k)
    stream.emplace_back([&] {
      while (!stop) {
        int64_t id = next++;
        db_->write([&](Tx& tx) { tx.exec("INSERT INTO t(id, s) VALUES (?, 'stream')", {id}); });
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::promise<void> done;
  db_->write_background([](Tx& tx) { tx.exec("INSERT INTO t(id, s) VALUES (-1, 'background')"); },
                        [&](std::exception_ptr e) {
                          EXPECT_FALSE(e);
                          done.set_value();
                        });
  auto waited = done.get_future().wait_for(std::chrono::seconds(10));  // designed: within ~200 ms
  stop = true;
  for (auto& t : stream) t.join();
  ASSERT_EQ(waited, std::future_status::ready);
  EXPECT_EQ(count("s = 'background'"), 1);
  EXPECT_EQ(count("s = 'stream'"), next.load() - 1);
}

// Closing the database answers every queued asynchronous write first.
TEST_P(Store, ClosingFinishesQueuedAsyncWrites) {
  std::atomic<int> ok{0};
  for (int k = 0; k < 200; ++k)
    db_->write_async([k](Tx& tx) { tx.exec("INSERT INTO t(id) VALUES (?)", {int64_t{k + 1}}); },
                     [&](std::exception_ptr e) { ok += !e; });
  db_.reset();
  EXPECT_EQ(ok.load(), 200);
  db_ = tmp_->open_migrated();
  EXPECT_EQ(count(), 200);
}

TEST_P(Store, ConcurrentReadersSeeOnlyCommittedRows) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, reads{0};
  std::thread reader([&] {
    while (!stop) {
      // Every committed job inserts two rows: a reader must never see an odd count.
      auto n = scalar_i64(db_->query("SELECT COUNT(*) FROM t")).value_or(-1);
      if (n % 2) ++bad;
      ++reads;
    }
  });
  for (int64_t k = 0; k < 200; ++k)
    db_->write([&](Tx& tx) {
      tx.exec("INSERT INTO t(id) VALUES (?)", {2 * k + 1});
      tx.exec("INSERT INTO t(id) VALUES (?)", {2 * k + 2});
    });
  stop = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(count(), 400);
}

TEST_P(Store, InsertRowsInBulkKeepsEveryByte) {
  std::vector<Params> rows;
  const int n = 20000;
  for (int k = 0; k < n; ++k) {
    std::string s;
    switch (k % 6) {
      case 0: s = kNasty; break;
      case 1: s = "\\N"; break;  // the COPY null marker as text
      case 2: s = "a\tb\tc\n\nd\\\\e\r\n"; break;
      case 3: s = ""; break;
      case 4: s = "行" + std::to_string(k); break;
      default: s = std::string("\\x00 \\.");  // COPY's end-of-data marker as text
    }
    rows.push_back({int64_t{k + 1}, k % 5 == 0 ? Value(nullptr) : Value(int64_t{k % 2 ? INT64_MIN + k : INT64_MAX - k}),
                    Value(k * 0.1), k % 9 == 0 ? Value(nullptr) : Value(s),
                    k % 3 == 0 ? Value(Blob{all_bytes()}) : Value(Blob{"\\\t\n"})});
  }
  db_->write([&](Tx& tx) { tx.insert_rows("t", {"id", "i", "d", "s", "b"}, rows); });
  EXPECT_EQ(count(), n);
  auto res = db_->query("SELECT id, i, d, s, b FROM t ORDER BY id");
  ASSERT_EQ(res.size(), static_cast<size_t>(n));
  int mismatches = 0;
  for (int k = 0; k < n; ++k) {
    const Row& r = res[k];
    const Params& w = rows[k];
    bool ok = r.i64(0) == k + 1 && r.null(1) == std::holds_alternative<std::nullptr_t>(w[1]) &&
              (r.null(1) || r.i64(1) == std::get<int64_t>(w[1])) && r.f64(2) == std::get<double>(w[2]) &&
              r.null(3) == std::holds_alternative<std::nullptr_t>(w[3]) &&
              (r.null(3) || r.str(3) == std::get<std::string>(w[3])) &&
              std::holds_alternative<Blob>(r.v[4]) && std::get<Blob>(r.v[4]).bytes == std::get<Blob>(w[4]).bytes;
    if (!ok && ++mismatches < 5) ADD_FAILURE() << "row " << k << " differs: s=" << r.str(3);
  }
  EXPECT_EQ(mismatches, 0);
  // A duplicate key inside the bulk fails the whole job.
  EXPECT_THROW(db_->write([&](Tx& tx) {
                 tx.insert_rows("t", {"id"}, {{int64_t{n + 1}}, {int64_t{n + 2}}, {int64_t{1}}});
               }),
               Error);
  EXPECT_EQ(count(), n);
  db_->write([&](Tx& tx) { tx.insert_rows("t", {"id"}, {}); });  // empty is fine
}

TEST_P(Store, MigrateIsIdempotentAndRefusesANewerSchema) {
  EXPECT_EQ(db_->migrate(), 0);
  EXPECT_EQ(db_->migrate(), 0);
  EXPECT_EQ(schema_version(*db_), known_schema_version());
  EXPECT_GE(known_schema_version(), 1);
  auto applied = scalar_i64(db_->query("SELECT COUNT(*) FROM schema_migrations")).value_or(0);
  EXPECT_EQ(applied, static_cast<int64_t>(migrations().size()));
  // Migration versions are unique and increasing.
  int prev = 0;
  for (auto& m : migrations()) {
    EXPECT_GT(m.version, prev) << m.name;
    prev = m.version;
  }
  // A database written by a newer binary is refused, and nothing is applied.
  db_->write([](Tx& tx) {
    tx.exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
            {int64_t{999999}, std::string("from_the_future"), int64_t{0}});
  });
  try {
    db_->migrate();
    FAIL() << "migrate accepted a newer schema";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "schema_too_new");
    EXPECT_NE(std::string(e.what()).find("999999"), std::string::npos) << e.what();
  }
  // The binary refuses too: `migrate` and `serve` exit non-zero.
  std::string out;
  EXPECT_NE(run_manyi({"--db", tmp_->url(), "migrate"}, &out), 0) << out;
  EXPECT_NE(out.find("newer"), std::string::npos) << out;
  EXPECT_THROW(ServerProcess srv(tmp_->url()), std::runtime_error);
}

TEST_P(Store, MigrateFromEmptyTwiceConcurrently) {
  TempDb fresh(GetParam());
  std::atomic<int> applied{0}, errors{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 3; ++i)
    ts.emplace_back([&] {
      try {
        auto db = open(fresh.url());
        applied += db->migrate();
      } catch (const std::exception& e) {
        ++errors;
        ADD_FAILURE() << "migrate failed: " << e.what();
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(applied.load(), static_cast<int>(migrations().size()));  // each migration once
  auto db = open(fresh.url());
  EXPECT_EQ(schema_version(*db), known_schema_version());
}

TEST_P(Store, PingStatsAndBackup) {
  EXPECT_TRUE(db_->ping());
  EXPECT_GT(db_->stats().readers_total, 0);
  db_->write([](Tx& tx) { tx.exec("INSERT INTO t(id, s) VALUES (1, '备份')"); });
  auto file = std::filesystem::temp_directory_path() / ("manyi-backup-" + std::to_string(getpid()) + ".db");
  if (db_->backend() == Backend::sqlite) {
    db_->backup_to(file.string());
    auto copy = open("sqlite:" + file.string());
    EXPECT_EQ(copy->query("SELECT s FROM t WHERE id = 1")[0].str(0), "备份");
    copy.reset();
    std::filesystem::remove(file);
  } else {
    // pg_dump's custom format (it printed a command and wrote nothing before).
    db_->backup_to(file.string());
    std::ifstream f(file, std::ios::binary);
    std::string magic(5, '\0');
    f.read(magic.data(), 5);
    EXPECT_EQ(magic, "PGDMP");
    std::filesystem::remove(file);
  }
  EXPECT_THROW(open("mysql://x"), Error);
  EXPECT_THROW(open("sqlite:"), Error);
}

// Messages between instances (Tx::notify / Db::listen): a committed transaction's reach every
// listener — of this Db and of another opened on the same database — in order; a rolled-back
// one's never. When the listening connection is killed it is made anew, says since when it may
// have missed messages, and hears the next ones. SQLite serves one process: nothing to listen to.
TEST_P(Store, MessagesReachTheOtherInstancesOnlyWhenTheirTransactionCommits) {
  if (db_->backend() == Backend::sqlite) {
    EXPECT_EQ(db_->listen("manyi_test", [](std::string_view) {}, [](int64_t) {}), nullptr);
    db_->write([](Tx& tx) { tx.notify("manyi_test", "nobody hears this"); });  // and nothing fails
    return;
  }
  struct Heard {
    std::mutex mu;
    std::vector<std::string> messages;
    std::vector<int64_t> gaps;
    size_t size() {
      std::lock_guard lk(mu);
      return messages.size();
    }
  };
  auto heard_by = [](Heard& h) {
    return std::make_pair([&h](std::string_view m) { std::lock_guard lk(h.mu); h.messages.emplace_back(m); },
                          [&h](int64_t since) { std::lock_guard lk(h.mu); h.gaps.push_back(since); });
  };
  auto other = open(tmp_->url());  // a second instance
  Heard mine, theirs;
  auto [m1, g1] = heard_by(mine);
  auto [m2, g2] = heard_by(theirs);
  auto l1 = db_->listen("manyi_test", m1, g1);
  auto l2 = other->listen("manyi_test", m2, g2);
  ASSERT_NE(l1, nullptr);
  auto wait = [](Heard& h, size_t n) {
    for (int i = 0; i < 500 && h.size() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return h.size();
  };
  db_->write([](Tx& tx) {
    tx.exec("INSERT INTO t(id) VALUES (1)");
    tx.notify("manyi_test", "first 满意");
    tx.notify("manyi_test", "second");
  });
  EXPECT_THROW(db_->write([](Tx& tx) {
                 tx.notify("manyi_test", "rolled back");
                 throw std::runtime_error("no");
               }),
               std::runtime_error);
  db_->write([](Tx& tx) { tx.notify("manyi_other_channel", "not for these listeners"); });
  other->write([](Tx& tx) { tx.notify("manyi_test", "third"); });
  EXPECT_EQ(wait(mine, 3), 3u);
  EXPECT_EQ(wait(theirs, 3), 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // nothing more comes
  for (Heard* h : {&mine, &theirs}) {
    std::lock_guard lk(h->mu);
    EXPECT_EQ(h->messages, (std::vector<std::string>{"first 满意", "second", "third"}));
    EXPECT_TRUE(h->gaps.empty());
  }
  // The instances' listening connections die (a PostgreSQL restart, a network cut).
  int64_t before = now_ms();
  auto killed = scalar_i64(db_->query(
      "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND "
      "application_name = 'manyi listener'"));
  EXPECT_EQ(killed.value_or(0), 2);
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lk(theirs.mu);
      if (!theirs.gaps.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lk(theirs.mu);
    ASSERT_EQ(theirs.gaps.size(), 1u) << "the listener never came back";
    EXPECT_LE(theirs.gaps[0], before + 1000) << "it says it missed nothing before the connection died";
  }
  db_->write([](Tx& tx) { tx.notify("manyi_test", "after"); });
  EXPECT_EQ(wait(theirs, 4), 4u);
  l1.reset();  // stops its thread
  l2.reset();
}

TEST(StoreHelpers, PgPlaceholdersSkipQuotedText) {
  EXPECT_EQ(pg_placeholders("SELECT ?"), "SELECT $1");
  EXPECT_EQ(pg_placeholders("SELECT ?, '?', ?"), "SELECT $1, '?', $2");
  EXPECT_EQ(pg_placeholders("WHERE a = ? AND b = 'it''s ?' AND c = ?"), "WHERE a = $1 AND b = 'it''s ?' AND c = $2");
  EXPECT_EQ(pg_placeholders("SELECT \"odd?name\" FROM t WHERE x = ?"), "SELECT \"odd?name\" FROM t WHERE x = $1");
  EXPECT_EQ(pg_placeholders("SELECT '\"', ?"), "SELECT '\"', $1");
  EXPECT_EQ(pg_placeholders("no params"), "no params");
  std::string many = "VALUES (";
  for (int i = 0; i < 12; ++i) many += i ? ",?" : "?";
  EXPECT_EQ(pg_placeholders(many + ")"), "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)");
}

TEST(StoreHelpers, SplitSqlAtTopLevelSemicolons) {
  auto v = split_sql(
      "CREATE TABLE a (x TEXT DEFAULT ';');\n"
      "-- a comment; with a semicolon and an apostrophe: it's\n"
      "INSERT INTO a VALUES ('a;b'); ;\n"
      "INSERT INTO a VALUES ('--not a comment;')  -- trailing comment\n");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], "CREATE TABLE a (x TEXT DEFAULT ';')");
  EXPECT_NE(v[1].find("INSERT INTO a VALUES ('a;b')"), std::string::npos);
  EXPECT_EQ(v[1].find("comment"), std::string::npos);
  EXPECT_NE(v[2].find("'--not a comment;'"), std::string::npos);
  EXPECT_TRUE(split_sql("").empty());
  EXPECT_TRUE(split_sql(" ;\n; -- only a comment").empty());
}

TEST(StoreHelpers, EveryShippedMigrationSplitsIntoStatements) {
  for (auto& m : migrations()) {
    auto stmts = split_sql(m.sql);
    EXPECT_FALSE(stmts.empty()) << m.name;
    for (auto& s : stmts) EXPECT_EQ(s.find("AUTOINCREMENT"), std::string::npos) << m.name << ": ids come from new_id()";
  }
}

INSTANTIATE_TEST_SUITE_P(Db, Store, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
