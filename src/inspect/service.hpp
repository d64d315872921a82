// InspectService: plans, their tasks, the inspections done on them and their findings. Every
// change is one transaction that checks who may make it on the org tree, writes the rows and
// the audit entry (and notices, series figures, ledger items) together. Two jobs run here: task
// generation (generate: idempotent, unique (plan, period, node)) and the overdue scan
// (run_escalations: claims due rows, so several instances never fire twice). Answers are
// scored by the forms engine and stored as an immutable form response with the task's
// template version. No HTTP here: routes.cpp maps requests to these calls.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "forms/responses.hpp"
#include "inspect/model.hpp"
#include "store/db.hpp"

namespace manyi::rectify {
class RectifyService;
}
namespace manyi::calendar {
class Calendar;
}

namespace manyi::inspect {

inline constexpr int kMaxInspectors = 50;
inline constexpr int kMaxListedNodes = 500;  // coverage by a list of nodes
inline constexpr int kSuperviseAfterDays = 2;  // the planner is told 2 working days after the due date

// Caller's grants as the service reads them: for each permission, the paths of the nodes it is
// granted on (a grant covers its subtree). system = everything allowed (jobs, tests).
struct Grants {
  audit::Actor actor;
  std::string name;
  std::map<std::string, std::vector<std::string>> paths;  // permission -> granted node paths
  bool system = false;
  // Holds perm on the node with this path (through a grant on it or above it).
  bool can(const std::string& perm, const std::string& path) const;
  // Holds perm through a grant on a node inside this subtree (the unit's own people).
  bool inside(const std::string& perm, const std::string& path) const;
  int64_t user_id() const { return actor.user_id; }
};

struct Submit {
  std::string draft_id;  // the client's key: 1…64 of A-Z a-z 0-9 _ -
  std::string subject;   // optional: a window, a ward (≤ 200 characters)
  forms::Answers answers;
  forms::Notes notes;
};

struct Confirm {
  std::optional<std::vector<int64_t>> findings;  // default: every deduction
  std::optional<std::string> deadline;           // YYYY-MM-DD; default the ledger's limit
  std::map<int64_t, std::string> severity;       // finding -> general | major: a 隐患 item
  std::optional<bool> is_public;                 // default: public for a window-service template
};

class InspectService {
 public:
  InspectService(store::Db& db, forms::FormService& forms, rectify::RectifyService& ledger)
      : db_(db), forms_(forms), responses_(forms), ledger_(ledger) {}

  // ---- plans (inspection.plan on the owner unit; read with inspection.read there) ----
  Plan create_plan(const Grants& who, const PlanInput& in);
  Plan update_plan(const Grants& who, int64_t id, const PlanInput& in);
  void archive_plan(const Grants& who, int64_t id);  // active = false: no more tasks
  Plan get_plan(const Grants& who, int64_t id);      // 404 unless readable
  std::optional<Plan> find_plan(int64_t id);
  std::vector<Plan> list_plans(const Grants& who, const std::string& node_path, int64_t cursor, int limit,
                               int64_t* next_cursor);

  // ---- tasks ----
  // Makes the tasks of every active plan's current period (once per plan, period and unit);
  // returns the tasks made. The server runs it as the job "inspection-tasks".
  int generate(int64_t now);
  // The same for one plan: the HTTP routes call it right after a plan is made or reactivated,
  // so its tasks exist at once instead of up to a minute later; idempotent, 0 for an archived
  // plan or one with nothing due now.
  int generate_for(int64_t plan_id, int64_t now);
  // Overdue tasks: at the due date the inspectors are told (检查任务逾期; the unit itself for
  // 自查), kSuperviseAfterDays working days later the planner's unit (逾期督办). Each once.
  // The job "inspection-escalation".
  int run_escalations(int64_t now);
  std::vector<Task> list_tasks(const Grants& who, const TaskFilter& f, int64_t* next_cursor);
  Task get_task(const Grants& who, int64_t id);  // 404 unless visible
  bool may_perform(const Grants& who, const Plan& p, const Task& t) const;
  // The checklist a task is filled in against (its version), 404 unless visible.
  std::shared_ptr<const forms::Definition> task_definition(const Grants& who, int64_t task_id);

  // ---- inspections ----
  // Scores and stores the task's inspection; the same draft_id sent again answers the stored
  // one (second = true: replayed). 404 task not visible, 403 (field task_id) not the caller's
  // to perform, 409 task_done, 409 draft_id_used, 422 naming answers.<item> / notes.<item>.
  std::pair<Inspection, bool> perform(const Grants& who, int64_t task_id, const Submit& in);
  Inspection get(const Grants& who, int64_t id);  // 404 unless visible
  std::optional<Inspection> find(int64_t id);
  bool visible(const Grants& who, const Inspection& x) const;
  // Seen from the planner's side (the inspector's name, unpublished results).
  bool planner_side(const Grants& who, const Inspection& x) const;
  std::vector<Inspection> list(const Grants& who, int64_t plan_id, const std::string& node_path, int64_t cursor,
                               int limit, int64_t* next_cursor);
  std::vector<Finding> findings(int64_t inspection_id);
  std::optional<forms::Response> response(int64_t response_id) { return responses_.get(response_id); }
  std::vector<forms::Photo> photos(int64_t response_id) { return responses_.photos(response_id); }
  // Publishes a covert inspection to the inspected unit (inspection.publish on the plan's
  // owner, or its own inspector holding inspection.publish). Overt ones are published at once.
  Inspection publish(const Grants& who, int64_t id);
  // Confirms findings into the ledger (one item each, owned by the inspected unit, source
  // inspection / self_inspection, source_ref = the inspection's code), in one transaction;
  // once per inspection (409 already_confirmed); a covert one only once published.
  std::vector<Finding> confirm(const Grants& who, int64_t id, const Confirm& in);
  // A photo of an item, by the inspection's inspector while the findings are not confirmed
  // (and within the forms engine's 24 hours); images only, sniffed from the bytes.
  forms::Photo add_photo(const Grants& who, int64_t id, const std::string& item, const std::string& name,
                         const std::string& bytes);

  // ---- coverage ----
  // The plan's tasks of one period (default: the current one) per unit, done / due / overdue,
  // and its coverage rate against the target. 422 "period" for a key not of the cadence.
  Coverage coverage(const Grants& who, int64_t plan_id, const std::optional<std::string>& period);

  store::Db& db() { return db_; }
  forms::FormService& forms() { return forms_; }

 private:
  bool plan_visible(const Grants& who, const Plan& p) const;
  int generate_plan(const Plan& p, int64_t now, const calendar::Calendar& cal);
  bool task_visible(const Grants& who, const Plan& p, const Task& t) const;
  store::Db& db_;
  forms::FormService& forms_;
  forms::ResponseService responses_;
  rectify::RectifyService& ledger_;
};

}  // namespace manyi::inspect
