#include "workflow/module.hpp"

namespace manyi::workflow {

// The engine's own part that users reach: the working-day calendar (工作日历).
const Module& module() {
  static const Module m{
      "workflow", "工作日历与办理时限", {{"calendar.write", "维护工作日历", {"bureau_admin"}}}, {"calendar.config"}};
  return m;
}

}  // namespace manyi::workflow
