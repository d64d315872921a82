// A thread that calls a function every interval until it is stopped: the one loop every
// background task of the server runs on (scheduled jobs, the health check).
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace manyi::jobs {

class Periodic {
 public:
  // `first_now`: the first call comes at once; otherwise after one interval. `name` names the
  // thread (at most 15 characters are shown by the system).
  Periodic(std::string name, std::chrono::milliseconds interval, std::function<void()> fn, bool first_now = false);
  ~Periodic();  // stop()
  // Ends the loop: waits for a call in progress; no call starts after it returns.
  void stop();
  // Wakes the loop for a call now (its next one then comes an interval later).
  void wake();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  std::thread thread_;
};

}  // namespace manyi::jobs
