// The rectification ledger (整改台账): plain types. An item is a problem a unit must put right
// (整改事项) — from an inspection finding, a substantiated complaint or bad review, a
// self-inspection, a supervisor's opinion, an indicator miss, or entered by hand — with its
// cause, measures, owner unit and responsible person, and a deadline on the working-day
// calendar. The owner starts and submits it, an inspector verifies (验收): pass → 销号,
// fail → 重新整改 with a new deadline. See rectify/workflow.hpp for the machine.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "workflow/who.hpp"

namespace manyi::rectify {

struct Label {
  std::string code, zh;
};
// inspection 检查发现, complaint 投诉, bad_review 差评, self_inspection 自查, supervision 督导意见,
// indicator 指标, manual 手工录入.
const std::vector<Label>& sources();
// pending 未开始, rectifying 整改中, submitted 待验收 (open); closed 已销号, cancelled 已撤销.
const std::vector<Label>& statuses();
std::vector<std::string> codes(const std::vector<Label>& v);
std::string zh(const std::vector<Label>& v, const std::string& code);  // the code itself when unknown
bool is_open(const std::string& status);
// A source code from its code or Chinese name (an import's 来源 column); "" when unknown.
std::string source_code(const std::string& text);

struct Extension {
  std::string until;  // YYYY-MM-DD
  std::string reason;
  int64_t requested_at = 0, by = 0;
};

struct Item {
  int64_t id = 0;
  std::string code;
  int64_t unit_id = 0, inst_id = 0;
  std::string unit_path, unit_name;
  std::optional<std::string> responsible;
  int64_t responsible_user_id = 0;
  std::string source;
  std::optional<std::string> source_ref;
  int64_t source_id = 0;
  std::optional<std::string> category;
  std::string problem;
  std::optional<std::string> cause, measures;
  bool hazard = false;
  std::optional<std::string> severity, funds, contingency;
  std::string status;
  int limit_days = 15;
  int64_t started_at = 0, warn_at = 0, deadline_at = 0, supervise_at = 0;
  int level = 0;
  std::optional<int64_t> next_check_at;
  int redo_count = 0;
  std::optional<Extension> extension;
  bool is_public = false;
  int64_t created_by = 0, created_at = 0, updated_at = 0;
  std::optional<int64_t> closed_at;
  std::optional<std::string> verified_by;

  // Deadline passed and neither closed nor cancelled (逾期).
  bool overdue_at(int64_t now) const { return is_open(status) && now > deadline_at; }
};

// Who acts, and what they may do where (workflow/who.hpp).
using Who = workflow::Who;

struct NewItem {
  int64_t unit_id = 0;
  std::string problem, source = "manual";
  std::optional<std::string> source_ref, category, responsible, funds, contingency, measures, cause;
  int64_t source_id = 0;
  int64_t responsible_user_id = 0;      // optional: a user of the owner's institution
  std::optional<std::string> deadline;  // YYYY-MM-DD; default: the limit on the calendar
  bool hazard = false;
  std::optional<std::string> severity;  // general | major, 隐患 only
  bool is_public = false;
};

// PATCH: handle fields (cause, measures, responsible, funds, contingency) and manage fields
// (problem, deadline, public, category); absent = unchanged.
struct Patch {
  std::optional<std::string> cause, measures, responsible, funds, contingency;
  std::optional<std::string> problem, deadline, category;
  std::optional<bool> is_public;
};

struct ListFilter {
  std::vector<std::string> scope;  // subtrees with rectification.read
  std::string node_path;           // ?node=: only this subtree
  std::string source, status, q;
  bool overdue = false;
  int64_t from_ms = 0, to_ms = 0;  // created in [from, to)
  int64_t cursor = 0;              // ids below this
  int limit = 50;                  // 0 = no limit (the export streams every row)
};

struct Counts {
  int64_t total = 0, pending = 0, rectifying = 0, submitted = 0, closed = 0, cancelled = 0, overdue = 0;
};

}  // namespace manyi::rectify
