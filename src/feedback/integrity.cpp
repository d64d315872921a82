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

IntegrityTracker::Shard& IntegrityTracker::shard(uint64_t key) { return shards_[key_shard(key, kShards)]; }

// The windows' keys: a device at a point (duplicates), a device (its top ratings), a network at
// a unit (its top ratings). Ids enter as their 8 bytes.
namespace {
std::string_view id_bytes(const int64_t& id) { return {reinterpret_cast<const char*>(&id), sizeof id}; }
}  // namespace
uint64_t IntegrityTracker::last_key(const Submission& s) { return key_hash({"p", s.device, id_bytes(s.point_id)}); }
uint64_t IntegrityTracker::device_key(const Submission& s) { return key_hash({"d", s.device}); }
uint64_t IntegrityTracker::net_key(const Submission& s) { return key_hash({"n", s.net, id_bytes(s.unit_id)}); }

namespace {
// Over its cap, a map keeps its newest three quarters of the cap: one pass finds the cut-off
// time, one drops what is older. So a flood of fresh keys costs a pass per quarter of the cap,
// not one per request, and the entries the rules look at next (the newest) stay.
template <class Map, class Time>
void trim(Map& m, size_t cap, Time time_of) {
  if (m.size() < cap) return;
  size_t keep = cap * 3 / 4, drop = m.size() - keep;
  std::vector<int64_t> times;
  times.reserve(m.size());
  for (auto it = m.begin(); it != m.end(); ++it) times.push_back(time_of(it->second));
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(drop), times.end());
  int64_t cut = times[drop];
  for (auto it = m.begin(); it != m.end();) it = time_of(it->second) < cut ? m.erase(it) : std::next(it);
  for (auto it = m.begin(); m.size() > keep && it != m.end();)  // ties at the cut-off
    it = time_of(it->second) == cut ? m.erase(it) : std::next(it);
}
}  // namespace

void IntegrityTracker::sweep(Shard& sh, int64_t now) {
  size_t cap = opts_.max_tracked / kShards + 1;
  if (now - sh.swept < 600000 && sh.last.size() < cap && sh.tops.size() < cap) return;
  if (now - sh.swept >= 600000) {  // expired entries, every ten minutes
    sh.swept = now;
    for (auto it = sh.last.begin(); it != sh.last.end();)
      it = now - it->second > opts_.dup_window_ms ? sh.last.erase(it) : std::next(it);
    for (auto it = sh.tops.begin(); it != sh.tops.end();) {
      prune(it.value(), now);
      it = it->second.empty() ? sh.tops.erase(it) : std::next(it);
    }
  }
  // Still too many (a flood of fresh keys): drop the oldest.
  trim(sh.last, cap, [](int64_t t) { return t; });
  trim(sh.tops, cap, [](const std::vector<int64_t>& v) { return v.empty() ? int64_t{0} : v.back(); });
}

void IntegrityTracker::prune(std::vector<int64_t>& times, int64_t now) const {
  auto keep = std::find_if(times.begin(), times.end(), [&](int64_t t) { return now - t <= opts_.burst_window_ms; });
  times.erase(times.begin(), keep);
}

// The count is exact up to one more than the larger burst threshold, which is all the rules
// compare; older times beyond that are dropped, so a key never holds more than that many.
int IntegrityTracker::push_top(uint64_t key, int64_t now) {
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
    uint64_t key = last_key(s);
    Shard& sh = shard(key);
    std::lock_guard lk(sh.mu);
    sweep(sh, s.at_ms);
    auto [it, fresh] = sh.last.try_emplace(key, s.at_ms);
    if (!fresh) {
      if (s.at_ms - it->second < opts_.dup_window_ms) {
        v.duplicate = true;
        return v;
      }
      it.value() = s.at_ms;
    }
  }
  if (s.overall == 5) {
    if (!s.device.empty() && push_top(device_key(s), s.at_ms) > opts_.device_burst_max)
      v.flags.push_back("device_burst");
    if (!s.net.empty() && push_top(net_key(s), s.at_ms) > opts_.net_burst_max) v.flags.push_back("net_burst");
  }
  if (s.elapsed_ms) {
    if (*s.elapsed_ms < min_elapsed(s)) v.flags.push_back("too_fast");
  } else if (opts_.require_timing) {
    v.flags.push_back("no_timing");
  }
  if (!s.device.empty() && is_staff_device(s.device)) v.flags.push_back("staff_device");
  return v;
}

size_t IntegrityTracker::tracked() {
  size_t n = 0;
  for (auto& sh : shards_) {
    std::lock_guard lk(sh.mu);
    n += sh.last.size() + sh.tops.size();
  }
  return n;
}

void IntegrityTracker::forget(const Submission& s) {
  if (s.device.empty()) return;
  uint64_t key = last_key(s);
  Shard& sh = shard(key);
  std::lock_guard lk(sh.mu);
  auto it = sh.last.find(key);
  if (it != sh.last.end() && it->second == s.at_ms) sh.last.erase(it);
}

void IntegrityTracker::replay(const Submission& s) {
  if (!s.device.empty()) {
    uint64_t key = last_key(s);
    Shard& sh = shard(key);
    std::lock_guard lk(sh.mu);
    auto [it, fresh] = sh.last.try_emplace(key, s.at_ms);
    if (!fresh) it.value() = std::max(it->second, s.at_ms);
  }
  if (s.overall == 5) {
    if (!s.device.empty()) push_top(device_key(s), s.at_ms);
    if (!s.net.empty()) push_top(net_key(s), s.at_ms);
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
