// Operations as docs/operations.md tells a hospital's IT to run them, on real databases:
// migrations record when they were applied; the read-only commands (audit verify, backup) never
// migrate, so they run on a standby and as a read-only PostgreSQL role; `backup` on PostgreSQL
// writes a pg_dump archive that restores, as documented, into a database the application's
// role can serve; and the server's start-up line never shows the database password.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "core/error.hpp"

#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

std::string suffix() {
  static std::mt19937_64 rng(std::random_device{}());
  return std::to_string(rng() % 1000000000ULL);
}

// The test server's URL with another user (and password) and database.
std::string pg_url(const std::string& user, const std::string& password, const std::string& dbname) {
  std::string base = std::getenv("MANYI_TEST_PG");  // postgresql://postgres@127.0.0.1:PORT/postgres
  auto host = base.find('@') + 1;
  auto slash = base.find('/', host);
  return "postgresql://" + user + (password.empty() ? "" : ":" + password) + "@" + base.substr(host, slash - host) +
         "/" + dbname;
}

void admin(const std::string& sql) {
  auto db = store::open(std::getenv("MANYI_TEST_PG"));
  db->query(sql);
}

class Operations : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(Operations, MigrationsRecordWhenTheyWereApplied) {
  TempDb t(GetParam());
  auto db = t.open_migrated();
  auto r = db->query("SELECT MIN(applied_at), COUNT(*) FROM schema_migrations");
  EXPECT_GT(r[0].i64(1), 5);
  EXPECT_GT(r[0].i64(0), int64_t{1700000000000}) << "applied_at is not a time";
}

TEST_P(Operations, ReadOnlyCommandsNeverMigrate) {
  TempDb t(GetParam());
  auto db = t.open_migrated();
  // A database one migration behind the binary (as a standby of an older primary would be).
  auto last = db->query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1");
  ASSERT_EQ(last.size(), 1u);
  db->write([&](store::Tx& tx) { tx.exec("DELETE FROM schema_migrations WHERE version = ?", {last[0].i64(0)}); });
  int before = store::schema_version(*db);
  std::string out;
  EXPECT_NE(run_manyi({"--db", t.url(), "audit", "verify"}, &out), 0) << out;
  EXPECT_NE(out.find("manyi migrate"), std::string::npos) << out;
  std::string file = ::testing::TempDir() + "manyi-ro-" + suffix() + ".bak";
  EXPECT_NE(run_manyi({"--db", t.url(), "backup", "--out", file}, &out), 0) << out;
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(store::schema_version(*db), before) << "a read-only command migrated the database";
  // At the binary's version again, verify and backup run.
  db->write([&](store::Tx& tx) {
    tx.exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
            {last[0].i64(0), last[0].str(1), last[0].i64(2)});
  });
  EXPECT_EQ(run_manyi({"--db", t.url(), "audit", "verify"}, &out), 0) << out;
  EXPECT_EQ(run_manyi({"--db", t.url(), "backup", "--out", file}, &out), 0) << out;
  EXPECT_TRUE(std::filesystem::exists(file));
  std::filesystem::remove(file);
}

INSTANTIATE_TEST_SUITE_P(Db, Operations, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

TEST(OperationsPostgres, BackupAndVerifyAsAReadOnlyRoleAndRestoreAsDocumented) {
  std::string url = demo_db_url("postgres");
  std::string dbname = url.substr(url.rfind('/') + 1), s = suffix();
  std::string ro = "manyi_ro_" + s, app = "manyi_app_" + s, restored = "manyi_restored_" + s;
  std::string file = ::testing::TempDir() + "manyi-" + s + ".dump";
  admin("CREATE ROLE " + ro + " LOGIN PASSWORD 'ro-secret'");
  admin("GRANT CONNECT ON DATABASE " + dbname + " TO " + ro);
  {
    auto db = store::open(url);
    db->write([&](store::Tx& tx) {
      tx.exec("GRANT USAGE ON SCHEMA public TO " + ro);
      tx.exec("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + ro);
    });
  }
  std::string out;
  std::string ro_url = pg_url(ro, "ro-secret", dbname);
  EXPECT_EQ(run_manyi({"--db", ro_url, "audit", "verify"}, &out), 0) << out;
  EXPECT_NE(out.find("audit chain intact"), std::string::npos) << out;

  // backup writes a pg_dump archive (it printed a command and exited 0 before).
  ASSERT_EQ(run_manyi({"--db", ro_url, "backup", "--out", file}, &out), 0) << out;
  EXPECT_EQ(out.find("ro-secret"), std::string::npos) << "the password was printed: " << out;
  std::ifstream f(file, std::ios::binary);
  std::string magic(5, '\0');
  f.read(magic.data(), 5);
  EXPECT_EQ(magic, "PGDMP");

  // Restore as docs/operations.md says: a new database owned by the application's role,
  // pg_restore --no-owner --role=<app> as the superuser.
  admin("CREATE ROLE " + app + " LOGIN PASSWORD 'app-secret'");
  admin("CREATE DATABASE " + restored + " OWNER " + app);
  std::string base = std::getenv("MANYI_TEST_PG");
  auto host = base.find('@') + 1, colon = base.find(':', host), slash = base.find('/', host);
  std::string cmd = "pg_restore -h " + base.substr(host, colon - host) + " -p " + base.substr(colon + 1, slash - colon - 1) +
                    " -U postgres --no-owner --role=" + app + " --dbname=" + restored + " '" + file + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::string app_url = pg_url(app, "app-secret", restored);
  EXPECT_EQ(run_manyi({"--db", app_url, "audit", "verify"}, &out), 0) << out;
  EXPECT_EQ(run_manyi({"--db", app_url, "migrate"}, &out), 0) << out;
  {
    ServerProcess srv(app_url);
    EXPECT_EQ(srv.startup_line().find("app-secret"), std::string::npos) << srv.startup_line();
    EXPECT_NE(srv.startup_line().find("***"), std::string::npos) << srv.startup_line();
    auto c = srv.client();
    ASSERT_EQ(c.login("hosp1").status, 200) << "the restored database cannot be served by its role";
    EXPECT_EQ(c.get("/api/v1/cases?limit=5").status, 200);
  }
  std::remove(file.c_str());
  admin("DROP DATABASE IF EXISTS " + restored + " WITH (FORCE)");
  admin("REVOKE ALL ON DATABASE " + dbname + " FROM " + ro);
  {
    auto db = store::open(url);
    db->write([&](store::Tx& tx) { tx.exec("DROP OWNED BY " + ro); });
  }
  admin("DROP ROLE IF EXISTS " + ro);
  admin("DROP ROLE IF EXISTS " + app);
}

TEST(OperationsPostgres, APoolOfConfiguredSizeWaitsForAWhileThenAnswersBusy) {
  TempDb t("postgres");
  setenv("MANYI_PG_POOL", "2", 1);
  setenv("MANYI_PG_POOL_WAIT_MS", "300", 1);
  auto db = store::open(t.url());
  unsetenv("MANYI_PG_POOL");
  unsetenv("MANYI_PG_POOL_WAIT_MS");
  std::atomic<int> ok{0}, busy{0}, other{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] {
      try {
        db->query("SELECT pg_sleep(1.5)");
        ++ok;
      } catch (const Error& e) {
        (e.status() == 503 && std::string(e.code()) == "database_busy" ? busy : other)++;
      }
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(ok.load(), 2);
  EXPECT_EQ(busy.load(), 2);
  EXPECT_EQ(other.load(), 0);
  auto s = db->stats();
  EXPECT_LE(s.readers_total, 2);
  EXPECT_GE(s.pool_timeouts, 2);
  // Once connections are free again, waiting requests are served.
  EXPECT_EQ(store::scalar_i64(db->query("SELECT 1")).value_or(0), 1);
}
