#include "rectify/module.hpp"

namespace manyi::rectify {

// The rectification ledger (整改台账): the owner unit handles its items; an inspector or the
// unit above verifies (验收、销号) — a hospital's admin verifies its departments' items, never
// the hospital's own (checked on the unit above the owner); the bureau and unit admins raise and
// import items. A unit admin holds every permission of the inspector role, so it may appoint
// its hospital's own inspectors (院级督查员) as before.
const Module& module() {
  static const Module m{
      "rectify",
      "整改台账",
      {
          {"rectification.read", "查看整改台账", {"bureau_admin", "inspector", "unit_admin", "dept_head", "handler"}},
          {"rectification.handle", "办理整改", {"bureau_admin", "unit_admin", "dept_head"}},
          {"rectification.verify", "整改验收销号", {"bureau_admin", "inspector", "unit_admin"}},
          {"rectification.manage", "登记和导入整改事项", {"bureau_admin", "unit_admin"}},
      },
      {"rectify.seq.*"},  // the day's counter of item codes (ZG20261207-0001), one key per day
  };
  return m;
}

}  // namespace manyi::rectify
