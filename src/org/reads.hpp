// Org reads that run inside the caller's transaction (or on the Db for a read outside one):
// the node, the institution above a node, the root, and whether a user holds permissions on a
// path. Domains call these instead of writing their own queries on org_nodes and role_grants,
// so that a move of the tree or a new role is read the same way everywhere.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/org_path.hpp"
#include "store/db.hpp"

namespace manyi::org {

struct NodeRef {
  int64_t id = 0;
  Path path;
  std::string kind, name, code;
  bool active = false;
};

std::optional<NodeRef> node_at(store::Tx& tx, int64_t id);
std::optional<NodeRef> node_at(store::Db& db, int64_t id);
// The nodes with these ids, in one query (missing ids are left out).
std::vector<NodeRef> nodes_at(store::Tx& tx, const std::vector<int64_t>& ids);
// The nearest institution at or above the node on `path`, in one query; nullopt when there is none.
std::optional<NodeRef> institution_of(store::Tx& tx, const Path& path);
// The root of the tree (the bureau at the top); nullopt for an empty tree.
std::optional<NodeRef> root(store::Tx& tx);
std::optional<NodeRef> root(store::Db& db);

// An active user and whether one of their grants, on `path`'s node or an ancestor, is of a role
// holding every one of `perms`.
struct Holder {
  bool found = false;  // the user exists and is active
  bool holds = false;
  std::string display_name;
};
Holder holder_on(store::Tx& tx, int64_t user_id, const std::vector<std::string>& perms, const Path& path);

}  // namespace manyi::org
