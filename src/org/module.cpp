#include "org/modules.hpp"

namespace manyi::org {

const Module& module() {
  static const Module m{
      "org",
      "组织与用户",
      {
          {"org.read", "查看组织机构", {"bureau_admin", "inspector", "unit_admin", "dept_head", "handler"}},
          {"org.write", "维护组织机构", {"bureau_admin", "unit_admin"}},
          {"staff.read", "查看人员", {"bureau_admin", "inspector", "unit_admin", "dept_head", "handler"}},
          {"staff.write", "维护人员", {"bureau_admin", "unit_admin"}},
          {"user.read", "查看账号", {"bureau_admin", "unit_admin"}},
          {"user.write", "维护账号与授权", {"bureau_admin", "unit_admin"}},
          {"settings.write", "修改系统设置", {"bureau_admin"}},
          {"self.read", "查看本人信息", {"staff"}},
      },
      {},
  };
  return m;
}

}  // namespace manyi::org
