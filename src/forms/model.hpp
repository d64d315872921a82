// Forms engine v1: one versioned, scored form model for satisfaction surveys, inspection
// checklists and evaluation scorecards. A definition has sections of items (5-level rating,
// single/multi choice, text, number); scored items carry points and weights; veto items
// (否决项) override the grade. Definitions are parsed from JSON (forms/json.hpp) and are
// immutable once published; a submission keeps the version it was made against.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace manyi::forms {

// The 5-level scale, 1 = 非常不满意 … 5 = 非常满意.
inline const std::vector<std::string> kLevels = {"非常不满意", "不满意", "基本满意", "满意", "非常满意"};
inline const std::vector<std::string> kItemTypes = {"rating", "single", "multi", "text", "number"};
inline const std::vector<std::string> kKinds = {"survey", "checklist", "scorecard"};

struct Option {
  std::string value, label;
  double points = 0;
  bool veto = false;  // choosing it vetoes the form
};

struct Item {
  std::string id, type, label, dimension;  // dimension: code from Definition::dimensions, or ""
  bool required = false;
  double points = 0;   // maximum points; 0 = not scored
  double weight = 1;
  std::vector<Option> options;              // single / multi
  int max_select = 0;                       // multi: 0 = any number
  size_t max_length = 500;                  // text
  double min = 0, max = 0;                  // number
  bool integer = false;                     // number: whole numbers only
  double deduct_per = 0;                    // number: points deducted per unit (扣分), capped at points
  int veto_at = 0;                          // rating: a level <= veto_at vetoes the form (0 = never)
  bool veto_if_zero = false;                // number with deduct_per: losing all points vetoes
};

struct Section {
  std::string id, title;
  double weight = 1;
  std::vector<Item> items;
};

struct Dimension {
  std::string code, name;
};

struct Grade {
  double min = 0;
  std::string label;
};

struct Scoring {
  double max_score = 100;
  bool normalize = true;                 // score = earned / possible * max_score; false = raw points
  bool unanswered_zero = false;          // unanswered scored items earn 0 (checklists) or are skipped (surveys)
  std::optional<double> veto_score;      // score forced by a veto (e.g. 0); nullopt = unchanged
  std::string veto_grade;                // grade forced by a veto (e.g. 较差)
  std::vector<Grade> grades;             // highest min first
};

struct Definition {
  std::string code, kind = "survey", name, description;
  std::string overall_label = "您对本次服务的总体评价";
  bool has_overall = true;               // surveys: the overall 5-level rating drives the figures
  int satisfied_min = 4;                 // 4: 满意 and 非常满意 count as satisfied; 3: 基本满意 too
  bool window = false;                   // window service (窗口): default target 85% instead of 90%
  std::vector<Dimension> dimensions;
  std::vector<Section> sections;
  Scoring scoring;

  const Item* item(const std::string& id) const;
  std::string dimension_name(const std::string& code) const;
  size_t item_count() const;
};

// An answer: rating/number as a number, single/text as a string, multi as a list.
using Answer = std::variant<double, std::string, std::vector<std::string>>;
using Answers = std::map<std::string, Answer>;

struct ScoreResult {
  double score = 0;      // normalised (or raw) score
  double earned = 0;     // weighted points earned
  double possible = 0;   // weighted points possible over the counted items
  bool scored = false;   // false when the form has no scored item answered
  bool vetoed = false;
  std::vector<std::string> veto_items;
  std::string grade;
};

// Scores answers that were validated against def (validate_answers).
ScoreResult score(const Definition& def, const Answers& answers);

// Checks answers against the definition: known item ids, values in range, required items.
// Throws manyi::Error (422) naming the field as "answers.<item id>".
void validate_answers(const Definition& def, const Answers& answers);

// Checks a definition for consistency (unique ids, known types and dimensions, options).
// Throws manyi::Error (422) with field "definition" and a message naming the item.
void validate_definition(const Definition& def);

// The (dimension, level) observations of a response: one per answered rating item with a
// dimension. Used by the satisfaction rollups.
std::vector<std::pair<std::string, int>> dimension_levels(const Definition& def, const Answers& answers);

}  // namespace manyi::forms
