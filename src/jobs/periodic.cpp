#include "jobs/periodic.hpp"

#include <pthread.h>

namespace manyi::jobs {

Periodic::Periodic(std::string name, std::chrono::milliseconds interval, std::function<void()> fn, bool first_now) {
  thread_ = std::thread([this, name = std::move(name), interval, fn = std::move(fn), first_now] {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    std::unique_lock lk(mu_);
    if (first_now) woken_ = true;
    for (;;) {
      cv_.wait_for(lk, interval, [this] { return stop_ || woken_; });
      if (stop_) return;
      woken_ = false;
      lk.unlock();
      fn();
      lk.lock();
    }
  });
}

Periodic::~Periodic() { stop(); }

void Periodic::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Periodic::wake() {
  {
    std::lock_guard lk(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

}  // namespace manyi::jobs
