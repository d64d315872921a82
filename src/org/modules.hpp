// Installing the module declarations (core/module.hpp): the composition root (app/modules.cpp)
// installs every module once, in one visible order, and org::roles() is built from them. A
// permission named in the source but declared by no module, or a settings key no module owns,
// fails tests/unit/layers_test.cpp.
#pragma once
#include <string>
#include <vector>

#include "core/module.hpp"

namespace manyi::org {

using manyi::Module;
using manyi::Permission;

// Installs the modules (once per process; later calls with the same list are no-ops, a
// different list throws std::logic_error). Refuses a permission declared twice or granted to a
// role that does not exist.
void install_modules(const std::vector<const Module*>& modules);
// The installed modules, in their order; empty before install_modules().
const std::vector<const Module*>& installed_modules();
// The module declaring a permission, or nullptr.
const Module* module_of_permission(const std::string& perm);

// org's own declaration: the org tree, users, staff and the whole-system settings.
const Module& module();

}  // namespace manyi::org
