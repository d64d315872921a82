// Demo feedback data: collection points for every department and window of the demo
// organisation, and two years of ratings with realistic patterns — departments that differ,
// winter and summer waits, comments, bad reviews with cases for the last two weeks, and a
// few stuffing attempts that the integrity rules catch (run through the same tracker as live
// intake). Rows and rollups are written in bulk (insert_rows), not per rating.
#pragma once
#include <cstdint>

#include "org/service.hpp"

namespace manyi::demo {

struct FeedbackSummary {
  int points = 0;
  int64_t ratings = 0, suspect = 0, refused = 0, comments = 0, cases = 0, rollup_rows = 0, followups = 0;
  double seconds = 0;
};

// Needs the demo organisation (create_org). ratings = total over the two years (0 = points only).
FeedbackSummary create_feedback(org::OrgService& org, int64_t ratings = 2'000'000, uint64_t seed = 20261122);

}  // namespace manyi::demo
