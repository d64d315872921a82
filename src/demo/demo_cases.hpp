// Demo cases: two years of complaints, bad reviews, reports, suggestions, praise,
// consultations, hotline requests and adverse events across the demo's institutions, worked
// through cases::CaseService exactly as people would — accepted, assigned, transferred to a
// department (accepted, declined or sent back), paused, extended (approved or refused),
// supervised by the bureau, answered on time or late (the escalation scan runs as time
// passes), called back (满意 / 基本满意 / 不满意, which reopens the case), merged as
// duplicates, refused — so the timelines, the escalation ladder and the statistics agree.
// Time moves with set_fake_now_ms(); a case's steps that fall after now simply have not
// happened yet, which leaves the last weeks' cases open in every state. The bad reviews of
// create_feedback are opened here, each at its rating's time, through the same
// FeedbackService::open_bad_review as live ratings. Deterministic for a given seed.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "demo/demo_feedback.hpp"
#include "org/service.hpp"

namespace manyi::demo {

struct CasesSummary {
  int64_t cases = 0, bad_reviews = 0, actions = 0, escalations = 0;
  std::map<std::string, int64_t> by_status;
  double seconds = 0;
};

// Needs the demo organisation and its users (create_org). `others` = cases of the other types
// over the two years (besides the bad reviews). Opens bad_reviews (from create_feedback) too.
CasesSummary create_cases(org::OrgService& org, const std::vector<BadReview>& bad_reviews, int64_t others = 1800,
                          uint64_t seed = 20261122);

}  // namespace manyi::demo
