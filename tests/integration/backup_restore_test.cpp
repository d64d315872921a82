// Scheduled backups and `manyi restore`, with the real binary. A server with --backup-dir and a
// slot every second (--backup-every-seconds, the drills' and tests' schedule) writes checked
// backups while ratings are posted; retention keeps the newest two of its own files and leaves
// every other file alone; the newest backup holds every rating acknowledged before its slot
// began — restored with `manyi restore` on SQLite, with pg_restore (docs/operations.md) on
// PostgreSQL. Restore refuses while a server runs, with a wrong or missing data key, a damaged
// backup and a PostgreSQL URL; it keeps the replaced database and upgrades an older backup.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "metrics/satisfaction.hpp"
#include "ops/backup_schedule.hpp"
#include "store/migrations.hpp"
#include "support/testing.hpp"
#include "core/period.hpp"

using namespace manyi;
using namespace manyi::testing;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kLimits = {"--rating-net-rate",    "100000", "--rating-net-burst",    "100000",
                                          "--rating-device-rate", "100000", "--rating-device-burst", "100000",
                                          "--public-rate",        "100000", "--public-burst",        "100000"};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string fresh_dir(const std::string& what) {
  static int n = 0;
  auto d = fs::temp_directory_path() /
           ("manyi-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" +
            std::to_string(wall_ms() % 100000));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

// The slot start (UTC ms) in a scheduled backup's name manyi-backup-YYYYMMDD-HHMMSS.*, local time.
int64_t slot_of(const std::string& name) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(name, m, std::regex(R"(manyi-backup-(\d{8})-(\d\d)(\d\d)(\d\d)\.)"))) << name;
  return period::day_start_ms(std::stoi(m[1])) +
         ((std::stoll(m[2]) * 60 + std::stoll(m[3])) * 60 + std::stoll(m[4])) * 1000;
}

std::vector<std::string> scheduled_backups(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir)) {
    auto n = e.path().filename().string();
    if (std::regex_match(n, std::regex(R"(manyi-backup-\d{8}-\d{6}\.(db|dump))"))) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string point_code(const std::string& url) {
  auto db = store::open(url);
  auto p = db->query("SELECT p.code FROM collection_points p JOIN org_nodes n ON n.id = p.node_id "
                     "WHERE n.code = 'H001-NK' AND p.active = 1 ORDER BY p.id LIMIT 1");
  return p.empty() ? "" : p[0].str(0);
}

std::string post_rating(HttpClient& c, const std::string& point, const std::string& tag) {
  auto r = c.post("/api/v1/public/ratings", {{"point", point},
                                             {"overall", 5},
                                             {"device", "backup-dev-" + tag},
                                             {"elapsed_ms", 15000},
                                             {"comment", "备份测试 " + tag}});
  return r.status == 201 ? r.js()["id"].get<std::string>() : "";
}

std::set<std::string> rating_ids(const std::string& url) {
  std::set<std::string> ids;
  auto db = store::open(url);
  for (auto& r : db->query("SELECT id FROM ratings WHERE comment LIKE '备份测试 %'")) ids.insert(std::to_string(r.i64(0)));
  return ids;
}

int shell(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

class ScheduledBackup : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(ScheduledBackup, WrittenWhileRatingsArePostedKeptByRetentionAndRestorable) {
  const bool sqlite = GetParam() == "sqlite";
  std::string url = demo_db_url(GetParam());
  std::string point = point_code(url);
  ASSERT_FALSE(point.empty());
  std::string dir = fresh_dir("backups");
  // Files retention must never touch: not its name pattern, even when close to it.
  const std::vector<std::string> foreign = {"notes.txt", "manyi-backup-latest.db", "manyi-backup-20200101-000000.db.bak",
                                            "other-20200101-000000.dump", "manyi-backup-2020-01-01.db"};
  for (auto& f : foreign) std::ofstream(fs::path(dir) / f) << "not a scheduled backup\n";

  std::vector<std::pair<std::string, int64_t>> acked;  // rating id, wall time of the 201
  std::mutex mu;
  std::vector<std::string> written;  // from the log lines
  {
    auto args = kLimits;
    args.insert(args.end(), {"--backup-dir", dir, "--backup-every-seconds", "1", "--backup-keep", "2"});
    ServerProcess srv(url, args);
    std::atomic<bool> stop{false};
    std::vector<std::thread> raters;
    for (int t = 0; t < 2; ++t)
      raters.emplace_back([&, t] {
        HttpClient c = srv.client();
        for (int i = 0; !stop; ++i) {
          std::string id = post_rating(c, point, std::to_string(t) + "-" + std::to_string(i));
          int64_t at = wall_ms();
          if (id.empty()) continue;
          std::lock_guard lk(mu);
          acked.emplace_back(id, at);
        }
      });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (metric(srv.client(), "manyi_backup_success_total") < 4 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
    for (auto& t : raters) t.join();
    EXPECT_GE(metric(srv.client(), "manyi_backup_success_total"), 4);
    EXPECT_EQ(metric(srv.client(), "manyi_backup_failures_total"), 0);
    EXPECT_GT(metric(srv.client(), "manyi_backup_last_success_timestamp_seconds"), wall_ms() / 1000 - 120);
    EXPECT_GT(metric(srv.client(), "manyi_backup_last_size_bytes"), 0);
    EXPECT_EQ(srv.terminate(), 0) << "stops cleanly, a backup in progress finished first";
    std::string log = srv.output();
    static const std::regex line_re(R"(scheduled backup written: \S*/(manyi-backup-\S+) \((\d+) bytes, [0-9.]+ s\))");
    for (std::sregex_iterator it(log.begin(), log.end(), line_re), end; it != end; ++it) written.push_back((*it)[1]);
    EXPECT_EQ(log.find("[error]"), std::string::npos) << log;
  }
  ASSERT_GE(written.size(), 4u);
  std::sort(written.begin(), written.end());

  // Retention: the newest two it wrote; the older ones it wrote are gone; nothing else touched.
  auto kept = scheduled_backups(dir);
  EXPECT_EQ(kept, std::vector<std::string>(written.end() - 2, written.end()));
  for (auto& f : foreign) EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f << " was deleted";
  for (auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << "a temporary file was left";
  ASSERT_EQ(kept.size(), 2u);

  // The newest backup holds every rating acknowledged before its slot began.
  std::string newest = (fs::path(dir) / kept.back()).string();
  int64_t slot = slot_of(kept.back());
  std::set<std::string> before;
  for (auto& [id, at] : acked)
    if (at < slot) before.insert(id);
  ASSERT_FALSE(before.empty()) << "ratings were posted before the slot";
  std::set<std::string> restored;
  if (sqlite) {
    std::string out;
    ASSERT_EQ(run_manyi({"--db", url, "restore", "--from", newest}, &out), 0) << out;
    EXPECT_NE(out.find("restored "), std::string::npos) << out;
    restored = rating_ids(url);
  } else {
    TempDb target("postgres");  // the documented procedure: pg_restore into a new, empty database
    std::string out;
    ASSERT_EQ(shell("pg_restore --no-owner --exit-on-error --dbname='" + target.url() + "' '" + newest + "'", &out), 0)
        << out;
    restored = rating_ids(target.url());
    auto db = store::open(target.url());
    EXPECT_EQ(store::schema_version(*db), store::known_schema_version());
  }
  size_t missing = 0;
  for (auto& id : before) missing += !restored.count(id);
  EXPECT_EQ(missing, 0u) << "of " << before.size() << " ratings acknowledged before the backup's slot";
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Db, ScheduledBackup, ::testing::ValuesIn(backends()), backend_name);

// The daily slot is --backup-at in Beijing time whatever the machine's zone; file names carry
// the slot's local time; retention's pattern is exactly those names.
TEST(BackupScheduleMath, DailySlotsInBeijingTimeAndTheirNames) {
  ops::BackupSchedule s;
  s.at = "02:30";
  const int64_t h = 3600000;
  int64_t dec7_0300_utc = period::day_start_ms(20261207) + 8 * h + 3 * h;  // 11:00 in Beijing
  int64_t dec7_0230_bj = period::day_start_ms(20261207) + 2 * h + h / 2;    // 2026-12-06 18:30 UTC
  EXPECT_EQ(ops::slot_start(s, dec7_0300_utc), dec7_0230_bj);
  EXPECT_EQ(ops::next_slot(s, dec7_0300_utc), dec7_0230_bj + 24 * h);
  EXPECT_EQ(ops::next_slot(s, dec7_0230_bj - 1), dec7_0230_bj);  // 02:29:59.999 in Beijing
  EXPECT_EQ(ops::next_slot(s, dec7_0230_bj), dec7_0230_bj + 24 * h);
  EXPECT_EQ(ops::backup_file_name(dec7_0230_bj, store::Backend::sqlite), "manyi-backup-20261207-023000.db");
  EXPECT_EQ(ops::backup_file_name(dec7_0230_bj, store::Backend::postgres), "manyi-backup-20261207-023000.dump");
  s.every_seconds = 5;
  EXPECT_EQ(ops::next_slot(s, dec7_0300_utc + 7001), dec7_0300_utc + 10000);
  for (auto bad : {"", "2:30", "24:00", "02:60", "02:30:00", "0230", "ab:cd"})
    EXPECT_THROW(ops::parse_backup_at(bad), Error) << bad;
  EXPECT_EQ(ops::parse_backup_at("23:59"), 23 * 60 + 59);
  EXPECT_TRUE(ops::is_scheduled_backup_name("manyi-backup-20261207-023000.db"));
  EXPECT_TRUE(ops::is_scheduled_backup_name("manyi-backup-20261207-023000.dump"));
  for (auto other : {"manyi-backup-20261207-023000.db.tmp", "manyi-backup-20261207-023000.db.tmp.partial",
                     "manyi-backup-latest.db", "x-manyi-backup-20261207-023000.db", "manyi-backup-20261207-023000.db.key",
                     "manyi.db", "manyi-backup-2026120-023000.db"})
    EXPECT_FALSE(ops::is_scheduled_backup_name(other)) << other;
}

// Two instances on one database with the same schedule: each slot is backed up by one of them.
TEST(ScheduledBackupPostgres, OneInstanceBacksUpEachSlot) {
  std::string url = demo_db_url("postgres");
  std::string dir_a = fresh_dir("backups-a"), dir_b = fresh_dir("backups-b");
  std::string log_a, log_b;
  {
    ServerProcess a(url, {"--backup-dir", dir_a, "--backup-every-seconds", "1", "--backup-keep", "100"});
    ServerProcess b(url, {"--backup-dir", dir_b, "--backup-every-seconds", "1", "--backup-keep", "100"});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (metric(a.client(), "manyi_backup_success_total") + metric(b.client(), "manyi_backup_success_total") < 4 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(a.terminate(), 0);
    EXPECT_EQ(b.terminate(), 0);
    log_a = a.output();
    log_b = b.output();
  }
  auto in_a = scheduled_backups(dir_a), in_b = scheduled_backups(dir_b);
  EXPECT_GE(in_a.size() + in_b.size(), 4u);
  std::set<std::string> slots;
  for (auto& n : in_a) slots.insert(n);
  for (auto& n : in_b) EXPECT_TRUE(slots.insert(n).second) << n << " was backed up by both instances";
  // Every slot the other took is logged as taken, not written twice.
  EXPECT_NE((log_a + log_b).find("taken by another instance"), std::string::npos) << log_a << log_b;
  fs::remove_all(dir_a);
  fs::remove_all(dir_b);
}

namespace {

class Restore : public ::testing::Test {
 protected:
  // The test processes share one key in MANYI_DATA_KEY (tests/support); here the key lives in the
  // key file beside the database, as in an installation, so that restore's key checks are real.
  void SetUp() override {
    url = demo_db_url("sqlite");
    path = url.substr(7);
    point = point_code(url);
    dir = fresh_dir("restore");
    env_key = std::getenv("MANYI_DATA_KEY") ? std::getenv("MANYI_DATA_KEY") : "";
    ASSERT_FALSE(env_key.empty());
    std::ofstream(path + ".key") << env_key << "\n";
    fs::permissions(path + ".key", fs::perms::owner_read | fs::perms::owner_write);
    unsetenv("MANYI_DATA_KEY");
  }
  void TearDown() override {
    setenv("MANYI_DATA_KEY", env_key.c_str(), 1);
    fs::remove_all(dir);
  }
  // Files named …before-restore… beside the database (what restore kept aside).
  std::vector<std::string> kept_aside() const {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(fs::path(path).parent_path())) {
      auto n = e.path().filename().string();
      if (n.rfind(fs::path(path).filename().string() + ".before-restore-", 0) == 0) out.push_back(e.path().string());
    }
    return out;
  }
  std::string url, path, point, dir, env_key;
};

}  // namespace

TEST_F(Restore, RefusesWhileServingAndWithAWrongKeyThenPutsTheBackupBack) {
  std::string backup = dir + "/drill.db", before_id, after_id;
  {
    ServerProcess srv(url, kLimits);
    auto c = srv.client();
    before_id = post_rating(c, point, "before");
    ASSERT_FALSE(before_id.empty());
    std::string out;
    ASSERT_EQ(run_manyi({"--db", url, "backup", "--out", backup, "--with-key"}, &out), 0) << out;
    after_id = post_rating(c, point, "after");
    ASSERT_FALSE(after_id.empty());

    // A server has the database open: refused, nothing touched.
    EXPECT_NE(run_manyi({"--db", url, "restore", "--from", backup}, &out), 0) << out;
    EXPECT_NE(out.find("stop every instance"), std::string::npos) << out;
    EXPECT_TRUE(kept_aside().empty());
    EXPECT_EQ(c.get("/healthz").status, 200);
    EXPECT_EQ(srv.terminate(), 0);
  }

  // A key that is not the backup's: refused before anything is moved.
  std::string wrong = dir + "/wrong.key";
  std::ofstream(wrong) << std::string(64, '7') << "\n";
  std::string out;
  EXPECT_NE(run_manyi({"--db", url, "restore", "--from", backup, "--key", wrong}, &out), 0) << out;
  EXPECT_NE(out.find("数据密钥与备份不符"), std::string::npos) << out;
  EXPECT_TRUE(kept_aside().empty());
  EXPECT_TRUE(rating_ids(url).count(after_id)) << "the database was not touched";

  // The right key (the database's own, from its key file): the backup is back.
  std::string key_before;
  std::getline(std::ifstream(path + ".key"), key_before);
  ASSERT_EQ(run_manyi({"--db", url, "restore", "--from", backup}, &out), 0) << out;
  EXPECT_NE(out.find("restored " + path + " from " + backup), std::string::npos) << out;
  EXPECT_NE(out.find("integrity ok"), std::string::npos) << out;
  auto ids = rating_ids(url);
  EXPECT_TRUE(ids.count(before_id));
  EXPECT_FALSE(ids.count(after_id)) << "the rating made after the backup is not in it";
  std::string key_after;
  std::getline(std::ifstream(path + ".key"), key_after);
  EXPECT_EQ(key_after, key_before);
  // What was there is kept, with the later rating in it.
  auto aside = kept_aside();
  ASSERT_EQ(aside.size(), 1u);
  EXPECT_TRUE(rating_ids("sqlite:" + aside[0]).count(after_id));
  EXPECT_NE(out.find("kept as " + aside[0]), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(backup)) << "the backup itself stays";

  // A server starts on the restored database and serves the restored rating.
  ServerProcess again(url, kLimits);
  EXPECT_EQ(again.client().get("/healthz").status, 200);
  for (auto& f : aside) fs::remove(f);
}

TEST_F(Restore, NewPlaceNeedsTheKeyWhichItPutsInPlace) {
  std::string backup = dir + "/drill.db", out;
  ASSERT_EQ(run_manyi({"--db", url, "backup", "--out", backup, "--with-key"}, &out), 0) << out;
  std::string target = dir + "/new/manyi.db";
  fs::create_directories(dir + "/new");
  // No key anywhere for the new place: refused.
  EXPECT_NE(run_manyi({"--db", "sqlite:" + target, "restore", "--from", backup}, &out), 0) << out;
  EXPECT_NE(out.find("缺少数据密钥"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(target));
  // With the key written by backup --with-key: the database and its key are in place.
  ASSERT_EQ(run_manyi({"--db", "sqlite:" + target, "restore", "--from", backup, "--key", backup + ".key"}, &out), 0)
      << out;
  EXPECT_NE(out.find("data key put in " + target + ".key"), std::string::npos) << out;
  EXPECT_EQ(fs::status(target + ".key").permissions() & fs::perms::group_all, fs::perms::none);
  std::string status;
  EXPECT_EQ(run_manyi({"--db", "sqlite:" + target, "data-key", "status"}, &status), 0) << status;
  EXPECT_EQ(run_manyi({"--db", "sqlite:" + target, "audit", "verify"}, &status), 0) << status;
}

TEST_F(Restore, AnOlderBackupIsUpgradedAndADamagedOneRefused) {
  const auto& all = store::migrations();
  std::string older = dir + "/older.db", out;
  {
    auto db = store::open("sqlite:" + older);
    db->migrate_to(all[all.size() - 3].version);
  }
  std::string target = dir + "/up/manyi.db";
  fs::create_directories(dir + "/up");
  ASSERT_EQ(run_manyi({"--db", "sqlite:" + target, "restore", "--from", older}, &out), 0) << out;
  EXPECT_NE(out.find("2 migration(s) applied"), std::string::npos) << out;
  {
    auto db = store::open("sqlite:" + target);
    EXPECT_EQ(store::schema_version(*db), store::known_schema_version());
  }

  std::string damaged = dir + "/damaged.db";
  fs::copy_file(older, damaged);
  {
    // The header of every b-tree page but the first: an invalid page type and cell counts.
    auto size = fs::file_size(damaged);
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    std::string junk(12, '\x5a');
    for (std::uintmax_t at = 4096; at + junk.size() < size; at += 4096) {
      f.seekp(static_cast<std::streamoff>(at));
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
  }
  std::string garbage = dir + "/garbage.db";
  std::ofstream(garbage) << "this is not a database at all, just some text long enough to look like one\n";
  for (auto& bad : {damaged, garbage}) {
    auto before = fs::last_write_time(target);
    EXPECT_NE(run_manyi({"--db", "sqlite:" + target, "restore", "--from", bad}, &out), 0) << bad << ": " << out;
    EXPECT_TRUE(out.find("integrity") != std::string::npos || out.find("not a Manyi database") != std::string::npos ||
                out.find("cannot be opened") != std::string::npos)
        << out;
    EXPECT_EQ(fs::last_write_time(target), before) << "the database was not touched";
  }
}

TEST(RestorePostgres, PointsAtPgRestore) {
  std::string out;
  EXPECT_NE(run_manyi({"--db", "postgresql://manyi@127.0.0.1:1/manyi", "restore", "--from", "/nonexistent.dump"}, &out),
            0);
  EXPECT_NE(out.find("pg_restore"), std::string::npos) << out;
  EXPECT_NE(out.find("docs/operations.md"), std::string::npos) << out;
}
