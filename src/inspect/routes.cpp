// HTTP mapping for inspections (docs/openapi-inspect.yaml): parsing and rendering only; the
// rules live in InspectService. Ids travel as strings; lists page with a cursor.
#include "inspect/routes.hpp"

#include <fmt/format.h>

#include <map>

#include "app/app.hpp"
#include "app/respond.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "forms/json.hpp"
#include "forms/service.hpp"
#include "inspect/periods.hpp"
#include "workflow/attachments.hpp"

namespace manyi::inspect {
namespace {

const char* const kPerms[] = {"inspection.read", "inspection.plan", "inspection.perform", "inspection.publish"};

Grants grants_of(http::Ctx& c) {
  Grants g;
  g.actor = actor_of(c);
  g.name = c.me().display_name;
  for (auto& gr : c.me().grants)
    for (auto* perm : kPerms)
      if (c.authorizer().role_has(gr.role, perm)) g.paths[perm].push_back(gr.node_path);
  return g;
}

json opt_json(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json opt_ms(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }
json ids_json(const std::vector<int64_t>& ids) {
  json a = json::array();
  for (auto id : ids) a.push_back(id_str(id));
  return a;
}

std::string template_name(InspectService& svc, int64_t id) {
  auto t = svc.forms().get(id);
  return t ? t->name : "";
}

json plan_json(InspectService& svc, const Plan& p) {
  return {{"id", id_str(p.id)},
          {"name", p.name},
          {"owner", {{"id", id_str(p.owner_node_id)}, {"name", p.owner_name}}},
          {"template", {{"id", id_str(p.template_id)}, {"name", template_name(svc, p.template_id)}}},
          {"scope_node_id", id_json(p.scope_node_id)},
          {"node_kind", opt_json(p.node_kind)},
          {"node_ids", ids_json(p.node_ids)},
          {"cadence", p.cadence},
          {"window_from", opt_json(p.window_from)},
          {"window_to", opt_json(p.window_to)},
          {"covert", p.covert},
          {"self_inspection", p.self_inspection},
          {"target", p.target},
          {"inspectors", ids_json(p.inspectors)},
          {"active", p.active},
          {"created_at", p.created_at},
          {"updated_at", p.updated_at}};
}

// A task as the phone's list shows it; plans are looked up once per request.
json task_json(InspectService& svc, std::map<int64_t, std::optional<Plan>>& plans, const Task& t) {
  auto& p = plans[t.plan_id];
  if (!p) p = svc.find_plan(t.plan_id);
  json plan = p ? json{{"id", id_str(p->id)},
                       {"name", p->name},
                       {"covert", p->covert},
                       {"self_inspection", p->self_inspection},
                       {"template", template_name(svc, p->template_id)}}
                : json(nullptr);
  return {{"id", id_str(t.id)},
          {"plan", plan},
          {"period", t.period},
          {"unit", {{"id", id_str(t.node_id)}, {"name", t.node_name}}},
          {"starts_at", t.starts_at},
          {"due_at", t.due_at},
          {"status", t.status},
          {"inspection_id", id_json(t.inspection_id)}};
}

json inspection_json(InspectService& svc, const Grants& who, const Inspection& x) {
  json j = {{"id", id_str(x.id)},
            {"code", x.code},
            {"task_id", id_str(x.task_id)},
            {"plan_id", id_str(x.plan_id)},
            {"unit", {{"id", id_str(x.node_id)}, {"name", x.node_name}}},
            {"covert", x.covert},
            {"score", x.score},
            {"grade", x.grade},
            {"vetoed", x.vetoed},
            {"created_at", x.created_at},
            {"published_at", opt_ms(x.published_at)},
            {"confirmed_at", opt_ms(x.confirmed_at)}};
  // The inspector's name only on the planner's side (a covert visitor stays unnamed).
  j["inspector"] = svc.planner_side(who, x) ? json(x.inspector_name) : json(nullptr);
  return j;
}

json finding_json(const Finding& f) {
  return {{"id", id_str(f.id)},         {"item_id", f.item_id},     {"section", f.section},
          {"label", f.label},           {"kind", f.kind},           {"deduction", f.deduction},
          {"reason", f.reason},         {"note", opt_json(f.note)}, {"rectification_id", id_json(f.rectification_id)}};
}

json photo_json(const forms::Photo& p) {
  return {{"id", id_str(p.id)}, {"item_id", p.item_id}, {"name", p.name}, {"content_type", p.content_type},
          {"size", p.size}, {"created_at", p.created_at}};
}

std::optional<std::vector<int64_t>> opt_ids(const json& j, const char* field, size_t max) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_array() || it->size() > max)
    throw invalid(field, fmt::format("{} is a list of at most {} ids", field, max));
  std::vector<int64_t> out;
  for (auto& v : *it) {
    int64_t id = v.is_string() ? parse_id(v.get<std::string>()) : v.is_number_integer() ? v.get<int64_t>() : 0;
    if (id <= 0) throw invalid(field, std::string(field) + " holds ids (strings)");
    out.push_back(id);
  }
  return out;
}

PlanInput plan_input(const json& j, bool create) {
  PlanInput in;
  in.name = jv::opt_str(j, "name", 400);
  if (create) {
    in.owner_node_id = jv::opt_id(j, "owner_node_id").value_or(0);
    in.template_id = jv::req_id(j, "template_id");
    in.scope_node_id = jv::opt_id(j, "scope_node_id").value_or(0);
    in.node_kind = jv::opt_str(j, "node_kind", 20);
    in.node_ids = opt_ids(j, "node_ids", kMaxListedNodes);
    in.cadence = jv::req_enum(j, "cadence", kCadences);
    in.window_from = jv::opt_str(j, "window_from", 10);
    in.covert = jv::opt_bool(j, "covert");
    in.self_inspection = jv::opt_bool(j, "self_inspection");
  } else {
    in.active = jv::opt_bool(j, "active");
  }
  in.window_to = jv::opt_str(j, "window_to", 10);
  in.target = jv::opt_num(j, "target", 0, 1);
  in.inspectors = opt_ids(j, "inspectors", kMaxInspectors);
  return in;
}

}  // namespace

void register_routes(App& app, InspectService& svc) {
  auto& r = *app.router;

  // ---- plans ----
  r.add("GET", "/api/v1/inspection-plans", "inspection.read", [&svc](http::Ctx& c) {
    auto who = grants_of(c);
    int64_t next = 0;
    json items = json::array();
    for (auto& p : svc.list_plans(who, c.node_filter({"inspection.read"}), page_cursor(c.req), page_limit(c.req), &next))
      items.push_back(plan_json(svc, p));
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });
  r.add("POST", "/api/v1/inspection-plans", "inspection.plan", [&svc](http::Ctx& c) {
     auto j = jv::parse_object(c.req.body);
     auto in = plan_input(j, true);
     if (!in.name) throw invalid("name", "name is required");
     auto p = svc.create_plan(grants_of(c), in);
     // The current period's tasks exist when the planner gets the answer, not when the job next
     // runs (after the plan's commit; idempotent with the job).
     svc.generate_for(p.id, now_ms());
     return json_response(plan_json(svc, p), 201);
   }).max_body = 64 * 1024;
  r.add("GET", "/api/v1/inspection-plans/{id}", "inspection.read", [&svc](http::Ctx& c) {
    return json_response(plan_json(svc, svc.get_plan(grants_of(c), c.id_param("id"))));
  });
  r.add("PATCH", "/api/v1/inspection-plans/{id}", "inspection.plan", [&svc](http::Ctx& c) {
     auto j = jv::parse_object(c.req.body);
     auto in = plan_input(j, false);
     auto p = svc.update_plan(grants_of(c), c.id_param("id"), in);
     // Reactivated, or a longer window: the current period's tasks at once.
     if (in.active || in.window_to) svc.generate_for(p.id, now_ms());
     return json_response(plan_json(svc, p));
   }).max_body = 64 * 1024;
  // The plan dialog's inspector picker: active users who may perform inspections on all of the
  // node's subtree (a grant of inspection.perform on it or above), for planners of that node —
  // who need not read the user accounts (the demo's inspector does not).
  r.add("GET", "/api/v1/inspection-inspectors", "inspection.plan", [&app](http::Ctx& c) {
    auto path = c.node_filter({"inspection.plan"});
    if (path.empty()) throw invalid("node", "node is required (the plan's coverage)");
    auto q = c.req.q("q").value_or("");
    if (q.size() > 100) throw invalid("q", "search text is too long");
    int limit = page_limit(c.req, 50);
    if (limit > 200) throw invalid("limit", "limit must be between 1 and 200");
    json items = json::array();
    for (auto& u : app.org->holders({"inspection.perform"}, path, q, limit))
      items.push_back({{"id", id_str(u.id)}, {"username", u.username}, {"display_name", u.display_name},
                       {"node_name", u.node_name}});
    return json_response({{"items", items}});
  });
  r.add("DELETE", "/api/v1/inspection-plans/{id}", "inspection.plan", [&svc](http::Ctx& c) {
    svc.archive_plan(grants_of(c), c.id_param("id"));
    http::Response res;
    res.status = 204;
    return res;
  });

  // ---- tasks ----
  r.add("GET", "/api/v1/inspection-tasks", "inspection.perform", [&svc](http::Ctx& c) {
    auto who = grants_of(c);
    TaskFilter f;
    auto mine = c.req.q("mine").value_or("");
    if (mine != "" && mine != "0" && mine != "1") throw invalid("mine", "mine is 1 or 0");
    f.mine = mine == "1";
    f.plan_id = c.id_query("plan").value_or(0);
    f.status = c.req.q("status").value_or("");
    if (!f.status.empty() && f.status != "due" && f.status != "overdue" && f.status != "done" && f.status != "open")
      throw invalid("status", "status is due, overdue, done or open");
    f.period = c.req.q("period").value_or("");
    if (f.period.size() > 20) throw invalid("period", "period is a period key such as 2026-03");
    f.node_path = c.node_filter({"inspection.perform", "inspection.read"});
    f.cursor = page_cursor(c.req);
    f.limit = page_limit(c.req);
    int64_t next = 0;
    std::map<int64_t, std::optional<Plan>> plans;
    json items = json::array();
    for (auto& t : svc.list_tasks(who, f, &next)) items.push_back(task_json(svc, plans, t));
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });
  // The task with its checklist (the version it is filled in against), for the phone page.
  r.add("GET", "/api/v1/inspection-tasks/{id}", "inspection.perform", [&svc](http::Ctx& c) {
    auto who = grants_of(c);
    auto t = svc.get_task(who, c.id_param("id"));
    std::map<int64_t, std::optional<Plan>> plans;
    json j = task_json(svc, plans, t);
    auto v = svc.forms().version(t.version_id);
    j["checklist"] = {{"version_id", id_str(v.id)}, {"version", v.version}, {"definition", json::parse(v.definition_text)}};
    auto& p = plans[t.plan_id];
    j["can_perform"] = p && t.status != "done" && svc.may_perform(who, *p, t);
    return json_response(j);
  });
  auto& perform = r.add("POST", "/api/v1/inspection-tasks/{id}/inspection", "inspection.perform", [&svc](http::Ctx& c) {
    auto who = grants_of(c);
    int64_t id = c.id_param("id");
    auto j = jv::parse_object(c.req.body);
    Submit in;
    in.draft_id = jv::req_str(j, "draft_id", 64);
    in.subject = jv::opt_str(j, "subject", 600).value_or("");
    auto def = svc.task_definition(who, id);
    auto a = j.find("answers");
    if (a == j.end() || !a->is_object()) throw invalid("answers", "answers (an object) are required");
    in.answers = forms::parse_answers(*def, *a);
    in.notes = forms::parse_notes(*def, j.value("notes", json::object()));
    auto [x, replayed] = svc.perform(who, id, in);
    json out = inspection_json(svc, who, x);
    json findings = json::array();
    for (auto& f : svc.findings(x.id)) findings.push_back(finding_json(f));
    out["findings"] = findings;
    out["replayed"] = replayed;
    return json_response(out, replayed ? 200 : 201);
  });
  perform.max_body = 256 * 1024;
  perform.body = http::BodyType::json;

  // ---- inspections ----
  r.add("GET", "/api/v1/inspections", "inspection.read", [&svc](http::Ctx& c) {
    auto who = grants_of(c);
    int64_t next = 0;
    json items = json::array();
    for (auto& x : svc.list(who, c.id_query("plan").value_or(0), c.node_filter({"inspection.read"}), page_cursor(c.req),
                            page_limit(c.req), &next))
      items.push_back(inspection_json(svc, who, x));
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });
  // Any signed-in user: visibility is the service's (the inspector, the planner's side, the
  // inspected unit once published); 404 otherwise.
  r.add("GET", "/api/v1/inspections/{id}", "login", [&svc](http::Ctx& c) {
    auto who = grants_of(c);
    auto x = svc.get(who, c.id_param("id"));
    json j = inspection_json(svc, who, x);
    auto resp = svc.response(x.response_id);
    if (resp) {
      auto v = svc.forms().version(resp->version_id);
      j["template"] = {{"id", id_str(resp->template_id)}, {"name", v.def->name}, {"version", v.version},
                       {"version_id", id_str(v.id)}};
      j["subject"] = resp->subject;
      j["answers"] = json::parse(resp->answers);
      j["notes"] = json::parse(resp->notes);
      // Per-item scores with their labels, in the checklist's order.
      json result = json::parse(resp->result);
      json items = json::array();
      size_t k = 0;
      for (auto& s : v.def->sections)
        for (auto& item : s.items) {
          json one = k < result["items"].size() ? result["items"][k] : json::object();
          one["section"] = s.title;
          one["label"] = item.label;
          items.push_back(one);
          ++k;
        }
      j["items"] = items;
      j["percentage"] = result.value("percentage", 0.0);
      j["veto_items"] = result.value("veto_items", json::array());
    }
    json findings = json::array();
    for (auto& f : svc.findings(x.id)) findings.push_back(finding_json(f));
    j["findings"] = findings;
    json photos = json::array();
    for (auto& p : svc.photos(x.response_id)) photos.push_back(photo_json(p));
    j["photos"] = photos;
    return json_response(j);
  });
  r.add("POST", "/api/v1/inspections/{id}/publish", "inspection.publish", [&svc](http::Ctx& c) {
    auto who = grants_of(c);
    return json_response(inspection_json(svc, who, svc.publish(who, c.id_param("id"))));
  });
  r.add("POST", "/api/v1/inspections/{id}/findings/confirm", "inspection.perform", [&svc](http::Ctx& c) {
     auto who = grants_of(c);
     json j = c.req.body.empty() ? json::object() : jv::parse_object(c.req.body);
     Confirm in;
     in.findings = opt_ids(j, "findings", 500);
     in.deadline = jv::opt_str(j, "deadline", 10);
     in.is_public = jv::opt_bool(j, "public");
     if (auto s = j.find("severity"); s != j.end() && !s->is_null()) {
       if (!s->is_object()) throw invalid("severity", "severity is an object {\"<finding id>\": \"general\" | \"major\"}");
       for (auto& [k, v] : s->items()) {
         int64_t fid = parse_id(k);
         if (!fid || !v.is_string() || (v != "general" && v != "major"))
           throw invalid("severity", "severity maps finding ids to general or major");
         in.severity[fid] = v.get<std::string>();
       }
     }
     json out = json::array();
     for (auto& f : svc.confirm(who, c.id_param("id"), in)) out.push_back(finding_json(f));
     return json_response({{"findings", out}});
   }).max_body = 64 * 1024;
  // A photo of an item (?item=<item id>&name=<file name>; the body is the image's bytes).
  auto& photo = r.add("POST", "/api/v1/inspections/{id}/photos", "inspection.perform", [&svc](http::Ctx& c) {
    auto name = c.req.q("name").value_or("");
    if (name.size() > 2000) throw invalid("name", "the file name is too long");
    auto p = svc.add_photo(grants_of(c), c.id_param("id"), c.req.q("item").value_or(""), name, c.req.body);
    return json_response(photo_json(p), 201);
  });
  photo.max_body = workflow::kMaxAttachmentBytes;
  photo.body = http::BodyType::file;
  r.add("GET", "/api/v1/inspections/{id}/photos/{pid}", "login", [&svc](http::Ctx& c) {
    auto x = svc.get(grants_of(c), c.id_param("id"));
    auto a = workflow::load_attachment(svc.db(), forms::kPhotoOwner, x.response_id, c.id_param("pid"));
    if (!a) throw not_found("photo");
    return attachment_response(std::move(*a));
  });

  // ---- coverage ----
  r.add("GET", "/api/v1/inspection-coverage", "inspection.read", [&svc](http::Ctx& c) {
    auto plan = c.id_query("plan");
    if (!plan) throw invalid("plan", "plan (a plan id) is required");
    auto cov = svc.coverage(grants_of(c), *plan, c.req.q("period"));
    auto p = svc.find_plan(*plan);
    json units = json::array();
    for (auto& l : cov.lines)
      units.push_back({{"task_id", id_str(l.task.id)},
                       {"unit", {{"id", id_str(l.task.node_id)}, {"name", l.task.node_name}}},
                       {"status", l.task.status},
                       {"due_at", l.task.due_at},
                       {"inspection_id", id_json(l.task.inspection_id)},
                       {"score", l.task.inspection_id ? json(l.score) : json(nullptr)},
                       {"vetoed", l.vetoed}});
    return json_response({{"plan_id", id_str(*plan)},
                          {"period", cov.period},
                          {"total", cov.total},
                          {"done", cov.done},
                          {"due", cov.due},
                          {"overdue", cov.overdue},
                          {"rate", cov.rate},
                          {"target", p ? p->target : 1.0},
                          {"met", p && cov.total > 0 && cov.rate + 1e-9 >= p->target},
                          {"units", units}});
  });
}

}  // namespace manyi::inspect
