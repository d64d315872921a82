#include "feedback/module.hpp"

namespace manyi::feedback {

const Module& module() {
  static const Module m{
      "feedback",
      "满意度评价",
      {
          {"point.write", "维护评价点", {"bureau_admin", "unit_admin"}},
          {"rating.read", "查看评价", {"bureau_admin", "inspector", "unit_admin", "dept_head", "handler"}},
          {"rating.review", "复核评价", {"bureau_admin", "unit_admin"}},
          {"followup.handle", "回访", {"bureau_admin", "unit_admin", "dept_head", "handler"}},
          {"report.read", "查看满意度报表", {"bureau_admin", "inspector", "unit_admin", "dept_head"}},
      },
      {"feedback.public_url", "feedback.ticket_key"},
  };
  return m;
}

}  // namespace manyi::feedback
