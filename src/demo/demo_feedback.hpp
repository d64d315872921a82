// Demo feedback data: collection points for every department and window of the demo
// organisation, and two years of ratings with realistic patterns — departments that differ,
// winter and summer waits, comments, bad reviews (every one of the last two weeks and a
// sample of older ones becomes a case), and a few stuffing attempts that the integrity rules
// catch (run through the same tracker as live intake). Rows and rollups are written in bulk
// (insert_rows), not per rating. The bad reviews' cases are not opened here: they are handed
// to create_cases (demo_cases.hpp), which opens each at its rating's time among the other
// cases, so case ids and timelines run in time order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "feedback/model.hpp"
#include "org/service.hpp"

namespace manyi::demo {

// A stored bad rating whose case is still to be opened (FeedbackService::open_bad_review).
struct BadReview {
  feedback::PointInfo point;
  feedback::NewRating rating;
  int64_t rating_id = 0, at = 0;
  std::string phone;
};

struct FeedbackSummary {
  int points = 0;
  int64_t ratings = 0, suspect = 0, refused = 0, comments = 0, rollup_rows = 0, followups = 0;
  double seconds = 0;
  std::vector<BadReview> bad_reviews;  // in time order
};

// Needs the demo organisation (create_org). ratings = total over the two years (0 = points only).
FeedbackSummary create_feedback(org::OrgService& org, int64_t ratings = 2'000'000, uint64_t seed = 20261122);

}  // namespace manyi::demo
