// Cases at scale: intake throughput, list pages, the inbox counts and the escalation scan over
// a database holding many cases, on SQLite (and PostgreSQL when MANYI_TEST_PG is set), plus the
// working-day arithmetic itself. See bench/README.md for the commands and recorded figures.
//
//   MANYI_BENCH_CASES=50000 ./build/cases_bench                       # cases opened one by one
//   MANYI_BENCH_CASES=1000000 MANYI_BENCH_OPEN=200000 ./build/cases_bench --benchmark_filter=Inbox
//
// With MANYI_BENCH_OPEN set the cases are bulk-loaded (Tx::insert_rows) instead of opened one by
// one: spread over every department of the demo organisation and two years, MANYI_BENCH_OPEN of
// them open (pending / processing / waiting) with levels and deadlines as the escalation scan
// would have left them, the rest replied, closed, rejected or merged; one history row each.
// The Inbox* and Escalation* benchmarks time single calls (Iterations(1), MANYI_BENCH_REPS
// repetitions, default 30; at most 10 for the escalation pass with work) and report the median
// and p95 of those calls.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

#include "cases/service.hpp"
#include "workflow/calendar_store.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "org/roles.hpp"
#include "support.hpp"
#include "support/testing.hpp"

using namespace manyi;
using manyi::bench::env_int;
using manyi::bench::p95;

namespace {


const char* kTexts[] = {"护士态度很差，不耐烦", "排队挂号等了两个小时", "收费处多收了检查费", "病房卫生间很脏",
                        "医生收了红包",         "出院手续太繁琐",       "感谢医生耐心细致",   "建议增加自助机"};

struct Dept {
  int64_t id = 0;
  std::string path;
  int64_t unit_id = 0;
  std::string unit_path;
  std::string code;
};

// One database per backend with the demo organisation and N cases; made once per process.
struct Loaded {
  std::unique_ptr<store::Db> db;
  std::unique_ptr<cases::CaseService> svc;
  std::map<std::string, std::string> paths;  // node code -> path
  std::map<std::string, int64_t> node_ids;   // node code -> id
  std::map<std::string, int64_t> users;      // username -> id
  std::vector<int64_t> depts;
  std::vector<int64_t> due;  // bulk load: open cases the escalation bench puts one step behind
};

constexpr int64_t kIdEpochMs = 1577836800000LL;  // core/id: ms since 2020-01-01 UTC

// Puts the chosen cases one escalation step behind (level - 1, next check = the point they
// crossed), as if the clock had just passed their warn / deadline / supervise time.
void set_behind(store::Db& db, const std::vector<int64_t>& ids) {
  for (size_t at = 0; at < ids.size(); at += 500) {
    std::string in;
    store::Params p;
    for (size_t i = at; i < std::min(ids.size(), at + 500); ++i) {
      in += in.empty() ? "?" : ",?";
      p.push_back(ids[i]);
    }
    db.write([&](store::Tx& tx) {
      tx.exec("UPDATE cases SET level = level - 1, next_check_at = CASE level WHEN 1 THEN warn_at WHEN 2 THEN "
              "deadline_at ELSE supervise_at END WHERE id IN (" + in + ")",
              p);
    });
  }
}

void bulk_load(Loaded& l, int64_t n, int64_t n_open) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<Dept> depts;
  for (auto& r : l.db->query("SELECT d.id, d.path, u.id, u.path, d.code FROM org_nodes d JOIN org_nodes u ON u.id = "
                             "d.parent_id WHERE d.kind = 'department' AND u.kind = 'institution' ORDER BY d.id"))
    depts.push_back({r.i64(0), r.str(1), r.i64(2), r.str(3), r.str(4)});
  auto cal = workflow::load_calendar(*l.db);
  std::map<std::string, cases::Sla> slas;
  for (auto& s : l.svc->slas()) slas[s.type] = s;
  std::vector<std::string> cats;
  for (auto& c : l.svc->categories())
    if (!c.sensitive && c.active) cats.push_back(c.code);
  std::vector<std::string> channels;
  for (auto& c : cases::channels()) channels.push_back(c.code);
  const int64_t hosp1 = l.users.at("hosp1"), dept_user = l.users.at("dept");
  const int64_t h001 = l.node_ids.at("H001"), nk = l.node_ids.at("H001-NK");

  const int64_t now = now_ms(), day = calendar::kDayMs;
  const int64_t span = 730 * day, start = now - span, step = span / n;
  // Open cases: 95% of the last 30 days, the rest spread over the 11 months before; nothing
  // older than a year is still open.
  const int64_t recent = std::min<int64_t>(n, 30 * day / step), mid = std::min<int64_t>(n, 365 * day / step) - recent;
  const double p_recent = std::min(0.95, static_cast<double>(n_open) / std::max<int64_t>(1, recent));
  const double p_mid = mid > 0 ? std::clamp((n_open - p_recent * recent) / static_cast<double>(mid), 0.0, 1.0) : 0;
  const int64_t due_every = std::max<int64_t>(1, n_open / std::max<int64_t>(1, env_int("MANYI_BENCH_DUE", 2000)));

  const std::vector<std::string> cols = {
      "id",         "tracking_code",  "type",          "channel",        "status",        "node_id",      "node_path",
      "unit_id",    "owner_node_id",  "owner_path",    "transfer_to_node_id", "transfer_to_path", "assignee_id",
      "category",   "sensitive",      "multi_dept",    "content",        "phone_mask",    "phone_hash",   "received_at",
      "sla_days",   "warn_at",        "deadline_at",   "supervise_at",   "paused_at",     "level",        "next_check_at",
      "replied_at", "late",           "callback_result", "closed_at",    "created_at",    "updated_at"};
  const std::vector<std::string> ev_cols = {"id", "case_id", "at", "actor_name", "action", "status", "node_id", "note",
                                            "public"};
  const bool events = env_int("MANYI_BENCH_EVENTS", 1) != 0;
  std::mt19937_64 rng(7);
  auto uni = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  auto null_or = [](bool has, int64_t v) { return has ? store::Value(v) : store::Value(nullptr); };
  static const char kB32[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  const int64_t batch = 20000;
  int64_t opened = 0;
  for (int64_t done = 0; done < n; done += batch) {
    std::vector<store::Params> rows, evs;
    for (int64_t i = done; i < std::min(n, done + batch); ++i) {
      int64_t t = start + i * step + static_cast<int64_t>(rng() % static_cast<uint64_t>(std::max<int64_t>(1, step / 2)));
      int64_t id = ((t - kIdEpochMs) << 22) | (777 << 12) | (i & 4095);
      std::string code = "B";
      for (int64_t k = i, d = 0; d < 9; ++d, k /= 32) code += kB32[k % 32];
      double r = uni();
      std::string type = r < 0.55   ? "complaint"
                         : r < 0.75 ? "bad_review"
                         : r < 0.85 ? "suggestion"
                         : r < 0.92 ? "hotline"
                         : r < 0.97 ? "report"
                                    : "praise";
      const auto& s = slas.at(type);
      const Dept& d = depts[rng() % depts.size()];
      bool about_unit = uni() < 0.1;
      bool sensitive = (type == "complaint" || type == "report") && uni() < 0.03;
      std::string cat = sensitive ? "ethics" : cats[rng() % cats.size()];
      bool multi = uni() < 0.05;
      int sla_days = multi ? s.multi_days : s.reply_days;
      int64_t deadline = cal.deadline_after(t, sla_days);
      int64_t span_w = cal.working_ms(t, deadline);
      int64_t warn = cal.add_working_ms(t, static_cast<int64_t>(std::llround(s.warn_ratio * span_w)));
      int64_t supervise = cal.deadline_after(deadline, s.bureau_after_days);
      int64_t age = now - t;
      bool open = age <= 30 * day ? uni() < p_recent : age <= 365 * day ? uni() < p_mid : false;
      std::string status;
      if (open) {
        double o = uni();
        status = o < 0.3 ? "pending" : o < 0.9 ? "processing" : "waiting";
      } else {
        double o = uni();
        status = o < 0.05 ? "replied" : o < 0.93 ? "closed" : o < 0.98 ? "rejected" : "merged";
      }
      int64_t owner_id = d.unit_id;
      std::string owner_path = d.unit_path;
      if (!sensitive && status != "pending" && uni() < 0.5) {
        owner_id = d.id;  // dispatched to the department
        owner_path = d.path;
      }
      int64_t node_id = about_unit ? d.unit_id : d.id;
      std::string node_path = about_unit ? d.unit_path : d.path;
      bool transfer = open && status != "waiting" && uni() < 0.005;
      const Dept& to = depts[rng() % depts.size()];
      int64_t assignee = 0;
      if (status != "pending") {
        if (owner_id == nk && uni() < 0.5) assignee = dept_user;
        else if (owner_id == h001 && uni() < 0.3) assignee = hosp1;
      }
      int64_t paused = status == "waiting" ? t + day : 0;
      int level = 0;
      int64_t check = 0;
      int64_t replied = 0, closed = 0;
      bool late = false;
      std::string callback;
      if (open) {
        int64_t at = paused ? paused : now;
        level = at >= supervise ? 3 : at >= deadline ? 2 : at >= warn ? 1 : 0;
        if (!paused) check = level == 0 ? warn : level == 1 ? deadline : level == 2 ? supervise : 0;
        if (!paused && level > 0 && opened % due_every == 0) l.due.push_back(id);
        ++opened;
      } else {
        replied = t + day / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(9 * day));
        if (replied > now) replied = now;
        late = replied > deadline;
        level = replied >= supervise ? 3 : replied >= deadline ? 2 : replied >= warn ? 1 : 0;
        if (status == "closed") {
          closed = std::min(now, replied + 2 * day);
          double cb = uni();
          callback = cb < 0.6 ? "satisfied" : cb < 0.85 ? "basically_satisfied" : cb < 0.95 ? "unsatisfied" : "";
        }
        if (status == "rejected" || status == "merged") {
          closed = replied;
          replied = 0;
          late = false;
        }
      }
      char phone[16];
      std::snprintf(phone, sizeof phone, "139****%04d", static_cast<int>(rng() % 10000));
      char hash[24];
      std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(rng()));
      rows.push_back({id,
                      code,
                      type,
                      channels[rng() % channels.size()],
                      status,
                      node_id,
                      node_path,
                      d.unit_id,
                      owner_id,
                      owner_path,
                      null_or(transfer, to.id),
                      transfer ? store::Value(to.path) : store::Value(nullptr),
                      null_or(assignee != 0, assignee),
                      cat,
                      int64_t{sensitive},
                      int64_t{multi},
                      std::string(kTexts[rng() % std::size(kTexts)]),
                      std::string(phone),
                      std::string(hash),
                      t,
                      int64_t{sla_days},
                      warn,
                      deadline,
                      supervise,
                      null_or(paused != 0, paused),
                      int64_t{level},
                      null_or(check != 0, check),
                      null_or(replied != 0, replied),
                      int64_t{late},
                      callback,
                      null_or(closed != 0, closed),
                      t,
                      std::max({t, replied, closed, paused})});
      if (events)
        evs.push_back({id, id, t, std::string("群众"), std::string("register"), std::string("pending"), owner_id,
                       std::string("投诉（网站）"), int64_t{1}});
    }
    l.db->write([&](store::Tx& tx) {
      tx.insert_rows("cases", cols, rows);
      if (events) tx.insert_rows("case_events", ev_cols, evs);
    });
  }
  // What autovacuum does soon after a bulk load (statistics, visibility map for index-only scans).
  if (l.db->backend() == store::Backend::postgres) l.db->query("VACUUM (ANALYZE) cases");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "[%s] bulk-loaded %lld cases (%lld open, %zu to escalate) in %.1f s (%.0f cases/s)\n",
               l.db->backend() == store::Backend::postgres ? "postgres" : "sqlite", static_cast<long long>(n),
               static_cast<long long>(opened), l.due.size(), secs, n / secs);
}

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
    l.node_ids[r.str(0)] = r.i64(2);
    if (r.str(3) == "department") l.depts.push_back(r.i64(2));
  }
  for (auto& r : l.db->query("SELECT username, id FROM users")) l.users[r.str(0)] = r.i64(1);
  int64_t n = env_int("MANYI_BENCH_CASES", 50000);
  int64_t n_open = env_int("MANYI_BENCH_OPEN", 0);
  if (n_open > 0) {
    bulk_load(l, n, n_open);
    return l;
  }
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

// ---- the inbox at scale: what GET /api/v1/cases and /api/v1/case-reports/counts run ----

// A user as the inbox sees them: case.read (and case.sensitive when the role has it) on the
// node of their grant.
struct Viewer {
  std::string user, role, node;
};
const Viewer kHospital{"hosp1", "unit_admin", "H001"}, kDepartment{"dept", "dept_head", "H001-NK"},
    kBureau{"bureau", "bureau_admin", "CITY"};

// The inbox tabs (CaseInboxView.vue tabQuery): my unit = everything in scope, overdue,
// due soon (level >= 1, the page drops level 2+), mine; "unit" = the bureau's or an admin's
// list narrowed to one institution (?node=H001).
cases::ListFilter inbox_filter(Loaded& l, const Viewer& v, const std::string& tab) {
  cases::ListFilter f;
  auto p = l.paths.at(v.node);
  f.read_scope = {p};
  if (org::role_has(v.role, "case.sensitive")) f.sensitive_scope = {p};
  f.limit = 30;  // the inbox's PAGE_SIZE
  if (tab == "overdue") f.overdue = true;
  if (tab == "due_soon") f.min_level = 1;
  if (tab == "supervised") f.min_level = 3;
  if (tab == "mine") f.assignee_id = l.users.at(v.user);
  if (tab == "node_H001") f.node_path = l.paths.at("H001");
  return f;
}


// Page 1 or page N of a tab: the cursor of page N is found once by following next_cursor
// (outside the timing), as the console's "next page" does.
void BM_InboxPage(benchmark::State& st, const std::string& backend, Viewer v, std::string tab, int page) {
  auto& l = loaded(backend);
  static std::map<std::string, std::pair<int64_t, int>> cursors;  // cursor, page it opens
  auto f = inbox_filter(l, v, tab);
  std::string key = backend + v.user + tab + std::to_string(page);
  if (!cursors.count(key)) {
    int64_t next = 0;
    int at = 1;
    for (; at < page; ++at) {  // a tab with fewer pages: its last page
      l.svc->list(f, &next);
      if (!next) break;
      f.cursor = next;
    }
    cursors[key] = {f.cursor, at};
  }
  f.cursor = cursors[key].first;
  size_t rows = 0;
  int64_t next = 0;
  for (auto _ : st) rows = l.svc->list(f, &next).size();
  st.counters["rows"] = static_cast<double>(rows);
  st.counters["page"] = cursors[key].second;
}

void BM_InboxCounts(benchmark::State& st, const std::string& backend, Viewer v) {
  auto& l = loaded(backend);
  auto p = l.paths.at(v.node);
  std::vector<std::string> sens;
  if (org::role_has(v.role, "case.sensitive")) sens = {p};
  cases::InboxCounts n;
  for (auto _ : st) n = l.svc->inbox_counts({p}, sens, "", l.users.at(v.user));
  st.counters["open"] = static_cast<double>(n.unit);
  st.counters["overdue"] = static_cast<double>(n.overdue);
  st.counters["due_soon"] = static_cast<double>(n.due_soon);
}

// One escalation pass that finds work: before each timed pass the same cases (MANYI_BENCH_DUE,
// default 2000, spread over the open ones) are put one step behind, so every pass raises each
// of them once (event, notification, audit entry).
void BM_EscalationScanDue(benchmark::State& st, const std::string& backend) {
  auto& l = loaded(backend);
  int steps = 0;
  for (auto _ : st) {
    st.PauseTiming();
    set_behind(*l.db, l.due);
    st.ResumeTiming();
    steps = l.svc->run_escalations(now_ms());
  }
  st.counters["steps"] = steps;
}

void BM_EscalationScanIdleScale(benchmark::State& st, const std::string& backend) {
  auto& l = loaded(backend);
  l.svc->run_escalations(now_ms());
  for (auto _ : st) benchmark::DoNotOptimize(l.svc->run_escalations(now_ms()));
}

void register_all() {
  bool scale = env_int("MANYI_BENCH_OPEN", 0) > 0;
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
    if (!scale) continue;
    const std::vector<std::pair<std::string, Viewer>> viewers = {
        {"hospital", kHospital}, {"department", kDepartment}, {"bureau", kBureau}};
    for (auto& [name, v] : viewers) {
      std::vector<std::string> tabs = {"unit", "overdue", "due_soon", "mine"};
      if (name == "bureau") tabs = {"unit", "overdue", "due_soon", "supervised", "node_H001"};
      for (auto& tab : tabs)
        for (int page : {1, 100})
          p95(benchmark::RegisterBenchmark(
              ("InboxPage/" + name + "/" + tab + "/page" + std::to_string(page) + "/" + b).c_str(),
              BM_InboxPage, b, v, tab, page));
      p95(benchmark::RegisterBenchmark(("InboxCounts/" + name + "/" + b).c_str(), BM_InboxCounts, b, v));
    }
    p95(benchmark::RegisterBenchmark(("EscalationScan/due/" + b).c_str(), BM_EscalationScanDue, b), 10);
    p95(benchmark::RegisterBenchmark(("EscalationScan/idle/" + b).c_str(), BM_EscalationScanIdleScale, b));
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
