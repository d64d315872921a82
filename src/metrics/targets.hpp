// Targets (目标值) of a metric series down the org tree: a row per node, series and month it
// applies from (yyyymm; 0 = from the beginning). A node without a row of its own takes its
// nearest ancestor's (the city's target holds for every hospital until one is given its own);
// of one node's rows, the newest not after the month asked for applies. Satisfaction targets
// (satisfaction.rate, satisfaction.followup) are the first client. Table metric_targets,
// migration 0021.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/db.hpp"

namespace manyi::metrics::targets {

// The month a target without an end applies in: every row not after it counts.
constexpr int kAlways = 999912;

struct Resolved {
  int64_t node_id = 0;  // the node whose row applies (the node itself or an ancestor)
  int from_month = 0;
  double value = 0;
};

// Explicit targets of one series (a small table) loaded once, to resolve many nodes.
class Table {
 public:
  static Table load(store::Db& db, const std::string& series);
  void add(int64_t node_id, int from_month, double value);
  // The target for the node on this materialised path ("/1/4/9/") in `month` (yyyymm):
  // nullopt when neither the node nor any ancestor has one (the caller's default applies).
  std::optional<Resolved> resolve(const std::string& path, int month = kAlways) const;
  size_t size() const { return rows_.size(); }

 private:
  std::unordered_map<int64_t, std::vector<std::pair<int, double>>> rows_;  // node -> (from, value) by from
};

// One node's target, reading only the rows on its path.
std::optional<Resolved> resolve(store::Db& db, const std::string& series, const std::string& path, int month = kAlways);
// The node's own row from exactly this month (not inherited), in a transaction.
std::optional<double> own(store::Tx& tx, int64_t node_id, const std::string& series, int from_month = 0);
// Sets (inserts or replaces) the node's own target from a month on, in the caller's transaction.
void set(store::Tx& tx, int64_t node_id, const std::string& series, int from_month, double value, int64_t user_id,
         int64_t now_ms);
// Removes the node's own row from that month: it inherits again. Returns whether one existed.
bool clear(store::Tx& tx, int64_t node_id, const std::string& series, int from_month = 0);

}  // namespace manyi::metrics::targets
