// PostgreSQL restarting under a running server, on a private cluster (the shared test server
// cannot be restarted under other tests). Before: every pooled connection failed exactly one
// request after a restart (503s on /healthz, 500s on /me, public complaints refused and lost).
// Now a dead pooled connection is replaced and the request that found it dead, which had not
// reached the database, runs again; while the database is down, requests get 503 with
// Retry-After, never 500.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

const std::string kPgBin = "/usr/lib/postgresql/15/bin/";

int free_tcp_port() {
  for (int port = 20000 + static_cast<int>(getpid() % 20000);; port = 20000 + (port + 7919) % 40000) {
    int fd = connect_loopback(port);
    if (fd < 0) return port;  // nothing listens there
    close(fd);
  }
}

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

class PrivatePg {
 public:
  PrivatePg() {
    char tmpl[] = "/tmp/manyi-pgr.XXXXXX";
    dir_ = mkdtemp(tmpl);
    sh("chown postgres:postgres " + dir_);
    port_ = free_tcp_port();
    ok_ = sh("runuser -u postgres -- " + kPgBin + "initdb -D " + dir_ + "/data -U postgres -A trust -E UTF8 --locale=C.UTF-8") == 0 &&
          start();
  }
  ~PrivatePg() {
    sh("runuser -u postgres -- " + kPgBin + "pg_ctl -D " + dir_ + "/data -m immediate stop");
    std::filesystem::remove_all(dir_);
  }
  bool ok() const { return ok_; }
  bool start() {
    return sh("runuser -u postgres -- " + kPgBin + "pg_ctl -D " + dir_ + "/data -l " + dir_ + "/log -w -o \"-p " +
              std::to_string(port_) + " -k " + dir_ + " -c listen_addresses=127.0.0.1\" start") == 0;
  }
  bool stop() { return sh("runuser -u postgres -- " + kPgBin + "pg_ctl -D " + dir_ + "/data -m fast -w stop") == 0; }
  std::string url(const std::string& db) const { return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db; }

 private:
  std::string dir_;
  int port_ = 0;
  bool ok_ = false;
};

}  // namespace

TEST(PostgresRestart, APooledConnectionThatDiedFailsNoRequest) {
  PrivatePg pg;
  ASSERT_TRUE(pg.ok()) << "could not start a private PostgreSQL 15 (needs root and postgresql-15)";
  store::open(pg.url("postgres"))->query("CREATE DATABASE manyi");
  std::string out;
  ASSERT_EQ(run_manyi({"--db", pg.url("manyi"), "demo", "--ratings", "200", "--cases", "300", "--rectifications", "0"}, &out), 0) << out;
  ServerProcess srv(pg.url("manyi"), {"--workers", "16", "--public-rate", "100", "--public-burst", "500"});
  auto signed_in = srv.client();
  ASSERT_EQ(signed_in.login("hosp1").status, 200);

  // Fill the pool: 16 requests at once, each holding a connection for a moment.
  auto burst = [&](int n, std::function<int(int)> call) {
    std::mutex mu;
    std::map<int, int> statuses;
    std::vector<std::thread> ts;
    for (int i = 0; i < n; ++i)
      ts.emplace_back([&, i] {
        int s = call(i);
        std::lock_guard lk(mu);
        ++statuses[s];
      });
    for (auto& t : ts) t.join();
    return statuses;
  };
  auto me = [&](int) { return HttpClient(signed_in).get("/api/v1/me").status; };
  EXPECT_EQ(burst(16, me)[200], 16);

  // Down: writes and reads answer 503 with Retry-After, not 500.
  ASSERT_TRUE(pg.stop());
  auto down = signed_in.get("/api/v1/me");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.headers.count("retry-after"), 1u);
  HttpClient pub(srv.port());
  nlohmann::json complaint = {{"type", "complaint"},      {"unit", "H001"},     {"point", "H001-NK"},
                              {"content", "挂号排队太久了，窗口只开了一个"}, {"name", "王五"}, {"phone", "13912345678"}};
  auto refused = pub.post("/api/v1/public/cases", complaint);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.headers.count("retry-after"), 1u);

  // /healthz tells from its monitor's last check (once a second), without a pooled connection.
  auto healthz_becomes = [&](int status) {
    for (int i = 0; i < 100; ++i) {
      if (HttpClient(srv.port()).get("/healthz").status == status) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  EXPECT_TRUE(healthz_becomes(503)) << "healthz while the database is down";

  // Up again: every request succeeds, though every pooled connection died.
  ASSERT_TRUE(pg.start());
  EXPECT_TRUE(healthz_becomes(200)) << "healthz after the restart";
  auto health = burst(16, [&](int) { return HttpClient(srv.port()).get("/healthz").status; });
  EXPECT_EQ(health[200], 16) << "healthz after the restart";
  EXPECT_EQ(burst(16, me)[200], 16) << "/me after the restart";
  auto filed = burst(20, [&](int i) {
    auto body = complaint;
    body["content"] = "挂号排队太久了，第 " + std::to_string(i) + " 次反映";
    return HttpClient(srv.port()).post("/api/v1/public/cases", body).status;
  });
  EXPECT_EQ(filed[201], 20) << "public complaints after the restart";
  auto db = store::open(pg.url("manyi"));
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM cases WHERE content LIKE '挂号排队太久了，第%'")).value_or(0), 20);
}

// A server started before its database waits for it (boot order, a database restarting)
// instead of exiting at once; with --db-wait 0 it fails at once, saying why on one line.
TEST(PostgresRestart, ServeWaitsForTheDatabaseAtStart) {
  PrivatePg pg;
  ASSERT_TRUE(pg.ok()) << "could not start a private PostgreSQL 15 (needs root and postgresql-15)";
  store::open(pg.url("postgres"))->query("CREATE DATABASE manyi");
  std::string out;
  ASSERT_EQ(run_manyi({"--db", pg.url("manyi"), "migrate"}, &out), 0) << out;
  ASSERT_TRUE(pg.stop());
  EXPECT_NE(run_manyi({"--db", pg.url("manyi"), "serve", "--listen", "127.0.0.1:0", "--db-wait", "0"}, &out), 0);
  EXPECT_NE(out.find("cannot connect to PostgreSQL"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;  // one line, not libpq's several

  std::atomic<bool> started{false};
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    started = pg.start();
  });
  ServerProcess srv(pg.url("manyi"));  // waits for the "listening" line (up to 60 s)
  later.join();
  ASSERT_TRUE(started.load());
  ASSERT_GT(srv.port(), 0) << "the server gave up before the database came up";
  EXPECT_EQ(srv.client().get("/healthz").status, 200);
}
