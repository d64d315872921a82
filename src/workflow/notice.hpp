// Notices (通知) of work items: one call posts a notice to a unit's in-app inbox
// (notifications) and, when it must leave the system, to the outbox (webhook / email, see
// notify/outbox.hpp) — both inside the caller's transaction, so a notice exists exactly when
// the change that caused it does.
#pragma once
#include <cstdint>
#include <string>

#include "store/db.hpp"

namespace manyi::workflow {

struct Notice {
  int64_t node_id = 0;    // the unit whose inbox receives it
  std::string kind;       // e.g. case.overdue
  std::string title, body;
  std::string link;       // console path, e.g. /cases/123
  bool outbound = false;  // also through the configured outbound channels
};

void post(store::Tx& tx, const Notice& n);

}  // namespace manyi::workflow
