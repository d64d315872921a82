// A real receiver on a loopback port for the outbound notices' tests, one connection at a
// time: an HTTP server that answers 200 and keeps each request body (the webhook), or an SMTP
// server that keeps each message (DATA). Fake only in that it is local; the sender talks to it
// exactly as to the hospital's OA or mail server.
#pragma once
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace manyi::testing {

class Sink {
 public:
  explicit Sink(bool smtp);
  ~Sink();
  int port() const { return port_; }
  std::vector<std::string> received();
  std::vector<std::string> heads();  // webhook request heads, in the order received

 private:
  void loop();
  bool smtp_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> got_, heads_;
  std::thread thread_;
};

}  // namespace manyi::testing
