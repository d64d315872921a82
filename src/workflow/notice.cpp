#include "workflow/notice.hpp"

#include "core/clock.hpp"
#include "core/id.hpp"
#include "notify/outbox.hpp"

namespace manyi::workflow {

void post(store::Tx& tx, const Notice& n) {
  tx.exec_deferred(
      "INSERT INTO notifications(id, user_id, node_id, kind, title, body, link, created_at) "
      "VALUES (?, NULL, ?, ?, ?, ?, ?, ?)",
      {new_id(), n.node_id, n.kind, n.title, n.body, n.link, now_ms()});
  if (n.outbound) notify::enqueue(tx, {n.kind, n.title + "：" + n.body, n.body, n.link, n.node_id});
}

}  // namespace manyi::workflow
