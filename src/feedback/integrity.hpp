// Integrity checks on public ratings, decided at write time (docs/feedback-integrity.md):
//   duplicate     same device, same point within dup_window        -> refused (409), not stored
//   device_burst  more than device_burst_max top ratings (5) from one device in the window
//   net_burst     more than net_burst_max top ratings from one network (/24, /64) to one unit
//   too_fast      completed faster than a person can (min_elapsed_ms + per answer / character)
//   no_timing     neither a server ticket nor a client elapsed time came with the rating
//   staff_device  the device was marked by a staff member signing in to the console
// Flagged ratings are stored as `suspect` and left out of figures until a reviewer accepts
// them. The tracker keeps recent history in memory (sharded, pruned); the service warms it
// from the last day of ratings at start, so a restart does not reopen the windows. With
// several instances on one PostgreSQL each instance sees its own traffic plus the warm-up.
#pragma once
#include <tsl/robin_map.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/keyhash.hpp"

namespace manyi::feedback {

struct IntegrityOptions {
  int64_t dup_window_ms = 24LL * 3600 * 1000;
  int64_t burst_window_ms = 10LL * 60 * 1000;
  int device_burst_max = 3;   // top ratings per device per burst window; more are suspect
  int net_burst_max = 30;     // top ratings per network and unit per burst window
  int64_t min_elapsed_ms = 1500;
  int64_t per_answer_ms = 300;
  int64_t per_comment_char_ms = 30;  // counted for up to 200 characters
  bool require_timing = true;
  size_t max_tracked = 2'000'000;    // entries per map before the oldest are dropped
};

struct Submission {
  std::string device;  // "" when none was sent
  std::string net;     // network of the client address ("1.2.3.0/24")
  int64_t point_id = 0, unit_id = 0;
  int overall = 0;
  size_t answers = 0;          // answered items besides overall
  size_t comment_chars = 0;
  std::optional<int64_t> elapsed_ms;  // measured completion time
  int64_t at_ms = 0;
};

struct Verdict {
  bool duplicate = false;
  std::vector<std::string> flags;
};

class IntegrityTracker {
 public:
  explicit IntegrityTracker(IntegrityOptions o = {}) : opts_(o) {}
  const IntegrityOptions& options() const { return opts_; }

  // Checks a submission and, unless it is a duplicate, records it (so concurrent duplicates
  // are refused). Call forget() if the rating then fails to be stored.
  Verdict check_and_record(const Submission& s);
  void forget(const Submission& s);
  // Replays a stored rating into the windows (warm-up, demo generation) without checking.
  void replay(const Submission& s);

  void mark_staff_device(const std::string& device);
  void set_staff_devices(std::unordered_set<std::string> devices);
  bool is_staff_device(const std::string& device) const;

  // Entries held in the windows (bounded by max_tracked per map).
  size_t tracked();

  // Minimum plausible completion time for a submission.
  int64_t min_elapsed(const Submission& s) const;

 private:
  static constexpr int kShards = 32;
  // Keys are key_hash values (device|point, d|device, n|net|unit): 8 bytes, not a heap string.
  struct Shard {
    std::mutex mu;
    tsl::robin_map<uint64_t, int64_t, KeyHashIdentity> last;  // device|point -> last rating time
    tsl::robin_map<uint64_t, std::vector<int64_t>, KeyHashIdentity> tops;  // recent top rating times
    int64_t swept = 0;
  };
  Shard& shard(uint64_t key);
  void sweep(Shard& sh, int64_t now);
  static uint64_t last_key(const Submission& s);
  static uint64_t device_key(const Submission& s);
  static uint64_t net_key(const Submission& s);
  // Counts top ratings in the window including now; records now.
  int push_top(uint64_t key, int64_t now);
  void prune(std::vector<int64_t>& times, int64_t now) const;  // drops times older than the burst window

  IntegrityOptions opts_;
  Shard shards_[kShards];
  mutable std::mutex staff_mu_;
  std::unordered_set<std::string> staff_devices_;
};

// The network a client address belongs to: IPv4 /24 ("203.0.113.0/24"), IPv6 /64.
std::string network_of(const std::string& ip);

}  // namespace manyi::feedback
