#include "feedback/integrity_pace.hpp"

#include <algorithm>
#include <cmath>

namespace manyi::feedback {

namespace {
constexpr double kBase = 200.0, kStep = 1.12;
}

int PaceTable::bucket(int64_t ms) {
  if (ms <= kBase) return 0;
  int b = static_cast<int>(std::log(static_cast<double>(ms) / kBase) / std::log(kStep));
  return std::clamp(b, 0, kBuckets - 1);
}

int64_t PaceTable::lower_edge(int b) { return static_cast<int64_t>(kBase * std::pow(kStep, b)); }

void PaceTable::bump(Hist& h, int b) {
  if (h.n >= 4096) {  // halve: the recent pace weighs more
    h.n = 0;
    for (auto& c : h.c) h.n += (c /= 2);
  }
  ++h.c[static_cast<size_t>(b)];
  ++h.n;
}

int64_t PaceTable::median_of(const Hist& h) {
  uint32_t half = (h.n + 1) / 2, seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += h.c[static_cast<size_t>(b)];
    if (seen >= half) return lower_edge(b);
  }
  return 0;
}

void PaceTable::add(int64_t point_id, int64_t template_id, int64_t elapsed_ms) {
  int b = bucket(elapsed_ms);
  {
    auto& p = part(point_id);
    std::lock_guard lk(p.mu);
    bump(p.point[point_id], b);
  }
  auto& f = part(template_id);
  std::lock_guard lk(f.mu);
  bump(f.form[template_id], b);
}

int64_t PaceTable::median(int64_t point_id, int64_t template_id, int min_samples) {
  auto enough = [&](const std::unordered_map<int64_t, Hist>& m, int64_t id) -> int64_t {
    auto it = m.find(id);
    return it != m.end() && it->second.n >= static_cast<uint32_t>(min_samples) ? median_of(it->second) : 0;
  };
  {
    auto& p = part(point_id);
    std::lock_guard lk(p.mu);
    if (int64_t m = enough(p.point, point_id)) return m;
  }
  auto& f = part(template_id);
  std::lock_guard lk(f.mu);
  return enough(f.form, template_id);
}

}  // namespace manyi::feedback
