// Inside the inspect domain only: the row mappings of plans, tasks, inspections and findings
// that plans.cpp, tasks.cpp and inspections.cpp share. Nothing outside src/inspect includes this.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "inspect/model.hpp"
#include "store/db.hpp"

namespace manyi::inspect::detail {

// "SELECT " + k…Select + " FROM … WHERE …": plans p, tasks t, inspections i (each with the
// unit's name from org_nodes).
extern const char* const kPlanSelect;
extern const char* const kTaskSelect;
extern const char* const kInspectionSelect;
Plan plan_from(const store::Row& r);
Task task_from(const store::Row& r);
Inspection inspection_from(const store::Row& r);

std::optional<Plan> load_plan(store::Db& db, int64_t id);
std::optional<Plan> load_plan(store::Tx& tx, int64_t id);
std::vector<int64_t> plan_inspectors(store::Db& db, int64_t plan_id);
std::vector<int64_t> plan_inspectors(store::Tx& tx, int64_t plan_id);
void insert_plan(store::Tx& tx, const Plan& p);
void save_plan(store::Tx& tx, const Plan& p);  // and its inspectors

std::optional<Task> load_task(store::Db& db, int64_t id);
std::optional<Task> lock_task(store::Tx& tx, int64_t id);  // FOR UPDATE on PostgreSQL
std::optional<Inspection> load_inspection(store::Db& db, int64_t id);
std::optional<Inspection> lock_inspection(store::Tx& tx, int64_t id);
std::vector<Finding> load_findings(store::Tx* tx, store::Db& db, int64_t inspection_id);

// JSON arrays of ids as strings ("[\"1\",\"2\"]") and back.
std::string ids_text(const std::vector<int64_t>& ids);
std::vector<int64_t> ids_of(const std::string& text);

// The first of the day's inspection codes: JC<yyyymmdd>-<seq, 4 digits>.
std::string next_code(store::Tx& tx, int64_t now);

}  // namespace manyi::inspect::detail

namespace manyi::inspect::detail {
struct Covered {
  int64_t id = 0;
  std::string path;
};
// The active nodes a plan covers now: its subtree (only nodes of node_kind when set) or its list.
std::vector<Covered> covered_nodes(store::Tx& tx, const Plan& p);
}  // namespace manyi::inspect::detail
