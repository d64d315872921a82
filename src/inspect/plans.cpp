// Plans (检查计划): creation and changes within the planner's scope, reads, and what a plan
// covers. Bad input is 422 naming the field; nothing is stored.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "forms/service.hpp"
#include "inspect/internal.hpp"
#include "inspect/periods.hpp"
#include "inspect/service.hpp"
#include "org/model.hpp"
#include "org/reads.hpp"
#include "store/subtree.hpp"
#include "workflow/machine.hpp"

namespace manyi::inspect {
using namespace detail;
using store::Tx;

bool Grants::can(const std::string& perm, const std::string& path) const {
  if (system) return true;
  if (path.empty()) return false;
  auto it = paths.find(perm);
  if (it == paths.end()) return false;
  for (auto& g : it->second)
    if (org::Path(path).within(g)) return true;
  return false;
}

bool Grants::inside(const std::string& perm, const std::string& path) const {
  if (system) return true;
  if (path.empty()) return false;
  auto it = paths.find(perm);
  if (it == paths.end()) return false;
  for (auto& g : it->second)
    if (org::Path(g).within(path)) return true;
  return false;
}

namespace detail {
std::vector<Covered> covered_nodes(Tx& tx, const Plan& p) {
  std::vector<Covered> out;
  if (p.scope_node_id) {
    auto root = org::node_at(tx, p.scope_node_id);
    if (!root || !root->active) return out;
    store::Params q{root->path.str(), root->path.upper()};
    std::string sql = "SELECT id, path FROM org_nodes WHERE path >= ? AND path < ? AND active = 1";
    if (p.node_kind) {
      sql += " AND kind = ?";
      q.push_back(*p.node_kind);
    }
    for (auto& r : tx.query(sql + " ORDER BY path", q)) out.push_back({r.i64(0), r.str(1)});
    return out;
  }
  for (auto& n : org::nodes_at(tx, p.node_ids))
    if (n.active) out.push_back({n.id, n.path.str()});
  return out;
}
}  // namespace detail

namespace {

std::string name_text(const std::string& v) { return workflow::check_text(v, "name", 100, true); }

// Checks a plan as it would be stored: 422 naming the field, 403 outside the planner's scope.
void check_plan(Tx& tx, const Grants& who, forms::FormService& forms, Plan& p, int64_t now) {
  // Template: an active, published checklist, shipped or owned by the planner's unit or above.
  auto t = forms.get(p.template_id);
  if (!t || !t->active || t->kind != "checklist") throw invalid("template_id", "no checklist template has this id");
  if (!t->current_version_id) throw invalid("template_id", "this checklist has no published version yet");
  if (t->owner_node_id && !org::Path(p.owner_path).within(t->owner_path))
    throw invalid("template_id", "this checklist belongs to another unit");
  // Coverage: a subtree or a list of nodes, inside the owner's subtree.
  if (p.scope_node_id && !p.node_ids.empty())
    throw invalid("node_ids", "a plan covers a subtree (scope_node_id) or a list of nodes (node_ids), not both");
  if (!p.scope_node_id && p.node_ids.empty())
    throw invalid("scope_node_id", "name the subtree the plan covers (scope_node_id) or a list of nodes (node_ids)");
  if (p.node_kind && std::find(org::kNodeKinds.begin(), org::kNodeKinds.end(), *p.node_kind) == org::kNodeKinds.end())
    throw invalid("node_kind", "node_kind is one of bureau, county, institution, department, point");
  if (p.node_kind && !p.scope_node_id) throw invalid("node_kind", "node_kind narrows a subtree (scope_node_id)");
  std::vector<std::string> cover_paths;
  if (p.scope_node_id) {
    auto n = org::node_at(tx, p.scope_node_id);
    if (!n || !n->active) throw invalid("scope_node_id", "no active org node has this id");
    if (!n->path.within(p.owner_path)) throw invalid("scope_node_id", "the subtree lies outside the planner's unit");
    cover_paths.push_back(n->path.str());
  } else {
    if (p.node_ids.size() > kMaxListedNodes)
      throw invalid("node_ids", fmt::format("a plan lists at most {} nodes", kMaxListedNodes));
    std::set<int64_t> seen(p.node_ids.begin(), p.node_ids.end());
    if (seen.size() != p.node_ids.size()) throw invalid("node_ids", "a node is listed twice");
    auto nodes = org::nodes_at(tx, p.node_ids);
    if (nodes.size() != p.node_ids.size()) throw invalid("node_ids", "no org node has one of these ids");
    for (auto& n : nodes) {
      if (!n.active) throw invalid("node_ids", "node " + n.name + " is not active");
      if (!n.path.within(p.owner_path)) throw invalid("node_ids", "node " + n.name + " lies outside the planner's unit");
      cover_paths.push_back(n.path.str());
    }
  }
  // Cadence and window.
  if (std::find(kCadences.begin(), kCadences.end(), p.cadence) == kCadences.end())
    throw invalid("cadence", "cadence is daily, weekly, monthly, quarterly or once");
  if (p.cadence == "once") {
    if (!p.window_from || !calendar::parse_date(*p.window_from))
      throw invalid("window_from", "a one-off plan needs window_from YYYY-MM-DD");
    if (!p.window_to || !calendar::parse_date(*p.window_to))
      throw invalid("window_to", "a one-off plan needs window_to YYYY-MM-DD");
    if (*calendar::parse_date(*p.window_to) < *calendar::parse_date(*p.window_from))
      throw invalid("window_to", "window_to must not be before window_from");
    if (*calendar::parse_date(*p.window_to) < calendar::day_of(now)) throw invalid("window_to", "the window has passed");
  } else if (p.window_from || p.window_to) {
    throw invalid(p.window_from ? "window_from" : "window_to", "only a one-off plan (cadence once) has a window");
  }
  if (!(p.target > 0 && p.target <= 1)) throw invalid("target", "target is a share above 0 and at most 1 (1 = 100%)");
  if (p.self_inspection && p.covert) throw invalid("covert", "a self-inspection (自查) is not covert");
  // Inspectors: active users who may perform inspections on everything the plan covers.
  if (p.inspectors.size() > kMaxInspectors)
    throw invalid("inspectors", fmt::format("a plan has at most {} inspectors", kMaxInspectors));
  std::set<int64_t> users(p.inspectors.begin(), p.inspectors.end());
  if (users.size() != p.inspectors.size()) throw invalid("inspectors", "an inspector is listed twice");
  if (p.inspectors.empty() && !p.self_inspection)
    throw invalid("inspectors", "assign at least one inspector (or make it a self-inspection)");
  for (auto u : p.inspectors)
    for (auto& path : cover_paths) {
      auto h = org::holder_on(tx, u, {"inspection.perform"}, org::Path(path));
      if (!h.found) throw invalid("inspectors", "no active user has the id " + id_str(u));
      if (!h.holds)
        throw invalid("inspectors", h.display_name + " may not perform inspections on every unit the plan covers");
    }
  (void)who;
}

}  // namespace

Plan InspectService::create_plan(const Grants& who, const PlanInput& in) {
  forms_.ensure_seeded();
  int64_t now = now_ms();
  Plan p;
  p.id = new_id();
  p.name = name_text(in.name.value_or(""));
  p.template_id = in.template_id;
  p.scope_node_id = in.scope_node_id;
  p.node_kind = in.node_kind;
  p.node_ids = in.node_ids.value_or(std::vector<int64_t>{});
  p.cadence = in.cadence.value_or("");
  p.window_from = in.window_from;
  p.window_to = in.window_to;
  p.covert = in.covert.value_or(false);
  p.self_inspection = in.self_inspection.value_or(false);
  p.target = in.target.value_or(1);
  p.inspectors = in.inspectors.value_or(std::vector<int64_t>{});
  p.created_by = who.user_id();
  p.created_at = p.updated_at = now;
  db_.write([&](Tx& tx) {
    int64_t owner = in.owner_node_id ? in.owner_node_id : p.scope_node_id;
    if (!owner) throw invalid("owner_node_id", "name the planner's unit (owner_node_id)");
    auto o = org::node_at(tx, owner);
    if (!o || !o->active) throw invalid(in.owner_node_id ? "owner_node_id" : "scope_node_id", "no active org node has this id");
    if (!who.can("inspection.plan", o->path.str()))
      throw forbidden("you may not plan inspections for this unit (inspection.plan)");
    p.owner_node_id = o->id;
    p.owner_path = o->path.str();
    check_plan(tx, who, forms_, p, now);
    insert_plan(tx, p);
    audit::record(tx, who.actor, {"inspection.plan.create", "inspection_plan", p.id, p.owner_node_id, p.owner_path, "", "",
                                  p.name});
  });
  return *find_plan(p.id);
}

Plan InspectService::update_plan(const Grants& who, int64_t id, const PlanInput& in) {
  forms_.ensure_seeded();
  int64_t now = now_ms();
  db_.write([&](Tx& tx) {
    auto p = load_plan(tx, id);
    if (!p || !plan_visible(who, *p)) throw not_found("inspection plan");
    if (!who.can("inspection.plan", p->owner_path))
      throw forbidden("you may not change this plan (inspection.plan)");
    std::string before = fmt::format("{}|{}|{}", p->name, p->target, p->active);
    if (in.name) p->name = name_text(*in.name);
    if (in.target) p->target = *in.target;
    if (in.inspectors) p->inspectors = *in.inspectors;
    if (in.active) p->active = *in.active;
    if (in.window_to) p->window_to = in.window_to;
    p->updated_at = now;
    if (p->active || in.inspectors || in.window_to) check_plan(tx, who, forms_, *p, now);
    save_plan(tx, *p);
    audit::record(tx, who.actor, {"inspection.plan.update", "inspection_plan", p->id, p->owner_node_id, p->owner_path,
                                  before, fmt::format("{}|{}|{}", p->name, p->target, p->active), p->name});
  });
  return *find_plan(id);
}

void InspectService::archive_plan(const Grants& who, int64_t id) {
  PlanInput in;
  in.active = false;
  update_plan(who, id, in);
}

bool InspectService::plan_visible(const Grants& who, const Plan& p) const {
  if (who.can("inspection.read", p.owner_path)) return true;
  return std::find(p.inspectors.begin(), p.inspectors.end(), who.user_id()) != p.inspectors.end();
}

std::optional<Plan> InspectService::find_plan(int64_t id) { return load_plan(db_, id); }

Plan InspectService::get_plan(const Grants& who, int64_t id) {
  auto p = find_plan(id);
  if (!p || !plan_visible(who, *p)) throw not_found("inspection plan");
  return *p;
}

std::vector<Plan> InspectService::list_plans(const Grants& who, const std::string& node_path, int64_t cursor,
                                             int limit, int64_t* next_cursor) {
  store::Params q;
  std::vector<std::string> scope;
  if (auto it = who.paths.find("inspection.read"); it != who.paths.end()) scope = it->second;
  std::string sql = std::string("SELECT ") + kPlanSelect + " WHERE " +
                    (who.system ? std::string("1=1") : store::subtree_condition("p.owner_path", scope, q));
  if (!node_path.empty()) {
    sql += " AND p.owner_path >= ? AND p.owner_path < ?";
    q.push_back(node_path);
    q.push_back(store::subtree_upper(node_path));
  }
  if (cursor) {
    sql += " AND p.id < ?";
    q.push_back(cursor);
  }
  sql += " ORDER BY p.id DESC LIMIT ?";
  q.push_back(int64_t{limit + 1});
  std::vector<Plan> out;
  for (auto& r : db_.query(sql, q)) out.push_back(plan_from(r));
  if (next_cursor) *next_cursor = 0;
  if (static_cast<int>(out.size()) > limit) {
    out.resize(limit);
    if (next_cursor) *next_cursor = out.back().id;
  }
  for (auto& p : out) p.inspectors = plan_inspectors(db_, p.id);
  return out;
}

}  // namespace manyi::inspect
