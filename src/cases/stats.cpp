#include "cases/stats.hpp"

#include <algorithm>
#include <set>

#include "cases/model.hpp"
#include "cases/service.hpp"
#include "workflow/calendar_store.hpp"
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

// What every figure is computed from, one value per case: the status, then 0/1 for overdue
// (pending or processing past the deadline; ? = now), warning (pending or processing at level
// 1), answered (first_replied_at set), first answer late (first_late) and reopened, and the
// callback's result ('' for none).
const char* kFacts =
    "c.status AS status, "
    "CASE WHEN c.status IN ('pending', 'processing') AND c.deadline_at < ? THEN 1 ELSE 0 END AS overdue, "
    "CASE WHEN c.status IN ('pending', 'processing') AND c.level = 1 THEN 1 ELSE 0 END AS warning, "
    "CASE WHEN c.first_replied_at IS NOT NULL THEN 1 ELSE 0 END AS replied, "
    "c.first_late AS late, "
    "CASE WHEN c.reopen_count > 0 THEN 1 ELSE 0 END AS reopened, "
    "c.callback_result AS callback";
const int kFactCount = 7;  // columns of kFacts

// The figures of `weight` cases with the facts in columns 0…6 of r (as kFacts lists them).
Figures figures_of(const store::Row& r, int64_t weight) {
  bool replied = r.i64(3) != 0, reopened = r.i64(5) != 0;
  std::string cb = r.str(6);
  auto n = [&](bool yes) { return yes ? weight : 0; };
  Figures f;
  f.count = weight;
  f.overdue = n(r.i64(1) != 0);
  f.warning = n(r.i64(2) != 0);
  f.replied = n(replied);
  f.on_time = n(replied && r.i64(4) == 0);
  f.reopened = n(reopened);
  f.handled = n(replied || reopened);
  f.callbacks = n(!cb.empty());
  f.satisfied = n(cb == "satisfied");
  f.basically_satisfied = n(cb == "basically_satisfied");
  f.unsatisfied = n(cb == "unsatisfied");
  return f;
}

// The department a case about a node is about — the node itself, or the department of the
// point (window) it is — with its name; none for the institution as a whole. And unit names.
struct OrgNames {
  std::map<int64_t, std::pair<int64_t, std::string>> dept_of;  // node -> (department, its name)
  std::map<int64_t, std::string> units;
};

// Runs select + "(?,?,…)" for the ids, 500 at a time.
template <class Each>
void for_ids(store::Db& db, const std::set<int64_t>& ids, const std::string& select, Each each) {
  std::vector<int64_t> all(ids.begin(), ids.end());
  for (size_t at = 0; at < all.size(); at += 500) {
    Params p;
    std::string marks;
    for (size_t i = at; i < std::min(all.size(), at + 500); ++i) {
      marks += marks.empty() ? "?" : ",?";
      p.push_back(all[i]);
    }
    for (auto& r : db.query(select + "(" + marks + ")", p)) each(r);
  }
}

OrgNames org_names(store::Db& db, const std::set<int64_t>& nodes, const std::set<int64_t>& units) {
  OrgNames o;
  for_ids(db, nodes,
          "SELECT n.id, CASE WHEN n.kind = 'department' THEN n.id WHEN n.kind = 'point' AND d.kind = 'department' "
          "THEN d.id END, CASE WHEN n.kind = 'department' THEN n.name WHEN n.kind = 'point' AND d.kind = "
          "'department' THEN d.name END FROM org_nodes n LEFT JOIN org_nodes d ON d.id = n.parent_id WHERE n.id IN ",
          [&](const store::Row& r) {
            if (auto dept = r.opt_i64(1)) o.dept_of[r.i64(0)] = {*dept, r.str(2)};
          });
  for_ids(db, units, "SELECT id, name FROM org_nodes WHERE id IN ",
          [&](const store::Row& r) { o.units[r.i64(0)] = r.str(1); });
  return o;
}

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
  CaseStats s;
  Params p{now};
  std::string where = stats_where(q, p);
  if (!q.breakdown) {
    // The totals: the database counts the cases of each combination of facts (a few dozen).
    auto rows = db.query(std::string("SELECT f.*, COUNT(*) FROM (SELECT ") + kFacts + " FROM cases c WHERE " + where +
                             ") f GROUP BY f.status, f.overdue, f.warning, f.replied, f.late, f.reopened, f.callback",
                         p);
    for (auto& r : rows) {
      int64_t n = r.i64(kFactCount);
      s.all.add(figures_of(r, n));
      s.by_status[r.str(0)] += n;
      if (is_open(r.str(0))) s.open += n;
    }
    return s;
  }
  // The breakdown reads each case once: its facts, what it is grouped by, and its times, as
  // 平均办理时长 runs on the working calendar (receipt to first answer, in working days).
  enum { kType = kFactCount, kCategory, kUnit, kNode, kReceived, kReplied };
  auto rows = db.query(std::string("SELECT ") + kFacts +
                           ", c.type, c.category, c.unit_id, c.node_id, c.received_at, c.first_replied_at "
                           "FROM cases c WHERE " + where,
                       p);
  std::set<int64_t> nodes, units;
  for (auto& r : rows) {
    units.insert(r.i64(kUnit));
    if (auto node = r.opt_i64(kNode)) nodes.insert(*node);
  }
  auto org = org_names(db, nodes, units);
  auto cal = workflow::load_calendar(db);
  for (auto& r : rows) {
    Figures f = figures_of(r, 1);
    if (auto replied_at = r.opt_i64(kReplied)) {
      f.working_days = static_cast<double>(cal.working_ms(r.i64(kReceived), *replied_at)) / calendar::kDayMs;
      f.timed = 1;
    }
    std::string status = r.str(0);
    s.all.add(f);
    ++s.by_status[status];
    if (is_open(status)) ++s.open;
    ++s.by_type[r.str(kType)];
    ++s.by_category[r.str(kCategory)];
    int64_t unit = r.i64(kUnit), dept = 0;
    s.by_unit[unit].add(f);
    s.unit_names[unit] = org.units.count(unit) ? org.units[unit] : "";
    if (auto it = org.dept_of.find(r.opt_i64(kNode).value_or(0)); it != org.dept_of.end()) {
      dept = it->second.first;
      s.dept_names[dept] = it->second.second;
    }
    s.by_dept[{unit, dept}].add(f);
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
