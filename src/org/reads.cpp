#include "org/reads.hpp"

#include "org/roles.hpp"

namespace manyi::org {

namespace {
const char* kCols = "SELECT id, path, kind, name, code, active FROM org_nodes ";

NodeRef ref_of(const store::Row& r) {
  return NodeRef{r.i64(0), Path(r.str(1)), r.str(2), r.str(3), r.str(4), r.i64(5) != 0};
}
template <class Source>
std::optional<NodeRef> first(Source& src, const std::string& sql, const store::Params& p) {
  auto r = src.query(sql, p);
  if (r.empty()) return std::nullopt;
  return ref_of(r[0]);
}
template <class Source>
std::optional<NodeRef> node_in(Source& src, int64_t id) {
  return first(src, std::string(kCols) + "WHERE id = ?", {id});
}
template <class Source>
std::optional<NodeRef> root_in(Source& src) {
  return first(src, std::string(kCols) + "WHERE parent_id IS NULL ORDER BY id LIMIT 1", {});
}
}  // namespace

std::optional<NodeRef> node_at(store::Tx& tx, int64_t id) { return node_in(tx, id); }
std::optional<NodeRef> node_at(store::Db& db, int64_t id) { return node_in(db, id); }
std::optional<NodeRef> root(store::Tx& tx) { return root_in(tx); }
std::optional<NodeRef> root(store::Db& db) { return root_in(db); }

std::vector<NodeRef> nodes_at(store::Tx& tx, const std::vector<int64_t>& ids) {
  std::vector<NodeRef> out;
  if (ids.empty()) return out;
  std::string in;
  store::Params p;
  for (auto id : ids) {
    in += in.empty() ? "?" : ", ?";
    p.push_back(id);
  }
  for (auto& r : tx.query(std::string(kCols) + "WHERE id IN (" + in + ")", p)) out.push_back(ref_of(r));
  return out;
}

std::optional<NodeRef> institution_of(store::Tx& tx, const Path& path) {
  std::optional<NodeRef> best;
  for (auto& n : nodes_at(tx, path.ids()))
    if (n.kind == "institution" && path.within(n.path) && (!best || n.path.str().size() > best->path.str().size()))
      best = n;
  return best;
}

Holder holder_on(store::Tx& tx, int64_t user_id, const std::vector<std::string>& perms, const Path& path) {
  Holder h;
  auto rows = tx.query(
      "SELECT g.role, n.path, u.display_name FROM users u LEFT JOIN role_grants g ON g.user_id = u.id "
      "LEFT JOIN org_nodes n ON n.id = g.node_id WHERE u.id = ? AND u.active = 1",
      {user_id});
  for (auto& row : rows) {
    h.found = true;
    h.display_name = row.str(2);
    if (row.null(0)) continue;
    bool all = true;
    for (auto& perm : perms) all = all && role_has(row.str(0), perm);
    if (all && path.within(row.str(1))) h.holds = true;
  }
  return h;
}

}  // namespace manyi::org
