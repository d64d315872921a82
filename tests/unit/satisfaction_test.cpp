// Satisfaction figures: rate formulas (whether 基本满意 counts), 0–100 mean score, Wilson
// interval, periods, ranking by the lower bound with a minimum n, and subtree aggregation of
// the rollups checked against a brute-force count of random ratings on both databases.
#include <gtest/gtest.h>

#include <random>

#include "core/error.hpp"
#include "http/router.hpp"
#include "metrics/satisfaction.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::metrics;
using namespace manyi::period;

TEST(Satisfaction, RateCountsSatisfiedLevelsPerTemplateRule) {
  Counts strict, lenient;
  std::array<int64_t, 5> c = {1, 2, 3, 4, 10};  // 20 responses
  int64_t total = 1 * 1 + 2 * 2 + 3 * 3 + 4 * 4 + 5 * 10;
  add_counts(strict, 20, c, total, 4);
  add_counts(lenient, 20, c, total, 3);
  EXPECT_DOUBLE_EQ(figure(strict).rate, 14.0 / 20);   // (满意 + 非常满意) / valid
  EXPECT_DOUBLE_EQ(figure(lenient).rate, 17.0 / 20);  // 基本满意 counts too
  // Mean score: mean level 80/20 = 4.0 → (4 - 1) / 4 * 100 = 75.
  EXPECT_DOUBLE_EQ(figure(strict).mean_score, 75.0);
  // Two templates with different rules add up per template.
  Counts both;
  add_counts(both, 20, c, total, 4);
  add_counts(both, 20, c, total, 3);
  EXPECT_EQ(figure(both).satisfied, 14 + 17);
  EXPECT_EQ(figure(both).n, 40);
  EXPECT_EQ(figure(Counts{}).n, 0);
  EXPECT_DOUBLE_EQ(figure(Counts{}).rate, 0);
}

TEST(Satisfaction, WilsonIntervalMatchesKnownValues) {
  // Reference values (z = 1.96): 81/100 → [0.7222, 0.8749]; 0/10 → [0, 0.2775]; 10/10 → [0.7225, 1].
  auto a = wilson(81, 100);
  EXPECT_NEAR(a.low, 0.7222, 5e-4);
  EXPECT_NEAR(a.high, 0.8749, 5e-4);
  auto b = wilson(0, 10);
  EXPECT_NEAR(b.low, 0.0, 1e-9);
  EXPECT_NEAR(b.high, 0.2775, 5e-4);
  auto c = wilson(10, 10);
  EXPECT_NEAR(c.low, 0.7225, 5e-4);
  EXPECT_NEAR(c.high, 1.0, 1e-9);
  auto none = wilson(0, 0);
  EXPECT_EQ(none.low, 0);
  EXPECT_EQ(none.high, 1);
  // More data, narrower interval around the same rate.
  auto small = wilson(9, 10), big = wilson(900, 1000);
  EXPECT_LT(big.high - big.low, small.high - small.low);
}

TEST(Satisfaction, RankingUsesTheLowerBoundAndHidesSmallUnits) {
  auto entry = [](int64_t id, int64_t k, int64_t n) {
    RankEntry e;
    e.node_id = id;
    Counts c;
    c.n = n;
    c.satisfied = k;
    c.c[4] = k;
    c.c[0] = n - k;
    c.total = 5 * k + (n - k);
    e.fig = figure(c);
    return e;
  };
  // Unit 1: 29/29 = 100% but n below 30 → not ranked. Unit 2: 95/100. Unit 3: 930/1000
  // (lower rate, but a tighter interval puts its lower bound above unit 2's).
  std::vector<RankEntry> e = {entry(1, 29, 29), entry(2, 95, 100), entry(3, 930, 1000), entry(4, 0, 0)};
  rank_entries(e, 30);
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].node_id, 3);
  EXPECT_EQ(e[0].rank, 1);
  EXPECT_EQ(e[1].node_id, 2);
  EXPECT_EQ(e[1].rank, 2);
  EXPECT_FALSE(e[2].ranked);
  EXPECT_EQ(e[2].rank, 0);
  EXPECT_FALSE(e[3].ranked);
  EXPECT_GT(wilson(930, 1000).low, wilson(95, 100).low);
  // With a lower minimum the small unit is ranked — first, on its lower bound.
  std::vector<RankEntry> f = {entry(1, 29, 29), entry(2, 95, 100)};
  rank_entries(f, 10);
  EXPECT_TRUE(f[0].ranked && f[1].ranked);
  EXPECT_EQ(f[0].node_id, wilson(29, 29).low > wilson(95, 100).low ? 1 : 2);
  // Ties share a rank.
  std::vector<RankEntry> t = {entry(5, 50, 60), entry(6, 50, 60), entry(7, 10, 60)};
  rank_entries(t, 30);
  EXPECT_EQ(t[0].rank, 1);
  EXPECT_EQ(t[1].rank, 1);
  EXPECT_EQ(t[2].rank, 3);
}

// Like with like: county bureaus and hospitals under one city bureau are ranked in separate
// groups, each from rank 1; the groups follow the tree's order.
TEST(Satisfaction, RankingGroupsUnitsOfOneKind) {
  auto entry = [](int64_t id, const char* kind, int64_t k, int64_t n) {
    RankEntry e;
    e.node_id = id;
    e.kind = kind;
    Counts c;
    c.n = n;
    c.satisfied = k;
    c.c[4] = k;
    c.c[0] = n - k;
    c.total = 5 * k + (n - k);
    e.fig = figure(c);
    return e;
  };
  auto g = rank_by_kind({entry(1, "institution", 99, 100), entry(2, "county", 800, 1000), entry(3, "county", 900, 1000),
                         entry(4, "institution", 10, 20), entry(5, "institution", 50, 100)},
                        30);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].kind, "county");
  EXPECT_EQ(g[0].name, "县（区）卫生健康局");
  ASSERT_EQ(g[0].entries.size(), 2u);
  EXPECT_EQ(g[0].entries[0].node_id, 3);
  EXPECT_EQ(g[0].entries[0].rank, 1);
  EXPECT_EQ(g[0].entries[1].rank, 2);
  EXPECT_EQ(g[1].kind, "institution");
  EXPECT_EQ(g[1].name, "医疗机构");
  ASSERT_EQ(g[1].entries.size(), 3u);
  EXPECT_EQ(g[1].entries[0].node_id, 1);
  EXPECT_EQ(g[1].entries[0].rank, 1);  // ranked against hospitals only, not the counties
  EXPECT_EQ(g[1].entries[1].rank, 2);
  EXPECT_FALSE(g[1].entries[2].ranked);
  EXPECT_EQ(g[1].hidden, 1);
  EXPECT_EQ(g[0].hidden, 0);
  for (auto& x : g)
    for (auto& e : x.entries) EXPECT_EQ(e.kind, x.kind);
}

TEST(Satisfaction, PeriodsAndRollupRanges) {
  auto get = [](std::map<std::string, std::string> m) {
    return [m](const std::string& k) { auto it = m.find(k); return it == m.end() ? std::string() : it->second; };
  };
  int64_t now = day_start_ms(20250315) + 3600000;
  auto m = parse_period(get({}), now);
  EXPECT_EQ(m.from, 20250301);
  EXPECT_EQ(m.to, 20250331);
  auto q = parse_period(get({{"period", "quarter"}, {"quarter", "2024-Q4"}}), now);
  EXPECT_EQ(q.from, 20241001);
  EXPECT_EQ(q.to, 20241231);
  auto y = parse_period(get({{"year", "2024"}}), now);
  EXPECT_EQ(y.from, 20240101);
  EXPECT_EQ(y.to, 20241231);
  auto feb = parse_period(get({{"month", "2024-02"}}), now);
  EXPECT_EQ(feb.to, 20240229);
  auto c = parse_period(get({{"from", "2025-01-20"}, {"to", "2025-03-05"}}), now);
  auto r = period_ranges(c);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], std::make_pair(20250120, 20250131));
  EXPECT_EQ(r[1], std::make_pair(202502, 202502));  // a whole month reads the month row
  EXPECT_EQ(r[2], std::make_pair(20250301, 20250305));
  auto whole = period_ranges(y);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0], std::make_pair(202401, 202412));
  EXPECT_THROW(parse_period(get({{"month", "2025-13"}}), now), Error);
  EXPECT_THROW(parse_period(get({{"from", "2025-02-30"}, {"to", "2025-03-01"}}), now), Error);
  EXPECT_THROW(parse_period(get({{"from", "2025-03-02"}, {"to", "2025-03-01"}}), now), Error);
  EXPECT_THROW(parse_period(get({{"period", "decade"}}), now), Error);
  // Local dates are Asia/Shanghai: 2025-03-01 00:30 local is still February 28th in UTC.
  EXPECT_EQ(local_day(day_start_ms(20250301) + 30 * 60000), 20250301);
  EXPECT_EQ(local_day(day_start_ms(20250301) - 1), 20250228);
  EXPECT_EQ(add_months(202412, 1), 202501);
  EXPECT_EQ(add_months(202501, -1), 202412);
}

// ---- subtree aggregation vs brute force on random data ----
class SatisfactionDb : public ::testing::TestWithParam<std::string> {};

TEST_P(SatisfactionDb, SubtreeFiguresEqualABruteForceCount) {
  manyi::testing::TempDb tdb(GetParam());
  auto db = tdb.open_migrated();
  std::mt19937_64 rng(42);
  // A tree: root → 3 counties → 2 institutions each (+1 directly under the root) → 3
  // departments each → 1 window each.
  struct N {
    int64_t id;
    std::string path, kind;
    int64_t unit;  // nearest institution at or above (0 above institutions)
  };
  std::vector<N> nodes;
  int64_t next = 1000;
  db->write([&](store::Tx& tx) {
    auto add = [&](const N& parent, const char* kind) {
      int64_t id = ++next;
      std::string path = parent.path + std::to_string(id) + "/";
      tx.exec("INSERT INTO org_nodes(id, parent_id, kind, code, name, path, depth, active, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, 0, 1, 0, 0)",
              {id, parent.id ? store::Value(parent.id) : store::Value(nullptr), std::string(kind), "n" + std::to_string(id),
               "n" + std::to_string(id), path});
      N n{id, path, kind, std::string(kind) == "institution" ? id : parent.unit};
      nodes.push_back(n);
      return n;
    };
    auto root = add(N{0, "/", "", 0}, "bureau");
    auto institution = [&](const N& parent) {
      auto inst = add(parent, "institution");
      for (int d = 0; d < 3; ++d) add(add(inst, "department"), "point");
    };
    for (int c = 0; c < 3; ++c) {
      auto county = add(root, "county");
      for (int i = 0; i < 2; ++i) institution(county);
    }
    institution(root);
  });
  // Random ratings on institutions and below, days in Jan–Mar 2025, two templates with
  // different rules (基本满意 counts for template 2).
  std::vector<const N*> ratable;
  for (auto& n : nodes)
    if (n.unit) ratable.push_back(&n);
  struct R {
    const N* node;
    int day, overall, attitude;
    int64_t tmpl;
    std::vector<Observation> obs() const {
      std::vector<Observation> o{{"overall", overall}};
      if (attitude) o.push_back({"attitude", attitude});
      return o;
    }
  };
  std::vector<R> ratings;
  for (int i = 0; i < 3000; ++i) {
    R r;
    r.node = ratable[rng() % ratable.size()];
    int month = 1 + static_cast<int>(rng() % 3);
    r.day = 20250000 + month * 100 + 1 + static_cast<int>(rng() % 28);
    r.overall = 1 + static_cast<int>(rng() % 5);
    r.attitude = rng() % 3 == 0 ? 1 + static_cast<int>(rng() % 5) : 0;
    r.tmpl = rng() % 4 == 0 ? 2 : 1;
    ratings.push_back(r);
  }
  // Half written in bulk into the empty tables (demo path), then half through per-rating
  // upserts that land on the same rows (intake path).
  RollupBuilder bulk;
  for (size_t i = 0; i < ratings.size(); i += 2) {
    auto& r = ratings[i];
    bulk.add(r.node->id, tree_nodes(r.node->path, r.node->unit), r.tmpl, r.day, r.obs());
  }
  EXPECT_GT(bulk.size(), 0u);
  db->write([&](store::Tx& tx) { bulk.insert(tx); });
  db->write([&](store::Tx& tx) {
    for (size_t i = 1; i < ratings.size(); i += 2) {
      auto& r = ratings[i];
      apply_rollups(tx, r.node->id, tree_nodes(r.node->path, r.node->unit), r.tmpl, r.day, r.obs());
    }
  });
  // One rating added and removed again (an appeal upheld) must leave no trace.
  db->write([&](store::Tx& tx) {
    auto& n = *ratable[5];
    apply_rollups(tx, n.id, tree_nodes(n.path, n.unit), 1, 20250210, {{"overall", 3}});
    apply_rollups(tx, n.id, tree_nodes(n.path, n.unit), 1, 20250210, {{"overall", 3}}, -1);
  });
  auto rule = [](int64_t t) { return t == 2 ? 3 : 4; };
  Figures figs(*db, rule);
  std::vector<Period> periods = {month_period(2025, 2), quarter_period(2025, 1), custom_period("2025-01-15", "2025-03-10"),
                                 custom_period("2025-02-03", "2025-02-03")};
  int tree_checked = 0;
  for (auto& node : nodes) {
    for (auto& p : periods) {
      Counts want, want_att;
      for (auto& r : ratings) {
        if (r.node->path.compare(0, node.path.size(), node.path) != 0 || r.day < p.from || r.day > p.to) continue;
        std::array<int64_t, 5> one{};
        one[static_cast<size_t>(r.overall - 1)] = 1;
        add_counts(want, 1, one, r.overall, rule(r.tmpl));
        if (r.attitude) {
          std::array<int64_t, 5> a{};
          a[static_cast<size_t>(r.attitude - 1)] = 1;
          add_counts(want_att, 1, a, r.attitude, rule(r.tmpl));
        }
      }
      Query q;
      q.node_path = node.path;
      q.period = p;
      q.dimensions = {"overall", "attitude"};
      // Summed over the subtree's per-node rows…
      auto got = figs.by_dimension(q);
      ASSERT_EQ(got["overall"].n, want.n) << node.path << " " << p.label;
      EXPECT_EQ(got["overall"].satisfied, want.satisfied) << node.path << " " << p.label;
      EXPECT_EQ(got["overall"].counts, want.c);
      EXPECT_NEAR(got["overall"].mean_score, figure(want).mean_score, 1e-9);
      EXPECT_EQ(got["attitude"].n, want_att.n);
      EXPECT_EQ(got["attitude"].satisfied, want_att.satisfied);
      // …and, for institutions and above, read from their own tree rows: the same figures.
      if (tree_kind(node.kind)) {
        q.tree_node = node.id;
        auto t = figs.by_dimension(q);
        EXPECT_EQ(t["overall"].n, want.n) << node.kind << " " << node.path << " " << p.label;
        EXPECT_EQ(t["overall"].satisfied, want.satisfied);
        EXPECT_EQ(t["overall"].counts, want.c);
        EXPECT_EQ(t["attitude"].n, want_att.n);
        EXPECT_EQ(t["attitude"].satisfied, want_att.satisfied);
        ++tree_checked;
      }
    }
  }
  EXPECT_EQ(tree_checked, (1 + 3 + 7) * 4);
  // Children of the root (counties and an institution, from tree rows) add up to the root.
  std::vector<Child> kids;
  for (auto& n : nodes)
    if (std::count(n.path.begin(), n.path.end(), '/') == 3) kids.push_back({n.id, n.path, tree_kind(n.kind)});
  ASSERT_EQ(kids.size(), 4u);
  Query all;
  all.node_path = nodes[0].path;
  all.period = quarter_period(2025, 1);
  auto per = figs.per_child(nodes[0].path, kids, all.period);
  int64_t sum = 0;
  for (auto& [id, f] : per) sum += f.n;
  EXPECT_EQ(sum, figs.overall(all).n);
  // Departments of an institution (per-node rows joined) plus its own ratings add up to it.
  auto& inst = nodes[2];
  ASSERT_EQ(inst.kind, "institution");
  std::vector<Child> depts;
  for (auto& n : nodes)
    if (n.kind == "department" && n.path.compare(0, inst.path.size(), inst.path) == 0) depts.push_back({n.id, n.path, false});
  auto dper = figs.per_child(inst.path, depts, all.period);
  int64_t dsum = 0;
  for (auto& [id, f] : dper) dsum += f.n;
  Query iq = all;
  iq.node_path = inst.path;
  int64_t own = 0;  // ratings on the institution node itself belong to no department
  for (auto& r : ratings)
    own += r.node->id == inst.id && r.day >= all.period.from && r.day <= all.period.to;
  EXPECT_EQ(dsum + own, figs.overall(iq).n);
  EXPECT_GT(dsum, 0);
  // The monthly trend equals month figures, both ways.
  auto trend = figs.trend(nodes[0].path, 202501, 202503);
  auto ttrend = figs.trend(nodes[0].path, 202501, 202503, {}, nodes[0].id);
  ASSERT_EQ(trend.size(), 3u);
  Query feb = all;
  feb.period = month_period(2025, 2);
  EXPECT_EQ(trend[1].first, 202502);
  EXPECT_EQ(trend[1].second.n, figs.overall(feb).n);
  EXPECT_EQ(trend[1].second.satisfied, figs.overall(feb).satisfied);
  EXPECT_EQ(ttrend[1].second.n, trend[1].second.n);
  // A set of surveys sums exactly those surveys: each alone, and both, on every path.
  Query t1 = all, t2 = all, t12 = all;
  t1.templates = {1};
  t2.templates = {2};
  t12.templates = {1, 2};
  EXPECT_GT(figs.overall(t1).n, 0);
  EXPECT_GT(figs.overall(t2).n, 0);
  EXPECT_EQ(figs.overall(t1).n + figs.overall(t2).n, figs.overall(all).n);
  EXPECT_EQ(figs.overall(t12).n, figs.overall(all).n);
  int64_t k1 = 0, k2 = 0;
  for (auto& [id, f] : figs.per_child(nodes[0].path, kids, all.period, {1})) k1 += f.n;
  for (auto& [id, f] : figs.per_child(nodes[0].path, kids, all.period, {2})) k2 += f.n;
  EXPECT_EQ(k1, figs.overall(t1).n);
  EXPECT_EQ(k1 + k2, sum);
  auto tr1 = figs.trend(nodes[0].path, 202501, 202503, {1}, nodes[0].id);
  auto tr2 = figs.trend(nodes[0].path, 202501, 202503, {2});
  EXPECT_EQ(tr1[1].second.n + tr2[1].second.n, trend[1].second.n);
  // Rebuilding the tree rollups from the per-node rows gives the same figures.
  db->write([&](store::Tx& tx) { tx.exec("UPDATE rating_rollups_tree SET n = 0"); });
  EXPECT_GT(rebuild_tree_rollups(*db), 0);
  Query root_tree = all;
  root_tree.tree_node = nodes[0].id;
  EXPECT_EQ(figs.overall(root_tree).n, figs.overall(all).n);
}

INSTANTIATE_TEST_SUITE_P(Db, SatisfactionDb, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
