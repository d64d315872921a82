// Who takes an action on a work item, and what they may do where: `can` answers "has
// permission P on the node with this path" from the caller's grants; empty = the system
// (everything allowed). Every work-item service (cases, the ledger, inspections) takes one;
// the console's is made from the signed-in user by app/who.hpp.
#pragma once
#include <functional>
#include <string>

#include "audit/audit.hpp"

namespace manyi::workflow {

struct Who {
  audit::Actor actor;
  std::string name;
  std::function<bool(const std::string& perm, const std::string& path)> can;
  bool may(const std::string& perm, const std::string& path) const {
    return !can || (!path.empty() && can(perm, path));
  }
};

}  // namespace manyi::workflow
