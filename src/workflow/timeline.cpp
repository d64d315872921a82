#include "workflow/timeline.hpp"

#include "core/clock.hpp"
#include "core/id.hpp"

namespace manyi::workflow {

void Timeline::append(store::Tx& tx, int64_t item_id, const audit::Actor& who, const std::string& actor_name,
                      const std::string& action, const std::string& status, int64_t node_id, const std::string& note,
                      bool is_public, int64_t event_id) const {
  tx.exec_deferred("INSERT INTO " + table_ + "(id, " + column_ +
                       ", at, actor_id, actor_name, action, status, node_id, note, public) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   {event_id ? event_id : new_id(), item_id, now_ms(), store::id_or_null(who.user_id),
                    actor_name.empty() ? who.username : actor_name, action, status, store::id_or_null(node_id), note,
                    int64_t{is_public}});
}

std::vector<Event> Timeline::list(store::Db& db, int64_t item_id, bool public_only) const {
  auto r = db.query("SELECT e.id, e." + column_ +
                        ", e.at, e.actor_id, e.actor_name, e.action, e.status, e.node_id, e.note, e.public, "
                        "COALESCE(n.name, '') FROM " + table_ + " e LEFT JOIN org_nodes n ON n.id = e.node_id "
                        "WHERE e." + column_ + " = ?" + (public_only ? " AND e.public = 1" : "") + " ORDER BY e.id",
                    {item_id});
  std::vector<Event> out;
  for (auto& row : r) {
    Event e;
    e.id = row.i64(0);
    e.item_id = row.i64(1);
    e.at = row.i64(2);
    e.actor_id = row.i64(3);
    e.actor_name = row.str(4);
    e.action = row.str(5);
    e.status = row.str(6);
    e.node_id = row.i64(7);
    e.note = row.str(8);
    e.is_public = row.i64(9) != 0;
    e.node_name = row.str(10);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace manyi::workflow
