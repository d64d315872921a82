// Integrity rules on public ratings, each with a case that fires and one that does not
// (docs/feedback-integrity.md), plus the network grouping and the QR/PNG output.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <map>
#include <set>

#include "feedback/integrity.hpp"
#include "feedback/qr.hpp"

using namespace manyi::feedback;

namespace {
constexpr int64_t T0 = 1'750'000'000'000;

Submission sub(const std::string& device, int64_t point, int overall, int64_t at, const std::string& net = "198.51.100.0/24",
               int64_t unit = 1) {
  Submission s;
  s.device = device;
  s.net = net;
  s.point_id = point;
  s.unit_id = unit;
  s.overall = overall;
  s.at_ms = at;
  s.elapsed_ms = 8000;
  return s;
}
bool has(const Verdict& v, const std::string& flag) {
  return std::find(v.flags.begin(), v.flags.end(), flag) != v.flags.end();
}
}  // namespace

TEST(Integrity, DuplicateDeviceAndPointWithinTheWindowIsRefused) {
  IntegrityTracker t;
  EXPECT_FALSE(t.check_and_record(sub("dev-aaaaaaaa", 1, 4, T0)).duplicate);
  EXPECT_TRUE(t.check_and_record(sub("dev-aaaaaaaa", 1, 2, T0 + 3600'000)).duplicate);  // an hour later
  // Negative: another point, another device, or after the window.
  EXPECT_FALSE(t.check_and_record(sub("dev-aaaaaaaa", 2, 4, T0 + 1000)).duplicate);
  EXPECT_FALSE(t.check_and_record(sub("dev-bbbbbbbb", 1, 4, T0 + 1000)).duplicate);
  EXPECT_FALSE(t.check_and_record(sub("dev-aaaaaaaa", 1, 4, T0 + 24 * 3600'000LL + 1)).duplicate);
}

TEST(Integrity, APatientComingBackTheNextMorningIsNotADuplicate) {
  IntegrityTracker t;
  int64_t evening = 1'750'064'400'000;  // 17:00 in Shanghai
  EXPECT_FALSE(t.check_and_record(sub("dev-return00", 1, 5, evening)).duplicate);
  EXPECT_FALSE(t.check_and_record(sub("dev-return00", 1, 4, evening + 16 * 3600'000LL)).duplicate);  // 09:00 next day
  // Negative: across midnight within a few hours it is the same visit.
  int64_t late = evening + 6 * 3600'000LL + 1800'000;  // 23:30
  EXPECT_FALSE(t.check_and_record(sub("dev-midnight", 1, 5, late)).duplicate);
  EXPECT_TRUE(t.check_and_record(sub("dev-midnight", 1, 5, late + 3600'000)).duplicate);
}

TEST(Integrity, ForgetReleasesAFailedSubmission) {
  IntegrityTracker t;
  auto s = sub("dev-cccccccc", 1, 4, T0);
  EXPECT_FALSE(t.check_and_record(s).duplicate);
  t.forget(s);  // the write failed: the patient may try again
  EXPECT_FALSE(t.check_and_record(sub("dev-cccccccc", 1, 4, T0 + 5000)).duplicate);
}

TEST(Integrity, DeviceBurstOfTopRatingsIsFlagged) {
  IntegrityTracker t;  // more than 3 top ratings from one device in 10 minutes
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(has(t.check_and_record(sub("dev-burst000", 10 + i, 5, T0 + i * 60'000)), "device_burst"));
  EXPECT_TRUE(has(t.check_and_record(sub("dev-burst000", 20, 5, T0 + 200'000)), "device_burst"));
  // Negative: the same device rating 5 after the window, and lower ratings never count.
  IntegrityTracker u;
  for (int i = 0; i < 6; ++i)
    EXPECT_FALSE(has(u.check_and_record(sub("dev-slow0000", 10 + i, 5, T0 + i * 11 * 60'000LL)), "device_burst"));
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(has(u.check_and_record(sub("dev-mixed000", 30 + i, 4, T0 + i * 1000)), "device_burst"));
}

TEST(Integrity, NetworkBurstOfTopRatingsToOneUnitIsFlagged) {
  IntegrityOptions o;
  o.net_burst_max = 5;
  IntegrityTracker t(o);
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(has(t.check_and_record(sub("dev-n" + std::to_string(1000000 + i), 1, 5, T0 + i * 1000, "203.0.113.0/24", 7)),
                     "net_burst"));
  EXPECT_TRUE(has(t.check_and_record(sub("dev-n2000000", 2, 5, T0 + 9000, "203.0.113.0/24", 7)), "net_burst"));
  // Negative: the same network rating another unit, or another network rating this unit.
  EXPECT_FALSE(has(t.check_and_record(sub("dev-n3000000", 3, 5, T0 + 9000, "203.0.113.0/24", 8)), "net_burst"));
  EXPECT_FALSE(has(t.check_and_record(sub("dev-n4000000", 2, 5, T0 + 9000, "192.0.2.0/24", 7)), "net_burst"));
}

// A flood of fresh device ids (one per request, from many networks) keeps the windows within
// max_tracked per map, and the rules still hold for what comes after it.
TEST(Integrity, AFloodOfFreshDevicesStaysBoundedAndTheRulesStillHold) {
  IntegrityOptions o;
  o.max_tracked = 3200;  // two maps: at most ~6,400 entries
  IntegrityTracker t(o);
  for (int i = 0; i < 100000; ++i)
    t.check_and_record(sub("flood-" + std::to_string(i), i % 400, 5, T0 + i, "10." + std::to_string(i % 250) + ".0.0/24"));
  EXPECT_LE(t.tracked(), 2 * (3200 + 32));
  EXPECT_GT(t.tracked(), 3200u);
  int64_t later = T0 + 200000;
  EXPECT_FALSE(t.check_and_record(sub("dev-after-flood", 1, 4, later)).duplicate);
  EXPECT_TRUE(t.check_and_record(sub("dev-after-flood", 1, 4, later + 1000)).duplicate);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(has(t.check_and_record(sub("dev-after-burst", 50 + i, 5, later + i)), "device_burst"));
  EXPECT_TRUE(has(t.check_and_record(sub("dev-after-burst", 60, 5, later + 10)), "device_burst"));
}

TEST(Integrity, CompletionFasterThanAPersonIsFlagged) {
  IntegrityTracker t;
  auto s = sub("dev-fast0000", 1, 5, T0);
  s.elapsed_ms = 400;
  EXPECT_TRUE(has(t.check_and_record(s), "too_fast"));
  // The minimum grows with answers and comment length.
  auto m = sub("dev-fast0001", 1, 4, T0);
  m.answers = 7;
  m.comment_chars = 50;
  EXPECT_EQ(t.min_elapsed(m), 1500 + 7 * 300 + 50 * 30);
  m.elapsed_ms = 4000;  // plenty for overall only, too little for seven items and a comment
  EXPECT_TRUE(has(t.check_and_record(m), "too_fast"));
  // Negative: a human pace.
  auto h = sub("dev-human000", 1, 5, T0);
  h.elapsed_ms = 2500;
  EXPECT_FALSE(has(t.check_and_record(h), "too_fast"));
}

TEST(Integrity, MissingTimingIsFlaggedUnlessNotRequired) {
  IntegrityTracker t;
  auto s = sub("dev-notime00", 1, 5, T0);
  s.elapsed_ms.reset();
  EXPECT_TRUE(has(t.check_and_record(s), "no_timing"));
  IntegrityOptions o;
  o.require_timing = false;
  IntegrityTracker u(o);
  EXPECT_FALSE(has(u.check_and_record(s), "no_timing"));
}

TEST(Integrity, StaffDevicesAreFlagged) {
  IntegrityTracker t;
  t.mark_staff_device("dev-staff000");
  EXPECT_TRUE(has(t.check_and_record(sub("dev-staff000", 1, 5, T0)), "staff_device"));
  EXPECT_FALSE(has(t.check_and_record(sub("dev-patient0", 1, 5, T0)), "staff_device"));
  t.set_staff_devices({});
  EXPECT_FALSE(has(t.check_and_record(sub("dev-staff000", 2, 5, T0 + 1000)), "staff_device"));
}

TEST(Integrity, ReplayRestoresTheWindowsAfterARestart) {
  IntegrityTracker before;
  auto s = sub("dev-replay00", 1, 5, T0);
  before.check_and_record(s);
  IntegrityTracker after;  // a new process warmed from the stored ratings
  after.replay(s);
  EXPECT_TRUE(after.check_and_record(sub("dev-replay00", 1, 5, T0 + 60'000)).duplicate);
}

// ---- retroactive holding and the rules for each stuffing pattern (docs/feedback-integrity.md) ----
namespace {
Submission top(const std::string& device, int64_t point, int64_t at, const std::string& net, int64_t unit, int64_t id) {
  auto s = sub(device, point, 5, at, net, unit);
  s.rating_id = id;
  return s;
}
std::vector<int64_t> held_ids(const Verdict& v, const std::string& flag) {
  std::vector<int64_t> ids;
  for (auto& h : v.holds)
    if (h.flag == flag) ids.push_back(h.rating_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}
}  // namespace

TEST(Integrity, ABurstIsHeldFromItsFirstRating) {
  IntegrityTracker t;
  for (int i = 0; i < 3; ++i) {
    auto v = t.check_and_record(top("dev-burst111", 10 + i, T0 + i * 60'000, "198.51.100.0/24", 1, 100 + i));
    EXPECT_TRUE(v.flags.empty());
    EXPECT_TRUE(v.holds.empty());
  }
  auto fourth = t.check_and_record(top("dev-burst111", 20, T0 + 200'000, "198.51.100.0/24", 1, 103));
  EXPECT_TRUE(has(fourth, "device_burst"));
  EXPECT_EQ(held_ids(fourth, "device_burst"), (std::vector<int64_t>{100, 101, 102}));  // the three before it
  // The fifth is flagged too; the earlier ones (and the fourth, suspect already) are not named again.
  auto fifth = t.check_and_record(top("dev-burst111", 21, T0 + 210'000, "198.51.100.0/24", 1, 104));
  EXPECT_TRUE(has(fifth, "device_burst"));
  EXPECT_TRUE(fifth.holds.empty());
  // Negative: the same three ratings spread over more than the window hold nothing.
  IntegrityTracker u;
  for (int i = 0; i < 6; ++i)
    EXPECT_TRUE(u.check_and_record(top("dev-slow1111", 10 + i, T0 + i * 11 * 60'000LL, "198.51.100.0/24", 1, 200 + i))
                    .holds.empty());
}

TEST(Integrity, AWifiFarmOnOnePointIsHeldFromTheFirstRating) {
  IntegrityTracker t;  // fresh device ids, one network, one point, top ratings 40 s apart
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(t.check_and_record(top("dev-farm" + std::to_string(10000 + i), 7, T0 + i * 40'000, "203.0.113.0/24", 3, 300 + i))
                    .flags.empty());
  auto sixth = t.check_and_record(top("dev-farm20000", 7, T0 + 5 * 40'000, "203.0.113.0/24", 3, 305));
  EXPECT_TRUE(has(sixth, "wifi_farm"));
  EXPECT_EQ(held_ids(sixth, "wifi_farm"), (std::vector<int64_t>{300, 301, 302, 303, 304}));
  EXPECT_FALSE(has(t.check_and_record(top("dev-farm30000", 8, T0 + 6 * 40'000, "203.0.113.0/24", 3, 306)), "wifi_farm"))
      << "another point of the unit";
}

TEST(Integrity, ABusyCarrierNatWithManyHonestRatersIsNotHeld) {
  IntegrityTracker t;  // 40 patients behind one carrier address in half an hour, 12 points, mixed levels
  for (int i = 0; i < 40; ++i) {
    auto s = sub("dev-nat" + std::to_string(100000 + i), 50 + i % 12, i % 2 ? 5 : 4, T0 + i * 45'000, "112.96.0.0/24", 4);
    s.rating_id = 400 + i;
    auto v = t.check_and_record(s);
    EXPECT_TRUE(v.flags.empty()) << i;
    EXPECT_TRUE(v.holds.empty()) << i;
  }
}

TEST(Integrity, APhoneNumberOnTopRatingsAcrossUnitsIsHeld) {
  IntegrityTracker t;
  auto rate = [&](const std::string& phone, int64_t point, int64_t unit, int64_t at, int64_t id, int overall = 5) {
    auto s = sub("dev-ph" + std::to_string(id), point, overall, at, "10." + std::to_string(id % 200) + ".0.0/24", unit);
    s.phone = phone;
    s.rating_id = id;
    return t.check_and_record(s);
  };
  int64_t morning = 1'750'033'200'000;  // 08:20 in Shanghai
  EXPECT_TRUE(rate("ph-recycled", 1, 1, morning, 500).flags.empty());
  EXPECT_TRUE(rate("ph-recycled", 2, 2, morning + 600'000, 501).flags.empty());
  auto third = rate("ph-recycled", 3, 3, morning + 1'200'000, 502);  // a third unit the same day
  EXPECT_TRUE(has(third, "phone_reuse"));
  EXPECT_EQ(held_ids(third, "phone_reuse"), (std::vector<int64_t>{500, 501}));
  // Six points of one unit in a day: held too.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(rate("ph-onehosp", 10 + i, 9, morning + i * 60'000, 600 + i).flags.empty());
  auto sixth = rate("ph-onehosp", 16, 9, morning + 6 * 60'000, 606);
  EXPECT_TRUE(has(sixth, "phone_reuse"));
  EXPECT_EQ(held_ids(sixth, "phone_reuse").size(), 5u);
  // Negatives: a family rating two departments from one phone; a patient rating the same point
  // twice on different days (another device the second time); lower levels never count.
  EXPECT_TRUE(rate("ph-family", 20, 5, morning, 700).flags.empty());
  EXPECT_TRUE(rate("ph-family", 21, 5, morning + 300'000, 701).flags.empty());
  EXPECT_TRUE(rate("ph-patient", 30, 6, morning, 800).flags.empty());
  EXPECT_TRUE(rate("ph-patient", 30, 6, morning + 26 * 3600'000LL, 801).flags.empty());
  EXPECT_TRUE(rate("ph-patient", 31, 7, morning + 26 * 3600'000LL + 60'000, 802).flags.empty());
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(rate("ph-unhappy", 40 + i, 40 + i, morning + i * 1000, 900 + i, 3).flags.empty());
}

TEST(Integrity, FastClickingIsJudgedAgainstThePointsOwnPace) {
  IntegrityTracker t;
  // Real raters of point 1 (template 1) take 6–12 s for the overall question alone.
  for (int i = 0; i < 40; ++i) {
    auto s = sub("dev-pace" + std::to_string(1000 + i), 1, 3 + i % 3, T0 + i * 600'000LL);
    s.template_id = 1;
    s.elapsed_ms = 6000 + (i % 7) * 1000;
    s.rating_id = 1000 + i;
    EXPECT_TRUE(t.check_and_record(s).flags.empty());
  }
  auto clicker = sub("dev-click000", 1, 5, T0 + 41 * 600'000LL);
  clicker.template_id = 1;
  clicker.elapsed_ms = 1700;  // above the fixed 1.5 s floor
  EXPECT_TRUE(has(t.check_and_record(clicker), "too_fast"));
  // Negatives: a real rater with time to spare at the same point, and a fast but real rater
  // on a one-question form (point 2, template 2) whose raters take about 4 s.
  auto quick = sub("dev-quick000", 1, 5, T0 + 42 * 600'000LL);
  quick.template_id = 1;
  quick.elapsed_ms = 3500;
  EXPECT_FALSE(has(t.check_and_record(quick), "too_fast"));
  for (int i = 0; i < 40; ++i) {
    auto s = sub("dev-one" + std::to_string(1000 + i), 2, 4 + i % 2, T0 + i * 600'000LL);
    s.template_id = 2;
    s.elapsed_ms = 3000 + (i % 5) * 500;
    EXPECT_TRUE(t.check_and_record(s).flags.empty());
  }
  auto fast_real = sub("dev-fastreal", 2, 5, T0 + 50 * 600'000LL);
  fast_real.template_id = 2;
  fast_real.elapsed_ms = 1700;
  EXPECT_FALSE(has(t.check_and_record(fast_real), "too_fast"));
  // A point without enough measured ratings uses its form's pace, else the floor alone.
  auto elsewhere = sub("dev-newpoint", 3, 5, T0);
  elsewhere.template_id = 1;
  elsewhere.elapsed_ms = 1700;
  EXPECT_TRUE(has(t.check_and_record(elsewhere), "too_fast"));
  auto unknown = sub("dev-newform0", 4, 5, T0);
  unknown.template_id = 9;
  unknown.elapsed_ms = 1700;
  EXPECT_FALSE(has(t.check_and_record(unknown), "too_fast"));
}

TEST(Integrity, RepeatedRefusalsHoldTheDevicesAcceptedRating) {
  IntegrityTracker t;
  EXPECT_TRUE(t.check_and_record(top("dev-hammer00", 1, T0, "198.51.100.0/24", 1, 42)).flags.empty());
  for (int i = 1; i <= 4; ++i) {
    auto v = t.check_and_record(top("dev-hammer00", 1, T0 + i * 10'000, "198.51.100.0/24", 1, 42 + i));
    EXPECT_TRUE(v.duplicate);
    EXPECT_TRUE(v.holds.empty()) << i;
  }
  auto fifth = t.check_and_record(top("dev-hammer00", 1, T0 + 50'000, "198.51.100.0/24", 1, 50));
  EXPECT_TRUE(fifth.duplicate);
  EXPECT_EQ(held_ids(fifth, "dup_refusals"), (std::vector<int64_t>{42}));
  EXPECT_TRUE(t.check_and_record(top("dev-hammer00", 1, T0 + 60'000, "198.51.100.0/24", 1, 51)).holds.empty())
      << "named once";
  // Negatives: a double tap (refused twice), and a lower rating refused many times (not stuffing).
  IntegrityTracker u;
  u.check_and_record(top("dev-doubletap", 1, T0, "198.51.100.0/24", 1, 60));
  for (int i = 1; i <= 2; ++i) EXPECT_TRUE(u.check_and_record(top("dev-doubletap", 1, T0 + i * 800, "198.51.100.0/24", 1, 60 + i)).holds.empty());
  auto low = sub("dev-lowlevel", 1, 3, T0);
  low.rating_id = 70;
  u.check_and_record(low);
  for (int i = 1; i <= 8; ++i) {
    low.at_ms = T0 + i * 1000;
    EXPECT_TRUE(u.check_and_record(low).holds.empty());
  }
}

TEST(Integrity, ReplayedHeldRatingsAreNotHeldAgain) {
  IntegrityTracker t;  // after a restart: three top ratings of a device, the first one suspect already
  t.replay(top("dev-replay11", 1, T0, "198.51.100.0/24", 1, 90), false);
  t.replay(top("dev-replay11", 2, T0 + 1000, "198.51.100.0/24", 1, 91));
  t.replay(top("dev-replay11", 3, T0 + 2000, "198.51.100.0/24", 1, 92));
  auto v = t.check_and_record(top("dev-replay11", 4, T0 + 3000, "198.51.100.0/24", 1, 93));
  EXPECT_TRUE(has(v, "device_burst"));
  EXPECT_EQ(held_ids(v, "device_burst"), (std::vector<int64_t>{91, 92}));
}

// ---- several instances: each observes the ratings the others store ----
namespace {
// Two instances behind one load balancer: a rating is checked where it arrives and, once
// stored, observed by the other (as its message reaches it). held: every rating any verdict or
// observation held, and the flagged ones.
struct Pair {
  IntegrityTracker a, b;
  std::set<int64_t> held;
  std::map<int64_t, std::string> why;
  void take(const Verdict& v) {
    for (auto& h : v.holds) {
      held.insert(h.rating_id);
      why[h.rating_id] = h.flag;
    }
  }
  // Checked on `at`, then observed by the other; refused: false.
  bool rate(IntegrityTracker& at, IntegrityTracker& other, const Submission& s) {
    auto v = at.check_and_record(s);
    take(v);
    if (v.duplicate) return false;
    if (!v.flags.empty()) held.insert(s.rating_id);
    take(other.observe(s, !v.flags.empty()));
    return true;
  }
};
}  // namespace

TEST(Integrity, AWifiFarmSpreadOverTwoInstancesMeetsOneThreshold) {
  // Six fresh devices on one network rate one point, the load balancer alternating: each
  // instance alone sees three (under the farm's five) — shared, all six are held.
  Pair p;
  for (int i = 0; i < 6; ++i)
    p.rate(i % 2 ? p.b : p.a, i % 2 ? p.a : p.b,
           top("dev-lbfarm" + std::to_string(1000 + i), 7, T0 + i * 30'000, "203.0.113.0/24", 3, 300 + i));
  EXPECT_EQ(p.held, (std::set<int64_t>{300, 301, 302, 303, 304, 305}));
  // Not shared, the same burst passes whole.
  IntegrityTracker a, b;
  int flagged = 0;
  for (int i = 0; i < 6; ++i) {
    auto v = (i % 2 ? b : a).check_and_record(
        top("dev-lbfarm" + std::to_string(2000 + i), 7, T0 + i * 30'000, "203.0.113.0/24", 3, 400 + i));
    flagged += !v.flags.empty() || !v.holds.empty();
  }
  EXPECT_EQ(flagged, 0);
}

TEST(Integrity, ARatingHeardLateStillCountsInItsWindow) {
  // Instance b hears a's three ratings only after storing its own three (a slow link): the
  // window is ordered by time, so the sixth one heard crosses the threshold there.
  IntegrityTracker a, b;
  std::set<int64_t> held;
  std::vector<Submission> from_a;
  for (int i = 0; i < 3; ++i) {
    auto s = top("dev-late" + std::to_string(1000 + i), 7, T0 + i * 2 * 30'000, "203.0.113.0/24", 3, 500 + 2 * i);
    EXPECT_TRUE(a.check_and_record(s).flags.empty());
    from_a.push_back(s);
  }
  for (int i = 0; i < 3; ++i) {
    auto s = top("dev-late" + std::to_string(2000 + i), 7, T0 + (i * 2 + 1) * 30'000, "203.0.113.0/24", 3, 501 + 2 * i);
    EXPECT_TRUE(b.check_and_record(s).flags.empty());
  }
  for (auto& s : from_a)
    for (auto& h : b.observe(s, false).holds) held.insert(h.rating_id);
  EXPECT_EQ(held, (std::set<int64_t>{500, 501, 502, 503, 504, 505}));
  // Heard again (read back after a lost connection), nothing counts twice.
  for (auto& s : from_a) EXPECT_TRUE(b.observe(s, false, false).holds.empty());
}

TEST(Integrity, HonestRatersOverTwoInstancesAreNotHeld) {
  // The busy carrier address, 40 patients over 12 points, alternating instances; a patient who
  // rates again the next day at the other instance.
  Pair p;
  for (int i = 0; i < 40; ++i) {
    auto s = sub("dev-lbnat" + std::to_string(100000 + i), 50 + i % 12, i % 2 ? 5 : 4, T0 + i * 45'000, "112.96.0.0/24", 4);
    s.rating_id = 600 + i;
    EXPECT_TRUE(p.rate(i % 2 ? p.b : p.a, i % 2 ? p.a : p.b, s)) << i;
  }
  auto again = top("dev-lbnat100001", 51, T0 + 26 * 3600'000LL, "112.96.0.0/24", 4, 700);
  EXPECT_TRUE(p.rate(p.a, p.b, again));
  EXPECT_TRUE(p.held.empty());
  // Each instance now refuses that device at that point as a duplicate.
  EXPECT_TRUE(p.b.check_and_record(top("dev-lbnat100001", 51, T0 + 26 * 3600'000LL + 60'000, "112.96.0.0/24", 4, 701))
                  .duplicate);
}

TEST(Integrity, ATopRatingBothInstancesAcceptedAtOnceIsHeldOnce) {
  // A double tap lands on both instances before either has heard of the other: both accept;
  // once each hears the other's, the later one is held as a duplicate — the same one on both.
  IntegrityTracker a, b;
  auto first = top("dev-double01", 9, T0, "198.51.100.0/24", 1, 800);
  auto later = top("dev-double01", 9, T0 + 400, "198.51.100.0/24", 1, 801);
  EXPECT_FALSE(a.check_and_record(first).duplicate);
  EXPECT_FALSE(b.check_and_record(later).duplicate);
  auto on_a = a.observe(later, false);
  auto on_b = b.observe(first, false);
  EXPECT_EQ(held_ids(on_a, "duplicate"), (std::vector<int64_t>{801}));
  EXPECT_EQ(held_ids(on_b, "duplicate"), (std::vector<int64_t>{801}));
  // A 基本满意 double tap is not held (the rules hold top ratings only); a new visit the next
  // day is not a duplicate.
  IntegrityTracker c, d;
  auto low1 = sub("dev-double02", 9, 3, T0);
  low1.rating_id = 810;
  auto low2 = sub("dev-double02", 9, 3, T0 + 300);
  low2.rating_id = 811;
  c.check_and_record(low1);
  d.check_and_record(low2);
  EXPECT_TRUE(c.observe(low2, false).holds.empty());
  EXPECT_TRUE(d.observe(low1, false).holds.empty());
  auto next_day = top("dev-double01", 9, T0 + 25 * 3600'000LL, "198.51.100.0/24", 1, 802);
  EXPECT_TRUE(a.observe(next_day, false).holds.empty());
}

TEST(Integrity, ADeviceAndAPhoneSpreadOverTwoInstancesAreHeld) {
  Pair p;  // one device, four points in minutes (three allowed), alternating instances
  for (int i = 0; i < 4; ++i)
    p.rate(i % 2 ? p.b : p.a, i % 2 ? p.a : p.b, top("dev-lbburst1", 10 + i, T0 + i * 60'000, "198.51.100.0/24", 1, 900 + i));
  EXPECT_EQ(p.held, (std::set<int64_t>{900, 901, 902, 903}));
  Pair q;  // one phone number on three units the same day, alternating instances and devices
  int64_t morning = 1'750'033'200'000;
  for (int i = 0; i < 3; ++i) {
    auto s = top("dev-lbphone" + std::to_string(i), 20 + i, morning + i * 600'000, "10." + std::to_string(i) + ".0.0/24",
                 20 + i, 950 + i);
    s.phone = "ph-lbrecycled";
    q.rate(i % 2 ? q.b : q.a, i % 2 ? q.a : q.b, s);
  }
  EXPECT_EQ(q.held, (std::set<int64_t>{950, 951, 952}));
}

TEST(Integrity, NetworksGroupAddresses) {
  EXPECT_EQ(network_of("203.0.113.77"), "203.0.113.0/24");
  EXPECT_EQ(network_of("203.0.113.1"), network_of("203.0.113.254"));
  EXPECT_NE(network_of("203.0.113.1"), network_of("203.0.114.1"));
  EXPECT_EQ(network_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(network_of(""), "");
}

TEST(Qr, SvgAndPngCarryTheCode) {
  auto m = qr_encode("https://manyi.example.gov.cn/f/ABCDEFGH23");
  EXPECT_GE(m.size, 21);
  EXPECT_EQ((m.size - 17) % 4, 0);  // QR versions are 17 + 4v modules wide
  // Finder pattern: top-left 7x7 has a dark border and a light ring.
  EXPECT_TRUE(m.at(0, 0) && m.at(6, 0) && m.at(0, 6) && m.at(6, 6));
  EXPECT_FALSE(m.at(1, 1));
  EXPECT_TRUE(m.at(3, 3));
  auto svg = qr_svg(m);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("viewBox=\"0 0 " + std::to_string(m.size + 8)), std::string::npos);
  auto png = qr_png(m, 4);
  ASSERT_GT(png.size(), 50u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(png[at]) << 24 | static_cast<unsigned char>(png[at + 1]) << 16 |
                                 static_cast<unsigned char>(png[at + 2]) << 8 | static_cast<unsigned char>(png[at + 3]));
  };
  uint32_t w = be32(16), h = be32(20);
  EXPECT_EQ(w, static_cast<uint32_t>((m.size + 8) * 4));
  EXPECT_EQ(h, w);
  // Inflate IDAT and check a module: the pixel at module (3,3) is black (bit 0), the quiet
  // zone white (bit 1); and every chunk's CRC is right.
  size_t pos = 8;
  std::string idat;
  while (pos + 12 <= png.size()) {
    uint32_t len = be32(pos);
    std::string type = png.substr(pos + 4, 4);
    uint32_t crc = be32(pos + 8 + len);
    EXPECT_EQ(crc, crc32(0, reinterpret_cast<const Bytef*>(png.data() + pos + 4), len + 4)) << type;
    if (type == "IDAT") idat += png.substr(pos + 8, len);
    pos += 12 + len;
  }
  size_t stride = (w + 7) / 8 + 1;
  std::string raw(stride * h, '\0');
  uLongf rawlen = raw.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(raw.data()), &rawlen, reinterpret_cast<const Bytef*>(idat.data()), idat.size()),
            Z_OK);
  EXPECT_EQ(rawlen, raw.size());
  auto pixel_black = [&](uint32_t x, uint32_t y) {
    unsigned char byte = static_cast<unsigned char>(raw[y * stride + 1 + x / 8]);
    return ((byte >> (7 - x % 8)) & 1) == 0;
  };
  EXPECT_FALSE(pixel_black(0, 0));
  EXPECT_TRUE(pixel_black((4 + 3) * 4 + 1, (4 + 3) * 4 + 1));
  EXPECT_FALSE(pixel_black((4 + 1) * 4 + 1, (4 + 1) * 4 + 1));
}
