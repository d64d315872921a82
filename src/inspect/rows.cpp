// The inspect tables in one place: row <-> struct mappings, the plan's inspectors, the code
// sequence.
#include <fmt/format.h>

#include "core/calendar.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "inspect/internal.hpp"
#include "store/claim.hpp"

namespace manyi::inspect::detail {
using store::Value;

namespace {
template <class T>
Value opt(const std::optional<T>& v) {
  return v ? Value(*v) : Value(nullptr);
}
}  // namespace

const char* const kPlanSelect =
    "p.id, p.name, p.owner_node_id, p.owner_path, p.template_id, p.scope_node_id, p.node_kind, p.node_ids, "
    "p.cadence, p.window_from, p.window_to, p.covert, p.self_inspection, p.target, p.active, p.created_by, "
    "p.created_at, p.updated_at, (SELECT n.name FROM org_nodes n WHERE n.id = p.owner_node_id) "
    "FROM inspection_plans p";
const char* const kTaskSelect =
    "t.id, t.plan_id, t.period, t.node_id, t.node_path, t.owner_path, t.version_id, t.starts_at, t.due_at, "
    "t.supervise_at, t.status, t.level, t.next_check_at, t.inspection_id, t.created_at, t.done_at, "
    "(SELECT n.name FROM org_nodes n WHERE n.id = t.node_id) FROM inspection_tasks t";
const char* const kInspectionSelect =
    "i.id, i.code, i.task_id, i.plan_id, i.response_id, i.node_id, i.node_path, i.owner_path, i.inspector_id, "
    "i.inspector_name, i.draft_id, i.covert, i.score, i.grade, i.vetoed, i.created_at, i.published_at, "
    "i.confirmed_at, (SELECT n.name FROM org_nodes n WHERE n.id = i.node_id) FROM inspections i";

std::string ids_text(const std::vector<int64_t>& ids) {
  json a = json::array();
  for (auto id : ids) a.push_back(id_str(id));
  return a.dump();
}

std::vector<int64_t> ids_of(const std::string& text) {
  std::vector<int64_t> out;
  auto j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (auto& v : j)
    if (v.is_string()) out.push_back(parse_id(v.get<std::string>()));
  return out;
}

Plan plan_from(const store::Row& r) {
  Plan p;
  size_t i = 0;
  p.id = r.i64(i++);
  p.name = r.str(i++);
  p.owner_node_id = r.i64(i++);
  p.owner_path = r.str(i++);
  p.template_id = r.i64(i++);
  p.scope_node_id = r.i64(i++);
  p.node_kind = r.opt_str(i++);
  p.node_ids = ids_of(r.str(i++));
  p.cadence = r.str(i++);
  p.window_from = r.opt_str(i++);
  p.window_to = r.opt_str(i++);
  p.covert = r.i64(i++) != 0;
  p.self_inspection = r.i64(i++) != 0;
  p.target = r.f64(i++);
  p.active = r.i64(i++) != 0;
  p.created_by = r.i64(i++);
  p.created_at = r.i64(i++);
  p.updated_at = r.i64(i++);
  p.owner_name = r.str(i++);
  return p;
}

Task task_from(const store::Row& r) {
  Task t;
  size_t i = 0;
  t.id = r.i64(i++);
  t.plan_id = r.i64(i++);
  t.period = r.str(i++);
  t.node_id = r.i64(i++);
  t.node_path = r.str(i++);
  t.owner_path = r.str(i++);
  t.version_id = r.i64(i++);
  t.starts_at = r.i64(i++);
  t.due_at = r.i64(i++);
  t.supervise_at = r.i64(i++);
  t.status = r.str(i++);
  t.level = static_cast<int>(r.i64(i++));
  t.next_check_at = r.opt_i64(i++);
  t.inspection_id = r.i64(i++);
  t.created_at = r.i64(i++);
  t.done_at = r.opt_i64(i++);
  t.node_name = r.str(i++);
  return t;
}

Inspection inspection_from(const store::Row& r) {
  Inspection x;
  size_t i = 0;
  x.id = r.i64(i++);
  x.code = r.str(i++);
  x.task_id = r.i64(i++);
  x.plan_id = r.i64(i++);
  x.response_id = r.i64(i++);
  x.node_id = r.i64(i++);
  x.node_path = r.str(i++);
  x.owner_path = r.str(i++);
  x.inspector_id = r.i64(i++);
  x.inspector_name = r.str(i++);
  x.draft_id = r.str(i++);
  x.covert = r.i64(i++) != 0;
  x.score = r.f64(i++);
  x.grade = r.str(i++);
  x.vetoed = r.i64(i++) != 0;
  x.created_at = r.i64(i++);
  x.published_at = r.opt_i64(i++);
  x.confirmed_at = r.opt_i64(i++);
  x.node_name = r.str(i++);
  return x;
}

std::optional<Plan> load_plan(store::Db& db, int64_t id) {
  auto r = db.query(std::string("SELECT ") + kPlanSelect + " WHERE p.id = ?", {id});
  if (r.empty()) return std::nullopt;
  auto p = plan_from(r[0]);
  p.inspectors = plan_inspectors(db, id);
  return p;
}

std::optional<Plan> load_plan(store::Tx& tx, int64_t id) {
  auto r = tx.query(store::claim(tx, std::string("SELECT ") + kPlanSelect + " WHERE p.id = ?", false), {id});
  if (r.empty()) return std::nullopt;
  auto p = plan_from(r[0]);
  p.inspectors = plan_inspectors(tx, id);
  return p;
}

std::vector<int64_t> plan_inspectors(store::Db& db, int64_t plan_id) {
  std::vector<int64_t> out;
  for (auto& r : db.query("SELECT user_id FROM inspection_plan_inspectors WHERE plan_id = ? ORDER BY user_id", {plan_id}))
    out.push_back(r.i64(0));
  return out;
}

std::vector<int64_t> plan_inspectors(store::Tx& tx, int64_t plan_id) {
  std::vector<int64_t> out;
  for (auto& r : tx.query("SELECT user_id FROM inspection_plan_inspectors WHERE plan_id = ? ORDER BY user_id", {plan_id}))
    out.push_back(r.i64(0));
  return out;
}

namespace {
store::Params plan_values(const Plan& p) {
  return {p.name,        p.owner_node_id,  p.owner_path,  p.template_id,          store::id_or_null(p.scope_node_id),
          opt(p.node_kind), ids_text(p.node_ids), p.cadence, opt(p.window_from), opt(p.window_to),
          int64_t{p.covert}, int64_t{p.self_inspection}, p.target, int64_t{p.active}, store::id_or_null(p.created_by),
          p.created_at,  p.updated_at};
}
void write_inspectors(store::Tx& tx, const Plan& p) {
  tx.exec("DELETE FROM inspection_plan_inspectors WHERE plan_id = ?", {p.id});
  for (auto u : p.inspectors)
    tx.exec("INSERT INTO inspection_plan_inspectors(plan_id, user_id) VALUES (?, ?)", {p.id, u});
}
}  // namespace

void insert_plan(store::Tx& tx, const Plan& p) {
  auto v = plan_values(p);
  v.insert(v.begin(), p.id);
  tx.exec("INSERT INTO inspection_plans(id, name, owner_node_id, owner_path, template_id, scope_node_id, node_kind, "
          "node_ids, cadence, window_from, window_to, covert, self_inspection, target, active, created_by, created_at, "
          "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          v);
  write_inspectors(tx, p);
}

void save_plan(store::Tx& tx, const Plan& p) {
  auto v = plan_values(p);
  v.push_back(p.id);
  tx.exec("UPDATE inspection_plans SET name = ?, owner_node_id = ?, owner_path = ?, template_id = ?, scope_node_id = ?, "
          "node_kind = ?, node_ids = ?, cadence = ?, window_from = ?, window_to = ?, covert = ?, self_inspection = ?, "
          "target = ?, active = ?, created_by = ?, created_at = ?, updated_at = ? WHERE id = ?",
          v);
  write_inspectors(tx, p);
}

std::optional<Task> load_task(store::Db& db, int64_t id) {
  auto r = db.query(std::string("SELECT ") + kTaskSelect + " WHERE t.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return task_from(r[0]);
}

std::optional<Task> lock_task(store::Tx& tx, int64_t id) {
  auto r = tx.query(store::claim(tx, std::string("SELECT ") + kTaskSelect + " WHERE t.id = ?", false), {id});
  if (r.empty()) return std::nullopt;
  return task_from(r[0]);
}

std::optional<Inspection> load_inspection(store::Db& db, int64_t id) {
  auto r = db.query(std::string("SELECT ") + kInspectionSelect + " WHERE i.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return inspection_from(r[0]);
}

std::optional<Inspection> lock_inspection(store::Tx& tx, int64_t id) {
  auto r = tx.query(store::claim(tx, std::string("SELECT ") + kInspectionSelect + " WHERE i.id = ?", false), {id});
  if (r.empty()) return std::nullopt;
  return inspection_from(r[0]);
}

std::vector<Finding> load_findings(store::Tx* tx, store::Db& db, int64_t inspection_id) {
  const char* sql =
      "SELECT id, inspection_id, item_id, section, label, kind, deduction, reason, note, rectification_id "
      "FROM inspection_findings WHERE inspection_id = ? ORDER BY id";
  auto rows = tx ? tx->query(sql, {inspection_id}) : db.query(sql, {inspection_id});
  std::vector<Finding> out;
  for (auto& r : rows)
    out.push_back({r.i64(0), r.i64(1), r.str(2), r.str(3), r.str(4), r.str(5), r.f64(6), r.str(7), r.opt_str(8),
                   r.i64(9)});
  return out;
}

std::string next_code(store::Tx& tx, int64_t now) {
  calendar::Day day = calendar::day_of(now);
  std::string date = calendar::format_date(day);
  auto r = tx.query(
      "INSERT INTO settings(key, value, updated_at) VALUES (?, '1', 0) ON CONFLICT (key) DO UPDATE SET "
      "value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT) RETURNING value",
      {"inspect.seq." + date});
  std::string ymd = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
  return fmt::format("JC{}-{:04d}", ymd, std::stoll(r[0].str(0)));
}

}  // namespace manyi::inspect::detail
