// Public mobile pages of the complaints capability: GET /c (the complaint / suggestion /
// praise form, web/h5/complaint.html), GET /t (tracking, web/h5/track.html) and GET /g (整改情况
// 公示, web/h5/rectifications.html: a unit's public rectification items, read from
// GET /api/v1/public/rectifications), all embedded into the binary (cmake/embed_files.cmake). /c inlines its context — the unit and
// point named in the link (?unit=<org code>&point=<org or collection-point code>), the case
// types and categories — so the first view needs one request on a poor connection. Two
// small public look-ups let the form choose a unit when the link names none:
// GET /api/v1/public/units?q= and GET /api/v1/public/units/{code}/departments.
#include <algorithm>
#include <string>

#include "app/app.hpp"
#include "app/respond.hpp"
#include "cases/model.hpp"
#include "cases/service.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "feedback/embedded.hpp"
#include "http/csp.hpp"
#include "http/static_files.hpp"
#include "portal/public_refs.hpp"

namespace manyi {
namespace {

std::string embedded_page(const std::string& name) {
  for (auto& f : embedded::h5_files())
    if (f.name == name) return std::string(f.data);
  return "<!doctype html><meta charset=utf-8><p>页面缺失</p>";
}

// JSON inside <script>: no "</script>", no "<!--", no U+2028/2029 surprises.
std::string script_json(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace), o;
  o.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '<') o += "\\u003c";
    else if (c == '>') o += "\\u003e";
    else if (c == '&') o += "\\u0026";
    else if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
             (static_cast<unsigned char>(s[i + 2]) == 0xa8 || static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
      o += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else o += static_cast<char>(c);
  }
  return o;
}

http::Response html(const http::Request& req, std::string body) {
  std::string nonce = http::add_script_nonce(body);
  http::Response res = http::Response::text(200, std::move(body), "text/html; charset=utf-8");
  res.header("Content-Security-Policy", http::csp_policy(nonce));
  if (req.header("accept-encoding").find("gzip") != std::string::npos) {
    res.body = http::gzip(res.body);
    res.header("Content-Encoding", "gzip");
  }
  res.header("Vary", "Accept-Encoding");
  res.header("Cache-Control", "no-cache");
  res.header("X-Content-Type-Options", "nosniff");
  return res;
}

using portal::NodeRef;

json ref_json(const NodeRef& n) {
  return {{"id", id_str(n.id)}, {"code", n.code}, {"name", n.name}, {"kind", n.kind}};
}

const std::vector<std::string> kPublicTypes = {"complaint", "suggestion", "praise", "consultation", "report"};

}  // namespace

void register_h5_routes(App& app) {
  auto& r = *app.router;

  r.add("GET", "/c", "public", [&app](http::Ctx& c) {
    static const std::string page = embedded_page("complaint.html");
    json ctx = json::object();
    auto [unit, point] = portal::resolve_target(*app.db, c.req.q("unit"), c.req.q("point"));
    ctx["unit"] = unit ? ref_json(*unit) : json(nullptr);
    ctx["point"] = point && point->kind != "institution" ? ref_json(*point) : json(nullptr);
    json types = json::array();
    for (auto& t : cases::types())
      if (std::find(kPublicTypes.begin(), kPublicTypes.end(), t.code) != kPublicTypes.end())
        types.push_back({{"code", t.code}, {"name", t.zh}});
    ctx["types"] = types;
    json cats = json::array();
    if (app.cases)
      for (auto& k : app.cases->categories())
        if (k.active && !k.sensitive && k.parent.empty()) cats.push_back({{"code", k.code}, {"name", k.name}});
    ctx["categories"] = cats;
    ctx["attachments"] = true;
    std::string body = page;
    static const std::string marker = "/*CTX*/null";
    if (auto pos = body.find(marker); pos != std::string::npos) body.replace(pos, marker.size(), script_json(ctx));
    return html(c.req, std::move(body));
  });

  r.add("GET", "/t", "public", [](http::Ctx& c) {
    static const std::string page = embedded_page("track.html");
    return html(c.req, page);
  });

  // 整改情况公示: the page names its unit as /c does (?unit=<org code>, or ?point=<point code> from
  // the rating page), inlined so the page asks for that unit's items at once.
  r.add("GET", "/g", "public", [&app](http::Ctx& c) {
    static const std::string page = embedded_page("rectifications.html");
    auto [unit, point] = portal::resolve_target(*app.db, c.req.q("unit"), c.req.q("point"));
    json ctx = {{"unit", unit ? json{{"code", unit->code}, {"name", unit->name}} : json(nullptr)}};
    std::string body = page;
    static const std::string marker = "/*CTX*/null";
    if (auto pos = body.find(marker); pos != std::string::npos) body.replace(pos, marker.size(), script_json(ctx));
    return html(c.req, std::move(body));
  });

  // Institutions by name (or exact code), for the public form's unit search.
  r.add("GET", "/api/v1/public/units", "public", [&app](http::Ctx& c) {
    std::string q = c.req.q("q").value_or("");
    while (!q.empty() && std::isspace(static_cast<unsigned char>(q.back()))) q.pop_back();
    q.erase(0, std::min(q.size(), q.find_first_not_of(" \t")));
    if (q.size() > 100) throw invalid("q", "the search text is at most 100 bytes");
    if (!jv::valid_text(q)) throw invalid("q", "the search text is not valid UTF-8");
    json items = json::array();
    if (!q.empty()) {
      std::string like = store::contains_pattern(q);
      auto rows = app.db->query(
          "SELECT id, code, name FROM org_nodes WHERE kind = 'institution' AND active = 1 "
          "AND (name LIKE ? ESCAPE '\\' OR code = ?) ORDER BY sort, name LIMIT 20",
          {like, q});
      for (auto& row : rows) items.push_back({{"id", id_str(row.i64(0))}, {"code", row.str(1)}, {"name", row.str(2)}});
    }
    auto res = json_response({{"items", items}});
    res.header("Cache-Control", "public, max-age=300");
    return res;
  });

  // The departments of an institution, for the optional 科室 choice.
  r.add("GET", "/api/v1/public/units/{code}/departments", "public", [&app](http::Ctx& c) {
    auto unit = portal::node_by_code(*app.db, c.param("code"));
    if (!unit || unit->kind != "institution") throw not_found("unit");
    auto rows = app.db->query(
        "SELECT id, code, name, kind FROM org_nodes WHERE parent_id = ? AND active = 1 AND kind = 'department' "
        "ORDER BY sort, name LIMIT 300",
        {unit->id});
    json items = json::array();
    for (auto& row : rows)
      items.push_back({{"id", id_str(row.i64(0))}, {"code", row.str(1)}, {"name", row.str(2)}, {"kind", row.str(3)}});
    auto res = json_response({{"unit", ref_json(*unit)}, {"items", items}});
    res.header("Cache-Control", "public, max-age=300");
    return res;
  });
}

}  // namespace manyi
