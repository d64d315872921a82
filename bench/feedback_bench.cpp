// Feedback benchmarks on a demo database (see bench/README.md):
//   feedback_bench dashboard   p50/p95 of the dashboard, ranking and comments endpoints over
//                              HTTP against a real `manyi serve` (200 requests each)
//   feedback_bench export      1 million comments to .xlsx in this process: seconds, rows, peak RSS
//   feedback_bench intake [threads] [seconds]   durable intake without HTTP (the write path alone)
//   feedback_bench cases [n]   the case opener alone: n stored bad ratings waiting for their
//                              bad-review case; wall and CPU time per case opened
// The database comes from MANYI_BENCH_DB (e.g. made by `manyi demo --ratings 10000000`).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "feedback/export.hpp"
#include "feedback/service.hpp"
#include "forms/service.hpp"
#include "org/service.hpp"
#include "support/testing.hpp"
#include "core/period.hpp"

using namespace manyi;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

void report(const std::string& what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))]; };
  std::printf("%-58s n=%zu  p50 %6.2f ms  p95 %6.2f ms  max %6.2f ms\n", what.c_str(), v.size(), pct(0.5), pct(0.95),
              v.back());
}

int dashboard(const std::string& url) {
  auto db = store::open(url);
  auto node = [&](const std::string& code) { return db->query("SELECT id FROM org_nodes WHERE code = ?", {code})[0].str(0); };
  auto ratings = store::scalar_i64(db->query("SELECT COUNT(*) FROM ratings")).value_or(0);
  auto rollups = store::scalar_i64(db->query("SELECT COUNT(*) FROM rating_rollups")).value_or(0);
  std::printf("database %s: %lld ratings, %lld rollup rows\n", url.c_str(), static_cast<long long>(ratings),
              static_cast<long long>(rollups));
  manyi::testing::ServerProcess server(url, {"--public-rate", "100000", "--public-burst", "100000"});
  auto bureau = server.client(), hosp = server.client();
  bureau.login("bureau");
  hosp.login("hosp1");
  std::string h001 = node("H001");
  struct Case {
    std::string name;
    manyi::testing::HttpClient* c;
    std::string path;
  };
  std::vector<Case> cases = {
      {"institution x month x dimensions (+trend, ranking) H001", &hosp, "/api/v1/satisfaction/dashboard?node=" + h001},
      {"bureau ranking, month (3 counties + 3 city institutions)", &bureau, "/api/v1/satisfaction/ranking?period=month"},
      {"bureau dashboard, month", &bureau, "/api/v1/satisfaction/dashboard?period=month"},
      {"bureau dashboard, year", &bureau, "/api/v1/satisfaction/dashboard?period=year"},
      {"institution dashboard, quarter H001", &hosp, "/api/v1/satisfaction/dashboard?period=quarter&node=" + h001},
      {"comments page 1, bureau", &bureau, "/api/v1/ratings/comments?limit=50"},
      {"comments page 1, H001, keyword", &hosp, "/api/v1/ratings/comments?limit=50&q=%E6%8E%92%E9%98%9F"},
  };
  for (auto& c : cases) {
    for (int i = 0; i < 5; ++i) c.c->get(c.path);  // warm caches
    std::vector<double> t;
    for (int i = 0; i < 200; ++i) {
      auto t0 = Clock::now();
      auto r = c.c->get(c.path);
      t.push_back(ms_since(t0));
      if (r.status != 200) {
        std::fprintf(stderr, "%s: HTTP %d %s\n", c.path.c_str(), r.status, r.body.substr(0, 200).c_str());
        return 1;
      }
    }
    report(c.name, t);
  }
  return 0;
}

int export_comments(const std::string& url) {
  auto db = store::open(url);
  org::OrgService org(*db);
  forms::FormService forms(*db);
  feedback::FeedbackService svc(*db, org, forms);
  feedback::CommentFilter f;
  f.scope = {db->query("SELECT path FROM org_nodes WHERE parent_id IS NULL")[0].str(0)};
  std::string out = (std::filesystem::temp_directory_path() / "manyi-bench-comments.xlsx").string();
  struct rusage before {};
  getrusage(RUSAGE_SELF, &before);
  auto t0 = Clock::now();
  int64_t rows = feedback::write_comments_xlsx(svc, f, "评价留言", 1'000'000, out);
  double secs = ms_since(t0) / 1000;
  struct rusage after {};
  getrusage(RUSAGE_SELF, &after);
  std::printf("export: %lld comments to .xlsx in %.1f s (%.0f rows/s), file %.1f MB, peak RSS %.0f MB (before %.0f MB)\n",
              static_cast<long long>(rows), secs, static_cast<double>(rows) / secs,
              static_cast<double>(std::filesystem::file_size(out)) / 1e6, after.ru_maxrss / 1024.0,
              before.ru_maxrss / 1024.0);
  std::filesystem::remove(out);
  return 0;
}

// Durable intake without HTTP: N threads calling FeedbackService::submit_public as the route
// does (random points, devices, networks), to separate the write path from the HTTP server.
int intake_inprocess(const std::string& url, int threads, double seconds) {
  auto db = store::open(url);
  org::OrgService org(*db);
  forms::FormService forms(*db);
  feedback::FeedbackService svc(*db, org, forms);
  std::vector<std::string> codes;
  for (auto& r : db->query("SELECT code FROM collection_points WHERE active = 1")) codes.push_back(r.str(0));
  if (codes.empty()) {
    std::cerr << "no collection points: run `manyi demo --ratings 0` first\n";
    return 1;
  }
  std::vector<std::shared_ptr<const feedback::PointInfo>> points;
  for (auto& c : codes) points.push_back(svc.lookup(c));
  std::atomic<int64_t> done{0}, refused{0};
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(static_cast<size_t>(threads));
  std::vector<std::thread> ts;
  auto t0 = Clock::now();
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
      int64_t seq = 0;
      while (!stop) {
        auto& p = *points[rng() % points.size()];
        feedback::NewRating r;
        double x = std::uniform_real_distribution<double>(0, 1)(rng);
        r.overall = x < 0.55 ? 5 : x < 0.85 ? 4 : x < 0.93 ? 3 : x < 0.97 ? 2 : 1;
        r.device = "bench" + std::to_string(t) + "-" + std::to_string(++seq);
        r.ip = std::to_string(11 + rng() % 200) + "." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) + ".9";
        r.elapsed_ms = 8000;
        r.device += "-" + std::to_string(rng() % 1000000000);
        auto s = Clock::now();
        try {
          svc.submit_public(p, r);
        } catch (const std::exception&) {
          ++refused;  // a device id repeated from an earlier run on the same database
          continue;
        }
        lat[static_cast<size_t>(t)].push_back(ms_since(s));
        ++done;
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
  stop = true;
  for (auto& t : ts) t.join();
  double secs = ms_since(t0) / 1000;
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::printf("in-process intake on %s, %d threads: %lld ratings in %.1f s = %.0f/s\n", url.c_str(), threads,
              static_cast<long long>(done.load()), secs, static_cast<double>(done.load()) / secs);
  report("submit_public latency", all);
  auto st = db->stats();
  std::printf("commits %lld, write jobs %lld (%.1f per commit)\n", static_cast<long long>(st.commits),
              static_cast<long long>(st.write_jobs), st.commits ? static_cast<double>(st.write_jobs) / st.commits : 0.0);
  return 0;
}

// The bad-review case opener alone: n valid 非常不满意 ratings are stored with case_pending (as
// intake leaves them), then the opener is started as a restart would; timed until every case is
// open. CPU time is the whole process's (the opener's transactions on the database's writer).
int cases_opener(const std::string& url, int n) {
  auto db = store::open(url);
  org::OrgService org(*db);
  forms::FormService forms(*db);
  auto points = db->query(
      "SELECT p.id, p.node_id, p.unit_id, p.template_id, (SELECT MAX(v.id) FROM form_versions v WHERE v.template_id = "
      "p.template_id) FROM collection_points p WHERE p.active = 1 AND p.staff_id IS NULL ORDER BY p.id");
  if (points.empty()) {
    std::cerr << "no collection points: run `manyi demo --ratings 0` first\n";
    return 1;
  }
  std::mt19937_64 rng(42);
  static const char* kComments[] = {"排队时间太长，医生态度冷淡", "收费不清楚，多收了检查费", "护士没有解释清楚", ""};
  int64_t now = now_ms();
  db->write([&](store::Tx& tx) {
    std::vector<store::Params> rows;
    for (int i = 0; i < n; ++i) {
      auto& p = points[rng() % points.size()];
      rows.push_back({feedback::rating_id_for(now - n + i), p.i64(0), p.i64(1), p.i64(2), p.i64(3), p.i64(4),
                      std::string("qr"), int64_t{1}, std::string(kComments[rng() % 4]), std::string("valid"),
                      int64_t{period::local_day(now)}, now - n + i, int64_t{1}});
    }
    tx.insert_rows("ratings",
                   {"id", "point_id", "node_id", "unit_id", "template_id", "form_version_id", "channel", "overall",
                    "comment", "status", "day", "created_at", "case_pending"},
                   rows);
  });
  auto bad_cases = [&] {
    return store::scalar_i64(db->query("SELECT COUNT(*) FROM cases WHERE type = 'bad_review'")).value_or(0);
  };
  int64_t before_cases = bad_cases();
  feedback::FeedbackService svc(*db, org, forms);
  auto pending = [&] {
    return store::scalar_i64(db->query("SELECT COUNT(*) FROM ratings WHERE case_pending = 1")).value_or(0);
  };
  struct rusage before {};
  getrusage(RUSAGE_SELF, &before);
  auto t0 = Clock::now();
  svc.resume_pending_cases();
  while (pending() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double secs = ms_since(t0) / 1000;
  struct rusage after {};
  getrusage(RUSAGE_SELF, &after);
  auto cpu = [](const struct rusage& r) {
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
  };
  double cpu_s = cpu(after) - cpu(before);
  int64_t opened = bad_cases() - before_cases;
  std::printf("case opener on %s: %lld cases in %.2f s = %.0f/s; CPU %.1f us per case (%.2f s)\n", url.c_str(),
              static_cast<long long>(opened), secs, static_cast<double>(opened) / secs,
              cpu_s * 1e6 / static_cast<double>(std::max<int64_t>(opened, 1)), cpu_s);
  return opened == n ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* url = std::getenv("MANYI_BENCH_DB");
  if (!url || argc < 2) {
    std::cerr << "usage: MANYI_BENCH_DB=<db url> feedback_bench dashboard|export|intake [threads] [seconds]|cases [n]\n";
    return 2;
  }
  std::string what = argv[1];
  if (what == "dashboard") return dashboard(url);
  if (what == "export") return export_comments(url);
  if (what == "cases") return cases_opener(url, argc > 2 ? std::atoi(argv[2]) : 20000);
  if (what == "intake")
    return intake_inprocess(url, argc > 2 ? std::atoi(argv[2]) : 64, argc > 3 ? std::atof(argv[3]) : 10.0);
  std::cerr << "unknown benchmark " << what << "\n";
  return 2;
}
