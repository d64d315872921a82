#include "core/json.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/id.hpp"

namespace manyi {
std::string utf8_prefix(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;  // s[n] starts the cut-off character
  return s.substr(0, n);
}

std::string storable_text(const std::string& s, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(s.size(), max_bytes + 4));
  for (size_t i = 0; i < s.size() && out.size() <= max_bytes;) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    std::string ch = len && i + len <= s.size() ? s.substr(i, len) : std::string();
    if (!ch.empty() && jv::valid_text(ch) && ch != "\n" && ch != "\r" && ch != "\t") {
      out += ch;
      i += len;
    } else {
      ++i;  // a stray byte or a control character: dropped
    }
  }
  return utf8_prefix(out, max_bytes);
}
}  // namespace manyi

namespace manyi::jv {

json parse_object(const std::string& body) {
  if (body.empty()) throw bad_request("empty_body", "request body is empty; a JSON object is expected");
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) throw bad_request("malformed_json", "request body is not valid JSON (or not valid UTF-8)");
  if (!j.is_object()) throw bad_request("malformed_json", "request body must be a JSON object");
  return j;
}

bool valid_text(const std::string& s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
      if (c == 0x7f) return false;
      ++i;
      continue;
    }
    int len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (!len || i + len > n) return false;
    uint32_t cp = c & (0xff >> (len + 1));
    for (int k = 1; k < len; ++k) {
      unsigned char cc = s[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

static size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

std::optional<std::string> opt_str(const json& j, const char* field, size_t max_len) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw invalid(field, fmt::format("{} must be a string", field));
  std::string s = it->get<std::string>();
  if (!valid_text(s)) throw invalid(field, fmt::format("{} contains invalid characters", field));
  if (utf8_length(s) > max_len) throw invalid(field, fmt::format("{} is longer than {} characters", field, max_len));
  return s;
}

std::string req_str(const json& j, const char* field, size_t max_len) {
  auto s = opt_str(j, field, max_len);
  if (!s) throw invalid(field, fmt::format("{} is required", field));
  auto first = s->find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw invalid(field, fmt::format("{} must not be empty", field));
  return *s;
}

std::optional<int64_t> opt_int(const json& j, const char* field, int64_t min, int64_t max) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) throw invalid(field, fmt::format("{} must be an integer", field));
  int64_t v = it->get<int64_t>();
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    throw invalid(field, fmt::format("{} is out of range", field));
  if (v < min || v > max) throw invalid(field, fmt::format("{} must be between {} and {}", field, min, max));
  return v;
}

int64_t req_int(const json& j, const char* field, int64_t min, int64_t max) {
  auto v = opt_int(j, field, min, max);
  if (!v) throw invalid(field, fmt::format("{} is required", field));
  return *v;
}

std::optional<double> opt_num(const json& j, const char* field, double min, double max) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw invalid(field, fmt::format("{} must be a number", field));
  double v = it->get<double>();
  if (!(v >= min && v <= max)) throw invalid(field, fmt::format("{} must be between {} and {}", field, min, max));
  return v;
}

std::optional<bool> opt_bool(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) throw invalid(field, fmt::format("{} must be true or false", field));
  return it->get<bool>();
}

std::optional<int64_t> opt_id(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  int64_t v = 0;
  if (it->is_string()) v = parse_id(it->get<std::string>());
  else if (it->is_number_integer() && !it->is_number_unsigned()) v = it->get<int64_t>();
  else if (it->is_number_unsigned() && it->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) v = it->get<int64_t>();
  if (v <= 0) throw invalid(field, fmt::format("{} must be an id", field));
  return v;
}

int64_t req_id(const json& j, const char* field) {
  auto v = opt_id(j, field);
  if (!v) throw invalid(field, fmt::format("{} is required", field));
  return *v;
}

std::optional<std::string> opt_enum(const json& j, const char* field, const std::vector<std::string>& allowed) {
  auto s = opt_str(j, field, 64);
  if (!s) return s;
  for (auto& a : allowed)
    if (a == *s) return s;
  throw invalid(field, fmt::format("{} must be one of: {}", field, fmt::join(allowed, ", ")));
}

std::string req_enum(const json& j, const char* field, const std::vector<std::string>& allowed) {
  auto s = opt_enum(j, field, allowed);
  if (!s) throw invalid(field, fmt::format("{} is required", field));
  return *s;
}

}  // namespace manyi::jv
