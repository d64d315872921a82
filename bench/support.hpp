// What the benchmarks in bench/*_bench.cpp share: their knobs from the environment and one
// way to time a call (one call per iteration, repeated; median, p95 and max of real time in ms).
#pragma once
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace manyi::bench {

inline int64_t env_int(const char* name, int64_t def) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : def;
}

// MANYI_BENCH_REPS repetitions (default 30) of one call each, at most `max_reps`.
inline void p95(benchmark::internal::Benchmark* b, int max_reps = 1000) {
  b->Iterations(1)
      ->Repetitions(std::min(max_reps, static_cast<int>(env_int("MANYI_BENCH_REPS", 30))))
      ->ComputeStatistics("p95",
                          [](const std::vector<double>& v) {
                            auto s = v;
                            std::sort(s.begin(), s.end());
                            return s[std::min(s.size() - 1, static_cast<size_t>(std::ceil(0.95 * s.size())) - 1)];
                          })
      ->ComputeStatistics("max", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); })
      ->ReportAggregatesOnly(true)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

}  // namespace manyi::bench
