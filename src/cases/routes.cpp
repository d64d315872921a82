// HTTP mapping for cases (complaints, reports, suggestions, praise, bad reviews, hotline
// requests, adverse events), the public complaint form and tracking page, case settings and
// the working-day calendar. Parsing and rendering only; the rules live in CaseService.
#include <fmt/format.h>

#include <map>

#include "app/app.hpp"
#include "app/respond.hpp"
#include "app/who.hpp"
#include "cases/pii.hpp"
#include "cases/public_input.hpp"
#include "cases/public_text.hpp"
#include "cases/service.hpp"
#include "cases/track_lock_http.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "org/roles.hpp"
#include "portal/public_refs.hpp"

namespace manyi {
namespace {

using cases::Case;

json node_ref(int64_t id, const std::string& name) {
  return id ? json{{"id", id_str(id)}, {"name", name}} : json(nullptr);
}
json opt_ms(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

// Display names; a sub-category is named with its top category: "收费 · 多收乱收".
std::map<std::string, std::string> category_names(cases::CaseService& svc) {
  std::map<std::string, std::string> out;
  auto all = svc.categories();
  for (auto& c : all) out[c.code] = c.name;
  for (auto& c : all)
    if (!c.parent.empty() && out.count(c.parent)) out[c.code] = out[c.parent] + " · " + c.name;
  return out;
}

json category_json(const cases::Category& k) {
  return {{"code", k.code},         {"name", k.name},     {"name_en", k.name_en}, {"keywords", k.keywords},
          {"sensitive", k.sensitive}, {"sort", k.sort}, {"active", k.active},   {"parent", k.parent}};
}

json case_json(const Case& c, const std::map<std::string, std::string>& cats, bool full) {
  int64_t now = now_ms();
  bool running = (c.status == "pending" || c.status == "processing");
  json j = {{"id", id_str(c.id)},
            {"tracking_code", c.tracking_code},
            {"type", c.type},
            {"type_name", cases::zh(cases::types(), c.type)},
            {"channel", c.channel},
            {"channel_name", cases::zh(cases::channels(), c.channel)},
            {"status", c.status},
            {"status_name", cases::zh(cases::statuses(), c.status)},
            {"node", node_ref(c.node_id, c.node_name)},
            {"owner", node_ref(c.owner_node_id, c.owner_name)},
            {"unit_id", id_str(c.unit_id)},
            {"transfer_to", node_ref(c.transfer_to_node_id, c.transfer_to_name)},
            {"assignee", node_ref(c.assignee_id, c.assignee_name)},
            {"category", c.category},
            {"category_name", cats.count(c.category) ? cats.at(c.category) : c.category},
            {"sensitive", c.sensitive},
            {"multi_dept", c.multi_dept},
            {"complainant", c.complainant_mask},
            {"phone", c.phone_mask},
            {"received_at", c.received_at},
            {"reopened_at", opt_ms(c.reopened_at)},
            {"sla_days", c.sla_days},
            {"warn_at", c.warn_at},
            {"deadline_at", c.deadline_at},
            {"paused", c.paused_at.has_value()},
            {"level", c.level},
            {"level_name", cases::zh(cases::levels(), std::to_string(c.level))},
            {"overdue", running && now > c.deadline_at},
            {"replied_at", opt_ms(c.replied_at)},
            {"late", c.late},
            {"first_replied_at", opt_ms(c.first_replied_at)},
            {"first_late", c.first_late},
            {"outcome", c.outcome},
            {"outcome_name", c.outcome.empty() ? "" : cases::zh(cases::outcomes(), c.outcome)},
            {"callback_result", c.callback_result},
            {"callback_name", c.callback_result.empty() ? "" : cases::zh(cases::callback_results(), c.callback_result)},
            {"reopen_count", c.reopen_count},
            {"closed_at", opt_ms(c.closed_at)},
            {"created_at", c.created_at},
            {"updated_at", c.updated_at}};
  if (full) {
    j["content"] = c.content;
    j["supervise_at"] = c.supervise_at;
    j["transfer_note"] = c.transfer_note;
    j["extension_request"] =
        c.ext_days ? json{{"days", *c.ext_days}, {"reason", c.ext_reason}, {"by", id_str(c.ext_by)}} : json(nullptr);
    j["extended_days"] = c.extended_days;
    j["reply"] = c.reply;
    j["measures"] = c.measures;
    j["needs_rectification"] = c.needs_rectification;
    j["callback_at"] = opt_ms(c.callback_at);
    j["merged_into"] = id_json(c.merged_into);
    j["source_rating_id"] = id_json(c.source_rating_id);
    j["has_contact"] = !c.complainant_enc.empty();
  } else {
    // Lists show the first 80 characters of the text.
    std::string s;
    int n = 0;
    for (size_t i = 0; i < c.content.size() && n < 80; ++n) {
      size_t len = 1;
      unsigned char ch = static_cast<unsigned char>(c.content[i]);
      if (ch >= 0xF0)
        len = 4;
      else if (ch >= 0xE0)
        len = 3;
      else if (ch >= 0xC0)
        len = 2;
      s += c.content.substr(i, len);
      i += len;
    }
    j["summary"] = s;
  }
  return j;
}

json event_json(const cases::Event& e, bool internal) {
  json j = {{"at", e.at},
            {"action", e.action},
            {"status", e.status},
            {"status_name", cases::zh(cases::statuses(), e.status)},
            {"note", e.note}};
  if (internal) {
    j["id"] = id_str(e.id);
    j["actor"] = e.actor_name;
    j["actor_id"] = id_json(e.actor_id);
    j["node"] = node_ref(e.node_id, e.node_name);
    j["public"] = e.is_public;
  }
  return j;
}

json labels_json(const std::vector<cases::Label>& v) {
  json out = json::array();
  for (auto& l : v) out.push_back({{"code", l.code}, {"name", l.zh}, {"name_en", l.en}});
  return out;
}

std::string opt_text(const json& j, const char* field, size_t max) { return jv::opt_str(j, field, max).value_or(""); }

// The node a public submission is about: `point` (a department's or collection point's code)
// inside `unit` (an institution's code), or `node_id` as the console gives it.
int64_t public_target(store::Db& db, const cases::PublicCase& p) {
  if (!p.unit && !p.point) return p.node_id;
  auto t = portal::resolve_target(db, p.unit, p.point);
  if (p.unit && !t.unit) throw invalid("unit", "no active unit has this code");
  if (p.point && !t.point) throw invalid("point", "no active point or department with this code in the unit");
  return t.point ? t.point->id : t.unit->id;
}

}  // namespace

void register_cases_routes(App& app) {
  auto& r = *app.router;
  auto& svc = *app.cases;

  // ---- the public: submit, track, rate the reply ----
  r.add("GET", "/api/v1/public/cases/options", "public", [&](http::Ctx&) {
    json types = json::array();
    for (auto& t : cases::types())
      if (auto& pt = cases::public_types(); std::find(pt.begin(), pt.end(), t.code) != pt.end())
        types.push_back({{"code", t.code}, {"name", t.zh}, {"name_en", t.en}});
    json cats = json::array();
    for (auto& c : svc.categories())
      if (c.active) cats.push_back({{"code", c.code}, {"name", c.name}, {"name_en", c.name_en}, {"parent", c.parent}});
    return json_response(
        {{"types", types}, {"categories", cats}, {"callback_results", labels_json(cases::callback_results())}});
  });
  r.add("POST", "/api/v1/public/cases", "public", [&](http::Ctx& c) {
     auto p = cases::parse_public_case(c.req.body);
     auto& in = p.in;
     in.node_id = public_target(*app.db, p);
     in.ip = c.req.remote_ip;
     cases::Opened o;
     try {
       o = svc.open(in);
     } catch (const Error& e) {
       // The service names its own fields; the public API calls them by the names it was sent.
       static const std::map<std::string, std::string> renamed = {{"complainant_name", "name"}, {"complainant_phone", "phone"}};
       auto f = renamed.find(e.field());
       if (f == renamed.end()) throw;
       throw Error(e.status(), e.code(), e.what(), f->second);
     }
     auto made = svc.find(o.id);
     return json_response({{"tracking_code", o.tracking_code},
                           {"deadline_at", made ? made->deadline_at : 0},
                           {"message", "已收到，请保存查询码以便查询办理进度"}},
                          201);
   }).max_body = 16 * 1024;
  r.add("GET", "/api/v1/public/cases/{code}", "public", [&](http::Ctx& c) {
    return cases::unless_track_locked([&] {
    auto found = svc.track(c.param("code"), c.req.q("phone_last4").value_or(""));
    if (!found) throw not_found("case");
    auto& k = *found;
    bool answered = k.status == "replied" || k.status == "closed";
    json events = json::array();
    for (auto& e : svc.events(k.id, true)) {
      auto text = cases::public_text(e);  // public-facing words only
      if (!text) continue;
      json j = event_json(e, false);
      j["note"] = *text;
      events.push_back(j);
    }
    return json_response({{"tracking_code", k.tracking_code},
                          {"type", k.type},
                          {"type_name", cases::zh(cases::types(), k.type)},
                          {"status", k.status},
                          {"status_name", cases::zh(cases::statuses(), k.status)},
                          {"node_name", k.node_name},
                          {"received_at", k.received_at},
                          {"deadline_at", k.deadline_at},
                          {"replied_at", opt_ms(k.replied_at)},
                          {"reply", answered ? k.reply : ""},
                          {"callback_result", k.callback_result},
                          {"can_rate", k.status == "replied"},
                          {"events", events}});
    });
  });
  r.add("POST", "/api/v1/public/cases/{code}/callback", "public", [&](http::Ctx& c) {
     auto cb = cases::parse_public_callback(c.req.body, c.req.q("phone_last4").value_or(""));
     return cases::unless_track_locked([&] {
       auto k = svc.public_callback(c.param("code"), cb.phone_last4, cb.result, cb.comment, c.req.remote_ip);
       return json_response({{"status", k.status}, {"status_name", cases::zh(cases::statuses(), k.status)}});
     });
   }).max_body = 8 * 1024;

  // ---- the console ----
  r.add("POST", "/api/v1/cases", "case.register", [&](http::Ctx& c) {
     auto j = jv::parse_object(c.req.body);
     cases::NewCase in;
     auto all_types = cases::codes(cases::types());
     in.type = jv::req_enum(j, "type", all_types);
     in.channel = jv::req_enum(j, "channel", cases::codes(cases::channels()));
     in.node_id = jv::req_id(j, "node_id");
     in.content = jv::req_str(j, "content", 6000);
     in.category = opt_text(j, "category", 32);
     in.complainant_name = opt_text(j, "complainant_name", 200);
     in.complainant_phone = opt_text(j, "complainant_phone", 40);
     in.multi_dept = jv::opt_bool(j, "multi_dept").value_or(false);
     auto path = c.authorizer().node_path(in.node_id);
     if (!path) throw invalid("node_id", "the node does not exist");
     c.require_path("case.register", *path);
     // 首问负责: the registering user's own unit owns the case (the closest grant above it).
     std::string best;
     for (auto& g : c.me().grants)
       if (org::role_has(g.role, "case.register") && path->rfind(g.node_path, 0) == 0 &&
           g.node_path.size() > best.size()) {
         best = g.node_path;
         in.owner_node_id = g.node_id;
       }
     in.registered_by = c.me().user_id;
     in.registered_by_name = c.me().display_name;
     in.received = true;  // 热线登记: the operator who registers it has received it
     in.ip = c.req.remote_ip;
     auto o = svc.open(in);
     return json_response(case_json(*svc.find(o.id), category_names(svc), true), 201);
   }).max_body = 32 * 1024;
  r.add("GET", "/api/v1/cases", "case.read", [&](http::Ctx& c) {
    cases::ListFilter f;
    f.read_scope = c.scope_paths("case.read");
    f.sensitive_scope = c.scope_paths("case.sensitive");
    f.node_path = c.node_filter({"case.read", "case.sensitive"});
    auto en = [&](const char* name, const std::vector<std::string>& allowed) {
      auto v = c.req.q(name);
      if (v && std::find(allowed.begin(), allowed.end(), *v) == allowed.end())
        throw invalid(name, std::string("unknown ") + name + ": " + *v);
      return v.value_or("");
    };
    f.status = en("status", cases::codes(cases::statuses()));
    f.type = en("type", cases::codes(cases::types()));
    f.channel = en("channel", cases::codes(cases::channels()));
    if (auto cat = c.req.q("category")) {
      if (cat->size() > 32) throw invalid("category", "unknown category");
      f.category = *cat;
    }
    if (auto q = c.req.q("q")) {
      if (q->size() > 100 || !jv::valid_text(*q)) throw invalid("q", "the keyword is at most 100 bytes of text");
      f.q = *q;
    }
    if (auto code = c.req.q("code")) {
      if (code->size() > 20) throw invalid("code", "a tracking code has 10 characters");
      f.tracking_code = *code;
    }
    f.overdue = c.req.q("overdue").value_or("") == "1";
    f.queue = en("queue", cases::queues());
    f.user_id = c.me().user_id;
    f.pending_transfer = c.req.q("transfer").value_or("") == "1";
    f.needs_rectification = c.req.q("rectify").value_or("") == "1";
    if (auto lv = c.req.q("level")) {
      if (lv->size() != 1 || (*lv)[0] < '0' || (*lv)[0] > '3') throw invalid("level", "level is 0 to 3");
      f.min_level = (*lv)[0] - '0';
    }
    if (c.req.q("mine").value_or("") == "1") f.assignee_id = c.me().user_id;
    f.from_ms = date_query(c.req, "from", 0);
    f.to_ms = date_query(c.req, "to", 0);
    if (f.to_ms) f.to_ms += calendar::kDayMs;  // inclusive end date
    f.cursor = page_cursor(c.req);
    f.limit = page_limit(c.req);
    int64_t next = 0;
    auto cats = category_names(svc);
    json items = json::array();
    for (auto& k : svc.list(f, &next)) items.push_back(case_json(k, cats, false));
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });
  r.add("GET", "/api/v1/cases/stats", "case.read", [&](http::Ctx& c) {
    std::string node_path = c.node_filter({"case.read"});
    auto s = svc.stats(c.scope_paths("case.read"), c.scope_paths("case.sensitive"), node_path);
    json by = json::object();
    for (auto& [k, v] : s.by_status) by[k] = v;
    auto rate = [](int64_t a, int64_t b) {
      return b ? json(static_cast<double>(a) / static_cast<double>(b)) : json(nullptr);
    };
    return json_response({{"total", s.total},
                          {"open", s.open},
                          {"overdue", s.overdue},
                          {"warning", s.warning},
                          {"by_status", by},
                          {"replied", s.replied},
                          {"on_time_rate", rate(s.replied_on_time, s.replied)},
                          {"callbacks", s.callbacks},
                          {"satisfied", s.satisfied},
                          {"basically_satisfied", s.basically_satisfied},
                          {"unsatisfied", s.unsatisfied},
                          {"satisfaction_rate", rate(s.satisfied + s.basically_satisfied, s.callbacks)}});
  });
  r.add("POST", "/api/v1/cases/suggest-category", "case.register", [&](http::Ctx& c) {
     auto j = jv::parse_object(c.req.body);
     auto content = jv::req_str(j, "content", 6000);
     auto s = svc.suggest_category(content);
     auto cats = category_names(svc);
     return json_response({{"category", s.category}, {"category_name", cats[s.category]}, {"matched", s.matched}});
   }).max_body = 32 * 1024;
  r.add("GET", "/api/v1/cases/{id}", "case.read", [&](http::Ctx& c) {
    auto who = who_of(c);
    auto k = svc.get(who, c.id_param("id"));
    json j = case_json(k, category_names(svc), true);
    j["matched_keywords"] = svc.matched_keywords(k.content, k.category);
    json events = json::array();
    for (auto& e : svc.events(k.id, false)) events.push_back(event_json(e, true));
    j["events"] = events;
    json dups = json::array();
    for (auto& d : svc.duplicates_of(k))
      if (svc.visible(who, d))
        dups.push_back({{"id", id_str(d.id)},
                        {"tracking_code", d.tracking_code},
                        {"status", d.status},
                        {"status_name", cases::zh(cases::statuses(), d.status)},
                        {"received_at", d.received_at}});
    j["possible_duplicates"] = dups;
    j["actions"] = svc.actions(who, k);
    return json_response(j);
  });
  r.add("GET", "/api/v1/cases/{id}/contact", "case.contact", [&](http::Ctx& c) {
    auto [name, phone] = svc.reveal_contact(who_of(c), c.id_param("id"));
    return json_response({{"name", name}, {"phone", phone}});
  });

  // Workflow actions: POST /api/v1/cases/{id}/<action>, each answering with the case.
  auto action = [&](const std::string& path, const std::string& perm, size_t max_body,
                    std::function<Case(http::Ctx&, const cases::Who&, int64_t, const json&)> fn) {
    r.add("POST", "/api/v1/cases/{id}/" + path, perm, [&svc, fn](http::Ctx& c) {
       int64_t id = c.id_param("id");
       json j = c.req.body.empty() ? json::object() : jv::parse_object(c.req.body);
       auto who = who_of(c);
       return json_response(case_json(fn(c, who, id, j), category_names(svc), true));
     }).max_body = max_body;
  };
  const size_t kSmall = 8 * 1024, kText = 32 * 1024;
  action("accept", "case.handle", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.accept(w, id, jv::opt_bool(j, "multi_dept"));
  });
  action("assign", "case.dispatch", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.assign(w, id, jv::req_id(j, "user_id"));
  });
  action("transfer", "case.dispatch", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.transfer(w, id, jv::req_id(j, "to_node_id"), opt_text(j, "note", 3000));
  });
  action("transfer/accept", "case.handle", kSmall,
         [&](http::Ctx&, const cases::Who& w, int64_t id, const json&) { return svc.accept_transfer(w, id); });
  action("transfer/decline", "case.handle", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.decline_transfer(w, id, jv::req_str(j, "reason", 3000));
  });
  action("return", "case.handle", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.send_back(w, id, jv::req_str(j, "reason", 3000));
  });
  action("merge", "case.dispatch", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.merge(w, id, jv::req_id(j, "into_id"));
  });
  action("reject", "case.dispatch", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.reject(w, id, jv::req_str(j, "reason", 3000));
  });
  action("pause", "case.handle", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.pause(w, id, jv::req_str(j, "reason", 3000));
  });
  action("resume", "case.handle", kSmall,
         [&](http::Ctx&, const cases::Who& w, int64_t id, const json&) { return svc.resume(w, id); });
  action("extension", "case.handle", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.request_extension(w, id, static_cast<int>(jv::req_int(j, "days", 1, 30)),
                                 jv::req_str(j, "reason", 3000));
  });
  action("extension/decide", "case.dispatch", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    auto approve = jv::opt_bool(j, "approve");
    if (!approve) throw invalid("approve", "approve (true or false) is required");
    return svc.decide_extension(w, id, *approve, opt_text(j, "note", 3000));
  });
  // The finding: outcome, measures, responsible staff, 需整改 (on reply and on closing).
  auto finding_of = [](const json& j) {
    cases::ReplyInput in;
    in.outcome = jv::opt_enum(j, "outcome", cases::codes(cases::outcomes())).value_or("");
    in.measures = opt_text(j, "measures", 8000);
    in.needs_rectification = jv::opt_bool(j, "needs_rectification").value_or(false);
    if (j.contains("responsible_staff_ids")) {
      auto& a = j["responsible_staff_ids"];
      if (!a.is_array() || a.size() > 20)
        throw invalid("responsible_staff_ids", "responsible_staff_ids is a list of up to 20 staff ids");
      for (auto& v : a) {
        int64_t sid = v.is_string() ? parse_id(v.get<std::string>()) : v.is_number_integer() ? v.get<int64_t>() : 0;
        if (sid <= 0) throw invalid("responsible_staff_ids", "responsible_staff_ids must hold staff ids");
        in.responsible_staff.push_back(sid);
      }
    }
    return in;
  };
  action("reply", "case.handle", kText, [&, finding_of](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    auto in = finding_of(j);
    in.reply = jv::req_str(j, "reply", 16000);
    in.category = opt_text(j, "category", 32);
    return svc.reply(w, id, in);
  });
  action("callback", "case.handle", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.callback(w, id, jv::req_enum(j, "result", cases::codes(cases::callback_results())),
                        opt_text(j, "note", 3000));
  });
  action("close", "case.handle", kSmall, [&, finding_of](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.close(w, id, jv::req_str(j, "note", 6000), finding_of(j));
  });
  action("supervise", "case.supervise", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    std::optional<int> days;
    if (auto d = jv::opt_int(j, "days", 0, 60)) days = static_cast<int>(*d);
    return svc.supervise(w, id, jv::req_str(j, "note", 3000), days);
  });
  action("notes", "case.read", kSmall, [&](http::Ctx&, const cases::Who& w, int64_t id, const json& j) {
    return svc.add_note(w, id, jv::req_str(j, "note", 6000));
  });

  r.add("POST", "/api/v1/cases/escalations/run", "case.supervise", [&](http::Ctx&) {
    return json_response({{"steps", svc.run_escalations(now_ms())}});
  });

  // ---- settings: categories and time limits ----
  r.add("GET", "/api/v1/cases/categories", "login", [&](http::Ctx&) {
    json items = json::array();
    for (auto& k : svc.categories()) items.push_back(category_json(k));
    return json_response({{"items", items},
                          {"types", labels_json(cases::types())},
                          {"channels", labels_json(cases::channels())},
                          {"statuses", labels_json(cases::statuses())},
                          {"outcomes", labels_json(cases::outcomes())},
                          {"callback_results", labels_json(cases::callback_results())},
                          {"levels", labels_json(cases::levels())}});
  });
  r.add("PUT", "/api/v1/cases/categories/{code}", "case.settings", [&](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    cases::Category k;
    k.code = c.param("code");
    k.name = jv::req_str(j, "name", 200);
    k.name_en = opt_text(j, "name_en", 400);
    k.keywords = opt_text(j, "keywords", 8000);
    k.sensitive = jv::opt_bool(j, "sensitive").value_or(false);
    k.active = jv::opt_bool(j, "active").value_or(true);
    k.sort = static_cast<int>(jv::opt_int(j, "sort", 0, 9999).value_or(50));
    k.parent = opt_text(j, "parent", 32);
    return json_response(category_json(svc.save_category(actor_of(c), k)));
  });
  auto sla_json = [](const cases::Sla& s) {
    return json{{"type", s.type},
                {"name", s.name},
                {"reply_days", s.reply_days},
                {"multi_days", s.multi_days},
                {"warn_ratio", s.warn_ratio},
                {"bureau_after_days", s.bureau_after_days},
                {"needs_callback", s.needs_callback}};
  };
  r.add("GET", "/api/v1/cases/sla", "case.read", [&, sla_json](http::Ctx&) {
    json items = json::array();
    for (auto& s : svc.slas()) items.push_back(sla_json(s));
    return json_response({{"items", items}});
  });
  r.add("PUT", "/api/v1/cases/sla/{type}", "case.settings", [&, sla_json](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    cases::Sla s;
    s.type = c.param("type");
    s.reply_days = static_cast<int>(jv::req_int(j, "reply_days", 0, 90));
    s.multi_days = static_cast<int>(jv::req_int(j, "multi_days", 0, 120));
    s.warn_ratio = jv::opt_num(j, "warn_ratio", 0.05, 0.95).value_or(0.6);
    s.bureau_after_days = static_cast<int>(jv::opt_int(j, "bureau_after_days", 0, 30).value_or(2));
    s.needs_callback = jv::opt_bool(j, "needs_callback").value_or(true);
    return json_response(sla_json(svc.save_sla(actor_of(c), s)));
  });
}

}  // namespace manyi
