// Inside the rectify domain only: the item row mapping, the code sequence and org lookups that
// service.cpp, actions.cpp and ledger_xlsx.cpp share. Nothing outside src/rectify includes this.
#pragma once
#include <optional>
#include <string>

#include "core/calendar.hpp"
#include "rectify/model.hpp"
#include "store/db.hpp"

namespace manyi::rectify::detail {

// Every column of an item (aliased r) and the owner unit's name (a subquery, so a claim locks
// only the item's row):
// "SELECT " + kSelect + kFrom + " WHERE …".
extern const char* const kSelect;
extern const char* const kFrom;
Item from_row(const store::Row& row);
// Where an item is counted in rectification_counts (migration 0024): its status, and whether
// it is overdue as the escalation scan last found it (open and level >= 2).
struct CountKey {
  std::string status;
  bool overdue = false;
  bool operator==(const CountKey&) const = default;
};
CountKey count_key(const Item& it);
// The row and its counts: inserting adds the item at its unit and every node above it; saving
// moves it from `was` (its key when it was loaded) to its key now.
void insert_item(store::Tx& tx, const Item& it);
// Items this process inserted or saved so far (bumped before the commit): the public page's
// cache (public_routes.cpp) is fresh while it is unchanged.
uint64_t changes();
void save_item(store::Tx& tx, const Item& it, const CountKey& was);
std::optional<Item> load(store::Db& db, int64_t id);
std::optional<Item> load_for_update(store::Tx& tx, int64_t id);  // FOR UPDATE on PostgreSQL

// The first of `n` new numbers of the day's sequence: codes ZG<yyyymmdd>-<seq, 4 digits>.
int64_t reserve_codes(store::Tx& tx, calendar::Day day, int64_t n);
std::string code_of(calendar::Day day, int64_t seq);

struct Unit {
  int64_t id = 0, inst_id = 0;
  std::string path, name, kind;
  bool active = false;
};
// An org node as an owner unit, with the institution at or above it (the node itself when
// there is none).
std::optional<Unit> unit_of(store::Tx& tx, int64_t node_id);
// The node above the institution (0 at the root).
int64_t above(store::Tx& tx, int64_t inst_id);

// A text field: valid UTF-8 text, at most max_chars characters; 422 naming the field.
std::string text(const std::string& v, const char* field, size_t max_chars, bool required);
// "YYYY-MM-DD", not before today; 422 naming the field.
calendar::Day future_date(const std::string& v, const char* field, int64_t now);

}  // namespace manyi::rectify::detail
