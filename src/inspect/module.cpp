#include "inspect/module.hpp"

namespace manyi::inspect {

// Inspections (明查暗访、督导检查、质控检查、隐患排查, 自查): planners (the bureau, its inspectors, a
// hospital's admin for its own units) make plans; the plans' inspectors perform the tasks;
// inspectors publish covert results and confirm findings into the ledger (a unit admin too, for
// the plans of its own unit: it holds every permission of the inspector role, so it may appoint
// its hospital's own inspectors). inspection.perform
// alone lets a user fill in only the tasks assigned to them (and the 自查 of their own unit):
// it is all the 社会监督员 (supervisor) role holds, so a supervisor sees nothing else.
const Module& module() {
  static const Module m{
      "inspect",
      "检查督查",
      {
          {"inspection.read", "查看检查计划和结果", {"bureau_admin", "inspector", "unit_admin", "dept_head"}},
          {"inspection.plan", "制定检查计划", {"bureau_admin", "inspector", "unit_admin"}},
          {"inspection.perform", "执行指派的检查任务", {"bureau_admin", "inspector", "unit_admin", "supervisor"}},
          {"inspection.publish", "发布暗访结果和确认问题", {"bureau_admin", "inspector", "unit_admin"}},
      },
      {"inspect.seq.*"},  // the day's counter of inspection codes (JC20261207-0001), one key per day
  };
  return m;
}

}  // namespace manyi::inspect
