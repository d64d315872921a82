#include "rectify/module.hpp"

namespace manyi::rectify {

// The rectification ledger (整改台账): the owner unit handles its items; an inspector or the
// unit above verifies (验收、销号); the bureau and unit admins raise and import items.
const Module& module() {
  static const Module m{
      "rectify",
      "整改台账",
      {
          {"rectification.read", "查看整改台账", {"bureau_admin", "inspector", "unit_admin", "dept_head", "handler"}},
          {"rectification.handle", "办理整改", {"bureau_admin", "unit_admin", "dept_head"}},
          {"rectification.verify", "整改验收销号", {"bureau_admin", "inspector"}},
          {"rectification.manage", "登记和导入整改事项", {"bureau_admin", "unit_admin"}},
      },
      {"rectify.seq.*"},  // the day's counter of item codes (ZG20261207-0001), one key per day
  };
  return m;
}

}  // namespace manyi::rectify
