// Cases at scale: intake throughput, list pages and the escalation scan over a database
// holding many cases, on SQLite (and PostgreSQL when MANYI_TEST_PG is set), plus the
// working-day arithmetic itself. See bench/README.md for the command and recorded figures.
//
//   MANYI_BENCH_CASES=200000 ./build/cases_bench --benchmark_min_time=2s
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <random>

#include "cases/service.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "org/roles.hpp"
#include "support/testing.hpp"

using namespace manyi;

namespace {

int64_t env_int(const char* name, int64_t def) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : def;
}

const char* kTexts[] = {"护士态度很差，不耐烦", "排队挂号等了两个小时", "收费处多收了检查费", "病房卫生间很脏",
                        "医生收了红包",         "出院手续太繁琐",       "感谢医生耐心细致",   "建议增加自助机"};

// One database per backend with the demo organisation and N cases spread over every
// institution's departments and the last 90 days; made once per process.
struct Loaded {
  std::unique_ptr<store::Db> db;
  std::unique_ptr<cases::CaseService> svc;
  std::map<std::string, std::string> paths;  // node code -> path
  std::vector<int64_t> depts;
};

Loaded& loaded(const std::string& backend) {
  static std::map<std::string, Loaded> all;
  auto it = all.find(backend);
  if (it != all.end()) return it->second;
  Loaded& l = all[backend];
  l.db = store::open(manyi::testing::demo_db_url(backend));
  l.db->migrate();
  l.svc = std::make_unique<cases::CaseService>(*l.db);
  for (auto& r : l.db->query("SELECT code, path, id, kind FROM org_nodes")) {
    l.paths[r.str(0)] = r.str(1);
    if (r.str(3) == "department") l.depts.push_back(r.i64(2));
  }
  int64_t n = env_int("MANYI_BENCH_CASES", 50000);
  std::mt19937_64 rng(7);
  int64_t start = now_ms() - 90LL * calendar::kDayMs;
  const int batch = 1000;
  for (int64_t done = 0; done < n; done += batch) {
    set_fake_now_ms(start + (90LL * calendar::kDayMs) * done / n);
    l.db->write([&](store::Tx& tx) {
      for (int i = 0; i < batch && done + i < n; ++i) {
        cases::NewCase c;
        c.type = i % 10 == 0 ? "suggestion" : "complaint";
        c.channel = "web";
        c.node_id = l.depts[rng() % l.depts.size()];
        c.content = kTexts[rng() % std::size(kTexts)];
        c.complainant_phone = "139" + std::to_string(10000000 + rng() % 89999999);
        cases::open_case(tx, c);
      }
    });
  }
  set_fake_now_ms(0);
  return l;
}

void BM_DeadlineAfterFiveWorkingDays(benchmark::State& st) {
  calendar::Calendar cal;
  for (auto d = *calendar::parse_date("2026-02-15"); d <= *calendar::parse_date("2026-02-23"); ++d)
    cal.set(d, {false, "春节"});
  int64_t t = calendar::day_start(*calendar::parse_date("2026-02-13")) + 36'000'000;
  for (auto _ : st) benchmark::DoNotOptimize(cal.deadline_after(t, 5));
}
BENCHMARK(BM_DeadlineAfterFiveWorkingDays);

// Intake: cases opened per second, one per transaction (the public form) and 100 per
// transaction (a bad-review burst from rating intake).
void BM_OpenCase(benchmark::State& st, const std::string& backend, int per_tx) {
  auto& l = loaded(backend);
  std::mt19937_64 rng(11);
  for (auto _ : st) {
    l.db->write([&](store::Tx& tx) {
      for (int i = 0; i < per_tx; ++i) {
        cases::NewCase c;
        c.type = "complaint";
        c.channel = "mobile";
        c.node_id = l.depts[rng() % l.depts.size()];
        c.content = kTexts[rng() % std::size(kTexts)];
        c.complainant_phone = "13800138000";
        cases::open_case(tx, c);
      }
    });
  }
  st.SetItemsProcessed(st.iterations() * per_tx);
}

// One list page (50, newest first) as different users see it.
void BM_ListPage(benchmark::State& st, const std::string& backend, const std::string& role, const std::string& code,
                 bool overdue) {
  auto& l = loaded(backend);
  cases::ListFilter f;
  auto p = l.paths.at(code);
  f.read_scope = {p};
  if (org::role_has(role, "case.sensitive")) f.sensitive_scope = {p};
  f.overdue = overdue;
  int64_t next = 0;
  size_t rows = 0;
  for (auto _ : st) rows = l.svc->list(f, &next).size();
  st.counters["rows"] = static_cast<double>(rows);
}

void BM_Stats(benchmark::State& st, const std::string& backend, const std::string& code) {
  auto& l = loaded(backend);
  auto p = l.paths.at(code);
  for (auto _ : st) benchmark::DoNotOptimize(l.svc->stats({p}, {p}, "").total);
}

// The escalation scan when nothing is due (the steady state every minute).
void BM_EscalationScanIdle(benchmark::State& st, const std::string& backend) {
  auto& l = loaded(backend);
  l.svc->run_escalations(now_ms());  // catch up once
  for (auto _ : st) benchmark::DoNotOptimize(l.svc->run_escalations(now_ms()));
}

void register_all() {
  for (auto& b : manyi::testing::backends()) {
    benchmark::RegisterBenchmark(("OpenCase/1_per_tx/" + b).c_str(), BM_OpenCase, b, 1)->UseRealTime();
    benchmark::RegisterBenchmark(("OpenCase/100_per_tx/" + b).c_str(), BM_OpenCase, b, 100)->UseRealTime();
    benchmark::RegisterBenchmark(("ListPage/hospital/" + b).c_str(), BM_ListPage, b, "unit_admin", "H001", false);
    benchmark::RegisterBenchmark(("ListPage/department/" + b).c_str(), BM_ListPage, b, "dept_head", "H001-NK", false);
    benchmark::RegisterBenchmark(("ListPage/county/" + b).c_str(), BM_ListPage, b, "bureau_admin", "C2", false);
    benchmark::RegisterBenchmark(("ListPage/city/" + b).c_str(), BM_ListPage, b, "bureau_admin", "CITY", false);
    benchmark::RegisterBenchmark(("ListPage/hospital_overdue/" + b).c_str(), BM_ListPage, b, "unit_admin", "H001",
                                 true);
    benchmark::RegisterBenchmark(("Stats/hospital/" + b).c_str(), BM_Stats, b, "H001");
    benchmark::RegisterBenchmark(("Stats/city/" + b).c_str(), BM_Stats, b, "CITY");
    benchmark::RegisterBenchmark(("EscalationScanIdle/" + b).c_str(), BM_EscalationScanIdle, b);
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
