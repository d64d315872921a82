// Upgrading with several instances: a database two migrations behind the binary, several real
// `manyi serve` processes started at once against it (on SQLite and on PostgreSQL). All become
// healthy, the schema ends at the binary's version with each migration applied exactly once (one
// row each in schema_migrations, and the instances' "applied N migration(s)" lines add up to
// the two), and no instance logs an error. An instance whose binary is older than the schema
// (the database has a migration it does not know) refuses to start and says why.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "store/migrations.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class UpgradeMultiInstance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    key_file_ = (std::filesystem::temp_directory_path() /
                 ("manyi-upgrade-" + std::to_string(::getpid()) + "-" + GetParam() + ".key"))
                    .string();
    std::filesystem::remove(key_file_);
    // One key file for all the instances (on PostgreSQL the default is in the working directory).
    setenv("MANYI_DATA_KEY_FILE", key_file_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("MANYI_DATA_KEY_FILE");
    std::filesystem::remove(key_file_);
  }
  std::string key_file_;
};

// The schema version /healthz reports once it answers 200 with `want` (its monitor reads the
// version once a second, so the first answers after start may still show the old one), or the
// last one it reported after 10 s.
int healthy_schema(ServerProcess& s, int want) {
  int seen = -1;
  for (int i = 0; i < 100 && seen != want; ++i) {
    auto r = s.client().get("/healthz");
    if (r.status == 200) seen = r.js().value("schema", -1);
    if (seen != want) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return seen;
}

}  // namespace

TEST_P(UpgradeMultiInstance, InstancesStartingTogetherApplyEachMigrationOnce) {
  const auto& all = store::migrations();
  ASSERT_GE(all.size(), 3u);
  const int older = all[all.size() - 3].version;  // two migrations behind
  TempDb tmp(GetParam());
  {
    auto db = store::open(tmp.url());
    EXPECT_EQ(db->migrate_to(older), static_cast<int>(all.size()) - 2);
    ASSERT_EQ(store::schema_version(*db), older);
  }

  const int n = 4;
  std::vector<std::unique_ptr<ServerProcess>> servers(n);
  std::atomic<int> failed{0};
  std::vector<std::thread> starters;
  for (int i = 0; i < n; ++i)
    starters.emplace_back([&, i] {
      try {
        servers[i] = std::make_unique<ServerProcess>(tmp.url());
      } catch (const std::exception&) {
        ++failed;
      }
    });
  for (auto& t : starters) t.join();
  ASSERT_EQ(failed.load(), 0) << "every instance starts";

  for (auto& s : servers) EXPECT_EQ(healthy_schema(*s, store::known_schema_version()), store::known_schema_version());

  auto db = store::open(tmp.url());
  EXPECT_EQ(store::schema_version(*db), store::known_schema_version());
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM schema_migrations")).value_or(0),
            static_cast<int64_t>(all.size()));
  for (size_t i = all.size() - 2; i < all.size(); ++i)
    EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
                                          {int64_t{all[i].version}}))
                  .value_or(0),
              1)
        << all[i].name;

  int applied = 0;
  static const std::regex applied_re(R"(applied (\d+) migration\(s\))");
  for (auto& s : servers) {
    std::string log = s->output();
    for (std::sregex_iterator it(log.begin(), log.end(), applied_re), end; it != end; ++it)
      applied += std::stoi((*it)[1]);
    EXPECT_EQ(log.find("[error]"), std::string::npos) << log;
    EXPECT_EQ(log.find("[critical]"), std::string::npos) << log;
  }
  EXPECT_EQ(applied, 2) << "the two pending migrations, each by one instance";

  // They serve, and stop cleanly.
  for (auto& s : servers) EXPECT_EQ(s->terminate(), 0);
}

TEST_P(UpgradeMultiInstance, AnOlderBinaryRefusesANewerSchema) {
  TempDb tmp(GetParam());
  const int newer = store::known_schema_version() + 1;
  {
    auto db = tmp.open_migrated();
    db->write([&](store::Tx& tx) {
      tx.exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
              {int64_t{newer}, std::string("from_a_newer_binary"), int64_t{0}});
    });
  }
  std::string out;
  int rc = run_manyi({"--db", tmp.url(), "--data-key-file", key_file_, "serve", "--listen", "127.0.0.1:0", "--db-wait",
                      "0"},
                     &out);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("database schema " + std::to_string(newer) + " is newer than this binary knows"), std::string::npos)
      << out;
  EXPECT_NE(out.find("upgrade manyi"), std::string::npos) << out;
  EXPECT_EQ(out.find("listening"), std::string::npos) << out;
  auto db = store::open(tmp.url());
  EXPECT_EQ(store::schema_version(*db), newer) << "nothing was written";
}

INSTANTIATE_TEST_SUITE_P(Db, UpgradeMultiInstance, ::testing::ValuesIn(backends()), backend_name);
