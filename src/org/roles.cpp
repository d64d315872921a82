#include "org/roles.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>

#include "org/modules.hpp"

namespace manyi::org {

namespace {
struct Registry {
  std::mutex m;
  std::vector<const Module*> modules;
  std::vector<Role> roles;
  std::atomic<bool> installed{false};  // set once; roles never change afterwards
};
Registry& registry() {
  static Registry r;
  return r;
}

// The roles; the permissions come from the modules.
std::vector<Role> role_list() {
  return {
      {"bureau_admin", "卫健局管理员", "Bureau admin", {}},
      {"inspector", "督查员", "Inspector", {}},
      {"unit_admin", "单位管理员", "Unit admin", {}},
      {"dept_head", "科室负责人", "Department head", {}},
      {"handler", "投诉受理员", "Case handler", {}},
      {"staff", "医务人员", "Staff", {}},
      // 社会监督员: an outside volunteer who fills in only the inspection tasks assigned to them.
      {"supervisor", "社会监督员", "Social supervisor", {}},
  };
}
}  // namespace

void install_modules(const std::vector<const Module*>& modules) {
  auto& r = registry();
  std::lock_guard lk(r.m);
  if (r.installed) {
    if (modules != r.modules) throw std::logic_error("install_modules: a different set of modules is already installed");
    return;
  }
  auto roles = role_list();
  std::set<std::string> seen;
  for (auto* mod : modules)
    for (auto& p : mod->permissions) {
      if (!seen.insert(p.code).second)
        throw std::logic_error("install_modules: permission " + p.code + " declared twice (" + mod->name + ")");
      for (auto& code : p.roles) {
        auto it = std::find_if(roles.begin(), roles.end(), [&](const Role& x) { return x.code == code; });
        if (it == roles.end())
          throw std::logic_error("install_modules: " + mod->name + " grants " + p.code + " to unknown role " + code);
        it->permissions.insert(p.code);
      }
    }
  r.modules = modules;
  r.roles = std::move(roles);
  r.installed.store(true, std::memory_order_release);
}

const std::vector<const Module*>& installed_modules() {
  auto& r = registry();
  std::lock_guard lk(r.m);
  return r.modules;
}

const Module* module_of_permission(const std::string& perm) {
  for (auto* m : installed_modules())
    for (auto& p : m->permissions)
      if (p.code == perm) return m;
  return nullptr;
}

const std::vector<Role>& roles() {
  auto& r = registry();
  if (r.installed.load(std::memory_order_acquire)) return r.roles;  // the hot path: no lock
  throw std::logic_error("org::roles(): no modules installed (call app::install_modules() first)");
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
