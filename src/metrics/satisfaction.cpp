#include "metrics/satisfaction.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <tuple>

#include "core/error.hpp"
#include "store/subtree.hpp"

namespace manyi::metrics {

using namespace manyi::period;

// ---- formulas ----
void Counts::add(const Counts& o) {
  n += o.n;
  for (int i = 0; i < 5; ++i) c[i] += o.c[i];
  total += o.total;
  satisfied += o.satisfied;
}

void add_counts(Counts& into, int64_t n, const std::array<int64_t, 5>& c, int64_t total, int satisfied_min) {
  into.n += n;
  for (int i = 0; i < 5; ++i) {
    into.c[i] += c[i];
    if (i + 1 >= satisfied_min) into.satisfied += c[i];
  }
  into.total += total;
}

Figure figure(const Counts& c) {
  Figure f;
  f.n = c.n;
  f.satisfied = c.satisfied;
  f.counts = c.c;
  if (c.n > 0) {
    f.rate = static_cast<double>(c.satisfied) / c.n;
    f.mean_score = (static_cast<double>(c.total) / c.n - 1) / 4 * 100;
  }
  f.ci = wilson(c.satisfied, c.n);
  return f;
}

// ---- rollups ----
bool tree_kind(const std::string& kind) { return kind == "bureau" || kind == "county" || kind == "institution"; }

std::vector<int64_t> tree_nodes(const std::string& path, int64_t unit_id) {
  auto ids = org::Path(path).ids();
  auto u = std::find(ids.begin(), ids.end(), unit_id);
  if (u != ids.end()) ids.erase(u + 1, ids.end());
  return ids;
}

namespace {
struct Agg {
  int64_t n = 0, total = 0;
  std::array<int64_t, 5> c{};
};
std::string upsert_sql(const char* table, size_t rows) {
  std::string sql = fmt::format("INSERT INTO {}(node_id, dimension, period, template_id, n, c1, c2, c3, c4, c5, total) VALUES ",
                                table);
  for (size_t i = 0; i < rows; ++i) sql += i ? ",(?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?)";
  sql += fmt::format(
      " ON CONFLICT(node_id, dimension, period, template_id) DO UPDATE SET n = {0}.n + excluded.n, "
      "c1 = {0}.c1 + excluded.c1, c2 = {0}.c2 + excluded.c2, c3 = {0}.c3 + excluded.c3, "
      "c4 = {0}.c4 + excluded.c4, c5 = {0}.c5 + excluded.c5, total = {0}.total + excluded.total",
      table);
  return sql;
}
// Statement text per (table, row count), built once per thread.
const std::string& cached_sql(bool tree, size_t rows) {
  static thread_local std::vector<std::string> cache[2];
  auto& c = cache[tree ? 1 : 0];
  if (c.size() <= rows) c.resize(rows + 1);
  if (c[rows].empty()) c[rows] = upsert_sql(tree ? "rating_rollups_tree" : "rating_rollups", rows);
  return c[rows];
}
}  // namespace

void apply_rollups(store::Tx& tx, int64_t node_id, const std::vector<int64_t>& tree, int64_t template_id, int day,
                   const std::vector<Observation>& obs, int sign) {
  // Merge observations of the same dimension (two attitude items count twice in one row).
  std::vector<std::pair<std::string, Agg>> dims;
  for (auto& o : obs) {
    if (o.level < 1 || o.level > 5) continue;
    auto it = std::find_if(dims.begin(), dims.end(), [&](auto& p) { return p.first == o.dimension; });
    if (it == dims.end()) {
      dims.emplace_back(o.dimension, Agg{});
      it = dims.end() - 1;
    }
    it->second.n += sign;
    it->second.total += sign * o.level;
    it->second.c[o.level - 1] += sign;
  }
  if (dims.empty()) return;
  auto rows_for = [&](const std::vector<int64_t>& nodes) {
    store::Params p;
    p.reserve(nodes.size() * dims.size() * 22);
    for (int64_t node : nodes)
      for (int period : {day, day / 100})
        for (auto& [dim, a] : dims) {
          p.emplace_back(node);
          p.emplace_back(dim);
          p.emplace_back(int64_t{period});
          p.emplace_back(template_id);
          p.emplace_back(a.n);
          for (int i = 0; i < 5; ++i) p.emplace_back(a.c[i]);
          p.emplace_back(a.total);
        }
    return p;
  };
  tx.exec_deferred(cached_sql(false, dims.size() * 2), rows_for({node_id}));
  if (!tree.empty()) tx.exec_deferred(cached_sql(true, dims.size() * 2 * tree.size()), rows_for(tree));
}

void apply_rollups_batch(store::Tx& tx, const std::vector<RollupInput>& in) {
  using K = std::tuple<int64_t, std::string, int, int64_t>;  // node, dimension, period, template (PK order)
  std::map<K, Agg> rows, tree;
  for (auto& x : in) {
    for (auto& o : *x.obs) {
      if (o.level < 1 || o.level > 5) continue;
      for (int period : {x.day, x.day / 100}) {
        auto bump = [&](Agg& a) {
          a.n += x.sign;
          a.total += x.sign * o.level;
          a.c[static_cast<size_t>(o.level - 1)] += x.sign;
        };
        bump(rows[K{x.node_id, o.dimension, period, x.template_id}]);
        if (x.tree)
          for (int64_t t : *x.tree) bump(tree[K{t, o.dimension, period, x.template_id}]);
      }
    }
  }
  auto emit = [&](const std::map<K, Agg>& m, bool is_tree) {
    constexpr size_t kChunk = 400;
    store::Params p;
    size_t n = 0;
    auto flush = [&] {
      if (n) tx.exec_deferred(cached_sql(is_tree, n), p);
      p.clear();
      n = 0;
    };
    for (auto& [k, a] : m) {
      p.emplace_back(std::get<0>(k));
      p.emplace_back(std::get<1>(k));
      p.emplace_back(int64_t{std::get<2>(k)});
      p.emplace_back(std::get<3>(k));
      p.emplace_back(a.n);
      for (int i = 0; i < 5; ++i) p.emplace_back(a.c[static_cast<size_t>(i)]);
      p.emplace_back(a.total);
      if (++n == kChunk) flush();
    }
    flush();
  };
  emit(rows, false);
  emit(tree, true);
}

int RollupBuilder::dim_index(const std::string& d) {
  for (size_t i = 0; i < dims_.size(); ++i)
    if (dims_[i] == d) return static_cast<int>(i);
  dims_.push_back(d);
  return static_cast<int>(dims_.size() - 1);
}

void RollupBuilder::add(int64_t node_id, const std::vector<int64_t>& tree, int64_t template_id, int day,
                        const std::vector<Observation>& obs) {
  // Only the node's day row here (a few hash updates per rating); the month rows and the tree
  // rows are sums of day rows, derived once in insert().
  if (tree_of_.find(node_id) == tree_of_.end()) tree_of_[node_id] = tree;
  for (auto& o : obs) {
    if (o.level < 1 || o.level > 5) continue;
    Counts& c = rows_[Key{node_id, template_id, day, dim_index(o.dimension)}];
    c.n += 1;
    c.c[o.level - 1] += 1;
    c.total += o.level;
  }
}

void RollupBuilder::insert(store::Tx& tx) {
  const std::vector<std::string> cols = {"node_id", "dimension", "period", "template_id", "n", "c1", "c2", "c3", "c4", "c5", "total"};
  auto add_to = [](Counts& t, const Counts& c) {
    t.n += c.n;
    for (int i = 0; i < 5; ++i) t.c[i] += c.c[i];
    t.total += c.total;
  };
  // 1. Day rows sorted so each node's days of one month, dimension and template are adjacent.
  std::vector<std::pair<Key, Counts>> days(rows_.begin(), rows_.end());
  rows_.clear();
  std::sort(days.begin(), days.end(), [&](auto& a, auto& b) {
    if (a.first.node != b.first.node) return a.first.node < b.first.node;
    if (a.first.dim != b.first.dim) return dims_[a.first.dim] < dims_[b.first.dim];
    if (a.first.tmpl != b.first.tmpl) return a.first.tmpl < b.first.tmpl;
    return a.first.period < b.first.period;
  });
  // 2. Tree rows: few nodes (institutions and above), periods, dimensions and templates, so a
  // dense table indexed by small integers beats hashing millions of keys.
  std::vector<int64_t> tnodes, tmpls;
  std::vector<int> periods;
  std::unordered_map<int64_t, int> tnode_ix, tmpl_ix;
  std::unordered_map<int, int> period_ix;
  for (auto& [node, tree] : tree_of_)
    for (int64_t t : tree)
      if (tnode_ix.emplace(t, static_cast<int>(tnodes.size())).second) tnodes.push_back(t);
  for (auto& [k, c] : days) {
    if (tmpl_ix.emplace(k.tmpl, static_cast<int>(tmpls.size())).second) tmpls.push_back(k.tmpl);
    for (int per : {k.period, k.period / 100})
      if (period_ix.emplace(per, static_cast<int>(periods.size())).second) periods.push_back(per);
  }
  size_t nt = tnodes.size(), np = periods.size(), nd = dims_.size(), nm = tmpls.size();
  std::vector<Counts> dense(nt * np * nd * nm);
  auto cell = [&](size_t t, size_t p, size_t d, size_t m) -> Counts& { return dense[((t * np + p) * nd + d) * nm + m]; };
  // 3. One pass: node month rows by sequential reduction, tree rows into the dense table.
  std::vector<store::Params> out;
  out.reserve(50000);
  auto emit = [&](int64_t node, int dim, int period, int64_t tmpl, const Counts& c, const char* table) {
    out.push_back({node, dims_[static_cast<size_t>(dim)], int64_t{period}, tmpl, c.n, c.c[0], c.c[1], c.c[2], c.c[3], c.c[4],
                   c.total});
    if (out.size() == 50000) {
      tx.insert_rows(table, cols, out);
      out.clear();
    }
  };
  int64_t cur_node = -1;
  std::vector<size_t> cur_tree;
  Counts month{};
  Key month_key{-1, 0, 0, 0};
  auto flush_month = [&] {
    if (month_key.node >= 0 && month.n) emit(month_key.node, month_key.dim, month_key.period, month_key.tmpl, month, "rating_rollups");
    month = Counts{};
  };
  for (auto& [k, c] : days) {
    emit(k.node, k.dim, k.period, k.tmpl, c, "rating_rollups");
    Key mk{k.node, k.tmpl, k.period / 100, k.dim};
    if (!(mk == month_key)) {
      flush_month();
      month_key = mk;
    }
    add_to(month, c);
    if (k.node != cur_node) {
      cur_node = k.node;
      cur_tree.clear();
      for (int64_t t : tree_of_[k.node]) cur_tree.push_back(static_cast<size_t>(tnode_ix[t]));
    }
    size_t pd = static_cast<size_t>(period_ix[k.period]), pm = static_cast<size_t>(period_ix[k.period / 100]);
    size_t m = static_cast<size_t>(tmpl_ix[k.tmpl]), d = static_cast<size_t>(k.dim);
    for (size_t t : cur_tree) {
      add_to(cell(t, pd, d, m), c);
      add_to(cell(t, pm, d, m), c);
    }
  }
  flush_month();
  if (!out.empty()) tx.insert_rows("rating_rollups", cols, out);
  out.clear();
  tree_rows_ = 0;
  for (size_t t = 0; t < nt; ++t)
    for (size_t d = 0; d < nd; ++d)
      for (size_t p = 0; p < np; ++p)
        for (size_t m = 0; m < nm; ++m) {
          auto& c = cell(t, p, d, m);
          if (!c.n) continue;
          ++tree_rows_;
          emit(tnodes[t], static_cast<int>(d), periods[p], tmpls[m], c, "rating_rollups_tree");
        }
  if (!out.empty()) tx.insert_rows("rating_rollups_tree", cols, out);
  tree_of_.clear();
}

int64_t rebuild_tree_rollups(store::Db& db) {
  // The unit and ancestors of every node, from the org tree.
  std::unordered_map<int64_t, std::pair<std::string, std::string>> nodes;  // id -> (kind, path)
  for (auto& r : db.query("SELECT id, kind, path FROM org_nodes")) nodes[r.i64(0)] = {r.str(1), r.str(2)};
  std::unordered_map<int64_t, std::vector<int64_t>> tree_of;
  for (auto& [id, kp] : nodes) {
    auto ids = tree_nodes(kp.second, 0);
    int64_t unit = id;
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      auto f = nodes.find(*it);
      if (f != nodes.end() && f->second.first == "institution") {
        unit = *it;
        break;
      }
    }
    tree_of[id] = tree_nodes(kp.second, unit);
  }
  std::map<std::tuple<int64_t, std::string, int64_t, int64_t>, Counts> acc;
  int64_t last_node = -1;
  for (;;) {
    // Page through the per-node rows by node so memory stays bounded by the tree table's size.
    auto rows = db.query("SELECT node_id, dimension, period, template_id, n, c1, c2, c3, c4, c5, total FROM rating_rollups "
                         "WHERE node_id > ? AND node_id <= (SELECT MAX(node_id) FROM (SELECT DISTINCT node_id FROM "
                         "rating_rollups WHERE node_id > ? ORDER BY node_id LIMIT 20) x)",
                         {last_node, last_node});
    if (rows.empty()) break;
    for (auto& r : rows) {
      last_node = std::max(last_node, r.i64(0));
      for (int64_t t : tree_of[r.i64(0)]) {
        Counts& c = acc[{t, r.str(1), r.i64(2), r.i64(3)}];
        c.n += r.i64(4);
        for (int i = 0; i < 5; ++i) c.c[i] += r.i64(5 + static_cast<size_t>(i));
        c.total += r.i64(10);
      }
    }
  }
  std::vector<store::Params> out;
  out.reserve(acc.size());
  for (auto& [k, c] : acc)
    out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), c.n, c.c[0], c.c[1], c.c[2], c.c[3], c.c[4],
                   c.total});
  db.write([&](store::Tx& tx) {
    tx.exec("DELETE FROM rating_rollups_tree");
    tx.insert_rows("rating_rollups_tree",
                   {"node_id", "dimension", "period", "template_id", "n", "c1", "c2", "c3", "c4", "c5", "total"}, out);
  });
  return static_cast<int64_t>(out.size());
}

// ---- figures ----
namespace {
std::string in_list(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}
const char* kSums = "SUM(r.n), SUM(r.c1), SUM(r.c2), SUM(r.c3), SUM(r.c4), SUM(r.c5), SUM(r.total)";
void add_row(Counts& into, const store::Row& r, size_t first, int satisfied_min) {
  add_counts(into, r.i64(first), {r.i64(first + 1), r.i64(first + 2), r.i64(first + 3), r.i64(first + 4), r.i64(first + 5)},
             r.i64(first + 6), satisfied_min);
}
// " AND r.template_id IN (?, …)" for the surveys asked for, nothing for every survey.
std::string template_filter(const std::vector<int64_t>& templates, store::Params& p) {
  if (templates.empty()) return "";
  for (int64_t t : templates) p.emplace_back(t);
  return fmt::format(" AND r.template_id IN ({})", in_list(templates.size()));
}
}  // namespace

std::map<std::string, Figure> Figures::by_dimension(const Query& q) {
  std::map<std::string, Counts> acc;
  if (q.dimensions.empty()) return {};
  for (auto [lo, hi] : period_ranges(q.period)) {
    store::Params p;
    std::string from;
    if (q.tree_node) {
      from = "FROM rating_rollups_tree r WHERE r.node_id = ?";
      p.emplace_back(q.tree_node);
    } else {
      from = "FROM org_nodes n JOIN rating_rollups r ON r.node_id = n.id WHERE n.path >= ? AND n.path < ?";
      p.emplace_back(q.node_path);
      p.emplace_back(store::subtree_upper(q.node_path));
    }
    for (auto& d : q.dimensions) p.emplace_back(d);
    p.emplace_back(int64_t{lo});
    p.emplace_back(int64_t{hi});
    std::string tf = template_filter(q.templates, p);
    auto rows = db_.query(fmt::format("SELECT r.dimension, r.template_id, {} {} AND r.dimension IN ({}) AND r.period "
                                      "BETWEEN ? AND ?{} GROUP BY r.dimension, r.template_id",
                                      kSums, from, in_list(q.dimensions.size()), tf),
                          p);
    for (auto& r : rows) add_row(acc[r.str(0)], r, 2, rule_(r.i64(1)));
  }
  std::map<std::string, Figure> out;
  for (auto& d : q.dimensions) out[d] = figure(acc[d]);
  return out;
}

Figure Figures::overall(const Query& q) {
  Query o = q;
  o.dimensions = {"overall"};
  return by_dimension(o)["overall"];
}

std::vector<std::pair<int, Figure>> Figures::trend(const std::string& path, int from_month, int to_month,
                                                   const std::vector<int64_t>& templates, int64_t tree_node) {
  store::Params p;
  std::string from;
  if (tree_node) {
    from = "FROM rating_rollups_tree r WHERE r.node_id = ?";
    p.emplace_back(tree_node);
  } else {
    from = "FROM org_nodes n JOIN rating_rollups r ON r.node_id = n.id WHERE n.path >= ? AND n.path < ?";
    p.emplace_back(path);
    p.emplace_back(store::subtree_upper(path));
  }
  p.emplace_back(int64_t{from_month});
  p.emplace_back(int64_t{to_month});
  std::string tf = template_filter(templates, p);
  auto rows = db_.query(fmt::format("SELECT r.period, r.template_id, {} {} AND r.dimension = 'overall' AND r.period "
                                    "BETWEEN ? AND ?{} GROUP BY r.period, r.template_id",
                                    kSums, from, tf),
                        p);
  std::map<int, Counts> acc;
  for (int m = from_month; m <= to_month; m = add_months(m, 1)) acc[m];
  for (auto& r : rows) add_row(acc[static_cast<int>(r.i64(0))], r, 2, rule_(r.i64(1)));
  std::vector<std::pair<int, Figure>> out;
  for (auto& [m, c] : acc) out.emplace_back(m, figure(c));
  return out;
}

std::map<int64_t, Figure> Figures::per_child(const std::string& parent_path, const std::vector<Child>& children,
                                             const Period& period, const std::vector<int64_t>& templates) {
  std::map<int64_t, Counts> acc;
  std::vector<Child> joined;  // children summed over their subtree of per-node rows
  std::vector<int64_t> tree;  // children with their own tree rows
  for (auto& c : children) (c.tree ? tree.push_back(c.id) : joined.push_back(c));
  std::sort(joined.begin(), joined.end(), [](auto& a, auto& b) { return a.path < b.path; });
  for (auto [lo, hi] : period_ranges(period)) {
    if (!tree.empty()) {
      store::Params p(tree.begin(), tree.end());
      p.emplace_back(int64_t{lo});
      p.emplace_back(int64_t{hi});
      std::string tf = template_filter(templates, p);
      for (auto& r : db_.query(fmt::format("SELECT r.node_id, r.template_id, {} FROM rating_rollups_tree r WHERE r.node_id IN "
                                           "({}) AND r.dimension = 'overall' AND r.period BETWEEN ? AND ?{} "
                                           "GROUP BY r.node_id, r.template_id",
                                           kSums, in_list(tree.size()), tf),
                               p))
        add_row(acc[r.i64(0)], r, 2, rule_(r.i64(1)));
    }
    if (!joined.empty()) {
      store::Params p{parent_path, store::subtree_upper(parent_path), int64_t{lo}, int64_t{hi}};
      std::string tf = template_filter(templates, p);
      auto rows = db_.query(fmt::format("SELECT n.path, r.template_id, {} FROM org_nodes n JOIN rating_rollups r ON "
                                        "r.node_id = n.id WHERE n.path >= ? AND n.path < ? AND r.dimension = 'overall' "
                                        "AND r.period BETWEEN ? AND ?{} GROUP BY n.path, r.template_id",
                                        kSums, tf),
                            p);
      for (auto& r : rows) {
        std::string path = r.str(0);
        // Children sorted by path: the one whose path prefixes this row's path, if any.
        auto it = std::upper_bound(joined.begin(), joined.end(), path, [](const std::string& v, auto& k) { return v < k.path; });
        if (it == joined.begin()) continue;
        --it;
        if (path.compare(0, it->path.size(), it->path) != 0) continue;  // the parent itself, or a tree child
        add_row(acc[it->id], r, 2, rule_(r.i64(1)));
      }
    }
  }
  std::map<int64_t, Figure> out;
  for (auto& c : children) out[c.id] = figure(acc[c.id]);
  return out;
}

// ---- ranking ----
void rank_entries(std::vector<RankEntry>& e, int64_t min_n) {
  ranking::rank_in_place(
      e, min_n, [](const RankEntry& x) { return ranking::Measure{x.fig.ci.low, x.fig.rate, x.fig.n}; },
      [](RankEntry& x, int rank) {
        x.rank = rank;
        x.ranked = rank > 0;
      });
}

namespace {
const std::vector<std::pair<std::string, std::string>>& kind_groups() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"bureau", "卫生健康局"}, {"county", "县（区）卫生健康局"}, {"institution", "医疗机构"},
      {"department", "科室"},   {"point", "服务窗口"}};
  return k;
}
}  // namespace

std::string kind_group_name(const std::string& kind) {
  for (auto& [k, name] : kind_groups())
    if (k == kind) return name;
  return kind;
}

std::vector<RankGroup> rank_by_kind(std::vector<RankEntry> entries, int64_t min_n) {
  auto order = [](const std::string& kind) {
    auto& k = kind_groups();
    for (size_t i = 0; i < k.size(); ++i)
      if (k[i].first == kind) return i;
    return k.size();
  };
  std::stable_sort(entries.begin(), entries.end(), [&](auto& a, auto& b) {
    auto oa = order(a.kind), ob = order(b.kind);
    return oa != ob ? oa < ob : a.kind < b.kind;
  });
  std::vector<RankGroup> out;
  for (auto& e : entries) {
    if (out.empty() || out.back().kind != e.kind) out.push_back({e.kind, kind_group_name(e.kind), {}, 0});
    out.back().entries.push_back(std::move(e));
  }
  for (auto& g : out) {
    rank_entries(g.entries, min_n);
    for (auto& e : g.entries) g.hidden += e.ranked ? 0 : 1;
  }
  return out;
}

}  // namespace manyi::metrics
