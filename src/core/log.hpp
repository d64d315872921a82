// Log lines: one line per event, so journald and log shippers keep an event whole.
#pragma once
#include <string>

namespace manyi {

// Joins the lines of a message (a database error's DETAIL, HINT, CONTEXT …) with " | ".
inline std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  for (size_t i = 0; (i = s.find_first_of("\r\n", i)) != std::string::npos;) s.replace(i, 1, " | ");
  return s;
}

}  // namespace manyi
