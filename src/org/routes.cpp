// HTTP mapping for the org tree, staff, users, roles and authentication.
#include <fmt/format.h>

#include "app/app.hpp"
#include "app/respond.hpp"
#include "app/security.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "org/roles.hpp"

namespace manyi {
namespace {

json node_json(const org::Node& n) {
  return {{"id", id_str(n.id)}, {"parent_id", id_json(n.parent_id)}, {"kind", n.kind}, {"code", n.code},
          {"name", n.name}, {"active", n.active}, {"has_children", n.has_children}, {"depth", n.depth}};
}
json staff_json(const org::Staff& s) {
  return {{"id", id_str(s.id)}, {"employee_no", s.employee_no}, {"name", s.name}, {"category", s.category},
          {"title", s.title}, {"node_id", id_str(s.node_id)}, {"node_name", s.node_name}, {"active", s.active}};
}
json grant_json(const org::Grant& g) {
  return {{"id", id_str(g.id)}, {"role", g.role}, {"node_id", id_str(g.node_id)}, {"node_name", g.node_name}};
}
json user_json(const org::User& u) {
  json gs = json::array();
  for (auto& g : u.grants) gs.push_back(grant_json(g));
  return {{"id", id_str(u.id)}, {"username", u.username}, {"display_name", u.display_name},
          {"node_id", id_str(u.node_id)}, {"node_name", u.node_name}, {"staff_id", id_json(u.staff_id)},
          {"staff_name", u.staff_name}, {"active", u.active}, {"must_change_password", u.must_change_password}, {"grants", gs}};
}
json principal_json(const http::Principal& p) {
  json gs = json::array();
  std::set<std::string> perms;
  for (auto& g : p.grants) {
    gs.push_back({{"id", id_str(g.id)}, {"role", g.role}, {"node_id", id_str(g.node_id)}, {"node_name", g.node_name}});
    if (auto r = org::find_role(g.role)) perms.insert(r->permissions.begin(), r->permissions.end());
  }
  return {{"id", id_str(p.user_id)}, {"username", p.username}, {"display_name", p.display_name},
          {"staff_id", id_json(p.staff_id)}, {"must_change_password", p.must_change_password}, {"grants", gs},
          {"permissions", perms}};
}
json page(json items, int64_t next) {
  return {{"items", std::move(items)}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}};
}

}  // namespace

void register_org_routes(App& app) {
  auto& r = *app.router;
  auto& org = *app.org;
  auto& auth = *app.auth;

  // ---- authentication ----
  r.add("POST", "/api/v1/auth/login", "public", [&](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    auto username = jv::req_str(j, "username", 64);
    auto password = jv::req_str(j, "password", 128);
    bool end_others = jv::opt_bool(j, "end_other_sessions").value_or(false);
    auto res = auth.login(username, password, c.req.remote_ip, c.req.header("user-agent"), end_others);
    auto out = json_response({{"csrf_token", res.principal.csrf},
                              {"user", principal_json(res.principal)},
                              {"other_sessions", res.other_sessions}});
    out.header("Set-Cookie", auth.session_cookie(res.token, request_is_https(app.cfg, c.req)));
    return out;
  }).limit_class = "";  // throttled inside login (per address and per account)
  r.add("POST", "/api/v1/auth/logout", "login", [&](http::Ctx& c) {
    auth.logout(c.me());
    auto out = http::Response::no_content();
    out.header("Set-Cookie", auth.clear_cookie(request_is_https(app.cfg, c.req)));
    return out;
  });
  r.add("GET", "/api/v1/me", "login", [&](http::Ctx& c) {
    return json_response({{"csrf_token", c.me().csrf}, {"user", principal_json(c.me())}});
  });
  // 登录设备: the caller's own open sessions; one can be ended, or all but this one.
  r.add("GET", "/api/v1/me/sessions", "login", [&](http::Ctx& c) {
    json items = json::array();
    for (const auto& s : auth.sessions_of(c.me()))
      items.push_back({{"id", id_str(s.id)}, {"ip", s.ip}, {"user_agent", s.user_agent},
                       {"created_at", s.created_at}, {"last_seen", s.last_seen}, {"current", s.current}});
    return json_response({{"items", items}});
  });
  r.add("DELETE", "/api/v1/me/sessions/{id}", "login", [&](http::Ctx& c) {
    if (!auth.end_session(c.me(), c.id_param("id"), c.req.remote_ip)) throw not_found("session");
    return http::Response::no_content();
  });
  r.add("POST", "/api/v1/me/sessions/end-others", "login", [&](http::Ctx& c) {
    return json_response({{"ended", auth.end_other_sessions(c.me(), c.req.remote_ip)}});
  });
  r.add("POST", "/api/v1/auth/password", "login", [&](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    auto old_pw = jv::req_str(j, "old_password", 128);
    auto new_pw = jv::req_str(j, "new_password", 128);
    auto row = org.db().query("SELECT password_hash FROM users WHERE id = ?", {c.me().user_id});
    if (row.empty() || !org::verify_password(row[0].str(0), old_pw))
      throw invalid("old_password", "the current password is wrong");
    if (old_pw == new_pw) throw invalid("new_password", "the new password must differ from the current one");
    org.set_password(actor_of(c), c.me().user_id, new_pw, false);
    return http::Response::no_content();
  });
  r.add("GET", "/api/v1/roles", "login", [&](http::Ctx&) {
    json items = json::array();
    for (auto& role : org::roles())
      items.push_back({{"code", role.code}, {"name_zh", role.name_zh}, {"name_en", role.name_en},
                       {"permissions", role.permissions}});
    return json_response({{"items", items}});
  });

  // ---- org tree ----
  r.add("GET", "/api/v1/org/nodes", "org.read", [&](http::Ctx& c) {
    json items = json::array();
    if (auto parent = c.id_query("parent")) {
      c.require("org.read", *parent);
      for (auto& n : org.children(*parent)) items.push_back(node_json(n));
    } else {
      for (auto& n : org.nodes_at(c.scope_paths("org.read"))) items.push_back(node_json(n));
    }
    return json_response({{"items", items}});
  });
  r.add("GET", "/api/v1/org/nodes/{id}", "org.read", [&](http::Ctx& c) {
    int64_t id = c.id_param("id");
    c.require("org.read", id);
    auto n = *org.node(id);
    json j = node_json(n);
    json path = json::array();
    for (auto& a : org.ancestors(n))
      if (c.can_path("org.read", a.path)) path.push_back({{"id", id_str(a.id)}, {"name", a.name}});
    path.push_back({{"id", id_str(n.id)}, {"name", n.name}});
    j["path"] = path;
    return json_response(j);
  });
  // Nodes by name or code (substring) anywhere in the caller's scope, expanded or not, each
  // with its path of names from the top of what the caller may read ("市第一人民医院 / 内科").
  // ?perm= narrows the scope to where the caller holds that permission (e.g. case.dispatch
  // for 转办至); ?limit= at most 50.
  r.add("GET", "/api/v1/org/search", "org.read", [&](http::Ctx& c) {
    std::string q = c.req.q("q").value_or("");
    if (q.size() > 100) throw invalid("q", "search text is too long");
    std::string perm = c.req.q("perm").value_or("org.read");
    bool known = false;
    for (auto& role : org::roles()) known = known || role.permissions.count(perm) > 0;
    if (!known) throw invalid("perm", "unknown permission");
    int limit = page_limit(c.req, 50);
    if (limit > 50) throw invalid("limit", "limit must be between 1 and 50");
    std::vector<std::string> scope;
    for (auto& p : c.scope_paths(perm))
      if (c.can_path("org.read", p)) scope.push_back(p);
    auto found = org.search(q, scope, limit);
    std::vector<std::string> paths;
    for (auto& n : found) paths.push_back(n.path);
    auto names = org.names_on_paths(paths);
    json items = json::array();
    for (auto& n : found) {
      json j = node_json(n);
      json path = json::array();
      std::string prefix = "/";
      for (int64_t id : org::path_ids(n.path)) {
        prefix += std::to_string(id) + "/";
        if (c.can_path("org.read", prefix)) path.push_back({{"id", id_str(id)}, {"name", names[id]}});
      }
      j["path"] = path;
      items.push_back(j);
    }
    return json_response({{"items", items}});
  });
  r.add("POST", "/api/v1/org/nodes", "org.write", [&](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    int64_t parent = jv::req_id(j, "parent_id");
    auto kind = jv::req_enum(j, "kind", org::kNodeKinds);
    auto code = jv::req_str(j, "code", 32);
    auto name = jv::req_str(j, "name", 100);
    if (!c.authorizer().node_path(parent)) throw invalid("parent_id", "parent node does not exist");
    c.require("org.write", parent);
    return json_response(node_json(org.create_node(actor_of(c), parent, kind, code, name)), 201);
  });
  r.add("PATCH", "/api/v1/org/nodes/{id}", "org.write", [&](http::Ctx& c) {
    int64_t id = c.id_param("id");
    c.require("org.write", id);
    auto j = jv::parse_object(c.req.body);
    auto name = jv::opt_str(j, "name", 100);
    auto code = jv::opt_str(j, "code", 32);
    auto active = jv::opt_bool(j, "active");
    auto n = *org.node(id);
    // Switching a unit on or off is decided one level up.
    if (active && *active != n.active) {
      if (!n.parent_id) throw invalid("active", "the root node cannot be deactivated");
      c.require("org.write", n.parent_id);
    }
    return json_response(node_json(org.update_node(actor_of(c), id, name, code, active)));
  });
  r.add("POST", "/api/v1/org/nodes/{id}/move", "org.write", [&](http::Ctx& c) {
    int64_t id = c.id_param("id");
    auto j = jv::parse_object(c.req.body);
    int64_t parent = jv::req_id(j, "parent_id");
    c.require("org.write", id);
    auto n = *org.node(id);
    if (!n.parent_id) throw invalid("parent_id", "the root node cannot be moved");
    c.require("org.write", n.parent_id);
    if (!c.authorizer().node_path(parent)) throw invalid("parent_id", "new parent does not exist");
    c.require("org.write", parent);
    return json_response(node_json(org.move_node(actor_of(c), id, parent)));
  });

  // ---- staff ----
  r.add("GET", "/api/v1/staff", "staff.read", [&](http::Ctx& c) {
    org::StaffFilter f;
    f.scope = c.scope_paths("staff.read");
    f.node_path = c.node_filter({"staff.read"});
    if (!f.node_path.empty()) f.node = c.id_query("node");
    f.q = c.req.q("q").value_or("");
    if (f.q.size() > 100) throw invalid("q", "search text is too long");
    f.category = c.req.q("category").value_or("");
    if (auto a = c.req.q("active")) f.active = *a == "true" || *a == "1";
    f.cursor = page_cursor(c.req);
    f.limit = page_limit(c.req) + 1;
    auto rows = org.list_staff(f);
    int64_t next = 0;
    if (static_cast<int>(rows.size()) == f.limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    json items = json::array();
    for (auto& s : rows) items.push_back(staff_json(s));
    return json_response(page(items, next));
  });
  r.add("GET", "/api/v1/staff/{id}", "staff.read", [&](http::Ctx& c) {
    auto s = org.staff(c.id_param("id"));
    if (!s) throw not_found("staff");
    c.require("staff.read", s->node_id);
    return json_response(staff_json(*s));
  });
  r.add("POST", "/api/v1/staff", "staff.write", [&](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    org::Staff s;
    s.employee_no = jv::req_str(j, "employee_no", 32);
    s.name = jv::req_str(j, "name", 50);
    s.category = jv::req_enum(j, "category", org::kStaffCategories);
    s.title = jv::opt_str(j, "title", 50).value_or("");
    s.node_id = jv::req_id(j, "node_id");
    if (!c.authorizer().node_path(s.node_id)) throw invalid("node_id", "node does not exist");
    c.require("staff.write", s.node_id);
    return json_response(staff_json(org.create_staff(actor_of(c), s)), 201);
  });
  r.add("PATCH", "/api/v1/staff/{id}", "staff.write", [&](http::Ctx& c) {
    int64_t id = c.id_param("id");
    auto cur = org.staff(id);
    if (!cur) throw not_found("staff");
    c.require("staff.write", cur->node_id);
    auto j = jv::parse_object(c.req.body);
    auto node = jv::opt_id(j, "node_id");
    if (node) {
      if (!c.authorizer().node_path(*node)) throw invalid("node_id", "node does not exist");
      c.require("staff.write", *node);
    }
    auto s = org.update_staff(actor_of(c), id, jv::opt_str(j, "name", 50),
                              jv::opt_enum(j, "category", org::kStaffCategories), jv::opt_str(j, "title", 50), node,
                              jv::opt_bool(j, "active"));
    return json_response(staff_json(s));
  });
  // Body: the file's bytes as uploaded (.xlsx, or CSV in UTF-8 or GBK). ?node= names the
  // institution or department whose departments a row may name by name (default: all the
  // caller may write to).
  r.add("POST", "/api/v1/staff/import", "staff.write", [&](http::Ctx& c) {
    std::string mode = c.req.q("mode").value_or("all_or_nothing");
    if (mode != "all_or_nothing" && mode != "valid_rows")
      throw invalid("mode", "mode must be all_or_nothing or valid_rows");
    std::string within = c.node_filter({"staff.write"});
    auto res = org.import_staff(actor_of(c), c.req.body, mode == "valid_rows",
                                [&](const std::string& path) { return c.can_path("staff.write", path); }, within);
    json errors = json::array();
    for (auto& e : res.errors)
      errors.push_back({{"row", e.row}, {"field", e.field}, {"code", e.code}, {"value", e.value}, {"message", e.message}});
    int status = !res.errors.empty() && mode == "all_or_nothing" ? 422 : 200;
    json out = {{"imported", res.imported}, {"errors", errors}};
    if (status == 422)
      out["error"] = {{"code", "import_rejected"},
                      {"message", fmt::format("{} row(s) have errors; nothing was imported", res.errors.size())},
                      {"field", "file"}};
    return json_response(out, status);
  }).max_body = 4 * 1024 * 1024;
  // The import template (CSV, Chinese headers) with an example row in one of the caller's
  // own departments (under ?node= when given).
  r.add("GET", "/api/v1/staff/import/template", "staff.write", [&](http::Ctx& c) {
    std::string within = c.node_filter({"staff.write"});
    if (within.empty()) {
      auto roots = c.scope_paths("staff.write");
      if (!roots.empty()) within = roots[0];
    }
    auto res = http::Response::text(200, org.staff_template(within), "text/csv; charset=utf-8");
    res.header("Content-Disposition", "attachment; filename=\"staff-template.csv\"; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.csv");
    return res;
  });

  // ---- users ----
  // A role may be granted or revoked only by someone who holds all of its permissions there.
  auto require_role_on = [](http::Ctx& c, const std::string& role, int64_t node) {
    auto r = org::find_role(role);
    if (!r) throw invalid("role", "unknown role");
    for (auto& p : r->permissions)
      // "self.*" permissions reach only the holder's own records: they give nothing over others.
      if (p.rfind("self.", 0) != 0 && !c.can(p, node)) throw forbidden("you cannot grant a role with more rights than your own (" + p + ")");
  };
  // Changing an account (password, deactivation) is taking it over: only someone who could
  // have granted every role it holds may do it (a unit admin cannot reset the password of a
  // bureau admin whose home node happens to lie in the unit).
  auto require_covers_user = [require_role_on](http::Ctx& c, const org::User& u) {
    for (auto& g : u.grants) require_role_on(c, g.role, g.node_id);
  };
  r.add("GET", "/api/v1/users", "user.read", [&](http::Ctx& c) {
    std::string node_path = c.node_filter({"user.read"});
    std::string q = c.req.q("q").value_or("");
    if (q.size() > 100) throw invalid("q", "search text is too long");
    int limit = page_limit(c.req) + 1;
    auto rows = org.list_users(c.scope_paths("user.read"), node_path, q, page_cursor(c.req), limit);
    int64_t next = 0;
    if (static_cast<int>(rows.size()) == limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    json items = json::array();
    for (auto& u : rows) items.push_back(user_json(u));
    return json_response(page(items, next));
  });
  r.add("GET", "/api/v1/users/{id}", "user.read", [&](http::Ctx& c) {
    auto u = org.user(c.id_param("id"));
    if (!u) throw not_found("user");
    c.require("user.read", u->node_id);
    return json_response(user_json(*u));
  });
  r.add("POST", "/api/v1/users", "user.write", [&](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    auto username = jv::req_str(j, "username", 32);
    auto display = jv::req_str(j, "display_name", 50);
    auto password = jv::req_str(j, "password", 128);
    auto staff_id = jv::opt_id(j, "staff_id").value_or(0);
    auto must_change = jv::opt_bool(j, "must_change_password").value_or(true);
    int64_t node = 0;
    if (auto n = jv::opt_id(j, "node_id")) node = *n;
    else if (staff_id) {
      auto s = org.staff(staff_id);
      if (!s) throw invalid("staff_id", "staff member does not exist");
      node = s->node_id;
    } else {
      auto scope = c.scope_paths("user.write");
      if (scope.empty()) throw forbidden();
      node = org.nodes_at({scope[0]}).at(0).id;
    }
    if (!c.authorizer().node_path(node)) throw invalid("node_id", "node does not exist");
    c.require("user.write", node);
    if (staff_id) {
      auto s = org.staff(staff_id);
      if (!s) throw invalid("staff_id", "staff member does not exist");
      c.require("staff.read", s->node_id);
    }
    return json_response(user_json(org.create_user(actor_of(c), username, display, password, node, staff_id, must_change)),
                         201);
  });
  r.add("PATCH", "/api/v1/users/{id}", "user.write", [&, require_covers_user](http::Ctx& c) {
    int64_t id = c.id_param("id");
    auto u = org.user(id);
    if (!u) throw not_found("user");
    c.require("user.write", u->node_id);
    auto j = jv::parse_object(c.req.body);
    auto active = jv::opt_bool(j, "active");
    if (active && !*active && id == c.me().user_id) throw invalid("active", "you cannot deactivate yourself");
    if (active && *active != u->active) require_covers_user(c, *u);
    return json_response(user_json(org.update_user(actor_of(c), id, jv::opt_str(j, "display_name", 50), active)));
  });
  r.add("POST", "/api/v1/users/{id}/password", "user.write", [&, require_covers_user](http::Ctx& c) {
    int64_t id = c.id_param("id");
    auto u = org.user(id);
    if (!u) throw not_found("user");
    c.require("user.write", u->node_id);
    require_covers_user(c, *u);
    auto j = jv::parse_object(c.req.body);
    org.set_password(actor_of(c), id, jv::req_str(j, "password", 128), true);
    return http::Response::no_content();
  });
  r.add("POST", "/api/v1/users/{id}/grants", "user.write", [&, require_role_on](http::Ctx& c) {
    int64_t id = c.id_param("id");
    auto u = org.user(id);
    if (!u) throw not_found("user");
    c.require("user.write", u->node_id);
    auto j = jv::parse_object(c.req.body);
    std::vector<std::string> codes;
    for (auto& role : org::roles()) codes.push_back(role.code);
    auto role = jv::req_enum(j, "role", codes);
    int64_t node = jv::req_id(j, "node_id");
    if (!c.authorizer().node_path(node)) throw invalid("node_id", "node does not exist");
    c.require("user.write", node);
    require_role_on(c, role, node);
    return json_response(grant_json(org.grant(actor_of(c), id, role, node)), 201);
  });
  r.add("DELETE", "/api/v1/users/{id}/grants/{grant_id}", "user.write", [&, require_role_on](http::Ctx& c) {
    int64_t id = c.id_param("id");
    int64_t gid = c.id_param("grant_id");
    auto u = org.user(id);
    if (!u) throw not_found("user");
    c.require("user.write", u->node_id);
    const org::Grant* g = nullptr;
    for (auto& x : u->grants)
      if (x.id == gid) g = &x;
    if (!g) throw not_found("grant");
    c.require("user.write", g->node_id);
    require_role_on(c, g->role, g->node_id);
    org.revoke(actor_of(c), id, gid);
    return http::Response::no_content();
  });
}

}  // namespace manyi
