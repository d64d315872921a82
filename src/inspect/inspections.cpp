// Inspections (检查记录): performing a task (scored by the forms engine, stored as an immutable
// response with the task's template version, idempotent on the client's draft_id), who sees
// one (covert results only once published), publishing, photos, and confirming findings into
// the rectification ledger.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "core/period.hpp"
#include "forms/service.hpp"
#include "inspect/internal.hpp"
#include "inspect/service.hpp"
#include "metrics/series.hpp"
#include "rectify/service.hpp"
#include "store/subtree.hpp"
#include "workflow/machine.hpp"
#include "workflow/notice.hpp"

namespace manyi::inspect {
using namespace detail;
using store::Tx;

namespace {

bool valid_draft_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

std::string fmt_points(double v) {
  auto s = fmt::format("{:.2f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// The findings of a score: every counted item that lost points, and every veto.
std::vector<Finding> findings_of(const forms::Definition& def, const forms::ScoreResult& sc, const forms::Notes& notes,
                                 int64_t inspection_id) {
  std::vector<Finding> out;
  size_t k = 0;
  for (auto& s : def.sections)
    for (auto& item : s.items) {
      const auto& r = sc.items.at(k++);
      bool deduction = r.counted && r.deduction > 1e-9;
      if (!deduction && !r.veto) continue;
      Finding f;
      f.id = new_id();
      f.inspection_id = inspection_id;
      f.item_id = item.id;
      f.section = s.title;
      f.label = item.label;
      f.kind = r.veto ? "veto" : "deduction";
      f.deduction = r.counted ? r.deduction : 0;
      f.reason = r.reason.empty() ? (r.veto ? std::string("否决项") : "扣 " + fmt_points(r.deduction) + " 分") : r.reason;
      if (auto n = notes.find(item.id); n != notes.end()) f.note = n->second;
      out.push_back(std::move(f));
    }
  return out;
}

// The series of a published inspection (metrics/series.hpp), on the inspected unit and the day
// it was done: inspect.score (n, sum of scores: the mean) and inspect.veto (num vetoed of den).
void count_result(Tx& tx, const Inspection& x) {
  metrics::series::Node unit{x.node_id, x.node_path};
  int day = period::local_day(x.created_at);
  metrics::series::add(tx, unit, "inspect.score", day, {1, x.score, 0, 0});
  metrics::series::add(tx, unit, "inspect.veto", day, {1, 0, x.vetoed ? 1 : 0, 1});
}

std::string link_of(int64_t id) { return fmt::format("/inspections/{}", id); }

}  // namespace

bool InspectService::planner_side(const Grants& who, const Inspection& x) const {
  return (who.user_id() && x.inspector_id == who.user_id()) || who.can("inspection.read", x.owner_path);
}

bool InspectService::visible(const Grants& who, const Inspection& x) const {
  if (planner_side(who, x)) return true;
  return x.published_at && who.can("inspection.read", x.node_path);
}

std::optional<Inspection> InspectService::find(int64_t id) { return load_inspection(db_, id); }

Inspection InspectService::get(const Grants& who, int64_t id) {
  auto x = find(id);
  if (!x || !visible(who, *x)) throw not_found("inspection");
  return *x;
}

std::vector<Finding> InspectService::findings(int64_t inspection_id) { return load_findings(nullptr, db_, inspection_id); }

std::pair<Inspection, bool> InspectService::perform(const Grants& who, int64_t task_id, const Submit& in) {
  if (!valid_draft_id(in.draft_id))
    throw invalid("draft_id", "draft_id is the client's key for this submission: 1…64 of A-Z a-z 0-9 _ -");
  forms_.ensure_seeded();
  auto shown = get_task(who, task_id);  // 404 unless visible
  auto def = forms_.version(shown.version_id).def;
  int64_t now = now_ms();
  Inspection out;
  bool replayed = false;
  db_.write([&](Tx& tx) {
    auto t = lock_task(tx, task_id);
    if (!t) throw not_found("inspection task");
    auto p = load_plan(tx, t->plan_id);
    if (!p || !task_visible(who, *p, *t)) throw not_found("inspection task");
    // The same submission again (a phone that lost the network before the answer came back).
    auto again = tx.query(std::string("SELECT ") + kInspectionSelect + " WHERE i.inspector_id = ? AND i.draft_id = ?",
                          {who.user_id(), in.draft_id});
    if (!again.empty()) {
      out = inspection_from(again[0]);
      if (out.task_id != task_id)
        throw conflict("draft_id_used", "this draft_id was already used for another task", "draft_id");
      replayed = true;
      return;
    }
    if (!may_perform(who, *p, *t))
      throw Error(403, "forbidden", "this task is not assigned to you (inspection.perform)", "task_id");
    if (t->status == "done") throw conflict("task_done", "this task has already been inspected", "task_id");
    if (!p->active) throw conflict("plan_archived", "the plan of this task has been archived", "task_id");
    forms::Submission s;
    s.template_id = p->template_id;
    s.version_id = t->version_id;
    s.node_id = t->node_id;
    s.subject = in.subject;
    s.submitted_by = who.user_id();
    s.answers = in.answers;
    s.notes = in.notes;
    auto resp = responses_.submit(tx, s);  // validates (422 answers.<item>, notes.<item>) and stores
    auto sc = forms::score(*def, in.answers);
    Inspection x;
    x.id = new_id();
    x.code = next_code(tx, now);
    x.task_id = t->id;
    x.plan_id = p->id;
    x.response_id = resp.id;
    x.node_id = t->node_id;
    x.node_path = t->node_path;
    x.node_name = t->node_name;
    x.owner_path = p->owner_path;
    x.inspector_id = who.user_id();
    x.inspector_name = who.name;
    x.draft_id = in.draft_id;
    x.covert = p->covert;
    x.score = resp.score;
    x.grade = resp.grade;
    x.vetoed = resp.vetoed;
    x.created_at = now;
    if (!p->covert) x.published_at = now;  // overt: the inspected unit sees it at once
    tx.exec("INSERT INTO inspections(id, code, task_id, plan_id, response_id, node_id, node_path, owner_path, "
            "inspector_id, inspector_name, draft_id, covert, score, grade, vetoed, created_at, published_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {x.id, x.code, x.task_id, x.plan_id, x.response_id, x.node_id, x.node_path, x.owner_path,
             store::id_or_null(x.inspector_id), x.inspector_name, x.draft_id, int64_t{x.covert}, x.score, x.grade,
             int64_t{x.vetoed}, x.created_at, x.published_at ? store::Value(*x.published_at) : store::Value(nullptr)});
    for (auto& f : findings_of(*def, sc, in.notes, x.id))
      tx.exec_deferred("INSERT INTO inspection_findings(id, inspection_id, item_id, section, label, kind, deduction, "
                       "reason, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       {f.id, f.inspection_id, f.item_id, f.section, f.label, f.kind, f.deduction, f.reason,
                        f.note ? store::Value(*f.note) : store::Value(nullptr)});
    tx.exec("UPDATE inspection_tasks SET status = 'done', inspection_id = ?, done_at = ?, next_check_at = NULL "
            "WHERE id = ?",
            {x.id, now, t->id});
    // inspect.coverage: the task done (num), on the day its period began (as its den).
    metrics::series::add(tx, {t->node_id, t->node_path}, "inspect.coverage", period::local_day(t->starts_at),
                         {0, 0, 1, 0});
    if (x.published_at) {
      count_result(tx, x);
      workflow::post(tx, {x.node_id, "inspection.result", "检查结果", x.code + " " + p->name, link_of(x.id), false});
    }
    audit::record(tx, who.actor, {"inspection.perform", "inspection", x.id, x.node_id, x.node_path, "",
                                  fmt::format("{}|{}", x.score, x.vetoed), x.code});
    out = x;
  });
  if (replayed) return {*find(out.id), true};
  return {*find(out.id), false};
}

std::vector<Inspection> InspectService::list(const Grants& who, int64_t plan_id, const std::string& node_path,
                                             int64_t cursor, int limit, int64_t* next_cursor) {
  store::Params q;
  std::vector<std::string> read_scope;
  if (auto it = who.paths.find("inspection.read"); it != who.paths.end()) read_scope = it->second;
  std::string where = "(i.inspector_id = ? OR " + store::subtree_condition("i.owner_path", read_scope, q);
  q.insert(q.begin(), who.user_id());
  where += " OR (i.published_at IS NOT NULL AND " + store::subtree_condition("i.node_path", read_scope, q) + "))";
  if (plan_id) {
    where += " AND i.plan_id = ?";
    q.push_back(plan_id);
  }
  if (!node_path.empty()) {
    where += " AND i.node_path >= ? AND i.node_path < ?";
    q.push_back(node_path);
    q.push_back(store::subtree_upper(node_path));
  }
  if (cursor) {
    where += " AND i.id < ?";
    q.push_back(cursor);
  }
  q.push_back(int64_t{limit + 1});
  std::vector<Inspection> out;
  for (auto& r : db_.query(std::string("SELECT ") + kInspectionSelect + " WHERE " + where + " ORDER BY i.id DESC LIMIT ?", q))
    out.push_back(inspection_from(r));
  if (next_cursor) *next_cursor = 0;
  if (static_cast<int>(out.size()) > limit) {
    out.resize(limit);
    if (next_cursor) *next_cursor = out.back().id;
  }
  return out;
}

Inspection InspectService::publish(const Grants& who, int64_t id) {
  db_.write([&](Tx& tx) {
    auto x = lock_inspection(tx, id);
    if (!x || !visible(who, *x)) throw not_found("inspection");
    bool own = x->inspector_id == who.user_id() && who.can("inspection.publish", x->node_path);
    if (!own && !who.can("inspection.publish", x->owner_path))
      throw forbidden("you may not publish this inspection (inspection.publish)");
    if (x->published_at) return;  // overt, or published before: nothing changes
    int64_t now = now_ms();
    x->published_at = now;
    tx.exec("UPDATE inspections SET published_at = ? WHERE id = ?", {now, id});
    count_result(tx, *x);
    workflow::post(tx, {x->node_id, "inspection.result", "暗访结果", x->code, link_of(x->id), false});
    audit::record(tx, who.actor, {"inspection.publish", "inspection", x->id, x->node_id, x->node_path, "", "", x->code});
  });
  return *find(id);
}

std::vector<Finding> InspectService::confirm(const Grants& who, int64_t id, const Confirm& in) {
  forms_.ensure_seeded();
  db_.write([&](Tx& tx) {
    auto x = lock_inspection(tx, id);
    if (!x || !visible(who, *x)) throw not_found("inspection");
    bool own = x->inspector_id == who.user_id() && who.can("inspection.perform", x->node_path);
    if (!own && !who.can("inspection.publish", x->owner_path))
      throw forbidden("only the inspector or a publisher of the plan confirms its findings (inspection.publish)");
    if (x->confirmed_at) throw conflict("already_confirmed", "the findings of this inspection were already confirmed");
    if (!x->published_at)
      throw conflict("not_published", "publish the covert inspection before its findings go to the ledger");
    auto all = load_findings(&tx, db_, id);
    std::set<int64_t> chosen;
    if (in.findings) {
      for (auto f : *in.findings) {
        bool known = std::any_of(all.begin(), all.end(), [&](const Finding& g) { return g.id == f; });
        if (!known) throw invalid("findings", "no finding of this inspection has the id " + id_str(f));
        chosen.insert(f);
      }
    } else {
      for (auto& f : all)
        if (f.kind == "deduction") chosen.insert(f.id);
    }
    for (auto& [fid, sev] : in.severity)
      if (!chosen.count(fid)) throw invalid("severity", "severity names a finding that is not confirmed: " + id_str(fid));
    auto plan = load_plan(tx, x->plan_id);
    auto resp = responses_.get(x->response_id);
    auto def = forms_.version(resp->version_id).def;
    for (auto& f : all) {
      if (!chosen.count(f.id)) continue;
      rectify::SourceFinding s;
      s.id = f.id;
      s.unit_id = x->node_id;
      s.inspection_code = x->code;
      s.problem = fmt::format("【{}】{}：{}", f.section, f.label, f.reason);
      if (f.note) s.problem += "。" + *f.note;
      s.category = def->name;
      s.self_inspection = plan && plan->self_inspection;
      if (auto it = in.severity.find(f.id); it != in.severity.end()) s.severity = it->second;
      s.deadline = in.deadline;
      s.is_public = in.is_public.value_or(def->window);
      auto item = ledger_.open_from_finding(tx, s);
      tx.exec("UPDATE inspection_findings SET rectification_id = ? WHERE id = ?", {item.id, f.id});
    }
    int64_t now = now_ms();
    tx.exec("UPDATE inspections SET confirmed_at = ? WHERE id = ?", {now, id});
    audit::record(tx, who.actor, {"inspection.confirm", "inspection", x->id, x->node_id, x->node_path, "",
                                  std::to_string(chosen.size()), x->code});
  });
  return findings(id);
}

forms::Photo InspectService::add_photo(const Grants& who, int64_t id, const std::string& item, const std::string& name,
                                       const std::string& bytes) {
  auto x = get(who, id);
  if (x.inspector_id != who.user_id())
    throw Error(403, "forbidden", "only the inspector adds photos to an inspection", "id");
  if (x.confirmed_at)
    throw conflict("inspection_final", "the findings are confirmed: the inspection takes no more photos", "file");
  return responses_.add_photo({x.response_id, item, who.user_id(), who.name, name, bytes});
}

}  // namespace manyi::inspect
