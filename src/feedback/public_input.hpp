// A rating's body turned into a NewRating: the fields public intake (POST
// /api/v1/public/ratings) and console entry share, and the public-only ones (device, ticket,
// elapsed time, channel). Outside input: anything malformed is a 4xx naming the field. No
// database (the route looks the point up); fuzz/public_json_fuzz.cpp runs it.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "feedback/model.hpp"

namespace manyi::feedback {

// 8–64 letters, digits, '-' or '_'.
bool valid_device(const std::string& d);
// overall, answers (against the point's form), comment (trimmed), phone (normalised).
NewRating parse_rating(const nlohmann::json& j, const forms::Definition& def);
// parse_rating plus device, elapsed_ms, ticket and channel (qr unless web).
NewRating parse_public_rating(const nlohmann::json& j, const forms::Definition& def);

}  // namespace manyi::feedback
