// HTTP mapping for satisfaction figures: the dashboard (overall vs target, n, interval,
// monthly trend, dimensions, ranking of child units), the ranking alone, targets, and the
// .xlsx exports of the ranking and the comments.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "app/respond.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "feedback/export.hpp"
#include "feedback/routes.hpp"
#include "reports/export.hpp"
#include "store/subtree.hpp"
#include "core/period.hpp"

namespace manyi::feedback {
namespace {

json figure_json(const metrics::Figure& f) {
  return {{"n", f.n},
          {"satisfied", f.satisfied},
          {"rate", f.rate},
          {"mean_score", std::round(f.mean_score * 100) / 100},
          {"ci_low", f.ci.low},
          {"ci_high", f.ci.high},
          {"counts", f.counts}};
}

std::string month_label(int ym) { return fmt::format("{:04d}-{:02d}", ym / 100, ym % 100); }

period::Period period_of(http::Ctx& c) {
  return period::parse_period([&](const std::string& k) { return c.req.q(k).value_or(""); }, now_ms());
}

// The surveys whose figures are shown: ?template=ID[,ID…] (at most 10 surveys), else one survey
// — the shipped patient survey (门诊患者满意度), or, for a node that does not collect it (a
// window, 收费处), the shipped survey most of its collection points collect. One survey's figures
// stand alone: another survey's dimensions (the staff survey's 薪酬待遇) are never mixed in
// unless the user picks several surveys.
const char* kDefaultSurvey = "outpatient";
struct Surveys {
  std::vector<int64_t> ids;
  std::vector<forms::Template> items;
};
Surveys surveys_of(http::Ctx& c, FeedbackService& svc, const org::Node& n) {
  Surveys s;
  std::string v = c.req.q("template").value_or("");
  size_t from = 0;
  while (from < v.size()) {
    size_t comma = v.find(',', from);
    std::string one = v.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    from = comma == std::string::npos ? v.size() : comma + 1;
    if (one.empty()) continue;
    int64_t id = parse_id(one);
    auto t = id ? svc.forms().get(id) : std::nullopt;
    if (!t || t->kind != "survey") throw invalid("template", "no such survey: " + one);
    if (std::find(s.ids.begin(), s.ids.end(), t->id) != s.ids.end()) continue;
    if (s.ids.size() == 10) throw invalid("template", "at most 10 surveys at once");
    s.ids.push_back(t->id);
    s.items.push_back(*t);
  }
  if (s.ids.empty()) {
    // Decided by the node's collection points, not by the period's answers, so the survey shown
    // does not change as answers arrive: the patient survey wherever it is collected, else the
    // survey most of the node's points collect (a 收费处 has only windows).
    std::map<int64_t, int64_t> points;  // template -> active points in the subtree
    for (auto& r : svc.db().query("SELECT p.template_id, COUNT(*) FROM collection_points p JOIN org_nodes n ON "
                                  "n.id = p.node_id WHERE n.path >= ? AND n.path < ? AND p.active = 1 "
                                  "GROUP BY p.template_id",
                                  {n.path, store::subtree_upper(n.path)}))
      points[r.i64(0)] = r.i64(1);
    std::optional<forms::Template> pick;
    int64_t most = 0;
    for (auto& t : svc.forms().list("survey", {})) {
      if (t.owner_node_id != 0) continue;
      int64_t k = points.count(t.id) ? points[t.id] : 0;
      if (t.code == kDefaultSurvey && (k > 0 || points.empty())) {
        pick = t;
        break;
      }
      if (!pick || k > most) {
        pick = t;
        most = k;
      }
    }
    if (pick) {
      s.ids.push_back(pick->id);
      s.items.push_back(*pick);
    }
  }
  return s;
}
json surveys_json(const Surveys& s) {
  json out = json::array();
  for (auto& t : s.items) out.push_back({{"id", id_str(t.id)}, {"code", t.code}, {"name", t.name}});
  return out;
}

int64_t min_n_of(http::Ctx& c, FeedbackService& svc) {
  auto v = c.req.q("min_n");
  if (!v) return svc.options().default_min_n;
  int64_t n = std::atoll(v->c_str());
  if (n < 1 || n > 100000 || std::to_string(n) != *v) throw invalid("min_n", "min_n must be 1…100000");
  return n;
}

// The node's active children the caller may read, and the targets of the node and of them
// (one children query, one batch of target queries).
struct Around {
  std::map<int64_t, org::Node> kids;
  std::map<int64_t, double> targets;
};
Around around(http::Ctx& c, FeedbackService& svc, const org::Node& n) {
  Around a;
  std::vector<org::Node> list{n};
  for (auto& k : svc.org().children(n.id)) {
    if (!k.active || !c.can_path("rating.read", k.path)) continue;
    a.kids[k.id] = k;
    list.push_back(k);
  }
  a.targets = svc.targets_for(list);
  return a;
}

std::vector<metrics::RankGroup> ranking(FeedbackService& svc, const org::Node& n, const Around& a,
                                        const period::Period& p, const std::vector<int64_t>& tmpl, int64_t min_n) {
  std::vector<metrics::Child> kids;
  for (auto& [id, k] : a.kids) kids.push_back({k.id, k.path, metrics::tree_kind(k.kind)});
  auto figs = svc.figures().per_child(n.path, kids, p, tmpl);
  auto& by_id = a.kids;
  auto& targets = a.targets;
  std::vector<metrics::RankEntry> e;
  for (auto& k : kids) {
    metrics::RankEntry x;
    x.node_id = k.id;
    x.name = by_id.at(k.id).name;
    x.kind = by_id.at(k.id).kind;
    x.fig = figs[k.id];
    x.target = targets.at(k.id);
    e.push_back(std::move(x));
  }
  return metrics::rank_by_kind(std::move(e), min_n);
}

// The ranking as groups of one node kind each (rank is within the group), and the same entries
// flat with their group, for clients that list them.
json ranking_json(const std::vector<metrics::RankGroup>& groups, int64_t min_n, const std::map<int64_t, org::Node>& nodes) {
  json items = json::array(), gj = json::array();
  int hidden = 0;
  for (auto& g : groups) {
    gj.push_back({{"kind", g.kind}, {"name", g.name}, {"count", g.entries.size()}, {"hidden", g.hidden}});
    for (auto& x : g.entries) {
      json j = figure_json(x.fig);
      auto it = nodes.find(x.node_id);
      j["node_id"] = id_str(x.node_id);
      j["name"] = x.name;
      j["kind"] = it != nodes.end() ? it->second.kind : "";
      j["has_children"] = it != nodes.end() && it->second.has_children;
      j["rank"] = x.rank ? json(x.rank) : json(nullptr);
      j["ranked"] = x.ranked;
      j["target"] = x.target;
      j["met"] = x.fig.n > 0 && x.fig.rate >= x.target;
      j["group"] = g.kind;
      if (!x.ranked) ++hidden;
      items.push_back(j);
    }
  }
  std::string note = hidden ? fmt::format("{} 个单位样本量不足 {}（或无评价），未参与排名", hidden, min_n) : "";
  return {{"min_n", min_n}, {"sort", "ci_low"}, {"hidden", hidden}, {"note", note}, {"groups", gj}, {"items", items}};
}

// Breadcrumb of the node: the ancestors the caller may read, in one query.
json breadcrumbs(http::Ctx& c, FeedbackService& svc, const org::Node& n) {
  store::Params p;
  std::string in;
  for (int64_t id : metrics::tree_nodes(n.path, n.id)) {
    in += in.empty() ? "?" : ",?";
    p.emplace_back(id);
  }
  json out = json::array();
  if (in.empty()) return out;
  for (auto& r : svc.db().query("SELECT id, name, path FROM org_nodes WHERE id IN (" + in + ") ORDER BY depth, path", p))
    if (r.i64(0) == n.id || c.can_path("rating.read", r.str(2))) out.push_back({{"id", id_str(r.i64(0))}, {"name", r.str(1)}});
  return out;
}

}  // namespace

void register_figure_routes(App& app, const Services& S) {
  auto& r = *app.router;
  auto svc = S.svc;

  r.add("GET", "/api/v1/satisfaction/dashboard", "rating.read", [svc](http::Ctx& c) {
    auto n = scope_node(c, *svc, "rating.read");
    auto p = period_of(c);
    auto sv = surveys_of(c, *svc, n);
    auto& tmpl = sv.ids;
    int64_t min_n = min_n_of(c, *svc);
    metrics::Query q;
    q.node_path = n.path;
    if (metrics::tree_kind(n.kind)) q.tree_node = n.id;
    q.period = p;
    q.templates = tmpl;
    auto figs = svc->figures().by_dimension(q);
    auto ar = around(c, *svc, n);
    double target = ar.targets.at(n.id);
    json overall = figure_json(figs["overall"]);
    overall["target"] = target;
    overall["met"] = figs["overall"].n > 0 && figs["overall"].rate >= target;
    overall["met_with_confidence"] = figs["overall"].n > 0 && figs["overall"].ci.low >= target;
    // Each survey's own dimensions from its own answers: two surveys may use one code for
    // different questions (环境卫生 for patients, 工作环境 for staff).
    json dj = json::array();
    for (auto& t : sv.items) {
      metrics::Query dq = q;
      dq.templates = {t.id};
      dq.dimensions.clear();
      auto dims = svc->dimensions(t.id);
      for (auto& d : dims) dq.dimensions.push_back(d.first);
      auto dfigs = svc->figures().by_dimension(dq);
      for (auto& [code, name] : dims) {
        if (!dfigs[code].n) continue;
        json x = figure_json(dfigs[code]);
        x["code"] = code;
        x["name"] = name;
        x["template_id"] = id_str(t.id);
        x["template_name"] = t.name;
        dj.push_back(x);
      }
    }
    int end_month = period::month_of(p.to);
    json trend = json::array();
    for (auto& [m, f] : svc->figures().trend(n.path, period::add_months(end_month, -11), end_month, tmpl,
                                                       metrics::tree_kind(n.kind) ? n.id : 0)) {
      json x = figure_json(f);
      x["month"] = month_label(m);
      x["target"] = target;
      trend.push_back(x);
    }
    json crumbs = breadcrumbs(c, *svc, n);
    json tj = nullptr;  // the one survey the figures are limited to, with its current version
    if (tmpl.size() == 1)
      if (auto t = svc->forms().get(tmpl[0]))
        tj = {{"id", id_str(t->id)}, {"name", t->name}, {"current_version", t->current_version}};
    return json_response(
        {{"node", {{"id", id_str(n.id)}, {"name", n.name}, {"kind", n.kind}, {"code", n.code}}},
         {"template", tj},
         {"breadcrumbs", crumbs},
         {"period", {{"label", p.label}, {"from", p.from}, {"to", p.to}}},
         {"surveys", surveys_json(sv)},
         {"overall", overall},
         {"dimensions", dj},
         {"trend", trend},
         {"ranking", ranking_json(ranking(*svc, n, ar, p, tmpl, min_n), min_n, ar.kids)}});
  });

  r.add("GET", "/api/v1/satisfaction/ranking", "rating.read", [svc](http::Ctx& c) {
    auto n = scope_node(c, *svc, "rating.read");
    auto p = period_of(c);
    auto sv = surveys_of(c, *svc, n);
    int64_t min_n = min_n_of(c, *svc);
    auto ar = around(c, *svc, n);
    json j = ranking_json(ranking(*svc, n, ar, p, sv.ids, min_n), min_n, ar.kids);
    j["node"] = {{"id", id_str(n.id)}, {"name", n.name}};
    j["surveys"] = surveys_json(sv);
    j["period"] = {{"label", p.label}, {"from", p.from}, {"to", p.to}};
    return json_response(j);
  });

  r.add("GET", "/api/v1/satisfaction/ranking.xlsx", "report.read", [svc](http::Ctx& c) {
    auto n = scope_node(c, *svc, "report.read");
    c.require("rating.read", n.id);
    auto p = period_of(c);
    auto sv = surveys_of(c, *svc, n);
    int64_t min_n = min_n_of(c, *svc);
    auto e = ranking(*svc, n, around(c, *svc, n), p, sv.ids, min_n);
    std::string names;
    for (auto& t : sv.items) names += (names.empty() ? "" : "、") + t.name;
    return reports::xlsx_download(ranking_xlsx(n.name, p.label, names, e, min_n),
                                  {n.name, "满意度排名", "satisfaction-ranking", p.label});
  });

  r.add("GET", "/api/v1/ratings/comments.xlsx", "report.read", [svc](http::Ctx& c) {
    CommentFilter f;
    f.scope = c.scope_paths("rating.read");
    auto n = scope_node(c, *svc, "report.read");
    c.require("rating.read", n.id);
    f.node_path = n.path;
    if (n.kind == "institution") f.unit_id = n.id;
    auto p = period_of(c);
    f.from_ms = period::day_start_ms(p.from);
    f.to_ms = period::day_start_ms(period::add_days(p.to, 1));
    f.q = c.req.q("q").value_or("");
    if (f.q.size() > 100 || !jv::valid_text(f.q)) throw invalid("q", "keyword is too long or not valid text");
    if (auto s = c.req.q("score"))
      for (char ch : *s)
        if (ch >= '1' && ch <= '5') f.overall.push_back(ch - '0');
        else if (ch != ',') throw invalid("score", "score is a list of levels 1…5");
    f.channel = c.req.q("channel").value_or("");
    return reports::xlsx_download(comments_xlsx(*svc, f, n.name + " 评价留言 " + p.label, 1'000'000),
                                  {n.name, "评价留言", "comments", p.label});
  });

  r.add("GET", "/api/v1/satisfaction/targets", "rating.read", [svc](http::Ctx& c) {
    auto n = scope_node(c, *svc, "rating.read");
    json items = json::array();
    auto add = [&](const org::Node& x) {
      items.push_back({{"node_id", id_str(x.id)}, {"name", x.name}, {"kind", x.kind}, {"target", svc->target_for(x)},
                       {"followup_target", svc->followup_target_for(x)}, {"window", svc->is_window(x)}});
    };
    add(n);
    for (auto& k : svc->org().children(n.id))
      if (k.active) add(k);
    return json_response({{"items", items}});
  });

  r.add("PUT", "/api/v1/satisfaction/targets/{node_id}", "survey.write", [svc](http::Ctx& c) {
    int64_t id = c.id_param("node_id");
    auto n = svc->org().node(id);
    if (!n) throw not_found("org node");
    // Targets are set from above: on the parent's scope (the root's own by its holder).
    c.require("survey.write", n->parent_id ? n->parent_id : n->id);
    auto j = jv::parse_object(c.req.body);
    auto t = jv::opt_num(j, "target", 0.01, 1);
    auto ft = jv::opt_num(j, "followup_target", 0.01, 1);
    if (!t && !ft) throw invalid("target", "target or followup_target is required");
    svc->set_target(actor_of(c), *n, t, ft);
    return json_response({{"node_id", id_str(n->id)}, {"target", svc->target_for(*n)},
                          {"followup_target", svc->followup_target_for(*n)}});
  });
}

}  // namespace manyi::feedback
