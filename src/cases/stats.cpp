#include "cases/stats.hpp"

#include "cases/model.hpp"
#include "cases/service.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"

namespace manyi::cases {

using store::Params;

void Figures::add(const Figures& o) {
  count += o.count;
  overdue += o.overdue;
  warning += o.warning;
  replied += o.replied;
  on_time += o.on_time;
  reopened += o.reopened;
  handled += o.handled;
  callbacks += o.callbacks;
  satisfied += o.satisfied;
  basically_satisfied += o.basically_satisfied;
  unsatisfied += o.unsatisfied;
  working_days += o.working_days;
  timed += o.timed;
}

namespace {

// The department a case is about (its node, or the department of the point it is about) and
// its name; NULL for a case about the institution as a whole.
const char* kDeptId =
    "CASE WHEN n.kind = 'department' THEN n.id WHEN n.kind = 'point' AND d.kind = 'department' THEN d.id END";
const char* kDeptName =
    "CASE WHEN n.kind = 'department' THEN n.name WHEN n.kind = 'point' AND d.kind = 'department' THEN d.name END";
const char* kJoins =
    " LEFT JOIN org_nodes u ON u.id = c.unit_id LEFT JOIN org_nodes n ON n.id = c.node_id "
    "LEFT JOIN org_nodes d ON d.id = n.parent_id";

}  // namespace

std::string stats_where(const StatsQuery& q, Params& p) {
  std::string where = scope_sql(q.read_scope, q.sensitive_scope, q.node_path, p);
  if (q.created_from) {
    where += " AND c.created_at >= ?";
    p.push_back(q.created_from);
  }
  if (q.created_to) {
    where += " AND c.created_at < ?";
    p.push_back(q.created_to);
  }
  return where;
}

CaseStats compute_stats(store::Db& db, const StatsQuery& q, int64_t now) {
  // The counts are summed by the database per group — by status, and with the breakdown by
  // type, category, unit and department too — so no case row leaves it for them.
  std::string dims = "c.status";
  if (q.breakdown)
    dims += std::string(", c.type, c.category, c.unit_id, u.name, ") + kDeptId + ", " + kDeptName;
  Params p{now};
  std::string where = stats_where(q, p);
  auto rows = db.query(
      "SELECT " + dims + ", COUNT(*), "
      "SUM(CASE WHEN c.status IN ('pending', 'processing') AND c.deadline_at < ? THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN c.status IN ('pending', 'processing') AND c.level = 1 THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN c.first_replied_at IS NOT NULL THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN c.first_replied_at IS NOT NULL AND c.first_late = 0 THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN c.reopen_count > 0 THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN c.first_replied_at IS NOT NULL OR c.reopen_count > 0 THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN c.callback_result <> '' THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN c.callback_result = 'satisfied' THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN c.callback_result = 'basically_satisfied' THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN c.callback_result = 'unsatisfied' THEN 1 ELSE 0 END) "
      "FROM cases c" + (q.breakdown ? kJoins : "") + " WHERE " + where + " GROUP BY " + dims,
      p);
  CaseStats s;
  const int k = q.breakdown ? 7 : 1;  // the first figure's column
  for (auto& r : rows) {
    Figures f;
    f.count = r.i64(k);
    f.overdue = r.i64(k + 1);
    f.warning = r.i64(k + 2);
    f.replied = r.i64(k + 3);
    f.on_time = r.i64(k + 4);
    f.reopened = r.i64(k + 5);
    f.handled = r.i64(k + 6);
    f.callbacks = r.i64(k + 7);
    f.satisfied = r.i64(k + 8);
    f.basically_satisfied = r.i64(k + 9);
    f.unsatisfied = r.i64(k + 10);
    std::string status = r.str(0);
    s.all.add(f);
    s.by_status[status] += f.count;
    if (is_open(status)) s.open += f.count;
    if (!q.breakdown) continue;
    s.by_type[r.str(1)] += f.count;
    s.by_category[r.str(2)] += f.count;
    int64_t unit = r.i64(3), dept = r.opt_i64(5).value_or(0);
    s.by_unit[unit].add(f);
    s.unit_names[unit] = r.str(4);
    s.by_dept[{unit, dept}].add(f);
    if (dept) s.dept_names[dept] = r.str(6);
  }
  if (!q.breakdown) return s;

  // 平均办理时长 runs on the working calendar: each answered case's time, summed in C++.
  auto cal = load_calendar(db);
  Params tp;
  std::string twhere = stats_where(q, tp);
  auto timed = db.query(std::string("SELECT c.unit_id, ") + kDeptId + ", c.received_at, c.first_replied_at FROM cases c" +
                            kJoins + " WHERE " + twhere + " AND c.first_replied_at IS NOT NULL",
                        tp);
  for (auto& r : timed) {
    double days = static_cast<double>(cal.working_ms(r.i64(2), r.i64(3))) / calendar::kDayMs;
    int64_t unit = r.i64(0), dept = r.opt_i64(1).value_or(0);
    for (Figures* f : {&s.all, &s.by_unit[unit], &s.by_dept[{unit, dept}]}) {
      f->working_days += days;
      ++f->timed;
    }
  }
  return s;
}

Stats CaseService::stats(const std::vector<std::string>& read_scope, const std::vector<std::string>& sensitive_scope,
                         const std::string& node_path) {
  auto c = compute_stats(db_, {read_scope, sensitive_scope, node_path}, now_ms());
  Stats s;
  for (auto& [status, n] : c.by_status) s.by_status.emplace_back(status, n);
  s.total = c.all.count;
  s.open = c.open;
  s.overdue = c.all.overdue;
  s.warning = c.all.warning;
  s.replied = c.all.replied;
  s.replied_on_time = c.all.on_time;
  s.satisfied = c.all.satisfied;
  s.basically_satisfied = c.all.basically_satisfied;
  s.unsatisfied = c.all.unsatisfied;
  s.callbacks = s.satisfied + s.basically_satisfied + s.unsatisfied;
  return s;
}

}  // namespace manyi::cases
