// JSON form of definitions and answers (nlohmann). Included by .cpp files only.
#pragma once
#include "core/json.hpp"
#include "forms/model.hpp"

namespace manyi::forms {

// Parses and validates a definition; throws manyi::Error (422, field "definition").
Definition parse_definition(const json& j);
Definition parse_definition_text(const std::string& text);
json definition_json(const Definition& d);

// Parses answers {"<item id>": value}; types are checked against def; throws 422 naming
// "answers.<id>". Then validate_answers applies the ranges and required items.
Answers parse_answers(const Definition& def, const json& j);
json answers_json(const Answers& a);

// A score with its per-item results: {score, earned, possible, scored, percentage, vetoed,
// veto_items, grade, items: [{item_id, possible, earned, deduction, weight, reason, veto, na, counted}]}.
json score_json(const ScoreResult& s);

// Parses per-item notes {"<item id>": "note"} (blank notes dropped); throws 422 naming
// "notes.<id>" for an unknown item, bad text or more than 1000 characters. (responses.cpp)
std::map<std::string, std::string> parse_notes(const Definition& def, const json& j);

}  // namespace manyi::forms
