#include "metrics/series.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <unordered_map>

#include "core/error.hpp"
#include "store/subtree.hpp"

namespace manyi::metrics::series {

void Figure::add(const Figure& o) {
  n += o.n;
  sum += o.sum;
  num += o.num;
  den += o.den;
}

ranking::Measure rate_measure(const Figure& f) { return ranking::rate(f.num, f.den); }
ranking::Measure score_measure(const Figure& f) { return ranking::score(f.mean(), f.n); }

namespace {

void check_series(const std::string& s) {
  auto dot = s.find('.');
  bool ok = !s.empty() && s.size() <= 64 && dot != std::string::npos && dot > 0 && s.back() != '.';
  for (char ch : s) ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.');
  if (!ok) throw invalid("series", "a series is named <domain>.<name> in lower case: " + s);
}

std::vector<int64_t> ancestors_of(const Node& node) {
  auto ids = org::Path(node.path).ids();
  if (ids.empty() || ids.back() != node.id) throw invalid("node", fmt::format("path {} is not node {}'s", node.path, node.id));
  return ids;
}

std::string upsert_sql(const char* table, size_t rows) {
  std::string sql = fmt::format("INSERT INTO {}(node_id, series, period, n, sum, num, den) VALUES ", table);
  for (size_t i = 0; i < rows; ++i) sql += i ? ",(?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?)";
  sql += fmt::format(
      " ON CONFLICT(node_id, series, period) DO UPDATE SET n = {0}.n + excluded.n, sum = {0}.sum + excluded.sum, "
      "num = {0}.num + excluded.num, den = {0}.den + excluded.den",
      table);
  return sql;
}

template <class Rows>
void emit(store::Tx& tx, const char* table, const Rows& rows) {
  constexpr size_t kChunk = 500;
  store::Params p;
  size_t n = 0;
  auto flush = [&] {
    if (n) tx.exec_deferred(upsert_sql(table, n), p);
    p.clear();
    n = 0;
  };
  for (auto& [k, f] : rows) {
    p.emplace_back(std::get<0>(k));
    p.emplace_back(std::get<1>(k));
    p.emplace_back(int64_t{std::get<2>(k)});
    p.emplace_back(f.n);
    p.emplace_back(f.sum);
    p.emplace_back(f.num);
    p.emplace_back(f.den);
    if (++n == kChunk) flush();
  }
  flush();
}

Figure scaled(const Delta& d, int sign) { return {sign * d.n, sign * d.sum, sign * d.num, sign * d.den}; }

std::string in_list(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}
// " AND (period BETWEEN ? AND ? OR …)" for the rollup keys covering the period (whole months
// as yyyymm rows, other days as yyyymmdd rows: the two never overlap).
std::string period_filter(const period::Period& p, store::Params& params) {
  std::string s;
  for (auto [lo, hi] : period::period_ranges(p)) {
    s += s.empty() ? "" : " OR ";
    s += "r.period BETWEEN ? AND ?";
    params.emplace_back(int64_t{lo});
    params.emplace_back(int64_t{hi});
  }
  return s.empty() ? " AND 1=0" : " AND (" + s + ")";
}
const char* kSums = "SUM(r.n), SUM(r.sum), SUM(r.num), SUM(r.den)";
Figure figure_of(const store::Row& r, size_t first) {
  return {r.i64(first), r.f64(first + 1), r.i64(first + 2), r.i64(first + 3)};
}
Figure sum_of(store::Db& db, const char* table, int64_t node_id, const std::string& series, const period::Period& p) {
  store::Params params{node_id, series};
  std::string pf = period_filter(p, params);
  auto r = db.query(fmt::format("SELECT {} FROM {} r WHERE r.node_id = ? AND r.series = ?{}", kSums, table, pf), params);
  return r.empty() ? Figure{} : figure_of(r[0], 0);
}
}  // namespace

void Batch::add(const Node& node, const std::string& series, int day, const Delta& d, int sign) {
  check_series(series);
  auto tree = ancestors_of(node);
  Figure f = scaled(d, sign);
  for (int period : {day, day / 100}) {
    own_[Key{node.id, series, period}].add(f);
    for (int64_t t : tree) tree_[Key{t, series, period}].add(f);
  }
}

void Batch::write(store::Tx& tx) {
  emit(tx, "metric_rollups", own_);
  emit(tx, "metric_rollups_tree", tree_);
  own_.clear();
  tree_.clear();
}

void add(store::Tx& tx, const Node& node, const std::string& series, int day, const Delta& d, int sign) {
  Batch b;
  b.add(node, series, day, d, sign);
  b.write(tx);
}

Figure subtree(store::Db& db, int64_t node_id, const std::string& series, const period::Period& p) {
  return sum_of(db, "metric_rollups_tree", node_id, series, p);
}

Figure own(store::Db& db, int64_t node_id, const std::string& series, const period::Period& p) {
  return sum_of(db, "metric_rollups", node_id, series, p);
}

std::vector<std::pair<int, Figure>> trend(store::Db& db, int64_t node_id, const std::string& series, int from_month,
                                          int to_month) {
  std::map<int, Figure> acc;
  for (int m = from_month; m <= to_month; m = period::add_months(m, 1)) acc[m];
  for (auto& r : db.query(fmt::format("SELECT r.period, {} FROM metric_rollups_tree r WHERE r.node_id = ? AND r.series = ? "
                                      "AND r.period BETWEEN ? AND ? GROUP BY r.period",
                                      kSums),
                          {node_id, series, int64_t{from_month}, int64_t{to_month}}))
    acc[static_cast<int>(r.i64(0))] = figure_of(r, 1);
  return {acc.begin(), acc.end()};
}

std::map<int64_t, Figure> per_node(store::Db& db, const std::vector<int64_t>& node_ids, const std::string& series,
                                   const period::Period& p) {
  std::map<int64_t, Figure> out;
  for (int64_t id : node_ids) out[id];
  constexpr size_t kChunk = 500;
  for (size_t at = 0; at < node_ids.size(); at += kChunk) {
    size_t len = std::min(kChunk, node_ids.size() - at);
    store::Params params(node_ids.begin() + static_cast<std::ptrdiff_t>(at),
                         node_ids.begin() + static_cast<std::ptrdiff_t>(at + len));
    params.emplace_back(series);
    std::string pf = period_filter(p, params);
    for (auto& r : db.query(fmt::format("SELECT r.node_id, {} FROM metric_rollups_tree r WHERE r.node_id IN ({}) AND "
                                        "r.series = ?{} GROUP BY r.node_id",
                                        kSums, in_list(len), pf),
                            params))
      out[r.i64(0)] = figure_of(r, 1);
  }
  return out;
}

int64_t rebuild_tree(store::Db& db) {
  std::unordered_map<int64_t, std::vector<int64_t>> tree_of;  // node -> its path's ids
  for (auto& r : db.query("SELECT id, path FROM org_nodes")) tree_of[r.i64(0)] = org::Path(r.str(1)).ids();
  std::map<std::tuple<int64_t, std::string, int>, Figure> acc;
  store::Params after{int64_t{-1}, std::string(), int64_t{0}};
  for (;;) {
    // Keyset pages in primary-key order: memory stays bounded by the tree table's size.
    auto rows = db.query("SELECT node_id, series, period, n, sum, num, den FROM metric_rollups "
                         "WHERE (node_id, series, period) > (?, ?, ?) ORDER BY node_id, series, period LIMIT 5000",
                         after);
    if (rows.empty()) break;
    for (auto& r : rows) {
      Figure f = figure_of(r, 3);
      auto it = tree_of.find(r.i64(0));
      if (it == tree_of.end()) continue;  // a node that no longer exists counts nowhere
      for (int64_t t : it->second) acc[{t, r.str(1), static_cast<int>(r.i64(2))}].add(f);
    }
    auto& last = rows.rows.back();
    after = {last.i64(0), last.str(1), last.i64(2)};
  }
  std::vector<store::Params> out;
  out.reserve(acc.size());
  for (auto& [k, f] : acc)
    out.push_back({std::get<0>(k), std::get<1>(k), int64_t{std::get<2>(k)}, f.n, f.sum, f.num, f.den});
  db.write([&](store::Tx& tx) {
    tx.exec("DELETE FROM metric_rollups_tree");
    tx.insert_rows("metric_rollups_tree", {"node_id", "series", "period", "n", "sum", "num", "den"}, out);
  });
  return static_cast<int64_t>(out.size());
}

}  // namespace manyi::metrics::series
