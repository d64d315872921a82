// org::Path — a node's materialised path in the org tree, "/1/4/9/": the ids from the root down
// to the node, each followed by '/'. Every node's path starts with its ancestors' paths, so "in
// the subtree of P" is a prefix test in memory and a range [P, P.upper()) in SQL
// (store/subtree.hpp). A value type with no dependencies, so every layer (http's scope checks,
// store's subtree conditions, org, the domains) reads paths the same way.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace manyi::org {

class Path {
 public:
  Path() = default;
  explicit Path(std::string s) : s_(std::move(s)) {}

  const std::string& str() const { return s_; }
  bool empty() const { return s_.empty(); }

  // The ids on the path, root first.
  std::vector<int64_t> ids() const {
    std::vector<int64_t> out;
    int64_t v = 0;
    bool any = false;
    for (size_t i = 1; i < s_.size(); ++i) {
      char ch = s_[i];
      if (ch == '/') {
        if (any) out.push_back(v);
        v = 0;
        any = false;
      } else if (ch >= '0' && ch <= '9') {
        v = v * 10 + (ch - '0');
        any = true;
      } else {
        return {};  // not a path
      }
    }
    return out;
  }
  size_t depth() const { return ids().size(); }
  // The node's own id (the last on the path), 0 for an empty path.
  int64_t id() const {
    auto v = ids();
    return v.empty() ? 0 : v.back();
  }
  // The parent's path; empty for the root or an empty path.
  Path parent() const {
    if (s_.size() < 2) return {};
    auto p = s_.rfind('/', s_.size() - 2);
    return p == std::string::npos || p == 0 ? Path() : Path(s_.substr(0, p + 1));
  }
  int64_t parent_id() const {
    auto v = ids();
    return v.size() >= 2 ? v[v.size() - 2] : 0;
  }
  // The path of the ancestor (or the node itself) with this id; empty when it is not on the path.
  Path upto(int64_t node_id) const {
    std::string needle = "/" + std::to_string(node_id) + "/";
    auto p = s_.find(needle);
    return p == std::string::npos ? Path() : Path(s_.substr(0, p + needle.size()));
  }
  // The path of the first node below `ancestor` on the way to this node (the child of the
  // ancestor this node lies under); empty when this is not strictly below the ancestor.
  Path child_below(const Path& ancestor) const {
    if (!strictly_within(ancestor)) return {};
    auto end = s_.find('/', ancestor.s_.size());
    return Path(s_.substr(0, end + 1));
  }
  // In the subtree of `ancestor` (the node itself included).
  bool within(const Path& ancestor) const { return !ancestor.empty() && s_.compare(0, ancestor.s_.size(), ancestor.s_) == 0; }
  bool within(std::string_view ancestor) const { return !ancestor.empty() && std::string_view(s_).substr(0, ancestor.size()) == ancestor; }
  bool strictly_within(const Path& ancestor) const { return s_.size() > ancestor.s_.size() && within(ancestor); }
  // The exclusive upper end of the subtree's range: the last '/' raised to '0'.
  std::string upper() const {
    std::string u = s_;
    if (!u.empty()) u.back() = '0';
    return u;
  }

  bool operator==(const Path& o) const { return s_ == o.s_; }
  bool operator<(const Path& o) const { return s_ < o.s_; }

 private:
  std::string s_;
};

}  // namespace manyi::org
