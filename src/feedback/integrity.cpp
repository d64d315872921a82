#include "feedback/integrity.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace manyi::feedback {

std::string network_of(const std::string& ip) {
  unsigned char b[16];
  if (inet_pton(AF_INET, ip.c_str(), b) == 1) return fmt::format("{}.{}.{}.0/24", b[0], b[1], b[2]);
  if (inet_pton(AF_INET6, ip.c_str(), b) == 1) {
    for (int i = 8; i < 16; ++i) b[i] = 0;
    char out[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, b, out, sizeof out);
    return std::string(out) + "/64";
  }
  return ip;
}

IntegrityTracker::Shard& IntegrityTracker::shard(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

void IntegrityTracker::sweep(Shard& sh, int64_t now) {
  size_t cap = opts_.max_tracked / kShards + 1;
  if (now - sh.swept < 600000 && sh.last.size() < cap && sh.tops.size() < cap) return;
  sh.swept = now;
  for (auto it = sh.last.begin(); it != sh.last.end();)
    it = now - it->second > opts_.dup_window_ms ? sh.last.erase(it) : std::next(it);
  for (auto it = sh.tops.begin(); it != sh.tops.end();) {
    prune(it->second, now);
    it = it->second.empty() ? sh.tops.erase(it) : std::next(it);
  }
  // Still too many (a flood of fresh keys): drop arbitrary entries rather than grow unbounded.
  while (sh.last.size() > cap) sh.last.erase(sh.last.begin());
  while (sh.tops.size() > cap) sh.tops.erase(sh.tops.begin());
}

void IntegrityTracker::prune(std::vector<int64_t>& times, int64_t now) const {
  auto keep = std::find_if(times.begin(), times.end(), [&](int64_t t) { return now - t <= opts_.burst_window_ms; });
  times.erase(times.begin(), keep);
}

// The count is exact up to one more than the larger burst threshold, which is all the rules
// compare; older times beyond that are dropped, so a key never holds more than that many.
int IntegrityTracker::push_top(const std::string& key, int64_t now) {
  Shard& sh = shard(key);
  std::lock_guard lk(sh.mu);
  sweep(sh, now);
  auto& q = sh.tops[key];
  prune(q, now);
  size_t cap = static_cast<size_t>(std::max(opts_.device_burst_max, opts_.net_burst_max)) + 1;
  if (q.size() >= cap) q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(q.size() - cap + 1));
  q.push_back(now);
  return static_cast<int>(q.size());
}

int64_t IntegrityTracker::min_elapsed(const Submission& s) const {
  return opts_.min_elapsed_ms + static_cast<int64_t>(s.answers) * opts_.per_answer_ms +
         static_cast<int64_t>(std::min<size_t>(s.comment_chars, 200)) * opts_.per_comment_char_ms;
}

Verdict IntegrityTracker::check_and_record(const Submission& s) {
  Verdict v;
  if (!s.device.empty()) {
    std::string key = s.device + '|' + std::to_string(s.point_id);
    Shard& sh = shard(key);
    std::lock_guard lk(sh.mu);
    sweep(sh, s.at_ms);
    auto it = sh.last.find(key);
    if (it != sh.last.end() && s.at_ms - it->second < opts_.dup_window_ms) {
      v.duplicate = true;
      return v;
    }
    sh.last[key] = s.at_ms;
  }
  if (s.overall == 5) {
    if (!s.device.empty() && push_top("d|" + s.device, s.at_ms) > opts_.device_burst_max)
      v.flags.push_back("device_burst");
    if (!s.net.empty() && push_top("n|" + s.net + '|' + std::to_string(s.unit_id), s.at_ms) > opts_.net_burst_max)
      v.flags.push_back("net_burst");
  }
  if (s.elapsed_ms) {
    if (*s.elapsed_ms < min_elapsed(s)) v.flags.push_back("too_fast");
  } else if (opts_.require_timing) {
    v.flags.push_back("no_timing");
  }
  if (!s.device.empty() && is_staff_device(s.device)) v.flags.push_back("staff_device");
  return v;
}

void IntegrityTracker::forget(const Submission& s) {
  if (s.device.empty()) return;
  std::string key = s.device + '|' + std::to_string(s.point_id);
  Shard& sh = shard(key);
  std::lock_guard lk(sh.mu);
  auto it = sh.last.find(key);
  if (it != sh.last.end() && it->second == s.at_ms) sh.last.erase(it);
}

void IntegrityTracker::replay(const Submission& s) {
  if (!s.device.empty()) {
    std::string key = s.device + '|' + std::to_string(s.point_id);
    Shard& sh = shard(key);
    std::lock_guard lk(sh.mu);
    auto& last = sh.last[key];
    last = std::max(last, s.at_ms);
  }
  if (s.overall == 5) {
    if (!s.device.empty()) push_top("d|" + s.device, s.at_ms);
    if (!s.net.empty()) push_top("n|" + s.net + '|' + std::to_string(s.unit_id), s.at_ms);
  }
}

void IntegrityTracker::mark_staff_device(const std::string& device) {
  std::lock_guard lk(staff_mu_);
  staff_devices_.insert(device);
}
void IntegrityTracker::set_staff_devices(std::unordered_set<std::string> devices) {
  std::lock_guard lk(staff_mu_);
  staff_devices_ = std::move(devices);
}
bool IntegrityTracker::is_staff_device(const std::string& device) const {
  std::lock_guard lk(staff_mu_);
  return staff_devices_.count(device) > 0;
}

}  // namespace manyi::feedback
