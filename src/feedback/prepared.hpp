// A rating on its way to the database (service.cpp writes it, holds.cpp applies its holds):
// inside the feedback domain only.
#pragma once
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "feedback/service.hpp"

namespace manyi::feedback {

struct FeedbackService::Prepared {
  const PointInfo* p = nullptr;
  NewRating* r = nullptr;
  std::vector<std::string> flags;
  Episode episode;  // the burst a rule flagged it in (its review row names it)
  const audit::Actor* who = nullptr;
  Submitted out;
  int day = 0;
  std::string phone, phone_mask, phone_hash, answers, net, flags_text;
  store::Value phone_enc = nullptr, score = nullptr;
  std::vector<metrics::Observation> obs;
  // Queued public ratings own their point and rating, and are answered through done.
  std::shared_ptr<const PointInfo> point_hold;
  NewRating rating;
  Submission recorded;  // in the integrity windows: forgotten when the write fails
  SubmitDone done;
  bool case_later = false;  // a public rating: its bad-review case is opened after the commit
  // Earlier ratings the integrity rules hold in this rating's transaction (holds.cpp); those
  // not stored yet when it ran (queued behind it) are held by a later batch (round + 1).
  std::vector<Hold> holds, missing;
  int hold_round = 0;
  bool row = true;  // false: only holds to apply (a refused duplicate's, or carried over)
};

// The rollups of ratings a batch holds (holds.cpp): subtracted with the batch's own.
struct FeedbackService::HeldRollups {
  struct Held {
    int64_t node, tmpl;
    int day;
    std::vector<int64_t> tree;
    std::vector<metrics::Observation> obs;
  };
  std::deque<Held> held;  // stable addresses: RollupInput points into them
  void add_to(std::vector<metrics::RollupInput>& in) const {
    for (auto& h : held) in.push_back({h.node, &h.tree, h.tmpl, h.day, &h.obs, -1});
  }
};

}  // namespace manyi::feedback
