#include "cases/workflow.hpp"

namespace manyi::cases {

const workflow::Machine& machine() {
  using workflow::NoteRule;
  static const std::vector<std::string> kOpen = {"pending", "processing", "waiting"};
  static const std::vector<std::string> kRunning = {"pending", "processing"};
  static const workflow::Machine m = [] {
    std::vector<workflow::State> states;
    for (auto& s : statuses()) states.push_back({s.code, s.zh, is_open(s.code)});
    auto reason = NoteRule{"reason", 1000, true};
    return workflow::Machine(
        "case", states,
        {
            {"accept", {"pending"}, "case.handle", {}},
            {"assign", kOpen, "case.dispatch", {}},
            {"transfer", kRunning, "case.dispatch", {"note", 1000, false}},
            // Taken by the transfer's target unit: the service checks case.handle there.
            {"transfer_accept", {}, "", {}},
            {"transfer_decline", {}, "", reason},
            {"return", kRunning, "case.handle", reason},
            {"reject", kOpen, "case.dispatch", reason},
            {"pause", {"processing"}, "case.handle", reason},
            {"resume", {"waiting"}, "case.handle", {}},
            {"extension_request", kRunning, "case.handle", reason},
            // Decided one level above the owner: the service checks that.
            {"extension_decide", {}, "", {"note", 1000, false}},
            {"reply", kRunning, "case.handle", {"reply", 5000, true}},
            {"callback", {"replied"}, "case.handle", {"note", 1000, false}},
            {"close", {"pending", "processing", "replied"}, "case.handle", {"note", 2000, true}},
            {"merge", kOpen, "case.dispatch", {}},
            {"supervise", kOpen, "case.supervise", {"note", 1000, true}},
            {"note", {}, "", {"note", 2000, true}},
        });
  }();
  return m;
}

const workflow::Ladder& ladder() {
  using workflow::Party;
  static const workflow::Ladder l{{
      {1, "case.warning", "临期预警", Party::owner, true, {}},
      {2, "case.overdue", "案件已逾期", Party::unit, true, {Party::owner}},
      {3, "case.supervise", "逾期督办", Party::above_unit, true, {}},
  }};
  return l;
}

workflow::Limit limit_of(const Case& c, const Sla& s) {
  return {c.sla_days, s.warn_ratio, s.bureau_after_days};
}

workflow::Clock clock_of(const Case& c) {
  workflow::Clock k;
  k.started_at = c.reopened_at.value_or(c.received_at);
  k.warn_at = c.warn_at;
  k.deadline_at = c.deadline_at;
  k.supervise_at = c.supervise_at;
  k.paused_at = c.paused_at;
  k.level = c.level;
  return k;
}

void put_clock(Case& c, const workflow::Clock& k) {
  c.warn_at = k.warn_at;
  c.deadline_at = k.deadline_at;
  c.supervise_at = k.supervise_at;
  c.paused_at = k.paused_at;
  c.level = k.level;
  c.next_check_at = k.next_check(is_open(c.status));
}

void schedule_period(Case& c, const Sla& s, const calendar::Calendar& cal) {
  auto k = clock_of(c);
  k.schedule(limit_of(c, s), cal);
  put_clock(c, k);
}

void set_next_check(Case& c) { c.next_check_at = clock_of(c).next_check(is_open(c.status)); }

}  // namespace manyi::cases
