#include "metrics/targets.hpp"

#include <algorithm>
#include <cstdlib>

#include "store/subtree.hpp"

namespace manyi::metrics::targets {

Table Table::load(store::Db& db, const std::string& series) {
  Table t;
  for (auto& r : db.query("SELECT node_id, effective_from, target FROM metric_targets WHERE series = ?", {series}))
    t.add(r.i64(0), static_cast<int>(r.i64(1)), r.f64(2));
  return t;
}

void Table::add(int64_t node_id, int from_month, double value) {
  auto& v = rows_[node_id];
  auto it = std::lower_bound(v.begin(), v.end(), from_month, [](auto& x, int m) { return x.first < m; });
  if (it != v.end() && it->first == from_month) it->second = value;
  else v.insert(it, {from_month, value});
}

std::optional<Resolved> Table::resolve(const std::string& path, int month) const {
  auto ids = org::Path(path).ids();
  for (auto id = ids.rbegin(); id != ids.rend(); ++id) {
    auto f = rows_.find(*id);
    if (f == rows_.end()) continue;
    // The newest row not after the month.
    auto it = std::upper_bound(f->second.begin(), f->second.end(), month, [](int m, auto& x) { return m < x.first; });
    if (it == f->second.begin()) continue;  // this node's targets all start later: inherit
    --it;
    return Resolved{*id, it->first, it->second};
  }
  return std::nullopt;
}

std::optional<Resolved> resolve(store::Db& db, const std::string& series, const std::string& path, int month) {
  auto ids = org::Path(path).ids();
  if (ids.empty()) return std::nullopt;
  store::Params p{series, int64_t{month}};
  std::string in;
  for (int64_t id : ids) {
    in += in.empty() ? "?" : ",?";
    p.emplace_back(id);
  }
  Table t;
  for (auto& r : db.query("SELECT node_id, effective_from, target FROM metric_targets WHERE series = ? AND effective_from <= ? "
                          "AND node_id IN (" + in + ")",
                          p))
    t.add(r.i64(0), static_cast<int>(r.i64(1)), r.f64(2));
  return t.resolve(path, month);
}

std::optional<double> own(store::Tx& tx, int64_t node_id, const std::string& series, int from_month) {
  auto r = tx.query("SELECT target FROM metric_targets WHERE series = ? AND node_id = ? AND effective_from = ?",
                    {series, node_id, int64_t{from_month}});
  if (r.empty()) return std::nullopt;
  return r[0].f64(0);
}

void set(store::Tx& tx, int64_t node_id, const std::string& series, int from_month, double value, int64_t user_id,
         int64_t now_ms) {
  tx.exec("INSERT INTO metric_targets(node_id, series, effective_from, target, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (series, node_id, effective_from) DO UPDATE SET target = excluded.target, "
          "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
          {node_id, series, int64_t{from_month}, value, now_ms, store::id_or_null(user_id)});
}

bool clear(store::Tx& tx, int64_t node_id, const std::string& series, int from_month) {
  return tx.exec("DELETE FROM metric_targets WHERE series = ? AND node_id = ? AND effective_from = ?",
                 {series, node_id, int64_t{from_month}}) > 0;
}

}  // namespace manyi::metrics::targets
