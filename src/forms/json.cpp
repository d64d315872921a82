#include "forms/json.hpp"

#include "core/json.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace manyi::forms {
namespace {

Error def_error(const std::string& msg) { return invalid("definition", msg); }

std::string str(const json& j, const char* key, const std::string& def = "", size_t max = 200) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_string()) throw def_error(fmt::format("'{}' must be a string", key));
  std::string s = it->get<std::string>();
  if (!jv::valid_text(s)) throw def_error(fmt::format("'{}' contains invalid characters", key));
  if (s.size() > max * 4) throw def_error(fmt::format("'{}' is too long", key));
  return s;
}
double num(const json& j, const char* key, double def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_number()) throw def_error(fmt::format("'{}' must be a number", key));
  return it->get<double>();
}
bool boolean(const json& j, const char* key, bool def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_boolean()) throw def_error(fmt::format("'{}' must be true or false", key));
  return it->get<bool>();
}
const json& arr(const json& j, const char* key) {
  static const json empty = json::array();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return empty;
  if (!it->is_array()) throw def_error(fmt::format("'{}' must be a list", key));
  return *it;
}
void need_object(const json& j, const std::string& what) {
  if (!j.is_object()) throw def_error(what + " must be an object");
}

}  // namespace

Definition parse_definition(const json& j) {
  need_object(j, "the definition");
  Definition d;
  d.code = str(j, "code", "", 40);
  d.kind = str(j, "kind", "survey", 20);
  d.name = str(j, "name", "", 100);
  d.description = str(j, "description", "", 2000);
  d.has_overall = boolean(j, "has_overall", d.kind == "survey");
  d.overall_label = str(j, "overall_label", d.overall_label, 200);
  d.satisfied_min = static_cast<int>(num(j, "satisfied_min", 4));
  d.window = boolean(j, "window", false);
  for (auto& dj : arr(j, "dimensions")) {
    need_object(dj, "a dimension");
    d.dimensions.push_back({str(dj, "code", "", 40), str(dj, "name", "", 50)});
  }
  for (auto& sj : arr(j, "sections")) {
    need_object(sj, "a section");
    Section s;
    s.id = str(sj, "id", "", 40);
    s.title = str(sj, "title", "", 200);
    s.weight = num(sj, "weight", 1);
    for (auto& ij : arr(sj, "items")) {
      need_object(ij, "an item");
      Item it;
      it.id = str(ij, "id", "", 40);
      it.type = str(ij, "type", "", 20);
      it.label = str(ij, "label", "", 500);
      it.dimension = str(ij, "dimension", "", 40);
      it.required = boolean(ij, "required", false);
      it.points = num(ij, "points", 0);
      it.weight = num(ij, "weight", 1);
      it.max_select = static_cast<int>(num(ij, "max_select", 0));
      it.max_length = static_cast<size_t>(std::max(0.0, num(ij, "max_length", 500)));
      it.min = num(ij, "min", 0);
      it.max = num(ij, "max", it.type == "number" ? 1e9 : 0);
      it.integer = boolean(ij, "integer", false);
      it.deduct_per = num(ij, "deduct_per", 0);
      it.veto_at = static_cast<int>(num(ij, "veto_at", 0));
      it.veto_if_zero = boolean(ij, "veto_if_zero", false);
      it.deduct_cap = num(ij, "deduct_cap", 0);
      it.na_allowed = boolean(ij, "na_allowed", false);
      for (auto& oj : arr(ij, "options")) {
        need_object(oj, "an option");
        Option o;
        o.value = str(oj, "value", "", 40);
        o.label = str(oj, "label", "", 200);
        o.points = num(oj, "points", 0);
        o.veto = boolean(oj, "veto", false);
        it.options.push_back(std::move(o));
      }
      s.items.push_back(std::move(it));
    }
    d.sections.push_back(std::move(s));
  }
  if (auto sc = j.find("scoring"); sc != j.end() && !sc->is_null()) {
    need_object(*sc, "scoring");
    d.scoring.max_score = num(*sc, "max_score", 100);
    d.scoring.normalize = boolean(*sc, "normalize", true);
    d.scoring.unanswered_zero = boolean(*sc, "unanswered_zero", false);
    if (auto vs = sc->find("veto_score"); vs != sc->end() && !vs->is_null()) d.scoring.veto_score = num(*sc, "veto_score", 0);
    d.scoring.veto_grade = str(*sc, "veto_grade", "", 20);
    d.scoring.veto_caps_grade = boolean(*sc, "veto_caps_grade", false);
    for (auto& gj : arr(*sc, "grades")) {
      need_object(gj, "a grade");
      d.scoring.grades.push_back({num(gj, "min", 0), str(gj, "label", "", 20)});
    }
  }
  validate_definition(d);
  return d;
}

Definition parse_definition_text(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw def_error("the definition is not valid JSON");
  return parse_definition(j);
}

json definition_json(const Definition& d) {
  json dims = json::array();
  for (auto& dm : d.dimensions) dims.push_back({{"code", dm.code}, {"name", dm.name}});
  json secs = json::array();
  for (auto& s : d.sections) {
    json items = json::array();
    for (auto& it : s.items) {
      json ij = {{"id", it.id}, {"type", it.type}, {"label", it.label}};
      if (!it.dimension.empty()) ij["dimension"] = it.dimension;
      if (it.required) ij["required"] = true;
      if (it.points) ij["points"] = it.points;
      if (it.weight != 1) ij["weight"] = it.weight;
      if (it.type == "single" || it.type == "multi") {
        json opts = json::array();
        for (auto& o : it.options) {
          json oj = {{"value", o.value}, {"label", o.label}};
          if (o.points) oj["points"] = o.points;
          if (o.veto) oj["veto"] = true;
          opts.push_back(oj);
        }
        ij["options"] = opts;
        if (it.max_select) ij["max_select"] = it.max_select;
      }
      if (it.type == "text") ij["max_length"] = it.max_length;
      if (it.type == "number") {
        ij["min"] = it.min;
        ij["max"] = it.max;
        if (it.integer) ij["integer"] = true;
        if (it.deduct_per) ij["deduct_per"] = it.deduct_per;
        if (it.veto_if_zero) ij["veto_if_zero"] = true;
        if (it.deduct_cap) ij["deduct_cap"] = it.deduct_cap;
      }
      if (it.na_allowed) ij["na_allowed"] = true;
      if (it.veto_at) ij["veto_at"] = it.veto_at;
      items.push_back(ij);
    }
    json sj = {{"id", s.id}, {"title", s.title}, {"items", items}};
    if (s.weight != 1) sj["weight"] = s.weight;
    secs.push_back(sj);
  }
  json grades = json::array();
  for (auto& g : d.scoring.grades) grades.push_back({{"min", g.min}, {"label", g.label}});
  json scoring = {{"max_score", d.scoring.max_score}, {"normalize", d.scoring.normalize},
                  {"unanswered_zero", d.scoring.unanswered_zero}, {"grades", grades}};
  if (d.scoring.veto_score) scoring["veto_score"] = *d.scoring.veto_score;
  if (!d.scoring.veto_grade.empty()) scoring["veto_grade"] = d.scoring.veto_grade;
  if (d.scoring.veto_caps_grade) scoring["veto_caps_grade"] = true;
  json out = {{"code", d.code},
              {"kind", d.kind},
              {"name", d.name},
              {"description", d.description},
              {"has_overall", d.has_overall},
              {"overall_label", d.overall_label},
              {"satisfied_min", d.satisfied_min},
              {"window", d.window},
              {"levels", kLevels},
              {"dimensions", dims},
              {"sections", secs},
              {"scoring", scoring}};
  return out;
}

Answers parse_answers(const Definition& def, const json& j) {
  Answers a;
  if (j.is_null()) return a;
  if (!j.is_object()) throw invalid("answers", "answers must be an object {\"<item id>\": value}");
  if (j.size() > 200) throw invalid("answers", "too many answers");
  for (auto& [k, v] : j.items()) {
    std::string field = "answers." + utf8_prefix(k, 40);
    const Item* it = def.item(k);
    if (!it) throw invalid(field, "no such item in this form");
    if (v.is_null()) continue;
    if (v.is_object()) {
      auto na = v.find("na");
      if (v.size() != 1 || na == v.end() || !na->is_boolean() || !na->get<bool>())
        throw invalid(field, "an object answer must be {\"na\": true} (not applicable)");
      a[k] = NotApplicable{};
    } else if (it->type == "rating" || it->type == "number") {
      if (!v.is_number()) throw invalid(field, "a number is expected");
      a[k] = v.get<double>();
    } else if (it->type == "single" || it->type == "text") {
      if (!v.is_string()) throw invalid(field, "a string is expected");
      a[k] = v.get<std::string>();
    } else {
      if (!v.is_array()) throw invalid(field, "a list is expected");
      std::vector<std::string> list;
      for (auto& e : v) {
        if (!e.is_string()) throw invalid(field, "option values are strings");
        list.push_back(e.get<std::string>());
      }
      a[k] = std::move(list);
    }
  }
  validate_answers(def, a);
  return a;
}

json answers_json(const Answers& a) {
  json out = json::object();
  for (auto& [k, v] : a) {
    if (auto p = std::get_if<double>(&v)) {
      if (*p == static_cast<double>(static_cast<int64_t>(*p))) out[k] = static_cast<int64_t>(*p);
      else out[k] = *p;
    } else if (auto p = std::get_if<std::string>(&v)) out[k] = *p;
    else if (std::holds_alternative<NotApplicable>(v)) out[k] = {{"na", true}};
    else out[k] = std::get<std::vector<std::string>>(v);
  }
  return out;
}

json item_result_json(const ItemResult& r) {
  json j = {{"item_id", r.item_id}, {"possible", r.possible}, {"earned", r.earned}, {"deduction", r.deduction},
            {"weight", r.weight}, {"reason", r.reason}, {"veto", r.veto}, {"na", r.na}, {"counted", r.counted}};
  return j;
}

json score_json(const ScoreResult& s) {
  json items = json::array();
  for (auto& i : s.items) items.push_back(item_result_json(i));
  return {{"score", s.score},   {"earned", s.earned},         {"possible", s.possible},
          {"scored", s.scored}, {"percentage", s.percentage}, {"vetoed", s.vetoed},
          {"veto_items", s.veto_items}, {"grade", s.grade}, {"items", items}};
}

}  // namespace manyi::forms
