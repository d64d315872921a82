// The escalation ladder (分级预警) of a work item kind: for each level the clock reaches
// (1 临期预警, 2 逾期, 3 逾期督办), who is notified — chosen by a rule over the org tree — with
// which notice, and who else is told. Climbing fires every level between the item's level and
// the one its clock has reached, each exactly once (the item stores its level in the same
// transaction).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/db.hpp"
#include "workflow/clock.hpp"
#include "workflow/notice.hpp"

namespace manyi::workflow {

// The units an item's rules choose from.
enum class Party {
  owner,       // the unit handling the item (首问负责)
  unit,        // the institution the item is about
  above_unit,  // the unit above the institution (the bureau); the institution at the root
};
struct Parties {
  int64_t owner = 0, unit = 0, above_unit = 0;
  int64_t of(Party p) const;
};

struct Rung {
  int level = 0;
  std::string kind;     // notice kind, e.g. case.warning
  std::string title;    // 临期预警
  Party to = Party::owner;
  bool outbound = true;
  // Told as well, in-app only, when a different unit from `to` (e.g. the owning department
  // when the institution is told the item is overdue).
  std::vector<Party> also;
};

struct Ladder {
  std::vector<Rung> rungs;  // by level, 1 first
  const Rung* at(int level) const;
};

struct Step {
  const Rung* rung;
  int64_t to;  // the unit notified
};

// Posts the notices of every level above clock.level up to clock.level_at(now), sets
// clock.level, and returns the steps fired (for the item's history). `body` goes to the unit
// notified, `brief` to those told as well.
std::vector<Step> climb(store::Tx& tx, const Ladder& ladder, Clock& clock, const Parties& parties, int64_t now,
                        const std::string& body, const std::string& brief, const std::string& link);

}  // namespace manyi::workflow
