// inspect's module declaration: its permissions with their default roles and the settings keys
// it owns (core/module.hpp). Installed by the composition root, app/modules.cpp.
#pragma once
#include "core/module.hpp"

namespace manyi::inspect {
const Module& module();
}  // namespace manyi::inspect
