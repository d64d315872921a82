#include "http/download.hpp"

#include <fmt/format.h>

#include <cctype>
#include <string_view>

namespace manyi::http {

std::string attachment_disposition(const std::string& name, const std::string& ascii_fallback) {
  std::string ascii, encoded;
  for (unsigned char c : name) {
    ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || std::string_view("-._~").find(static_cast<char>(c)) != std::string_view::npos)
      encoded += static_cast<char>(c);
    else
      encoded += fmt::format("%{:02X}", c);
  }
  std::string fallback;
  if (!ascii_fallback.empty()) {
    for (unsigned char c : ascii_fallback)
      fallback += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
  } else {
    // Collapse the runs of '_' left by multi-byte characters.
    for (char c : ascii)
      if (!(c == '_' && !fallback.empty() && fallback.back() == '_')) fallback += c;
  }
  return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
}

namespace {
std::string clean(const std::string& part) {
  std::string s = part;
  for (size_t at; (at = s.find(" ~ ")) != std::string::npos;) s.replace(at, 3, "至");
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || std::string_view("/\\:*?\"<>|").find(static_cast<char>(c)) != std::string_view::npos)
      out += '_';
    else if (c == ' ')
      out += '_';
    else
      out += static_cast<char>(c);
  }
  return out;
}
}  // namespace

std::string export_file_name(const std::string& unit, const std::string& what, const std::string& period,
                             const std::string& ext) {
  std::string name;
  for (const std::string* part : {&unit, &what, &period}) {
    std::string p = clean(*part);
    if (p.empty()) continue;
    if (!name.empty()) name += '_';
    name += p;
  }
  return name + "." + ext;
}

std::string export_ascii_name(const std::string& what_ascii, const std::string& period, const std::string& ext) {
  std::string p;
  for (unsigned char c : clean(period))
    if (std::isalnum(c) || c == '-' || c == '_') p += static_cast<char>(c);
    else if (c >= 0x80 && (p.empty() || p.back() != '_')) p += '_';
  while (!p.empty() && p.back() == '_') p.pop_back();
  while (!p.empty() && p.front() == '_') p.erase(0, 1);
  return what_ascii + (p.empty() ? "" : "_" + p) + "." + ext;
}

}  // namespace manyi::http
