// Generic metric series: counters per org node × series × period (a local day yyyymmdd and its
// month yyyymm), each holding n observations, their sum, and a rate's numerator and
// denominator — written in the writer's own transaction, read as a node's subtree figure for a
// period (month, quarter, year, custom days), a monthly trend, or one figure per child unit
// for a ranking (metrics/ranking.hpp). A series is named "<domain>.<name>": cases.on_time,
// rectify.on_time, rectify.days_to_close …
//
// Storage (migration 0021): metric_rollups holds each node's own counters; metric_rollups_tree
// the counters of each node's whole subtree. A write adds to the node's own row and to the
// tree row of the node and of every ancestor, so any figure — a department's or the
// province's — reads one row per period range. rebuild_tree() recomputes the tree rows from
// the own rows after a node moves (`manyi rollups rebuild`).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/period.hpp"
#include "metrics/ranking.hpp"
#include "store/db.hpp"

namespace manyi::metrics::series {

// What one observation (or a batch of them) adds: n observations with their sum (a mean is
// sum / n: days to close, a score), and num of den (a rate: closed on time of closed).
struct Delta {
  int64_t n = 0;
  double sum = 0;
  int64_t num = 0, den = 0;
};

// A figure read back: the summed counters.
struct Figure {
  int64_t n = 0;
  double sum = 0;
  int64_t num = 0, den = 0;
  double rate() const { return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : 0; }
  double mean() const { return n > 0 ? sum / static_cast<double>(n) : 0; }
  Interval ci() const { return wilson(num, den); }
  void add(const Figure& o);
};
// The figure as a ranking measure: a rate (num of den, by the Wilson lower bound) or a score
// (the mean of n, by its value).
ranking::Measure rate_measure(const Figure& f);
ranking::Measure score_measure(const Figure& f);

// Where an observation counts: the node and its materialised path ("/1/4/9/"), whose ids are
// the ancestors whose subtree figures it adds to.
struct Node {
  int64_t id = 0;
  std::string path;
};

// Adds (sign = +1) or removes (sign = -1) one observation on a local day (yyyymmdd) to the
// node's own day and month rows and to the tree rows of the node and its ancestors: one
// statement per table, deferred on PostgreSQL. Throws invalid if the path does not end with
// the node's id or the series name is not "<domain>.<name>".
void add(store::Tx& tx, const Node& node, const std::string& series, int day, const Delta& d, int sign = 1);

// Many observations at once (hot paths): deltas are merged per row first, so a row shared by
// many writes (the city's, a busy day's) is written once per batch, in key order.
class Batch {
 public:
  void add(const Node& node, const std::string& series, int day, const Delta& d, int sign = 1);
  void write(store::Tx& tx);  // writes and clears
  bool empty() const { return own_.empty(); }

 private:
  using Key = std::tuple<int64_t, std::string, int>;  // node, series, period (the primary key's order)
  std::map<Key, Figure> own_, tree_;
};

// ---- reads ----
// The figure of the node's whole subtree over a period.
Figure subtree(store::Db& db, int64_t node_id, const std::string& series, const period::Period& p);
// Monthly subtree figures for the months [from_month, to_month] (yyyymm), every month listed.
std::vector<std::pair<int, Figure>> trend(store::Db& db, int64_t node_id, const std::string& series, int from_month,
                                          int to_month);
// The subtree figure of each node given (a parent's children), for a ranking; every id listed.
std::map<int64_t, Figure> per_node(store::Db& db, const std::vector<int64_t>& node_ids, const std::string& series,
                                   const period::Period& p);
// The node's own counters only (not its subtree).
Figure own(store::Db& db, int64_t node_id, const std::string& series, const period::Period& p);

// Recomputes metric_rollups_tree from metric_rollups and the org tree. Returns the rows written.
int64_t rebuild_tree(store::Db& db);

}  // namespace manyi::metrics::series
