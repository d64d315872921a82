// Template part of router.hpp.
#pragma once
#include <string>
#include <vector>

namespace manyi::http {
template <class Params>
std::string subtree_condition(const std::string& column, const std::vector<std::string>& paths, Params& params) {
  if (paths.empty()) return "1=0";
  std::string out = "(";
  for (size_t i = 0; i < paths.size(); ++i) {
    if (i) out += " OR ";
    out += "(" + column + " >= ? AND " + column + " < ?)";
    params.push_back(paths[i]);
    params.push_back(subtree_upper(paths[i]));
  }
  return out + ")";
}
}  // namespace manyi::http
