#include "http/metrics.hpp"

#include <fmt/format.h>

namespace manyi::http {
namespace {
const double kBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr size_t kN = sizeof(kBounds) / sizeof(kBounds[0]);
}  // namespace

void Metrics::observe(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard lk(mu_);
  ++requests_[fmt::format("{}|{}|{}", method, route, status)];
  auto& h = latency_[method + '|' + route];
  if (h.buckets.empty()) h.buckets.assign(kN, 0);
  for (size_t i = 0; i < kN; ++i)
    if (seconds <= kBounds[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::render() {
  std::string out;
  {
    std::lock_guard lk(mu_);
    out += "# HELP manyi_http_requests_total HTTP requests by route and status.\n# TYPE manyi_http_requests_total counter\n";
    for (auto& [k, v] : requests_) {
      auto a = k.find('|'), b = k.rfind('|');
      out += fmt::format("manyi_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", k.substr(0, a),
                         k.substr(a + 1, b - a - 1), k.substr(b + 1), v);
    }
    out += "# HELP manyi_http_request_seconds Request latency.\n# TYPE manyi_http_request_seconds histogram\n";
    for (auto& [k, h] : latency_) {
      auto a = k.find('|');
      std::string labels = fmt::format("method=\"{}\",route=\"{}\"", k.substr(0, a), k.substr(a + 1));
      for (size_t i = 0; i < kN; ++i)
        out += fmt::format("manyi_http_request_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, kBounds[i], h.buckets[i]);
      out += fmt::format("manyi_http_request_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, h.count);
      out += fmt::format("manyi_http_request_seconds_sum{{{}}} {}\n", labels, h.sum);
      out += fmt::format("manyi_http_request_seconds_count{{{}}} {}\n", labels, h.count);
    }
  }
  out += fmt::format(
      "# HELP manyi_http_connections_open Client connections open now.\n# TYPE manyi_http_connections_open gauge\n"
      "manyi_http_connections_open {}\n"
      "# HELP manyi_http_requests_in_flight Requests read and being handled now (this one included).\n"
      "# TYPE manyi_http_requests_in_flight gauge\nmanyi_http_requests_in_flight {}\n"
      "# HELP manyi_http_connection_limit_waits_total Times the server stopped accepting at its connection cap.\n"
      "# TYPE manyi_http_connection_limit_waits_total counter\nmanyi_http_connection_limit_waits_total {}\n"
      "# HELP manyi_http_accept_errors_total Failed accepts (e.g. out of file descriptors).\n"
      "# TYPE manyi_http_accept_errors_total counter\nmanyi_http_accept_errors_total {}\n"
      "# HELP manyi_http_body_memory_refusals_total Requests refused because in-flight bodies reached their memory cap.\n"
      "# TYPE manyi_http_body_memory_refusals_total counter\nmanyi_http_body_memory_refusals_total {}\n"
      "# HELP manyi_http_body_memory_bytes Bytes held by request bodies being read or handled.\n"
      "# TYPE manyi_http_body_memory_bytes gauge\nmanyi_http_body_memory_bytes {}\n"
      "# HELP manyi_http_address_cap_refusals_total Connections not served because their address had its cap open (held unread, then closed).\n"
      "# TYPE manyi_http_address_cap_refusals_total counter\nmanyi_http_address_cap_refusals_total {}\n"
      "# HELP manyi_http_flood_delays_total 429 answers held back because their address kept sending after refusals.\n"
      "# TYPE manyi_http_flood_delays_total counter\nmanyi_http_flood_delays_total {}\n",
      connections_open.load(), requests_in_flight.load(), connection_limit_waits.load(), accept_errors.load(), body_memory_refusals.load(),
      body_memory_bytes.load(), address_cap_refusals.load(), flood_delays.load());
  for (auto& g : gauges_) out += g();
  return out;
}

}  // namespace manyi::http
