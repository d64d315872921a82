// SQLite's write-ahead log as the store runs it: WAL writes combined by the store's VFS shim,
// the WAL synced on a thread of its own, and checkpoints beside the writer. What a user relies
// on: every committed row is there — for other connections, after reopening, and by SQLite's
// own integrity check — and the WAL file does not grow without bound under a steady stream of
// writes.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "store/db.hpp"
#include "store/sqlite_vfs.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::store;
using namespace manyi::testing;

namespace {

std::string path_of(const Db& db) { return db.url().substr(std::string("sqlite:").size()); }

// A row's payload: distinct per id, so a torn or misplaced page would show.
std::string payload(int64_t id, size_t n) {
  std::string s(n, ' ');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (id * 31 + static_cast<int64_t>(i) * 7) % 26);
  return s;
}

// Checks every row's payload and runs SQLite's integrity check, on a connection of its own
// opened with the plain default VFS (the files must be ordinary SQLite files).
void verify_with_plain_sqlite(const std::string& path, int64_t rows, size_t n) {
  sqlite3* c = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &c, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(c, "SELECT id, s FROM big ORDER BY id", -1, &st, nullptr), SQLITE_OK);
  int64_t seen = 0, bad = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    std::string s(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), static_cast<size_t>(sqlite3_column_bytes(st, 1)));
    if (s != payload(id, n)) ++bad;
    ++seen;
  }
  sqlite3_finalize(st);
  EXPECT_EQ(seen, rows);
  EXPECT_EQ(bad, 0);
  ASSERT_EQ(sqlite3_prepare_v2(c, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
  sqlite3_finalize(st);
  sqlite3_close(c);
}

}  // namespace

// One transaction far larger than the shim's 8 MiB buffer, with a page cache small enough that
// SQLite spills pages into the WAL mid-transaction and reads them back (the shim must write
// what it holds before such a read).
TEST(SqliteWal, LargeTransactionsWithSpilledPagesReadBackIntact) {
  TempDb tmp("sqlite");
  auto db = tmp.open_migrated();
  const int64_t rows = 6000;
  const size_t n = 3000;  // ~18 MB of payload
  db->write([&](Tx& tx) {
    tx.exec("PRAGMA cache_size=50");  // ~200 KiB: spills while the transaction is open
    tx.exec("CREATE TABLE big (id BIGINT PRIMARY KEY, s TEXT NOT NULL)");
    for (int64_t id = 1; id <= rows; ++id) tx.exec("INSERT INTO big(id, s) VALUES (?, ?)", {id, payload(id, n)});
    // Reads and rewrites pages that were spilled to the WAL earlier in this transaction.
    auto r = tx.query("SELECT COUNT(*), SUM(length(s)) FROM big");
    EXPECT_EQ(r[0].i64(0), rows);
    EXPECT_EQ(r[0].i64(1), rows * static_cast<int64_t>(n));
    tx.exec("UPDATE big SET s = s WHERE id % 5 = 0");
    tx.exec("PRAGMA cache_size=-65536");
  });
  auto r = db->query("SELECT COUNT(*) FROM big WHERE length(s) = ?", {static_cast<int64_t>(n)});
  EXPECT_EQ(r[0].i64(0), rows);
  verify_with_plain_sqlite(path_of(*db), rows, n);  // while the WAL is live
  std::string path = path_of(*db);
  db.reset();
  verify_with_plain_sqlite(path, rows, n);  // after closing (checkpointed into the file)
}

// A steady stream of commits with a reader running beside them: the checkpointer copies the
// WAL back and the writer starts it over, so the file stays near the 16 MB threshold instead
// of holding everything ever written (here ~60 MB).
TEST(SqliteWal, TheWalStaysBoundedUnderSteadyWrites) {
  TempDb tmp("sqlite");
  auto db = tmp.open_migrated();
  db->write([](Tx& tx) { tx.exec("CREATE TABLE big (id BIGINT PRIMARY KEY, s TEXT NOT NULL)"); });
  std::string wal = path_of(*db) + "-wal";
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0};
  std::thread reader([&] {
    while (!stop) {
      db->query("SELECT COUNT(*) FROM big");
      ++reads;
    }
  });
  const int64_t txns = 1500, per = 10;
  const size_t n = 4000;  // ~40 KB per transaction, 60 MB in all
  uintmax_t largest = 0;
  for (int64_t t = 0; t < txns; ++t) {
    db->write([&](Tx& tx) {
      for (int64_t k = 0; k < per; ++k) {
        int64_t id = t * per + k + 1;
        tx.exec("INSERT INTO big(id, s) VALUES (?, ?)", {id, payload(id, n)});
      }
    });
    std::error_code ec;
    largest = std::max(largest, std::filesystem::file_size(wal, ec));
  }
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  std::cout << "WAL peak " << (largest >> 20) << " MiB after " << txns * per * n / (1 << 20) << " MiB written\n";
  EXPECT_LT(largest, 40u << 20) << "the WAL grew to " << largest << " bytes";
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM big")[0].i64(0), txns * per);
  verify_with_plain_sqlite(path_of(*db), txns * per, n);
}

// Connections other than the store's (the sqlite3 shell, a backup tool) read what the store
// committed, and the store reads what they wrote.
TEST(SqliteWal, OtherConnectionsShareTheFiles) {
  TempDb tmp("sqlite");
  auto db = tmp.open_migrated();
  db->write([](Tx& tx) {
    tx.exec("CREATE TABLE big (id BIGINT PRIMARY KEY, s TEXT NOT NULL)");
    for (int64_t id = 1; id <= 100; ++id) tx.exec("INSERT INTO big(id, s) VALUES (?, ?)", {id, payload(id, 500)});
  });
  sqlite3* c = nullptr;
  ASSERT_EQ(sqlite3_open(path_of(*db).c_str(), &c), SQLITE_OK);
  sqlite3_busy_timeout(c, 5000);
  ASSERT_EQ(sqlite3_exec(c, "INSERT INTO big(id, s) VALUES (101, 'from the shell')", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(c);
  EXPECT_EQ(db->query("SELECT s FROM big WHERE id = 101")[0].str(0), "from the shell");
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM big")[0].i64(0), 101);
}
