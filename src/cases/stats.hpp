// Case statistics (投诉统计): one computation behind GET /api/v1/cases/stats (totals) and
// GET /api/v1/case-reports/stats and stats.xlsx (the statistics page: totals, by type,
// category, unit and department, handling time). Every figure counts the cases the caller may
// see (scope_sql, the case list's visibility rule). Definitions (docs/architecture.md, "Case
// times"): 按时答复率 = answered cases whose first answer came by the deadline then in force
// (first_late = 0) over answered cases; 平均办理时长 = mean working time, in working days, from
// received_at to first_replied_at; 重办率 = reopened cases over cases answered or reopened;
// 回访满意率 = 满意 and 基本满意 callbacks over callbacks; overdue = pending or processing past
// the deadline; warning (临期) = pending or processing at level 1.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/db.hpp"

namespace manyi::cases {

struct StatsQuery {
  std::vector<std::string> read_scope, sensitive_scope;
  std::string node_path;             // only cases about or owned within this subtree ("" = all)
  int64_t created_from = 0;          // created at or after (0 = no bound)
  int64_t created_to = 0;            // created before (0 = no bound)
  bool breakdown = false;            // by type, category, unit and department, and handling time
};

// The figures of one group of cases.
struct Figures {
  int64_t count = 0, overdue = 0, warning = 0, replied = 0, on_time = 0, reopened = 0;
  int64_t handled = 0;  // answered or reopened: the reopen rate's n
  int64_t callbacks = 0, satisfied = 0, basically_satisfied = 0, unsatisfied = 0;
  double working_days = 0;  // summed over the `timed` answered cases (breakdown only)
  int64_t timed = 0;
  void add(const Figures& o);
};

struct CaseStats {
  Figures all;
  int64_t open = 0;
  std::map<std::string, int64_t> by_status;
  // With breakdown:
  std::map<std::string, int64_t> by_type, by_category;
  std::map<int64_t, Figures> by_unit;
  std::map<int64_t, std::string> unit_names;
  // By department (科室): the department a case is about — the case's node, or the department
  // of the window (point) it is about; 0 = about the institution as a whole.
  std::map<std::pair<int64_t, int64_t>, Figures> by_dept;  // (unit, department)
  std::map<int64_t, std::string> dept_names;
};

// The WHERE (on cases aliased c) of the cases a query covers, its values appended to p.
std::string stats_where(const StatsQuery& q, store::Params& p);

CaseStats compute_stats(store::Db& db, const StatsQuery& q, int64_t now);

// The totals of GET /api/v1/cases/stats (CaseService::stats).
struct Stats {
  std::vector<std::pair<std::string, int64_t>> by_status;
  int64_t total = 0, open = 0, overdue = 0, warning = 0, replied = 0, replied_on_time = 0;
  int64_t callbacks = 0, satisfied = 0, basically_satisfied = 0, unsatisfied = 0;
};

}  // namespace manyi::cases
