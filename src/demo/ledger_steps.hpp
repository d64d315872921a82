// How a demo ledger item (整改台账) is worked after it is opened, shared by the demo's ledger
// (demo_rectify.cpp) and the items its inspections' findings open (demo_inspect.cpp): started,
// measures written, submitted, verified (销号) or sent back (重新整改), an extension asked and
// decided, a few cancelled — each step at its own time on the fake clock, and only if it has
// happened by `end` (so recent items are open in every state and some are overdue).
#pragma once
#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "core/clock.hpp"
#include "rectify/service.hpp"

namespace manyi::demo {

// Puts the real clock back when the demo part ends, also on an exception.
struct RealClockAtEnd {
  ~RealClockAtEnd() { set_fake_now_ms(0); }
};

class LedgerSteps {
 public:
  // default_measures: what the owner writes as measures when the item has none (called once
  // per worked item that reaches submission). stall: the share of items whose owner starts and
  // then stops (they run past their deadline: 逾期, then 督办).
  LedgerSteps(rectify::RectifyService& svc, std::mt19937_64& rng, int64_t end,
              std::function<std::string()> default_measures, double stall = 0);
  // Works the item opened at `t` (the clock is left at its last step's time).
  void work(rectify::Item it, int64_t t);

 private:
  rectify::RectifyService& svc_;
  std::mt19937_64& rng_;
  int64_t end_;
  std::function<std::string()> default_measures_;
  double stall_;
  rectify::Who owner_, inspector_;
};

}  // namespace manyi::demo
