// Cases plain types: the case row, its history entries, and the vocabularies (types,
// channels, statuses, outcomes, callback results) with the Chinese labels users see.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/db.hpp"
#include "workflow/ownership.hpp"
#include "workflow/timeline.hpp"

namespace manyi::cases {

struct Label {
  std::string code, zh, en;
};
const std::vector<Label>& types();             // complaint 投诉, bad_review 差评, …
const std::vector<Label>& channels();          // web 网站, hotline 热线电话, …
const std::vector<Label>& statuses();          // pending 待受理, processing 办理中, …
const std::vector<Label>& outcomes();          // substantiated 属实, partly 部分属实, unsubstantiated 不属实
const std::vector<Label>& callback_results();  // satisfied 满意, basically_satisfied 基本满意, unsatisfied 不满意
const std::vector<Label>& levels();            // 0 正常, 1 临期预警, 2 已逾期, 3 督办
std::vector<std::string> codes(const std::vector<Label>& labels);
std::string zh(const std::vector<Label>& labels, const std::string& code);

// Statuses in which the SLA clock and the escalation ladder apply.
bool is_open(const std::string& status);  // pending, processing, waiting
// The same test in SQL, on a case aliased c: written exactly as the WHERE of the partial
// indexes of open cases (migration 0010), so that SQLite can prove those indexes apply.
inline constexpr const char* kOpenSql = "(c.status = 'pending' OR c.status = 'processing' OR c.status = 'waiting')";

// The inbox's work queues (tabs) over open cases: one definition for the queue's list
// (GET /api/v1/cases?queue=) and for its count (CaseService::inbox_counts: the inbox badges
// and GET /api/v1/me/todo), so a count always equals the length of the list it links to.
// Each is tested in addition to kOpenSql; a ? is bound to the value named.
inline constexpr const char* kMineSql = "c.assignee_id = ?";  // the caller's user id
// 临期: warned (level 1), deadline not passed, clock running (not 待补充).
inline constexpr const char* kDueSoonSql = "c.level = 1 AND c.deadline_at >= ? AND c.status <> 'waiting'";  // now
// 逾期: deadline passed, clock running.
inline constexpr const char* kOverdueSql = "c.deadline_at < ? AND c.status <> 'waiting'";  // now
inline constexpr const char* kSupervisedSql = "c.level >= 3";  // 督办
// The queue names the list accepts: open (all open cases), mine, due_soon, overdue, supervised.
const std::vector<std::string>& queues();
// " AND <open> AND <the queue's predicate>" for a case aliased c, its values appended to p;
// throws 422 (field "queue") for an unknown queue.
std::string queue_sql(const std::string& queue, int64_t now, int64_t user_id, store::Params& p);

// Visibility, on a case aliased c: case.read on the owner, the subject or a pending transfer
// target; integrity (sensitive) cases need case.sensitive instead. Optionally narrowed to cases
// about or owned within one subtree (node_path); values are appended to p.
// CaseService::list passes node_index = false: the narrowing then filters rows instead of
// driving the plan. Driven by it, SQLite gathers the node's whole subtree through two indexes
// and sorts it for page 1 (580 ms for one hospital at 1 million cases); walking the id index
// newest first is what it does for every later page (id < cursor) anyway: 0.3 ms.
std::string scope_sql(const std::vector<std::string>& read, const std::vector<std::string>& sens,
                      const std::string& node_path, store::Params& p, bool node_index = true);

// A case is owned as every work item is (workflow/ownership.hpp: owner unit, assignee,
// transfers and returns).
struct Case : workflow::Ownership {
  int64_t id = 0;
  std::string tracking_code, type, channel, status;
  int64_t node_id = 0;
  std::string node_path;
  int64_t unit_id = 0;
  std::string category;
  bool sensitive = false, multi_dept = false;
  std::string content;
  std::string complainant_enc;  // nonce || secretbox ciphertext of {"name","phone"}
  std::string complainant_mask, phone_mask, phone_hash;
  int64_t source_rating_id = 0, registered_by = 0;
  int64_t received_at = 0;  // 受理时间: set at intake, never changed (a reopening has reopened_at)
  std::optional<int64_t> reopened_at;  // the latest reopening (重办): the current period's clock starts here
  int sla_days = 0;
  int64_t warn_at = 0, deadline_at = 0, supervise_at = 0;
  std::optional<int64_t> paused_at;
  int level = 0;
  std::optional<int64_t> next_check_at;
  std::optional<int> ext_days;
  std::string ext_reason;
  int64_t ext_by = 0;
  int extended_days = 0;
  std::string reply, outcome, measures;
  bool needs_rectification = false;  // 需整改: handed to the rectification hook when set
  std::optional<int64_t> replied_at;  // the current period's answer (a reopening clears it)
  bool late = false;
  std::optional<int64_t> first_replied_at;  // the first answer to the original receipt, kept for good
  bool first_late = false;
  std::string callback_result;
  std::optional<int64_t> callback_at;
  int reopen_count = 0;
  int64_t merged_into = 0;
  std::optional<int64_t> closed_at;
  int64_t created_at = 0, updated_at = 0;
  // Filled by reads for display.
  std::string node_name, owner_name, transfer_to_name, assignee_name;
};

// A history entry (the workflow engine's timeline, table case_events).
using Event = workflow::Event;

struct Category {
  std::string code, name, name_en, keywords;
  bool sensitive = false, active = true;
  int sort = 0;
  std::string parent;  // the top category of a sub-category; empty for a top category
};

// A category suggested from a text, with the keywords that chose it.
struct Suggestion {
  std::string category;
  std::vector<std::string> matched;
};

struct Sla {
  std::string type, name;
  int reply_days = 5, multi_days = 10, bureau_after_days = 2;
  double warn_ratio = 0.6;
  bool needs_callback = true;
};

}  // namespace manyi::cases
