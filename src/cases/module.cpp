#include "cases/module.hpp"

namespace manyi::cases {

const Module& module() {
  static const Module m{
      "cases",
      "投诉处理",
      {
          {"case.read", "查看投诉", {"bureau_admin", "inspector", "unit_admin", "dept_head", "handler"}},
          {"case.handle", "办理投诉", {"bureau_admin", "unit_admin", "dept_head", "handler"}},
          {"case.register", "登记投诉", {"bureau_admin", "unit_admin", "handler"}},
          {"case.dispatch", "转办投诉", {"bureau_admin", "unit_admin", "handler"}},
          {"case.supervise", "督办投诉", {"bureau_admin"}},
          {"case.settings", "设置投诉分类与时限", {"bureau_admin"}},
          {"case.sensitive", "查看敏感投诉", {"bureau_admin", "unit_admin"}},
          {"case.contact", "查看投诉人联系方式", {"bureau_admin", "unit_admin", "handler"}},
      },
      {"cases.config", "pii.key", "pii.key_id"},
  };
  return m;
}

}  // namespace manyi::cases
