// HTTP lookups behind the case dialogs' pickers, scoped to one case rather than to the
// user-admin and staff-admin lists (which a complaint officer or a department head may not
// read for the whole institution):
//   GET /api/v1/cases/{id}/assignees?q=  who may be assigned the case (指派), for dispatchers;
//   GET /api/v1/cases/{id}/staff?q=      staff of the case's institution who may be named
//                                        responsible (责任人), for handlers.
// A case the caller cannot see is 404; one it sees but may not act on is 403.
#include "app/app.hpp"
#include "app/respond.hpp"
#include "app/who.hpp"
#include "cases/service.hpp"
#include "core/error.hpp"
#include "core/id.hpp"

namespace manyi {
namespace {

std::string search_text(const http::Request& req) {
  auto q = req.q("q").value_or("");
  if (q.size() > 100) throw invalid("q", "search text is too long");
  return q;
}

// ?limit= for a picker: default 20, at most 50.
int picker_limit(const http::Request& req) {
  int n = page_limit(req, 20);
  if (n > 50) throw invalid("limit", "limit must be between 1 and 50");
  return n;
}

}  // namespace

void register_case_picker_routes(App& app) {
  auto& r = *app.router;
  auto& svc = *app.cases;
  auto& org = *app.org;

  r.add("GET", "/api/v1/cases/{id}/assignees", "case.dispatch", [&](http::Ctx& c) {
    auto who = who_of(c);
    auto k = svc.get(who, c.id_param("id"));
    if (!who.may("case.dispatch", k.owner_path)) throw forbidden("you may not assign this case");
    auto q = search_text(c.req);
    json items = json::array();
    for (auto& u : org.holders(cases::CaseService::assignee_perms(k), k.owner_path, q, picker_limit(c.req)))
      items.push_back({{"id", id_str(u.id)}, {"username", u.username}, {"display_name", u.display_name},
                       {"node_name", u.node_name}});
    return json_response({{"items", items}});
  });

  r.add("GET", "/api/v1/cases/{id}/staff", "case.handle", [&](http::Ctx& c) {
    auto who = who_of(c);
    auto k = svc.get(who, c.id_param("id"));
    if (!who.may("case.handle", k.owner_path)) throw forbidden("you may not handle this case");
    org::StaffFilter f;
    auto unit_path = c.authorizer().node_path(k.unit_id);
    if (!unit_path) throw not_found("case");
    f.scope = {*unit_path};
    f.unit_id = k.unit_id;  // exactly whom the finding accepts (CaseService::record_finding)
    f.active = true;
    f.q = search_text(c.req);
    f.limit = picker_limit(c.req);
    json items = json::array();
    for (auto& s : org.list_staff(f))
      items.push_back({{"id", id_str(s.id)}, {"employee_no", s.employee_no}, {"name", s.name},
                       {"category", s.category}, {"title", s.title}, {"node_name", s.node_name}});
    return json_response({{"items", items}});
  });
}

}  // namespace manyi
