#include "feedback/followup.hpp"

#include "core/json.hpp"

#include <fmt/format.h>

#include <map>

#include "app/respond.hpp"
#include "cases/pii.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "feedback/routes.hpp"
#include "forms/json.hpp"
#include "store/subtree.hpp"
#include "core/period.hpp"

namespace manyi::feedback {
using store::Params;
using store::Value;

std::string followup_status_label(const std::string& s) {
  if (s == "pending") return "待回访";
  if (s == "reached") return "已回访";
  if (s == "not_reached") return "未接通";
  if (s == "refused") return "拒绝回访";
  if (s == "unreachable") return "无法联系";
  return s;
}

namespace {
const char* kTaskCols =
    "t.id, t.unit_id, t.node_id, t.rating_id, t.handled_by, t.handled_at, t.created_at, n.name, n.code, u.name, "
    "t.name_mask, t.phone_mask, t.status, t.note, t.discharge_day, t.due_day, t.attempts, t.call_day, t.callback_at";
const char* kTaskFrom = " FROM followup_tasks t JOIN org_nodes n ON n.id = t.node_id JOIN org_nodes u ON u.id = t.unit_id";

FollowupTask task_from(const store::Row& r) {
  FollowupTask t;
  t.id = r.i64(0);
  t.unit_id = r.i64(1);
  t.node_id = r.i64(2);
  t.rating_id = r.i64(3);
  t.handled_by = r.i64(4);
  t.handled_at = r.i64(5);
  t.created_at = r.i64(6);
  t.node_name = r.str(7);
  t.node_code = r.str(8);
  t.unit_name = r.str(9);
  t.name_mask = r.str(10);
  t.phone_mask = r.str(11);
  t.status = r.str(12);
  t.note = r.str(13);
  t.discharge_day = static_cast<int>(r.i64(14));
  t.due_day = static_cast<int>(r.i64(15));
  t.attempts = static_cast<int>(r.i64(16));
  t.call_day = static_cast<int>(r.i64(17));
  t.callback_at = r.i64(18);
  return t;
}

// The task list's filter (followup_tasks t joined to its node n): one definition for the list,
// its count, the quick-filter counts and the home page's to-do.
std::string task_where(const TaskFilter& f, Params& p) {
  std::string where = "(" + store::subtree_condition("n.path", f.scope, p) + ")";
  if (!f.node_path.empty()) {
    where += " AND n.path >= ? AND n.path < ?";
    p.emplace_back(f.node_path);
    p.emplace_back(store::subtree_upper(f.node_path));
  }
  if (f.status == "open") where += " AND t.status IN ('pending', 'not_reached')";
  else if (!f.status.empty()) {
    where += " AND t.status = ?";
    p.emplace_back(f.status);
  }
  int today = period::local_day(now_ms());
  if (f.due == "today") {
    where += " AND t.call_day = ?";
    p.emplace_back(int64_t{today});
  } else if (f.due == "overdue") {
    where += " AND t.call_day < ?";
    p.emplace_back(int64_t{today});
  }
  if (f.due_until) {
    where += " AND t.call_day <= ?";
    p.emplace_back(int64_t{f.due_until});
  }
  return where;
}
}  // namespace

std::string day_text(int d) { return fmt::format("{:04d}-{:02d}-{:02d}", d / 10000, d / 100 % 100, d % 100); }

int64_t FollowupService::count(const TaskFilter& f) {
  Params p;
  std::string where = task_where(f, p);
  return fb_.db().query(std::string("SELECT COUNT(*)") + kTaskFrom + " WHERE " + where, p)[0].i64(0);
}

std::vector<FollowupTask> FollowupService::list(const TaskFilter& f, int64_t cursor, int limit) {
  Params p;
  std::string where = task_where(f, p);
  if (cursor) {
    auto c = fb_.db().query("SELECT call_day FROM followup_tasks WHERE id = ?", {cursor});
    if (c.empty()) throw invalid("cursor", "cursor is not valid");
    where += " AND (t.call_day > ? OR (t.call_day = ? AND t.id > ?))";
    p.emplace_back(c[0].i64(0));
    p.emplace_back(c[0].i64(0));
    p.emplace_back(cursor);
  }
  p.emplace_back(int64_t{limit});
  std::vector<FollowupTask> out;
  for (auto& r : fb_.db().query(
           fmt::format("SELECT {}{} WHERE {} ORDER BY t.call_day, t.id LIMIT ?", kTaskCols, kTaskFrom, where), p))
    out.push_back(task_from(r));
  return out;
}

std::optional<FollowupTask> FollowupService::get(int64_t id) {
  auto r = fb_.db().query(fmt::format("SELECT {}{} WHERE t.id = ?", kTaskCols, kTaskFrom), {id});
  if (r.empty()) return std::nullopt;
  return task_from(r[0]);
}

std::shared_ptr<const PointInfo> FollowupService::point_for(const audit::Actor& who, int64_t node_id) {
  auto inpatient = fb_.forms().by_code("inpatient");
  int64_t want = inpatient ? inpatient->id : 0;
  std::string code;
  for (auto& r : fb_.db().query("SELECT code, template_id FROM collection_points WHERE node_id = ? AND active = 1 AND staff_id IS NULL "
                                "ORDER BY id",
                                {node_id})) {
    if (code.empty() || r.i64(1) == want) code = r.str(0);
    if (r.i64(1) == want) break;
  }
  if (code.empty()) {
    auto n = fb_.org().node(node_id);
    code = fb_.create_point(who, node_id, 0, n->name + "出院回访", want).code;
  }
  auto p = fb_.lookup(code);
  if (!p) throw conflict("no_point", "the department has no usable collection point");
  return p;
}

CallScreen FollowupService::call_screen(const audit::Actor& who, int64_t id) {
  auto t = get(id);
  if (!t) throw not_found("follow-up task");
  CallScreen cs;
  cs.task = *t;
  std::string key = cases::pii::data_key(fb_.db());
  auto r = fb_.db().query("SELECT name_enc, phone_enc, node_id FROM followup_tasks WHERE id = ?", {id});
  cs.name = cases::pii::open(key, r[0].str(0));
  cs.phone = cases::pii::open(key, r[0].str(1));
  cs.point = point_for(who, t->node_id);
  cs.script = fmt::format(
      "您好，请问是{}吗？我是{}{}的回访人员。您于{}从我院出院，想了解一下您的恢复情况，并听听您对我们服务的意见，"
      "大约占用您两分钟，现在方便吗？\n（方便）请问您对本次住院的总体评价是：非常满意、满意、基本满意、不满意还是非常不满意？\n"
      "……\n最后，您还有什么意见或建议吗？感谢您的配合，祝您早日康复！",
      cs.name, t->unit_name, t->node_name, day_text(t->discharge_day));
  fb_.db().write([&](store::Tx& tx) {
    auto n = fb_.org().node(t->node_id);
    audit::record(tx, who, {"feedback.followup.reveal", "followup_task", id, t->node_id, n ? n->path : "", "", "",
                            "回访时查看了患者电话"});
  });
  return cs;
}

OutcomeResult FollowupService::record_outcome(const audit::Actor& who, int64_t id, const OutcomeInput& in) {
  if (std::find(kFollowupOutcomes.begin(), kFollowupOutcomes.end(), in.outcome) == kFollowupOutcomes.end())
    throw invalid("outcome", "outcome must be reached, not_reached, refused or unreachable");
  auto t = get(id);
  if (!t) throw not_found("follow-up task");
  if (t->status != "pending" && t->status != "not_reached")
    throw conflict("closed", "this follow-up is already " + followup_status_label(t->status));
  if (in.callback_at) {
    if (in.outcome != "not_reached")
      throw invalid("callback_at", "a call-back time is set on an attempt that did not reach the patient");
    int64_t now = now_ms();
    if (in.callback_at < now - 60'000) throw Error(422, "callback_in_past", "the call-back time has passed", "callback_at");
    if (in.callback_at > now + 90LL * 86'400'000)
      throw invalid("callback_at", "the call-back time is at most 90 days ahead");
  }
  std::shared_ptr<const PointInfo> p;
  if (in.outcome == "reached") {
    if (!in.overall) throw invalid("overall", "a reached patient's overall rating (1…5) is required");
    p = point_for(who, t->node_id);
  }
  OutcomeResult res;
  fb_.db().write([&](store::Tx& tx) {
    auto cur = tx.query("SELECT status, attempts FROM followup_tasks WHERE id = ?", {id});
    std::string st = cur[0].str(0);
    if (st != "pending" && st != "not_reached") throw conflict("closed", "this follow-up was just closed by someone else");
    int failed = static_cast<int>(cur[0].i64(1));  // attempts so far: all failed while the task is open
    if (in.outcome == "unreachable" && failed < kUnreachableAfter)
      throw Error(409, "too_few_attempts",
                  fmt::format("a patient is marked unreachable only after {} failed calls", kUnreachableAfter), "outcome");
    int64_t now = now_ms();
    if (in.outcome == "reached") {
      NewRating nr;
      nr.overall = *in.overall;
      nr.answers = in.answers;
      nr.comment = in.comment;
      nr.channel = "followup";
      nr.entered_by = who.user_id;
      nr.entered_by_name = who.username;
      nr.ip = who.ip;
      auto ph = tx.query("SELECT phone_enc FROM followup_tasks WHERE id = ?", {id});
      nr.phone = cases::pii::open(cases::pii::data_key(tx), ph[0].str(0));
      auto sub = fb_.submit_in(tx, who, *p, nr);
      res.rating_id = sub.id;
      res.case_id = sub.case_id;
    }
    // An unreachable mark is a decision, not a call: it does not count as an attempt.
    int attempts = failed + (in.outcome == "unreachable" ? 0 : 1);
    auto opt = [](int64_t v) { return v ? Value(v) : Value(nullptr); };
    if (in.callback_at)
      tx.exec("UPDATE followup_tasks SET call_day = ?, callback_at = ? WHERE id = ?",
              {int64_t{period::local_day(in.callback_at)}, in.callback_at, id});
    tx.exec("UPDATE followup_tasks SET status = ?, attempts = ?, rating_id = ?, note = ?, handled_by = ?, handled_at = ? "
            "WHERE id = ?",
            {in.outcome, int64_t{attempts}, opt(res.rating_id), in.note, opt(who.user_id), now, id});
    tx.exec("INSERT INTO followup_attempts(id, task_id, outcome, note, callback_at, rating_id, case_id, by_user, "
            "by_name, at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            {new_id(), id, in.outcome, in.note, opt(in.callback_at), opt(res.rating_id), opt(res.case_id),
             opt(who.user_id), who.username, now});
    auto n = fb_.org().node(t->node_id);
    std::string detail = followup_status_label(in.outcome);
    if (in.callback_at) detail += "，预约回访 " + fmt_time(in.callback_at);
    audit::record(tx, who, {"feedback.followup.outcome", "followup_task", id, t->node_id, n ? n->path : "", st,
                            in.outcome, detail});
  });
  res.task = *get(id);
  return res;
}

std::vector<FollowupAttempt> FollowupService::attempts(int64_t task_id) {
  std::vector<FollowupAttempt> out;
  for (auto& r : fb_.db().query(
           "SELECT a.id, a.outcome, a.note, a.callback_at, a.rating_id, a.case_id, a.by_user, "
           "COALESCE(u.display_name, a.by_name), a.at FROM followup_attempts a LEFT JOIN users u ON u.id = a.by_user "
           "WHERE a.task_id = ? ORDER BY a.id",
           {task_id})) {
    FollowupAttempt a;
    a.id = r.i64(0);
    a.outcome = r.str(1);
    a.note = r.str(2);
    a.callback_at = r.i64(3);
    a.rating_id = r.i64(4);
    a.case_id = r.i64(5);
    a.by_user = r.i64(6);
    a.by_name = r.str(7);
    a.at = r.i64(8);
    out.push_back(a);
  }
  return out;
}

std::string FollowupService::phone_hash(int64_t task_id) {
  auto r = fb_.db().query("SELECT phone_hash FROM followup_tasks WHERE id = ?", {task_id});
  return r.empty() ? std::string() : r[0].str(0);
}

std::vector<PatientRating> FollowupService::earlier_ratings(int64_t task_id, const std::vector<std::string>& scope,
                                                            int limit) {
  std::string hash = phone_hash(task_id);
  std::vector<PatientRating> out;
  if (hash.empty() || scope.empty()) return out;
  Params p = {hash};
  std::string in_scope = store::subtree_condition("n.path", scope, p);
  p.emplace_back(int64_t{limit});
  for (auto& r : fb_.db().query(
           "SELECT r.id, r.created_at, r.case_id, r.overall, r.day, r.channel, n.name, u.name, r.comment, r.status "
           "FROM rating_phones h JOIN ratings r ON r.id = h.rating_id JOIN org_nodes n ON n.id = h.node_id "
           "JOIN org_nodes u ON u.id = r.unit_id WHERE h.phone_hash = ? AND (" + in_scope + ") "
           "ORDER BY h.rating_id DESC LIMIT ?",
           p)) {
    PatientRating x;
    x.id = r.i64(0);
    x.created_at = r.i64(1);
    x.case_id = r.i64(2);
    x.overall = static_cast<int>(r.i64(3));
    x.day = static_cast<int>(r.i64(4));
    x.channel = r.str(5);
    x.node_name = r.str(6);
    x.unit_name = r.str(7);
    x.comment = r.str(8);
    x.status = r.str(9);
    out.push_back(x);
  }
  return out;
}

std::vector<FollowupRate> FollowupService::rates(const org::Node& parent, const period::Period& p) {
  auto rows = fb_.db().query(
      "SELECT n.path, t.status, COUNT(*) FROM followup_tasks t JOIN org_nodes n ON n.id = t.node_id "
      "WHERE n.path >= ? AND n.path < ? AND t.due_day BETWEEN ? AND ? GROUP BY n.path, t.status",
      {parent.path, store::subtree_upper(parent.path), int64_t{p.from}, int64_t{p.to}});
  std::vector<org::Node> kids;
  for (auto& k : fb_.org().children(parent.id))
    if (k.active) kids.push_back(k);
  if (kids.empty()) kids.push_back(parent);
  std::vector<FollowupRate> out;
  for (auto& k : kids) {
    FollowupRate r;
    r.node_id = k.id;
    r.name = k.name;
    for (auto& row : rows) {
      if (row.str(0).compare(0, k.path.size(), k.path) != 0) continue;
      int64_t n = row.i64(2);
      std::string st = row.str(1);
      r.due += n;
      if (st == "reached" || st == "refused") r.contacted += n;
      if (st == "reached") r.reached += n;
      if (st == "pending" || st == "not_reached") r.pending += n;
      if (st == "unreachable") r.unreachable += n;
    }
    // Unreachable patients stay in the denominator (docs/glossary.md, 回访率).
    r.rate = r.due ? static_cast<double>(r.contacted) / r.due : 0;
    r.target = fb_.followup_target_for(k);
    r.met = r.due > 0 && r.rate + 1e-9 >= r.target;
    if (r.due || k.kind == "department") out.push_back(r);
  }
  return out;
}

}  // namespace manyi::feedback
