// What the public sends about cases, turned into input structs: the complaint form's body
// (POST /api/v1/public/cases), the reply rating (POST …/{code}/callback) and the 查询码 a
// tracking lookup names. Outside input: anything malformed is a 4xx naming the field. No
// database here (the routes resolve the unit and point codes); fuzz/public_json_fuzz.cpp runs it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cases/intake.hpp"

namespace manyi::cases {

// Case types the public may submit.
const std::vector<std::string>& public_types();

struct PublicCase {
  NewCase in;  // type, channel, content, category, complainant name and phone (normalised)
  std::optional<std::string> unit, point;  // codes the case is about (the route resolves them)
  int64_t node_id = 0;                     // or the node id itself, when neither code is given
};
PublicCase parse_public_case(const std::string& body);

struct PublicCallback {
  std::string result, comment, phone_last4;
};
// phone_last4 from the body, else from the query string.
PublicCallback parse_public_callback(const std::string& body, const std::string& query_last4);

// A 查询码 as typed ("ab12-cd34 56"): separators dropped, upper case ("AB12CD3456").
std::string normalise_tracking_code(const std::string& code);

}  // namespace manyi::cases
