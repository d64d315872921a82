// Generic metric series (metrics/series.hpp) and targets down the tree (metrics/targets.hpp) on
// SQLite and PostgreSQL: adding and removing, subtree figures at a department, an
// institution, a county and the city, months, quarters and custom periods on Asia/Shanghai
// days, monthly trends, per-child figures for a ranking, batches, rebuilding the tree rows
// after a node moves; targets inherited with overrides, from a month on, following a moved
// node; the migration of satisfaction targets; and the first client, cases.on_time. The
// satisfaction target API over HTTP: tests/integration/metrics_targets_http_test.cpp.
#include <gtest/gtest.h>

#include <random>

#include "cases/service.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/period.hpp"
#include "metrics/series.hpp"
#include "metrics/targets.hpp"
#include "org/roles.hpp"
#include "org/service.hpp"
#include "store/subtree.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::metrics;
namespace s = manyi::metrics::series;
namespace t = manyi::metrics::targets;

namespace {

struct Tree {
  // city → county A → hospital 1 → departments 1a, 1b; county A → hospital 2; city → county B.
  s::Node city, county_a, county_b, hosp1, dept1a, dept1b, hosp2;
};

class MetricsDb : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb = std::make_unique<manyi::testing::TempDb>(GetParam());
    db = tdb->open_migrated();
    db->write([&](store::Tx& tx) {
      tr.city = add(tx, {0, "/"}, "bureau");
      tr.county_a = add(tx, tr.city, "county");
      tr.county_b = add(tx, tr.city, "county");
      tr.hosp1 = add(tx, tr.county_a, "institution");
      tr.dept1a = add(tx, tr.hosp1, "department");
      tr.dept1b = add(tx, tr.hosp1, "department");
      tr.hosp2 = add(tx, tr.county_a, "institution");
    });
  }
  s::Node add(store::Tx& tx, const s::Node& parent, const std::string& kind) {
    int64_t id = ++next;
    std::string path = parent.path + std::to_string(id) + "/";
    tx.exec("INSERT INTO org_nodes(id, parent_id, kind, code, name, path, depth, active, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 0, 1, 0, 0)",
            {id, store::id_or_null(parent.id), kind, "n" + std::to_string(id), "n" + std::to_string(id), path});
    return {id, path};
  }
  // Moves node (and its subtree) under new_parent, rewriting the materialised paths.
  s::Node move(const s::Node& node, const s::Node& new_parent) {
    s::Node moved{node.id, new_parent.path + std::to_string(node.id) + "/"};
    db->write([&](store::Tx& tx) {
      tx.exec("UPDATE org_nodes SET parent_id = ? WHERE id = ?", {new_parent.id, node.id});
      for (auto& r : tx.query("SELECT id, path FROM org_nodes WHERE path >= ? AND path < ?",
                              {node.path, store::subtree_upper(node.path)}))
        tx.exec("UPDATE org_nodes SET path = ? WHERE id = ?", {moved.path + r.str(1).substr(node.path.size()), r.i64(0)});
    });
    return moved;
  }
  void put(const s::Node& n, const std::string& series, int day, s::Delta d, int sign = 1) {
    db->write([&](store::Tx& tx) { s::add(tx, n, series, day, d, sign); });
  }
  s::Figure sub(const s::Node& n, const period::Period& p, const std::string& series = "cases.on_time") {
    return s::subtree(*db, n.id, series, p);
  }

  std::unique_ptr<manyi::testing::TempDb> tdb;
  std::unique_ptr<store::Db> db;
  Tree tr;
  int64_t next = 5000;
};

const period::Period kMar = period::month_period(2025, 3);

}  // namespace

TEST_P(MetricsDb, AddAndRemoveSumUpTheSubtreeAtEveryLevel) {
  put(tr.dept1a, "cases.on_time", 20250303, {1, 0, 1, 1});
  put(tr.dept1a, "cases.on_time", 20250304, {1, 0, 0, 1});
  put(tr.dept1b, "cases.on_time", 20250310, {1, 0, 1, 1});
  put(tr.hosp2, "cases.on_time", 20250311, {1, 0, 1, 1});
  put(tr.county_b, "cases.on_time", 20250312, {1, 0, 0, 1});
  put(tr.dept1a, "rectify.days_to_close", 20250305, {2, 7.5, 0, 0});  // another series does not mix in

  auto dept = sub(tr.dept1a, kMar), hosp = sub(tr.hosp1, kMar), county = sub(tr.county_a, kMar), city = sub(tr.city, kMar);
  EXPECT_EQ(dept.num, 1);
  EXPECT_EQ(dept.den, 2);
  EXPECT_EQ(hosp.den, 3);
  EXPECT_EQ(hosp.num, 2);
  EXPECT_EQ(county.den, 4);
  EXPECT_EQ(county.num, 3);
  EXPECT_DOUBLE_EQ(county.rate(), 0.75);
  EXPECT_EQ(city.den, 5);
  EXPECT_EQ(city.num, 3);
  EXPECT_EQ(city.n, 5);
  EXPECT_EQ(sub(tr.county_b, kMar).den, 1);
  // Own rows are the node's alone.
  EXPECT_EQ(s::own(*db, tr.hosp1.id, "cases.on_time", kMar).den, 0);
  EXPECT_EQ(s::own(*db, tr.county_b.id, "cases.on_time", kMar).den, 1);
  // n and sum: a mean.
  auto days = sub(tr.city, kMar, "rectify.days_to_close");
  EXPECT_EQ(days.n, 2);
  EXPECT_DOUBLE_EQ(days.mean(), 3.75);
  EXPECT_EQ(days.den, 0);

  // Removing (sign -1) takes the observation off every level again.
  put(tr.dept1a, "cases.on_time", 20250304, {1, 0, 0, 1}, -1);
  EXPECT_EQ(sub(tr.dept1a, kMar).den, 1);
  EXPECT_EQ(sub(tr.county_a, kMar).den, 3);
  EXPECT_EQ(sub(tr.city, kMar).den, 4);
  EXPECT_EQ(sub(tr.city, period::custom_period("2025-03-04", "2025-03-04")).den, 0);
  EXPECT_EQ(sub(tr.city, kMar).num, 3);

  // Bad series names and a path that is not the node's are refused.
  EXPECT_THROW(put(tr.dept1a, "on_time", 20250303, {1, 0, 1, 1}), Error);
  EXPECT_THROW(put(tr.dept1a, "Cases.OnTime", 20250303, {1, 0, 1, 1}), Error);
  EXPECT_THROW(put({tr.dept1a.id, tr.hosp1.path}, "cases.on_time", 20250303, {1, 0, 1, 1}), Error);
}

TEST_P(MetricsDb, PeriodsReadMonthAndDayRowsOnShanghaiDays) {
  // 2025-02-28 16:30 UTC is 2025-03-01 00:30 in Asia/Shanghai: it counts in March.
  int64_t just_after_midnight = period::day_start_ms(20250301) + 30 * 60000;
  EXPECT_EQ(period::local_day(just_after_midnight), 20250301);
  put(tr.hosp1, "cases.on_time", period::local_day(just_after_midnight), {1, 0, 1, 1});
  put(tr.hosp1, "cases.on_time", period::local_day(period::day_start_ms(20250301) - 1), {1, 0, 0, 1});  // Feb 28th
  put(tr.hosp1, "cases.on_time", 20250120, {1, 0, 1, 1});
  put(tr.hosp1, "cases.on_time", 20250415, {1, 0, 1, 1});
  put(tr.hosp1, "cases.on_time", 20250701, {1, 0, 0, 1});

  EXPECT_EQ(sub(tr.county_a, period::month_period(2025, 3)).num, 1);
  EXPECT_EQ(sub(tr.county_a, period::month_period(2025, 3)).den, 1);
  EXPECT_EQ(sub(tr.county_a, period::month_period(2025, 2)).num, 0);
  EXPECT_EQ(sub(tr.county_a, period::month_period(2025, 2)).den, 1);
  EXPECT_EQ(sub(tr.city, period::quarter_period(2025, 1)).den, 3);
  EXPECT_EQ(sub(tr.city, period::quarter_period(2025, 1)).num, 2);
  EXPECT_EQ(sub(tr.city, period::quarter_period(2025, 2)).den, 1);
  EXPECT_EQ(sub(tr.city, period::year_period(2025)).den, 5);
  // A custom span: part of January, the whole of February and March, part of April.
  auto custom = period::custom_period("2025-01-20", "2025-04-14");
  EXPECT_EQ(sub(tr.city, custom).den, 3);  // Jan 20th, Feb 28th, Mar 1st; not Apr 15th
  EXPECT_EQ(sub(tr.city, period::custom_period("2025-01-21", "2025-04-15")).den, 3);  // Feb, Mar, Apr 15th
  EXPECT_EQ(sub(tr.city, period::custom_period("2025-02-28", "2025-03-01")).den, 2);

  auto trend = s::trend(*db, tr.city.id, "cases.on_time", 202501, 202506);
  ASSERT_EQ(trend.size(), 6u);
  EXPECT_EQ(trend[0].first, 202501);
  EXPECT_EQ(trend[0].second.den, 1);
  EXPECT_EQ(trend[1].second.den, 1);
  EXPECT_EQ(trend[1].second.num, 0);
  EXPECT_EQ(trend[2].second.num, 1);
  EXPECT_EQ(trend[4].first, 202505);
  EXPECT_EQ(trend[4].second.den, 0);  // an empty month is listed
  EXPECT_EQ(trend[5].second.den, 0);
  EXPECT_EQ(s::trend(*db, tr.county_b.id, "cases.on_time", 202501, 202512).size(), 12u);
}

TEST_P(MetricsDb, PerChildFiguresFeedTheRanking) {
  // Hospital 1: 28 of 30 on time; hospital 2: 10 of 10 (a higher rate, a lower Wilson bound).
  db->write([&](store::Tx& tx) {
    s::Batch b;
    for (int i = 0; i < 30; ++i) b.add(i % 2 ? tr.dept1a : tr.dept1b, "cases.on_time", 20250305, {1, 0, i < 28 ? 1 : 0, 1});
    for (int i = 0; i < 10; ++i) b.add(tr.hosp2, "cases.on_time", 20250306, {1, 0, 1, 1});
    b.write(tx);
    EXPECT_TRUE(b.empty());
  });
  auto figs = s::per_node(*db, {tr.hosp1.id, tr.hosp2.id, tr.county_b.id}, "cases.on_time", kMar);
  ASSERT_EQ(figs.size(), 3u);
  EXPECT_EQ(figs[tr.hosp1.id].den, 30);
  EXPECT_EQ(figs[tr.hosp1.id].num, 28);
  EXPECT_EQ(figs[tr.hosp2.id].den, 10);
  EXPECT_EQ(figs[tr.county_b.id].den, 0);
  // A batch writes what the single adds would: the city sums everything once.
  EXPECT_EQ(sub(tr.city, kMar).den, 40);
  EXPECT_EQ(sub(tr.county_a, kMar).num, 38);
  std::vector<ranking::Measure> m = {s::rate_measure(figs[tr.hosp1.id]), s::rate_measure(figs[tr.hosp2.id]),
                                     s::rate_measure(figs[tr.county_b.id])};
  auto places = ranking::rank(m, 5);
  ASSERT_EQ(places.size(), 3u);
  EXPECT_EQ(places[0].index, 0u);  // 28/30 has the higher lower bound
  EXPECT_EQ(places[0].rank, 1);
  EXPECT_EQ(places[1].index, 1u);
  EXPECT_EQ(places[1].rank, 2);
  EXPECT_EQ(places[2].rank, 0);  // no data: not ranked
}

TEST_P(MetricsDb, RebuildAfterAMoveEqualsABruteForceSum) {
  std::mt19937_64 rng(12);
  std::vector<s::Node> nodes = {tr.city, tr.county_a, tr.county_b, tr.hosp1, tr.dept1a, tr.dept1b, tr.hosp2};
  std::map<int64_t, std::pair<int64_t, int64_t>> own;  // node -> (num, den) in March
  db->write([&](store::Tx& tx) {
    s::Batch b;
    for (int i = 0; i < 300; ++i) {
      auto& n = nodes[rng() % nodes.size()];
      int on_time = rng() % 4 ? 1 : 0;
      b.add(n, "cases.on_time", 20250301 + static_cast<int>(rng() % 28), {1, 0, on_time, 1});
      own[n.id].first += on_time;
      own[n.id].second += 1;
    }
    b.write(tx);
  });
  auto expect_sums = [&](const std::string& why) {
    for (auto& r : db->query("SELECT id, path FROM org_nodes")) {
      int64_t num = 0, den = 0;
      for (auto& [id, c] : own) {
        auto ids = org::Path(db->query("SELECT path FROM org_nodes WHERE id = ?", {id})[0].str(0)).ids();
        if (std::find(ids.begin(), ids.end(), r.i64(0)) == ids.end()) continue;
        num += c.first;
        den += c.second;
      }
      auto f = s::subtree(*db, r.i64(0), "cases.on_time", kMar);
      EXPECT_EQ(f.num, num) << why << " node " << r.str(1);
      EXPECT_EQ(f.den, den) << why << " node " << r.str(1);
    }
  };
  expect_sums("written");
  // Hospital 1 moves from county A to county B; the rebuild moves its figures with it.
  move(tr.hosp1, tr.county_b);
  EXPECT_GT(s::rebuild_tree(*db), 0);
  expect_sums("rebuilt");
  EXPECT_EQ(sub(tr.county_b, kMar).den, own[tr.county_b.id].second + own[tr.hosp1.id].second + own[tr.dept1a.id].second +
                                            own[tr.dept1b.id].second);
}

TEST_P(MetricsDb, TargetsAreInheritedWithOverridesFromAMonthOn) {
  int64_t now = 1735689600000;
  db->write([&](store::Tx& tx) {
    t::set(tx, tr.city.id, "cases.on_time", 0, 0.90, 0, now);
    t::set(tx, tr.county_a.id, "cases.on_time", 0, 0.95, 0, now);
    t::set(tx, tr.city.id, "cases.on_time", 202507, 0.92, 0, now);    // the city raises it from July
    t::set(tx, tr.hosp2.id, "cases.on_time", 202510, 0.99, 0, now);   // hospital 2 gets its own from October
    t::set(tx, tr.city.id, "rectify.on_time", 0, 0.80, 0, now);       // another series
  });
  auto value = [&](const s::Node& n, int month) {
    auto r = t::resolve(*db, "cases.on_time", n.path, month);
    return r ? r->value : -1.0;
  };
  EXPECT_DOUBLE_EQ(value(tr.city, 202501), 0.90);
  EXPECT_DOUBLE_EQ(value(tr.city, 202507), 0.92);
  EXPECT_DOUBLE_EQ(value(tr.county_b, 202506), 0.90);  // inherited from the city
  EXPECT_DOUBLE_EQ(value(tr.county_b, 202508), 0.92);
  EXPECT_DOUBLE_EQ(value(tr.county_a, 202508), 0.95);  // its override holds
  EXPECT_DOUBLE_EQ(value(tr.dept1a, 202508), 0.95);    // the nearest ancestor's
  EXPECT_DOUBLE_EQ(value(tr.hosp2, 202509), 0.95);     // its own starts later: inherited until then
  EXPECT_DOUBLE_EQ(value(tr.hosp2, 202510), 0.99);
  auto r = t::resolve(*db, "cases.on_time", tr.dept1a.path, 202508);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->node_id, tr.county_a.id);
  EXPECT_FALSE(t::resolve(*db, "cases.unknown", tr.dept1a.path, 202508));
  EXPECT_DOUBLE_EQ(t::resolve(*db, "rectify.on_time", tr.dept1a.path)->value, 0.80);

  // The loaded table resolves exactly as the per-path read.
  auto table = t::Table::load(*db, "cases.on_time");
  for (auto& n : {tr.city, tr.county_a, tr.county_b, tr.hosp1, tr.dept1a, tr.dept1b, tr.hosp2})
    for (int m : {202501, 202507, 202510, t::kAlways})
      EXPECT_DOUBLE_EQ(table.resolve(n.path, m)->value, value(n, m)) << n.path << " " << m;

  // Hospital 1 moves under county B: it inherits county B's (the city's) target from then on.
  auto moved = move(tr.hosp1, tr.county_b);
  s::Node dept_moved{tr.dept1a.id, moved.path + std::to_string(tr.dept1a.id) + "/"};
  EXPECT_DOUBLE_EQ(value(moved, 202508), 0.92);
  EXPECT_DOUBLE_EQ(value(dept_moved, 202501), 0.90);
  // Clearing county A's override: its subtree takes the city's again.
  db->write([&](store::Tx& tx) {
    EXPECT_EQ(t::own(tx, tr.county_a.id, "cases.on_time", 0), 0.95);
    EXPECT_TRUE(t::clear(tx, tr.county_a.id, "cases.on_time", 0));
    EXPECT_FALSE(t::clear(tx, tr.county_a.id, "cases.on_time", 0));
    EXPECT_FALSE(t::own(tx, tr.county_a.id, "cases.on_time", 0));
  });
  EXPECT_DOUBLE_EQ(value(tr.hosp2, 202508), 0.92);
}

INSTANTIATE_TEST_SUITE_P(Db, MetricsDb, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

// ---- the migration of satisfaction targets ----
class MetricsMigration : public ::testing::TestWithParam<std::string> {};

TEST_P(MetricsMigration, SatisfactionTargetsMoveOntoTheGenericTable) {
  manyi::testing::TempDb tdb(GetParam());
  auto db = store::open(tdb.url());
  db->migrate_to(20);
  db->write([&](store::Tx& tx) {
    for (int64_t id : {7001, 7002, 7003})
      tx.exec("INSERT INTO org_nodes(id, parent_id, kind, code, name, path, depth, active, created_at, updated_at) "
              "VALUES (?, NULL, 'bureau', ?, ?, ?, 0, 1, 0, 0)",
              {id, "c" + std::to_string(id), "n", "/" + std::to_string(id) + "/"});
    tx.exec("INSERT INTO satisfaction_targets(node_id, target, followup_target, updated_at, updated_by) VALUES "
            "(7001, 0.93, NULL, 11, NULL), (7002, 0.88, 0.8, 12, 5), (7003, 0.9, 0.75, 13, NULL)");
  });
  db->migrate();
  auto rows = db->query("SELECT node_id, series, effective_from, target, updated_at, updated_by FROM metric_targets "
                        "ORDER BY series, node_id");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].str(1), "satisfaction.followup");
  EXPECT_EQ(rows[0].i64(0), 7002);
  EXPECT_DOUBLE_EQ(rows[0].f64(3), 0.8);
  EXPECT_EQ(rows[1].i64(0), 7003);
  EXPECT_DOUBLE_EQ(rows[1].f64(3), 0.75);
  EXPECT_EQ(rows[2].str(1), "satisfaction.rate");
  EXPECT_EQ(rows[2].i64(0), 7001);
  EXPECT_DOUBLE_EQ(rows[2].f64(3), 0.93);
  EXPECT_EQ(rows[2].i64(2), 0);
  EXPECT_EQ(rows[2].i64(4), 11);
  EXPECT_TRUE(rows[2].null(5));
  EXPECT_EQ(rows[3].i64(5), 5);
  EXPECT_DOUBLE_EQ(rows[4].f64(3), 0.9);
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM metric_rollups")).value_or(-1), 0);
}

INSTANTIATE_TEST_SUITE_P(Db, MetricsMigration, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);

// ---- the first client: cases closed on time ----
class CasesOnTime : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    set_fake_now_ms(at(20260213, 10));
    db = store::open(manyi::testing::demo_db_url(GetParam()));
    db->migrate();
    org = std::make_unique<org::OrgService>(*db);
    svc = std::make_unique<cases::CaseService>(*db);
  }
  void TearDown() override {
    svc.reset();
    set_fake_now_ms(0);
  }
  static int64_t at(int ymd, int h) { return period::day_start_ms(ymd) + h * 3600000LL; }
  org::Node node(const std::string& code) { return org->node_by_code(code).value(); }
  cases::Who handler() {
    auto p = node("H001").path;
    return {{org->user_by_name("handler").value().id, "handler", "127.0.0.1"},
            "handler",
            [p](const std::string& perm, const std::string& target) {
              return org::role_has("handler", perm) && target.rfind(p, 0) == 0;
            }};
  }
  cases::Case open(const std::string& type, const std::string& code) {
    cases::NewCase c;
    c.type = type;
    c.channel = "web";
    c.node_id = node(code).id;
    c.content = "内容";
    c.complainant_name = "张三";
    c.complainant_phone = "138 1234 5678";
    return *svc->find(svc->open(c).id);
  }
  s::Figure fig(const std::string& code, int day) {
    return s::subtree(*db, node(code).id, "cases.on_time", period::custom_period(fmt_day(day), fmt_day(day)));
  }
  static std::string fmt_day(int d) { return std::to_string(d / 10000) + "-" + std::to_string(d / 100 % 100 + 100).substr(1) + "-" +
                                             std::to_string(d % 100 + 100).substr(1); }

  std::unique_ptr<store::Db> db;
  std::unique_ptr<org::OrgService> org;
  std::unique_ptr<cases::CaseService> svc;
};

TEST_P(CasesOnTime, AClosedCaseCountsOnceForItsUnitInTime) {
  auto h1 = fig("H001", 20260213), h2 = fig("H002", 20260213), city = fig("CITY", 20260213);
  auto nk = s::own(*db, node("H001-NK").id, "cases.on_time", period::custom_period("2026-02-13", "2026-02-13"));
  // A praise closed at once: in time, for its unit H001 (not the department).
  auto p = open("praise", "H001-NK");
  p = svc->close(handler(), p.id, "已转达科室");
  ASSERT_EQ(p.status, "closed");
  EXPECT_FALSE(p.late);
  EXPECT_EQ(fig("H001", 20260213).den, h1.den + 1);
  EXPECT_EQ(fig("H001", 20260213).num, h1.num + 1);
  EXPECT_EQ(fig("CITY", 20260213).den, city.den + 1);
  EXPECT_EQ(fig("H002", 20260213).den, h2.den);
  EXPECT_EQ(s::own(*db, node("H001-NK").id, "cases.on_time", period::custom_period("2026-02-13", "2026-02-13")).den, nk.den);

  // A complaint counts when its callback closes it, not when it is answered; once.
  auto c = open("complaint", "H001-NK");
  c = svc->accept(handler(), c.id, std::nullopt);
  cases::ReplyInput r;
  r.reply = "已核实并整改。";
  r.outcome = "unsubstantiated";
  c = svc->reply(handler(), c.id, r);
  ASSERT_EQ(c.status, "replied");
  EXPECT_EQ(fig("H001", 20260213).den, h1.den + 1);
  c = svc->callback(handler(), c.id, "satisfied", "");
  ASSERT_EQ(c.status, "closed");
  EXPECT_EQ(fig("H001", 20260213).den, h1.den + 2);
  EXPECT_EQ(fig("H001", 20260213).num, h1.num + 2);

  // A praise closed after its deadline: 0 of 1, on the day it closed.
  auto late = open("praise", "H001-NK");
  set_fake_now_ms(at(20260420, 10));
  auto before = fig("H001", 20260420);
  late = svc->close(handler(), late.id, "已转达");
  EXPECT_TRUE(late.late);
  EXPECT_EQ(fig("H001", 20260420).den, before.den + 1);
  EXPECT_EQ(fig("H001", 20260420).num, before.num);
  EXPECT_EQ(fig("H001", 20260213).den, h1.den + 2);
}

INSTANTIATE_TEST_SUITE_P(Db, CasesOnTime, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

