#include "org/roles.hpp"

namespace manyi::org {

const std::vector<Role>& roles() {
  // Permission names: <area>.<verb>. Domains add theirs here so the whole matrix is in one place.
  static const std::set<std::string> cases_handle = {"case.read", "case.handle"};
  static const std::vector<Role> all = {
      {"bureau_admin", "卫健局管理员", "Bureau admin",
       {"org.read", "org.write", "staff.read", "staff.write", "user.read", "user.write", "audit.read",
        "calendar.write", "settings.write", "case.read", "case.handle", "case.register", "case.dispatch",
        "case.supervise", "case.settings", "case.sensitive", "case.contact", "survey.read", "survey.write", "point.write",
        "rating.read", "rating.review", "followup.handle", "report.read", "form.checklist.submit", "form.checklist.read",
        "form.scorecard.submit", "form.scorecard.read", "rectification.read", "rectification.handle",
        "rectification.verify", "rectification.manage"}},
      {"inspector", "督查员", "Inspector",
       {"org.read", "staff.read", "case.read", "survey.read", "rating.read", "report.read", "form.checklist.submit",
        "form.checklist.read", "form.scorecard.submit", "form.scorecard.read", "rectification.read",
        "rectification.verify"}},
      {"unit_admin", "单位管理员", "Unit admin",
       {"org.read", "org.write", "staff.read", "staff.write", "user.read", "user.write", "audit.read",
        "case.read", "case.handle", "case.register", "case.dispatch", "case.sensitive", "case.contact", "survey.read",
        "survey.write", "point.write", "rating.read", "rating.review", "followup.handle", "report.read",
        "form.checklist.submit", "form.checklist.read", "form.scorecard.submit", "form.scorecard.read",
        "rectification.read", "rectification.handle", "rectification.manage"}},
      {"dept_head", "科室负责人", "Department head",
       {"org.read", "staff.read", "case.read", "case.handle", "survey.read", "rating.read", "followup.handle",
        "report.read", "form.checklist.read", "form.scorecard.read", "rectification.read", "rectification.handle"}},
      {"handler", "投诉受理员", "Case handler",
       {"org.read", "staff.read", "case.read", "case.handle", "case.register", "case.dispatch", "case.contact", "survey.read",
        "rating.read", "followup.handle", "rectification.read"}},
      {"staff", "医务人员", "Staff", {"self.read"}},
  };
  return all;
}

const Role* find_role(const std::string& code) {
  for (auto& r : roles())
    if (r.code == code) return &r;
  return nullptr;
}

bool role_has(const std::string& role, const std::string& perm) {
  auto r = find_role(role);
  return r && r->permissions.count(perm) > 0;
}

}  // namespace manyi::org
