#include "forms/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.hpp"
#include "core/json.hpp"

namespace manyi::forms {

const Item* Definition::item(const std::string& id) const {
  for (auto& s : sections)
    for (auto& i : s.items)
      if (i.id == id) return &i;
  return nullptr;
}

std::string Definition::dimension_name(const std::string& code) const {
  if (code == "overall") return "总体评价";
  for (auto& d : dimensions)
    if (d.code == code) return d.name;
  return code;
}

size_t Definition::item_count() const {
  size_t n = 0;
  for (auto& s : sections) n += s.items.size();
  return n;
}

namespace {

Error def_error(const std::string& msg) { return invalid("definition", msg); }

bool valid_code(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

double option_points(const Item& it, const std::string& v) {
  for (auto& o : it.options)
    if (o.value == v) return o.points;
  return 0;
}

// Maximum points an item can earn.
double item_max(const Item& it) {
  if (it.points > 0) return it.points;
  if (it.type == "single") {
    double m = 0;
    for (auto& o : it.options) m = std::max(m, o.points);
    return m;
  }
  if (it.type == "multi") {
    double m = 0;
    for (auto& o : it.options) m += std::max(0.0, o.points);
    return m;
  }
  return 0;
}

}  // namespace

void validate_definition(const Definition& d) {
  if (d.name.empty()) throw def_error("the form needs a name");
  if (std::find(kKinds.begin(), kKinds.end(), d.kind) == kKinds.end())
    throw def_error("kind must be survey, checklist or scorecard");
  if (d.satisfied_min < 3 || d.satisfied_min > 5) throw def_error("satisfied_min must be 3, 4 or 5");
  std::set<std::string> dims;
  for (auto& dm : d.dimensions) {
    if (!valid_code(dm.code) || dm.code == "overall") throw def_error("dimension code '" + dm.code + "' is not valid");
    if (dm.name.empty()) throw def_error("dimension " + dm.code + " needs a name");
    if (!dims.insert(dm.code).second) throw def_error("dimension " + dm.code + " appears twice");
  }
  if (d.sections.empty() && !d.has_overall) throw def_error("the form has no items");
  std::set<std::string> ids, sids;
  size_t items = 0;
  for (auto& s : d.sections) {
    if (!valid_code(s.id)) throw def_error("section id '" + s.id + "' is not valid (letters, digits, _ and -)");
    if (!sids.insert(s.id).second) throw def_error("section id " + s.id + " appears twice");
    if (!(s.weight >= 0) || s.weight > 1000) throw def_error("section " + s.id + ": weight must be 0…1000");
    for (auto& it : s.items) {
      ++items;
      std::string where = "item " + it.id;
      if (!valid_code(it.id)) throw def_error("item id '" + it.id + "' is not valid (letters, digits, _ and -)");
      if (!ids.insert(it.id).second) throw def_error("item id " + it.id + " appears twice");
      if (std::find(kItemTypes.begin(), kItemTypes.end(), it.type) == kItemTypes.end())
        throw def_error(where + ": unknown type '" + it.type + "'");
      if (it.label.empty()) throw def_error(where + " needs a label");
      if (!it.dimension.empty() && !dims.count(it.dimension))
        throw def_error(where + ": dimension " + it.dimension + " is not declared");
      if (!it.dimension.empty() && it.type != "rating") throw def_error(where + ": only rating items carry a dimension");
      if (!(it.points >= 0) || it.points > 10000) throw def_error(where + ": points must be 0…10000");
      if (!(it.weight >= 0) || it.weight > 1000) throw def_error(where + ": weight must be 0…1000");
      if (it.type == "single" || it.type == "multi") {
        if (it.options.empty() || it.options.size() > 50) throw def_error(where + ": needs 1…50 options");
        std::set<std::string> vals;
        for (auto& o : it.options) {
          if (o.value.empty() || o.label.empty()) throw def_error(where + ": every option needs a value and a label");
          if (!vals.insert(o.value).second) throw def_error(where + ": option " + o.value + " appears twice");
        }
        if (it.max_select < 0 || it.max_select > static_cast<int>(it.options.size()))
          throw def_error(where + ": max_select is out of range");
      }
      if (it.type == "number") {
        if (!(it.max >= it.min)) throw def_error(where + ": max must not be below min");
        if (it.deduct_per < 0) throw def_error(where + ": deduct_per must not be negative");
        if (it.deduct_per > 0 && it.points <= 0) throw def_error(where + ": a deduction item needs points");
        if (!(it.deduct_cap >= 0) || it.deduct_cap > it.points) throw def_error(where + ": deduct_cap must be 0…points");
      }
      if (it.type == "text" && (it.max_length < 1 || it.max_length > 5000))
        throw def_error(where + ": max_length must be 1…5000");
      if (it.type == "rating" && (it.veto_at < 0 || it.veto_at > 4)) throw def_error(where + ": veto_at must be 0…4");
    }
  }
  if (items > 200) throw def_error("a form has at most 200 items");
  double prev = 1e18;
  for (auto& g : d.scoring.grades) {
    if (g.label.empty()) throw def_error("every grade needs a label");
    if (g.min > prev) throw def_error("grades must be listed from the highest minimum down");
    prev = g.min;
  }
  if (!(d.scoring.max_score > 0)) throw def_error("max_score must be positive");
  if (d.scoring.veto_caps_grade) {
    bool known = false;
    for (auto& g : d.scoring.grades) known |= g.label == d.scoring.veto_grade;
    if (!known) throw def_error("veto_grade must be one of the grades when a veto caps the grade");
  }
}

void validate_answers(const Definition& d, const Answers& a) {
  for (auto& [id, v] : a) {
    const Item* it = d.item(id);
    std::string field = "answers." + id;
    if (!it) throw invalid(field, "no such item in this form");
    if (std::holds_alternative<NotApplicable>(v)) {
      if (!it->na_allowed) throw invalid(field, "this item cannot be answered 不适用 (not applicable)");
      continue;
    }
    if (it->type == "rating") {
      auto p = std::get_if<double>(&v);
      if (!p || *p != std::floor(*p) || *p < 1 || *p > 5) throw invalid(field, "a rating is a whole number 1…5");
    } else if (it->type == "number") {
      auto p = std::get_if<double>(&v);
      if (!p || !std::isfinite(*p)) throw invalid(field, "a number is expected");
      if (*p < it->min || *p > it->max)
        throw invalid(field, fmt::format("the number must be between {} and {}", it->min, it->max));
      if (it->integer && *p != std::floor(*p)) throw invalid(field, "a whole number is expected");
    } else if (it->type == "single") {
      auto p = std::get_if<std::string>(&v);
      if (!p) throw invalid(field, "one option value is expected");
      bool ok = false;
      for (auto& o : it->options) ok |= o.value == *p;
      if (!ok) throw invalid(field, "not one of the options");
    } else if (it->type == "multi") {
      auto p = std::get_if<std::vector<std::string>>(&v);
      if (!p) throw invalid(field, "a list of option values is expected");
      std::set<std::string> seen;
      for (auto& s : *p) {
        bool ok = false;
        for (auto& o : it->options) ok |= o.value == s;
        if (!ok) throw invalid(field, "'" + utf8_prefix(s, 40) + "' is not one of the options");
        if (!seen.insert(s).second) throw invalid(field, "an option is chosen twice");
      }
      if (it->max_select && static_cast<int>(p->size()) > it->max_select)
        throw invalid(field, fmt::format("choose at most {}", it->max_select));
    } else if (it->type == "text") {
      auto p = std::get_if<std::string>(&v);
      if (!p) throw invalid(field, "text is expected");
      if (!jv::valid_text(*p)) throw invalid(field, "the text contains invalid characters");
      size_t chars = 0;
      for (unsigned char c : *p) chars += (c & 0xc0) != 0x80;
      if (chars > it->max_length) throw invalid(field, fmt::format("at most {} characters", it->max_length));
    }
  }
  for (auto& s : d.sections)
    for (auto& it : s.items)
      if (it.required && !a.count(it.id)) throw invalid("answers." + it.id, "this item must be answered");
}

namespace {

std::string pts(double v) { return fmt::format("{}", std::round(v * 100) / 100); }

const std::string* option_label(const Item& it, const std::string& v) {
  for (auto& o : it.options)
    if (o.value == v) return &o.label;
  return nullptr;
}

// Whether the answer picks a veto option or a rating at or below veto_at.
bool answer_vetoes(const Item& it, const Answer& v) {
  if (it.type == "rating" && it.veto_at > 0) return std::get<double>(v) <= it.veto_at;
  bool veto = false;
  if (it.type == "single")
    for (auto& o : it.options) veto |= o.veto && o.value == std::get<std::string>(v);
  if (it.type == "multi")
    for (auto& sel : std::get<std::vector<std::string>>(v))
      for (auto& o : it.options) veto |= o.veto && o.value == sel;
  return veto;
}

// Points earned by an answered scored item, and why points were lost.
double earned_points(const Item& it, const Answer& v, double max, std::string& why) {
  if (it.type == "rating") {
    int level = static_cast<int>(std::get<double>(v));
    why = fmt::format("评价“{}”", kLevels[static_cast<size_t>(level - 1)]);
    return (std::get<double>(v) - 1) / 4.0 * max;
  }
  if (it.type == "single") {
    auto& val = std::get<std::string>(v);
    auto label = option_label(it, val);
    why = fmt::format("选择“{}”", label ? *label : val);
    return option_points(it, val);
  }
  if (it.type == "multi") {
    double e = 0;
    std::string names;
    for (auto& sel : std::get<std::vector<std::string>>(v)) {
      e += option_points(it, sel);
      auto label = option_label(it, sel);
      names += (names.empty() ? "" : "、") + (label ? *label : sel);
    }
    why = names.empty() ? "未选择任何选项" : fmt::format("选择“{}”", names);
    return e;
  }
  // number with deduct_per: per occurrence, capped at deduct_cap (or the item's points)
  double n = std::get<double>(v);
  double cap = it.deduct_cap > 0 ? std::min(it.deduct_cap, max) : max;
  double raw = n * it.deduct_per;
  why = n == 0 ? "无扣分" : fmt::format("扣 {} 分 × {} 处", pts(it.deduct_per), pts(n));
  if (raw > cap) why += fmt::format("，封顶 {} 分", pts(cap));
  return max - std::min(raw, cap);
}

}  // namespace

ScoreResult score(const Definition& d, const Answers& a) {
  ScoreResult r;
  for (auto& s : d.sections) {
    for (auto& it : s.items) {
      auto found = a.find(it.id);
      const Answer* v = found == a.end() ? nullptr : &found->second;
      ItemResult ir;
      ir.item_id = it.id;
      ir.weight = s.weight * it.weight;
      bool na = v && std::holds_alternative<NotApplicable>(*v);
      // Veto items fire whether or not the item is scored.
      if (v && !na && answer_vetoes(it, *v)) {
        r.vetoed = true;
        r.veto_items.push_back(it.id);
        ir.veto = true;
      }
      double max = item_max(it);
      bool scored = !(max <= 0 || it.type == "text" || (it.type == "number" && it.deduct_per <= 0));
      if (scored) ir.possible = max;
      if (na) {
        ir.na = true;
        ir.reason = "不适用，不计入满分";
      } else if (scored && !v) {
        if (d.scoring.unanswered_zero) {
          r.possible += ir.weight * max;
          ir.counted = true;
          ir.deduction = max;
          ir.reason = "未作答，计 0 分";
        } else {
          ir.reason = "未作答，不计分";
        }
      } else if (scored) {
        std::string why;
        double earned = earned_points(it, *v, max, why);
        if (it.type == "number" && earned <= 0 && it.veto_if_zero) {
          r.vetoed = true;
          r.veto_items.push_back(it.id);
          ir.veto = true;
        }
        earned = std::clamp(earned, 0.0, max);
        r.earned += ir.weight * earned;
        r.possible += ir.weight * max;
        r.scored = true;
        ir.earned = earned;
        ir.deduction = max - earned;
        ir.counted = true;
        ir.reason = it.type == "number" ? why
                    : ir.deduction > 0 ? fmt::format("{}，扣 {} 分", why, pts(ir.deduction))
                                       : fmt::format("{}，得满分", why);
      }
      if (ir.veto) ir.reason += ir.reason.empty() ? "否决项" : "；否决项";
      r.items.push_back(std::move(ir));
    }
  }
  if (r.possible > 0) r.scored = true;
  if (d.scoring.normalize) r.score = r.possible > 0 ? r.earned / r.possible * d.scoring.max_score : 0;
  else r.score = r.earned;
  r.score = std::round(r.score * 100) / 100;
  r.percentage = r.possible > 0 ? std::round(r.earned / r.possible * 10000) / 100 : 0;
  if (r.vetoed && d.scoring.veto_score) r.score = *d.scoring.veto_score;
  size_t rank = d.scoring.grades.size();
  for (size_t i = 0; i < d.scoring.grades.size(); ++i)
    if (r.score >= d.scoring.grades[i].min) {
      rank = i;
      break;
    }
  if (d.scoring.grades.size() && rank == d.scoring.grades.size()) rank = d.scoring.grades.size() - 1;
  if (rank < d.scoring.grades.size()) r.grade = d.scoring.grades[rank].label;
  if (r.vetoed && !d.scoring.veto_grade.empty()) {
    if (!d.scoring.veto_caps_grade) r.grade = d.scoring.veto_grade;
    else
      for (size_t i = 0; i < d.scoring.grades.size(); ++i)
        if (d.scoring.grades[i].label == d.scoring.veto_grade) {
          if (rank < i) r.grade = d.scoring.veto_grade;  // a better grade is capped; a worse one stays
          break;
        }
  }
  return r;
}

std::vector<std::pair<std::string, int>> dimension_levels(const Definition& d, const Answers& a) {
  std::vector<std::pair<std::string, int>> out;
  for (auto& s : d.sections)
    for (auto& it : s.items) {
      if (it.type != "rating" || it.dimension.empty()) continue;
      auto f = a.find(it.id);
      if (f == a.end()) continue;
      out.emplace_back(it.dimension, static_cast<int>(std::get<double>(f->second)));
    }
  return out;
}

}  // namespace manyi::forms
