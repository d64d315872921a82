// HTTP mapping for the form templates editor: list, read, copy, edit the draft, publish,
// read a version, and a scoring preview (weights, deductions, veto items).
#include <fmt/format.h>

#include "app/respond.hpp"
#include "core/error.hpp"
#include "feedback/routes.hpp"
#include "forms/json.hpp"
#include "org/reads.hpp"

namespace manyi::feedback {
namespace {

json template_json(const forms::Template& t) {
  return {{"id", id_str(t.id)},
          {"kind", t.kind},
          {"code", t.code},
          {"name", t.name},
          {"owner_node_id", id_json(t.owner_node_id)},
          {"shipped", t.owner_node_id == 0},
          {"current_version_id", id_json(t.current_version_id)},
          {"current_version", t.current_version},
          {"copied_from", id_json(t.copied_from)},
          {"updated_at", t.updated_at}};
}

bool visible(const http::Ctx& c, const forms::Template& t, const std::string& perm) {
  if (t.owner_node_id == 0) return c.can(perm);
  for (auto& s : c.scope_paths(perm))
    if (t.owner_path.compare(0, s.size(), s) == 0 || s.compare(0, t.owner_path.size(), t.owner_path) == 0) return true;
  return false;
}

// Shipped templates are edited by whoever holds survey.write on the root; copies by the owner.
void require_edit(http::Ctx& c, FeedbackService& svc, const forms::Template& t) {
  if (t.owner_node_id) {
    c.require_path("survey.write", t.owner_path);
    return;
  }
  auto root = org::root(svc.db());
  if (!root || !c.can_path("survey.write", root->path.str()))
    throw forbidden("shipped templates are edited by the bureau; copy it to adapt it for your unit");
}

forms::Template load(http::Ctx& c, forms::FormService& f, const std::string& perm) {
  auto t = f.get(c.id_param("id"));
  if (!t || !visible(c, *t, perm)) throw not_found("form template");
  return *t;
}

}  // namespace

void register_form_routes(App& app, const Services& S) {
  auto& r = *app.router;
  auto forms = S.forms;
  auto svc = S.svc;

  r.add("GET", "/api/v1/forms/templates", "survey.read", [forms](http::Ctx& c) {
    std::string kind = c.req.q("kind").value_or("");
    if (!kind.empty() && std::find(forms::kKinds.begin(), forms::kKinds.end(), kind) == forms::kKinds.end())
      throw invalid("kind", "kind must be survey, checklist or scorecard");
    json items = json::array();
    for (auto& t : forms->list(kind, c.scope_paths("survey.read"))) items.push_back(template_json(t));
    return json_response({{"items", items}});
  });

  r.add("GET", "/api/v1/forms/templates/{id}", "survey.read", [forms](http::Ctx& c) {
    auto t = load(c, *forms, "survey.read");
    json j = template_json(t);
    j["draft"] = json::parse(t.draft);
    j["published"] = t.current_version_id ? json::parse(forms->version(t.current_version_id).definition_text) : json(nullptr);
    j["draft_differs"] = !t.current_version_id || forms->version(t.current_version_id).definition_text != t.draft;
    json vs = json::array();
    for (auto& v : forms->versions(t.id))
      vs.push_back({{"id", id_str(v.id)}, {"version", v.version}, {"published_at", v.published_at}});
    j["versions"] = vs;
    return json_response(j);
  });

  r.add("POST", "/api/v1/forms/templates/{id}/copy", "survey.write", [forms](http::Ctx& c) {
    auto t = load(c, *forms, "survey.read");
    auto j = jv::parse_object(c.req.body);
    int64_t node = jv::req_id(j, "node_id");
    auto path = c.authorizer().node_path(node);
    if (!path) throw invalid("node_id", "no such org node");
    c.require("survey.write", node);
    auto copy = forms->copy(actor_of(c), t.id, node, *path, jv::opt_str(j, "code", 40).value_or(""),
                            jv::opt_str(j, "name", 100).value_or(""));
    return json_response(template_json(copy), 201);
  });

  auto& draft = r.add("PUT", "/api/v1/forms/templates/{id}/draft", "survey.write", [forms, svc](http::Ctx& c) {
    auto t = load(c, *forms, "survey.read");
    require_edit(c, *svc, t);
    auto j = jv::parse_object(c.req.body);
    auto d = j.find("definition");
    if (d == j.end() || !d->is_object()) throw invalid("definition", "definition (an object) is required");
    auto out = forms->save_draft(actor_of(c), t.id, d->dump());
    json res = template_json(out);
    res["draft"] = json::parse(out.draft);
    return json_response(res);
  });
  draft.max_body = 512 * 1024;

  r.add("POST", "/api/v1/forms/templates/{id}/publish", "survey.write", [forms, svc](http::Ctx& c) {
    auto t = load(c, *forms, "survey.read");
    require_edit(c, *svc, t);
    auto v = forms->publish(actor_of(c), t.id);
    svc->invalidate_points();  // points serve the new version from now on
    return json_response({{"id", id_str(v.id)}, {"template_id", id_str(v.template_id)}, {"version", v.version},
                          {"published_at", v.published_at}},
                         201);
  });

  r.add("GET", "/api/v1/forms/versions/{id}", "survey.read", [forms](http::Ctx& c) {
    forms::Version v;
    try {
      v = forms->version(c.id_param("id"));
    } catch (const Error&) {
      throw not_found("form version");
    }
    auto t = forms->get(v.template_id);
    if (!t || !visible(c, *t, "survey.read")) throw not_found("form version");
    return json_response({{"id", id_str(v.id)}, {"template_id", id_str(v.template_id)}, {"version", v.version},
                          {"published_at", v.published_at}, {"definition", json::parse(v.definition_text)}});
  });

  // Scores answers against a version (or a template's draft) without storing anything.
  r.add("POST", "/api/v1/forms/score", "survey.read", [forms](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    std::shared_ptr<const forms::Definition> def;
    if (auto vid = jv::opt_id(j, "version_id")) {
      auto v = forms->version(*vid);
      auto t = forms->get(v.template_id);
      if (!t || !visible(c, *t, "survey.read")) throw not_found("form version");
      def = v.def;
    } else {
      auto t = forms->get(jv::req_id(j, "template_id"));
      if (!t || !visible(c, *t, "survey.read")) throw not_found("form template");
      def = std::make_shared<const forms::Definition>(forms::parse_definition_text(t->draft));
    }
    auto answers = forms::parse_answers(*def, j.value("answers", json::object()));
    return json_response(forms::score_json(forms::score(*def, answers)));
  });
}

}  // namespace manyi::feedback
