// Integrity checks on public ratings, decided at write time (docs/feedback-integrity.md):
//   duplicate     same device, same point within dup_window (unless on another local day and
//                 dup_new_day_gap later: a new visit)                 -> refused (409), not stored
//   dup_refusals  that device refused more than refusals_max times at the point within the burst
//                 window: its accepted top rating is held
//   device_burst  more than device_burst_max top ratings (3) from one device in the window
//   net_burst     more than net_burst_max top ratings from one network (/24, /64) to one unit
//   wifi_farm     more than farm_max top ratings from one network to one point in farm_window
//   phone_reuse   one phone number on top ratings in more than phone_units_max units or
//                 phone_points_max points in one day
//   too_fast      faster than a person can (min_elapsed_ms + per answer / character), or a bare
//                 top rating faster than fast_share of the point's own median time
//   no_timing     neither a server ticket nor a client elapsed time came with the rating
//   staff_device  the device was marked by a staff member signing in to the console
//   duplicate     a top rating another instance accepted from the same device at the same
//                 point inside dup_window (the two arrived at two instances at once): the later
//                 one is held
// Flagged ratings are stored as `suspect` and left out of figures until a reviewer accepts
// them. When a burst rule fires (device, network, farm, phone) the earlier top ratings of the
// same device / network / phone inside the rule's window are held too (Verdict::holds): the
// service moves them out of the rollups in the firing rating's transaction. The tracker keeps
// recent history in memory (sharded, pruned); the service warms it from the last day of
// ratings at start, so a restart does not reopen the windows. Several instances on one
// PostgreSQL share the windows: each publishes the public ratings it stores (shared.hpp) and
// observes the others' (observe()), so a burst spread over instances meets one threshold.
#pragma once
#include <tsl/robin_map.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/keyhash.hpp"
#include "feedback/integrity_pace.hpp"

namespace manyi::feedback {

struct IntegrityOptions {
  int64_t dup_window_ms = 24LL * 3600 * 1000;
  int64_t dup_new_day_gap_ms = 4LL * 3600 * 1000;  // on another local day, this much later: a new visit
  int64_t burst_window_ms = 10LL * 60 * 1000;
  int device_burst_max = 3;   // top ratings per device per burst window; more are suspect
  int net_burst_max = 30;     // top ratings per network and unit per burst window
  int refusals_max = 4;       // duplicate refusals per device and point per burst window
  int64_t farm_window_ms = 15LL * 60 * 1000;
  int farm_max = 5;           // top ratings per network and point per farm window
  int phone_units_max = 2;    // units one phone number rates 非常满意 in one day
  int phone_points_max = 5;   // points one phone number rates 非常满意 in one day
  int64_t min_elapsed_ms = 1500;
  int64_t per_answer_ms = 300;
  int64_t per_comment_char_ms = 30;  // counted for up to 200 characters
  double fast_share = 0.3;           // of the point's median time (bare top ratings); 0 = off
  int pace_min_samples = 30;         // measured ratings before a point's (or form's) median is used
  bool require_timing = true;
  size_t max_tracked = 2'000'000;    // entries per map before the oldest are dropped
};

struct Submission {
  std::string device;  // "" when none was sent
  std::string net;     // network of the client address ("1.2.3.0/24")
  std::string phone;   // a stable key of the phone number left with the rating ("" none)
  int64_t rating_id = 0;  // the id the rating will be stored under (what holds name)
  int64_t point_id = 0, unit_id = 0, template_id = 0;
  int overall = 0;
  size_t answers = 0;          // answered items besides overall
  size_t comment_chars = 0;
  std::optional<int64_t> elapsed_ms;  // measured completion time
  int64_t at_ms = 0;
  bool top() const { return overall == 5; }
  bool bare() const { return answers == 0 && comment_chars == 0; }  // overall alone
};

// The burst a hold belongs to (事件): the rule with its key (network and point, network and
// unit, device, phone and day, device and point) and the window's start. One Wi-Fi farm is one
// episode: the rating that fired the rule, the earlier ones it held and the later ones of the
// same burst while its window stays open. The id is computed from the rule's key and the
// window's start (time-ordered like other ids: its time is the window's start), so it needs
// no query and a restarted server, warming the same windows, names the same episode.
struct Episode {
  int64_t id = 0;    // 0: none (a rating held by a rule of its own: too_fast, no_timing, …)
  std::string rule;  // wifi_farm | device_burst | phone_reuse | net_burst | dup_refusals
};
// Of two episodes one rating belongs to, the one named: the narrowest rule first.
int episode_rank(const std::string& rule);
inline void prefer(Episode& have, const Episode& other) {
  if (other.id && (!have.id || episode_rank(other.rule) < episode_rank(have.rule))) have = other;
}

// An earlier rating a rule holds now, the rule and its episode.
struct Hold {
  int64_t rating_id = 0;
  std::string flag;
  Episode episode;
};

struct Verdict {
  bool duplicate = false;
  std::vector<std::string> flags;
  std::vector<Hold> holds;  // earlier ratings to hold (also for a refused duplicate)
  Episode episode;          // of this rating, when a burst rule flagged it
};

class IntegrityTracker {
 public:
  explicit IntegrityTracker(IntegrityOptions o = {}) : opts_(o) {}
  const IntegrityOptions& options() const { return opts_; }

  // Checks a submission and, unless it is a duplicate, records it (so concurrent duplicates
  // are refused). Call forget() if the rating then fails to be stored.
  Verdict check_and_record(const Submission& s);
  void forget(const Submission& s);
  // Replays a stored rating into the windows (warm-up, demo generation) without checking;
  // `valid`: it counts in the figures (may be held later, and its time is a measured pace).
  void replay(const Submission& s, bool valid = true);
  // A public rating another instance stored (`held`: stored suspect): into every window, and the
  // burst rules applied as if it had come here — when its window is then over the threshold, the
  // window's ratings not held yet are returned to hold, this one included (it is stored valid).
  // A rating a window holds already (by id) is not counted there again, so a rating observed
  // twice (read back after the sharing connection was lost) counts once; `pace`: its time joins
  // the point's pace. A top rating of a device at a point where the duplicate window has another
  // within dup_window (the two reached two instances at once): the later one is held
  // (`duplicate`).
  Verdict observe(const Submission& s, bool held, bool pace = true);

  void mark_staff_device(const std::string& device);
  void set_staff_devices(std::unordered_set<std::string> devices);
  bool is_staff_device(const std::string& device) const;

  // Entries held in the windows (bounded by max_tracked per map).
  size_t tracked();

  // Minimum plausible completion time for a submission (the fixed floor).
  int64_t min_elapsed(const Submission& s) const;
  // The point's measured completion times (bare ratings).
  PaceTable& pace() { return pace_; }

 private:
  static constexpr int kShards = 32;
  struct Mark {  // a top rating in a window
    int64_t at = 0, id = 0;
    bool held = false;  // suspect already, or held by a rule: not to be held again
  };
  struct Last {  // a device's last rating at a point
    int64_t at = 0, id = 0;
    bool hold = false;  // a top rating not held yet: the refusals rule may hold it
  };
  struct Refused {
    int64_t since = 0;
    int count = 0;
  };
  struct PhoneMark {
    int64_t at = 0, id = 0, point = 0, unit = 0;
    bool held = false;
  };
  struct Open {  // a burst's episode while its window stays open: its start and last firing
    int64_t start = 0, last = 0;
  };
  // Keys are key_hash values (device|point, d|device, n|net|unit, f|net|point, t|phone|day):
  // 8 bytes, not a heap string.
  struct Shard {
    std::mutex mu;
    tsl::robin_map<uint64_t, Last, KeyHashIdentity> last;
    tsl::robin_map<uint64_t, Refused, KeyHashIdentity> refused;
    tsl::robin_map<uint64_t, std::vector<Mark>, KeyHashIdentity> tops;
    tsl::robin_map<uint64_t, std::vector<PhoneMark>, KeyHashIdentity> phones;
    tsl::robin_map<uint64_t, Open, KeyHashIdentity> episodes;  // by window key, of fired rules
    int64_t swept = 0;
  };
  Shard& shard(uint64_t key);
  void sweep(Shard& sh, int64_t now);
  static uint64_t last_key(const Submission& s);
  static uint64_t device_key(const Submission& s);
  static uint64_t net_key(const Submission& s);
  static uint64_t farm_key(const Submission& s);
  static uint64_t phone_key(const Submission& s);
  // How a rating enters the windows: checked as it comes, replayed from the database, or
  // observed from another instance.
  enum class Mode { check, replay, observe };
  // Records a top rating under key; when the window then holds more than max, flags the
  // submission and takes the earlier ratings not yet held (observe: itself too; replay: none).
  void push_top(uint64_t key, const Submission& s, int64_t window, int max, const char* flag, bool held, Mode mode,
                Verdict* v);
  void push_phone(const Submission& s, bool held, Mode mode, Verdict* v);
  // A top rating into the device's, the network's (unit and point) and the phone's windows.
  void push_tops(const Submission& s, bool held, Mode mode, Verdict* v);
  // The episode of a rule firing on key at `at` (the shard's lock held): the open one when the
  // key fired within `window` before, else a new one starting at `start`.
  Episode episode_of(Shard& sh, uint64_t key, const char* rule, int64_t start, int64_t at, int64_t window);
  // After the rules: a flagged rating's own marks are not to be held again.
  void mark_held(const Submission& s);
  void record_last(const Submission& s, bool held, Mode mode, Verdict* v);
  // Takes the marks not held yet into v's holds (all but `except`) under the rule's episode.
  template <class Marks>
  static void hold_marks(Marks& q, int64_t except, const char* flag, const Episode& e, Verdict* v);
  static void prune(std::vector<Mark>& marks, int64_t now, int64_t window);
  int64_t max_window() const { return std::max(opts_.burst_window_ms, opts_.farm_window_ms); }

  IntegrityOptions opts_;
  Shard shards_[kShards];
  PaceTable pace_;
  mutable std::mutex staff_mu_;
  std::unordered_set<std::string> staff_devices_;
};

// The network a client address belongs to: IPv4 /24 ("203.0.113.0/24"), IPv6 /64.
std::string network_of(const std::string& ip);

}  // namespace manyi::feedback
