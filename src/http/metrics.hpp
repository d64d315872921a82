// Metrics: request counts by route and status and a latency histogram, rendered as
// Prometheus text at /metrics together with gauges supplied by the app (DB pool, writer queue).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace manyi::http {

class Metrics {
 public:
  void observe(const std::string& method, const std::string& route, int status, double seconds);
  void add_gauge_source(std::function<std::string()> f) { gauges_.push_back(std::move(f)); }
  std::string render();

  // Connection handling (the server updates these; rendered with the rest).
  std::atomic<int64_t> connections_open{0};
  std::atomic<int64_t> requests_in_flight{0};  // read and not yet answered (the /metrics request included)
  std::atomic<int64_t> connection_limit_waits{0};  // times the accept loop paused at the cap
  std::atomic<int64_t> accept_errors{0};           // accept() failures (EMFILE and the like)
  std::atomic<int64_t> body_memory_refusals{0};    // 503s because in-flight bodies hit their cap
  std::atomic<int64_t> body_memory_bytes{0};       // bytes reserved by bodies being read or handled
  std::atomic<int64_t> address_cap_refusals{0};    // connections not served: their address held its cap
  std::atomic<int64_t> flood_delays{0};            // 429s held back because their address kept flooding

 private:
  struct Hist {
    std::vector<uint64_t> buckets;
    uint64_t count = 0;
    double sum = 0;
  };
  std::mutex mu_;
  std::map<std::string, uint64_t> requests_;  // "method|route|status"
  std::map<std::string, Hist> latency_;       // "method|route"
  std::vector<std::function<std::string()>> gauges_;
};

}  // namespace manyi::http
