#include "feedback/integrity.hpp"

#include "core/id.hpp"
#include "core/period.hpp"

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

int episode_rank(const std::string& rule) {
  static const char* order[] = {"wifi_farm", "device_burst", "phone_reuse", "net_burst", "dup_refusals"};
  for (int i = 0; i < 5; ++i)
    if (rule == order[i]) return i;
  return 5;
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
uint64_t IntegrityTracker::farm_key(const Submission& s) { return key_hash({"f", s.net, id_bytes(s.point_id)}); }
uint64_t IntegrityTracker::phone_key(const Submission& s) {
  int64_t day = period::local_day(s.at_ms);
  return key_hash({"t", s.phone, id_bytes(day)});
}

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
constexpr int64_t kPhoneKeepMs = 26LL * 3600 * 1000;  // a local day and the clock's slack
constexpr size_t kPhoneMarks = 64;                     // per phone and day
}  // namespace

void IntegrityTracker::sweep(Shard& sh, int64_t now) {
  size_t cap = opts_.max_tracked / kShards + 1;
  if (now - sh.swept < 600000 && sh.last.size() < cap && sh.tops.size() < cap && sh.refused.size() < cap &&
      sh.phones.size() < cap)
    return;
  if (now - sh.swept >= 600000) {  // expired entries, every ten minutes
    sh.swept = now;
    for (auto it = sh.last.begin(); it != sh.last.end();)
      it = now - it->second.at > opts_.dup_window_ms ? sh.last.erase(it) : std::next(it);
    for (auto it = sh.refused.begin(); it != sh.refused.end();)
      it = now - it->second.since > opts_.burst_window_ms ? sh.refused.erase(it) : std::next(it);
    for (auto it = sh.tops.begin(); it != sh.tops.end();) {
      prune(it.value(), now, max_window());
      it = it->second.empty() ? sh.tops.erase(it) : std::next(it);
    }
    for (auto it = sh.phones.begin(); it != sh.phones.end();)
      it = it->second.empty() || now - it->second.back().at > kPhoneKeepMs ? sh.phones.erase(it) : std::next(it);
    for (auto it = sh.episodes.begin(); it != sh.episodes.end();)
      it = now - it->second.last > kPhoneKeepMs ? sh.episodes.erase(it) : std::next(it);
  }
  // Still too many (a flood of fresh keys): drop the oldest.
  trim(sh.last, cap, [](const Last& l) { return l.at; });
  trim(sh.refused, cap, [](const Refused& r) { return r.since; });
  trim(sh.tops, cap, [](const std::vector<Mark>& v) { return v.empty() ? int64_t{0} : v.back().at; });
  trim(sh.phones, cap, [](const std::vector<PhoneMark>& v) { return v.empty() ? int64_t{0} : v.back().at; });
  trim(sh.episodes, cap, [](const Open& o) { return o.last; });
}

Episode IntegrityTracker::episode_of(Shard& sh, uint64_t key, const char* rule, int64_t start, int64_t at,
                                     int64_t window) {
  auto [it, fresh] = sh.episodes.try_emplace(key, Open{start, at});
  if (!fresh && at - it->second.last > window) it.value().start = start;  // the burst ended: a new one
  it.value().last = std::max(it->second.last, at);
  int64_t begin = it->second.start;
  // Time-ordered like other ids, the low bits from the rule and key: a restart names it again.
  return {id_at(begin, key_hash({rule, std::string_view(reinterpret_cast<const char*>(&key), sizeof key)})), rule};
}

void IntegrityTracker::prune(std::vector<Mark>& marks, int64_t now, int64_t window) {
  auto keep = std::find_if(marks.begin(), marks.end(), [&](const Mark& m) { return now - m.at <= window; });
  marks.erase(marks.begin(), keep);
}

template <class Marks>
void IntegrityTracker::hold_marks(Marks& q, int64_t except, const char* flag, const Episode& e, Verdict* v) {
  for (auto& m : q)
    if (!m.held && m.id != except) {
      m.held = true;
      v->holds.push_back({m.id, flag, e});
    }
}

namespace {
// Marks stay in time order; an observed rating may be older than the newest. Returns false when
// the rating is there already (observed twice; id 0: unnamed, never the same).
template <class Marks, class Mark>
bool insert_mark(Marks& q, Mark m) {
  for (auto& x : q)
    if (m.id && x.id == m.id) return false;
  auto at = std::upper_bound(q.begin(), q.end(), m.at, [](int64_t t, const auto& x) { return t < x.at; });
  q.insert(at, m);
  return true;
}
}  // namespace

// The count is exact up to one more than the largest burst threshold, which is all the rules
// compare; older marks beyond that are dropped (held already when the rule fired), so a key
// never holds more than that many.
void IntegrityTracker::push_top(uint64_t key, const Submission& s, int64_t window, int max, const char* flag,
                                bool held, Mode mode, Verdict* v) {
  Shard& sh = shard(key);
  std::lock_guard lk(sh.mu);
  sweep(sh, s.at_ms);
  auto& q = sh.tops[key];
  // The window ends at the newest rating known (an observed one may come late).
  int64_t now = q.empty() ? s.at_ms : std::max(s.at_ms, q.back().at);
  prune(q, now, window);
  if (now - s.at_ms > window) return;  // observed after its window closed
  size_t cap = static_cast<size_t>(std::max({opts_.device_burst_max, opts_.net_burst_max, opts_.farm_max})) + 1;
  if (q.size() >= cap) q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(q.size() - cap + 1));
  if (!insert_mark(q, Mark{s.at_ms, s.rating_id, held})) return;
  if (mode == Mode::replay || static_cast<int>(q.size()) <= max) return;
  v->flags.push_back(flag);
  Episode e = episode_of(sh, key, flag, q.front().at, now, window);
  prefer(v->episode, e);
  hold_marks(q, mode == Mode::check ? s.rating_id : 0, flag, e, v);
}

// One phone number's top ratings of the day: the units and points they name.
void IntegrityTracker::push_phone(const Submission& s, bool held, Mode mode, Verdict* v) {
  uint64_t key = phone_key(s);
  Shard& sh = shard(key);
  std::lock_guard lk(sh.mu);
  sweep(sh, s.at_ms);
  auto& q = sh.phones[key];
  if (q.size() >= kPhoneMarks) q.erase(q.begin());
  if (!insert_mark(q, PhoneMark{s.at_ms, s.rating_id, s.point_id, s.unit_id, held}) || mode == Mode::replay) return;
  std::set<int64_t> units, points;
  for (auto& m : q) {
    units.insert(m.unit);
    points.insert(m.point);
  }
  if (static_cast<int>(units.size()) <= opts_.phone_units_max && static_cast<int>(points.size()) <= opts_.phone_points_max)
    return;
  v->flags.push_back("phone_reuse");
  // The day's marks are the window: the episode is the phone's day.
  Episode e = episode_of(sh, key, "phone_reuse", q.front().at, std::max(s.at_ms, q.back().at), kPhoneKeepMs);
  prefer(v->episode, e);
  hold_marks(q, mode == Mode::check ? s.rating_id : 0, "phone_reuse", e, v);
}

void IntegrityTracker::mark_held(const Submission& s) {
  auto mark = [&](auto& q) {
    for (auto it = q.rbegin(); it != q.rend(); ++it)
      if (it->id == s.rating_id) {
        it->held = true;
        return;
      }
  };
  auto in_tops = [&](uint64_t key) {
    Shard& sh = shard(key);
    std::lock_guard lk(sh.mu);
    if (auto it = sh.tops.find(key); it != sh.tops.end()) mark(it.value());
  };
  if (!s.device.empty()) in_tops(device_key(s));
  if (!s.net.empty()) {
    in_tops(net_key(s));
    in_tops(farm_key(s));
  }
  if (!s.phone.empty()) {
    uint64_t key = phone_key(s);
    Shard& sh = shard(key);
    std::lock_guard lk(sh.mu);
    if (auto it = sh.phones.find(key); it != sh.phones.end()) mark(it.value());
  }
}

int64_t IntegrityTracker::min_elapsed(const Submission& s) const {
  return opts_.min_elapsed_ms + static_cast<int64_t>(s.answers) * opts_.per_answer_ms +
         static_cast<int64_t>(std::min<size_t>(s.comment_chars, 200)) * opts_.per_comment_char_ms;
}

// The duplicate window: a device at a point. A refused repeat counts toward the refusals rule,
// which holds the device's accepted top rating there.
void IntegrityTracker::record_last(const Submission& s, bool held, Mode mode, Verdict* v) {
  uint64_t key = last_key(s);
  Shard& sh = shard(key);
  std::lock_guard lk(sh.mu);
  sweep(sh, s.at_ms);
  Last mine{s.at_ms, s.rating_id, s.top() && !held};
  auto [it, fresh] = sh.last.try_emplace(key, mine);
  if (fresh || (s.rating_id && it->second.id == s.rating_id)) return;
  // A new visit: after the window, or on another local day and some hours later (the patient
  // who rated in the evening and comes back the next morning).
  const Last& first = it->second.at <= s.at_ms ? it->second : mine;
  const Last& later = it->second.at <= s.at_ms ? mine : it->second;
  int64_t gap = later.at - first.at;
  bool new_visit = gap >= opts_.dup_window_ms ||
                   (gap >= opts_.dup_new_day_gap_ms && period::local_day(later.at) != period::local_day(first.at));
  if (mode == Mode::replay || new_visit) {  // the latest wins
    if (&later == &mine) it.value() = mine;
    return;
  }
  if (mode == Mode::observe) {
    // Two instances both accepted it: the later is the duplicate; the window keeps the first.
    if (later.hold) v->holds.push_back({later.id, "duplicate", {}});
    if (&first == &mine) it.value() = mine;
    return;
  }
  v->duplicate = true;
  auto& r = sh.refused[key];
  if (s.at_ms - r.since > opts_.burst_window_ms) r = Refused{s.at_ms, 0};
  if (++r.count > opts_.refusals_max && it->second.hold) {
    v->holds.push_back({it->second.id, "dup_refusals",
                        episode_of(sh, key, "dup_refusals", r.since, s.at_ms, opts_.burst_window_ms)});
    it.value().hold = false;
  }
}

Verdict IntegrityTracker::check_and_record(const Submission& s) {
  Verdict v;
  if (!s.device.empty()) {
    record_last(s, false, Mode::check, &v);
    if (v.duplicate) return v;
  }
  bool fast = false;
  if (s.elapsed_ms) {
    fast = *s.elapsed_ms < min_elapsed(s);
    // A bare top rating against the pace of the point's real raters.
    if (!fast && s.top() && s.bare() && opts_.fast_share > 0) {
      int64_t median = pace_.median(s.point_id, s.template_id, opts_.pace_min_samples);
      fast = median > 0 && static_cast<double>(*s.elapsed_ms) < opts_.fast_share * static_cast<double>(median);
    }
  }
  bool staff = !s.device.empty() && is_staff_device(s.device);
  // Flagged before the windows are asked: the rating's own marks start held.
  bool pre = fast || staff || (!s.elapsed_ms && opts_.require_timing);
  if (s.top()) push_tops(s, pre, Mode::check, &v);
  if (fast) v.flags.push_back("too_fast");
  if (!s.elapsed_ms && opts_.require_timing) v.flags.push_back("no_timing");
  if (staff) v.flags.push_back("staff_device");
  if (!pre && !v.flags.empty() && s.top()) mark_held(s);  // a burst rule fired on this one
  if (v.flags.empty() && s.elapsed_ms && s.bare()) pace_.add(s.point_id, s.template_id, *s.elapsed_ms);
  return v;
}

size_t IntegrityTracker::tracked() {
  size_t n = 0;
  for (auto& sh : shards_) {
    std::lock_guard lk(sh.mu);
    n += sh.last.size() + sh.tops.size() + sh.refused.size() + sh.phones.size();
  }
  return n;
}

void IntegrityTracker::forget(const Submission& s) {
  if (s.device.empty()) return;
  uint64_t key = last_key(s);
  Shard& sh = shard(key);
  std::lock_guard lk(sh.mu);
  auto it = sh.last.find(key);
  if (it != sh.last.end() && it->second.at == s.at_ms) sh.last.erase(it);
}

void IntegrityTracker::push_tops(const Submission& s, bool held, Mode mode, Verdict* v) {
  if (!s.device.empty())
    push_top(device_key(s), s, opts_.burst_window_ms, opts_.device_burst_max, "device_burst", held, mode, v);
  if (!s.net.empty()) {
    push_top(net_key(s), s, opts_.burst_window_ms, opts_.net_burst_max, "net_burst", held, mode, v);
    push_top(farm_key(s), s, opts_.farm_window_ms, opts_.farm_max, "wifi_farm", held, mode, v);
  }
  if (!s.phone.empty()) push_phone(s, held, mode, v);
}

void IntegrityTracker::replay(const Submission& s, bool valid) {
  if (!s.device.empty()) record_last(s, !valid, Mode::replay, nullptr);
  if (s.top()) push_tops(s, !valid, Mode::replay, nullptr);
  if (valid && s.elapsed_ms && s.bare()) pace_.add(s.point_id, s.template_id, *s.elapsed_ms);
}

Verdict IntegrityTracker::observe(const Submission& s, bool held, bool pace) {
  Verdict v;
  if (!s.device.empty()) record_last(s, held, Mode::observe, &v);
  // Held as the later of two duplicates: its marks start held.
  for (auto& h : v.holds) held = held || h.rating_id == s.rating_id;
  if (s.top()) push_tops(s, held, Mode::observe, &v);
  if (pace && !held && s.elapsed_ms && s.bare()) pace_.add(s.point_id, s.template_id, *s.elapsed_ms);
  return v;
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
