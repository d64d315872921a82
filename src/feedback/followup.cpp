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
#include "http/router.hpp"

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
    "t.name_mask, t.phone_mask, t.status, t.note, t.discharge_day, t.due_day, t.attempts";
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
  return t;
}

std::string day_text(int d) { return fmt::format("{:04d}-{:02d}-{:02d}", d / 10000, d / 100 % 100, d % 100); }

// The task list's filter (followup_tasks t joined to its node n): one definition for the list
// and its count.
std::string task_where(const std::vector<std::string>& scope, const std::string& node_path, const std::string& status,
                       int due_until, Params& p) {
  std::string where = "(" + http::subtree_condition("n.path", scope, p) + ")";
  if (!node_path.empty()) {
    where += " AND n.path >= ? AND n.path < ?";
    p.emplace_back(node_path);
    p.emplace_back(http::subtree_upper(node_path));
  }
  if (status == "open") where += " AND t.status IN ('pending', 'not_reached')";
  else if (!status.empty()) {
    where += " AND t.status = ?";
    p.emplace_back(status);
  }
  if (due_until) {
    where += " AND t.due_day <= ?";
    p.emplace_back(int64_t{due_until});
  }
  return where;
}
}  // namespace

int64_t FollowupService::count(const std::vector<std::string>& scope, const std::string& node_path,
                               const std::string& status, int due_until) {
  Params p;
  std::string where = task_where(scope, node_path, status, due_until, p);
  return fb_.db()
      .query(std::string("SELECT COUNT(*)") + kTaskFrom + " WHERE " + where, p)[0]
      .i64(0);
}

std::vector<FollowupTask> FollowupService::list(const std::vector<std::string>& scope, const std::string& node_path,
                                                const std::string& status, int due_until, int64_t cursor, int limit) {
  Params p;
  std::string where = task_where(scope, node_path, status, due_until, p);
  if (cursor) {
    auto c = fb_.db().query("SELECT due_day FROM followup_tasks WHERE id = ?", {cursor});
    if (c.empty()) throw invalid("cursor", "cursor is not valid");
    where += " AND (t.due_day > ? OR (t.due_day = ? AND t.id > ?))";
    p.emplace_back(c[0].i64(0));
    p.emplace_back(c[0].i64(0));
    p.emplace_back(cursor);
  }
  p.emplace_back(int64_t{limit});
  std::vector<FollowupTask> out;
  for (auto& r : fb_.db().query(
           fmt::format("SELECT {}{} WHERE {} ORDER BY t.due_day, t.id LIMIT ?", kTaskCols, kTaskFrom, where), p))
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

FollowupTask FollowupService::record_outcome(const audit::Actor& who, int64_t id, const std::string& outcome,
                                             std::optional<int> overall, const forms::Answers& answers,
                                             const std::string& comment, const std::string& note) {
  if (std::find(kFollowupOutcomes.begin(), kFollowupOutcomes.end(), outcome) == kFollowupOutcomes.end())
    throw invalid("outcome", "outcome must be reached, not_reached or refused");
  auto t = get(id);
  if (!t) throw not_found("follow-up task");
  if (t->status != "pending" && t->status != "not_reached")
    throw conflict("closed", "this follow-up is already " + followup_status_label(t->status));
  std::shared_ptr<const PointInfo> p;
  if (outcome == "reached") {
    if (!overall) throw invalid("overall", "a reached patient's overall rating (1…5) is required");
    p = point_for(who, t->node_id);
  }
  fb_.db().write([&](store::Tx& tx) {
    auto cur = tx.query("SELECT status, attempts FROM followup_tasks WHERE id = ?", {id});
    std::string st = cur[0].str(0);
    if (st != "pending" && st != "not_reached") throw conflict("closed", "this follow-up was just closed by someone else");
    int attempts = static_cast<int>(cur[0].i64(1)) + 1;
    std::string next = outcome;
    int64_t rating_id = 0;
    if (outcome == "not_reached" && attempts >= 3) next = "unreachable";
    if (outcome == "reached") {
      NewRating nr;
      nr.overall = *overall;
      nr.answers = answers;
      nr.comment = comment;
      nr.channel = "followup";
      nr.entered_by = who.user_id;
      nr.entered_by_name = who.username;
      nr.ip = who.ip;
      auto ph = tx.query("SELECT phone_enc FROM followup_tasks WHERE id = ?", {id});
      nr.phone = cases::pii::open(cases::pii::data_key(tx), ph[0].str(0));
      rating_id = fb_.submit_in(tx, who, *p, nr).id;
    }
    tx.exec("UPDATE followup_tasks SET status = ?, attempts = ?, rating_id = ?, note = ?, handled_by = ?, handled_at = ? "
            "WHERE id = ?",
            {next, int64_t{attempts}, rating_id ? Value(rating_id) : Value(nullptr), note,
             who.user_id ? Value(who.user_id) : Value(nullptr), now_ms(), id});
    auto n = fb_.org().node(t->node_id);
    audit::record(tx, who, {"feedback.followup.outcome", "followup_task", id, t->node_id, n ? n->path : "", st, next,
                            followup_status_label(next)});
  });
  return *get(id);
}

std::vector<FollowupRate> FollowupService::rates(const org::Node& parent, const metrics::Period& p) {
  auto rows = fb_.db().query(
      "SELECT n.path, t.status, COUNT(*) FROM followup_tasks t JOIN org_nodes n ON n.id = t.node_id "
      "WHERE n.path >= ? AND n.path < ? AND t.due_day BETWEEN ? AND ? GROUP BY n.path, t.status",
      {parent.path, http::subtree_upper(parent.path), int64_t{p.from}, int64_t{p.to}});
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
    }
    r.rate = r.due ? static_cast<double>(r.contacted) / r.due : 0;
    r.target = fb_.followup_target_for(k);
    r.met = r.due > 0 && r.rate + 1e-9 >= r.target;
    if (r.due || k.kind == "department") out.push_back(r);
  }
  return out;
}

// ---------------------------------------------------------------- routes
namespace {
json task_json(const FollowupTask& t) {
  return {{"id", id_str(t.id)}, {"unit_id", id_str(t.unit_id)}, {"unit_name", t.unit_name},
          {"node_id", id_str(t.node_id)}, {"node_name", t.node_name}, {"node_code", t.node_code},
          {"name", t.name_mask}, {"phone", t.phone_mask}, {"discharge_date", day_text(t.discharge_day)},
          {"due_date", day_text(t.due_day)}, {"status", t.status}, {"status_label", followup_status_label(t.status)},
          {"attempts", t.attempts}, {"rating_id", id_json(t.rating_id)}, {"note", t.note},
          {"handled_at", t.handled_at ? json(t.handled_at) : json(nullptr)}};
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

  r.add("GET", "/api/v1/followups/tasks", "followup.handle", [fu, svc](http::Ctx& c) {
    std::string node_path;
    if (auto n = c.id_query("node")) {
      c.require("followup.handle", *n);
      node_path = *c.authorizer().node_path(*n);
    }
    std::string status = c.req.q("status").value_or("open");
    if (status == "all") status.clear();
    else if (status != "open" && followup_status_label(status) == status)
      throw invalid("status", "status must be open, all, pending, reached, not_reached, refused or unreachable");
    int due_until = 0;
    if (auto d = c.req.q("due_until")) due_until = metrics::custom_period(*d, *d).from;
    else if (c.req.q("due").value_or("") == "today") due_until = metrics::local_day(now_ms());
    int limit = page_limit(c.req);
    auto rows = fu->list(c.scope_paths("followup.handle"), node_path, status, due_until, page_cursor(c.req), limit + 1);
    int64_t next = 0;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    json items = json::array();
    for (auto& t : rows) items.push_back(task_json(t));
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });

  // The call screen: patient contact (audited), script and the survey to ask.
  r.add("GET", "/api/v1/followups/tasks/{id}", "followup.handle", [fu](http::Ctx& c) {
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
    j["outcomes"] = json::array({{{"code", "reached"}, {"label", "已接通"}},
                                 {{"code", "not_reached"}, {"label", "未接通"}},
                                 {{"code", "refused"}, {"label", "拒绝回访"}}});
    return json_response(j);
  });

  r.add("POST", "/api/v1/followups/tasks/{id}/outcome", "followup.handle", [fu](http::Ctx& c) {
    auto t = fu->get(c.id_param("id"));
    if (!t) throw not_found("follow-up task");
    c.require("followup.handle", t->node_id);
    auto j = jv::parse_object(c.req.body);
    auto outcome = jv::req_enum(j, "outcome", kFollowupOutcomes);
    std::optional<int> overall;
    if (auto o = jv::opt_int(j, "overall", 1, 5)) overall = static_cast<int>(*o);
    forms::Answers answers;
    if (outcome == "reached" && j.contains("answers")) {
      auto p = fu->point_for(actor_of(c), t->node_id);
      answers = forms::parse_answers(*p->def, j["answers"]);
    }
    auto out = fu->record_outcome(actor_of(c), t->id, outcome, overall, answers,
                                  jv::opt_str(j, "comment", 500).value_or(""), jv::opt_str(j, "note", 500).value_or(""));
    return json_response(task_json(out));
  }).max_body = 16 * 1024;

  r.add("GET", "/api/v1/followups/rates", "followup.handle", [fu, svc](http::Ctx& c) {
    auto n = scope_node(c, *svc, "followup.handle");
    auto p = metrics::parse_period([&](const std::string& k) { return c.req.q(k).value_or(""); }, now_ms());
    json items = json::array();
    for (auto& x : fu->rates(n, p))
      items.push_back({{"node_id", id_str(x.node_id)}, {"name", x.name}, {"due", x.due}, {"contacted", x.contacted},
                       {"reached", x.reached}, {"pending", x.pending}, {"rate", x.rate}, {"target", x.target},
                       {"met", x.met}});
    return json_response({{"node", {{"id", id_str(n.id)}, {"name", n.name}}},
                          {"period", {{"label", p.label}, {"from", p.from}, {"to", p.to}}},
                          {"items", items}});
  });
}

}  // namespace manyi::feedback
