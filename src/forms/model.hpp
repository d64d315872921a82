// Forms engine: one versioned, scored form model for satisfaction surveys, inspection
// checklists and evaluation scorecards. A definition has sections of items (5-level rating,
// single/multi choice, text, number); scored items carry points and weights; number items
// with deduct_per deduct per occurrence (扣分), capped at deduct_cap or the item's points;
// items marked na_allowed may be answered 不适用 (excluded from the maximum); veto items
// (否决项) force the score or the grade. score() returns the total and a result per item.
// Definitions are parsed from JSON (forms/json.hpp) and are immutable once published; a
// submission keeps the version it was made against.
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
  double deduct_cap = 0;                    // number: most points deducted (0 = the item's points)
  bool na_allowed = false;                  // may be answered 不适用 (NotApplicable)
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
  bool veto_caps_grade = false;          // true: a veto caps the grade at veto_grade (a worse grade stays)
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

// 不适用: the item does not apply here (only on items with na_allowed); JSON {"na": true}.
struct NotApplicable {
  bool operator==(const NotApplicable&) const = default;
};

// An answer: rating/number as a number, single/text as a string, multi as a list, or 不适用.
using Answer = std::variant<double, std::string, std::vector<std::string>, NotApplicable>;
using Answers = std::map<std::string, Answer>;

// How one item scored. Points are the item's own (before section and item weights); weight is
// their product, so the totals are sums of weight × earned and weight × possible over counted items.
struct ItemResult {
  std::string item_id;
  double possible = 0;   // the item's maximum points (0 when not scored)
  double earned = 0;     // points earned (possible - deduction for deduction items)
  double deduction = 0;  // points lost (possible - earned) when counted
  double weight = 1;     // section weight × item weight
  std::string reason;    // why, in Chinese: "扣 2 分 × 3 处，封顶 5 分", "不适用，不计入满分"…
  bool veto = false;     // this item vetoed the form
  bool na = false;       // answered 不适用
  bool counted = false;  // part of the total (scored and answered, or unanswered with unanswered_zero)
};

struct ScoreResult {
  double score = 0;      // normalised (or raw) score
  double earned = 0;     // weighted points earned
  double possible = 0;   // weighted points possible over the counted items
  bool scored = false;   // false when the form has no scored item answered
  bool vetoed = false;
  std::vector<std::string> veto_items;
  std::string grade;
  std::vector<ItemResult> items;  // one per item of the definition, in order
  double percentage = 0;          // earned / possible × 100 (0 when nothing counted), 2 decimals
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
