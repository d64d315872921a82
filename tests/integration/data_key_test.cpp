// The key that seals personal data lives outside the database (issue: a database file or a
// backup used to carry its own key in settings('pii.key')). On both databases: the demo's
// ratings, follow-up patients and complainants, and a public complaint with a known name and
// phone, are stored sealed; the database and its backup, read without the key, hold none of
// them; the key file is created beside the database with mode 0600; a server refuses to start
// without the key or with another one; and `manyi data-key rotate` re-seals everything so the
// old key opens nothing while the console still shows the complainant's contact.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cases/pii.hpp"
#include "core/error.hpp"
#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every value of every table, as the database hands it out without the key.
std::string all_rows(store::Db& db) {
  auto tables = db.backend() == store::Backend::sqlite
                    ? db.query("SELECT name FROM sqlite_master WHERE type = 'table'")
                    : db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
  std::string out;
  for (const auto& t : tables)
    for (const auto& r : db.query("SELECT * FROM " + t.str(0)))
      for (size_t i = 0; i < r.v.size(); ++i) out += r.str(i) + "\x1f";
  return out;
}

// Restores the environment variable on scope exit.
struct EnvVar {
  std::string name, saved;
  bool had;
  EnvVar(const char* n, const char* value) : name(n) {
    const char* v = std::getenv(n);
    had = v != nullptr;
    if (had) saved = v;
    if (value) setenv(n, value, 1);
    else unsetenv(n);
  }
  ~EnvVar() {
    if (had) setenv(name.c_str(), saved.c_str(), 1);
    else unsetenv(name.c_str());
  }
};

class DataKey : public ::testing::TestWithParam<std::string> {};

TEST_P(DataKey, PersonalDataIsSealedWithAKeyKeptOutsideTheDatabaseAndItsBackups) {
  EnvVar no_env_key("MANYI_DATA_KEY", nullptr);
  TempDb t(GetParam());
  bool sqlite = GetParam() == "sqlite";
  fs::path dir = fs::temp_directory_path() / ("manyi-key-" + std::to_string(::getpid()) + "-" + GetParam());
  fs::create_directories(dir);
  // Beside the SQLite file by default; PostgreSQL's instances name theirs.
  std::string key_file = sqlite ? t.url().substr(7) + ".key" : (dir / "data.key").string();
  EnvVar key_file_env("MANYI_DATA_KEY_FILE", sqlite ? nullptr : key_file.c_str());

  std::string out;
  ASSERT_EQ(run_manyi({"--db", t.url(), "demo", "--ratings", "3000", "--cases", "300", "--rectifications", "0"}, &out), 0) << out;
  ASSERT_TRUE(fs::exists(key_file)) << out;
  struct stat st{};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string key_hex = slurp(key_file).substr(0, 64);
  std::string key = cases::pii::key_from_hex(key_hex);

  // A public complaint with a name and phone number the test knows.
  const std::string name = "欧阳明月", phone = "13987654321";
  std::string case_id;
  {
    ServerProcess s(t.url());
    ASSERT_GT(s.port(), 0);
    auto pub = s.client();
    auto r = pub.post("/api/v1/public/cases", {{"type", "complaint"},
                                               {"point", "H001-NK"},
                                               {"content", "医生态度很差，问了两句就不耐烦"},
                                               {"name", name},
                                               {"phone", phone}});
    ASSERT_EQ(r.status, 201) << r.body;
    auto found = store::open(t.url())->query("SELECT id FROM cases WHERE tracking_code = ?",
                                             {r.js().value("tracking_code", "")});
    ASSERT_EQ(found.size(), 1u) << r.body;
    case_id = found[0].str(0);
    auto h = s.client();
    ASSERT_EQ(h.login("handler").status, 200);
    auto contact = h.get("/api/v1/cases/" + case_id + "/contact");
    ASSERT_EQ(contact.status, 200) << contact.body;
    EXPECT_EQ(contact.js()["name"], name);
    EXPECT_EQ(s.terminate(), 0);
  }

  // What the key opens: every sealed phone number in the database (the demo's patient names are
  // also its staff's names, so only our complainant's name is looked for).
  auto db = store::open(t.url());
  std::set<std::string> secrets = {name, phone, key_hex};
  for (const auto& r : db->query("SELECT complainant_enc FROM cases WHERE complainant_enc IS NOT NULL"))
    if (auto p = json::parse(cases::pii::open(key, r.str(0))).value("phone", ""); p.size() >= 5) secrets.insert(p);
  for (const auto& r : db->query("SELECT phone_enc FROM followup_tasks")) secrets.insert(cases::pii::open(key, r.str(0)));
  for (const auto& r : db->query("SELECT phone_enc FROM ratings WHERE phone_enc IS NOT NULL"))
    secrets.insert(cases::pii::open(key, r.str(0)));
  ASSERT_GT(secrets.size(), 100u);  // the demo's patients and raters, not only ours

  std::string backup = (dir / "backup.db").string();
  ASSERT_EQ(run_manyi({"--db", t.url(), "backup", "--out", backup}, &out), 0) << out;
  EXPECT_NE(out.find("does not contain the data key"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(backup + ".key"));

  // Read without the key: the rows, the files and the backup hold none of it.
  std::vector<std::pair<std::string, std::string>> places = {{"rows", all_rows(*db)}};
  EXPECT_TRUE(db->query("SELECT 1 FROM settings WHERE key = 'pii.key'").empty());
  if (sqlite) {
    std::string file = t.url().substr(7);
    places.push_back({"database file", slurp(file) + slurp(file + "-wal")});
    places.push_back({"backup", slurp(backup)});
    auto bdb = store::open("sqlite:" + backup);
    places.push_back({"backup rows", all_rows(*bdb)});
  } else {
    std::string sql = (dir / "backup.sql").string();
    ASSERT_EQ(std::system(("pg_restore -f " + sql + " " + backup).c_str()), 0);
    places.push_back({"backup", slurp(sql)});
  }
  for (const auto& [where, bytes] : places) {
    ASSERT_GT(bytes.size(), 1000u) << where;
    for (const auto& s : secrets) EXPECT_EQ(bytes.find(s), std::string::npos) << where << " holds " << s;
  }

  // No key, or another key: the server says so and does not start.
  fs::rename(key_file, key_file + ".away");
  EXPECT_EQ(run_manyi({"--db", t.url(), "migrate"}, &out), 0) << out;  // the schema alone needs no key
  EXPECT_NE(run_manyi({"--db", t.url(), "user", "passwd", "--username", "dept", "--password", "Abcdef-12345"}, &out), 0);
  EXPECT_NE(out.find("缺少数据密钥"), std::string::npos) << out;
  {
    EnvVar other("MANYI_DATA_KEY", cases::pii::key_to_hex(cases::pii::new_key()).c_str());
    EXPECT_NE(run_manyi({"--db", t.url(), "user", "passwd", "--username", "dept", "--password", "Abcdef-12345"}, &out), 0);
    EXPECT_NE(out.find("数据密钥与数据库不符"), std::string::npos) << out;
  }
  fs::rename(key_file + ".away", key_file);

  // Rotation: every sealed value opens with the new key only, phone hashes follow it, and the
  // console still reveals the complainant.
  db.reset();  // the rotation runs with no other process on the database (docs/operations.md)
  ASSERT_EQ(run_manyi({"--db", t.url(), "data-key", "rotate"}, &out), 0) << out;
  db = store::open(t.url());
  if (sqlite) { EXPECT_EQ(db->query("PRAGMA integrity_check")[0].str(0), "ok"); }
  std::string new_key = cases::pii::key_from_hex(slurp(key_file));
  ASSERT_NE(new_key, key);
  EXPECT_FALSE(fs::exists(key_file + ".new"));
  auto sealed = db->query("SELECT complainant_enc, phone_hash FROM cases WHERE id = ?", {std::stoll(case_id)});
  ASSERT_EQ(sealed.size(), 1u);
  EXPECT_THROW(cases::pii::open(key, sealed[0].str(0)), Error);
  EXPECT_EQ(json::parse(cases::pii::open(new_key, sealed[0].str(0)))["phone"], phone);
  EXPECT_EQ(sealed[0].str(1), cases::pii::phone_hash(new_key, phone));
  EXPECT_NE(sealed[0].str(1), cases::pii::phone_hash(key, phone));
  for (const auto& r : db->query("SELECT phone_enc FROM ratings WHERE phone_enc IS NOT NULL"))
    EXPECT_THROW(cases::pii::open(key, r.str(0)), Error);
  // The call screen's index of raters' phones follows the new key, for every rating with a phone.
  auto indexed = db->query(
      "SELECT r.phone_enc, h.phone_hash FROM ratings r LEFT JOIN rating_phones h ON h.rating_id = r.id "
      "WHERE r.phone_enc IS NOT NULL");
  ASSERT_GT(indexed.size(), 10u);
  for (const auto& r : indexed) EXPECT_EQ(r.str(1), cases::pii::phone_hash(new_key, cases::pii::open(new_key, r.str(0))));
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM audit_log WHERE action = 'data_key.rotate'")).value_or(0),
            1);
  {
    ServerProcess s(t.url());
    auto h = s.client();
    ASSERT_EQ(h.login("handler").status, 200);
    auto contact = h.get("/api/v1/cases/" + case_id + "/contact");
    ASSERT_EQ(contact.status, 200) << contact.body;
    EXPECT_EQ(contact.js()["name"], name);
    EXPECT_EQ(contact.js()["phone"], phone);
  }
  EXPECT_EQ(run_manyi({"--db", t.url(), "audit", "verify"}, &out), 0) << out;
  fs::remove_all(dir);
}

// A database made by an older version keeps its key in settings('pii.key'): the first start
// moves it out (a new key in the key file, everything re-sealed, the row gone).
TEST_P(DataKey, AKeyKeptInTheDatabaseByAnOlderVersionIsMovedOutOnStart) {
  EnvVar no_env_key("MANYI_DATA_KEY", nullptr);
  TempDb t(GetParam());
  fs::path dir = fs::temp_directory_path() / ("manyi-legacy-" + std::to_string(::getpid()) + "-" + GetParam());
  fs::create_directories(dir);
  std::string key_file = (dir / "data.key").string();
  EnvVar key_file_env("MANYI_DATA_KEY_FILE", key_file.c_str());
  std::string out;
  ASSERT_EQ(run_manyi({"--db", t.url(), "demo", "--ratings", "2000", "--cases", "300", "--rectifications", "0"}, &out), 0) << out;
  std::string old = cases::pii::key_from_hex(slurp(key_file));
  auto db = store::open(t.url());
  db->write([&](store::Tx& tx) {
    tx.exec("DELETE FROM settings WHERE key = 'pii.key_id'");
    tx.exec("INSERT INTO settings(key, value, updated_at) VALUES ('pii.key', ?, 0)", {cases::pii::key_to_hex(old)});
  });
  fs::remove(key_file);
  auto phones = db->query("SELECT id FROM ratings WHERE phone_enc IS NOT NULL");
  ASSERT_GT(phones.size(), 10u);

  ServerProcess s(t.url());
  ASSERT_GT(s.port(), 0);
  EXPECT_TRUE(db->query("SELECT 1 FROM settings WHERE key = 'pii.key'").empty());
  std::string fresh = cases::pii::key_from_hex(slurp(key_file));
  EXPECT_NE(fresh, old);
  EXPECT_EQ(db->query("SELECT value FROM settings WHERE key = 'pii.key_id'")[0].str(0), cases::pii::key_id(fresh));
  for (const auto& r : db->query("SELECT phone_enc FROM ratings WHERE phone_enc IS NOT NULL")) {
    EXPECT_THROW(cases::pii::open(old, r.str(0)), Error);
    EXPECT_NO_THROW(cases::pii::open(fresh, r.str(0)));
  }
  for (const auto& r : db->query("SELECT phone_enc, phone_hash FROM followup_tasks"))
    EXPECT_EQ(r.str(1), cases::pii::phone_hash(fresh, cases::pii::open(fresh, r.str(0))));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Db, DataKey, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
