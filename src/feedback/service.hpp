// FeedbackService: collection points (with an in-memory lookup cache for intake), public and
// console rating intake with the integrity checks, bad-review cases, the review queue, the
// comments list, staff device marking and satisfaction targets. Rollups are written in the
// rating's transaction (metrics/satisfaction.hpp); figures are read through figures().
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <thread>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/audit.hpp"
#include "feedback/integrity.hpp"
#include "feedback/model.hpp"
#include "forms/service.hpp"
#include "metrics/satisfaction.hpp"
#include "metrics/targets.hpp"
#include "org/service.hpp"
#include "store/db.hpp"

namespace manyi::feedback {

struct FeedbackOptions {
  IntegrityOptions integrity;
  int64_t point_cache_ttl_ms = 30'000;
  int64_t ticket_max_age_ms = 24LL * 3600 * 1000;
  double default_target = 0.90;         // 综合满意率 ≥ 90%
  double window_target = 0.85;          // 窗口满意度 ≥ 85%
  double default_followup_target = 1.0; // 回访率 100%
  int64_t default_min_n = 30;           // rankings hide units below this n
};

// The rating id range of a time span (ids are time-ordered: see core/id.hpp).
int64_t id_floor(int64_t ms);
// An id for a rating made at at_ms (a fresh id when at_ms is now).
int64_t rating_id_for(int64_t at_ms);

class FeedbackService {
 public:
  FeedbackService(store::Db& db, org::OrgService& org, forms::FormService& forms, FeedbackOptions o = {});
  ~FeedbackService();  // finishes the queued public ratings
  const FeedbackOptions& options() const { return opts_; }
  IntegrityTracker& integrity() { return tracker_; }
  forms::FormService& forms() { return forms_; }
  org::OrgService& org() { return org_; }
  store::Db& db() { return db_; }

  // ---- points ----
  // The point behind a QR code; nullptr when unknown or switched off. Cached for a short time.
  std::shared_ptr<const PointInfo> lookup(const std::string& code);
  // The same from the cache only: nullptr when not cached or stale (then lookup() off the IO
  // thread).
  std::shared_ptr<const PointInfo> cached(const std::string& code);
  std::optional<Point> point(int64_t id);
  // Points in the scopes (and inside node_path when given), keyset paging on id.
  std::vector<Point> points(const std::vector<std::string>& scope, const std::string& node_path, int64_t cursor,
                            int limit);
  std::vector<Point> points_in(const std::string& node_path);  // all of a subtree, by node code
  // 409 duplicate_point (field node_id or staff_id) when an active point for the same node,
  // staff member and survey exists, unless allow_duplicate.
  Point create_point(const audit::Actor& who, int64_t node_id, int64_t staff_id, const std::string& name,
                     int64_t template_id, bool allow_duplicate = false);
  Point update_point(const audit::Actor& who, int64_t id, const std::optional<std::string>& name,
                     const std::optional<int64_t>& template_id, const std::optional<bool>& active);
  // Attaches a published survey template to every point in the subtree of `node` (kind "" all;
  // "department" / "point" the points of departments / windows; "staff" the staff members'
  // points), in one transaction with one audit entry. Returns how many points changed.
  int64_t attach_template(const audit::Actor& who, const org::Node& node, const std::string& kind, int64_t template_id);
  // The shipped template a new point on this node uses by default (window / outpatient).
  int64_t default_template(const org::Node& n);
  void invalidate_points();
  static std::string new_code();  // 10 characters, ~50 bits, no 0/O/1/I

  // ---- tickets: server-measured completion time ----
  std::string issue_ticket(const std::string& code, int64_t now);
  // Milliseconds since the ticket was issued for this code; nullopt when invalid or stale.
  std::optional<int64_t> ticket_elapsed(const std::string& code, const std::string& ticket, int64_t now);

  // ---- intake ----
  // Public rating (qr/web) for a looked-up point; answers already validated against its form.
  // Checks and prepares on the calling thread — throws 409 already_rated for a duplicate and
  // 422 for bad values — then queues the write and returns at once; done is called from the
  // flusher thread once the rating's batch has committed (or with the write's error). Suspect
  // ratings are stored with their flags. Does not touch the database when intake_ready().
  void submit_public_async(std::shared_ptr<const PointInfo> p, NewRating r, SubmitDone done);
  // The same, waiting for the commit.
  Submitted submit_public(const PointInfo& p, NewRating r);
  // True when public intake needs no database read before queueing (the integrity windows are
  // loaded and the staff devices fresh): it may then run on an IO thread.
  bool intake_ready(int64_t now) const;
  // A rating entered in the console (kiosk, opinion box, follow-up call, phone): audited,
  // no device checks.
  Submitted submit_console(const audit::Actor& who, const PointInfo& p, NewRating r);
  // Inside an existing transaction (follow-up outcome): same as submit_console.
  Submitted submit_in(store::Tx& tx, const audit::Actor& who, const PointInfo& p, NewRating r);

  // ---- receipts (receipt.cpp) ----
  // The receipt of a public rating: "<id>.<MAC>", given to the rater in the 201 answer.
  std::string receipt(int64_t rating_id);
  // The rating's bad-review case as its rater may see it; nullopt when the receipt is forged or
  // the rating does not exist (the same answer for both).
  std::optional<ReceiptCase> receipt_case(const std::string& receipt);

  void mark_staff_device(const audit::Actor& who, int64_t user_id, int64_t staff_id, const std::string& device);

  // ---- reading and review ----
  std::optional<Rating> rating(int64_t id);
  // decision accept | reject. accept: a pending suspect rating becomes valid and counts (and
  // opens its bad-review case); reject: a pending suspect rating, or a valid one on appeal
  // (申诉), is excluded from the figures. Audited with the reason.
  Rating review(const audit::Actor& who, int64_t rating_id, const std::string& decision, const std::string& reason);
  // Opens the bad-review case of a valid 不满意 / 非常不满意 rating that has none (its opening
  // failed), registered by `who`, audited. 409 case_exists / case_pending / not_valid, 422
  // when the rating is not a bad review, 500 when the case service refuses again (logged).
  int64_t open_case_by_hand(const audit::Actor& who, int64_t rating_id);
  // episode: only the ratings held in that episode (0: all).
  std::vector<ReviewRow> review_queue(const std::vector<std::string>& scope, const std::string& node_path,
                                      const std::string& state, int64_t cursor, int limit, int64_t episode = 0);
  // The queue grouped by episode (newest first, keyset paging on the episode id): state
  // pending lists episodes with a rating still to decide, "" all.
  std::vector<EpisodeRow> review_episodes(const std::vector<std::string>& scope, const std::string& node_path,
                                          const std::string& state, int64_t cursor, int limit);
  // Accepts or rejects every pending rating of an episode inside the scope, in one transaction
  // audited once with the count; ratings decided before are left alone. 404 when the episode
  // has no rating in the scope, 409 not_pending when none is left to decide.
  EpisodeDecision review_episode(const audit::Actor& who, const std::vector<std::string>& scope, int64_t episode,
                                 const std::string& decision, const std::string& reason);
  // The number of rows review_queue lists for the same filter (all pages).
  int64_t review_count(const std::vector<std::string>& scope, const std::string& node_path, const std::string& state);
  std::vector<CommentRow> comments(const CommentFilter& f);

  // ---- figures and targets ----
  metrics::Figures& figures() { return figures_; }
  int satisfied_min(int64_t template_id);
  bool is_window(const org::Node& n);
  double target_for(const org::Node& n);
  // Targets of many nodes at once (rankings): a few queries instead of a few per node.
  std::map<int64_t, double> targets_for(const std::vector<org::Node>& nodes);
  double followup_target_for(const org::Node& n);
  void set_target(const audit::Actor& who, const org::Node& n, std::optional<double> target,
                  std::optional<double> followup_target);
  // Dimension codes and names used by the templates (for dashboards).
  std::vector<std::pair<std::string, std::string>> dimensions(int64_t template_id = 0);

  // Loads staff devices and the last day of ratings into the integrity windows, and opens the
  // bad-review cases a previous run left pending (once; the server calls it at start).
  void warm_up();
  // Shares the integrity windows with the other instances on this database (shared_windows.cpp;
  // PostgreSQL — on SQLite there are none): from now on the public ratings this instance stores
  // are published in their transaction and the others' are observed. The server calls it at
  // start, before warm_up. Its counters for /metrics.
  void share_windows();
  std::string sharing_metrics() const;
  // Queues the bad-review cases still to open (of ratings stored before `stored_before`, when
  // given: the recovery job leaves the newest to the openers that have them queued).
  void resume_pending_cases(std::optional<int64_t> stored_before = std::nullopt);

  // Opens the bad-review case of a rating inside tx (isolated in a savepoint: a failure is
  // logged and returns 0, the rating is kept). Used by intake, review and the demo. Not
  // isolated, a failure throws (the case opener's batches, which retry isolated).
  int64_t open_bad_review(store::Tx& tx, const PointInfo& p, const NewRating& r, int64_t rating_id,
                          const std::string& phone, bool isolated = true);

 private:
  struct Prepared;  // a rating ready to write (service.cpp)
  std::shared_ptr<const PointInfo> load_point(const std::string& code);
  void prepare(Prepared& x);
  void write_rows(store::Tx& tx, const std::vector<Prepared*>& items);
  Submitted store(store::Tx* outer, const PointInfo& p, NewRating& r, const std::vector<std::string>& flags,
                  const audit::Actor* who);
  // Public ratings are queued and written in batches: one transaction for all ratings waiting
  // (group commit in the application), rollup deltas merged per row, one batch waiting for
  // the database at a time (on SQLite queued straight from enqueue, on PostgreSQL by a flusher
  // thread). Each request is answered only after its batch has committed.
  void enqueue(std::unique_ptr<Prepared> x);
  // Retroactive holds (holds.cpp): queues earlier ratings to hold in the next batch, and makes
  // the ratings the batch's rules hold suspect inside its transaction; their rollup rows are
  // subtracted in the batch's one rollup statement (out), so every transaction takes its
  // rollup rows' locks in one order (two calls — the new ratings', then the held ones' — made
  // two instances' batches deadlock on PostgreSQL).
  void enqueue_holds(std::vector<Hold> holds, int round);
  struct HeldRollups;
  void apply_holds(store::Tx& tx, const std::vector<Prepared*>& items, HeldRollups& out);
  // The rollup observations of a stored rating (overall and its dimensions).
  std::vector<metrics::Observation> stored_observations(int64_t form_version_id, int overall,
                                                        const std::string& answers_json);
  void answer(Prepared& x, std::exception_ptr e);
  struct BatchStart;
  void submit_batch(std::shared_ptr<BatchStart> start);  // start: the flusher's, or nullptr
  void flusher_loop();
  void write_one(Prepared* x, std::function<void(std::exception_ptr)> done);
  void finished_writing();
  static bool needs_case(const Prepared& x);
  // Bad-review cases of public ratings, opened after their commit (see service.cpp).
  void queue_cases(const std::vector<Prepared*>& items);
  void queue_cases(const std::vector<std::unique_ptr<Prepared>>& batch);
  void start_case_opener();
  void case_opener_loop();
  // One background transaction opening these ratings' cases; false when it failed (rolled back).
  bool open_cases(const std::vector<int64_t>& ids, bool isolated);
  // Opens the bad-review case of a stored rating inside tx and records it on the rating; who is
  // the reviewer accepting it, or nullptr for the case opener (which skips ratings reviewed or
  // opened meanwhile). Returns the case id, 0 when none was opened.
  int64_t open_case_for(store::Tx& tx, int64_t rating_id, const audit::Actor* who, bool isolated = true);
  std::string phone_key();
  std::string ticket_key();
  void refresh_staff_devices(int64_t now);
  // The public ratings stored from from_id on, oldest first, as the windows see them
  // (`valid`: counted in the figures) — the warm-up's, and what the sharing connection missed.
  void for_each_public_rating(int64_t from_id, const std::function<void(const Submission&, bool valid)>& fn);
  // Windows shared between instances (shared_windows.cpp).
  void publish_shared(store::Tx& tx, const std::vector<Prepared*>& items);
  void observe_shared(std::string_view payload);
  void observe_missed(int64_t since_ms);
  void hold_observed(std::vector<Hold> holds);

  store::Db& db_;
  org::OrgService& org_;
  forms::FormService& forms_;
  FeedbackOptions opts_;
  IntegrityTracker tracker_;
  metrics::Figures figures_;

  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<const PointInfo>> cache_;
  std::mutex key_mu_;
  std::string phone_key_, ticket_key_;
  std::mutex rule_mu_;
  std::unordered_map<int64_t, int> rules_;
  std::unordered_map<int64_t, bool> window_templates_;
  std::vector<std::pair<std::string, std::string>> dims_cache_;
  metrics::targets::Table targets_cache_;  // explicit satisfaction.rate targets (small table)
  int64_t targets_cached_at_ = 0;
  metrics::targets::Table explicit_targets();
  int64_t dims_cached_at_ = 0;
  bool window_template(int64_t template_id);
  std::once_flag warm_;
  std::atomic<bool> warmed_{false};
  std::atomic<int64_t> staff_refreshed_{0};

  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::deque<std::unique_ptr<Prepared>> queue_;
  bool stopping_ = false;
  int writing_ = 0;  // batches and single retries handed to the database, not yet answered
  bool batch_queued_ = false;  // without a flusher (SQLite): a batch job waits for the writer

  std::mutex case_mu_;
  std::condition_variable case_cv_;
  std::deque<int64_t> case_queue_;  // rating ids whose bad-review case is still to open
  bool case_stopping_ = false;
  std::vector<std::thread> openers_;
  std::once_flag opener_started_;
  std::thread flusher_;
  std::once_flag flusher_started_;

  std::unique_ptr<store::Listener> listener_;  // set while the windows are shared
  std::string instance_;                       // names this instance's messages (16 hex digits)
  std::atomic<int64_t> shared_sent_{0}, shared_heard_{0}, shared_holds_{0}, shared_gaps_{0};
};

}  // namespace manyi::feedback
