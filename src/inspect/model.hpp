// Inspections (检查): plain types. A plan (检查计划) names a checklist template of the forms
// engine, what it covers, a cadence, overt or covert (暗访), a coverage target and its
// inspectors; each period it yields one task (检查任务) per covered unit; an inspector performs
// a task once (an inspection, 检查记录: the immutable checklist response and its score), whose
// deductions and vetoes are findings (问题) the inspector confirms into the rectification
// ledger. Self-inspection (自查) is a plan whose inspector is the covered unit itself.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"

namespace manyi::inspect {

struct Plan {
  int64_t id = 0;
  std::string name;
  int64_t owner_node_id = 0;
  std::string owner_path, owner_name;
  int64_t template_id = 0;
  int64_t scope_node_id = 0;            // coverage by subtree, or 0 with a list
  std::optional<std::string> node_kind;  // only nodes of this kind in the subtree
  std::vector<int64_t> node_ids;         // coverage by list
  std::string cadence;                   // periods.hpp kCadences
  std::optional<std::string> window_from, window_to;  // once
  bool covert = false, self_inspection = false;
  double target = 1;                     // coverage target, a share
  std::vector<int64_t> inspectors;       // user ids
  bool active = true;
  int64_t created_by = 0, created_at = 0, updated_at = 0;
};

struct Task {
  int64_t id = 0, plan_id = 0;
  std::string period;
  int64_t node_id = 0;
  std::string node_path, node_name, owner_path;
  int64_t version_id = 0;
  int64_t starts_at = 0, due_at = 0, supervise_at = 0;
  std::string status;  // due | done | overdue
  int level = 0;
  std::optional<int64_t> next_check_at;
  int64_t inspection_id = 0;
  int64_t created_at = 0;
  std::optional<int64_t> done_at;
};

struct Finding {
  int64_t id = 0, inspection_id = 0;
  std::string item_id, section, label, kind;  // kind: deduction | veto
  double deduction = 0;
  std::string reason;
  std::optional<std::string> note;
  int64_t rectification_id = 0;
};

struct Inspection {
  int64_t id = 0;
  std::string code;
  int64_t task_id = 0, plan_id = 0, response_id = 0, node_id = 0;
  std::string node_path, node_name, owner_path;
  int64_t inspector_id = 0;
  std::string inspector_name, draft_id;
  bool covert = false;
  double score = 0;
  std::string grade;
  bool vetoed = false;
  int64_t created_at = 0;
  std::optional<int64_t> published_at, confirmed_at;
};

// A new plan or the changes to one (absent = unchanged on a patch).
struct PlanInput {
  std::optional<std::string> name;
  int64_t owner_node_id = 0;  // default: the coverage root
  int64_t template_id = 0;
  int64_t scope_node_id = 0;
  std::optional<std::string> node_kind;
  std::optional<std::vector<int64_t>> node_ids;
  std::optional<std::string> cadence, window_from, window_to;
  std::optional<bool> covert, self_inspection, active;
  std::optional<double> target;
  std::optional<std::vector<int64_t>> inspectors;
};

struct TaskFilter {
  bool mine = false;
  int64_t plan_id = 0;
  std::string status, period;
  std::string node_path;  // ?node=
  int64_t cursor = 0;
  int limit = 50;
};

// One unit's line on the coverage board.
struct CoverageLine {
  Task task;
  double score = 0;
  bool vetoed = false;
};
struct Coverage {
  std::string period;
  int64_t done = 0, due = 0, overdue = 0, total = 0;
  double rate = 0;  // done / total
  std::vector<CoverageLine> lines;
};

}  // namespace manyi::inspect
