// Integrity scoring harness (docs/feedback-integrity.md, bench/README.md): generates its own
// labelled week of public ratings — honest raters behind realistic addresses (hospital guest
// Wi-Fi and mobile-carrier NAT pools), with human completion times, multi-point visits,
// families sharing a phone and repeat visits on later days — mixed with each stuffing pattern
// in several strengths, and replays it **through the service (FeedbackService::
// submit_public_async, the path the HTTP route takes) with an injected clock**: the fake clock
// of core/clock.hpp is set to each rating's time and the rating carries it, so a week replays
// in seconds; nothing goes through HTTP. The database is a fresh SQLite file. It prints, per
// pattern, the share of stuffing attempts held or refused (recall), and the share of honest
// ratings held (false positives) and refused.
//   integrity_harness [seed] [days]        (defaults 1 and 7)
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/period.hpp"
#include "feedback/service.hpp"
#include "forms/service.hpp"
#include "org/service.hpp"
#include "support/testing.hpp"

using namespace manyi;

namespace {

struct Event {
  int64_t at = 0;
  size_t point = 0;
  int overall = 5;
  std::string device, ip, phone;
  int64_t elapsed = 8000;
  int comment_chars = 0;
  std::string label;  // "honest" or the stuffing pattern
  std::string strength;
  // Outcome
  int64_t id = 0;
  bool refused = false, failed = false;
};

struct Unit {
  std::string wifi;  // the hospital's guest Wi-Fi: one public address
  std::vector<size_t> points;
};

std::mt19937_64 rng;
double U() { return std::uniform_real_distribution<double>(0, 1)(rng); }
std::string fresh_device() { return fmt::format("h5-{:016x}", rng()); }
std::string phone_number() { return fmt::format("1{}{:09d}", 3 + rng() % 7, rng() % 1000000000); }
// Three carriers, each NATting the city's phones behind four /24 pools.
std::string carrier_address() {
  static const char* kPools[] = {"112.96.{}.{}", "117.136.{}.{}", "223.104.{}.{}"};
  return fmt::format(fmt::runtime(kPools[rng() % 3]), 20 + rng() % 4, 1 + rng() % 254);
}
int honest_level() {
  double x = U();
  return x < 0.55 ? 5 : x < 0.85 ? 4 : x < 0.93 ? 3 : x < 0.97 ? 2 : 1;
}
// Page load to submit for a person: overall alone takes ~8 s (lognormal, σ 0.5; the fastest
// real raters ~2 s), a comment 0.5 s per character more.
int64_t human_ms(int comment_chars) {
  double t = 8000 * std::exp(0.5 * std::normal_distribution<double>(0, 1)(rng));
  return static_cast<int64_t>(std::max(1200.0, t)) + comment_chars * 500;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = argc > 1 ? std::stoull(argv[1]) : 1;
  int days = argc > 2 ? std::atoi(argv[2]) : 7;
  rng.seed(seed);
  manyi::testing::TempDb tdb("sqlite");
  auto db = tdb.open_migrated();
  org::OrgService org(*db);
  forms::FormService forms(*db);
  feedback::FeedbackService svc(*db, org, forms);
  audit::Actor sys{0, "harness", ""};

  // Six hospitals in two counties, eight departments and windows each.
  auto root = org.create_root(sys, "bureau", "B", "市卫生健康委");
  std::vector<Unit> units;
  std::vector<std::shared_ptr<const feedback::PointInfo>> points;
  std::vector<size_t> unit_of;
  std::vector<double> rate_per_hour;
  for (int c = 0; c < 2; ++c) {
    auto county = org.create_node(sys, root.id, "county", fmt::format("C{}", c), fmt::format("县{}", c));
    for (int h = 0; h < 3; ++h) {
      auto inst = org.create_node(sys, county.id, "institution", fmt::format("H{}{}", c, h), fmt::format("医院{}{}", c, h));
      Unit u;
      u.wifi = fmt::format("59.{}.{}.{}", 40 + c, 10 + h, 1 + rng() % 254);
      for (int d = 0; d < 8; ++d) {
        auto dept = org.create_node(sys, inst.id, "department", fmt::format("H{}{}-{}", c, h, d), fmt::format("科室{}", d));
        auto p = svc.create_point(sys, dept.id, 0, "", 0);
        u.points.push_back(points.size());
        points.push_back(svc.lookup(p.code));
        unit_of.push_back(units.size());
        rate_per_hour.push_back(2 + 18 * std::pow(U(), 2));  // 2–20 ratings an hour, most points quiet
      }
      units.push_back(u);
    }
  }

  int day0 = 20261102;  // a Monday
  std::vector<Event> ev;
  auto at_of = [&](int d, double hour) {
    return period::day_start_ms(period::add_days(day0, d)) + static_cast<int64_t>(hour * 3600000);
  };
  // ---- honest raters ----
  struct Visit {
    std::string device, phone;
    size_t point;
  };
  std::vector<Visit> returners;  // patients who come back on a later day
  for (int d = 0; d < days; ++d) {
    // Patients of earlier days come back and rate again (another visit, another day).
    for (auto it = returners.begin(); it != returners.end();) {
      if (U() < 0.25) {
        Event e;
        e.at = at_of(d, 8 + U() * 10);
        e.point = U() < 0.6 ? it->point : units[unit_of[it->point]].points[rng() % 8];
        e.overall = honest_level();
        e.device = it->device;
        e.phone = it->phone;
        e.ip = U() < 0.3 ? units[unit_of[e.point]].wifi : carrier_address();
        e.elapsed = human_ms(0);
        e.label = "honest";
        ev.push_back(e);
        it = returners.erase(it);
      } else {
        ++it;
      }
    }
    for (size_t p = 0; p < points.size(); ++p) {
      double hour = 8;
      for (;;) {
        hour += std::exponential_distribution<double>(rate_per_hour[p])(rng);
        if (hour >= 18) break;
        Event e;
        e.at = at_of(d, hour);
        e.point = p;
        e.overall = honest_level();
        e.device = fresh_device();
        e.ip = U() < 0.3 ? units[unit_of[p]].wifi : carrier_address();
        if (U() < (e.overall <= 2 ? 0.4 : 0.12)) e.phone = phone_number();
        e.comment_chars = U() < (e.overall <= 3 ? 0.5 : 0.1) ? static_cast<int>(5 + rng() % 60) : 0;
        e.elapsed = human_ms(e.comment_chars);
        e.label = "honest";
        // Some rate a second and third point of the same visit (same phone and address).
        int more = U() < 0.2 ? 1 + static_cast<int>(rng() % 2) : 0;
        std::vector<size_t> seen{p};
        for (int k = 0; k < more; ++k) {
          Event f = e;
          auto& up = units[unit_of[p]].points;
          f.point = up[rng() % up.size()];
          if (std::find(seen.begin(), seen.end(), f.point) != seen.end()) continue;
          seen.push_back(f.point);
          f.at = e.at + static_cast<int64_t>((5 + U() * 25) * 60000);
          f.overall = honest_level();
          f.comment_chars = 0;
          f.elapsed = human_ms(0);
          ev.push_back(f);
        }
        // A family: another member rates another department with the same phone number.
        if (!e.phone.empty() && U() < 0.1) {
          Event f = e;
          auto& up = units[unit_of[p]].points;
          f.point = up[rng() % up.size()];
          f.device = fresh_device();
          f.at = e.at + static_cast<int64_t>(U() * 3 * 3600000);
          f.overall = honest_level();
          f.elapsed = human_ms(0);
          f.comment_chars = 0;
          if (f.point != p) ev.push_back(f);
        }
        if (U() < 0.08) returners.push_back({e.device, e.phone, p});
        ev.push_back(e);
      }
    }
  }
  // ---- stuffing, each pattern in three strengths, four episodes each ----
  auto episode_time = [&](int& d, double& hour) {
    d = static_cast<int>(rng() % static_cast<uint64_t>(days));
    hour = 9 + U() * 8;
  };
  auto stuffer_time = [&] { return static_cast<int64_t>(7000 + U() * 8000); };  // they wait like people
  struct Strength {
    std::string name;
    int n;
    double minutes;
  };
  for (auto& s : std::vector<Strength>{{"10 in 5 min", 10, 5}, {"20 in 10 min", 20, 10}, {"40 in 20 min", 40, 20}})
    for (int k = 0; k < 4; ++k) {  // a ward's Wi-Fi: the hospital's address, fresh device ids, one point
      int d;
      double hour;
      episode_time(d, hour);
      size_t p = rng() % points.size();
      for (int i = 0; i < s.n; ++i)
        ev.push_back({at_of(d, hour) + static_cast<int64_t>(s.minutes * 60000 * i / s.n), p, 5, fresh_device(),
                      units[unit_of[p]].wifi, "", stuffer_time(), 0, "wifi_farm", s.name});
    }
  for (auto& s : std::vector<Strength>{{"6 points / 2 units", 6, 2}, {"10 points / 3 units", 10, 3}, {"16 points / 5 units", 16, 5}})
    for (int k = 0; k < 4; ++k) {  // recycled phone numbers: one number on top ratings all day
      int d;
      double hour;
      episode_time(d, hour);
      std::string phone = phone_number();
      int nunits = static_cast<int>(s.minutes);
      size_t u0 = rng() % units.size();
      for (int i = 0; i < s.n; ++i) {
        auto& u = units[(u0 + static_cast<size_t>(i % nunits)) % units.size()];
        size_t p = u.points[static_cast<size_t>(i / nunits) % u.points.size()];
        ev.push_back({at_of(d, 8.5 + 9.0 * i / s.n), p, 5, fresh_device(), carrier_address(), phone, stuffer_time(), 0,
                      "phone_reuse", s.name});
      }
    }
  for (auto& s : std::vector<Strength>{{"10 a day", 10, 0}, {"30 a day", 30, 0}, {"60 a day", 60, 0}})
    for (int k = 0; k < 4; ++k) {  // fast clicking just above the 1.5 s floor, spread over the day
      int d;
      double hour;
      episode_time(d, hour);
      size_t p = rng() % points.size();
      for (int i = 0; i < s.n; ++i)
        ev.push_back({at_of(d, 8.2 + 9.5 * U()), p, 5, fresh_device(), U() < 0.5 ? units[unit_of[p]].wifi : carrier_address(), "",
                      static_cast<int64_t>(1550 + U() * 650), 0, "fast_click", s.name});
    }
  for (auto& s : std::vector<Strength>{{"8 refusals", 8, 3}, {"24 refusals", 24, 5}, {"50 refusals", 50, 10}})
    for (int k = 0; k < 4; ++k) {  // one device hammering a point: one accepted, the rest refused
      int d;
      double hour;
      episode_time(d, hour);
      size_t p = rng() % points.size();
      std::string dev = fresh_device(), ip = carrier_address();
      for (int i = 0; i <= s.n; ++i)
        ev.push_back({at_of(d, hour) + static_cast<int64_t>(s.minutes * 60000 * i / s.n), p, 5, dev, ip, "", stuffer_time(), 0,
                      "dup_refusals", s.name});
    }
  for (auto& s : std::vector<Strength>{{"5 points in 10 min", 5, 10}, {"8 points in 15 min", 8, 15}})
    for (int k = 0; k < 4; ++k) {  // one phone (one device id) rating point after point
      int d;
      double hour;
      episode_time(d, hour);
      size_t u = rng() % units.size();
      std::string dev = fresh_device();
      for (int i = 0; i < s.n; ++i)
        ev.push_back({at_of(d, hour) + static_cast<int64_t>(s.minutes * 60000 * i / s.n), units[u].points[static_cast<size_t>(i) % 8], 5,
                      dev, carrier_address(), "", stuffer_time(), 0, "device_burst", s.name});
    }
  std::stable_sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.at < b.at; });

  // ---- replay ----
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<int64_t> pending{0};
  for (auto& e : ev) {
    set_fake_now_ms(e.at);
    feedback::NewRating r;
    r.overall = e.overall;
    r.device = e.device;
    r.ip = e.ip;
    r.phone = e.phone;
    r.elapsed_ms = e.elapsed;
    r.at_ms = e.at;
    for (int i = 0; i < e.comment_chars; ++i) r.comment += "好";
    ++pending;
    try {
      svc.submit_public_async(points[e.point], std::move(r), [&e, &pending](const feedback::Submitted& out, std::exception_ptr x) {
        if (x) e.failed = true;
        else e.id = out.id;
        --pending;
      });
    } catch (const Error& x) {
      --pending;
      if (x.code() == "already_rated") e.refused = true;
      else e.failed = true;
    }
  }
  while (pending > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Holds queued by the last refusals land in the next batch: let one run.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  set_fake_now_ms(0);

  std::map<int64_t, std::string> status;
  for (auto& r : db->query("SELECT id, status FROM ratings")) status[r.i64(0)] = r.str(1);
  struct Score {
    int64_t attempts = 0, refused = 0, stored = 0, held = 0, failed = 0;
  };
  std::map<std::string, Score> by_label;
  std::map<std::pair<std::string, std::string>, Score> by_strength;
  for (auto& e : ev) {
    for (Score* s : {&by_label[e.label], &by_strength[{e.label, e.strength}]}) {
      ++s->attempts;
      if (e.refused) ++s->refused;
      else if (e.failed) ++s->failed;
      else {
        ++s->stored;
        if (status[e.id] != "valid") ++s->held;
      }
    }
  }
  std::printf("integrity harness: seed %llu, %d days, %zu ratings replayed in %.1f s through FeedbackService "
              "(injected clock, SQLite)\n",
              static_cast<unsigned long long>(seed), days, ev.size(), secs);
  std::printf("%-14s %-22s %8s %8s %8s %8s %10s\n", "pattern", "strength", "attempts", "refused", "stored", "held",
              "recall");
  for (auto& [k, s] : by_strength) {
    if (k.first == "honest") continue;
    std::printf("%-14s %-22s %8lld %8lld %8lld %8lld %9.1f%%\n", k.first.c_str(), k.second.c_str(),
                static_cast<long long>(s.attempts), static_cast<long long>(s.refused), static_cast<long long>(s.stored),
                static_cast<long long>(s.held), 100.0 * static_cast<double>(s.refused + s.held) / static_cast<double>(s.attempts));
  }
  int64_t stuff = 0, caught = 0;
  for (auto& [k, s] : by_label) {
    if (k == "honest") continue;
    stuff += s.attempts;
    caught += s.refused + s.held;
    std::printf("%-14s %-22s %8lld %8lld %8lld %8lld %9.1f%%\n", k.c_str(), "all", static_cast<long long>(s.attempts),
                static_cast<long long>(s.refused), static_cast<long long>(s.stored), static_cast<long long>(s.held),
                100.0 * static_cast<double>(s.refused + s.held) / static_cast<double>(s.attempts));
  }
  auto& h = by_label["honest"];
  std::printf("stuffing overall: %lld of %lld held or refused = %.1f%%\n", static_cast<long long>(caught),
              static_cast<long long>(stuff), 100.0 * static_cast<double>(caught) / static_cast<double>(std::max<int64_t>(stuff, 1)));
  std::printf("honest: %lld ratings, %lld held = %.2f%%, %lld refused, %lld failed\n", static_cast<long long>(h.attempts),
              static_cast<long long>(h.held), 100.0 * static_cast<double>(h.held) / static_cast<double>(std::max<int64_t>(h.stored, 1)),
              static_cast<long long>(h.refused), static_cast<long long>(h.failed));
  // Why honest ratings were held: the rules named on them.
  std::map<std::string, int64_t> why;
  std::map<int64_t, std::string> flags;
  for (auto& r : db->query("SELECT id, flags FROM ratings WHERE status <> 'valid'")) flags[r.i64(0)] = r.str(1);
  for (auto& e : ev)
    if (e.label == "honest" && e.id && flags.count(e.id)) ++why[flags[e.id]];
  for (auto& [f, n] : why) std::printf("  honest held by %s: %lld\n", f.c_str(), static_cast<long long>(n));
  return 0;
}
