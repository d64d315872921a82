// Look-ups the public pages and the public intake share: org nodes and collection points by
// their printed codes (QR links carry codes, never ids), and the institution a node belongs to.
#pragma once
#include <optional>
#include <string>

#include "store/db.hpp"

namespace manyi::portal {

struct NodeRef {
  int64_t id = 0;
  std::string code, name, kind, path;
};

// Codes are short printable identifiers; anything else is simply not found.
bool plausible_code(const std::string& s);
// An active org node by its code.
std::optional<NodeRef> node_by_code(store::Db& db, const std::string& code);
// The institution a node belongs to (itself when it is one): the deepest institution on its path.
std::optional<NodeRef> institution_of(store::Db& db, const NodeRef& n);
// A point in a link: an org node code, or a collection point's (QR) code.
std::optional<NodeRef> point_by_code(store::Db& db, const std::string& code);

// What a public link or submission names: `unit` (an org node code; a department's code counts
// as its point) and `point` (an org node or collection-point code inside that unit). `unit` is
// the institution, `point` the node named as the point (the institution itself when the point
// code names it).
struct Target {
  std::optional<NodeRef> unit, point;
};
Target resolve_target(store::Db& db, const std::optional<std::string>& unit_code,
                      const std::optional<std::string>& point_code);

}  // namespace manyi::portal
