// A module's declaration: what each domain adds to the whole — its permissions with their
// names and the roles that hold them by default, and the keys it owns in the `settings` table
// (its configuration section). Plain data, so that every layer can declare one; org/modules.hpp
// installs them and org/roles.cpp builds the roles from them.
#pragma once
#include <string>
#include <vector>

namespace manyi {

struct Permission {
  std::string code;                // <area>.<verb>, e.g. case.handle
  std::string name_zh;             // 处理投诉
  std::vector<std::string> roles;  // role codes granted it by default (org/roles.cpp)
};

struct Module {
  std::string name;                   // folder name: cases, feedback, …
  std::string name_zh;                // 投诉处理, …
  std::vector<Permission> permissions;
  std::vector<std::string> settings;  // keys of the settings table this module owns
};

}  // namespace manyi
