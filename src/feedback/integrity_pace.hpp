// PaceTable: how long real raters take at each collection point, measured from the ratings
// that count (server-measured or client time), for the relative too_fast rule
// (docs/feedback-integrity.md). Bare ratings only (overall alone, no comment): the shape a
// clicker sends. One log-scale histogram per point and one per form (template), halved when
// it reaches 4,096 ratings so it follows the recent pace; the median is read as the lower
// edge of its bucket (at most 12% low: on the safe side for honest raters).
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace manyi::feedback {

class PaceTable {
 public:
  // Adds a measured time of a bare rating at the point.
  void add(int64_t point_id, int64_t template_id, int64_t elapsed_ms);
  // The median time at the point, or (when the point has fewer than min_samples) of its form
  // at every point; 0 when neither has enough.
  int64_t median(int64_t point_id, int64_t template_id, int min_samples);

 private:
  static constexpr int kBuckets = 72;  // 200 ms × 1.12^b: up to ~30 min
  struct Hist {
    std::array<uint32_t, kBuckets> c{};
    uint32_t n = 0;
  };
  static constexpr int kParts = 16;
  struct Part {
    std::mutex mu;
    std::unordered_map<int64_t, Hist> point, form;
  };
  static int bucket(int64_t ms);
  static int64_t lower_edge(int b);
  static void bump(Hist& h, int b);
  static int64_t median_of(const Hist& h);
  Part& part(int64_t id) { return parts_[static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ULL >> 60]; }
  Part parts_[kParts];
};

}  // namespace manyi::feedback
