#include "http/http.hpp"

#include <nlohmann/json.hpp>

namespace manyi::http {

std::string Request::cookie(const std::string& name) const {
  std::string c = header("cookie");
  size_t pos = 0;
  while (pos < c.size()) {
    size_t end = c.find(';', pos);
    if (end == std::string::npos) end = c.size();
    std::string_view part(c.data() + pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
    pos = end + 1;
  }
  return {};
}

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && i + 2 <= s.size() - 1 + 0 && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view qs) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= qs.size() && !qs.empty()) {
    size_t end = qs.find('&', pos);
    if (end == std::string_view::npos) end = qs.size();
    auto part = qs.substr(pos, end - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      if (eq == std::string_view::npos) out[url_decode(part)] = "";
      else out[url_decode(part.substr(0, eq))] = url_decode(part.substr(eq + 1));
    }
    if (end == qs.size()) break;
    pos = end + 1;
  }
  return out;
}

std::string error_body(const std::string& code, const std::string& message, const std::string& field) {
  nlohmann::json e = {{"code", code}, {"message", message}};
  if (!field.empty()) e["field"] = field;
  return nlohmann::json{{"error", e}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace manyi::http
