// Test support shared by unit and integration tests: a fresh database on each backend
// (SQLite file or a new PostgreSQL database on the server ./scripts/test starts), a real
// `manyi serve` child process, and a small blocking HTTP client with a cookie jar and CSRF.
#pragma once
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/db.hpp"

namespace manyi::testing {
using json = nlohmann::json;

// "sqlite" always; "postgres" when MANYI_TEST_PG is set (./scripts/test always sets it).
std::vector<std::string> backends();
std::string backend_name(const ::testing::TestParamInfo<std::string>& info);

// A new empty database; dropped/removed on destruction.
class TempDb {
 public:
  explicit TempDb(const std::string& backend);
  ~TempDb();
  const std::string& url() const { return url_; }
  std::unique_ptr<store::Db> open_migrated() const;

 private:
  std::string backend_, url_, path_, dbname_;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  json js() const;  // parsed body (null when not JSON)
};

class HttpClient {
 public:
  explicit HttpClient(int port) : port_(port) {}
  HttpResponse request(const std::string& method, const std::string& path, const std::string& body = "",
                       std::map<std::string, std::string> headers = {});
  HttpResponse get(const std::string& path) { return request("GET", path); }
  HttpResponse post(const std::string& path, const json& j) { return request("POST", path, j.dump()); }
  HttpResponse patch(const std::string& path, const json& j) { return request("PATCH", path, j.dump()); }
  HttpResponse del(const std::string& path) { return request("DELETE", path); }
  // Signs in and keeps the cookie and CSRF token for later requests.
  HttpResponse login(const std::string& user, const std::string& password = "Manyi-demo-1");
  std::string csrf;
  std::string cookie;
  bool send_csrf = true;

 private:
  int port_;
};

// Runs `manyi serve` on a free port against a database URL.
class ServerProcess {
 public:
  // nofile > 0 starts it with that descriptor limit (soft and hard).
  explicit ServerProcess(const std::string& db_url, std::vector<std::string> extra_args = {}, int nofile = 0);
  ~ServerProcess();
  int port() const { return port_; }
  HttpClient client() const { return HttpClient(port_); }
  void kill9();       // SIGKILL, no chance to flush
  int terminate();    // SIGTERM, returns the exit status
  pid_t pid() const { return pid_; }
  const std::string& startup_line() const { return startup_line_; }  // "manyi listening on …"
  // Everything it printed to stdout so far (its log lines; the first MiB).
  std::string output() const;

 private:
  struct Output {
    std::mutex mu;
    std::string text;
  };
  pid_t pid_ = -1;
  int port_ = 0;
  std::string startup_line_;
  std::shared_ptr<Output> output_ = std::make_shared<Output>();
};

// While it lives, servers and commands started by the test hash passwords at the production
// cost (argon2id over 64 MiB); every other test process hashes at the minimum cost.
struct ProductionHashing {
  ProductionHashing() { unsetenv("MANYI_TEST_FAST_HASH"); }
  ~ProductionHashing() { setenv("MANYI_TEST_FAST_HASH", "1", 1); }
};

// The value of a series in the server's /metrics, named with its labels as printed
// (`manyi_job_runs_total{job="outbox"}`); -1 when it is absent.
int64_t metric(HttpClient c, const std::string& series);

// A connected TCP socket to 127.0.0.1:port, or -1.
int connect_loopback(int port);

// Sends raw bytes over one connection and reads until the server closes (for requests
// HttpClient cannot express); `half_close` ends the sending side after the bytes.
std::string raw_exchange(int port, bool half_close, const std::string& bytes);

// Runs the manyi binary with arguments; returns exit status and captures stdout+stderr.
int run_manyi(const std::vector<std::string>& args, std::string* output = nullptr);

// A database with the demo organisation, made once per backend per test binary and copied
// for each test (creating it hashes seven passwords).
std::string demo_db_url(const std::string& backend);

// An HTTP test on a fresh copy of the demo database (parameterised by backend), with the real
// server started by start() — by SetUp unless a test asks otherwise with start_in_setup.
class DemoServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  // Starts (or restarts) the server with these extra arguments.
  void start(std::vector<std::string> extra = {"--public-rate", "100", "--public-burst", "500"});
  // The id of the org node with this code, as the API writes ids (a string).
  std::string node(const std::string& code);
  // A client signed in as a demo user.
  HttpClient as(const std::string& user);
  int64_t count(const std::string& sql, const store::Params& p = {});

  bool start_in_setup = true;
  std::string url;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<ServerProcess> server;
};

// The manyi::Error that f throws (a test failure when it throws none).
template <class F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an error";
  return Error(0, "", "");
}

}  // namespace manyi::testing
