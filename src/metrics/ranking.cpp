#include "metrics/ranking.hpp"

#include <algorithm>
#include <cmath>

namespace manyi::metrics {

Interval wilson(int64_t k, int64_t n, double z) {
  if (n <= 0) return {0, 1};
  double p = static_cast<double>(k) / n, z2 = z * z, nn = static_cast<double>(n);
  double denom = 1 + z2 / nn;
  double centre = (p + z2 / (2 * nn)) / denom;
  double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

namespace ranking {

Measure rate(int64_t k, int64_t n) {
  Measure m;
  m.key = wilson(k, n).low;
  m.value = n > 0 ? static_cast<double>(k) / n : 0;
  m.n = n;
  return m;
}

Measure score(double value, int64_t n) {
  Measure m;
  m.key = value;
  m.value = value;
  m.n = n;
  return m;
}

std::vector<Place> rank(const std::vector<Measure>& m, int64_t min_n) {
  auto ranked = [&](size_t i) { return m[i].n >= min_n && m[i].n > 0; };
  std::vector<size_t> order(m.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) {
    const auto &a = m[i], &b = m[j];
    bool ra = ranked(i), rb = ranked(j);
    if (ra != rb) return ra;
    if (!ra) return a.n > b.n;
    if (a.key != b.key) return a.key > b.key;
    if (a.value != b.value) return a.value > b.value;
    return a.n > b.n;
  });
  std::vector<Place> out;
  out.reserve(order.size());
  int r = 0;
  for (size_t pos = 0; pos < order.size(); ++pos) {
    size_t i = order[pos];
    if (!ranked(i)) {
      out.push_back({i, 0});
      continue;
    }
    if (pos == 0 || std::abs(m[i].key - m[order[pos - 1]].key) > 1e-12) r = static_cast<int>(pos) + 1;
    out.push_back({i, r});
  }
  return out;
}

}  // namespace ranking
}  // namespace manyi::metrics
