#include "forms/module.hpp"

namespace manyi::forms {

const Module& module() {
  static const Module m{
      "forms",
      "问卷与检查表",
      {
          {"survey.read", "查看问卷", {"bureau_admin", "inspector", "unit_admin", "dept_head", "handler"}},
          {"survey.write", "维护问卷", {"bureau_admin", "unit_admin"}},
          {"form.checklist.submit", "填写检查表", {"bureau_admin", "inspector", "unit_admin"}},
          {"form.checklist.read", "查看检查结果", {"bureau_admin", "inspector", "unit_admin", "dept_head"}},
          {"form.scorecard.submit", "填写考评表", {"bureau_admin", "inspector", "unit_admin"}},
          {"form.scorecard.read", "查看考评结果", {"bureau_admin", "inspector", "unit_admin", "dept_head"}},
      },
      {},
  };
  return m;
}

}  // namespace manyi::forms
