#include "demo/ledger_steps.hpp"

#include "core/calendar.hpp"
#include "core/error.hpp"

namespace manyi::demo {

LedgerSteps::LedgerSteps(rectify::RectifyService& svc, std::mt19937_64& rng, int64_t end,
                         std::function<std::string()> default_measures, double stall)
    : svc_(svc),
      rng_(rng),
      end_(end),
      default_measures_(std::move(default_measures)),
      stall_(stall),
      owner_{{0, "demo", "local"}, "科室负责人", {}},
      inspector_{{0, "inspector", "local"}, "督查组 陈督查", {}} {}

void LedgerSteps::work(rectify::Item it, int64_t t) {
  std::uniform_real_distribution<double> U(0, 1);
  auto& rng = rng_;
  auto at = [&](double days) {
    t += static_cast<int64_t>(days * calendar::kDayMs);
    if (t > end_) return false;
    set_fake_now_ms(t);
    return true;
  };
  try {
    if (U(rng) < 0.03) {
      if (at(1 + U(rng) * 3)) svc_.act(inspector_, it.id, "cancel", "重复登记，撤销", std::nullopt);
      return;
    }
    if (!at(0.5 + U(rng) * 4)) return;
    it = svc_.act(owner_, it.id, "start", "", std::nullopt);
    if (stall_ > 0 && U(rng) < stall_) return;  // started, then left: it runs overdue
    double pace = U(rng);
    if (pace < 0.12 && at(2 + U(rng) * 5)) {  // needs more time: asks for an extension
      auto until = calendar::format_date(calendar::day_of(it.deadline_at) + 10 + static_cast<int>(U(rng) * 20));
      it = svc_.act(owner_, it.id, "request_extension", "需采购设备，申请延期", until);
      if (!at(1 + U(rng) * 2)) return;
      it = svc_.act(inspector_, it.id, U(rng) < 0.75 ? "approve_extension" : "refuse_extension", "", std::nullopt);
    }
    if (!at(1 + U(rng) * (pace < 0.85 ? 12 : 40))) return;  // the slow ones run late
    rectify::Patch p;
    p.cause = "制度落实不到位，日常检查不够";
    auto fallback = default_measures_();
    p.measures = it.measures.value_or(fallback);
    svc_.patch(owner_, it.id, p);
    it = svc_.act(owner_, it.id, "submit", "已按措施完成整改，附整改前后照片", std::nullopt);
    for (int round = 0; round < 3; ++round) {
      if (!at(1 + U(rng) * 5)) return;
      if (U(rng) < 0.15 && round < 2) {
        it = svc_.act(inspector_, it.id, "redo", "复查发现整改不到位，责令重新整改", std::nullopt);
        if (!at(2 + U(rng) * 10)) return;
        it = svc_.act(owner_, it.id, "submit", "已重新整改", std::nullopt);
        continue;
      }
      svc_.act(inspector_, it.id, "verify", "现场复查，整改到位，同意销号", std::nullopt);
      return;
    }
  } catch (const Error&) {
    // A step the rules refuse at that moment (e.g. an extension asked after the deadline) is
    // simply not taken, as a person would be told.
  }
}

}  // namespace manyi::demo
