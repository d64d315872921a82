#include "ops/module.hpp"

namespace manyi::ops {

// Backups: no permission of their own (run from the command line); the slot of the last
// scheduled backup is kept in settings so that two instances never take the same one.
const Module& module() {
  static const Module m{"ops", "运维", {}, {"backup.last_slot"}};
  return m;
}

}  // namespace manyi::ops
