// HTTP mapping for collection points, public rating intake, the mobile page, console rating
// entry, comments, the review queue and staff device marking. Forms, figures and follow-up
// routes live in their own files; register_feedback_routes wires them all.
#include "feedback/routes.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "app/respond.hpp"
#include "cases/pii.hpp"
#include "cases/service.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "feedback/embedded.hpp"
#include "feedback/public_address.hpp"
#include "feedback/public_input.hpp"
#include "feedback/qr.hpp"
#include "forms/json.hpp"
#include "http/csp.hpp"
#include "http/static_files.hpp"
#include "org/reads.hpp"
#include "reports/print_page.hpp"
#include "core/period.hpp"

namespace manyi {
namespace feedback {

using reports::html_escape;

// ---------------------------------------------------------------- helpers
http::Response rate_limited(int wait_s) {
  auto r = http::error_response(429, "rate_limited", "评价过于频繁，请稍后再试 (too many ratings; retry later)");
  r.header("Retry-After", std::to_string(wait_s));
  return r;
}

std::string fmt_time(int64_t ms) {
  int d = period::local_day(ms);
  int64_t in_day = ms - period::day_start_ms(d);
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}", d / 10000, d / 100 % 100, d % 100, in_day / 3600000,
                     in_day / 60000 % 60);
}

std::string public_base(const Services& s, const http::Request& req) { return public_address(s, req).url; }

PublicAddress public_address(const Services& s, const http::Request& req) {
  return resolve_public_address(s.svc->db(), s.public_url, req);
}

json address_json(const PublicAddress& a) {
  return {{"url", a.url}, {"source", a.source}, {"stored", a.stored}, {"warning", a.warning}};
}

org::Node scope_node(http::Ctx& c, FeedbackService& svc, const std::string& perm, const char* param) {
  if (auto id = c.id_query(param)) {
    c.require(perm, *id);
    return *svc.org().node(*id);
  }
  auto roots = c.scope_paths(perm);
  if (roots.size() != 1) throw invalid(param, std::string(param) + " is required (you have several scopes)");
  for (auto& g : c.me().grants)
    if (g.node_path == roots[0]) return *svc.org().node(g.node_id);
  throw forbidden();
}

json point_json(const Point& p, const std::string& base) {
  return {{"id", id_str(p.id)},
          {"code", p.code},
          {"name", p.name},
          {"node_id", id_str(p.node_id)},
          {"node_name", p.node_name},
          {"node_code", p.node_code},
          {"unit_id", id_str(p.unit_id)},
          {"unit_name", p.unit_name},
          {"staff_id", id_json(p.staff_id)},
          {"staff_name", p.staff_name},
          {"staff_title", p.staff_title},
          {"staff_no", p.staff_no},
          {"template_id", id_str(p.template_id)},
          {"template_name", p.template_name},
          {"template_version", p.template_version},
          {"active", p.active},
          {"url", base + "/f/" + p.code},
          {"created_at", p.created_at}};
}

json public_survey_json(const forms::Definition& d) {
  json secs = json::array();
  for (auto& s : d.sections) {
    json items = json::array();
    for (auto& it : s.items) {
      json ij = {{"id", it.id}, {"type", it.type}, {"label", it.label}};
      if (it.required) ij["required"] = true;
      if (!it.dimension.empty()) ij["dimension"] = it.dimension;
      if (it.type == "single" || it.type == "multi") {
        json opts = json::array();
        for (auto& o : it.options) opts.push_back({{"value", o.value}, {"label", o.label}});
        ij["options"] = opts;
        if (it.max_select) ij["max_select"] = it.max_select;
      }
      if (it.type == "text") ij["max_length"] = it.max_length;
      if (it.type == "number") {
        ij["min"] = it.min;
        ij["max"] = it.max;
      }
      items.push_back(ij);
    }
    secs.push_back({{"id", s.id}, {"title", s.title}, {"items", items}});
  }
  return {{"name", d.name}, {"overall_label", d.overall_label}, {"levels", forms::kLevels}, {"sections", secs}};
}

namespace {

json public_point_json(FeedbackService& svc, const PointInfo& p, int64_t now) {
  return {{"code", p.point.code},
          {"name", p.point.name},
          {"node_name", p.point.node_name},
          {"unit_name", p.point.unit_name},
          {"staff_name", p.point.staff_name},
          {"survey", public_survey_json(*p.def)},
          {"ticket", svc.issue_ticket(p.point.code, now)},
          {"dup_window_s", svc.integrity().options().dup_window_ms / 1000}};
}

std::string h5_page() {
  for (auto& f : embedded::h5_files())
    if (f.name == "index.html") return std::string(f.data);
  return "<!doctype html><meta charset=utf-8><p>page missing</p>";
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

std::string poster_html(const std::vector<Point>& points, const PublicAddress& addr, const std::string& title);

}  // namespace

// ---------------------------------------------------------------- public
void register_point_routes(App& app, const Services& S) {
  auto& r = *app.router;
  auto svc = S.svc;

  r.add("GET", "/api/v1/public/points/{code}", "public", [svc](http::Ctx& c) {
    auto p = svc->lookup(c.param("code"));
    if (!p) throw Error(404, "point_not_found", "此二维码无效或已停用 (unknown or inactive point)");
    return json_response(public_point_json(*svc, *p, now_ms()));
  });

  // The public mobile page: one static document with the point's data inlined, so the first
  // view needs a single request. Unknown codes get the same page with a 404 and no data.
  r.add("GET", "/f/{code}", "public", [svc](http::Ctx& c) {
    static const std::string page = h5_page();
    auto p = svc->lookup(c.param("code"));
    std::string data = p ? script_json(public_point_json(*svc, *p, now_ms())) : "false";  // false: known to be unknown
    std::string body = page;
    static const std::string marker = "/*POINT*/null";
    if (auto pos = body.find(marker); pos != std::string::npos) body.replace(pos, marker.size(), data);
    std::string nonce = http::add_script_nonce(body);
    http::Response res = http::Response::text(p ? 200 : 404, std::move(body), "text/html; charset=utf-8");
    if (c.req.header("accept-encoding").find("gzip") != std::string::npos) {
      res.body = http::gzip(res.body);
      res.header("Content-Encoding", "gzip");
    }
    res.header("Vary", "Accept-Encoding");
    res.header("Cache-Control", "no-store");
    // Only this answer's inline script runs (its nonce, http/csp.hpp).
    res.header("Content-Security-Policy",
               "default-src 'none'; script-src 'nonce-" + nonce +
                   "'; style-src 'unsafe-inline'; connect-src 'self'; "
                   "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res.header("Referrer-Policy", "no-referrer");
    return res;
  });

  // ---- console: points ----
  r.add("GET", "/api/v1/points", "survey.read", [S](http::Ctx& c) {
    std::string node_path = c.node_filter({"survey.read"});
    int limit = page_limit(c.req);
    auto rows = S.svc->points(c.scope_paths("survey.read"), node_path, page_cursor(c.req), limit + 1);
    int64_t next = 0;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    json items = json::array();
    auto addr = public_address(S, c.req);
    for (auto& p : rows) items.push_back(point_json(p, addr.url));
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)},
                          {"address", address_json(addr)}});
  });
  r.add("GET", "/api/v1/points/{id}", "survey.read", [S](http::Ctx& c) {
    auto p = S.svc->point(c.id_param("id"));
    if (!p) throw not_found("collection point");
    c.require_path("survey.read", p->node_path);
    return json_response(point_json(*p, public_base(S, c.req)));
  });
  r.add("POST", "/api/v1/points", "point.write", [S](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    int64_t node = jv::opt_id(j, "node_id").value_or(0);
    int64_t staff = jv::opt_id(j, "staff_id").value_or(0);
    if (!node && !staff) throw invalid("node_id", "node_id or staff_id is required");
    if (staff) {
      auto s = S.svc->org().staff(staff);
      if (!s) throw invalid("staff_id", "no such staff member");
      c.require("point.write", s->node_id);
    }
    if (node) {
      if (!c.authorizer().node_path(node)) throw invalid("node_id", "no such org node");
      c.require("point.write", node);
    }
    auto name = jv::opt_str(j, "name", 100).value_or("");
    int64_t tmpl = jv::opt_id(j, "template_id").value_or(0);
    bool allow_duplicate = jv::opt_bool(j, "allow_duplicate").value_or(false);
    auto p = S.svc->create_point(actor_of(c), node, staff, name, tmpl, allow_duplicate);
    return json_response(point_json(p, public_base(S, c.req)), 201);
  });
  r.add("PATCH", "/api/v1/points/{id}", "point.write", [S](http::Ctx& c) {
    auto p = S.svc->point(c.id_param("id"));
    if (!p) throw not_found("collection point");
    c.require_path("point.write", p->node_path);
    auto j = jv::parse_object(c.req.body);
    auto out = S.svc->update_point(actor_of(c), p->id, jv::opt_str(j, "name", 100), jv::opt_id(j, "template_id"),
                                   jv::opt_bool(j, "active"));
    return json_response(point_json(out, public_base(S, c.req)));
  });
  r.add("GET", "/api/v1/points/{id}/qr.svg", "survey.read", [S](http::Ctx& c) {
    auto p = S.svc->point(c.id_param("id"));
    if (!p) throw not_found("collection point");
    c.require_path("survey.read", p->node_path);
    auto res = http::Response::text(200, qr_svg(qr_encode(public_base(S, c.req) + "/f/" + p->code)), "image/svg+xml");
    res.header("Content-Disposition", fmt::format("inline; filename=\"point-{}.svg\"", p->code));
    return res;
  });
  r.add("GET", "/api/v1/points/{id}/qr.png", "survey.read", [S](http::Ctx& c) {
    auto p = S.svc->point(c.id_param("id"));
    if (!p) throw not_found("collection point");
    c.require_path("survey.read", p->node_path);
    int scale = 8;
    if (auto s = c.req.q("scale")) {
      scale = std::atoi(s->c_str());
      if (scale < 2 || scale > 32) throw invalid("scale", "scale must be 2…32 pixels per module");
    }
    auto res = http::Response::text(200, qr_png(qr_encode(public_base(S, c.req) + "/f/" + p->code), scale), "image/png");
    res.header("Content-Disposition", fmt::format("inline; filename=\"point-{}.png\"", p->code));
    return res;
  });
  r.add("GET", "/api/v1/points/{id}/poster", "survey.read", [S](http::Ctx& c) {
    auto p = S.svc->point(c.id_param("id"));
    if (!p) throw not_found("collection point");
    c.require_path("survey.read", p->node_path);
    return reports::print_response(poster_html({*p}, public_address(S, c.req), p->unit_name + " · " + p->name));
  });
  // All active points' posters of a node; with whole_unit=1 of the whole institution (本单位)
  // the node belongs to, as far as the caller may read it.
  r.add("GET", "/api/v1/points/posters", "survey.read", [S](http::Ctx& c) {
    auto n = scope_node(c, *S.svc, "survey.read");
    if (auto w = c.req.q("whole_unit"); w && *w != "0") {
      if (*w != "1") throw invalid("whole_unit", "whole_unit must be 1 or 0");
      if (n.kind != "bureau" && n.kind != "county") {
        auto unit = S.svc->org().node(S.svc->org().unit_of(n));
        if (unit && c.can_path("survey.read", unit->path)) n = *unit;
      }
    }
    auto all = S.svc->points_in(n.path);
    std::vector<Point> active;
    for (auto& p : all)
      if (p.active) active.push_back(p);
    if (active.size() > 2000) throw invalid("node", "more than 2000 points: print one unit at a time");
    return reports::print_response(
        poster_html(active, public_address(S, c.req), fmt::format("{} 评价二维码（共 {} 张）", n.name, active.size())));
  });

  // One survey for many points at once: every point under a node, or those of one kind.
  r.add("POST", "/api/v1/points/template", "point.write", [S](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    int64_t node = jv::req_id(j, "node_id");
    auto n = S.svc->org().node(node);
    if (!n) throw invalid("node_id", "no such org node");
    c.require("point.write", node);
    int64_t tmpl = jv::req_id(j, "template_id");
    auto kind = jv::opt_enum(j, "kind", {"all", "department", "point", "staff"}).value_or("all");
    int64_t changed = S.svc->attach_template(actor_of(c), *n, kind == "all" ? "" : kind, tmpl);
    return json_response({{"updated", changed}});
  }).max_body = 4096;

  // The public address of QR codes: read by anyone who prints posters, set by the bureau.
  r.add("GET", "/api/v1/settings/public-url", "survey.read", [S](http::Ctx& c) {
    return json_response(address_json(public_address(S, c.req)));
  });
  r.add("PUT", "/api/v1/settings/public-url", "settings.write", [S](http::Ctx& c) {
    auto root = org::root(S.svc->db());
    if (!root) throw forbidden();
    c.require("settings.write", root->id);
    auto j = jv::parse_object(c.req.body);
    auto url = jv::opt_str(j, "url", 300).value_or("");
    set_public_url(S.svc->db(), actor_of(c), url.empty() ? url : normalise_public_url(url));
    return json_response(address_json(public_address(S, c.req)));
  }).max_body = 2048;
}

// ---------------------------------------------------------------- ratings
void register_rating_routes(App& app, const Services& S) {
  auto& r = *app.router;
  auto svc = S.svc;
  auto* limiter = &app.limiter;

  // Public intake answers when the rating's batch commits, without holding a thread. It runs
  // on an IO thread when everything it needs is in memory (the point cached, the integrity
  // windows loaded); otherwise the lookups run on a worker first.
  auto& intake = r.add_async("POST", "/api/v1/public/ratings", "public", [svc, limiter](http::Ctx& c, http::Reply reply) {
    int64_t now = now_ms();
    std::string net = network_of(c.req.remote_ip);
    if (int wait = limiter->take("rating_net", net, now)) return reply(rate_limited(wait));
    auto j = std::make_shared<json>(jv::parse_object(c.req.body));
    auto code = jv::req_str(*j, "point", 20);
    auto submit = [svc, limiter, j, now, &req = c.req, reply](std::shared_ptr<const PointInfo> p) {
      if (!p) throw Error(404, "point_not_found", "此二维码无效或已停用 (unknown or inactive point)");
      NewRating nr = parse_public_rating(*j, *p->def);
      nr.point_code = p->point.code;
      nr.ip = req.remote_ip;
      nr.at_ms = now;
      if (!nr.device.empty())
        if (int wait = limiter->take("rating_device", nr.device, now)) return reply(rate_limited(wait));
      svc->submit_public_async(std::move(p), std::move(nr), [svc, reply, &req](const Submitted& out, std::exception_ptr e) {
        // The public answer says nothing about integrity flags. The receipt lets the rater ask
        // for the 查询码 of the bad-review case (GET /api/v1/public/receipts/{receipt}).
        if (e) return reply(http::error_from(e, req));
        auto res = http::Response::text(
            201, fmt::format(R"({{"id":"{}","receipt":"{}","message":"感谢您的评价！"}})", id_str(out.id), svc->receipt(out.id)),
            "application/json; charset=utf-8");
        reply(std::move(res));
      });
    };
    auto p = svc->intake_ready(now) ? svc->cached(code) : nullptr;
    if (p) return submit(std::move(p));
    c.offload([svc, code, submit] { submit(svc->lookup(code)); });
  });
  intake.max_body = 8 * 1024;
  intake.limit_class = "";  // limited per network and per device above

  // The rater's own bad-review case: its 查询码 once the case opener has opened it. Only the
  // receipt's holder can ask (a MAC over the rating id); a forged or unknown receipt is 404.
  r.add("GET", "/api/v1/public/receipts/{receipt}", "public", [svc](http::Ctx& c) {
    auto k = svc->receipt_case(c.param("receipt"));
    if (!k) throw Error(404, "receipt_not_found", "没有找到这条评价 (unknown receipt)");
    json j = {{"state", k->state}};
    if (k->state == "ready") j["tracking_code"] = k->tracking_code;
    auto res = json_response(j);
    res.header("Cache-Control", "no-store");
    return res;
  });

  // Console entry: kiosk, opinion-box transcription (意见箱), phone, follow-up call.
  auto& entry = r.add("POST", "/api/v1/ratings", "followup.handle", [&app, svc](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    std::shared_ptr<const PointInfo> p;
    if (auto pid = jv::opt_id(j, "point_id")) {
      auto pt = svc->point(*pid);
      if (!pt) throw invalid("point_id", "no such collection point");
      p = svc->lookup(pt->code);
    } else {
      p = svc->lookup(jv::req_str(j, "point", 20));
    }
    if (!p) throw invalid("point", "no such active collection point");
    c.require_path("followup.handle", p->point.node_path);
    NewRating nr = parse_rating(j, *p->def);
    nr.channel = jv::req_enum(j, "channel", kConsoleChannels);
    nr.entered_by = c.me().user_id;
    nr.entered_by_name = c.me().display_name;
    nr.ip = c.req.remote_ip;
    // A paper form: the date it was filled in (the rating counts on that day) and its number.
    if (auto d = jv::opt_str(j, "filled_on", 10)) {
      auto day = period::parse_day(*d);
      if (!day) throw invalid("filled_on", "filled_on must be a date YYYY-MM-DD");
      int64_t now = now_ms();
      int today = period::local_day(now);
      if (*day > today) throw Error(422, "future_date", "the form cannot have been filled in after today", "filled_on");
      if (*day < period::local_day(p->point.created_at))
        throw Error(422, "before_point", "the form is dated before the collection point existed", "filled_on");
      // Earlier days: at noon of that day (its id and day fall in that day's period).
      if (*day < today) nr.at_ms = period::day_start_ms(*day) + 12 * 3600 * 1000;
    }
    if (auto no = jv::opt_str(j, "form_no", 40)) {
      std::string v = *no;
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
      v.erase(0, std::min(v.size(), v.find_first_not_of(" \t")));
      if (!jv::valid_text(v)) throw invalid("form_no", "form_no is not valid text");
      nr.form_no = v;
    }
    auto out = svc->submit_console(actor_of(c), *p, std::move(nr));
    json res = {{"id", id_str(out.id)}, {"status", out.status}, {"case_id", id_json(out.case_id)}, {"case_code", nullptr}};
    if (out.case_id && app.cases)
      if (auto k = app.cases->find(out.case_id)) res["case_code"] = k->tracking_code;
    return json_response(res, 201);
  });
  entry.max_body = 16 * 1024;

  r.add("GET", "/api/v1/ratings/comments", "rating.read", [svc](http::Ctx& c) {
    CommentFilter f;
    f.scope = c.scope_paths("rating.read");
    if (auto n = c.id_query("node")) {
      c.require("rating.read", *n);
      auto node = svc->org().node(*n);
      f.node_path = node->path;
      if (node->kind == "institution") f.unit_id = node->id;
    }
    if (c.req.q("period") || c.req.q("month") || c.req.q("quarter") || c.req.q("year") || c.req.q("from") ||
        c.req.q("to")) {
      auto per = period::parse_period([&](const std::string& k) { return c.req.q(k).value_or(""); }, now_ms());
      f.from_ms = period::day_start_ms(per.from);
      f.to_ms = period::day_start_ms(period::add_days(per.to, 1));
    }
    if (auto s = c.req.q("score")) {
      for (size_t i = 0; i < s->size(); ++i) {
        char ch = (*s)[i];
        if (ch == ',') continue;
        if (ch < '1' || ch > '5') throw invalid("score", "score is a list of levels 1…5, e.g. 1,2");
        f.overall.push_back(ch - '0');
      }
    }
    f.channel = c.req.q("channel").value_or("");
    f.status = c.req.q("status").value_or("");
    if (!f.status.empty() && f.status != "valid" && f.status != "suspect" && f.status != "rejected")
      throw invalid("status", "status must be valid, suspect or rejected");
    f.q = c.req.q("q").value_or("");
    if (f.q.size() > 100 || !jv::valid_text(f.q)) throw invalid("q", "keyword is too long or not valid text");
    f.cursor = page_cursor(c.req);
    int limit = page_limit(c.req);
    f.limit = limit + 1;
    auto rows = svc->comments(f);
    int64_t next = 0;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().rating_id;
    }
    json items = json::array();
    for (auto& x : rows)
      items.push_back({{"id", id_str(x.rating_id)}, {"created_at", id_time_ms(x.rating_id)},
                       {"time", fmt_time(id_time_ms(x.rating_id))}, {"node_id", id_str(x.node_id)},
                       {"node_name", x.node_name}, {"unit_id", id_str(x.unit_id)}, {"unit_name", x.unit_name},
                       {"overall", x.overall}, {"overall_label", level_label(x.overall)}, {"channel", x.channel},
                       {"channel_label", channel_label(x.channel)}, {"status", x.status},
                       {"status_label", status_label(x.status)}, {"comment", x.comment}, {"phone", x.phone_mask}});
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });

  r.add("GET", "/api/v1/ratings/{id}", "rating.read", [svc](http::Ctx& c) {
    auto x = svc->rating(c.id_param("id"));
    if (!x) throw not_found("rating");
    c.require("rating.read", x->node_id);
    auto def = svc->forms().version(x->form_version_id).def;
    json answers = json::array();
    if (!x->answers_json.empty()) {
      auto a = json::parse(x->answers_json);
      for (auto& s : def->sections)
        for (auto& it : s.items) {
          if (!a.contains(it.id)) continue;
          json v = a[it.id];
          std::string shown;
          if (it.type == "rating") shown = level_label(v.get<int>());
          else if (it.type == "single") {
            for (auto& o : it.options)
              if (o.value == v.get<std::string>()) shown = o.label;
          } else if (it.type == "multi") {
            for (auto& sel : v)
              for (auto& o : it.options)
                if (o.value == sel.get<std::string>()) shown += (shown.empty() ? "" : "、") + o.label;
          } else shown = v.is_string() ? v.get<std::string>() : v.dump();
          answers.push_back({{"item", it.id}, {"label", it.label}, {"value", v}, {"shown", shown},
                             {"dimension", it.dimension}});
        }
    }
    json flags = json::array();
    for (size_t i = 0; i < x->flags.size();) {
      size_t e = x->flags.find(',', i);
      if (e == std::string::npos) e = x->flags.size();
      flags.push_back(x->flags.substr(i, e - i));
      i = e + 1;
    }
    return json_response({{"id", id_str(x->id)}, {"created_at", x->created_at}, {"time", fmt_time(x->created_at)},
                          {"point_id", id_str(x->point_id)}, {"point_name", x->point_name},
                          {"node_id", id_str(x->node_id)}, {"node_name", x->node_name}, {"unit_id", id_str(x->unit_id)},
                          {"unit_name", x->unit_name}, {"channel", x->channel}, {"channel_label", channel_label(x->channel)},
                          {"overall", x->overall}, {"overall_label", level_label(x->overall)},
                          {"score", x->score ? json(*x->score) : json(nullptr)},
                          {"score_max", def->scoring.max_score}, {"answers", answers},
                          {"comment", x->comment}, {"phone", x->phone_mask}, {"status", x->status},
                          {"status_label", status_label(x->status)}, {"flags", flags},
                          {"elapsed_ms", x->elapsed_ms ? json(*x->elapsed_ms) : json(nullptr)},
                          {"form_version_id", id_str(x->form_version_id)}, {"case_id", id_json(x->case_id)},
                          {"case_pending", x->case_pending},
                          {"review", x->review_state.empty() ? json(nullptr)
                                                             : json{{"state", x->review_state},
                                                                    {"reason", x->review_reason},
                                                                    {"reviewed_by", id_json(x->reviewed_by)},
                                                                    {"reviewed_at", x->reviewed_at}}}});
  });

  r.add("GET", "/api/v1/ratings/reviews", "rating.review", [svc](http::Ctx& c) {
    std::string node_path = c.node_filter({"rating.review"});
    std::string state = c.req.q("state").value_or("pending");
    if (state == "all") state.clear();
    else if (state != "pending" && state != "accepted" && state != "rejected")
      throw invalid("state", "state must be pending, accepted, rejected or all");
    int limit = page_limit(c.req);
    int64_t episode = 0;  // ?episode=ID: the ratings of one episode (事件)
    if (auto e = c.req.q("episode"); e && !e->empty()) {
      episode = parse_id(*e);
      if (!episode) throw invalid("episode", "episode must be an episode id");
    }
    auto rows = svc->review_queue(c.scope_paths("rating.review"), node_path, state, page_cursor(c.req), limit + 1,
                                  episode);
    int64_t next = 0;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().rating_id;
    }
    json items = json::array();
    for (auto& x : rows)
      items.push_back({{"rating_id", id_str(x.rating_id)}, {"time", fmt_time(x.created_at)}, {"created_at", x.created_at},
                       {"node_id", id_str(x.node_id)}, {"node_name", x.node_name}, {"unit_name", x.unit_name},
                       {"overall", x.overall}, {"overall_label", level_label(x.overall)}, {"comment", x.comment},
                       {"channel", x.channel}, {"flags", x.flags}, {"state", x.state}, {"reason", x.reason},
                       {"episode_id", id_json(x.episode_id)}, {"episode_rule", x.episode_rule},
                       {"reviewed_at", x.reviewed_at ? json(x.reviewed_at) : json(nullptr)}});
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });

  r.add("POST", "/api/v1/ratings/{id}/review", "rating.review", [svc](http::Ctx& c) {
    auto x = svc->rating(c.id_param("id"));
    if (!x) throw not_found("rating");
    c.require("rating.review", x->node_id);
    auto j = jv::parse_object(c.req.body);
    auto decision = jv::req_enum(j, "decision", {"accept", "reject"});
    auto reason = jv::req_str(j, "reason", 500);
    auto out = svc->review(actor_of(c), x->id, decision, reason);
    return json_response({{"id", id_str(out.id)}, {"status", out.status}, {"status_label", status_label(out.status)},
                          {"case_id", id_json(out.case_id)}});
  });

  // 差评工单 by hand: a valid 不满意 / 非常不满意 rating whose case could not be opened (logged
  // when it happened) gets it now, registered by the signed-in handler.
  r.add("POST", "/api/v1/ratings/{id}/case", "case.register", [svc](http::Ctx& c) {
    auto x = svc->rating(c.id_param("id"));
    if (!x) throw not_found("rating");
    c.require("rating.read", x->node_id);
    c.require("case.register", x->node_id);
    int64_t case_id = svc->open_case_by_hand(actor_of(c), x->id);
    return json_response({{"id", id_str(x->id)}, {"case_id", id_str(case_id)}}, 201);
  }).max_body = 1024;

  // The console calls this after sign-in with its browser's device id (localStorage), so
  // ratings later sent from that browser are held as suspect (staff_device).
  r.add("POST", "/api/v1/devices/mark", "login", [svc](http::Ctx& c) {
    auto j = jv::parse_object(c.req.body);
    auto device = jv::req_str(j, "device", 64);
    if (!valid_device(device)) throw invalid("device", "device must be 8–64 letters, digits, '-' or '_'");
    svc->mark_staff_device(actor_of(c), c.me().user_id, c.me().staff_id, device);
    return http::Response::no_content();
  }).max_body = 1024;
}

namespace {
// The warning printed on posters whose QR address phones may not reach (public_address.hpp).
std::string address_warning(const PublicAddress& a) {
  if (a.warning.empty()) return "";
  std::string why = a.warning == "not_set"
                        ? "尚未设置二维码公网地址，二维码使用的是当前浏览器访问的地址 " + a.url
                        : "二维码地址 " + a.url + " 是本机或内网地址";
  return "<div class=\"warn\" data-warning=\"" + a.warning + "\">⚠ " + html_escape(why) +
         "，患者的手机很可能无法打开。请卫健局管理员在“评价点与二维码”页面设置公网地址后再打印。</div>";
}

std::string poster_html(const std::vector<Point>& points, const PublicAddress& addr, const std::string& title) {
  std::string warn = address_warning(addr);
  // Each poster is one A4 sheet, a blue band across its top.
  static const std::string css =
      ".poster{width:210mm;height:297mm;margin:0 auto 8mm;background:#fff;padding:18mm 16mm;display:flex;"
      "flex-direction:column;align-items:center;text-align:center;page-break-after:always;break-after:page;"
      "border-top:14mm solid #1769aa}.unit{font-size:26pt;font-weight:700;margin:4mm 0 2mm}"
      ".point{font-size:20pt;margin-bottom:2mm}.staff{font-size:14pt;color:#445;margin-bottom:6mm}"
      ".slogan{font-size:22pt;color:#1769aa;font-weight:700;margin:4mm 0 8mm}"
      ".qr{width:110mm;height:110mm}.qr svg{width:100%;height:100%}.steps{font-size:14pt;line-height:1.8;"
      "margin-top:8mm;text-align:left}.code{margin-top:auto;font-size:11pt;color:#667;word-break:break-all}"
      ".warn{border:3px solid #d93026;background:#fdecea;color:#b3261e;font-size:13pt;font-weight:700;padding:4mm;"
      "margin-bottom:4mm;text-align:left;-webkit-print-color-adjust:exact;print-color-adjust:exact}"
      "@media print{body{background:#fff}.poster{margin:0}}";
  std::string out;
  for (auto& p : points) {
    std::string url = addr.url + "/f/" + p.code;
    std::string staff;
    if (p.staff_id) {
      // Who: the name and department unless the point's name already says them, then 职称 · 工号.
      std::vector<std::string> parts;
      if (p.name.find(p.staff_name) == std::string::npos) parts.push_back(html_escape(p.staff_name));
      if (p.name.find(p.node_name) == std::string::npos) parts.push_back(html_escape(p.node_name));
      if (!p.staff_title.empty()) parts.push_back("职称：" + html_escape(p.staff_title));
      if (!p.staff_no.empty()) parts.push_back("工号：" + html_escape(p.staff_no));
      staff = fmt::format("<div class=\"staff\" data-staff>{}</div>", fmt::join(parts, " · "));
    }
    out += fmt::format(
        "<section class=\"poster\">{}<div class=\"unit\">{}</div><div class=\"point\">{}</div>{}"
        "<div class=\"slogan\">您的满意是我们的追求</div><div class=\"qr\">{}</div>"
        "<ol class=\"steps\"><li>打开微信或手机相机，扫描上方二维码</li><li>点选“非常满意”到“非常不满意”，一步即可提交</li>"
        "<li>可留下意见或电话，差评我们必定回访</li></ol><div class=\"code\">评价码 {} · {}</div></section>",
        warn, html_escape(p.unit_name), html_escape(p.name), staff, qr_svg(qr_encode(url)), html_escape(p.code),
        html_escape(url));
  }
  if (points.empty()) out += warn + "<p style=\"padding:20mm\">此范围内没有启用的评价点。</p>";
  return reports::a4_page(title, css, out);
}
}  // namespace

}  // namespace feedback

void register_feedback_routes(App& app) {
  feedback::Services s;
  auto& cfg = app.cfg;
  app.limiter.configure("rating_device", {cfg.rating_device_rate, cfg.rating_device_burst});
  app.limiter.configure("rating_net", {cfg.rating_net_rate, cfg.rating_net_burst});
  feedback::FeedbackOptions o;
  o.integrity.dup_window_ms = cfg.rating_dup_window_s * 1000;
  s.forms = app.forms;
  s.svc = std::make_shared<feedback::FeedbackService>(*app.db, *app.org, *s.forms, o);
  s.followups = std::make_shared<feedback::FollowupService>(*s.svc, cfg.followup_days);
  s.public_url = cfg.public_url;
  while (!s.public_url.empty() && s.public_url.back() == '/') s.public_url.pop_back();
  feedback::register_form_routes(app, s);
  feedback::register_point_routes(app, s);
  feedback::register_rating_routes(app, s);
  feedback::register_figure_routes(app, s);
  feedback::register_question_routes(app, s);
  feedback::register_followup_routes(app, s);
  feedback::register_todo_routes(app, s);
  feedback::register_review_count_routes(app, s);
  feedback::register_integrity_figure_routes(app, s);
  // The integrity windows, and the bad-review cases a previous run left pending.
  // Listening to the other instances first, so nothing stored between the warm-up's read and
  // the first message is missed.
  app.on_start.push_back([svc = s.svc] {
    svc->share_windows();
    svc->warm_up();
  });
  app.metrics.add_gauge_source([svc = s.svc] { return svc->sharing_metrics(); });
  // Cases whose opening failed (or whose instance died with them queued) are taken up again.
  app.jobs->every("bad-review-recovery", std::chrono::minutes(1), [svc = s.svc](int64_t now) { svc->resume_pending_cases(now - 60000); });
}

}  // namespace manyi
