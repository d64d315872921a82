#include "testing.hpp"

#include "app/modules.hpp"
#include "cases/pii.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace manyi::testing {

// Every test process has the modules installed, as the server and the command line do, so
// that tests using a service without an App see the same roles.
namespace {
const bool kModulesInstalled = (app::install_modules(), true);
}  // namespace

// Every test process and the servers and commands it starts share one data key
// (MANYI_DATA_KEY), so a database made by `manyi demo` opens in-process and in every spawned
// server; the data-key test unsets it to exercise the key file.
//
// The key is kept in the test cache directory (below) so that the test processes of one run
// share it with the demo template they share.
namespace {
std::filesystem::path cache_dir() {
  const char* v = std::getenv("MANYI_TEST_CACHE");
  auto dir = v && *v ? std::filesystem::path(v)
                     : std::filesystem::temp_directory_path() / ("manyi-test-cache-" + std::to_string(getuid()));
  std::filesystem::create_directories(dir);
  return dir;
}

// An exclusive lock on a file in the cache directory, held for the object's lifetime.
class CacheLock {
 public:
  explicit CacheLock(const std::string& name) {
    fd_ = ::open((cache_dir() / name).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0 || flock(fd_, LOCK_EX) != 0) throw std::runtime_error("cannot lock the test cache: " + name);
  }
  ~CacheLock() { ::close(fd_); }
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_ = -1;
};

std::string shared_data_key() {
  CacheLock lock("data-key.lock");
  auto file = cache_dir() / "data-key";
  std::string hex;
  if (std::ifstream in(file); in) std::getline(in, hex);
  if (hex.size() != 64) {
    hex = cases::pii::key_to_hex(cases::pii::new_key());
    auto tmp = file.string() + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size()))
      throw std::runtime_error("cannot write the test data key");
    ::close(fd);
    std::filesystem::rename(tmp, file);
  }
  return hex;
}
}  // namespace

const bool kSharedDataKey = [] {
  setenv("MANYI_DATA_KEY", shared_data_key().c_str(), 0);
  return true;
}();

// Passwords are hashed at libsodium's minimum cost in every test process and in the demos and
// servers it starts (a sign-in checks a production hash in ~0.24 s of one core, and the suite
// signs in several hundred times). The tests that need the production cost unset it around the
// server they start (ProductionHashing, testing.hpp).
const bool kFastHashing = [] {
  setenv("MANYI_TEST_FAST_HASH", "1", 0);
  return true;
}();

// A TCP connection to 127.0.0.1:port; -1 when refused.
int connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

namespace {
std::string rand_suffix() {
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
  return std::to_string(rng() % 100000000000ULL);
}
std::string pg_base() {
  const char* v = std::getenv("MANYI_TEST_PG");
  return v ? v : "";
}
std::string pg_url_for(const std::string& dbname) {
  std::string base = pg_base();  // postgresql://user@host:port/dbname
  auto slash = base.rfind('/');
  auto q = base.find('?', slash);
  return base.substr(0, slash + 1) + dbname + (q == std::string::npos ? "" : base.substr(q));
}
void pg_admin(const std::string& sql) {
  auto db = store::open(pg_base());
  db->write([&](store::Tx&) {});  // warm
  // CREATE/DROP DATABASE cannot run inside a transaction: use a plain query on a reader.
  db->query(sql);
}
}  // namespace

std::vector<std::string> backends() {
  // Always both: ctest registers the test list when the binaries are built, not when they run,
  // so the list must not depend on the environment. A PostgreSQL test run without a server
  // fails (TempDb says why); ./scripts/test always starts one.
  return {"sqlite", "postgres"};
}

std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

TempDb::TempDb(const std::string& backend) : backend_(backend) {
  if (backend == "sqlite") {
    path_ = (std::filesystem::temp_directory_path() / ("manyi-test-" + rand_suffix() + ".db")).string();
    url_ = "sqlite:" + path_;
  } else {
    if (pg_base().empty())
      throw std::runtime_error("MANYI_TEST_PG is not set: run ./scripts/test, or start PostgreSQL and export "
                               "MANYI_TEST_PG=postgresql://user@127.0.0.1:PORT/postgres");
    dbname_ = "manyi_t_" + rand_suffix();
    pg_admin("CREATE DATABASE " + dbname_);
    url_ = pg_url_for(dbname_);
  }
}

TempDb::~TempDb() {
  if (!path_.empty()) {
    for (auto ext : {"", "-wal", "-shm", ".key", ".lock"}) std::filesystem::remove(path_ + ext);
  } else if (!dbname_.empty()) {
    try {
      pg_admin("DROP DATABASE IF EXISTS " + dbname_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
}

std::unique_ptr<store::Db> TempDb::open_migrated() const {
  auto db = store::open(url_);
  db->migrate();
  return db;
}

json HttpResponse::js() const {
  auto j = json::parse(body, nullptr, false);
  return j.is_discarded() ? json() : j;
}

HttpResponse HttpClient::request(const std::string& method, const std::string& path, const std::string& body,
                                 std::map<std::string, std::string> headers) {
  int fd = connect_loopback(port_);
  if (fd < 0) throw std::runtime_error("cannot connect to test server");
  timeval tv{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!headers.count("Content-Type") && !body.empty()) headers["Content-Type"] = "application/json";
  if (!cookie.empty() && !headers.count("Cookie")) headers["Cookie"] = "manyi_session=" + cookie;
  if (send_csrf && !csrf.empty() && method != "GET" && !headers.count("X-CSRF-Token")) headers["X-CSRF-Token"] = csrf;
  for (auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer early (e.g. 413) and close
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[65536];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  HttpResponse r;
  auto hdr_end = raw.find("\r\n\r\n");
  if (hdr_end == std::string::npos) throw std::runtime_error("no HTTP response: " + raw.substr(0, 200));
  std::string head = raw.substr(0, hdr_end);
  r.body = raw.substr(hdr_end + 4);
  r.status = std::atoi(head.c_str() + 9);
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos < head.size()) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string k = line.substr(0, colon);
      for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      if (r.headers.count(k)) r.headers[k] += ", " + v;
      else r.headers[k] = v;
    }
    pos = next;
  }
  if (r.headers.count("transfer-encoding") && r.headers["transfer-encoding"].find("chunked") != std::string::npos) {
    std::string out;
    size_t p = 0;
    while (p < r.body.size()) {
      size_t le = r.body.find("\r\n", p);
      size_t len = std::strtoul(r.body.substr(p, le - p).c_str(), nullptr, 16);
      if (!len) break;
      out += r.body.substr(le + 2, len);
      p = le + 2 + len + 2;
    }
    r.body = out;
  }
  return r;
}

HttpResponse HttpClient::login(const std::string& user, const std::string& password) {
  auto r = post("/api/v1/auth/login", {{"username", user}, {"password", password}});
  if (r.status == 200) {
    csrf = r.js()["csrf_token"];
    auto sc = r.headers["set-cookie"];
    auto eq = sc.find('='), semi = sc.find(';');
    cookie = sc.substr(eq + 1, semi - eq - 1);
  }
  return r;
}

ServerProcess::ServerProcess(const std::string& db_url, std::vector<std::string> extra_args, int nofile) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    close(out[0]);
    if (nofile > 0) {
      rlimit rl{static_cast<rlim_t>(nofile), static_cast<rlim_t>(nofile)};
      setrlimit(RLIMIT_NOFILE, &rl);
    }
    std::vector<std::string> args = {MANYI_BINARY, "--db", db_url, "serve", "--listen", "127.0.0.1:0"};
    // Generous sign-in limits (every test client comes from 127.0.0.1) unless the test sets its own.
    auto given = [&](const char* opt) { return std::find(extra_args.begin(), extra_args.end(), opt) != extra_args.end(); };
    if (!given("--login-rate")) args.insert(args.end(), {"--login-rate", "100"});
    if (!given("--login-burst")) args.insert(args.end(), {"--login-burst", "1000"});
    for (auto& a : extra_args) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && read(out[0], &c, 1) == 1) {
    output_->text += c;
    if (c == '\n') {
      auto p = line.find("http://127.0.0.1:");
      if (p != std::string::npos) {
        port_ = std::atoi(line.c_str() + p + 17);
        startup_line_ = line;
        break;
      }
      line.clear();
    } else {
      line += c;
    }
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  int fd = out[0];
  std::thread([fd, kept = output_] {
    char b[4096];
    for (ssize_t n; (n = read(fd, b, sizeof b)) > 0;) {
      std::lock_guard lk(kept->mu);
      if (kept->text.size() < (1u << 20)) kept->text.append(b, static_cast<size_t>(n));
    }
    close(fd);
  }).detach();
  if (!port_) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw std::runtime_error("manyi serve did not start");
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string ServerProcess::output() const {
  std::lock_guard lk(output_->mu);
  return output_->text;
}

void ServerProcess::kill9() {
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int ServerProcess::terminate() {
  ::kill(pid_, SIGTERM);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int run_manyi(const std::vector<std::string>& args, std::string* output) {
  std::string cmd = MANYI_BINARY;
  for (auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (output) *output = out;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

namespace {
// What a demo template depends on: the manyi binary (its schema and demo code), the day (the
// demo is laid out around today), the data key its personal data is sealed with, and the demo's
// size.
std::string template_stamp(const std::vector<std::string>& demo_args) {
  struct stat st {};
  if (::stat(MANYI_BINARY, &st) != 0) throw std::runtime_error("no manyi binary at " MANYI_BINARY);
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char day[16];
  std::strftime(day, sizeof day, "%Y%m%d", &local);
  std::string what = std::to_string(st.st_size) + "|" +
                     std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "|" + day + "|" +
                     (std::getenv("MANYI_DATA_KEY") ? std::getenv("MANYI_DATA_KEY") : "");
  for (auto& a : demo_args) what += "|" + a;
  // The binary's path leads, so that builds side by side (a sanitizer build) keep their own.
  return fmt::format("{:08x}_{:016x}", std::hash<std::string>{}(MANYI_BINARY) & 0xffffffffu,
                     std::hash<std::string>{}(what));
}

// The url of the demo template for backend, made once by whichever test process asks first
// (the others wait on the lock and reuse it): every ctest process used to run its own demo,
// 3 s on SQLite and 10 s on PostgreSQL before its first test.
std::string shared_demo_template(const std::string& backend) {
  const std::vector<std::string> demo_args = {"demo", "--ratings", "3000", "--cases", "300", "--rectifications", "0"};
  const std::string stamp = template_stamp(demo_args);
  CacheLock lock("demo-" + backend + ".lock");
  auto build = [&](const std::string& url) {
    std::string out;
    // A small feedback history and a few hundred worked cases keep the demo quick (the
    // defaults are 2 million ratings and 1,800 cases besides the bad reviews').
    std::vector<std::string> args = {"--db", url};
    args.insert(args.end(), demo_args.begin(), demo_args.end());
    if (run_manyi(args, &out) != 0) throw std::runtime_error("demo failed: " + out);
  };
  if (backend == "sqlite") {
    auto path = cache_dir() / ("demo-" + stamp + ".db");
    if (!std::filesystem::exists(path)) {
      for (auto& old : std::filesystem::directory_iterator(cache_dir()))
        if (old.path().filename().string().rfind("demo-" + stamp.substr(0, 9), 0) == 0)
          std::filesystem::remove(old.path());
      TempDb t("sqlite");
      build(t.url());
      auto tmp = path.string() + ".tmp";
      store::open(t.url())->backup_to(tmp);  // the online backup folds the WAL in
      std::filesystem::rename(tmp, path);
    }
    return "sqlite:" + path.string();
  }
  const std::string name = "manyi_tpl_" + stamp;
  auto admin = store::open(pg_base());
  if (admin->query("SELECT 1 FROM pg_database WHERE datname = ?", {name}).empty()) {
    // This build's templates of earlier builds or days go first (nothing copies from them).
    for (auto& row : admin->query("SELECT datname FROM pg_database WHERE datname LIKE ?",
                                  {"manyi\\_tpl\\_" + stamp.substr(0, 9) + "%"}))
      pg_admin("DROP DATABASE IF EXISTS " + row.str(0) + " WITH (FORCE)");
    pg_admin("CREATE DATABASE " + name + "_new");
    try {
      build(pg_url_for(name + "_new"));
    } catch (...) {
      pg_admin("DROP DATABASE IF EXISTS " + name + "_new WITH (FORCE)");
      throw;
    }
    pg_admin("ALTER DATABASE " + name + "_new RENAME TO " + name);
  }
  return pg_url_for(name);
}
}  // namespace

std::string demo_db_url(const std::string& backend) {
  static std::map<std::string, std::string> templates;
  static std::vector<std::unique_ptr<TempDb>> keep;
  if (!templates.count(backend)) templates[backend] = shared_demo_template(backend);
  const std::string& src = templates[backend];
  auto copy = std::make_unique<TempDb>(backend);
  std::string url = copy->url();
  if (backend == "sqlite") {
    std::filesystem::copy_file(src.substr(7), url.substr(7), std::filesystem::copy_options::overwrite_existing);
  } else {
    pg_admin("DROP DATABASE IF EXISTS " + url.substr(url.rfind('/') + 1));
    auto srcname = src.substr(src.rfind('/') + 1);
    pg_admin("CREATE DATABASE " + url.substr(url.rfind('/') + 1) + " TEMPLATE " + srcname);
  }
  keep.push_back(std::move(copy));
  return url;
}

void DemoServerTest::SetUp() {
  url = demo_db_url(GetParam());
  db = store::open(url);
  if (start_in_setup) start();
}

void DemoServerTest::start(std::vector<std::string> extra) {
  server.reset();
  server = std::make_unique<ServerProcess>(url, std::move(extra));
}

std::string DemoServerTest::node(const std::string& code) {
  auto r = db->query("SELECT id FROM org_nodes WHERE code = ?", {code});
  EXPECT_FALSE(r.empty()) << "no org node " << code;
  return r.empty() ? "" : r[0].str(0);
}

HttpClient DemoServerTest::as(const std::string& user) {
  auto c = server->client();
  EXPECT_EQ(c.login(user).status, 200) << user;
  return c;
}

int64_t DemoServerTest::count(const std::string& sql, const store::Params& p) {
  return store::scalar_i64(db->query(sql, p)).value_or(-1);
}

int64_t metric(HttpClient c, const std::string& series) {
  auto body = "\n" + c.get("/metrics").body;
  auto p = body.find("\n" + series + " ");
  return p == std::string::npos ? -1 : std::atoll(body.c_str() + p + series.size() + 2);
}

std::string raw_exchange(int port, bool half_close, const std::string& bytes) {
  int fd = connect_loopback(port);
  if (fd < 0) return "";
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (half_close) shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

}  // namespace manyi::testing
