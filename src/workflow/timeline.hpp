// The history (办理记录) of a work item: an append-only timeline of who did what, when, leaving
// the item in which state, about which unit, with which note, and whether the public sees it
// (the complainant's tracking page shows only public entries). Every kind keeps its timeline
// in a table of the same shape — (id, <item column>, at, actor_id, actor_name, action, status,
// node_id, note, public) — named by its Timeline: `case_events` / `case_id` for cases; a new
// kind's migration creates its own with these columns and an index on (<item column>, id).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "store/db.hpp"

namespace manyi::workflow {

struct Event {
  int64_t id = 0, item_id = 0, at = 0, actor_id = 0, node_id = 0;
  std::string actor_name, action, status, note;
  std::string node_name;  // read only: the unit's name
  bool is_public = false;
};

class Timeline {
 public:
  Timeline(std::string table, std::string item_column) : table_(std::move(table)), column_(std::move(item_column)) {}

  // Appends an entry with the transaction's deferred writes (id 0 = a new one; actor_name ""
  // = the actor's user name).
  void append(store::Tx& tx, int64_t item_id, const audit::Actor& who, const std::string& actor_name,
              const std::string& action, const std::string& status, int64_t node_id, const std::string& note,
              bool is_public, int64_t event_id = 0) const;
  // An item's entries, oldest first, with the names of the units involved.
  std::vector<Event> list(store::Db& db, int64_t item_id, bool public_only) const;

 private:
  std::string table_, column_;
};

}  // namespace manyi::workflow
