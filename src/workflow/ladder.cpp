#include "workflow/ladder.hpp"

namespace manyi::workflow {

int64_t Parties::of(Party p) const {
  switch (p) {
    case Party::owner: return owner;
    case Party::unit: return unit;
    case Party::above_unit: return above_unit ? above_unit : unit;
  }
  return owner;
}

const Rung* Ladder::at(int level) const {
  for (auto& r : rungs)
    if (r.level == level) return &r;
  return nullptr;
}

std::vector<Step> climb(store::Tx& tx, const Ladder& ladder, Clock& clock, const Parties& parties, int64_t now,
                        const std::string& body, const std::string& brief, const std::string& link) {
  std::vector<Step> out;
  int target = clock.level_at(now);
  for (int lv = clock.level + 1; lv <= target; ++lv) {
    const Rung* r = ladder.at(lv);
    if (!r) continue;
    int64_t to = parties.of(r->to);
    for (auto p : r->also)
      if (int64_t other = parties.of(p); other != to) post(tx, {other, r->kind, r->title, brief, link, false});
    post(tx, {to, r->kind, r->title, body, link, r->outbound});
    out.push_back({r, to});
  }
  if (target > clock.level) clock.level = target;
  return out;
}

}  // namespace manyi::workflow
