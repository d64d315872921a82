// Bad-review cases (差评): opened for bad ratings after their commit, by a thread of their own,
// and recovered when an opening failed or an instance died with ratings queued.
#include "feedback/service.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <cstdlib>
#include <unordered_set>

#include "cases/intake.hpp"
#include "cases/pii.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "forms/json.hpp"
#include "store/claim.hpp"
#include "store/subtree.hpp"
#include "core/period.hpp"
#include "feedback/internal.hpp"

namespace manyi::feedback {
using store::Params;
using store::Value;
using namespace detail;

void FeedbackService::start_case_opener() {
  // SQLite has one writer: one opener. PostgreSQL spends round trips per case, which several
  // openers overlap (their transactions meet only at the audit chain's head row).
  std::call_once(opener_started_, [this] {
    int n = db_.backend() == store::Backend::postgres ? 4 : 1;
    for (int i = 0; i < n; ++i) openers_.emplace_back([this] { case_opener_loop(); });
  });
  case_cv_.notify_all();
}

// Cases per transaction: each takes ~0.1–0.2 ms of the single SQLite writer, so a transaction of
// 8 delays the rating batches waiting behind it by about a millisecond at most; fewer per
// transaction cannot keep up with a high share of bad reviews (measured: bench/README.md).
// When a backlog builds, transactions grow with it, up to 128 cases, so the opener catches up
// instead of falling further behind.
static size_t cases_per_transaction(size_t waiting) { return std::clamp<size_t>(waiting / 4, 8, 128); }

void FeedbackService::case_opener_loop() {
  pthread_setname_np(pthread_self(), "case-opener");
  for (;;) {
    std::vector<int64_t> ids;
    {
      std::unique_lock lk(case_mu_);
      case_cv_.wait(lk, [&] { return case_stopping_ || !case_queue_.empty(); });
      if (case_queue_.empty()) return;  // stopping and drained
      size_t take = cases_per_transaction(case_queue_.size());
      while (!case_queue_.empty() && ids.size() < take) {
        ids.push_back(case_queue_.front());
        case_queue_.pop_front();
      }
    }
    // The whole batch without savepoints; when any case fails, the batch is rolled back and
    // opened again with each case isolated, so one bad case costs only itself (logged; its
    // rating keeps no case, for a handler to open by hand).
    if (!open_cases(ids, false)) open_cases(ids, true);
  }
}

bool FeedbackService::open_cases(const std::vector<int64_t>& ids, bool isolated) {
  std::promise<bool> finished;
  auto fut = finished.get_future();
  try {
    db_.write_background([this, ids, isolated](store::Tx& tx) {
      for (auto id : ids) open_case_for(tx, id, nullptr, isolated);
    },
                         [&finished, &ids, isolated](std::exception_ptr e) {
                           if (e) {
                             try {
                               std::rethrow_exception(e);
                             } catch (const std::exception& ex) {
                               if (isolated)  // left pending: the next start opens them
                                 spdlog::error("bad-review cases for {} rating(s) not opened: {}", ids.size(), ex.what());
                             }
                           }
                           finished.set_value(!e);
                         });
  } catch (const std::exception& ex) {
    spdlog::error("bad-review cases for {} rating(s) not queued: {}", ids.size(), ex.what());
    return true;  // the database is closing: nothing to retry now
  }
  return fut.get();
}

int64_t FeedbackService::open_case_for(store::Tx& tx, int64_t rating_id, const audit::Actor* who, bool isolated) {
  // Locked while its case is decided: the recovery job of another instance may have queued the
  // same rating, and the one that waits then finds the case opened.
  auto r = tx.query(store::claim(tx,
                                 "SELECT point_id, overall, comment, phone_enc, channel, ip, status, case_id, "
                                 "case_pending FROM ratings WHERE id = ?",
                                 false),
                    {rating_id});
  if (r.empty()) return 0;
  bool pending = r[0].i64(8) != 0;
  if (!who && (!pending || r[0].str(6) != "valid" || !r[0].null(7))) {  // reviewed or opened meanwhile
    if (pending) tx.exec("UPDATE ratings SET case_pending = 0 WHERE id = ?", {rating_id});
    return 0;
  }
  auto pi = point(r[0].i64(0));
  int64_t case_id = 0;
  if (pi) {
    PointInfo info;
    info.point = *pi;
    NewRating nr;
    nr.overall = static_cast<int>(r[0].i64(1));
    nr.comment = r[0].str(2);
    nr.channel = r[0].str(4);
    nr.ip = r[0].str(5);
    if (who) {
      nr.entered_by = who->user_id;
      nr.entered_by_name = who->username;
    }
    std::string phone;
    if (!r[0].null(3)) phone = cases::pii::open(phone_key(), r[0].str(3));
    case_id = open_bad_review(tx, info, nr, rating_id, phone, isolated);
  }
  tx.exec("UPDATE ratings SET case_id = ?, case_pending = 0 WHERE id = ?", {id_or_null(case_id), rating_id});
  return case_id;
}

int64_t FeedbackService::open_case_by_hand(const audit::Actor& who, int64_t rating_id) {
  int64_t case_id = 0;
  db_.write([&](store::Tx& tx) {
    auto r = tx.query("SELECT status, overall, case_id, case_pending FROM ratings WHERE id = ?", {rating_id});
    if (r.empty()) throw not_found("rating");
    if (!r[0].null(2)) throw conflict("case_exists", "this rating already has its bad-review case");
    if (r[0].i64(3)) throw conflict("case_pending", "the case is being opened; please reload in a moment");
    if (r[0].i64(1) > 2) throw invalid("overall", "only a 不满意 or 非常不满意 rating opens a bad-review case");
    if (r[0].str(0) != "valid") throw conflict("not_valid", "only a valid rating opens a case (review it first)");
    case_id = open_case_for(tx, rating_id, &who);
    if (!case_id) throw Error(500, "case_not_opened", "the case could not be opened; the error has been logged");
  });
  return case_id;
}

void FeedbackService::resume_pending_cases(std::optional<int64_t> stored_before) {
  size_t n = 0;
  auto rows = stored_before ? db_.query("SELECT id FROM ratings WHERE case_pending = 1 AND id < ? ORDER BY id",
                                        {id_floor(*stored_before)})
                            : db_.query("SELECT id FROM ratings WHERE case_pending = 1 ORDER BY id");
  {
    std::lock_guard lk(case_mu_);
    for (auto& row : rows) {
      case_queue_.push_back(row.i64(0));
      ++n;
    }
  }
  if (n) {
    spdlog::info("opening {} bad-review case(s) left pending", n);
    start_case_opener();
  }
}

void FeedbackService::mark_staff_device(const audit::Actor& who, int64_t user_id, int64_t staff_id,
                                        const std::string& device) {
  db_.write([&](store::Tx& tx) {
    auto before = tx.query("SELECT user_id FROM staff_devices WHERE device = ?", {device});
    if (!before.empty() && before[0].i64(0) == user_id) return;  // already marked by this user
    tx.exec("INSERT INTO staff_devices(device, user_id, staff_id, marked_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (device) DO UPDATE SET user_id = excluded.user_id, staff_id = excluded.staff_id, "
            "marked_at = excluded.marked_at",
            {device, user_id, id_or_null(staff_id), now_ms()});
    audit::record(tx, who, {"feedback.device.mark", "staff_device", user_id, 0, "", "", "",
                            "控制台设备标记为员工设备"});
  });
  tracker_.mark_staff_device(device);
}

// ---------------------------------------------------------------- reading and review

}  // namespace manyi::feedback
