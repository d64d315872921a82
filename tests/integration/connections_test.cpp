// Connection handling through a real server: many idle connections against a low descriptor
// limit timing out together, stalled bodies, and parallel large uploads. These are small-scale
// reproductions of what crashed the server (Boost.Asio's reactor, with a connection's timer
// closing its socket on one IO thread while the socket was in use on another) and of what took
// its memory to gigabytes (bodies read whole before anything was checked). The server must stay
// up, keep answering, stop accepting at its cap instead of running out of descriptors, and keep
// the memory that bodies hold within its cap.
#include <gtest/gtest.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or -1.
long proc_kib(pid_t pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  return -1;
}

bool alive(pid_t pid) { return waitpid(pid, nullptr, WNOHANG) == 0 && ::kill(pid, 0) == 0; }

// Opens n connections; each sends `bytes` (may be empty) and then stays silent.
std::vector<int> open_silent(int port, int n, const std::string& bytes) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = connect_loopback(port);
    if (fd < 0) continue;
    if (!bytes.empty()) send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    fds.push_back(fd);
  }
  return fds;
}

// /healthz answers 200 within the given time (retrying while connections wait to be accepted).
bool healthy_within(int port, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (HttpClient(port).get("/healthz").status == 200) return true;
    } catch (...) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// The status of one request sent from the loopback address `source` (another client than
// 127.0.0.1), over its own connection; 0 when there was no answer.
int status_from(int port, const std::string& source, const std::string& method, const std::string& path,
                const std::string& body = "") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in s{}, a{};
  s.sin_family = a.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &s.sin_addr);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&s), sizeof s) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return 0;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (!body.empty()) req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  char buf[64] = {};
  ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_WAITALL);
  close(fd);
  return n >= 12 && std::string(buf, 9) == "HTTP/1.1 " ? std::atoi(buf + 9) : 0;
}

class Connections : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { url_ = demo_db_url(GetParam()); }
  std::string url_;
};

}  // namespace

TEST_P(Connections, IdleConnectionsPastTheDescriptorLimitTimeOutTogetherWithoutACrash) {
  // 128 descriptors: the server caps itself at 64 connections and leaves the rest in the backlog.
  ServerProcess srv(url_, {"--read-timeout", "1", "--io-threads", "2"}, 128);
  ASSERT_TRUE(healthy_within(srv.port(), std::chrono::seconds(5)));
  for (int round = 0; round < 3; ++round) {
    auto fds = open_silent(srv.port(), 300, "");
    EXPECT_GT(fds.size(), 200u) << "round " << round;
    // The accepted ones time out together every second and the next ones are accepted.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    ASSERT_TRUE(alive(srv.pid())) << "the server died in round " << round;
    for (int fd : fds) close(fd);
  }
  ASSERT_TRUE(healthy_within(srv.port(), std::chrono::seconds(10))) << "no answer after the idle connections";
  EXPECT_TRUE(alive(srv.pid()));
  auto c = srv.client();
  EXPECT_GE(metric(c, "manyi_http_connection_limit_waits_total"), 1) << "the cap was never reached";
  EXPECT_EQ(c.login("hosp1").status, 200);
  EXPECT_EQ(c.get("/api/v1/me").status, 200);
}

TEST_P(Connections, StalledBodiesTimeOutWithoutACrash) {
  ServerProcess srv(url_, {"--read-timeout", "1", "--io-threads", "2"}, 256);
  ASSERT_TRUE(healthy_within(srv.port(), std::chrono::seconds(5)));
  // Headers sent, 3 bytes of a 1,000-byte body, then nothing: a body the server reads (small,
  // on a route that exists) and that never arrives.
  std::string stalled = "POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: 1000\r\n\r\n{\"a";
  for (int round = 0; round < 2; ++round) {
    auto fds = open_silent(srv.port(), 400, stalled);
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    ASSERT_TRUE(alive(srv.pid())) << "the server died in round " << round;
    for (int fd : fds) close(fd);
  }
  ASSERT_TRUE(healthy_within(srv.port(), std::chrono::seconds(10)));
  EXPECT_TRUE(alive(srv.pid()));
}

TEST_P(Connections, ParallelLargeUploadsStayWithinTheBodyMemoryCap) {
  ServerProcess srv(url_, {"--max-body-memory", "16", "--public-rate", "1000", "--public-burst", "1000",
                           "--io-threads", "2"});
  ASSERT_TRUE(healthy_within(srv.port(), std::chrono::seconds(5)));
  long rss0 = proc_kib(srv.pid(), "VmRSS");
  ASSERT_GT(rss0, 0);
  const std::string eight_mb(8 << 20, 'x');
  std::mutex mu;
  std::multiset<int> statuses;
  auto upload = [&](const std::string& path, std::map<std::string, std::string> headers) {
    HttpClient c(srv.port());
    auto r = c.request("POST", path, eight_mb, headers);
    std::lock_guard lk(mu);
    statuses.insert(r.status);
  };
  // 40 × 8 MiB to a public route that exists (for a case that does not): without a cap the
  // server would hold 320 MiB of bodies at once.
  std::vector<std::thread> ts;
  for (int i = 0; i < 40; ++i)
    ts.emplace_back(upload, "/api/v1/public/cases/NOSUCHCODE/attachments?phone_last4=1234&name=a.jpg",
                    std::map<std::string, std::string>{{"Content-Type", "application/octet-stream"}});
  for (auto& t : ts) t.join();
  ts.clear();
  long grown_mb = (proc_kib(srv.pid(), "VmHWM") - rss0) / 1024;
  EXPECT_LT(grown_mb, 120) << "peak RSS grew by " << grown_mb << " MiB";
  EXPECT_GE(statuses.count(503), 1u) << "the cap never refused a body";
  for (int s : statuses) EXPECT_TRUE(s == 404 || s == 503) << "status " << s;
  EXPECT_EQ(statuses.size(), 40u);

  // Bodies that need a session are refused before they are read when there is none, and a
  // route that does not exist is refused from its path: neither costs the body's memory.
  statuses.clear();
  for (int i = 0; i < 20; ++i) {
    ts.emplace_back(upload, "/api/v1/cases/1/attachments?name=a.jpg",
                    std::map<std::string, std::string>{{"Content-Type", "application/octet-stream"}});
    ts.emplace_back(upload, "/api/v1/no/such/route", std::map<std::string, std::string>{});
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(statuses.count(401), 20u);
  EXPECT_EQ(statuses.count(404), 20u);
  EXPECT_EQ(metric(srv.client(), "manyi_http_body_memory_bytes"), 0) << "a reservation was not released";
  EXPECT_TRUE(alive(srv.pid()));
  // And a signed-in user is still served.
  auto c = srv.client();
  ASSERT_EQ(c.login("handler").status, 200);
  EXPECT_EQ(c.get("/api/v1/me").status, 200);
}

// One address opening connection after connection: it is served on its first `cap` only; the
// rest are never read from (held, then closed), so a reconnecting flood waits instead of
// costing the server. Another address is served at once all the while.
TEST_P(Connections, OneAddressIsServedOnItsCapOfConnectionsAndOthersAreServedBeside) {
  ServerProcess srv(url_, {"--max-connections-per-address", "8", "--flood-delay", "1500", "--io-threads", "2"});
  // Waited for from another address: a health check from 127.0.0.1 would still be counted
  // against the cap until the server has read its close, and take one of the 8.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (status_from(srv.port(), "127.0.0.3", "GET", "/healthz") != 200 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(status_from(srv.port(), "127.0.0.3", "GET", "/healthz"), 200);
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  auto fds = open_silent(srv.port(), 24, get);  // keep-alive: each stays open after its answer
  ASSERT_EQ(fds.size(), 24u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int answered = 0, silent = 0, closed_at_once = 0;
  std::vector<int> held;
  for (int fd : fds) {
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0 && std::string(buf, static_cast<size_t>(n)).rfind("HTTP/1.1 200", 0) == 0) ++answered;
    else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ++silent, held.push_back(fd);
    else if (n == 0 || (n < 0 && errno == ECONNRESET)) ++closed_at_once;
  }
  EXPECT_EQ(answered, 8) << "served beyond the per-address cap";
  // The next 8 are held unread (a reconnecting client waits); beyond twice the cap, closed at once.
  EXPECT_EQ(silent, 8) << "the connections beyond the cap are held unread";
  EXPECT_EQ(closed_at_once, 8);
  // Another client address is not affected, and is answered at once.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(status_from(srv.port(), "127.0.0.2", "GET", "/healthz"), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
  // The held ones are closed without an answer after the delay.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  int closed = 0;
  for (int fd : held) {
    char buf[64];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    closed += n == 0 || (n < 0 && errno == ECONNRESET);
  }
  EXPECT_EQ(closed, 8) << "a held connection was answered or left open";
  for (int fd : fds) close(fd);
  // Once its connections close, the address is served again.
  EXPECT_TRUE(healthy_within(srv.port(), std::chrono::seconds(5)));
  EXPECT_GE(metric(srv.client(), "manyi_http_address_cap_refusals_total"), 16);
  // Stopping while connections are served and held is clean.
  auto more = open_silent(srv.port(), 16, get);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(srv.terminate(), 0);
  for (int fd : more) close(fd);
}

// A flood of public submissions from one address: after a burst of refusals its 429s are held
// back (the connection waits on a timer), so the flood sends about one request a second per
// connection; another address's submission is answered at once meanwhile.
TEST_P(Connections, AFloodOfRefusedRequestsWaitsForItsAnswersWhileOthersAreAnsweredAtOnce) {
  ServerProcess srv(url_, {"--public-rate", "1", "--public-burst", "1", "--flood-delay", "400", "--io-threads", "2"});
  ASSERT_TRUE(healthy_within(srv.port(), std::chrono::seconds(5)));
  HttpClient flood(srv.port());
  auto ms_of = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::vector<long> took;
  int refused = 0;
  for (int i = 0; i < 70; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = flood.post("/api/v1/public/cases/NOSUCHCODE/callback", {{"phone_last4", "1234"}, {"result", "satisfied"}});
    took.push_back(ms_of(std::chrono::steady_clock::now() - t0));
    refused += r.status == 429;
    if (r.status == 429) EXPECT_FALSE(r.headers["retry-after"].empty());
  }
  EXPECT_GE(refused, 68);
  // The first refusals are answered at once. Past the burst of 50, the address gets at most 10
  // quick refusals a second (ServerOptions::kFloodRefusalRate); the rest wait 400 ms each. So
  // the last 15 requests (D held, 15 - D quick within 0.4·D s: 15 - D <= 4·D + 1) took at least
  // 2.8 held delays, 1.1 s; answered at once they would take a few milliseconds.
  EXPECT_LT(took[5], 300) << "an early refusal was held";
  long last15 = 0;
  for (size_t i = took.size() - 15; i < took.size(); ++i) last15 += took[i];
  EXPECT_GE(last15, 1100) << "the flood's refusals were answered at once";
  EXPECT_GE(metric(srv.client(), "manyi_http_flood_delays_total"), 3);
  auto t0 = std::chrono::steady_clock::now();
  int other = status_from(srv.port(), "127.0.1.3", "POST", "/api/v1/public/cases/NOSUCHCODE/callback",
                          R"({"phone_last4":"1234","result":"satisfied"})");
  EXPECT_NE(other, 429);
  EXPECT_NE(other, 0);
  EXPECT_LT(ms_of(std::chrono::steady_clock::now() - t0), 300);
}

INSTANTIATE_TEST_SUITE_P(Db, Connections, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
