// Roles and the permissions each grants (PRODUCT.md "Who uses it"). A role is granted on an
// org node and covers that node's subtree.
//
// The roles themselves (code and names) are org's; what each grants is declared by the modules
// (org/modules.hpp): every domain names its permissions and the roles that hold them by default,
// and the composition root installs the modules once, in one visible order (app/modules.cpp).
#pragma once
#include <set>
#include <string>
#include <vector>

namespace manyi::org {

struct Role {
  std::string code, name_zh, name_en;
  std::set<std::string> permissions;
};

// The roles with the permissions the installed modules grant them. Throws std::logic_error
// when no modules were installed (a program that skipped app::install_modules()).
const std::vector<Role>& roles();
const Role* find_role(const std::string& code);
bool role_has(const std::string& role, const std::string& perm);

}  // namespace manyi::org
