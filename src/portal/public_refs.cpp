// See public_refs.hpp.
#include "portal/public_refs.hpp"

#include <algorithm>
#include <cctype>

#include "core/id.hpp"

namespace manyi::portal {

// Codes are short printable identifiers; anything else is simply not found.
bool plausible_code(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::optional<NodeRef> node_by_code(store::Db& db, const std::string& code) {
  if (!plausible_code(code)) return std::nullopt;
  auto r = db.query("SELECT id, code, name, kind, path FROM org_nodes WHERE code = ? AND active = 1", {code});
  if (r.empty()) return std::nullopt;
  return NodeRef{r[0].i64(0), r[0].str(1), r[0].str(2), r[0].str(3), r[0].str(4)};
}

// The institution a node belongs to (itself when it is one): the deepest institution on its path.
std::optional<NodeRef> institution_of(store::Db& db, const NodeRef& n) {
  if (n.kind == "institution") return n;
  store::Params ids;
  std::string marks;
  size_t i = 1;
  while (i < n.path.size()) {
    size_t j = n.path.find('/', i);
    if (j == std::string::npos) break;
    int64_t id = parse_id(n.path.substr(i, j - i));
    if (id > 0) {
      ids.push_back(id);
      marks += marks.empty() ? "?" : ", ?";
    }
    i = j + 1;
  }
  if (ids.empty()) return std::nullopt;
  auto r = db.query("SELECT id, code, name, kind, path FROM org_nodes WHERE kind = 'institution' AND active = 1 AND id IN (" +
                        marks + ") ORDER BY depth DESC LIMIT 1",
                    ids);
  if (r.empty()) return std::nullopt;
  return NodeRef{r[0].i64(0), r[0].str(1), r[0].str(2), r[0].str(3), r[0].str(4)};
}

// A point in the link: an org node code, or a collection point's (QR) code.
std::optional<NodeRef> point_by_code(store::Db& db, const std::string& code) {
  if (auto n = node_by_code(db, code)) return n;
  if (!plausible_code(code)) return std::nullopt;
  auto r = db.query(
      "SELECT n.id, n.code, p.name, n.kind, n.path FROM collection_points p JOIN org_nodes n ON n.id = p.node_id "
      "WHERE p.code = ? AND p.active = 1 AND n.active = 1",
      {code});
  if (r.empty()) return std::nullopt;
  return NodeRef{r[0].i64(0), r[0].str(1), r[0].str(2), r[0].str(3), r[0].str(4)};
}


Target resolve_target(store::Db& db, const std::optional<std::string>& unit_code,
                      const std::optional<std::string>& point_code) {
  Target t;
  if (unit_code) {
    t.unit = node_by_code(db, *unit_code);
    if (t.unit && t.unit->kind != "institution") {
      t.point = t.unit;
      t.unit = institution_of(db, *t.unit);
    }
  }
  if (point_code) {
    if (auto n = point_by_code(db, *point_code)) {
      auto inst = institution_of(db, *n);
      // A point must lie inside the unit the link names.
      if (inst && (!t.unit || inst->id == t.unit->id)) {
        t.point = n;
        t.unit = inst;
      }
    }
  }
  return t;
}

}  // namespace manyi::portal
