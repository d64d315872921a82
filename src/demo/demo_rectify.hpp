// Demo rectification ledger (整改台账): a year of items across the demo city — inspection
// findings, self-inspections, supervision opinions, 隐患 with funds and contingency plans, and
// one item per demo case marked 需整改 (as the live hook opens them) — worked through
// rectify::RectifyService as people would: started, measures written, submitted, verified
// (销号) or sent back (重新整改), extensions asked and decided, a few cancelled. Steps that fall
// after now have not happened yet, so recent items are open in every state and some are
// overdue; the escalation scan then climbs their ladders. Deterministic for a given seed.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "org/service.hpp"

namespace manyi::demo {

struct RectifySummary {
  int64_t items = 0, from_cases = 0, escalations = 0, overdue = 0;
  std::map<std::string, int64_t> by_status;
  double seconds = 0;
};

// Needs the demo organisation and its users (create_org) and, for the complaint items, the
// demo cases (create_cases).
RectifySummary create_rectifications(org::OrgService& org, int64_t items = 3000, uint64_t seed = 20261122);

}  // namespace manyi::demo
