// HTTP mapping for the rectification ledger's console API (docs/openapi.yaml, 整改台账):
// parsing and rendering only; the rules live in RectifyService.
#include "app/who.hpp"
#include "rectify/routes.hpp"

#include <fmt/format.h>

#include <set>
#include <unordered_map>

#include "app/app.hpp"
#include "app/respond.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/org_path.hpp"
#include "rectify/workflow.hpp"
#include "reports/export.hpp"
#include "workflow/attachments.hpp"

namespace manyi::rectify {
namespace {

json opt_json(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json opt_ms(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

// The ids from an item's institution (the unit itself when it has none above) down to its unit.
std::vector<int64_t> named_ids(const Item& it) {
  auto ids = org::Path(it.unit_path).ids();
  auto from = std::find(ids.begin(), ids.end(), it.inst_id);
  if (from == ids.end()) return {it.unit_id};
  return {from, ids.end()};
}

// The names of the nodes on those paths for every item of an answer, in one query (a page of
// the list costs one lookup, not one per row).
using NodeNames = std::unordered_map<int64_t, std::string>;
NodeNames node_names(store::Db& db, const std::vector<Item>& items) {
  std::set<int64_t> ids;
  for (auto& it : items)
    for (auto id : named_ids(it)) ids.insert(id);
  NodeNames out;
  if (ids.empty()) return out;
  std::string in;
  store::Params p;
  for (auto id : ids) {
    in += in.empty() ? "?" : ", ?";
    p.push_back(id);
  }
  for (auto& row : db.query("SELECT id, name FROM org_nodes WHERE id IN (" + in + ")", p)) out[row.i64(0)] = row.str(1);
  return out;
}

// 市第一人民医院 / 内科: the unit's names from its institution down ([name] when one is missing).
json path_names(const Item& it, const NodeNames& names) {
  json out = json::array();
  for (auto id : named_ids(it)) {
    auto n = names.find(id);
    if (n == names.end()) return json::array({it.unit_name});
    out.push_back(n->second);
  }
  return out;
}

json item_json(const Item& it, int64_t now, const NodeNames& names) {
  return {{"id", id_str(it.id)},
          {"code", it.code},
          {"unit",
           {{"id", id_str(it.unit_id)}, {"name", it.unit_name}, {"path", it.unit_path}, {"path_names", path_names(it, names)}}},
          {"responsible", opt_json(it.responsible)},
          {"responsible_user_id", id_json(it.responsible_user_id)},
          {"source", it.source},
          {"source_ref", opt_json(it.source_ref)},
          {"source_id", id_json(it.source_id)},
          {"category", opt_json(it.category)},
          {"problem", it.problem},
          {"cause", opt_json(it.cause)},
          {"measures", opt_json(it.measures)},
          {"hazard", it.hazard},
          {"severity", opt_json(it.severity)},
          {"funds", opt_json(it.funds)},
          {"contingency", opt_json(it.contingency)},
          {"status", it.status},
          {"overdue", it.overdue_at(now)},
          {"deadline_at", it.deadline_at},
          {"warn_at", it.warn_at},
          {"level", it.level},
          {"redo_count", it.redo_count},
          {"extension", it.extension ? json{{"until", it.extension->until},
                                            {"reason", it.extension->reason},
                                            {"requested_at", it.extension->requested_at}}
                                     : json(nullptr)},
          {"public", it.is_public},
          {"created_at", it.created_at},
          {"updated_at", it.updated_at},
          {"closed_at", opt_ms(it.closed_at)},
          {"verified_by", opt_json(it.verified_by)}};
}
// One item (a create, an edit, an action, the detail): its own names lookup.
json item_json(store::Db& db, const Item& it, int64_t now) { return item_json(it, now, node_names(db, {it})); }

// The filters of the list and the export (same query parameters).
ListFilter filter_of(http::Ctx& c) {
  ListFilter f;
  f.scope = c.scope_paths("rectification.read");
  f.node_path = c.node_filter({"rectification.read"});
  auto en = [&](const char* name, const std::vector<std::string>& allowed) {
    auto v = c.req.q(name);
    if (v && std::find(allowed.begin(), allowed.end(), *v) == allowed.end())
      throw invalid(name, std::string("unknown ") + name);
    return v.value_or("");
  };
  f.source = en("source", codes(sources()));
  f.status = en("status", codes(statuses()));
  auto od = c.req.q("overdue").value_or("");
  if (od != "" && od != "0" && od != "1") throw invalid("overdue", "overdue is 1 or 0");
  f.overdue = od == "1";
  if (auto q = c.req.q("q")) {
    if (q->size() > 100 || !jv::valid_text(*q)) throw invalid("q", "the keyword is at most 100 bytes of text");
    f.q = *q;
  }
  f.from_ms = date_query(c.req, "from", 0);
  f.to_ms = date_query(c.req, "to", 0);
  if (f.to_ms) f.to_ms += calendar::kDayMs;  // inclusive end date
  return f;
}

}  // namespace

void register_routes(App& app, RectifyService& svc) {
  auto& r = *app.router;
  const std::string base = "/api/v1/rectifications";

  r.add("GET", base, "rectification.read", [&app, &svc](http::Ctx& c) {
    auto f = filter_of(c);
    f.cursor = page_cursor(c.req);
    f.limit = page_limit(c.req);
    int64_t next = 0, now = now_ms();
    auto page = svc.list(f, &next);
    auto names = node_names(*app.db, page);
    json items = json::array();
    for (auto& it : page) items.push_back(item_json(it, now, names));
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });
  r.add("GET", base + "/counts", "rectification.read", [&svc](http::Ctx& c) {
    auto k = svc.counts(c.scope_paths("rectification.read"), c.node_filter({"rectification.read"}), now_ms());
    return json_response({{"total", k.total},
                          {"pending", k.pending},
                          {"rectifying", k.rectifying},
                          {"submitted", k.submitted},
                          {"closed", k.closed},
                          {"cancelled", k.cancelled},
                          {"overdue", k.overdue}});
  });
  r.add("GET", base + "/export.xlsx", "rectification.read", [&app, &svc](http::Ctx& c) {
    auto f = filter_of(c);
    int64_t rows = 0;
    auto bytes = ledger_xlsx(svc, f, &rows);
    reports::ExportAudit a{"rectification.export", "rectification", c.id_query("node").value_or(0), "", rows};
    std::string unit;
    if (a.node_id) {
      auto n = app.db->query("SELECT name FROM org_nodes WHERE id = ?", {a.node_id});
      if (!n.empty()) unit = n[0].str(0);
    } else {
      for (auto& g : c.me().grants)
        if (c.authorizer().role_has(g.role, "rectification.read")) {
          a.node_id = g.node_id;
          a.node_path = g.node_path;
          unit = g.node_name;
          break;
        }
    }
    std::string period = "截至" + calendar::format_date(calendar::day_of(now_ms()));
    return reports::audited_xlsx_download(*app.db, actor_of(c), a, std::move(bytes),
                                          {unit, "整改台账", "rectifications", period});
  });
  r.add("POST", base + "/import", "rectification.manage", [&svc](http::Ctx& c) {
     auto res = svc.import_file(who_of(c), c.req.body);
     if (res.errors.empty()) return json_response({{"imported", res.imported}, {"updated", res.updated}});
     json rows = json::array();
     for (auto& e : res.errors) rows.push_back({{"row", e.row}, {"field", e.field}, {"message", e.message}});
     return json_response({{"error",
                            {{"code", "import_rejected"},
                             {"message", fmt::format("{} row(s) have errors; nothing was imported", res.errors.size())},
                             {"field", "file"}}},
                           {"rows", rows}},
                          422);
   }).max_body = 4 * 1024 * 1024;
  r.add("POST", base, "rectification.manage", [&app, &svc](http::Ctx& c) {
     auto j = jv::parse_object(c.req.body);
     NewItem in;
     in.unit_id = jv::req_id(j, "unit_id");
     in.problem = jv::req_str(j, "problem", 2000);
     in.source = jv::opt_enum(j, "source", codes(sources())).value_or("manual");
     in.source_ref = jv::opt_str(j, "source_ref", 100);
     in.category = jv::opt_str(j, "category", 50);
     in.responsible = jv::opt_str(j, "responsible", 50);
     in.responsible_user_id = jv::opt_id(j, "responsible_user_id").value_or(0);
     in.deadline = jv::opt_str(j, "deadline", 10);
     in.hazard = jv::opt_bool(j, "hazard").value_or(false);
     in.severity = jv::opt_enum(j, "severity", {"general", "major"});
     in.funds = jv::opt_str(j, "funds", 200);
     in.contingency = jv::opt_str(j, "contingency", 2000);
     in.is_public = jv::opt_bool(j, "public").value_or(false);
     return json_response(item_json(*app.db, svc.create(who_of(c), in), now_ms()), 201);
   }).max_body = 32 * 1024;
  r.add("GET", base + "/{id}", "rectification.read", [&app, &svc](http::Ctx& c) {
    auto who = who_of(c);
    auto it = svc.get(who, c.id_param("id"));
    int64_t now = now_ms();
    json j = item_json(*app.db, it, now);
    j["actions"] = svc.actions(who, it, now);
    // Which of PATCH's fields the caller may change while the item is open: the owner's
    // (rectification.handle) and the problem, category, deadline and 公示 (rectification.manage).
    j["can_handle"] = who.may("rectification.handle", it.unit_path);
    j["can_manage"] = who.may("rectification.manage", it.unit_path);
    json timeline = json::array();
    for (auto& e : svc.history(it.id))
      timeline.push_back({{"at", e.at}, {"actor", e.actor_name}, {"action", e.action}, {"status", e.status}, {"note", e.note}});
    j["timeline"] = timeline;
    json files = json::array();
    for (auto& a : workflow::list_attachments(*app.db, kAttachmentOwner, it.id))
      files.push_back({{"id", id_str(a.id)},
                       {"name", a.name},
                       {"mime", a.content_type},
                       {"size", a.size},
                       {"at", a.created_at},
                       {"by", a.uploader}});
    j["attachments"] = files;
    return json_response(j);
  });
  r.add("PATCH", base + "/{id}", "rectification.read", [&app, &svc](http::Ctx& c) {
     auto j = jv::parse_object(c.req.body);
     Patch p;
     p.cause = jv::opt_str(j, "cause", 2000);
     p.measures = jv::opt_str(j, "measures", 4000);
     p.responsible = jv::opt_str(j, "responsible", 50);
     p.funds = jv::opt_str(j, "funds", 200);
     p.contingency = jv::opt_str(j, "contingency", 2000);
     p.problem = jv::opt_str(j, "problem", 2000);
     p.deadline = jv::opt_str(j, "deadline", 10);
     p.category = jv::opt_str(j, "category", 50);
     p.is_public = jv::opt_bool(j, "public");
     return json_response(item_json(*app.db, svc.patch(who_of(c), c.id_param("id"), p), now_ms()));
   }).max_body = 32 * 1024;
  // The action's note travels as note or reason (the machine's rule names which it needs).
  r.add("POST", base + "/{id}/actions/{action}", "rectification.read", [&app, &svc](http::Ctx& c) {
     auto action = c.param("action");
     bool known = false;
     for (auto& t : machine().transitions()) known = known || t.action == action;
     if (!known) throw not_found("action");
     json j = c.req.body.empty() ? json::object() : jv::parse_object(c.req.body);
     auto& rule = machine().transition(action).note;
     std::string note;
     if (!rule.field.empty()) {
       auto v = jv::opt_str(j, rule.field.c_str(), rule.max_chars);
       // One name for all: a reason sent as note (or the reverse) is taken as well.
       if (!v) v = jv::opt_str(j, rule.field == "note" ? "reason" : "note", rule.max_chars);
       note = v.value_or("");
     }
     auto until = jv::opt_str(j, "until", 10);
     return json_response(item_json(*app.db, svc.act(who_of(c), c.id_param("id"), action, note, until), now_ms()));
   }).max_body = 16 * 1024;
  auto& upload = r.add("POST", base + "/{id}/attachments", "rectification.read", [&svc](http::Ctx& c) {
    auto name = c.req.q("name").value_or("");
    if (name.size() > 2000) throw invalid("name", "the file name is too long");
    auto a = svc.attach(who_of(c), c.id_param("id"), name, c.req.body);
    return json_response({{"id", id_str(a.id)}, {"name", a.name}, {"mime", a.content_type}, {"size", a.size}}, 201);
  });
  upload.max_body = workflow::kMaxAttachmentBytes;
  r.add("GET", base + "/{id}/attachments/{aid}", "rectification.read", [&app, &svc](http::Ctx& c) {
    auto it = svc.get(who_of(c), c.id_param("id"));
    auto a = workflow::load_attachment(*app.db, kAttachmentOwner, it.id, c.id_param("aid"));
    if (!a) throw not_found("attachment");
    return attachment_response(std::move(*a));
  });
}

}  // namespace manyi::rectify
