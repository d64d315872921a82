// The rectification ledger (整改台账) at a province's scale, on SQLite (and PostgreSQL when
// MANYI_TEST_PG is set): list pages and counts over MANYI_BENCH_ITEMS items (default 1 000 000,
// MANYI_BENCH_OPEN of them open, default 200 000) as a department, a hospital and the bureau see
// them, and the .xlsx export of MANYI_BENCH_EXPORT items (default 100 000; time and the growth of
// the process's peak memory). See bench/README.md for the recorded figures.
//
//   MANYI_TEST_PG=postgresql://… ./build/rectify_bench
//
// The items are bulk-loaded (Tx::insert_rows) over every department and institution of the
// demo organisation and one year, ids in creation order, the open ones raised in the last 26
// days with 21-day deadlines (a fifth overdue, at the level the escalation scan leaves them), then the per-node counts are rebuilt
// (RectifyService::rebuild_counts, the statement of migration 0024). Each timed call is one
// benchmark iteration (MANYI_BENCH_REPS repetitions, default 30): the median and p95 are reported.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>

#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "rectify/routes.hpp"
#include "rectify/service.hpp"
#include "support.hpp"
#include "support/testing.hpp"

using namespace manyi;
using manyi::bench::env_int;
using manyi::bench::p95;

namespace {


const char* kProblems[] = {"病房卫生间无扶手", "消防通道堆放杂物", "窗口人员未佩戴工牌", "处方点评未按月开展",
                           "病历书写不及时",   "候诊区座椅不足",   "毒麻药品专柜未双锁", "导诊台无人值守"};
const char* kSources[] = {"inspection", "complaint", "bad_review", "self_inspection", "supervision", "manual"};

struct Loaded {
  std::unique_ptr<store::Db> db;
  std::unique_ptr<rectify::RectifyService> svc;
  std::map<std::string, std::string> paths;  // node code -> path
  int64_t start = 0;                          // the loaded year begins
};

void bulk_load(Loaded& l, int64_t n, int64_t n_open) {
  auto t0 = std::chrono::steady_clock::now();
  struct Unit {
    int64_t id, inst;
    std::string path;
  };
  std::vector<Unit> units;
  for (auto& r : l.db->query("SELECT d.id, COALESCE(i.id, d.id), d.path FROM org_nodes d LEFT JOIN org_nodes i ON "
                             "i.id = d.parent_id AND i.kind = 'institution' WHERE d.kind IN ('department', "
                             "'institution') ORDER BY d.id"))
    units.push_back({r.i64(0), r.i64(1), r.str(2)});
  const std::vector<std::string> cols = {"id",          "code",        "unit_id",     "unit_path", "inst_id",
                                         "source",      "problem",     "status",      "limit_days", "started_at",
                                         "warn_at",     "deadline_at", "supervise_at", "level",    "next_check_at",
                                         "redo_count",  "public",      "created_at",  "updated_at", "closed_at",
                                         "verified_by", "measures"};
  const int64_t now = now_ms(), day = calendar::kDayMs, span = 365 * day;
  l.start = now - span;
  std::mt19937_64 rng(13);
  auto uni = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  const double p_open = static_cast<double>(n_open) / static_cast<double>(n);
  const int64_t batch = 20000;
  // Ids follow creation time, as core::new_id makes them: each item's time first, sorted, then
  // numbered. Closed items are raised evenly over the year; open ones in the last 26 days with
  // the 15-working-day limit (~21 days), so the oldest fifth of them is past its deadline.
  struct Born {
    int64_t t;
    bool open;
  };
  std::vector<Born> born;
  born.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    bool open = uni() < p_open;
    born.push_back({open ? now - static_cast<int64_t>(uni() * 26 * day) : now - span + span * i / n, open});
  }
  std::sort(born.begin(), born.end(), [](const Born& a, const Born& b) { return a.t < b.t; });
  int64_t opened = 0;
  for (int64_t at = 0; at < n; at += batch) {
    std::vector<store::Params> rows;
    for (int64_t i = at; i < std::min(n, at + batch); ++i) {
      auto& u = units[rng() % units.size()];
      auto [t, open] = born[static_cast<size_t>(i)];
      std::string status = open ? (uni() < 0.4 ? "pending" : uni() < 0.7 ? "rectifying" : "submitted")
                                : (uni() < 0.95 ? "closed" : "cancelled");
      if (open) ++opened;
      int64_t deadline = t + 21 * day;
      int64_t warn = deadline - 6 * day, supervise = deadline + 4 * day;
      int level = !open ? 0 : now >= supervise ? 3 : now > deadline ? 2 : now >= warn ? 1 : 0;
      int64_t check = !open ? 0 : level == 0 ? warn : level == 1 ? deadline : level == 2 ? supervise : 0;
      int64_t closed = status == "closed" || status == "cancelled" ? t + static_cast<int64_t>(uni() * 25 * day) : 0;
      int64_t id = i + 1;
      char code[32];
      std::snprintf(code, sizeof code, "ZGB%08lld", static_cast<long long>(id));
      rows.push_back({id,
                      std::string(code),
                      u.id,
                      u.path,
                      u.inst,
                      std::string(kSources[rng() % std::size(kSources)]),
                      std::string(kProblems[rng() % std::size(kProblems)]),
                      status,
                      int64_t{15},
                      t,
                      warn,
                      deadline,
                      supervise,
                      int64_t{level},
                      check ? store::Value(check) : store::Value(nullptr),
                      int64_t{uni() < 0.05},
                      int64_t{uni() < 0.3},
                      t,
                      std::max(t, closed),
                      closed ? store::Value(closed) : store::Value(nullptr),
                      status == "closed" ? store::Value(std::string("督查员")) : store::Value(nullptr),
                      std::string("已制定整改措施，责任到人")});
    }
    l.db->write([&](store::Tx& tx) { tx.insert_rows("rectifications", cols, rows); });
  }
  l.svc->rebuild_counts();
  if (l.db->backend() == store::Backend::postgres) l.db->query("VACUUM (ANALYZE) rectifications");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "[%s] bulk-loaded %lld items (%lld open) in %.1f s\n",
               l.db->backend() == store::Backend::postgres ? "postgres" : "sqlite", static_cast<long long>(n),
               static_cast<long long>(opened), secs);
}

Loaded& loaded(const std::string& backend) {
  static std::map<std::string, Loaded> all;
  auto it = all.find(backend);
  if (it != all.end()) return it->second;
  Loaded& l = all[backend];
  const std::string url = manyi::testing::demo_db_url(backend);
  l.db = store::open(url);
  l.db->migrate();
  l.svc = std::make_unique<rectify::RectifyService>(*l.db);
  for (auto& r : l.db->query("SELECT code, path FROM org_nodes")) l.paths[r.str(0)] = r.str(1);
  bulk_load(l, env_int("MANYI_BENCH_ITEMS", 1000000), env_int("MANYI_BENCH_OPEN", 200000));
  // MANYI_BENCH_SAVE=<file>: a copy of the loaded SQLite database (with its WAL), to read query
  // plans with the sqlite3 shell.
  if (const char* save = std::getenv("MANYI_BENCH_SAVE"); save && *save && backend == "sqlite")
    for (std::string ext : {"", "-wal"})
      if (std::filesystem::exists(url.substr(7) + ext))
        std::filesystem::copy_file(url.substr(7) + ext, save + ext, std::filesystem::copy_options::overwrite_existing);
  return l;
}


// Who looks: a department head (H001-NK), a hospital (H001), the bureau (the city).
const std::vector<std::pair<std::string, std::string>> kViewers = {
    {"department", "H001-NK"}, {"hospital", "H001"}, {"bureau", "CITY"}};

// The ledger page's tabs: everything, the verification queue (待验收), overdue.
rectify::ListFilter filter_of(Loaded& l, const std::string& node, const std::string& tab) {
  rectify::ListFilter f;
  f.scope = {l.paths.at(node)};
  f.limit = 50;
  if (tab == "submitted") f.status = "submitted";
  if (tab == "overdue") f.overdue = true;
  return f;
}

void BM_LedgerPage(benchmark::State& st, const std::string& backend, std::string node, std::string tab, int page) {
  auto& l = loaded(backend);
  auto f = filter_of(l, node, tab);
  int64_t next = 0;
  int at = 1;
  for (; at < page; ++at) {  // the cursor of page N, found once as the console's "next page" does
    l.svc->list(f, &next);
    if (!next) break;
    f.cursor = next;
  }
  size_t rows = 0;
  for (auto _ : st) rows = l.svc->list(f, &next).size();
  st.counters["rows"] = static_cast<double>(rows);
  st.counters["page"] = at;
}

void BM_LedgerCounts(benchmark::State& st, const std::string& backend, std::string node) {
  auto& l = loaded(backend);
  rectify::Counts c;
  for (auto _ : st) c = l.svc->counts({l.paths.at(node)}, "", now_ms());
  st.counters["total"] = static_cast<double>(c.total);
  st.counters["open"] = static_cast<double>(c.pending + c.rectifying + c.submitted);
  st.counters["overdue"] = static_cast<double>(c.overdue);
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// The export (GET /api/v1/rectifications/export.xlsx) of MANYI_BENCH_EXPORT items of the city:
// the workbook's size, and how much the process's peak memory grew while it was written.
void BM_LedgerExport(benchmark::State& st, const std::string& backend) {
  auto& l = loaded(backend);
  int64_t want = env_int("MANYI_BENCH_EXPORT", 100000);
  // The oldest items are closed ones raised evenly over the year: a window of the year's
  // start holding `want` of them.
  const int64_t n = env_int("MANYI_BENCH_ITEMS", 1000000), n_open = env_int("MANYI_BENCH_OPEN", 200000);
  const int64_t span = 365 * calendar::kDayMs, from = l.start;
  rectify::ListFilter f;
  f.scope = {l.paths.at("CITY")};
  f.from_ms = from;
  f.to_ms = from + static_cast<int64_t>(static_cast<double>(span) * want / static_cast<double>(n - n_open));
  f.limit = 0;
  long before = peak_rss_kb();
  int64_t rows = 0;
  size_t bytes = 0;
  for (auto _ : st) bytes = rectify::ledger_xlsx(*l.svc, f, &rows).size();
  st.counters["rows"] = static_cast<double>(rows);
  st.counters["MB"] = static_cast<double>(bytes) / 1e6;
  st.counters["peak_rss_growth_MB"] = static_cast<double>(peak_rss_kb() - before) / 1024.0;
}

void register_all() {
  for (auto& b : manyi::testing::backends()) {
    for (auto& [name, node] : kViewers) {
      for (auto tab : {"all", "submitted", "overdue"})
        for (int page : {1, 100})
          p95(benchmark::RegisterBenchmark(
                  ("LedgerPage/" + name + "/" + tab + "/page" + std::to_string(page) + "/" + b).c_str(),
                  BM_LedgerPage, b, node, tab, page));
      p95(benchmark::RegisterBenchmark(("LedgerCounts/" + name + "/" + b).c_str(), BM_LedgerCounts, b, node));
    }
    p95(benchmark::RegisterBenchmark(("LedgerExport/" + b).c_str(), BM_LedgerExport, b), 3);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
