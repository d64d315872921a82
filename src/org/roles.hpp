// Roles and the permissions each grants (PRODUCT.md "Who uses it"). A role is granted on an
// org node and covers that node's subtree.
#pragma once
#include <set>
#include <string>
#include <vector>

namespace manyi::org {

struct Role {
  std::string code, name_zh, name_en;
  std::set<std::string> permissions;
};

const std::vector<Role>& roles();
const Role* find_role(const std::string& code);
bool role_has(const std::string& role, const std::string& perm);

}  // namespace manyi::org
