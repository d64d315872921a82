// Request-body validation helpers: every failure is an Error naming the field, so a bad
// request never reaches the domain half-parsed. Included by routes.cpp files only (keeps
// nlohmann out of the widely included headers).
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace manyi {
using json = nlohmann::json;

namespace jv {
// Parses a request body that must be one JSON object.
json parse_object(const std::string& body);
// Checks text is valid UTF-8 without control characters other than \n \r \t.
bool valid_text(const std::string& s);

std::string req_str(const json& j, const char* field, size_t max_len = 200);
std::optional<std::string> opt_str(const json& j, const char* field, size_t max_len = 200);
int64_t req_int(const json& j, const char* field, int64_t min, int64_t max);
std::optional<int64_t> opt_int(const json& j, const char* field, int64_t min, int64_t max);
std::optional<double> opt_num(const json& j, const char* field, double min, double max);
std::optional<bool> opt_bool(const json& j, const char* field);
// Ids travel as JSON strings (64-bit would lose precision in JavaScript); numbers are accepted.
int64_t req_id(const json& j, const char* field);
std::optional<int64_t> opt_id(const json& j, const char* field);
// One of the allowed values.
std::string req_enum(const json& j, const char* field, const std::vector<std::string>& allowed);
std::optional<std::string> opt_enum(const json& j, const char* field, const std::vector<std::string>& allowed);
}  // namespace jv

// The first max_bytes bytes of s, cut back to a UTF-8 character boundary (never splits a character).
std::string utf8_prefix(const std::string& s, size_t max_bytes);
// Outside text kept for information (a User-Agent header): bytes that are not UTF-8 and control
// characters dropped, then utf8_prefix. PostgreSQL refuses text that is not UTF-8.
std::string storable_text(const std::string& s, size_t max_bytes);

inline std::string id_str(int64_t id) { return std::to_string(id); }
inline json id_json(int64_t id) { return id ? json(std::to_string(id)) : json(nullptr); }

}  // namespace manyi
