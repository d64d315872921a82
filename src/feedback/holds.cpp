// Retroactive holding (docs/feedback-integrity.md): when a burst rule fires, the earlier top
// ratings of the same device, network or phone inside the rule's window become suspect too,
// in the firing rating's transaction, and leave the rollups. A rating still valid and never
// reviewed is held once (the status change is conditional, so two holds or a hold and a
// review never both take it out); a reviewer's accept puts it back (reviews.cpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>

#include "core/json.hpp"
#include "feedback/internal.hpp"
#include "feedback/prepared.hpp"
#include "feedback/service.hpp"
#include "forms/json.hpp"

namespace manyi::feedback {
using store::Params;
using store::id_or_null;

namespace {
constexpr int kHoldRounds = 3;  // batches a hold waits for its rating to be stored
constexpr size_t kChunk = 400;  // ids per statement
}  // namespace

// Holds whose ratings are not stored yet (queued behind the rating that fired), or a refused
// duplicate's: a holds-only item in the intake queue, applied by the next batch.
void FeedbackService::enqueue_holds(std::vector<Hold> holds, int round) {
  if (holds.empty()) return;
  if (round >= kHoldRounds) {
    for (auto& h : holds) spdlog::warn("integrity: rating {} to hold ({}) was never stored", h.rating_id, h.flag);
    return;
  }
  auto x = std::make_unique<Prepared>();
  x->row = false;
  x->r = &x->rating;
  x->holds = std::move(holds);
  x->hold_round = round;
  try {
    enqueue(std::move(x));
  } catch (const std::exception& e) {  // stopping
    spdlog::warn("integrity: holds not queued: {}", e.what());
  }
}

std::vector<metrics::Observation> FeedbackService::stored_observations(int64_t form_version_id, int overall,
                                                                       const std::string& answers_json) {
  std::vector<metrics::Observation> obs{{"overall", overall}};
  auto def = forms_.version(form_version_id).def;
  if (!answers_json.empty())
    for (auto& [d, l] : forms::dimension_levels(*def, forms::parse_answers(*def, json::parse(answers_json))))
      obs.push_back({d, l});
  return obs;
}

void FeedbackService::apply_holds(store::Tx& tx, const std::vector<Prepared*>& items, HeldRollups& out) {
  std::map<int64_t, std::string> want;  // rating id -> the rules holding it
  std::map<int64_t, Episode> episode;   // rating id -> the burst it is held in
  for (auto* x : items) {
    x->missing.clear();
    for (auto& h : x->holds) {
      auto& f = want[h.rating_id];
      if (("," + f + ",").find("," + h.flag + ",") == std::string::npos) f += (f.empty() ? "" : ",") + h.flag;
      prefer(episode[h.rating_id], h.episode);
    }
  }
  if (want.empty()) return;
  auto& held = out.held;
  std::map<int64_t, bool> found;
  auto it = want.begin();
  while (it != want.end()) {
    Params p;
    std::string in;
    for (size_t n = 0; n < kChunk && it != want.end(); ++n, ++it) {
      in += in.empty() ? "?" : ",?";
      p.emplace_back(it->first);
    }
    auto rows = tx.query(
        "SELECT r.id, r.status, r.node_id, r.unit_id, r.template_id, r.day, r.overall, r.answers, r.form_version_id, "
        "n.path, r.created_at, (SELECT COUNT(*) FROM rating_reviews v WHERE v.rating_id = r.id) "
        "FROM ratings r JOIN org_nodes n ON n.id = r.node_id WHERE r.id IN (" + in + ") ORDER BY r.id",
        p);
    // In id order: two transactions holding the same ratings (two instances seeing one burst)
    // lock them in one order and never deadlock.
    for (auto& r : rows) {
      int64_t id = r.i64(0);
      found[id] = true;
      // Suspect, rejected, or decided by a reviewer already: not held again.
      if (r.str(1) != "valid" || r.i64(11) > 0) continue;
      const std::string& flags = want[id];
      if (tx.exec("UPDATE ratings SET status = 'suspect', flags = ? WHERE id = ? AND status = 'valid'", {flags, id}) != 1)
        continue;
      tx.exec("UPDATE rating_comments SET status = 'suspect' WHERE rating_id = ?", {id});
      const Episode& e = episode[id];
      tx.exec("INSERT INTO rating_reviews(rating_id, node_id, unit_id, flags, state, created_at, episode_id, episode_rule) "
              "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (rating_id) DO NOTHING",
              {id, r.i64(2), r.i64(3), flags, std::string("pending"), r.i64(10), id_or_null(e.id), e.rule});
      held.push_back({r.i64(2), r.i64(4), static_cast<int>(r.i64(5)), metrics::tree_nodes(r.str(9), r.i64(3)),
                      stored_observations(r.i64(8), static_cast<int>(r.i64(6)), r.str(7))});
    }
  }
  for (auto* x : items)
    for (auto& h : x->holds)
      if (!found.count(h.rating_id)) x->missing.push_back(h);
}

}  // namespace manyi::feedback
