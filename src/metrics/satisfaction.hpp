// Satisfaction figures (满意度): rollup counters per node × dimension × period × template,
// written in the rating's own transaction, and the figures computed from them — satisfaction
// rate, 0–100 mean score, n and a 95% Wilson interval — for a node's whole subtree, a period
// (month, quarter, year or custom days), by dimension, as a monthly trend and as a ranking of
// child units by the interval's lower bound with a minimum n.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/period.hpp"
#include "metrics/ranking.hpp"
#include "store/db.hpp"

namespace manyi::metrics {

// ---- formulas ----
// Interval and wilson() are in metrics/ranking.hpp.

struct Counts {
  int64_t n = 0;
  std::array<int64_t, 5> c{};  // c[0] = level 1 (非常不满意) … c[4] = level 5 (非常满意)
  int64_t total = 0;           // sum of levels
  int64_t satisfied = 0;       // per the template's rule (satisfied_min)
  void add(const Counts& o);
};
// Adds one template's raw counters, counting levels >= satisfied_min as satisfied.
void add_counts(Counts& into, int64_t n, const std::array<int64_t, 5>& c, int64_t total, int satisfied_min);

struct Figure {
  int64_t n = 0, satisfied = 0;
  std::array<int64_t, 5> counts{};
  double rate = 0;        // satisfied / n
  double mean_score = 0;  // (mean level - 1) / 4 * 100
  Interval ci;            // Wilson interval of rate
};
Figure figure(const Counts& c);


// ---- rollups ----
struct Observation {
  std::string dimension;  // "overall" or a dimension code
  int level = 0;          // 1..5
};
// Kinds whose figures come from the tree rollups (an institution and everything above it).
bool tree_kind(const std::string& kind);
// The nodes whose tree rollups a rating on node_path updates: its unit (the nearest institution,
// unit_id) and every ancestor of the unit. Without the unit on the path: the node and all above.
std::vector<int64_t> tree_nodes(const std::string& node_path, int64_t unit_id);
// Adds (sign = +1) or removes (sign = -1) one response's observations to the day and month
// rollups of node_id and to the tree rollups of `tree` — two statements, deferred on PostgreSQL.
void apply_rollups(store::Tx& tx, int64_t node_id, const std::vector<int64_t>& tree, int64_t template_id, int day,
                   const std::vector<Observation>& obs, int sign = 1);
// Many responses at once (a batch of intake): the deltas are merged per row first, so hot rows
// (a city, a busy window) are written once per batch, in key order.
struct RollupInput {
  int64_t node_id = 0;
  const std::vector<int64_t>* tree = nullptr;
  int64_t template_id = 0;
  int day = 0;
  const std::vector<Observation>* obs = nullptr;
  int sign = 1;
};
void apply_rollups_batch(store::Tx& tx, const std::vector<RollupInput>& in);

// Bulk rollup rows for generators: accumulate, then insert_rows (tables must not hold them yet).
class RollupBuilder {
 public:
  void add(int64_t node_id, const std::vector<int64_t>& tree, int64_t template_id, int day,
           const std::vector<Observation>& obs);
  void insert(store::Tx& tx);  // inserts the accumulated rows in key order (plain bulk insert)
  size_t size() const { return rows_.size() + tree_rows_; }

 private:
  struct Key {
    int64_t node, tmpl;
    int32_t period, dim;  // dim: index into dims_
    bool operator==(const Key& o) const {
      return node == o.node && tmpl == o.tmpl && period == o.period && dim == o.dim;
    }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      uint64_t h = static_cast<uint64_t>(k.node) * 0x9E3779B97F4A7C15ULL ^ static_cast<uint64_t>(k.tmpl) * 0xC2B2AE3D27D4EB4FULL;
      h ^= (static_cast<uint64_t>(static_cast<uint32_t>(k.period)) << 20) ^ static_cast<uint64_t>(k.dim);
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  using Map = std::unordered_map<Key, Counts, KeyHash>;
  int dim_index(const std::string& d);
  std::vector<std::string> dims_;
  Map rows_;  // per-node day rows only; months and tree rows are derived in insert()
  std::unordered_map<int64_t, std::vector<int64_t>> tree_of_;
  size_t tree_rows_ = 0;
};

// Recomputes rating_rollups_tree from rating_rollups and the org tree (after an institution
// moves). Returns the number of rows written.
int64_t rebuild_tree_rollups(store::Db& db);

// ---- figures ----
// satisfied_min of a template (3, 4 or 5).
using SatisfiedRule = std::function<int(int64_t template_id)>;

struct Query {
  std::string node_path;  // subtree
  int64_t tree_node = 0;  // set for an institution or above: read its tree rollups instead
  period::Period period;
  std::vector<std::string> dimensions = {"overall"};
  std::vector<int64_t> templates;  // the surveys summed; empty = every template
};

struct Child {
  int64_t id = 0;
  std::string path;
  bool tree = false;  // tree_kind(kind)
};

class Figures {
 public:
  Figures(store::Db& db, SatisfiedRule rule) : db_(db), rule_(std::move(rule)) {}
  // Per dimension for the subtree and period.
  std::map<std::string, Figure> by_dimension(const Query& q);
  Figure overall(const Query& q);
  // Monthly overall figures for the months [from_month, to_month] (yyyymm).
  std::vector<std::pair<int, Figure>> trend(const std::string& node_path, int from_month, int to_month,
                                            const std::vector<int64_t>& templates = {}, int64_t tree_node = 0);
  // Overall figure of each child's subtree.
  std::map<int64_t, Figure> per_child(const std::string& parent_path, const std::vector<Child>& children,
                                      const period::Period& p, const std::vector<int64_t>& templates = {});

 private:
  store::Db& db_;
  SatisfiedRule rule_;
};

// ---- ranking ----
struct RankEntry {
  int64_t node_id = 0;
  std::string name;
  std::string kind;     // the org node's kind: entries are ranked only against their own kind
  Figure fig;
  double target = 0;
  int rank = 0;         // 1-based; 0 = not ranked (n below the minimum)
  bool ranked = false;
};
// Sorts by the Wilson lower bound (then rate, then n); entries with n < min_n are placed after
// the ranked ones with rank 0. Ties on the lower bound share a rank (1, 2, 2, 4). A client of
// ranking::rank (metrics/ranking.hpp).
void rank_entries(std::vector<RankEntry>& entries, int64_t min_n);

// Like is ranked with like: a county bureau's figure sums many hospitals, so it is never ranked
// against a single hospital, nor a window against a department. One group per node kind, in the
// tree's order (bureau, county, institution, department, point), each ranked on its own.
struct RankGroup {
  std::string kind;
  std::string name;  // 县（区）卫生健康局, 医疗机构, 科室, …
  std::vector<RankEntry> entries;
  int hidden = 0;    // entries below the minimum n
};
std::vector<RankGroup> rank_by_kind(std::vector<RankEntry> entries, int64_t min_n);
// The Chinese name of a ranking group of nodes of this kind.
std::string kind_group_name(const std::string& kind);

}  // namespace manyi::metrics
