// Server: HTTP/1.1 over Boost.Beast with C++20 coroutines. IO threads (one per core) parse
// and write; handlers run on a worker pool because they block on the database, except
// asynchronous routes (Router::add_async), which run on the IO thread and answer later without
// holding a thread (public rating intake: answered when its batch commits). Each connection
// runs on its own strand (its timer and its socket operations never run at once). What the
// headers decide (route, method, size, rate limit, session for large bodies) is decided before
// the body is read, and all bodies in flight share one memory cap. A flood from one address is
// refused before it costs the server: at most max_connections_per_address connections, and its
// 429s held back (flood_delay_ms). Graceful stop: stop
// accepting, finish in-flight requests, then return.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/router.hpp"

namespace manyi::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int io_threads = 0;       // 0 = cores
  int worker_threads = 48;  // handlers block on the database
  int read_timeout_s = 30;
  // Open client connections at most; 0 = below the descriptor limit (RLIMIT_NOFILE less a
  // reserve for the database and files, at most 16,384). At the cap the server stops accepting
  // until connections close (they queue in the listen backlog).
  int max_connections = 0;
  // Bytes all request bodies being read or handled may hold together; a body that would pass it
  // is refused (503 server_busy, Retry-After) before it is read.
  int64_t max_body_memory = 256ll << 20;
  // Open connections one client address may hold (trusted proxies exempt); a connection beyond
  // it is never read from: it is held for flood_delay_ms, then closed (beyond twice the cap,
  // closed at once). 0 = no per-address cap.
  int max_connections_per_address = 256;
  // A flood's answers cost time, not CPU: once an address has been refused (429) more than
  // kFloodRefusalBurst times faster than kFloodRefusalRate a second, each further 429 to it is
  // sent only after this many milliseconds (the connection waits on a timer; a client that
  // waits for answers then sends about one request a second per connection), until the address
  // has been quiet for as long again as its excess took (RateLimiter::charge). 0 = never held.
  int flood_delay_ms = 1000;
  static constexpr double kFloodRefusalRate = 10;   // refusals a second an address may get at once
  static constexpr double kFloodRefusalBurst = 50;  // … and in a burst
  std::vector<std::string> trusted_proxies;  // CIDRs whose X-Forwarded-For is believed
};

class Server {
 public:
  Server(Router& router, ServerOptions opts);
  ~Server();
  // Binds (port 0 picks a free port) and returns the bound port.
  uint16_t bind();
  // Serves until stop() or SIGTERM/SIGINT; returns after in-flight requests finish.
  void run();
  void stop();
  // The connection cap in force (after bind()).
  int max_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when addr (dotted IPv4 or IPv6 text) lies in cidr ("10.0.0.0/8", "::1/128").
bool in_cidr(const std::string& addr, const std::string& cidr);

}  // namespace manyi::http
