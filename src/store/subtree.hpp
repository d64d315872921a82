// Org subtrees in SQL: every node's materialised path ("/1/4/9/") starts with its ancestors'
// paths, so "in the subtree of P" is the range [P, P with its last '/' raised to '0'). Used by
// every query that keeps to a user's granted scope or a chosen node.
#pragma once
#include <string>
#include <vector>

#include "core/org_path.hpp"

namespace manyi::store {

// The first string after every path with this prefix (paths end with '/'; '0' follows '/').
inline std::string subtree_upper(const std::string& path) { return org::Path(path).upper(); }

// SQL condition restricting a path column to any of the given subtrees, e.g.
// "((n.path >= ? AND n.path < ?) OR …)"; appends the bounds to params. "1=0" when empty.
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

}  // namespace manyi::store
