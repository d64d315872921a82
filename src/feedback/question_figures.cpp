// GET /api/v1/satisfaction/questions: the distribution of every question of a survey
// template (rating items by level, single and multiple choice by option, numbers by mean and
// range, free text by how many answered) over a node's subtree and a period, with the template
// versions the ratings were made on. Items carry no rollups (only dimensions do), so this reads
// the valid ratings of the period (ids are time-ordered: a range scan of the primary key).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "app/respond.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "feedback/routes.hpp"
#include "store/subtree.hpp"
#include "core/period.hpp"

namespace manyi::feedback {
namespace {

struct Tally {
  std::string key, section, label, type;
  std::vector<std::pair<std::string, std::string>> options;  // value, label (choice items)
  std::map<std::string, int64_t> counts;                     // value (or level) → n
  int64_t answered = 0;
  double sum = 0, lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
};

bool template_visible(http::Ctx& c, const forms::Template& t) {
  if (t.owner_node_id == 0) return true;
  for (auto& s : c.scope_paths("rating.read"))
    if (t.owner_path.compare(0, s.size(), s) == 0 || s.compare(0, t.owner_path.size(), t.owner_path) == 0) return true;
  return false;
}

// Adds the items of a definition not seen yet (the current version first, then older ones).
void add_items(std::vector<Tally>& out, std::map<std::string, size_t>& at, const forms::Definition& d) {
  for (auto& s : d.sections)
    for (auto& it : s.items) {
      if (at.count(it.id)) continue;
      Tally t{it.id, s.title, it.label, it.type, {}, {}, 0, 0};
      for (auto& o : it.options) t.options.push_back({o.value, o.label});
      at[it.id] = out.size();
      out.push_back(std::move(t));
    }
}

json tally_json(const Tally& t) {
  json j = {{"key", t.key}, {"section", t.section}, {"label", t.label}, {"type", t.type}, {"answered", t.answered}};
  json opts = json::array();
  if (t.type == "rating") {
    for (int l = 5; l >= 1; --l) {
      auto it = t.counts.find(std::to_string(l));
      opts.push_back({{"label", forms::kLevels[l - 1]}, {"n", it == t.counts.end() ? 0 : it->second}});
    }
  } else if (t.type == "single" || t.type == "multi") {
    int64_t known = 0;
    for (auto& [v, label] : t.options) {
      auto it = t.counts.find(v);
      int64_t n = it == t.counts.end() ? 0 : it->second;
      known += n;
      opts.push_back({{"label", label}, {"n", n}});
    }
    int64_t all = 0;
    for (auto& [v, n] : t.counts) all += n;
    if (all > known) opts.push_back({{"label", "已删除的选项"}, {"n", all - known}});
  }
  j["options"] = opts;
  if ((t.type == "rating" || t.type == "number") && t.answered) {
    j["mean"] = std::round(t.sum / t.answered * 100) / 100;
    if (t.type == "number") {
      j["min"] = t.lo;
      j["max"] = t.hi;
    }
  }
  return j;
}

}  // namespace

void register_question_routes(App& app, const Services& S) {
  auto& r = *app.router;
  auto svc = S.svc;
  r.add("GET", "/api/v1/satisfaction/questions", "rating.read", [svc](http::Ctx& c) {
    auto n = scope_node(c, *svc, "rating.read");
    auto p = period::parse_period([&](const std::string& k) { return c.req.q(k).value_or(""); }, now_ms());
    auto tid = c.id_query("template");
    if (!tid) throw invalid("template", "choose the survey template whose questions to show");
    auto t = svc->forms().get(*tid);
    if (!t || t->kind != "survey" || !template_visible(c, *t)) throw invalid("template", "no such survey template");
    int64_t from = id_floor(period::day_start_ms(p.from));
    int64_t to = id_floor(period::day_start_ms(period::add_days(p.to, 1)));
    auto rows = svc->db().query(
        "SELECT r.form_version_id, r.answers FROM ratings r JOIN org_nodes n ON n.id = r.node_id WHERE r.id >= ? AND "
        "r.id < ? AND r.template_id = ? AND r.status = 'valid' AND n.path >= ? AND n.path < ?",
        {from, to, *tid, n.path, store::subtree_upper(n.path)});
    std::vector<Tally> items;
    std::map<std::string, size_t> at;
    if (t->current_version_id) add_items(items, at, *svc->forms().version(t->current_version_id).def);
    std::map<int64_t, int64_t> per_version;
    for (auto& row : rows) ++per_version[row.i64(0)];
    for (auto it = per_version.rbegin(); it != per_version.rend(); ++it)
      add_items(items, at, *svc->forms().version(it->first).def);
    for (auto& row : rows) {
      std::string text = row.str(1);
      if (text.empty()) continue;
      json a = json::parse(text, nullptr, false);
      if (!a.is_object()) continue;
      for (auto& [k, v] : a.items()) {
        auto f = at.find(k);
        if (f == at.end()) continue;
        Tally& x = items[f->second];
        if (v.is_number()) {
          double d = v.get<double>();
          ++x.answered;
          x.sum += d;
          x.lo = std::min(x.lo, d);
          x.hi = std::max(x.hi, d);
          if (x.type == "rating") ++x.counts[std::to_string(static_cast<int>(d))];
        } else if (v.is_string()) {
          ++x.answered;
          if (x.type == "single") ++x.counts[v.get<std::string>()];
        } else if (v.is_array()) {
          ++x.answered;
          for (auto& s : v)
            if (s.is_string()) ++x.counts[s.get<std::string>()];
        }
      }
    }
    json versions = json::array();
    for (auto& [vid, cnt] : per_version) versions.push_back({{"version", svc->forms().version(vid).version}, {"n", cnt}});
    std::sort(versions.begin(), versions.end(), [](const json& a, const json& b) { return a["version"] < b["version"]; });
    json out = json::array();
    for (auto& x : items) out.push_back(tally_json(x));
    return json_response({{"node", {{"id", id_str(n.id)}, {"name", n.name}}},
                          {"period", {{"label", p.label}, {"from", p.from}, {"to", p.to}}},
                          {"template", {{"id", id_str(t->id)}, {"name", t->name}, {"current_version", t->current_version}}},
                          {"n", static_cast<int64_t>(rows.size())},
                          {"versions", versions},
                          {"items", out}});
  });
}

}  // namespace manyi::feedback
