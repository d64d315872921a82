// Follow-up visits (出院回访): discharged patients are imported from a medical-records
// export (.xlsx or CSV: name, mobile or landline, department code or name, discharge date); each becomes a task due N days after discharge. The call
// screen reveals the number (audited) with a script; the outcome is reached / not_reached /
// refused, and a reached patient's answers are stored as a rating with channel `followup`.
// Every attempt is kept (followup_attempts) with its note, time, caller and, for 未接通, an
// optional 预约回访时间 that moves the task's call day. Failed attempts never close a task by
// themselves: after kUnreachableAfter of them the caller may mark it 无法联系 explicitly.
// Follow-up rate per department = contacted (reached or refused) / tasks due, against a
// target (default 100%); unreachable patients stay in the denominator (docs/glossary.md).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "feedback/service.hpp"
#include "org/service.hpp"
#include "core/period.hpp"

namespace manyi::feedback {

inline const std::vector<std::string> kFollowupOutcomes = {"reached", "not_reached", "refused", "unreachable"};
// Failed attempts after which 标记为无法联系 (outcome unreachable) is offered and accepted.
inline constexpr int kUnreachableAfter = 3;
std::string followup_status_label(const std::string& s);
std::string day_text(int yyyymmdd);  // "2025-03-01"

struct FollowupTask {
  int64_t id = 0, unit_id = 0, node_id = 0, rating_id = 0, handled_by = 0, handled_at = 0, created_at = 0;
  std::string node_name, node_code, unit_name, name_mask, phone_mask, status, note;
  int discharge_day = 0, due_day = 0, call_day = 0, attempts = 0;
  int64_t callback_at = 0;  // 预约回访时间 of the latest attempt (0 = none)
};

// One call attempt (回访记录).
struct FollowupAttempt {
  int64_t id = 0, rating_id = 0, case_id = 0, by_user = 0, at = 0, callback_at = 0;
  std::string outcome, note, by_name;
};

// The task list's filter: scope and node subtree, status (open = pending or not_reached, ""
// = all) and due: "today" (call day is today), "overdue" (call day before today) or "" (any);
// due_until (yyyymmdd, 0 = none) keeps tasks whose call day is on or before it.
struct TaskFilter {
  std::vector<std::string> scope;
  std::string node_path, status = "open", due;
  int due_until = 0;
};

struct OutcomeInput {
  std::string outcome;
  std::optional<int> overall;
  forms::Answers answers;
  std::string comment, note;
  int64_t callback_at = 0;  // not_reached only: 预约回访时间 (epoch ms, in the future)
};

struct OutcomeResult {
  FollowupTask task;
  int64_t rating_id = 0, case_id = 0;  // case_id: the 差评工单 opened for a bad rating
};

// A patient's earlier rating, found by the phone number's keyed hash.
struct PatientRating {
  int64_t id = 0, created_at = 0, case_id = 0;
  int overall = 0, day = 0;
  std::string channel, node_name, unit_name, comment, status;
};

struct FollowupImport {
  int imported = 0, duplicates = 0;
  std::vector<org::ImportError> errors;  // row, field, code, value, message
};

struct CallScreen {
  FollowupTask task;
  std::string name, phone, script;
  std::shared_ptr<const PointInfo> point;  // the department's point whose survey is asked
};

struct FollowupRate {
  int64_t node_id = 0;
  std::string name;
  int64_t due = 0, contacted = 0, reached = 0, pending = 0, unreachable = 0;
  double rate = 0, target = 1;
  bool met = false;
};

class FollowupService {
 public:
  FollowupService(FeedbackService& fb, int default_days = 7) : fb_(fb), default_days_(default_days) {}
  int default_days() const { return default_days_; }

  // A file read by core/table_file with columns 姓名/name, 手机号/phone, 出院科室/department
  // (code or name of a department under `at`) and 出院日期/discharge_date; other columns (住院号 …)
  // are ignored. `at` is an institution or a department in one (a department head imports into
  // their own department). can_use(path) limits the departments the caller may import into.
  // With valid_rows_only false, any error imports nothing.
  FollowupImport import_file(const audit::Actor& who, const org::Node& at, const std::string& file, int days_after,
                             bool valid_rows_only, const std::function<bool(const std::string&)>& can_use);
  // The import template: Chinese headers and an example row in a department under `at`.
  std::string import_template(const org::Node& at);
  std::vector<FollowupTask> list(const TaskFilter& f, int64_t cursor, int limit);
  // The number of tasks list() returns for the same filter (all pages).
  int64_t count(const TaskFilter& f);
  std::optional<FollowupTask> get(int64_t id);
  // Reveals the patient's name and number to the caller (audited).
  CallScreen call_screen(const audit::Actor& who, int64_t id);
  // Records one attempt. reached needs overall (1..5); answers/comment optional. not_reached
  // keeps the task open (its call day moves to callback_at's day when given); unreachable is
  // accepted only after kUnreachableAfter failed attempts.
  OutcomeResult record_outcome(const audit::Actor& who, int64_t id, const OutcomeInput& in);
  // The task's attempts, oldest first.
  std::vector<FollowupAttempt> attempts(int64_t task_id);
  // The patient's ratings with the same phone number in the subtrees `scope`, newest first.
  std::vector<PatientRating> earlier_ratings(int64_t task_id, const std::vector<std::string>& scope, int limit);
  // The task's phone hash (finds the patient's cases).
  std::string phone_hash(int64_t task_id);
  // Follow-up rate of each child of parent (or of parent itself when it has no children with
  // tasks) for tasks due in the period.
  std::vector<FollowupRate> rates(const org::Node& parent, const period::Period& p);
  // The point a department's follow-up answers are recorded against (created when missing).
  std::shared_ptr<const PointInfo> point_for(const audit::Actor& who, int64_t node_id);

 private:
  FeedbackService& fb_;
  int default_days_;
};

}  // namespace manyi::feedback
