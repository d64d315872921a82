// Inside the feedback domain only: small helpers the service's files share.
#pragma once
#include <cctype>
#include <cstdint>
#include <string>

#include "store/db.hpp"

namespace manyi::feedback::detail {

using store::id_or_null;

inline size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

// Point codes are case-insensitive: kept and looked up in upper case.
inline std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace manyi::feedback::detail
