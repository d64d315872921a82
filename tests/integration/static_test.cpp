// Static serving of the built console and the operational endpoints, through a real server:
// index.html revalidated, hashed assets cached for a year and gzipped, console routes fall
// back to index.html, API paths never do; /healthz and /metrics content.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <thread>
#include <future>
#include <netinet/in.h>
#include <sys/socket.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;
namespace fs = std::filesystem;

namespace {

std::string gunzip(const std::string& in) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return {};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string("<bad gzip>");
}


class Static : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = demo_db_url(GetParam());
    dir_ = fs::temp_directory_path() / ("manyi-web-" + std::to_string(getpid()) + "-" + GetParam());
    fs::create_directories(dir_ / "assets");
    index_ = "<!doctype html><html><head><title>满意</title></head><body><div id=app></div></body></html>\n";
    std::ofstream(dir_ / "index.html") << index_;
    for (int i = 0; i < 200; ++i) js_ += "console.log('满意 module line " + std::to_string(i) + "');\n";
    std::ofstream(dir_ / "assets" / "x.js") << js_;
    std::ofstream(dir_ / "assets" / "logo.png", std::ios::binary) << std::string("\x89PNG\r\n\x1a\n", 8) << std::string(1000, '\0');
    std::ofstream(dir_ / "favicon.ico") << "ico";
    std::ofstream(fs::temp_directory_path() / "manyi-secret.txt") << "secret";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string url_, index_, js_;
  fs::path dir_;
};

}  // namespace

TEST_P(Static, ConsoleFilesWithTheRightCaching) {
  ServerProcess srv(url_, {"--web", dir_.string()});
  auto c = srv.client();
  auto root = c.get("/");
  ASSERT_EQ(root.status, 200);
  EXPECT_EQ(root.body, index_);
  EXPECT_EQ(root.headers["cache-control"], "no-cache");
  EXPECT_EQ(root.headers["content-type"].rfind("text/html", 0), 0u);
  EXPECT_EQ(root.headers["x-content-type-options"], "nosniff");

  auto js = c.get("/assets/x.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.body, js_);
  EXPECT_EQ(js.headers["cache-control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(js.headers["content-type"].rfind("text/javascript", 0), 0u);
  EXPECT_EQ(js.headers.count("content-encoding"), 0u);
  EXPECT_NE(js.headers["vary"].find("Accept-Encoding"), std::string::npos);

  auto gz = c.request("GET", "/assets/x.js", "", {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.headers["content-encoding"], "gzip");
  EXPECT_LT(gz.body.size(), js_.size() / 3);
  EXPECT_EQ(gunzip(gz.body), js_);
  EXPECT_EQ(gz.headers["cache-control"], "public, max-age=31536000, immutable");

  // Binary files are not gzipped; types by extension.
  auto png = c.request("GET", "/assets/logo.png", "", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(png.status, 200);
  EXPECT_EQ(png.headers["content-type"], "image/png");
  EXPECT_EQ(png.headers.count("content-encoding"), 0u);
  EXPECT_EQ(png.body.size(), 1008u);
  EXPECT_EQ(c.get("/favicon.ico").headers["cache-control"], "no-cache");

  // Console routes (no extension) get index.html; missing files with an extension do not.
  for (auto route : {"/org", "/some/console/route", "/staff/123", "/audit?node=1"}) {
    auto r = c.get(route);
    EXPECT_EQ(r.status, 200) << route;
    EXPECT_EQ(r.body, index_) << route;
    EXPECT_EQ(r.headers["cache-control"], "no-cache") << route;
  }
  auto missing = c.get("/assets/nope.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.js()["error"]["code"], "not_found");
  // API paths never fall back to the console.
  auto api = c.get("/api/v1/does-not-exist");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.js()["error"]["code"], "not_found");
  // Nothing outside the web directory.
  for (auto bad : {"/../manyi-secret.txt", "/assets/../../manyi-secret.txt", "/%2e%2e/manyi-secret.txt",
                   "/assets/%2e%2e/%2e%2e/manyi-secret.txt"}) {
    auto r = c.get(bad);
    EXPECT_NE(r.body, "secret") << bad;
    EXPECT_NE(r.status, 200) << bad << " " << r.body;
  }
  // A POST to a console path is not a file request.
  EXPECT_EQ(c.request("POST", "/org", "{}").status, 404);
  // HEAD answers like GET without the body.
  auto head = c.request("HEAD", "/assets/x.js");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_P(Static, NoWebDirectoryMeansNoFallback) {
  ServerProcess srv(url_, {"--web", ""});
  auto r = srv.client().get("/org");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.js()["error"]["code"], "not_found");
}

TEST_P(Static, HealthzAndMetrics) {
  ServerProcess srv(url_);
  auto c = srv.client();
  auto h = c.get("/healthz");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.js()["status"], "ok");
  EXPECT_EQ(h.js()["database"], GetParam() == "sqlite" ? "sqlite" : "postgresql");
  EXPECT_GE(h.js()["schema"].get<int>(), 1);
  EXPECT_EQ(h.headers["cache-control"], "no-store");
  ASSERT_EQ(c.login("bureau").status, 200);
  EXPECT_EQ(c.get("/api/v1/org/nodes").status, 200);
  EXPECT_EQ(c.get("/api/v1/nope").status, 404);

  auto m = c.get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["content-type"].rfind("text/plain; version=0.0.4", 0), 0u);
  const std::string& t = m.body;
  EXPECT_NE(t.find("# TYPE manyi_http_requests_total counter"), std::string::npos) << t;
  EXPECT_NE(t.find("manyi_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("manyi_http_requests_total{method=\"POST\",route=\"/api/v1/auth/login\",status=\"200\"} 1"), std::string::npos);
  EXPECT_NE(t.find("route=\"/api/v1/org/nodes\""), std::string::npos);  // by pattern, not by raw path
  EXPECT_NE(t.find("route=\"unmatched\",status=\"404\""), std::string::npos);
  EXPECT_NE(t.find("# TYPE manyi_http_request_seconds histogram"), std::string::npos);
  EXPECT_NE(t.find("manyi_http_request_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"} 1"), std::string::npos);
  EXPECT_NE(t.find("manyi_http_request_seconds_count{method=\"GET\",route=\"/healthz\"} 1"), std::string::npos);
  EXPECT_NE(t.find("# TYPE manyi_db_writer_queue gauge"), std::string::npos);
  EXPECT_NE(t.find("manyi_db_writer_queue 0"), std::string::npos);
  EXPECT_NE(t.find("manyi_db_connections{state=\"total\"}"), std::string::npos);
  EXPECT_NE(t.find("manyi_db_commits_total"), std::string::npos);
  // Ids never become label values (one series per route, not per entity).
  auto node = c.get("/api/v1/org/nodes").js()["items"][0]["id"].get<std::string>();
  c.get("/api/v1/org/nodes/" + node);
  auto m2 = c.get("/metrics").body;
  EXPECT_EQ(m2.find(node), std::string::npos);
  EXPECT_NE(m2.find("route=\"/api/v1/org/nodes/{id}\""), std::string::npos);
}

// HEAD gets the GET's headers and no body, so a kept-alive connection stays in step: the next
// response starts right after the HEAD's header block.
TEST_P(Static, HeadHasNoBodyOnAKeptAliveConnection) {
  ServerProcess srv(url_, {"--web", dir_.string()});
  for (std::string path : {"/healthz", "/assets/x.js", "/api/v1/nope"}) {
    std::string out = raw_exchange(srv.port(), false, "HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"
                                               "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto end = out.find("\r\n\r\n");
    ASSERT_NE(end, std::string::npos) << path << ": " << out;
    EXPECT_EQ(out.substr(end + 4, 9), "HTTP/1.1 ") << path << ": a body followed the HEAD answer:\n" << out;
    EXPECT_NE(out.substr(0, end).find("Content-Length: "), std::string::npos) << out;
    EXPECT_NE(out.find("\"status\":\"ok\""), std::string::npos) << out;  // the GET after it
  }
}

// A load balancer's health check is answered ahead of the queue: with every worker thread
// waiting on a database lock, /healthz still answers (it used to queue behind them until the
// lock went, i.e. never here: the lock is released only after /healthz has answered).
TEST_P(Static, HealthzAnswersWhileEveryWorkerWaitsOnTheDatabase) {
  ServerProcess srv(url_, {"--workers", "2"});
  std::vector<HttpClient> users;
  for (int i = 0; i < 4; ++i) {
    users.push_back(srv.client());
    ASSERT_EQ(users.back().login("bureau").status, 200);
  }
  auto db = store::open(url_);
  std::promise<void> locked, release;
  auto released = release.get_future().share();
  std::thread holder([&] {
    db->write([&](store::Tx& tx) {
      if (tx.backend() == store::Backend::postgres) tx.exec("LOCK TABLE sessions IN EXCLUSIVE MODE");
      else tx.exec("UPDATE sessions SET last_seen = last_seen WHERE id = 0");  // holds SQLite's write lock
      locked.set_value();
      released.wait();
    });
  });
  locked.get_future().wait();
  std::vector<std::thread> writers;
  for (auto& u : users)
    writers.emplace_back([&u] { u.post("/api/v1/me/sessions/end-others", json::object()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // they are in the workers now

  auto h = srv.client().get("/healthz");
  release.set_value();
  EXPECT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(h.js()["status"], "ok");
  EXPECT_GT(h.js()["checked_at"].get<int64_t>(), 0);
  holder.join();
  for (auto& w : writers) w.join();
}

// Every answer names its request (X-Request-Id) as the log lines about it do; a trusted
// proxy's id is kept, anyone else's is not.
TEST_P(Static, EveryAnswerCarriesARequestId) {
  ServerProcess srv(url_, {"--trusted-proxy", "127.0.0.1/32"});
  auto c = srv.client();
  auto a = c.get("/healthz"), b = c.get("/api/v1/nope");
  ASSERT_EQ(a.headers.count("x-request-id"), 1u);
  ASSERT_EQ(b.headers.count("x-request-id"), 1u);
  EXPECT_NE(a.headers["x-request-id"], b.headers["x-request-id"]);
  EXPECT_EQ(c.request("GET", "/healthz", "", {{"X-Request-Id", "lb-42.a_b"}}).headers["x-request-id"], "lb-42.a_b");
  EXPECT_NE(c.request("GET", "/healthz", "", {{"X-Request-Id", "bad id\"<>"}}).headers["x-request-id"], "bad id\"<>");
  ServerProcess direct(url_);  // no trusted proxy: the client's own id is not believed
  EXPECT_NE(direct.client().request("GET", "/healthz", "", {{"X-Request-Id", "lb-42"}}).headers["x-request-id"], "lb-42");
}

INSTANTIATE_TEST_SUITE_P(Db, Static, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
