// Tasks (检查任务): generation per plan, period and covered unit (the job inspection-tasks),
// the overdue scan (inspection-escalation), who sees and performs a task, the lists and the
// coverage board.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/period.hpp"
#include "forms/service.hpp"
#include "inspect/internal.hpp"
#include "inspect/periods.hpp"
#include "inspect/service.hpp"
#include "metrics/series.hpp"
#include "store/claim.hpp"
#include "store/subtree.hpp"
#include "workflow/calendar_store.hpp"
#include "workflow/clock.hpp"
#include "workflow/notice.hpp"

namespace manyi::inspect {
using namespace detail;
using store::Tx;

namespace {

int ymd(calendar::Day d) { return period::local_day(calendar::day_start(d)); }

std::optional<Slot> plan_slot_at(const Plan& p, calendar::Day today, const calendar::Calendar& cal) {
  calendar::Day from = 0, to = 0;
  if (p.window_from) from = calendar::parse_date(*p.window_from).value_or(0);
  if (p.window_to) to = calendar::parse_date(*p.window_to).value_or(0);
  return slot_at(p.cadence, today, cal, from, to);
}

std::optional<Slot> plan_slot_of(const Plan& p, const std::string& key, const calendar::Calendar& cal) {
  calendar::Day from = 0, to = 0;
  if (p.window_from) from = calendar::parse_date(*p.window_from).value_or(0);
  if (p.window_to) to = calendar::parse_date(*p.window_to).value_or(0);
  return slot_of(p.cadence, key, cal, from, to);
}

// The task's clock: overdue (level 2) once the due date's last millisecond has passed,
// supervised (level 3) later.
workflow::Clock clock_of(const Task& t) {
  workflow::Clock k;
  k.started_at = t.starts_at;
  k.warn_at = k.deadline_at = t.due_at + 1;
  k.supervise_at = t.supervise_at;
  k.level = t.level;
  return k;
}

std::string shown_status(const Task& t, int64_t now) {
  return t.status == "due" && now > t.due_at ? "overdue" : t.status;
}

bool assigned(const Plan& p, int64_t user) {
  return std::find(p.inspectors.begin(), p.inspectors.end(), user) != p.inspectors.end();
}

// Ancestors of the caller's inspection.perform grants (each path and every prefix): the owner
// paths of the 自查 plans whose units they belong to.
std::vector<std::string> own_unit_prefixes(const Grants& who) {
  std::vector<std::string> out;
  auto it = who.paths.find("inspection.perform");
  if (it == who.paths.end()) return out;
  for (auto& g : it->second) {
    org::Path p(g);
    while (!p.empty()) {
      if (std::find(out.begin(), out.end(), p.str()) == out.end()) out.push_back(p.str());
      p = p.parent();
    }
  }
  return out;
}

// How many units the plan covers now that have no task of this period yet (one read: the job
// runs every minute and most runs find nothing to make).
int64_t missing_tasks(store::Db& db, const Plan& p, const std::string& key) {
  store::Params q;
  std::string cover;
  if (p.scope_node_id) {
    auto root = db.query("SELECT path FROM org_nodes WHERE id = ? AND active = 1", {p.scope_node_id});
    if (root.empty()) return 0;
    cover = "n.path >= ? AND n.path < ?";
    q.push_back(root[0].str(0));
    q.push_back(store::subtree_upper(root[0].str(0)));
    if (p.node_kind) {
      cover += " AND n.kind = ?";
      q.push_back(*p.node_kind);
    }
  } else {
    if (p.node_ids.empty()) return 0;
    cover = "n.id IN (";
    for (size_t i = 0; i < p.node_ids.size(); ++i) {
      cover += i ? ", ?" : "?";
      q.push_back(p.node_ids[i]);
    }
    cover += ")";
  }
  q.push_back(p.id);
  q.push_back(key);
  return store::scalar_i64(db.query("SELECT COUNT(*) FROM org_nodes n WHERE n.active = 1 AND " + cover +
                                        " AND NOT EXISTS (SELECT 1 FROM inspection_tasks t WHERE t.plan_id = ? AND "
                                        "t.period = ? AND t.node_id = n.id)",
                                    q))
      .value_or(0);
}

}  // namespace

int InspectService::generate(int64_t now) {
  forms_.ensure_seeded();
  auto cal = workflow::load_calendar(db_);
  int made = 0;
  std::vector<int64_t> plans;
  for (auto& r : db_.query("SELECT id FROM inspection_plans WHERE active = 1 ORDER BY id")) plans.push_back(r.i64(0));
  for (int64_t plan_id : plans)
    if (auto p = find_plan(plan_id)) made += generate_plan(*p, now, cal);
  return made;
}

int InspectService::generate_for(int64_t plan_id, int64_t now) {
  auto p = find_plan(plan_id);
  if (!p || !p->active) return 0;
  forms_.ensure_seeded();
  return generate_plan(*p, now, workflow::load_calendar(db_));
}

int InspectService::generate_plan(const Plan& plan, int64_t now, const calendar::Calendar& cal) {
  const Plan* p = &plan;
  calendar::Day today = calendar::day_of(now);
  int made = 0;
  auto slot = plan_slot_at(*p, today, cal);
  if (!slot || missing_tasks(db_, *p, slot->key) == 0) return 0;
  auto t = forms_.get(p->template_id);
  if (!t || !t->current_version_id) return 0;
  int64_t supervise = cal.deadline_after(slot->due_at, kSuperviseAfterDays);
  db_.write([&](Tx& tx) {
    metrics::series::Batch figures;
    for (auto& n : covered_nodes(tx, *p)) {
      int64_t id = new_id();
      int64_t added = tx.exec(
          "INSERT INTO inspection_tasks(id, plan_id, period, node_id, node_path, owner_path, version_id, starts_at, "
          "due_at, supervise_at, status, level, next_check_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
          "'due', 0, ?, ?) ON CONFLICT (plan_id, period, node_id) DO NOTHING",
          {id, p->id, slot->key, n.id, n.path, p->owner_path, t->current_version_id, slot->starts_at, slot->due_at,
           supervise, slot->due_at + 1, now});
      if (added != 1) continue;
      ++made;
      // inspect.coverage: a task due (den) on the period's first day; num when it is done.
      figures.add({n.id, n.path}, "inspect.coverage", ymd(slot->from), {0, 0, 0, 1});
    }
    figures.write(tx);
  });
  return made;
}

int InspectService::run_escalations(int64_t now) {
  int steps = 0;
  audit::Actor sys{0, "system", "local"};
  for (;;) {
    int batch = 0;
    db_.write([&](Tx& tx) {
      auto rows = tx.query(store::claim(tx, std::string("SELECT ") + kTaskSelect +
                                                " WHERE t.next_check_at <= ? ORDER BY t.next_check_at LIMIT 200"),
                           {now});
      batch = static_cast<int>(rows.size());
      for (auto& row : rows) {
        Task t = task_from(row);
        auto k = clock_of(t);
        int target = k.level_at(now);
        if (t.status == "done" || target <= t.level) {
          std::optional<int64_t> next = t.status == "done" ? std::nullopt : k.next_check(true);
          if (next && *next <= now) next.reset();
          tx.exec("UPDATE inspection_tasks SET next_check_at = ? WHERE id = ?",
                  {next ? store::Value(*next) : store::Value(nullptr), t.id});
          continue;
        }
        auto p = load_plan(tx, t.plan_id);
        if (!p) continue;
        std::string link = fmt::format("/inspection-tasks/{}", t.id);
        std::string body = fmt::format("{}（{}）{} 未按期完成检查", p->name, t.period, t.node_name);
        if (t.level < 2 && target >= 2) {
          // 检查任务逾期 → the inspectors (or, for 自查, the unit itself).
          if (p->self_inspection || p->inspectors.empty())
            workflow::post(tx, {t.node_id, "inspection.overdue", "检查任务逾期", body, link, false});
          for (auto u : p->inspectors)
            tx.exec_deferred(
                "INSERT INTO notifications(id, user_id, node_id, kind, title, body, link, created_at) "
                "VALUES (?, ?, NULL, 'inspection.overdue', '检查任务逾期', ?, ?, ?)",
                {new_id(), u, body, link, now_ms()});
          ++steps;
        }
        if (target >= 3) {
          // 逾期督办 → the planner's unit.
          workflow::post(tx, {p->owner_node_id, "inspection.supervise", "检查任务逾期督办", body, link, true});
          ++steps;
        }
        k.level = target;
        auto next = k.next_check(true);
        tx.exec("UPDATE inspection_tasks SET status = 'overdue', level = ?, next_check_at = ? WHERE id = ?",
                {int64_t{target}, next ? store::Value(*next) : store::Value(nullptr), t.id});
        audit::record(tx, sys, {"inspection.task.overdue", "inspection_task", t.id, t.node_id, t.node_path,
                                std::to_string(t.level), std::to_string(target), p->name + " " + t.period});
      }
    });
    if (batch < 200) break;
  }
  return steps;
}

bool InspectService::task_visible(const Grants& who, const Plan& p, const Task& t) const {
  if (who.can("inspection.read", p.owner_path)) return true;
  return may_perform(who, p, t);
}

bool InspectService::may_perform(const Grants& who, const Plan& p, const Task& t) const {
  if (!who.can("inspection.perform", t.node_path)) return false;
  if (assigned(p, who.user_id())) return true;
  // 自查: the unit's own people (a grant inside the plan's owner unit).
  return p.self_inspection && who.inside("inspection.perform", p.owner_path);
}

Task InspectService::get_task(const Grants& who, int64_t id) {
  auto t = load_task(db_, id);
  if (!t) throw not_found("inspection task");
  auto p = find_plan(t->plan_id);
  if (!p || !task_visible(who, *p, *t)) throw not_found("inspection task");
  t->status = shown_status(*t, now_ms());
  return *t;
}

std::shared_ptr<const forms::Definition> InspectService::task_definition(const Grants& who, int64_t task_id) {
  auto t = get_task(who, task_id);
  return forms_.version(t.version_id).def;
}

std::vector<Task> InspectService::list_tasks(const Grants& who, const TaskFilter& f, int64_t* next_cursor) {
  store::Params q;
  std::vector<std::string> perform_scope, read_scope;
  if (auto it = who.paths.find("inspection.perform"); it != who.paths.end()) perform_scope = it->second;
  if (auto it = who.paths.find("inspection.read"); it != who.paths.end()) read_scope = it->second;
  // Assigned to the caller, or the 自查 of the caller's own unit — on a node they may inspect.
  std::string mine = "(t.plan_id IN (SELECT plan_id FROM inspection_plan_inspectors WHERE user_id = ?)";
  q.push_back(who.user_id());
  auto prefixes = own_unit_prefixes(who);
  if (!prefixes.empty()) {
    mine += " OR (t.plan_id IN (SELECT id FROM inspection_plans WHERE self_inspection = 1) AND t.owner_path IN (";
    for (size_t i = 0; i < prefixes.size(); ++i) {
      mine += i ? ", ?" : "?";
      q.push_back(prefixes[i]);
    }
    mine += "))";
  }
  mine += ") AND " + store::subtree_condition("t.node_path", perform_scope, q);
  std::string where = "(" + mine + ")";
  if (!f.mine) where = "(" + where + " OR " + store::subtree_condition("t.owner_path", read_scope, q) + ")";
  if (f.plan_id) {
    where += " AND t.plan_id = ?";
    q.push_back(f.plan_id);
  }
  if (!f.period.empty()) {
    where += " AND t.period = ?";
    q.push_back(f.period);
  }
  int64_t now = now_ms();
  if (f.status == "done") {
    where += " AND t.status = 'done'";
  } else if (f.status == "due") {
    where += " AND t.status = 'due' AND t.due_at >= ?";
    q.push_back(now);
  } else if (f.status == "overdue") {
    where += " AND (t.status = 'overdue' OR (t.status = 'due' AND t.due_at < ?))";
    q.push_back(now);
  } else if (f.status == "open") {
    where += " AND t.status <> 'done'";
  }
  if (!f.node_path.empty()) {
    where += " AND t.node_path >= ? AND t.node_path < ?";
    q.push_back(f.node_path);
    q.push_back(store::subtree_upper(f.node_path));
  }
  if (f.cursor) {
    where += " AND t.id < ?";
    q.push_back(f.cursor);
  }
  q.push_back(int64_t{f.limit + 1});
  std::vector<Task> out;
  for (auto& r : db_.query(std::string("SELECT ") + kTaskSelect + " WHERE " + where + " ORDER BY t.id DESC LIMIT ?", q)) {
    out.push_back(task_from(r));
    out.back().status = shown_status(out.back(), now);
  }
  if (next_cursor) *next_cursor = 0;
  if (static_cast<int>(out.size()) > f.limit) {
    out.resize(f.limit);
    if (next_cursor) *next_cursor = out.back().id;
  }
  return out;
}

Coverage InspectService::coverage(const Grants& who, int64_t plan_id, const std::optional<std::string>& period) {
  auto p = find_plan(plan_id);
  if (!p || !who.can("inspection.read", p->owner_path)) throw not_found("inspection plan");
  int64_t now = now_ms();
  Coverage c;
  if (period) {
    auto cal = workflow::load_calendar(db_);
    if (period->size() > 20 || !plan_slot_of(*p, *period, cal))
      throw invalid("period", "period is a key of the plan's cadence (2026-03-02, 2026-W10, 2026-03, 2026-Q1, once)");
    c.period = *period;
  } else {
    // The current period, or the latest one with tasks (a plan between periods, a finished window).
    auto cal = workflow::load_calendar(db_);
    if (auto s = plan_slot_at(*p, calendar::day_of(now), cal)) c.period = s->key;
    auto latest = db_.query("SELECT period FROM inspection_tasks WHERE plan_id = ? ORDER BY created_at DESC LIMIT 1",
                            {plan_id});
    if (!latest.empty() && (c.period.empty() || store::scalar_i64(db_.query(
                                                    "SELECT COUNT(*) FROM inspection_tasks WHERE plan_id = ? AND period = ?",
                                                    {plan_id, c.period})) == 0))
      c.period = latest[0].str(0);
  }
  auto rows = db_.query(std::string("SELECT ") + kTaskSelect +
                            " WHERE t.plan_id = ? AND t.period = ? ORDER BY t.node_path",
                        {plan_id, c.period});
  for (auto& r : rows) {
    CoverageLine line{task_from(r), 0, false};
    line.task.status = shown_status(line.task, now);
    if (line.task.inspection_id) {
      auto x = db_.query("SELECT score, vetoed FROM inspections WHERE id = ?", {line.task.inspection_id});
      if (!x.empty()) {
        line.score = x[0].f64(0);
        line.vetoed = x[0].i64(1) != 0;
      }
    }
    ++c.total;
    if (line.task.status == "done") ++c.done;
    else if (line.task.status == "overdue") ++c.overdue;
    else ++c.due;
    c.lines.push_back(std::move(line));
  }
  c.rate = c.total ? static_cast<double>(c.done) / static_cast<double>(c.total) : 0;
  return c;
}

}  // namespace manyi::inspect
