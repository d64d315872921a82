// HTTP mapping of the follow-up visits (出院回访): import, task list and its counts, the call
// screen (with the task's attempts and the patient's earlier ratings and complaints), the
// outcome of a call and the follow-up rate. Rules live in followup.cpp.
#include <fmt/format.h>

#include "app/respond.hpp"
#include "cases/model.hpp"
#include "cases/service.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "feedback/routes.hpp"
#include "forms/json.hpp"
#include "http/router.hpp"
#include "core/period.hpp"

namespace manyi::feedback {

namespace {
json opt_ms(int64_t v) { return v ? json(v) : json(nullptr); }

json task_json(const FollowupTask& t) {
  return {{"id", id_str(t.id)}, {"unit_id", id_str(t.unit_id)}, {"unit_name", t.unit_name},
          {"node_id", id_str(t.node_id)}, {"node_name", t.node_name}, {"node_code", t.node_code},
          {"name", t.name_mask}, {"phone", t.phone_mask}, {"discharge_date", day_text(t.discharge_day)},
          {"due_date", day_text(t.due_day)}, {"call_date", day_text(t.call_day)}, {"callback_at", opt_ms(t.callback_at)},
          {"status", t.status}, {"status_label", followup_status_label(t.status)}, {"attempts", t.attempts},
          {"rating_id", id_json(t.rating_id)}, {"note", t.note}, {"handled_at", opt_ms(t.handled_at)}};
}

json attempt_json(const FollowupAttempt& a) {
  return {{"id", id_str(a.id)}, {"outcome", a.outcome}, {"outcome_label", followup_status_label(a.outcome)},
          {"note", a.note}, {"callback_at", opt_ms(a.callback_at)}, {"rating_id", id_json(a.rating_id)},
          {"case_id", id_json(a.case_id)}, {"by", a.by_name}, {"at", a.at}};
}

// The first n characters of UTF-8 text.
std::string prefix(const std::string& s, int n) {
  size_t i = 0;
  for (int k = 0; i < s.size() && k < n; ++k) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    i += ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 1;
  }
  return i < s.size() ? s.substr(0, i) + "…" : s;
}

// The task filter of a request: the caller's follow-up scope, ?node=, ?status= and ?due=.
TaskFilter task_filter(http::Ctx& c) {
  TaskFilter f;
  f.scope = c.scope_paths("followup.handle");
  f.node_path = c.node_filter({"followup.handle"});
  f.status = c.req.q("status").value_or("open");
  if (f.status == "all") f.status.clear();
  else if (f.status != "open" && followup_status_label(f.status) == f.status)
    throw invalid("status", "status must be open, all, pending, reached, not_reached, refused or unreachable");
  f.due = c.req.q("due").value_or("");
  if (!f.due.empty() && f.due != "today" && f.due != "overdue") throw invalid("due", "due must be today or overdue");
  if (auto d = c.req.q("due_until")) {
    auto day = period::parse_day(*d);
    if (!day) throw invalid("due_until", "due_until must be a date YYYY-MM-DD");
    f.due_until = *day;
  }
  return f;
}
}  // namespace

void register_followup_routes(App& app, const Services& S) {
  auto& r = *app.router;
  auto fu = S.followups;
  auto svc = S.svc;

  // Body: the file's bytes as uploaded (.xlsx, or CSV in UTF-8 or GBK) — or JSON {"csv": "…"}.
  auto& imp = r.add("POST", "/api/v1/followups/import", "followup.handle", [fu, svc](http::Ctx& c) {
    auto at = scope_node(c, *svc, "followup.handle");
    std::string file = c.req.body;
    if (c.req.header("content-type").find("json") != std::string::npos) {
      auto j = jv::parse_object(c.req.body);
      file = jv::req_str(j, "csv", 4'000'000);
    }
    int days = fu->default_days();
    if (auto d = c.req.q("days")) {
      days = std::atoi(d->c_str());
      if (std::to_string(days) != *d) throw invalid("days", "days must be a whole number");
    }
    bool valid_only = c.req.q("valid_rows_only").value_or("") == "true";
    auto res = fu->import_file(actor_of(c), at, file, days, valid_only,
                               [&](const std::string& path) { return c.can_path("followup.handle", path); });
    json errs = json::array();
    for (auto& e : res.errors)
      errs.push_back({{"row", e.row}, {"field", e.field}, {"code", e.code}, {"value", e.value}, {"message", e.message}});
    json out = {{"imported", res.imported}, {"duplicates", res.duplicates}, {"errors", errs}};
    bool rejected = !res.errors.empty() && !valid_only;
    if (rejected)
      out["error"] = {{"code", "import_rejected"},
                      {"message", fmt::format("{} row(s) have errors; nothing was imported", res.errors.size())},
                      {"field", "file"}};
    return json_response(out, rejected ? 422 : 200);
  });
  imp.max_body = 4 * 1024 * 1024;

  r.add("GET", "/api/v1/followups/import/template", "followup.handle", [fu, svc](http::Ctx& c) {
    auto at = scope_node(c, *svc, "followup.handle");
    auto res = http::Response::text(200, fu->import_template(at), "text/csv; charset=utf-8");
    res.header("Content-Disposition", "attachment; filename=\"followup-patients.csv\"; filename*=UTF-8''%E5%87%BA%E9%99%A2%E6%82%A3%E8%80%85%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.csv");
    return res;
  });

  r.add("GET", "/api/v1/followups/tasks", "followup.handle", [fu](http::Ctx& c) {
    auto f = task_filter(c);
    int limit = page_limit(c.req);
    auto rows = fu->list(f, page_cursor(c.req), limit + 1);
    int64_t next = 0;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    json items = json::array();
    for (auto& t : rows) items.push_back(task_json(t));
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });

  // The quick filters of the task list, each counted with the list's own filter: open,
  // due_today (今日应访: call day today), overdue (逾期未访: call day before today), done (reached).
  r.add("GET", "/api/v1/followups/counts", "followup.handle", [fu](http::Ctx& c) {
    auto f = task_filter(c);
    f.status = "open";
    f.due.clear();
    f.due_until = 0;
    json out = {{"open", fu->count(f)}};
    f.due = "today";
    out["due_today"] = fu->count(f);
    f.due = "overdue";
    out["overdue"] = fu->count(f);
    f.due.clear();
    f.status = "reached";
    out["done"] = fu->count(f);
    return json_response(out);
  });

  // The call screen: patient contact (audited), script, the survey to ask, the task's attempts
  // and the patient's earlier ratings and complaints within the caller's scope (masked).
  r.add("GET", "/api/v1/followups/tasks/{id}", "followup.handle", [&app, fu](http::Ctx& c) {
    auto t = fu->get(c.id_param("id"));
    if (!t) throw not_found("follow-up task");
    c.require("followup.handle", t->node_id);
    auto cs = fu->call_screen(actor_of(c), t->id);
    json j = task_json(cs.task);
    j["patient_name"] = cs.name;
    j["patient_phone"] = cs.phone;
    j["script"] = cs.script;
    j["point_id"] = id_str(cs.point->point.id);
    j["survey"] = public_survey_json(*cs.point->def);
    json outcomes = json::array({{{"code", "reached"}, {"label", "已接通"}},
                                 {{"code", "not_reached"}, {"label", "未接通"}},
                                 {{"code", "refused"}, {"label", "拒绝回访"}}});
    if (cs.task.attempts >= kUnreachableAfter) outcomes.push_back({{"code", "unreachable"}, {"label", "标记为无法联系"}});
    j["outcomes"] = outcomes;
    j["unreachable_after"] = kUnreachableAfter;
    json hist = json::array();
    for (auto& a : fu->attempts(t->id)) hist.push_back(attempt_json(a));
    j["history"] = hist;
    json ratings = json::array();
    if (c.can("rating.read"))
      for (auto& x : fu->earlier_ratings(t->id, c.scope_paths("rating.read"), 20))
        ratings.push_back({{"id", id_str(x.id)}, {"date", day_text(x.day)}, {"created_at", x.created_at},
                           {"overall", x.overall}, {"channel", x.channel}, {"node_name", x.node_name},
                           {"unit_name", x.unit_name}, {"comment", x.comment}, {"status", x.status},
                           {"case_id", id_json(x.case_id)}});
    j["earlier_ratings"] = ratings;
    json complaints = json::array();
    if (c.can("case.read") && app.cases) {
      cases::ListFilter f;
      f.read_scope = c.scope_paths("case.read");
      f.sensitive_scope = c.scope_paths("case.sensitive");
      f.phone_hash = fu->phone_hash(t->id);
      f.limit = 20;
      int64_t next = 0;
      if (!f.phone_hash.empty() && !f.read_scope.empty())
        for (auto& k : app.cases->list(f, &next))
          complaints.push_back({{"id", id_str(k.id)}, {"tracking_code", k.tracking_code}, {"type", k.type},
                                {"type_name", cases::zh(cases::types(), k.type)}, {"status", k.status},
                                {"status_name", cases::zh(cases::statuses(), k.status)},
                                {"received_at", k.received_at}, {"node_name", k.node_name},
                                {"summary", prefix(k.content, 60)}});
    }
    j["earlier_cases"] = complaints;
    return json_response(j);
  });

  // One call attempt. A reached patient's bad rating opens a 差评工单: its id and 查询码 are
  // in the answer (case_id, case_code).
  r.add("POST", "/api/v1/followups/tasks/{id}/outcome", "followup.handle", [&app, fu](http::Ctx& c) {
    auto t = fu->get(c.id_param("id"));
    if (!t) throw not_found("follow-up task");
    c.require("followup.handle", t->node_id);
    auto j = jv::parse_object(c.req.body);
    OutcomeInput in;
    in.outcome = jv::req_enum(j, "outcome", kFollowupOutcomes);
    if (auto o = jv::opt_int(j, "overall", 1, 5)) in.overall = static_cast<int>(*o);
    if (in.outcome == "reached" && j.contains("answers")) {
      auto p = fu->point_for(actor_of(c), t->node_id);
      in.answers = forms::parse_answers(*p->def, j["answers"]);
    }
    in.comment = jv::opt_str(j, "comment", 500).value_or("");
    in.note = jv::opt_str(j, "note", 500).value_or("");
    if (auto cb = jv::opt_int(j, "callback_at", 1, 4102444800000LL)) in.callback_at = *cb;
    auto out = fu->record_outcome(actor_of(c), t->id, in);
    json res = task_json(out.task);
    res["case_id"] = id_json(out.case_id);
    res["case_code"] = nullptr;
    if (out.case_id && app.cases)
      if (auto k = app.cases->find(out.case_id)) res["case_code"] = k->tracking_code;
    return json_response(res);
  }).max_body = 16 * 1024;

  r.add("GET", "/api/v1/followups/rates", "followup.handle", [fu, svc](http::Ctx& c) {
    auto n = scope_node(c, *svc, "followup.handle");
    auto p = period::parse_period([&](const std::string& k) { return c.req.q(k).value_or(""); }, now_ms());
    json items = json::array();
    for (auto& x : fu->rates(n, p))
      items.push_back({{"node_id", id_str(x.node_id)}, {"name", x.name}, {"due", x.due}, {"contacted", x.contacted},
                       {"reached", x.reached}, {"pending", x.pending}, {"unreachable", x.unreachable},
                       {"rate", x.rate}, {"target", x.target}, {"met", x.met}});
    return json_response({{"node", {{"id", id_str(n.id)}, {"name", n.name}}},
                          {"period", {{"label", p.label}, {"from", p.from}, {"to", p.to}}},
                          {"rule", "回访率 = 已回访（接通 + 拒访）÷ 应回访；无法联系的患者计入应回访（分母），不计入已回访"},
                          {"items", items}});
  });
}

}  // namespace manyi::feedback
