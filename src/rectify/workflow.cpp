#include "rectify/workflow.hpp"

#include <algorithm>
#include <cmath>

namespace manyi::rectify {

const workflow::Machine& machine() {
  static const workflow::Machine m = [] {
    std::vector<workflow::State> states;
    for (auto& s : statuses()) states.push_back({s.code, s.zh, is_open(s.code)});
    const std::vector<std::string> open = {"pending", "rectifying", "submitted"};
    const std::vector<std::string> running = {"pending", "rectifying"};
    return workflow::Machine(
        "rectification item", states,
        {
            {"start", {"pending"}, "rectification.handle", {}},                                 // 开始整改
            {"submit", {"rectifying"}, "rectification.handle", {"note", 2000, true}},           // 提交整改情况
            {"verify", {"submitted"}, "rectification.verify", {"note", 1000, false}},           // 验收通过，销号
            {"redo", {"submitted"}, "rectification.verify", {"reason", 1000, true}},            // 责令重新整改
            {"request_extension", running, "rectification.handle", {"reason", 1000, true}},     // 申请延期
            {"approve_extension", open, "rectification.verify", {"note", 1000, false}},         // 同意延期
            {"refuse_extension", open, "rectification.verify", {"reason", 1000, false}},        // 不同意延期
            {"cancel", open, "rectification.verify", {"reason", 1000, true}},                   // 撤销
        });
  }();
  return m;
}

const workflow::Ladder& ladder() {
  using workflow::Party;
  static const workflow::Ladder l{{
      {1, "rectification.warning", "整改临期", Party::owner, true, {}},
      {2, "rectification.overdue", "整改逾期", Party::unit, true, {Party::owner}},
      {3, "rectification.supervise", "整改逾期督办", Party::above_unit, true, {}},
  }};
  return l;
}

const workflow::Timeline& timeline() {
  static const workflow::Timeline t("rectification_events", "item_id");
  return t;
}

int limit_days(bool hazard, const std::optional<std::string>& severity) {
  if (!hazard) return kDefaultDays;
  return severity && *severity == "major" ? kHazardMajorDays : kHazardGeneralDays;
}

workflow::Limit limit_of(int days) { return {days, 0.7, 3}; }

workflow::Clock clock_of(const Item& it) {
  workflow::Clock k;
  k.started_at = it.started_at;
  k.warn_at = it.warn_at;
  k.deadline_at = it.deadline_at;
  k.supervise_at = it.supervise_at;
  k.level = it.level;
  return k;
}

void put_clock(Item& it, const workflow::Clock& k) {
  it.started_at = k.started_at;
  it.warn_at = k.warn_at;
  it.deadline_at = k.deadline_at;
  it.supervise_at = k.supervise_at;
  it.level = k.level;
  it.next_check_at = k.next_check(is_open(it.status));
}

namespace {
// Deadline at the end of `until`; the warning at the limit's share of the working time from the
// period's start; supervision the limit's delay after the deadline.
void set_points(workflow::Clock& k, const workflow::Limit& lim, calendar::Day until, const calendar::Calendar& cal) {
  k.deadline_at = calendar::day_start(until + 1) - 1;
  int64_t span = cal.working_ms(k.started_at, k.deadline_at);
  k.warn_at = std::min(cal.add_working_ms(k.started_at, static_cast<int64_t>(std::llround(lim.warn_ratio * span))),
                       k.deadline_at);
  k.supervise_at = cal.deadline_after(k.deadline_at, lim.supervise_after_days);
}
}  // namespace

void schedule(Item& it, int64_t now, std::optional<calendar::Day> until, const calendar::Calendar& cal) {
  workflow::Clock k;
  k.started_at = now;
  auto lim = limit_of(it.limit_days);
  if (until)
    set_points(k, lim, *until, cal);
  else
    k.schedule(lim, cal);
  k.level = 0;
  k.settle(now);
  put_clock(it, k);
}

void move_deadline(Item& it, calendar::Day until, int64_t now, const calendar::Calendar& cal) {
  auto k = clock_of(it);
  set_points(k, limit_of(it.limit_days), until, cal);
  k.settle(now);
  put_clock(it, k);
}

}  // namespace manyi::rectify
