#include "app/modules.hpp"

#include "audit/module.hpp"
#include "cases/module.hpp"
#include "feedback/module.hpp"
#include "forms/module.hpp"
#include "inspect/module.hpp"
#include "ops/module.hpp"
#include "rectify/module.hpp"
#include "workflow/module.hpp"

namespace manyi::app {

const std::vector<const Module*>& modules() {
  static const std::vector<const Module*> all = {
      &org::module(), &audit::module(), &workflow::module(), &forms::module(),
      &cases::module(), &feedback::module(), &rectify::module(), &inspect::module(), &ops::module(),
  };
  return all;
}

void install_modules() { org::install_modules(modules()); }

}  // namespace manyi::app
