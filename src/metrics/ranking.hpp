// One ranking rule for every league table (满意度排名, and the indicators, assessments and staff
// evaluations that follow): entries measured either as a rate (k of n, ranked by the 95% Wilson
// lower bound, so 29 of 29 does not beat 930 of 1000) or as a score (a mean, ranked by its
// value); entries with n below a minimum are not ranked and are listed after the ranked ones;
// equal keys share a rank and the next rank skips (competition ranking: 1, 2, 2, 4).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace manyi::metrics {

struct Interval {
  double low = 0, high = 0;
};
// 95% Wilson score interval for k successes in n trials (z = 1.96). n = 0 gives [0, 1].
Interval wilson(int64_t k, int64_t n, double z = 1.959963984540054);

namespace ranking {

// What one entry is ranked on.
struct Measure {
  double key = 0;    // ranked on, higher first: a rate's Wilson lower bound or the score itself
  double value = 0;  // the rate or the score: orders entries with equal keys (they still share a rank)
  int64_t n = 0;     // the sample size; orders equal values and the unranked entries (larger first)
};
// k of n: ranked by the Wilson lower bound, then the rate k / n.
Measure rate(int64_t k, int64_t n);
// A mean of n observations: ranked by its value.
Measure score(double value, int64_t n);

struct Place {
  size_t index = 0;  // into the measures given
  int rank = 0;      // 1-based; 0 = not ranked (n < min_n, or n = 0)
};
// The entries in ranked order: the ranked ones (n >= min_n and n > 0) by key, then value, then n,
// all descending; then the unranked ones by n descending. Equal order keeps the input order.
// Keys within 1e-12 of the previous entry's share its rank; the next distinct key takes its
// position (1, 2, 2, 4).
std::vector<Place> rank(const std::vector<Measure>& measures, int64_t min_n);

// Sorts items into ranked order and sets each one's rank through set_rank(item, rank) (0 = not
// ranked). measure_of(item) gives its Measure.
template <class T, class MeasureOf, class SetRank>
void rank_in_place(std::vector<T>& items, int64_t min_n, MeasureOf measure_of, SetRank set_rank) {
  std::vector<Measure> m;
  m.reserve(items.size());
  for (auto& x : items) m.push_back(measure_of(x));
  auto places = rank(m, min_n);
  std::vector<T> sorted;
  sorted.reserve(items.size());
  for (auto& p : places) {
    sorted.push_back(std::move(items[p.index]));
    set_rank(sorted.back(), p.rank);
  }
  items = std::move(sorted);
}

}  // namespace ranking
}  // namespace manyi::metrics
