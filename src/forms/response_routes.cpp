// HTTP mapping of stored form responses (checklists and scorecards; survey answers are public
// ratings and keep their own route). Permissions are per form kind: form.<kind>.submit on the
// unit the response is about, form.<kind>.read on it to read it back; a response outside the
// caller's scope is 404. Responses are immutable: there is no update or delete route.
#include <fmt/format.h>

#include "app/respond.hpp"
#include "core/error.hpp"
#include "forms/json.hpp"
#include "forms/responses.hpp"
#include "forms/routes.hpp"
#include "workflow/attachments.hpp"

namespace manyi::forms {
namespace {

// Kinds whose responses are stored here.
const std::vector<std::string> kStoredKinds = {"checklist", "scorecard"};

std::string perm(const std::string& kind, const char* verb) { return fmt::format("form.{}.{}", kind, verb); }

json photo_json(const Photo& p) {
  return {{"id", id_str(p.id)}, {"item_id", p.item_id}, {"name", p.name}, {"content_type", p.content_type},
          {"size", p.size}, {"created_at", p.created_at}};
}

json response_json(App& app, FormService& forms, const Response& r) {
  auto t = forms.get(r.template_id);
  auto n = app.org->node(r.node_id);
  return {{"id", id_str(r.id)},
          {"template_id", id_str(r.template_id)},
          {"template_name", t ? t->name : ""},
          {"version_id", id_str(r.version_id)},
          {"version", forms.version(r.version_id).version},
          {"kind", r.kind},
          {"node_id", id_str(r.node_id)},
          {"node_name", n ? n->name : ""},
          {"subject", r.subject},
          {"submitted_by", id_json(r.submitted_by)},
          {"submitted_at", r.submitted_at},
          {"answers", json::parse(r.answers)},
          {"notes", json::parse(r.notes)},
          {"result", json::parse(r.result)},
          {"score", r.score},
          {"percentage", r.percentage},
          {"grade", r.grade},
          {"vetoed", r.vetoed}};
}

int64_t ms_query(const http::Ctx& c, const char* name) {
  auto v = c.req.q(name);
  if (!v || v->empty()) return 0;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (*end || n < 0) throw invalid(name, fmt::format("{} is a time in milliseconds", name));
  return n;
}

}  // namespace

void register_response_routes(App& app, std::shared_ptr<FormService> forms) {
  auto& r = *app.router;
  auto responses = std::make_shared<ResponseService>(*forms);

  // Any signed-in user may call it; the permission depends on the template's kind and is
  // checked on the unit named by node_id (form.<kind>.submit).
  auto& submit = r.add("POST", "/api/v1/forms/responses", "login", [&app, forms, responses](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    int64_t tid = jv::req_id(j, "template_id");
    int64_t node = jv::req_id(j, "node_id");
    auto t = forms->get(tid);
    if (!t || !t->active) throw invalid("template_id", "no such form template");
    if (std::find(kStoredKinds.begin(), kStoredKinds.end(), t->kind) == kStoredKinds.end())
      throw invalid("template_id", "survey answers are public ratings: they go through the rating page, not here");
    c.require(perm(t->kind, "submit"), node);  // 404 unknown node, 403 outside the caller's scope
    auto path = c.authorizer().node_path(node);
    // A unit's own template serves that unit's subtree only.
    if (t->owner_node_id && (!path || path->compare(0, t->owner_path.size(), t->owner_path) != 0))
      throw invalid("template_id", "this template belongs to another unit");
    Submission s;
    s.template_id = tid;
    s.version_id = jv::opt_id(j, "version_id").value_or(0);
    s.node_id = node;
    s.subject = jv::opt_str(j, "subject", 200).value_or("");
    s.submitted_by = c.me().user_id;
    auto def = responses->definition_for(tid, s.version_id);
    auto a = j.find("answers");
    if (a == j.end() || !a->is_object()) throw invalid("answers", "answers (an object) are required");
    s.answers = parse_answers(*def, *a);
    s.notes = parse_notes(*def, j.value("notes", json::object()));
    auto out = responses->submit(s);
    return json_response(response_json(app, *forms, out), 201);
  });
  submit.max_body = 256 * 1024;
  submit.body = http::BodyType::json;

  r.add("GET", "/api/v1/forms/responses/{id}", "login", [&app, forms, responses](http::Ctx& c) {
    auto x = responses->get(c.id_param("id"));
    if (!x || !c.can_path(perm(x->kind, "read"), x->node_path)) throw not_found("form response");
    json j = response_json(app, *forms, *x);
    json photos = json::array();
    for (auto& p : responses->photos(x->id)) photos.push_back(photo_json(p));
    j["photos"] = photos;
    return json_response(j);
  });

  // Photo evidence of one item (?item=<item id>&name=<file name>; the body is the image's
  // bytes): by the response's submitter, within 24 hours, while they may still submit there.
  auto& photo = r.add("POST", "/api/v1/forms/responses/{id}/photos", "login", [responses](http::Ctx& c) {
    auto x = responses->get(c.id_param("id"));
    if (!x || !c.can_path(perm(x->kind, "read"), x->node_path)) throw not_found("form response");
    c.require_path(perm(x->kind, "submit"), x->node_path);
    auto name = c.req.q("name").value_or("");
    if (name.size() > 2000) throw invalid("name", "the file name is too long");
    auto p = responses->add_photo({x->id, c.req.q("item").value_or(""), c.me().user_id, c.me().display_name, name,
                                   c.req.body});
    return json_response(photo_json(p), 201);
  });
  photo.max_body = workflow::kMaxAttachmentBytes;
  photo.body = http::BodyType::file;

  r.add("GET", "/api/v1/forms/responses/{id}/photos/{pid}", "login", [responses](http::Ctx& c) {
    auto x = responses->get(c.id_param("id"));
    if (!x || !c.can_path(perm(x->kind, "read"), x->node_path)) throw not_found("form response");
    auto a = workflow::load_attachment(responses->forms().db(), kPhotoOwner, x->id, c.id_param("pid"));
    if (!a) throw not_found("photo");
    return attachment_response(std::move(*a));
  });

  r.add("GET", "/api/v1/forms/responses", "login", [&app, forms, responses](http::Ctx& c) {
    ResponseQuery q;
    std::string kind = c.req.q("kind").value_or("");
    if (!kind.empty() && std::find(kStoredKinds.begin(), kStoredKinds.end(), kind) == kStoredKinds.end())
      throw invalid("kind", "kind must be checklist or scorecard");
    bool any = false;
    for (auto& k : kStoredKinds) {
      if (!kind.empty() && k != kind) continue;
      auto paths = c.scope_paths(perm(k, "read"));
      any |= !paths.empty();
      q.scopes.emplace_back(k, std::move(paths));
    }
    if (!any) throw forbidden("you may not read form responses");
    if (auto node = c.id_query("node")) {
      auto path = c.authorizer().node_path(*node);
      if (!path) throw not_found("org node");
      bool ok = false;
      for (auto& [k, _] : q.scopes) ok |= c.can_path(perm(k, "read"), *path);
      if (!ok) throw forbidden("this unit is outside your scope");
      q.node_path = *path;
    }
    q.template_id = c.id_query("template").value_or(0);
    q.from_ms = ms_query(c, "from");
    q.to_ms = ms_query(c, "to");
    q.before_id = page_cursor(c.req);
    q.limit = page_limit(c.req, 50);
    if (q.limit > 200) throw invalid("limit", "limit must be between 1 and 200");
    auto rows = responses->list(q);
    json items = json::array();
    for (auto& x : rows) {
      json j = response_json(app, *forms, x);
      j.erase("answers");  // the list carries the totals; the detail carries the answers
      j.erase("notes");
      j.erase("result");
      items.push_back(std::move(j));
    }
    bool more = static_cast<int>(rows.size()) == q.limit;
    return json_response({{"items", items}, {"next_cursor", more ? json(id_str(rows.back().id)) : json(nullptr)}});
  });
}

}  // namespace manyi::forms
