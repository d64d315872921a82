#include "audit/module.hpp"

namespace manyi::audit {

const Module& module() {
  static const Module m{"audit", "审计日志", {{"audit.read", "查看审计日志", {"bureau_admin", "unit_admin"}}}, {}};
  return m;
}

}  // namespace manyi::audit
