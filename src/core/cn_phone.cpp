#include "core/cn_phone.hpp"

#include <regex>

namespace manyi::cn_phone {

Phone parse(const std::string& text) {
  // Keep digits and the separators that split area code, number and extension.
  std::string t;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') t += c;
    else if (c == '-' || c == '(' || c == ')' || c == '+') t += c;
    else if (c == ' ' || c == '\t') continue;
    else if (text.compare(i, 3, "\xE8\xBD\xAC") == 0) {  // 转 (extension)
      t += 'x';
      i += 2;
    } else if (c == 'x' || c == 'X') t += 'x';
    else if (text.compare(i, 3, "\xEF\xBC\x8D") == 0) {  // full-width hyphen
      t += '-';
      i += 2;
    } else return {};
  }
  if (t.size() > 40) return {};
  static const std::regex mobile(R"(^(?:\+?86|0086)?-?(1[3-9]\d{9})$)");
  static const std::regex landline(R"(^(?:\+?86-?)?\(?(0\d{2,3})\)?-?([2-9]\d{6,7})(?:[-x](\d{1,6}))?$)");
  std::smatch m;
  std::string bare;  // a mobile's digits may be grouped any way: 138-0000-1111, (+86) 138 …
  for (char c : t)
    if (c != '-' && c != '(' && c != ')') bare += c;
  if (std::regex_match(bare, m, mobile)) return {Kind::mobile, m[1].str()};
  if (std::regex_match(t, m, landline)) {
    std::string n = m[1].str() + "-" + m[2].str();
    if (m[3].matched) n += "-" + m[3].str();
    return {Kind::landline, n};
  }
  return {};
}

}  // namespace manyi::cn_phone
