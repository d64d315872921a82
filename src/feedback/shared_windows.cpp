// The integrity windows shared by the instances on one PostgreSQL database
// (docs/feedback-integrity.md, "Several instances"). Each public rating an instance stores is
// published in its own transaction (Tx::notify: delivered when it commits, never when it rolls
// back) as what the windows need of it — id, time, point, unit, survey, level, time taken,
// whether it answered more than the level, whether it was stored held, device, network and the
// keyed hash of its phone number (the columns the warm-up reads back from `ratings`). Every
// other instance observes it (IntegrityTracker::observe): a burst spread over instances meets
// one threshold, and the ratings a rule holds are held by whichever instance saw the threshold
// crossed (holds are conditional, so two instances holding one burst hold it once). What the
// sharing connection missed while it was down is read back from the ratings table.
//
// Cost: nothing on the request; one pg_notify statement per ~40 ratings in the batch's
// pipeline, and on each instance the other instances' ratings parsed on the listener thread.
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "core/id.hpp"
#include "core/json.hpp"
#include "feedback/prepared.hpp"
#include "feedback/service.hpp"

namespace manyi::feedback {

namespace {
constexpr const char* kChannel = "manyi_rating_windows";
constexpr size_t kPayloadMax = 7000;  // of PostgreSQL's 8,000 bytes per message
constexpr int64_t kMissedSlackMs = 5000;  // batches commit out of id order by up to this much
}  // namespace

void FeedbackService::share_windows() {
  if (listener_) return;
  uint64_t token;
  randombytes_buf(&token, sizeof token);
  instance_ = fmt::format("{:016x}", token);
  listener_ = db_.listen(
      kChannel, [this](std::string_view payload) { observe_shared(payload); },
      [this](int64_t since) { observe_missed(since); });
  if (listener_) spdlog::info("integrity windows shared with the other instances on this database");
}

// Inside the batch's transaction, after its rows: one message per ~7 KB of ratings.
void FeedbackService::publish_shared(store::Tx& tx, const std::vector<Prepared*>& items) {
  if (!listener_) return;
  const std::string head = "{\"i\":\"" + instance_ + "\",\"r\":[";
  std::string msg;
  int64_t n = 0;
  auto send = [&] {
    if (msg.empty()) return;
    msg += "]}";
    tx.notify(kChannel, msg);
    msg.clear();
  };
  for (auto* x : items) {
    const Submission& s = x->recorded;
    if (!x->row || !s.rating_id) continue;  // console entries are not in the windows
    json rec = json::array({s.rating_id, s.at_ms, s.point_id, s.unit_id, s.template_id, s.overall,
                            s.elapsed_ms ? json(*s.elapsed_ms) : json(nullptr), s.bare() ? 1 : 0,
                            x->out.status == "valid" ? 0 : 1, s.device, s.net, s.phone});
    std::string one = rec.dump();
    if (!msg.empty() && msg.size() + one.size() > kPayloadMax) send();
    msg += msg.empty() ? head : ",";
    msg += one;
    ++n;
  }
  send();
  shared_sent_ += n;
}

void FeedbackService::hold_observed(std::vector<Hold> holds) {
  if (holds.empty()) return;
  shared_holds_ += static_cast<int64_t>(holds.size());
  enqueue_holds(std::move(holds), 0);
}

void FeedbackService::observe_shared(std::string_view payload) {
  json m = json::parse(payload, nullptr, false);
  if (!m.is_object() || !m.contains("i") || !m.contains("r") || !m["r"].is_array()) {
    spdlog::warn("integrity: a shared-window message not understood ({} bytes)", payload.size());
    return;
  }
  if (m["i"] == instance_) return;  // this instance's own
  std::vector<Hold> holds;
  for (auto& r : m["r"]) {
    if (!r.is_array() || r.size() < 12) continue;
    Submission s;
    s.rating_id = r[0].get<int64_t>();
    s.at_ms = r[1].get<int64_t>();
    s.point_id = r[2].get<int64_t>();
    s.unit_id = r[3].get<int64_t>();
    s.template_id = r[4].get<int64_t>();
    s.overall = r[5].get<int>();
    if (!r[6].is_null()) s.elapsed_ms = r[6].get<int64_t>();
    if (r[7].get<int>() == 0) s.answers = 1;  // not bare: the windows need no more than that
    bool held = r[8].get<int>() != 0;
    s.device = r[9].get<std::string>();
    s.net = r[10].get<std::string>();
    s.phone = r[11].get<std::string>();
    auto v = tracker_.observe(s, held);
    for (auto& h : v.holds) holds.push_back(std::move(h));
    ++shared_heard_;
  }
  hold_observed(std::move(holds));
}

// The listener was down: the ratings stored meanwhile, read back (the ones the windows have
// already are not counted twice; their times stay out of the pace).
void FeedbackService::observe_missed(int64_t since_ms) {
  ++shared_gaps_;
  std::vector<Hold> holds;
  try {
    for_each_public_rating(id_floor(since_ms - kMissedSlackMs), [&](const Submission& s, bool valid) {
      auto v = tracker_.observe(s, !valid, false);
      for (auto& h : v.holds) holds.push_back(std::move(h));
    });
  } catch (const std::exception& e) {
    spdlog::warn("integrity: the ratings missed by the shared windows were not read: {}", e.what());
  }
  hold_observed(std::move(holds));
}

std::string FeedbackService::sharing_metrics() const {
  if (!listener_) return "";
  return fmt::format(
      "# HELP manyi_integrity_shared_total Public ratings sent to and heard from the other instances' integrity "
      "windows, ratings held on what was heard, and times the sharing connection was made anew.\n"
      "# TYPE manyi_integrity_shared_total counter\n"
      "manyi_integrity_shared_total{{event=\"sent\"}} {}\n"
      "manyi_integrity_shared_total{{event=\"heard\"}} {}\n"
      "manyi_integrity_shared_total{{event=\"held\"}} {}\n"
      "manyi_integrity_shared_total{{event=\"reconnected\"}} {}\n",
      shared_sent_.load(), shared_heard_.load(), shared_holds_.load(), shared_gaps_.load());
}

}  // namespace manyi::feedback
