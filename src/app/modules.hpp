// The composition root's list of modules (org/modules.hpp), in one visible order.
#pragma once
#include <vector>

#include "org/modules.hpp"

namespace manyi::app {
// org, audit, workflow (calendar), forms, cases, feedback, rectify, inspect, ops.
const std::vector<const Module*>& modules();
// Installs them (idempotent). The App does it; so do main() for the command line and the test
// support library.
void install_modules();
}  // namespace manyi::app
